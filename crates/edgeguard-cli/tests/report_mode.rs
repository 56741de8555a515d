//! Report-only mode (`mode = "report"`, top level or per rule): a request the rules would deny
//! goes on unchanged and is logged as `would_deny` with its reason and rule; malformed events
//! and internal errors are always enforced; a typo can never turn enforcement off.

use edgeguard::cloudfront::HandlerResult;
use edgeguard::config::{load_toml, ConfigError, Mode};
use edgeguard::{handle_event_json, Decision, Guard, Label, Outcome, Reason, Verdict};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const NOW: i64 = 1_767_225_600;
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn read_beside_repo(rel: &str) -> Result<String, String> {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).map_err(|e| e.to_string())
}

fn shipped_text() -> String {
    read_beside_repo("guard.toml").unwrap()
}

/// guard.toml with `prefix` put before it (top-level keys) and `edit` applied.
fn config_text(prefix: &str, edit: &dyn Fn(String) -> String) -> String {
    format!("{prefix}{}", edit(shipped_text()))
}

fn load(text: &str) -> Result<edgeguard::Config, ConfigError> {
    load_toml(text, "test.toml", &read_beside_repo).map(|(_, c)| c)
}

fn guard(text: &str) -> Guard {
    Guard::new(load(text).expect("config loads"))
}

fn report_guard() -> Guard {
    guard(&config_text("mode = \"report\"\n", &|t| t))
}

/// The media rule (rules[1]) alone in report mode.
fn media_rule_reports() -> Guard {
    guard(&config_text("", &|t| {
        t.replace(
            "signature_bypasses_referer = true",
            "signature_bypasses_referer = true\nmode = \"report\"",
        )
    }))
}

fn event(name: &str) -> String {
    read_beside_repo(&format!("events/{name}")).unwrap()
}

fn decide(guard: &Guard, name: &str) -> Outcome {
    handle_event_json(guard, &event(name), NOW).unwrap()
}

fn request_of(name: &str) -> Value {
    serde_json::from_str::<Value>(&event(name)).unwrap()["Records"][0]["cf"]["request"].clone()
}

fn result_json(outcome: &Outcome) -> Value {
    serde_json::to_value(&outcome.result).unwrap()
}

// --- configuration ---------------------------------------------------------------------------

#[test]
fn without_mode_every_rule_enforces() {
    let config = load(&shipped_text()).unwrap();
    assert_eq!(config.mode, Mode::Enforce);
    assert!(config.rules.iter().all(|r| r.mode == Mode::Enforce));
}

#[test]
fn top_level_report_mode_reaches_every_rule_without_its_own_mode() {
    let config = load(&config_text("mode = \"report\"\n", &|t| t)).unwrap();
    assert_eq!(config.mode, Mode::Report);
    assert!(config.rules.iter().all(|r| r.mode == Mode::Report));
}

#[test]
fn a_rule_mode_overrides_the_top_level_mode_both_ways() {
    let enforcing_rule = load(&config_text("mode = \"report\"\n", &|t| {
        t.replace(
            "strip_signature = true",
            "strip_signature = true\nmode = \"enforce\"",
        )
    }))
    .unwrap();
    let modes: Vec<Mode> = enforcing_rule.rules.iter().map(|r| r.mode).collect();
    assert_eq!(modes, [Mode::Enforce, Mode::Report, Mode::Report]);
    let reporting_rule = load(&config_text("", &|t| {
        t.replace(
            "signature_bypasses_referer = true",
            "signature_bypasses_referer = true\nmode = \"report\"",
        )
    }))
    .unwrap();
    let modes: Vec<Mode> = reporting_rule.rules.iter().map(|r| r.mode).collect();
    assert_eq!(modes, [Mode::Enforce, Mode::Report, Mode::Enforce]);
}

