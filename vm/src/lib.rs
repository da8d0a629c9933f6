//! The `smelt` binary's library half: the embedded RustPython interpreter with smelt's own
//! `torch` package, the ways of running code (file, `-c`, `-m`, stdin) and the REPL.

pub mod cli;
pub mod float_repr;
pub mod interpreter;
pub mod native;
pub mod repl;
pub mod run;
pub mod source;
