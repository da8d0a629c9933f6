//! Command line: what the user asked smelt to run, and the process exit status it ends with.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::run::{self, Mode};

const ABOUT: &str = "smelt: a torch.compile you can hold in one Rust binary.\n\
Runs PyTorch-style Python scripts on an embedded Python VM with smelt's own `torch`.";

const AFTER_HELP: &str = "With no command and no -c/-m, smelt runs a script read from standard input, \
or opens the REPL when standard input is a terminal.";

#[derive(Parser, Debug)]
#[command(
    name = "smelt",
    version = crate::interpreter::VERSION_LINE,
    about = ABOUT,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Run CODE as the program; any further arguments go to sys.argv[1:]
    #[arg(
        short = 'c',
        value_name = "CODE",
        num_args = 1..,
        allow_hyphen_values = true,
        conflicts_with = "module"
    )]
    command: Option<Vec<String>>,

    /// Run library module MODULE as `__main__`; any further arguments go to sys.argv[1:]
    #[arg(short = 'm', value_name = "MODULE", num_args = 1.., allow_hyphen_values = true)]
    module: Option<Vec<String>>,

    #[command(subcommand)]
    subcommand: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a Python script as `__main__` (sys.argv = [FILE, ARGS...])
    Run {
        /// The script to run (a directory or zip file with a __main__.py also works)
        file: PathBuf,
        /// Arguments passed to the script as sys.argv[1:]
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Run a Python script and print, for every frame torch.compile compiles, its bytecode
    /// before and after, its graph breaks with reasons and source lines, its graphs, guards
    /// and recompiles (all TORCH_LOGS artifacts, on stdout, in order with the script's output)
    Dump {
        /// The script to run
        file: PathBuf,
        /// Arguments passed to the script as sys.argv[1:]
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

impl Cli {
    fn into_mode(self) -> Mode {
        if let Some(mut parts) = self.command {
            let code = parts.remove(0);
            return Mode::Command { code, args: parts };
        }
        if let Some(mut parts) = self.module {
            let module = parts.remove(0);
            return Mode::Module {
                module,
                args: parts,
            };
        }
        match self.subcommand {
            Some(Command::Run { file, args }) => Mode::Script { file, args },
            Some(Command::Dump { file, args }) => {
                // torch._logging reads this when torch is imported.
                // SAFETY: set before the interpreter (or any other thread) starts.
                unsafe { std::env::set_var("SMELT_DUMP", "1") };
                Mode::Script { file, args }
            }
            None if std::io::stdin().is_terminal() => Mode::Repl,
            None => Mode::Stdin,
        }
    }
}

/// Parses the command line and runs it; clap's usage errors exit with 2 as CPython's do.
pub fn main() -> ExitCode {
    // A panic outside every binding is reported in one paragraph; inside one it becomes a
    // Python exception (native/boundary.rs).
    crate::native::boundary::install_panic_hook();
    let cli = Cli::parse();
    let status = run::run(cli.into_mode());
    ExitCode::from(status)
}
