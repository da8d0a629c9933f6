//! Integration tests: every test drives the real `smelt` binary as a user would.

mod common;

mod bytecode_assembly;
mod cli_modes;
mod errors;
mod examples;
mod exit_status;
mod fuzz_batch;
mod graph_snapshots;
mod jit_backend;
mod native_boundary;
mod pytorch_scripts;
mod repl;
mod stdlib;
mod torch_package;
