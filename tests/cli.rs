//! The CLI contract that scripts and tests outside this repository drive: exact flags, exit
//! codes (0 allow, 1 deny, 2 usage or config error) and the `--json` line.

use serde_json::Value;
use std::process::{Command, Output};

fn edgeguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .args(args)
        .output()
        .expect("edgeguard runs")
}

fn json_line(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("one JSON line on stdout")
}

const IMAGE: &str = "https://d111111abcdef8.cloudfront.net/images/cat.jpg";

#[test]
fn check_allows_an_allowed_referer_with_exit_0() {
    let out = edgeguard(&[
        "check",
        "--config",
        "guard.toml",
        "--url",
        IMAGE,
        "--referer",
        "https://www.example.com/",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let line = json_line(&out);
    assert_eq!(line["decision"], "allow");
    assert_eq!(line["reason"], Value::Null);
}

#[test]
fn check_denies_a_foreign_referer_with_exit_1_and_the_reason() {
    let out = edgeguard(&[
        "check",
        "--config",
        "guard.toml",
        "--url",
        IMAGE,
        "--referer",
        "https://evil.example.net/",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let line = json_line(&out);
    assert_eq!(line["decision"], "deny");
    assert_eq!(line["reason"], "referer_not_allowed");
    assert_eq!(line["status"], 403);
}

#[test]
fn check_with_two_referer_flags_sends_two_headers() {
    let out = edgeguard(&[
        "check",
        "--config",
        "guard.toml",
        "--url",
        IMAGE,
        "--referer",
        "https://example.com/",
        "--referer",
        "https://example.com/",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "referer_malformed");
}

#[test]
fn check_without_referer_reports_referer_missing() {
    let out = edgeguard(&["check", "--config", "guard.toml", "--url", IMAGE, "--json"]);
    assert_eq!(json_line(&out)["reason"], "referer_missing");
}

#[test]
fn check_on_an_unmatched_path_reports_no_rule() {
    let out = edgeguard(&[
        "check",
        "--config",
        "guard.toml",
        "--url",
        "https://d111111abcdef8.cloudfront.net/admin",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_line(&out)["reason"], "no_rule");
}

#[test]
fn check_text_output_names_decision_and_reason() {
    let out = edgeguard(&[
        "check",
        "--config",
        "guard.toml",
        "--url",
        IMAGE,
        "--referer",
        "https://evil.example.net/",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("deny") && text.contains("referer_not_allowed"),
        "{text}"
    );
}

#[test]
fn check_with_a_missing_config_exits_2() {
    let out = edgeguard(&["check", "--config", "does-not-exist.toml", "--url", IMAGE]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does-not-exist.toml"));
}

#[test]
fn check_with_an_unparsable_url_exits_2() {
    let out = edgeguard(&["check", "--config", "guard.toml", "--url", "not a url"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_flag_exits_2() {
    assert_eq!(edgeguard(&["check", "--bogus"]).status.code(), Some(2));
}

#[test]
fn invoke_prints_the_request_for_an_allowed_event() {
    let out = edgeguard(&[
        "invoke",
        "--config",
        "guard.toml",
        "--now",
        "1767225600",
        "events/referer-allowed.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let result = json_line(&out);
    assert_eq!(result["uri"], "/images/cat.jpg");
    assert!(result.get("status").is_none());
}

#[test]
fn invoke_prints_the_deny_response_and_exits_0() {
    let out = edgeguard(&[
        "invoke",
        "--config",
        "guard.toml",
        "--now",
        "1767225600",
        "events/referer-foreign.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let result = json_line(&out);
    assert_eq!(result["status"], "403");
    assert_eq!(result["headers"]["cache-control"][0]["value"], "no-store");
}

#[test]
fn invoke_on_text_that_is_not_json_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, "{not json").unwrap();
    let out = edgeguard(&["invoke", "--config", "guard.toml", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn invoke_on_json_that_is_not_an_event_denies_as_event_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.json");
    std::fs::write(
        &path,
        r#"{"Records":[{"cf":{"config":{},"request":{"uri":"/images/a.jpg"}}}]}"#,
    )
    .unwrap();
    let out = edgeguard(&[
        "invoke",
        "--config",
        "guard.toml",
        "--outcome",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let outcome = json_line(&out);
    assert_eq!(outcome["reason"], "event_malformed");
    assert_eq!(outcome["result"]["status"], "403");
}

#[test]
fn config_check_prints_a_one_line_summary() {
    let out = edgeguard(&["config", "check", "guard.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("ok"), "{text}");
}

#[test]
fn config_check_rejects_a_bad_config_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[[rules]]\npaths = [\"/a b\"]\n").unwrap();
    let out = edgeguard(&["config", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:2: rules[0].paths[0]"), "{err}");
}
