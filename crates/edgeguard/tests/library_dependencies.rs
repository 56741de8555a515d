//! The library stands alone: built with no features (as the WebAssembly bundle builds it) or with
//! every optional API, it never pulls in a binary crate's dependencies.

use std::process::Command;

/// Dependencies only the binaries (CLI, `serve`, the Lambda bootstrap) may have.
const BINARY_ONLY: &[&str] = &[
    "clap",
    "tokio",
    "hyper",
    "hyper-util",
    "lambda_runtime",
    "indicatif",
    "mime_guess",
    "getrandom",
];

/// Package names in `cargo tree -e normal` of the given package and arguments.
fn tree(package: &str, args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "-p", package, "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Package names in `cargo tree -p edgeguard -e normal` for the given feature arguments.
fn normal_dependencies(features: &[&str]) -> Vec<String> {
    tree("edgeguard", features)
}

/// Fails unless `deps` has `present` (so the tree is not empty) and none of `absent`.
fn assert_tree(what: &str, deps: &[String], present: &str, absent: &[&str]) {
    assert!(
        deps.iter().any(|d| d == present),
        "{what}: tree looks empty: {deps:?}"
    );
    for name in absent {
        assert!(
            !deps.iter().any(|d| d == name),
            "{what} depends on {name}: {deps:?}"
        );
    }
}

fn assert_no_binary_dependency(features: &[&str]) {
    let deps = normal_dependencies(features);
    assert_tree(
        &format!("edgeguard {features:?}"),
        &deps,
        "serde_json",
        BINARY_ONLY,
    );
}

#[test]
fn library_without_features_has_no_binary_dependency() {
    assert_no_binary_dependency(&["--no-default-features"]);
}

#[test]
fn library_with_every_feature_has_no_binary_dependency() {
    assert_no_binary_dependency(&["--all-features"]);
}

/// What an edge module for a config without `~REGEX` must not carry: regex engines, RustCrypto
/// arithmetic (the host verifies), and Unicode tables (Cargo.lock pins idna_adapter to its
/// no-tables stream; an update that brings ICU4X back fails here).
const NOT_IN_THE_EDGE_MODULE: &[&str] = &[
    "regex",
    "regex-automata",
    "regex-syntax",
    "rsa",
    "p256",
    "crypto-bigint",
    "sha1",
    "sha2",
    "icu_normalizer",
    "icu_properties",
    "unicode-normalization",
];

fn edge_module(features: &[&str]) -> Vec<String> {
    let mut args = vec!["--target", "wasm32-unknown-unknown"];
    if !features.is_empty() {
        args.extend(["--features", features[0]]);
    }
    tree("edgeguard-wasm", &args)
}

#[test]
fn edge_module_without_features_has_no_regex_crypto_arithmetic_or_unicode_tables() {
    let deps = edge_module(&[]);
    assert_tree("the edge module", &deps, "url", NOT_IN_THE_EDGE_MODULE);
}

#[test]
fn edge_module_for_a_regex_config_adds_the_regex_engine_only() {
    let deps = edge_module(&["regex"]);
    let absent: Vec<&str> = NOT_IN_THE_EDGE_MODULE
        .iter()
        .copied()
        .filter(|n| !n.starts_with("regex"))
        .collect();
    assert_tree("the regex edge module", &deps, "regex", &absent);
}
