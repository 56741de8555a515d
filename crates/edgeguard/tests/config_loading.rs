//! Loading configs: the documented minimal file works, and every mistake is reported with the
//! file, the key and (where it can be told) the line.

use crate::support::table_tests;
use edgeguard::config::{self, load_toml, ConfigError, SignatureMode};
use edgeguard::referer::MissingReferer;

const DEMO_KEY: &str = include_str!("../../../keys/K2JCJMDEHXQW5F.pem");

fn read_demo_key(path: &str) -> Result<String, String> {
    if path == "keys/K2JCJMDEHXQW5F.pem" {
        Ok(DEMO_KEY.to_string())
    } else {
        Err("No such file or directory (os error 2)".into())
    }
}

fn load(text: &str) -> Result<config::Config, ConfigError> {
    load_toml(text, "test.toml", &read_demo_key).map(|(_, c)| c)
}

fn load_err(text: &str) -> ConfigError {
    load(text).expect_err("config should be rejected")
}

const MINIMAL: &str = r#"
scheme = "https"                # scheme used to rebuild signed-URL resources (viewer-request cannot see it)

[keys]                          # Key-Pair-Id -> public key (used by #3)
K2JCJMDEHXQW5F = { pem_file = "keys/K2JCJMDEHXQW5F.pem" }   # or { pem = "-----BEGIN PUBLIC KEY-----\n..." }

[[rules]]                       # first rule whose path glob matches the URI applies
paths = ["/images/*", "/media/*"]
referer = { allow = ["example.com", "*.example.com"], missing = "deny" }
signature = "off"               # "off" | "optional" | "required" (semantics: #3)

[[rules]]
paths = ["/*"]
signature = "off"               # a rule without `referer` does not check it

[deny]
status = 403
body = "Forbidden"
content_type = "text/plain; charset=utf-8"
# redirect = "https://example.com/hotlink.png"   # 302 with Location instead of a body
"#;

#[test]
fn the_documented_minimal_config_loads() {
    let config = load(MINIMAL).unwrap();
    assert_eq!(config.scheme, "https");
    assert_eq!(config.keys.len(), 1);
    assert_eq!(config.rules.len(), 2);
    assert_eq!(config.rules[0].signature, SignatureMode::Off);
    let referer = config.rules[0].referer.as_ref().unwrap();
    assert_eq!(referer.allow.len(), 2);
    assert_eq!(referer.missing, MissingReferer::Deny);
    assert!(config.rules[1].referer.is_none());
    assert_eq!(config.deny.status, "403");
    assert_eq!(config.deny_status, 403);
}

#[test]
fn the_shipped_guard_toml_loads() {
    let (_, config) = config::load_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../guard.toml"
    )))
    .unwrap();
    assert!(!config.rules.is_empty());
}

#[test]
fn defaults_apply_when_optional_tables_are_absent() {
    let config = load("[[rules]]\npaths = [\"/*\"]\n").unwrap();
    assert_eq!(config.scheme, "https");
    assert_eq!(config.clock_skew_seconds, 0);
    assert_eq!(config.deny.status, "403");
    assert_eq!(config.deny_status, 403);
    assert_eq!(config.deny.body.as_deref(), Some("Forbidden"));
}

#[test]
fn unknown_key_is_rejected_with_its_line() {
    let e = load_err("[[rules]]\npaths = [\"/*\"]\nreferrer = { allow = [\"a.com\"] }\n");
    assert_eq!(e.file, "test.toml");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("referrer"), "{e}");
}

#[test]
fn bad_glob_names_the_rule_path_and_line() {
    let e = load_err("[[rules]]\npaths = [\"/ok/*\", \"/bad path/*\"]\n");
    assert_eq!(e.key, "rules[0].paths[1]");
    assert_eq!(e.line, Some(2));
    assert_eq!(e.to_string().split(':').next(), Some("test.toml"));
}