#[test]
fn an_invalid_mode_is_an_error_naming_file_line_and_key() {
    for (text, line, key) in [
        ("mode = \"Report\"\n", 1, "mode"),
        ("mode = \"count\"\n", 1, "mode"),
        ("mode = \"\"\n", 1, "mode"),
        ("mode = \"report \"\n", 1, "mode"),
    ] {
        let error = load(&config_text(text, &|t| t)).expect_err(text);
        assert_eq!(
            (error.line, error.key.as_str()),
            (Some(line), key),
            "{text}"
        );
        assert_eq!(
            error.to_string(),
            format!("test.toml:{line}: {key}: must be \"enforce\" or \"report\"")
        );
    }
}

#[test]
fn an_invalid_rule_mode_names_the_rule() {
    let text = config_text("", &|t| {
        t.replace(
            "strip_signature = true",
            "strip_signature = true\nmode = \"off\"",
        )
    });
    let error = load(&text).unwrap_err();
    let expected_line = text
        .lines()
        .position(|l| l.starts_with("mode = \"off\""))
        .unwrap()
        + 1;
    assert_eq!(
        error.to_string(),
        format!("test.toml:{expected_line}: rules[0].mode: must be \"enforce\" or \"report\"")
    );
}

#[test]
fn a_mode_that_is_not_a_string_is_refused() {
    for text in ["mode = true\n", "mode = 0\n", "mode = [\"report\"]\n"] {
        let error = load(&config_text(text, &|t| t)).expect_err(text);
        assert_eq!(error.line, Some(1), "{text}: {error}");
    }
}

#[test]
fn the_bundle_config_the_edge_bundle_loads_keeps_the_modes() {
    let (raw, _) = load_toml(
        &config_text("mode = \"report\"\n", &|t| {
            t.replace(
                "strip_signature = true",
                "strip_signature = true\nmode = \"enforce\"",
            )
        }),
        "test.toml",
        &read_beside_repo,
    )
    .unwrap();
    let json = serde_json::to_string(&raw).unwrap();
    let config = edgeguard::config::load_bundle_json(&json).unwrap();
    assert_eq!(config.mode, Mode::Report);
    assert_eq!(config.rules[0].mode, Mode::Enforce);
    assert_eq!(config.rules[1].mode, Mode::Report);
}

#[test]
fn a_config_without_mode_compiles_to_json_without_it() {
    let (raw, _) = load_toml(&shipped_text(), "test.toml", &read_beside_repo).unwrap();
    assert!(!serde_json::to_string(&raw).unwrap().contains("mode"));
}

// --- the guard -------------------------------------------------------------------------------

#[test]
fn report_mode_passes_a_foreign_referer_unchanged_as_would_deny() {
    let outcome = decide(&report_guard(), "referer-foreign.json");
    assert_eq!(outcome.decision, Label::WouldDeny);
    assert_eq!(outcome.reason, Some(Reason::RefererNotAllowed));
    assert_eq!(outcome.rule, Some(1));
    assert_eq!(result_json(&outcome), request_of("referer-foreign.json"));
}

#[test]
fn every_label_names_what_happens_in_each_mode() {
    // (event, enforce label, report label); the report result is the request unchanged.
    for (name, enforce, report) in [
        ("referer-allowed.json", Label::Allow, Label::Allow),
        ("referer-foreign.json", Label::Deny, Label::WouldDeny),
        ("referer-missing.json", Label::Deny, Label::WouldDeny),
        ("path-unmatched.json", Label::Deny, Label::WouldDeny),
        ("signed-url-expired.json", Label::Deny, Label::WouldDeny),
        ("signed-url-tampered.json", Label::Deny, Label::WouldDeny),
        ("path-dot-segment.json", Label::Deny, Label::WouldDeny),
        ("viewer-response.json", Label::Deny, Label::Deny),
        (
            "sam-generated-missing-querystring.json",
            Label::Deny,
            Label::Deny,
        ),
    ] {
        let shipped = guard(&shipped_text());
        assert_eq!(decide(&shipped, name).decision, enforce, "{name} (enforce)");
        let outcome = decide(&report_guard(), name);
        assert_eq!(outcome.decision, report, "{name} (report)");
        if report == Label::WouldDeny {
            assert_eq!(result_json(&outcome), request_of(name), "{name}");
        }
    }
}

