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

/// Package names in `cargo tree -p edgeguard -e normal` for the given feature arguments.
fn normal_dependencies(features: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "-p", "edgeguard", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(features)
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

fn assert_no_binary_dependency(features: &[&str]) {
    let deps = normal_dependencies(features);
    assert!(
        deps.iter().any(|d| d == "serde_json"),
        "tree looks empty: {deps:?}"
    );
    for name in BINARY_ONLY {
        assert!(
            !deps.iter().any(|d| d == name),
            "edgeguard {features:?} depends on {name}: {deps:?}"
        );
    }
}

#[test]
fn library_without_features_has_no_binary_dependency() {
    assert_no_binary_dependency(&["--no-default-features"]);
}

#[test]
fn library_with_every_feature_has_no_binary_dependency() {
    assert_no_binary_dependency(&["--all-features"]);
}