/// Where a rejected config's error points: the key, the line, or both.
#[derive(Debug, Clone, Copy)]
enum At {
    Key(&'static str),
    Line(usize),
    KeyAndLine(&'static str, usize),
}
use At::{Key, KeyAndLine, Line};

/// The config `text` is rejected, its error pointing `at` the key and/or line.
fn rejected(text: &str, at: At) {
    let e = load_err(text);
    match at {
        Key(key) => assert_eq!(e.key, key, "{e}"),
        Line(line) => assert_eq!(e.line, Some(line), "{e}"),
        KeyAndLine(key, line) => {
            assert_eq!(e.key, key, "{e}");
            assert_eq!(e.line, Some(line), "{e}");
        }
    }
}

table_tests! { rejected;
    toml_syntax_error_names_the_line: "scheme = \"https\"\n[[rules]\npaths = []\n" => Line(2),
    bad_referer_pattern_names_its_key_and_line:
        "[[rules]]\npaths = [\"/*\"]\n\n[rules.referer]\nallow = [\"example.com\", \"w*.example.com\"]\n"
        => KeyAndLine("rules[0].referer.allow[1]", 5),
    pem_that_is_not_a_public_key_is_rejected:
        "[keys]\nKBAD = { pem = \"not a key\" }\n[[rules]]\npaths = [\"/*\"]\n" => Key("keys.KBAD"),
    no_rules_is_rejected: "scheme = \"https\"\n" => Key("rules"),
    unknown_scheme_is_rejected: "scheme = \"ftp\"\n[[rules]]\npaths = [\"/*\"]\n" => KeyAndLine("scheme", 1),
    signature_checks_without_keys_are_rejected:
        "[[rules]]\npaths = [\"/*\"]\nsignature = \"required\"\n" => Key("rules[0].signature"),
    signature_bypass_without_a_referer_check_is_rejected:
        "[keys]\nK2JCJMDEHXQW5F = { pem_file = \"keys/K2JCJMDEHXQW5F.pem\" }\n[[rules]]\npaths = [\"/*\"]\nsignature = \"optional\"\nsignature_bypasses_referer = true\n"
        => Key("rules[0].signature_bypasses_referer"),
    unknown_signature_mode_is_rejected:
        "[[rules]]\npaths = [\"/*\"]\nsignature = \"sometimes\"\n" => Line(3),
    redirect_must_be_an_absolute_http_url:
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nredirect = \"/relative.png\"\n" => Key("deny.redirect"),
    redirect_with_a_non_redirect_status_is_rejected:
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nstatus = 403\nredirect = \"https://example.com/x.png\"\n"
        => Key("deny.status"),
    status_204_with_a_body_is_rejected:
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nstatus = 204\n" => Key("deny.body"),
}

#[test]
fn bad_regex_is_rejected_at_load_time() {
    let e = load_err("[[rules]]\npaths = [\"/*\"]\nreferer = { allow = [\"~(oops\"] }\n");
    assert!(e.message.contains("regex"), "{e}");
}

#[test]
fn a_regex_that_escapes_its_anchors_fails_to_load_with_file_line_and_key() {
    let e = load_err(
        "[[rules]]\npaths = [\"/*\"]\nreferer = { allow = [\"example.com\", \"~example\\\\.com)|(.*\"] }\n",
    );
    assert_eq!(e.key, "rules[0].referer.allow[1]");
    assert_eq!(e.line, Some(3));
    let text = e.to_string();
    assert!(
        text.starts_with(r#"test.toml:3: rules[0].referer.allow[1]: bad pattern "~example\\.com)|(.*": invalid regex"#),
        "{text}"
    );
}

#[test]
fn unreadable_pem_file_names_the_key_and_the_file() {
    let e = load_err(
        "[keys]\nKMISSING = { pem_file = \"keys/nope.pem\" }\n[[rules]]\npaths = [\"/*\"]\n",
    );
    assert_eq!(e.key, "keys.KMISSING.pem_file");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("keys/nope.pem"), "{e}");
}

#[test]
fn deny_body_over_40_kb_is_rejected() {
    let body = "x".repeat(41 * 1024);
    let e = load_err(&format!(
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nbody = \"{body}\"\n"
    ));
    assert_eq!(e.key, "deny.body");
    assert!(e.message.contains("40960"), "{e}");
}

#[test]
fn deny_body_just_under_the_limit_is_accepted() {
    let body = "x".repeat(40 * 1024 - 400);
    load(&format!(
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nbody = \"{body}\"\n"
    ))
    .unwrap();
}

#[test]
fn redirect_becomes_a_302_with_location() {
    let config = load(
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nredirect = \"https://example.com/hotlink.png\"\n",
    )
    .unwrap();
    assert_eq!(config.deny.status, "302");
    assert_eq!(config.deny_status, 302);
    assert_eq!(
        config.deny.headers["location"][0].value,
        "https://example.com/hotlink.png"
    );
    assert_eq!(config.deny.headers["cache-control"][0].value, "no-store");
    assert!(config.deny.body.is_none());
}

#[test]
fn status_outside_cloudfront_range_is_rejected() {
    assert_eq!(
        load_err("[[rules]]\npaths = [\"/*\"]\n[deny]\nstatus = 199\n").key,
        "deny.status"
    );
    assert_eq!(
        load_err("[[rules]]\npaths = [\"/*\"]\n[deny]\nstatus = 600\n").key,
        "deny.status"
    );
}

#[test]
fn bundle_json_round_trips_to_the_same_decisions() {
    let (raw, _) = load_toml(MINIMAL, "test.toml", &read_demo_key).unwrap();
    let json = serde_json::to_string(&raw).unwrap();
    assert!(!json.contains("pem_file"), "key files must be inlined");
    let compiled = config::load_bundle_json(&json).unwrap();
    assert_eq!(compiled.rules.len(), 2);
    assert_eq!(compiled.keys.len(), 1);
}

#[test]
fn error_message_reads_file_line_key_message() {
    let e = load_err("[[rules]]\npaths = [\"/bad path\"]\n");
    assert!(
        e.to_string()
            .starts_with("test.toml:2: rules[0].paths[0]: "),
        "{e}"
    );
}

const ONE_OPEN_RULE: &str = "[[rules]]\npaths = [\"/*\"]\n";

#[test]
fn an_override_of_the_raw_config_is_compiled_with_it() {
    let (raw, config) = config::load_toml_with(ONE_OPEN_RULE, "t.toml", &read_demo_key, |raw| {
        raw.scheme = "http".into();
    })
    .unwrap();
    assert_eq!(
        (raw.scheme.as_str(), config.scheme.as_str()),
        ("http", "http")
    );
}

#[test]
fn an_override_is_validated_like_the_file() {
    let err = config::load_toml_with(ONE_OPEN_RULE, "t.toml", &read_demo_key, |raw| {
        raw.scheme = "ftp".into();
    })
    .unwrap_err();
    assert_eq!(err.key, "scheme");
    assert!(
        err.to_string().contains("must be \"https\" or \"http\""),
        "{err}"
    );
}
