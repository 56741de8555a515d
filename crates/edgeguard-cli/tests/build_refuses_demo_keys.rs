//! The build scripts and make targets reach the edge only through `edgeguard config compile` /
//! `edgeguard cff`, so they refuse a config that trusts a demo key unless EDGEGUARD_DEMO=1 marks
//! the build as a demo, and `make deploy` refuses it even then.
//!
//! Nothing is built here: `CARGO=true` turns each script's `cargo build` into a no-op (cargo
//! already built the CLI for this test) and the refusal comes before any other step. No AWS:
//! `SAM` is replaced by an `echo` that would show if it ever ran.

use std::process::{Command, Output};

const CLI: &str = env!("CARGO_BIN_EXE_edgeguard");
const KEYGEN_ADVICE: &str = "edgeguard keygen --algorithm rsa --out-dir keys --name mykey";

fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(program);
    command.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    command
        .args(args)
        .env_remove("EDGEGUARD_DEMO")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env("CARGO", "true")
        .env("EDGEGUARD_BIN", CLI);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_refused(out: &Output) {
    assert!(!out.status.success(), "not refused: {}", text(out));
    assert!(text(out).contains(KEYGEN_ADVICE), "{}", text(out));
}

#[test]
fn package_edge_refuses_guard_toml_without_the_demo_mark() {
    assert_refused(&run("scripts/package-edge.sh", &["guard.toml"], &[]));
}

#[test]
fn package_edge_takes_only_edgeguard_demo_1_as_the_mark() {
    for not_a_mark in ["", "0", "yes", "true"] {
        let out = run(
            "scripts/package-edge.sh",
            &["guard.toml"],
            &[("EDGEGUARD_DEMO", not_a_mark)],
        );
        assert_refused(&out);
    }
}

#[test]
fn package_native_refuses_guard_toml_without_the_demo_mark() {
    assert_refused(&run("scripts/package-native.sh", &["guard.toml"], &[]));
}

#[test]
fn make_cff_refuses_guard_toml_without_the_demo_mark() {
    let edgeguard = format!("EDGEGUARD={CLI}");
    let out = run(
        "make",
        &["--no-print-directory", "cff", "CARGO=true", &edgeguard],
        &[],
    );
    assert_refused(&out);
}

#[test]
fn make_passes_the_demo_mark_to_the_cli_and_the_scripts() {
    let out = run(
        "make",
        &["-n", "cff", "package", "build-native", "EDGEGUARD_DEMO=1"],
        &[],
    );
    let plan = text(&out);
    assert!(plan.contains("edgeguard cff --allow-demo-keys"), "{plan}");
    assert!(
        plan.contains("EDGEGUARD_DEMO=1 scripts/package-edge.sh"),
        "{plan}"
    );
    assert!(
        plan.contains("EDGEGUARD_DEMO=1 scripts/package-native.sh"),
        "{plan}"
    );
}

#[test]
fn the_test_and_demo_targets_mark_their_builds_as_demos() {
    for target in ["test-cff", "test-edge", "bench"] {
        let plan = text(&run("make", &["-n", target], &[]));
        assert!(
            plan.contains("--allow-demo-keys") || plan.contains("EDGEGUARD_DEMO=1 scripts/"),
            "{target}: {plan}"
        );
    }
}

#[test]
fn make_deploy_refuses_guard_toml_even_with_the_demo_mark_and_never_reaches_sam() {
    let edgeguard = format!("EDGEGUARD={CLI}");
    for (args, env) in [
        (vec!["deploy", "EDGEGUARD_DEMO=1"], vec![]),
        (vec!["deploy"], vec![("EDGEGUARD_DEMO", "1")]),
    ] {
        let mut args = args;
        args.extend([
            "--no-print-directory",
            "CARGO=true",
            &edgeguard,
            "SAM=echo SAM-RAN",
        ]);
        let out = run("make", &args, &env);
        assert_refused(&out);
        assert!(!text(&out).contains("SAM-RAN build"), "{}", text(&out));
    }
}

#[test]
fn make_deploy_plan_has_no_demo_mark_and_clears_it_for_sam_build() {
    let plan = text(&run(
        "make",
        &["-n", "deploy", "EDGEGUARD_DEMO=1"],
        &[("EDGEGUARD_DEMO", "1")],
    ));
    assert!(!plan.contains("--allow-demo-keys"), "{plan}");
    assert!(!plan.contains("EDGEGUARD_DEMO=1"), "{plan}");
    let sam_build = plan
        .lines()
        .find(|l| l.contains("sam build"))
        .unwrap_or_else(|| panic!("no sam build in {plan}"));
    // sam build runs `make build-GuardFunction`: neither the variable nor make's command-line
    // flags (which would carry EDGEGUARD_DEMO=1 to that make) may reach it.
    for cleared in ["-u EDGEGUARD_DEMO", "-u MAKEFLAGS"] {
        assert!(sam_build.contains(cleared), "{sam_build}");
    }
}