#[test]
fn a_would_deny_on_a_strip_signature_rule_keeps_the_signing_parameters() {
    let outcome = decide(&report_guard(), "signed-url-expired.json");
    assert_eq!(outcome.decision, Label::WouldDeny);
    assert_eq!(
        result_json(&outcome)["querystring"],
        request_of("signed-url-expired.json")["querystring"]
    );
}

#[test]
fn an_allowed_signed_url_is_still_stripped_in_report_mode() {
    let outcome = decide(&report_guard(), "signed-url-canned.json");
    assert_eq!(outcome.decision, Label::Allow);
    assert!(!result_json(&outcome)["querystring"]
        .as_str()
        .unwrap()
        .contains("Signature="));
}

#[test]
fn malformed_events_and_internal_errors_are_enforced_in_report_mode() {
    let guard = report_guard();
    for reason in [Reason::EventMalformed, Reason::InternalError] {
        assert!(guard.enforces(&Decision::deny(reason)), "{reason}");
        assert!(guard.enforces(&Decision::Deny {
            rule: Some(1),
            reason
        }));
    }
    let outcome = decide(&guard, "viewer-response.json");
    assert!(matches!(outcome.result, HandlerResult::Response(_)));
}

#[test]
fn a_rule_in_report_mode_passes_only_its_own_denies() {
    let guard = media_rule_reports();
    assert_eq!(
        decide(&guard, "referer-foreign.json").decision,
        Label::WouldDeny
    );
    assert_eq!(
        decide(&guard, "signed-url-expired.json").decision,
        Label::Deny
    );
    assert_eq!(decide(&guard, "path-unmatched.json").decision, Label::Deny);
}

#[test]
fn path_not_normalized_is_enforced_while_any_rule_enforces() {
    let outcome = decide(&media_rule_reports(), "path-dot-segment.json");
    assert_eq!(
        (outcome.decision, outcome.reason),
        (Label::Deny, Some(Reason::PathNotNormalized))
    );
    let all_report = guard(&config_text("", &|t| {
        t.replace(
            "strip_signature = true",
            "strip_signature = true\nmode = \"report\"",
        )
        .replace(
            "signature_bypasses_referer = true",
            "signature_bypasses_referer = true\nmode = \"report\"",
        )
        .replace(
            "signature = \"off\"\n",
            "signature = \"off\"\nmode = \"report\"\n",
        )
    }));
    // Every rule reports but the top level enforces: the pre-rule deny follows the top level.
    assert_eq!(
        decide(&all_report, "path-dot-segment.json").decision,
        Label::Deny
    );
    assert_eq!(
        decide(&report_guard(), "path-dot-segment.json").decision,
        Label::WouldDeny
    );
}

#[test]
fn no_rule_follows_the_top_level_mode() {
    let enforcing_top = guard(&config_text("mode = \"enforce\"\n", &|t| {
        t.replace(
            "signature_bypasses_referer = true",
            "signature_bypasses_referer = true\nmode = \"report\"",
        )
    }));
    assert_eq!(
        decide(&enforcing_top, "path-unmatched.json").decision,
        Label::Deny
    );
    let reporting_top = guard(&config_text("mode = \"report\"\n", &|t| {
        t.replace(
            "strip_signature = true",
            "strip_signature = true\nmode = \"enforce\"",
        )
    }));
    assert_eq!(
        decide(&reporting_top, "path-unmatched.json").decision,
        Label::WouldDeny
    );
}

#[test]
fn the_verdict_says_whether_the_request_passes() {
    let deny = Decision::deny(Reason::NoRule);
    let cases = [
        (
            Verdict::enforced(Decision::Allow {
                rule: 0,
                signed: false,
            }),
            Label::Allow,
            true,
        ),
        (Verdict::enforced(deny.clone()), Label::Deny, false),
        (
            Verdict {
                decision: deny,
                enforced: false,
            },
            Label::WouldDeny,
            true,
        ),
    ];
    for (verdict, label, passes) in cases {
        assert_eq!(
            (verdict.label(), verdict.passes()),
            (label, passes),
            "{verdict:?}"
        );
    }
}

