//! cargo-fuzz target `event_json`: see tests/fuzz_harness/mod.rs for what it checks.
#![no_main]

#[path = "../../crates/edgeguard/tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::event_json(data));
