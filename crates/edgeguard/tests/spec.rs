//! The library's integration tests as one test binary (as ripgrep's `tests/tests.rs`): one
//! module per behaviour area, plus the helpers they share, compiled and linked once.
//! `cargo test -p edgeguard --test spec MODULE::` runs one area.

// Shared helpers.
mod fuzz_harness;
mod signed_support;
mod support;

// Behaviour areas, one module per former test file.
mod adversarial_referer;
mod adversarial_signed;
mod aws_cloudfront_sign_vectors;
mod config_loading;
mod demo_keys;
mod emf_structure;
mod event_detail;
mod event_fields;
mod event_types;
mod events;
mod fuzz_corpus;
mod library_dependencies;
mod nginx_conformance;
mod path_normalisation;
mod properties;
mod referer_patterns;
mod replay_documented_format;
mod repository_stands_alone;
mod resource_limits;
mod signed_events;
mod signed_keys;
mod signed_props;
mod signed_rules;
mod signed_vectors;
mod signed_verify;
