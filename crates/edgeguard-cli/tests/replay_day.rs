//! `edgeguard replay` on a generated day of traffic (tests/replay_support): 10,000 requests in
//! 12 files (gzip and plain, nested directories) with a known mix of allowed and foreign
//! Referers, missing Referers, unknown paths and signed URLs and cookies (valid, expired,
//! expiring at noon, tampered, untrusted key, missing). Every count must be exact.

use crate::replay_support::{day, write, Expected};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const REQUESTS: usize = 10_000;
const FILES: usize = 12;

/// The day, generated and written once for all tests of this file.
fn generated() -> &'static (PathBuf, Expected) {
    static DAY: OnceLock<(PathBuf, Expected)> = OnceLock::new();
    DAY.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("replay-day");
        let _ = std::fs::remove_dir_all(&dir);
        let (files, expected) = day(REQUESTS, FILES);
        write(&dir, &files);
        (dir, expected)
    })
}

/// `edgeguard replay --json` on the whole directory, once.
fn report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        let (dir, _) = generated();
        let out = Command::new(env!("CARGO_BIN_EXE_edgeguard"))
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .args(["replay", "--config", "guard.toml", "--json", "--top", "20"])
            .arg(dir)
            .output()
            .expect("edgeguard runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON document")
    })
}

fn rule(report: &Value, index: Option<usize>) -> &Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == serde_json::json!(index))
        .unwrap_or_else(|| panic!("rule {index:?} in the report"))
}

#[test]
fn every_request_of_every_file_is_decided() {
    let r = report();
    let (_, expected) = generated();
    assert_eq!(r["files"], FILES);
    assert_eq!(r["lines"], REQUESTS);
    assert_eq!(r["requests"], REQUESTS);
    assert_eq!(expected.requests, REQUESTS as u64);
    let (allowed, denied) = expected.allowed_denied();
    assert_eq!(r["allowed"], allowed);
    assert_eq!(r["denied"], denied);
    assert_eq!(r["malformed"]["count"], 0);
    assert_eq!(r["read_errors"]["count"], 0);
}

#[test]
fn per_rule_counts_and_reasons_are_exact() {
    let r = report();
    let (_, expected) = generated();
    for index in [Some(0), Some(1), Some(2), None] {
        let got = rule(r, index);
        let mine: Vec<_> = expected
            .outcomes
            .iter()
            .filter(|((i, _), _)| *i == index)
            .collect();
        let allowed: u64 = mine
            .iter()
            .filter(|((_, why), _)| why.is_none())
            .map(|(_, n)| **n)
            .sum();
        let requests: u64 = mine.iter().map(|(_, n)| **n).sum();
        assert_eq!(got["requests"], requests, "rule {index:?}");
        assert_eq!(got["allowed"], allowed, "rule {index:?}");
        assert_eq!(got["denied"], requests - allowed, "rule {index:?}");
        let by_reason = got["denied_by_reason"].as_object().unwrap();
        let want: Vec<(&str, u64)> = mine
            .iter()
            .filter_map(|((_, why), n)| why.map(|w| (w, **n)))
            .collect();
        assert_eq!(by_reason.len(), want.len(), "rule {index:?}: {by_reason:?}");
        for (reason, n) in want {
            assert_eq!(by_reason[reason], n, "rule {index:?} {reason}");
        }
    }
}

#[test]
fn the_mix_really_contains_every_kind_of_outcome() {
    let (_, expected) = generated();
    for reason in [
        "referer_not_allowed",
        "referer_missing",
        "no_rule",
        "expired",
        "signature_invalid",
        "key_unknown",
        "signature_missing",
    ] {
        assert!(
            expected
                .outcomes
                .keys()
                .any(|(_, why)| *why == Some(reason)),
            "{reason} missing from the generated day"
        );
    }
    for rule in [0, 1, 2] {
        assert!(
            expected.outcomes.contains_key(&(Some(rule), None)),
            "no allow by rule {rule}"
        );
    }
}

#[test]
fn served_then_denied_now_counts_logged_2xx_and_3xx_only() {
    let s = &report()["served_then_denied_now"];
    let (_, expected) = generated();
    let total: u64 = expected.served_then_denied.values().sum();
    assert!(total > 0);
    assert_eq!(s["count"], total);
    assert_eq!(s["status_logged"], REQUESTS);
    for (reason, n) in &expected.served_then_denied {
        assert_eq!(s["by_reason"][reason], *n, "{reason}");
    }
    let examples = s["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 5);
    for e in examples {
        let status = e["status"].as_u64().unwrap();
        assert!((200..400).contains(&status), "{e}");
        assert!(e["file"]
            .as_str()
            .unwrap()
            .contains("E2REPLAYDEMO.2026-01-01-"));
    }
}

#[test]
fn top_denied_referer_hosts_are_exact_counts() {
    let top = &report()["top_denied_referer_hosts"];
    let (_, expected) = generated();
    assert_eq!(top["exact"], true);
    let entries = top["entries"].as_array().unwrap();
    assert_eq!(entries.len(), expected.denied_referer_hosts.len().min(20));
    for e in entries {
        let host = e["key"].as_str().unwrap();
        assert_eq!(e["count"], expected.denied_referer_hosts[host], "{host}");
    }
    assert_eq!(top["other"], 0);
}

#[test]
fn top_denied_paths_are_the_uris_the_guard_saw() {
    let entries = report()["top_denied_paths"]["entries"]
        .as_array()
        .unwrap()
        .clone();
    let keys: Vec<&str> = entries.iter().map(|e| e["key"].as_str().unwrap()).collect();
    // The viewer's `%20` (logged as `%2520`) is what the guard saw: decoded once, not twice.
    assert!(
        keys.iter().any(|k| k.starts_with("/images/photo%20")),
        "{keys:?}"
    );
    assert!(
        !keys.iter().any(|k| k.contains("%25") || k.contains(' ')),
        "{keys:?}"
    );
}
