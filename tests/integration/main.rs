//! Integration tests: every test drives the real `smelt` binary as a user would.

mod common;

mod cli_modes;
mod errors;
mod exit_status;
mod repl;
mod stdlib;
mod tensor_eager;
mod tensor_ops;
mod torch_package;