#[test]
fn the_labels_are_defined_once() {
    let codes: Vec<&str> = Label::ALL.iter().map(|l| l.code()).collect();
    assert_eq!(codes, ["allow", "deny", "would_deny"]);
}

// --- the log line ----------------------------------------------------------------------------

#[test]
fn the_would_deny_log_line_names_reason_rule_and_counts_would_deny() {
    let outcome = decide(&report_guard(), "referer-foreign.json");
    let line: Value = serde_json::from_str(&outcome.log_line(NOW * 1000)).unwrap();
    assert_eq!(line["decision"], "would_deny");
    assert_eq!(line["reason"], "referer_not_allowed");
    assert_eq!(line["rule"], 1);
    assert_eq!(line["WouldDeny"], 1);
    assert_eq!(line["Rule"], "1");
    assert!(line.get("Denied").is_none());
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
        "WouldDeny"
    );
}

#[test]
fn allows_are_not_logged_and_denies_and_would_denies_are() {
    assert!(!decide(&report_guard(), "referer-allowed.json").is_logged());
    assert!(decide(&report_guard(), "referer-foreign.json").is_logged());
    assert!(decide(&guard(&shipped_text()), "referer-foreign.json").is_logged());
    let logged = decide(&report_guard(), "referer-foreign.json").logged(NOW * 1000);
    assert_eq!(logged.log, Some(logged.log_line(NOW * 1000)));
    let allowed = decide(&report_guard(), "referer-allowed.json").logged(NOW * 1000);
    assert_eq!(allowed.log, None);
}

// --- CLI -------------------------------------------------------------------------------------

fn report_config_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("edgeguard-report-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    for key in ["K2JCJMDEHXQW5F.pem", "K3ECDSAP256DEMO.pem"] {
        std::fs::copy(
            Path::new(ROOT).join("keys").join(key),
            dir.join("keys").join(key),
        )
        .unwrap();
    }
    let file = dir.join("guard.toml");
    std::fs::write(&file, config_text("mode = \"report\"\n", &|t| t)).unwrap();
    file
}

fn edgeguard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .args(args)
        .current_dir(ROOT)
        .output()
        .unwrap()
}

#[test]
fn check_shows_would_deny_and_exits_0_because_the_request_goes_on() {
    let config = report_config_file("check");
    let config = config.to_str().unwrap();
    let args = [
        "check",
        "--config",
        config,
        "--url",
        "https://d111111abcdef8.cloudfront.net/images/cat.jpg",
        "--referer",
        "https://hotlinker.example.net/",
    ];
    let text = edgeguard(&args);
    assert_eq!(text.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&text.stdout),
        "would deny (referer_not_allowed, rule 1): report mode, the request goes on\n"
    );
    let json = edgeguard(&[&args[..], &["--json"]].concat());
    let line: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(line["decision"], "would_deny");
    assert_eq!(line["reason"], "referer_not_allowed");
    assert_eq!(line["rule"], 1);
    assert!(line.get("status").is_none(), "{line}");
}

#[test]
fn invoke_shows_would_deny_and_returns_the_request() {
    let config = report_config_file("invoke");
    let out = edgeguard(&[
        "invoke",
        "--config",
        config.to_str().unwrap(),
        "--now",
        &NOW.to_string(),
        "--outcome",
        "--explain",
        "events/referer-foreign.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["decision"], "would_deny");
    assert_eq!(outcome["result"], request_of("referer-foreign.json"));
    let explained: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(explained["decision"], "would_deny");
    assert_eq!(explained["_aws"]["Timestamp"], NOW * 1000);
    assert_eq!(outcome["log"].as_str().unwrap(), explained.to_string());
}
