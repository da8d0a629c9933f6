use std::process::ExitCode;

fn main() -> ExitCode {
    smelt_vm::cli::main()
}
