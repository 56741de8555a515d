//! The CLI's integration tests as one test binary (as ripgrep's `tests/tests.rs`): one module per
//! behaviour area, plus the helpers they share, compiled and linked once.
//! `cargo test -p edgeguard-cli --test cli_spec MODULE::` runs one area.

// Shared helpers.
mod replay_support;
mod serve_support;
/// `table_tests!`, the one definition the library's test binary uses too.
#[path = "../../edgeguard/tests/support/table.rs"]
mod table;

// Behaviour areas, one module per former test file.
mod attach;
mod build_refuses_demo_keys;
mod cli;
mod config_digest;
mod migrate;
mod replay_cli;
mod replay_day;
mod report_mode;
mod serve_files;
mod serve_lifecycle;
mod serve_signed;
mod serve_upstream;
