//! The CLI contract that scripts and tests outside this repository drive: exact flags, exit
//! codes (0 allow, 1 deny, 2 usage or config error) and the `--json` line.

use crate::table::table_tests;
use serde_json::{json, Value};
use std::process::{Command, Output};

fn edgeguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(args)
        .output()
        .expect("edgeguard runs")
}

fn json_line(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("one JSON line on stdout")
}

const IMAGE: &str = "https://d111111abcdef8.cloudfront.net/images/cat.jpg";

/// `check --config guard.toml --url URL [--referer R]... --json`: its exit code and the members
/// of its JSON line that `expected` names.
fn check_json((url, referers): (&str, &[&str]), (exit, expected): (i32, Value)) {
    let mut args = vec!["check", "--config", "guard.toml", "--url", url];
    for referer in referers {
        args.extend(["--referer", referer]);
    }
    args.push("--json");
    let out = edgeguard(&args);
    assert_eq!(out.status.code(), Some(exit));
    let line = json_line(&out);
    for (member, value) in expected.as_object().expect("members to compare") {
        assert_eq!(&line[member], value, "{member}");
    }
}

table_tests! { check_json;
    check_allows_an_allowed_referer_with_exit_0: (IMAGE, &["https://www.example.com/"])
        => (0, json!({"decision": "allow", "reason": null})),
    check_denies_a_foreign_referer_with_exit_1_and_the_reason: (IMAGE, &["https://evil.example.net/"])
        => (1, json!({"decision": "deny", "reason": "referer_not_allowed", "status": 403})),
    check_with_two_referer_flags_sends_two_headers:
        (IMAGE, &["https://example.com/", "https://example.com/"])
        => (1, json!({"reason": "referer_malformed"})),
    check_without_referer_reports_referer_missing: (IMAGE, &[])
        => (1, json!({"reason": "referer_missing"})),
    check_on_an_unmatched_path_reports_no_rule: ("https://d111111abcdef8.cloudfront.net/admin", &[])
        => (1, json!({"reason": "no_rule"})),
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
fn invoke_denies_a_dot_segment_path_with_path_not_normalized_and_no_rule() {
    let out = edgeguard(&[
        "invoke",
        "--config",
        "guard.toml",
        "--outcome",
        "--explain",
        "events/path-dot-segment.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let outcome = json_line(&out);
    assert_eq!(outcome["decision"], "deny");
    assert_eq!(outcome["reason"], "path_not_normalized");
    assert_eq!(outcome["rule"], Value::Null);
    assert_eq!(outcome["result"]["status"], "403");
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"reason\":\"path_not_normalized\""));
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

#[test]
fn sign_reads_an_rsa_key_in_pkcs8_and_in_pkcs1_form_alike() {
    // OpenSSL 3's `openssl genrsa` writes PKCS#8 (`BEGIN PRIVATE KEY`), `-traditional` and older
    // releases PKCS#1 (`BEGIN RSA PRIVATE KEY`), the only form the AWS CLI v1 reads.
    use p256::pkcs8::{DecodePrivateKey, LineEnding};
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let pkcs8_path = "tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem";
    let pkcs8 =
        std::fs::read_to_string(format!("{}/../../{pkcs8_path}", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"));
    let pkcs1 = rsa::PrivateKey::from_pkcs8_pem(&pkcs8)
        .unwrap()
        .to_pkcs1_pem(LineEnding::LF)
        .unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let dir = std::env::temp_dir().join(format!("edgeguard-cli-pkcs1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pkcs1_path = dir.join("key.pem");
    std::fs::write(&pkcs1_path, pkcs1.as_bytes()).unwrap();
    let sign = |key: &str| {
        let out = edgeguard(&[
            "sign",
            "--url",
            "https://d111111abcdef8.cloudfront.net/private/a.mp4",
            "--key-pair-id",
            "K2JCJMDEHXQW5F",
            "--private-key",
            key,
            "--date-less-than",
            "2030-01-01",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let from_pkcs8 = sign(pkcs8_path);
    let from_pkcs1 = sign(pkcs1_path.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(from_pkcs8.contains("&Signature="));
    assert_eq!(from_pkcs8, from_pkcs1);
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("edgeguard-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A config in `dir` trusting a key made by `edgeguard keygen` there, as the refusal says to.
fn config_with_a_fresh_key(dir: &std::path::Path) -> std::path::PathBuf {
    let keys = dir.join("keys");
    let out = edgeguard(&[
        "keygen",
        "--algorithm",
        "ecdsa",
        "--out-dir",
        keys.to_str().unwrap(),
        "--name",
        "mykey",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = dir.join("mine.toml");
    std::fs::write(
        &config,
        "[keys]\nKMYKEY = { pem_file = \"keys/mykey.pem\" }\n\n[[rules]]\npaths = [\"/private/*\"]\nsignature = \"required\"\n",
    )
    .unwrap();
    config
}

const KEYGEN_ADVICE: &str = "edgeguard keygen --algorithm rsa --out-dir keys --name mykey";

fn assert_refuses_demo_keys(out: &Output) {
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "wrote {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    for needed in [
        "K2JCJMDEHXQW5F",
        "K3ECDSAP256DEMO",
        "tests/fixtures/keys/",
        KEYGEN_ADVICE,
        "[keys]",
        "--allow-demo-keys",
    ] {
        assert!(err.contains(needed), "{needed:?} missing: {err}");
    }
}

#[test]
fn config_compile_refuses_the_demo_keys_and_says_how_to_make_a_key() {
    assert_refuses_demo_keys(&edgeguard(&["config", "compile", "guard.toml"]));
}

#[test]
fn config_compile_with_allow_demo_keys_compiles_them_and_warns() {
    let out = edgeguard(&["config", "compile", "--allow-demo-keys", "guard.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let compiled = json_line(&out);
    assert!(compiled["keys"]["K2JCJMDEHXQW5F"]["pem"].is_string());
    assert!(String::from_utf8_lossy(&out.stderr).contains("never deploy"));
}

#[test]
fn config_compile_accepts_a_fresh_key_from_keygen_without_any_mark() {
    let config = config_with_a_fresh_key(&scratch("fresh-compile"));
    let out = edgeguard(&["config", "compile", config.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json_line(&out)["keys"]["KMYKEY"]["pem"].is_string());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn config_compile_refuses_a_demo_key_under_another_key_pair_id() {
    let dir = scratch("renamed-demo");
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../keys/K3ECDSAP256DEMO.pem"
        ),
        dir.join("keys/mine.pem"),
    )
    .unwrap();
    let config = dir.join("renamed.toml");
    std::fs::write(
        &config,
        "[keys]\nKLOOKSLIKEMINE = { pem_file = \"keys/mine.pem\" }\n\n[[rules]]\npaths = [\"/*\"]\nsignature = \"required\"\n",
    )
    .unwrap();
    let out = edgeguard(&["config", "compile", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("KLOOKSLIKEMINE") && err.contains(KEYGEN_ADVICE),
        "{err}"
    );
}

#[test]
fn cff_refuses_the_demo_keys_and_writes_nothing() {
    let out_file = scratch("cff-refused").join("guard.js");
    let out = edgeguard(&[
        "cff",
        "--config",
        "guard.toml",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_refuses_demo_keys(&out);
    assert!(!out_file.exists());
}

#[test]
fn cff_with_allow_demo_keys_generates_the_function() {
    let out_file = scratch("cff-demo").join("guard.js");
    let out = edgeguard(&[
        "cff",
        "--allow-demo-keys",
        "--config",
        "guard.toml",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&out_file)
        .unwrap()
        .contains("function handler"));
}

#[test]
fn cff_accepts_a_fresh_key_from_keygen_without_any_mark() {
    let dir = scratch("fresh-cff");
    let config = config_with_a_fresh_key(&dir);
    let out = edgeguard(&[
        "cff",
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.join("guard.js").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn local_commands_still_run_on_the_demo_config_and_config_check_warns() {
    let out = edgeguard(&["config", "check", "guard.toml"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning") && err.contains("K2JCJMDEHXQW5F"),
        "{err}"
    );
    let out = edgeguard(&[
        "invoke",
        "--config",
        "guard.toml",
        "events/referer-allowed.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn invoke_explain_names_the_field_a_sam_generated_event_lacks() {
    for (event, detail) in [
        (
            "events/sam-generated-missing-querystring.json",
            "Records[0].cf.request.querystring: missing field",
        ),
        (
            "events/sam-generated-missing-clientip.json",
            "Records[0].cf.request.clientIp: missing field",
        ),
    ] {
        let out = edgeguard(&["invoke", "--config", "guard.toml", "--explain", event]);
        assert_eq!(out.status.code(), Some(0));
        let log: Value = serde_json::from_slice(&out.stderr).expect("one JSON line on stderr");
        assert_eq!(log["reason"], "event_malformed");
        assert_eq!(log["detail"], detail, "{event}");
    }
}

#[test]
fn invoke_explain_names_the_event_type_of_a_viewer_response_event() {
    let out = edgeguard(&[
        "invoke",
        "--config",
        "guard.toml",
        "--explain",
        "events/viewer-response.json",
    ]);
    let log: Value = serde_json::from_slice(&out.stderr).expect("one JSON line on stderr");
    assert_eq!(log["reason"], "event_malformed");
    assert!(
        log["detail"]
            .as_str()
            .unwrap()
            .starts_with("Records[0].cf.config.eventType: \"viewer-response\""),
        "{log}"
    );
}
