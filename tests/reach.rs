//! Everything the API reaches beyond the verbs, against the simulator, in one test
//! binary: the CLI passthrough, actions, record-based verbs, uploads and file contents.

mod common;

#[path = "reach/actions.rs"]
mod actions;
#[path = "reach/cli.rs"]
mod cli;
#[path = "reach/records.rs"]
mod records;
#[path = "reach/transfer.rs"]
mod transfer;
