//! Property tests: no input string panics the Referer matcher, the path globs or the event
//! mapper, and random Referers never pass an allow list they do not belong to.

use edgeguard::glob::PathGlob;
use edgeguard::referer::{MissingReferer, ParsedReferer, RefererPattern, RefererPolicy};
use edgeguard::{config, handle_event_json, Guard};
use proptest::prelude::*;
use serde_json::json;

fn shipped_guard() -> &'static Guard {
    static GUARD: std::sync::OnceLock<Guard> = std::sync::OnceLock::new();
    GUARD.get_or_init(|| {
        let (_, config) = config::load_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../guard.toml"
        )))
        .unwrap();
        Guard::new(config)
    })
}

fn example_policy() -> &'static RefererPolicy {
    static POLICY: std::sync::OnceLock<RefererPolicy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| RefererPolicy {
        allow: [
            "example.com",
            "*.example.com",
            "https://shop.test:8443/embed/",
            r"~cdn[0-9]+\.example\.net",
        ]
        .iter()
        .map(|p| RefererPattern::parse(p).unwrap())
        .collect(),
        missing: MissingReferer::Deny,
    })
}

/// Strings biased towards URL syntax, where parser bugs live.
fn urlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("https://".to_string()),
        Just("http://".to_string()),
        Just("example.com".to_string()),
        Just(".".to_string()),
        Just("@".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        Just("\\".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just("%2e".to_string()),
        Just("[::1]".to_string()),
        Just("xn--".to_string()),
        Just("ü".to_string()),
        "[a-z0-9.-]{0,12}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn referer_parsing_never_panics(value in any::<String>()) {
        let _ = ParsedReferer::parse(&value);
    }

    #[test]
    fn urlish_referers_never_panic_the_policy(value in urlish()) {
        let _ = example_policy().check(std::iter::once(value.as_str()));
    }

    #[test]
    fn pattern_parsing_never_panics(value in any::<String>()) {
        let _ = RefererPattern::parse(&value);
    }

    #[test]
    fn glob_compile_and_match_never_panic(pattern in "[a-z/*?.]{0,20}", uri in any::<String>()) {
        if let Ok(g) = PathGlob::new(&pattern) {
            let _ = g.matches(&uri);
        }
    }

    #[test]
    fn foreign_hosts_are_never_allowed(label in "[a-z0-9-]{1,20}", tld in "(com|net|org|io)") {
        let host = format!("{label}.{tld}");
        prop_assume!(host != "example.com");
        for referer in [format!("https://{host}/"), format!("https://example.com.{host}/"), format!("https://{label}example.com/")] {
            prop_assert!(example_policy().check(std::iter::once(referer.as_str())).is_err(), "{}", referer);
        }
    }

    #[test]
    fn subdomains_of_the_allowed_domain_are_allowed(labels in proptest::collection::vec("[a-z0-9]{1,10}", 1..4)) {
        let referer = format!("https://{}.example.com/page", labels.join("."));
        prop_assert!(example_policy().check(std::iter::once(referer.as_str())).is_ok());
    }

    #[test]
    fn arbitrary_text_as_an_event_never_panics(text in any::<String>()) {
        let _ = handle_event_json(shipped_guard(), &text, 1_767_225_600);
    }

    #[test]
    fn arbitrary_request_fields_never_panic_and_deny_unless_a_rule_allows(
        uri in any::<String>(),
        qs in any::<String>(),
        referer in urlish(),
        host in any::<String>(),
        ip in any::<String>(),
    ) {
        let event = json!({"Records": [{"cf": {"config": {"eventType": "viewer-request", "requestId": "p"}, "request": {
            "clientIp": ip, "method": "GET", "uri": uri, "querystring": qs,
            "headers": {"host": [{"key": "Host", "value": host}], "referer": [{"key": "Referer", "value": referer}]}
        }}}]});
        let outcome = handle_event_json(shipped_guard(), &event.to_string(), 1_767_225_600).unwrap();
        if outcome.decision == "allow" {
            // Only paths a rule covers can pass.
            prop_assert!(uri.starts_with("/images/") || uri.starts_with("/media/") || uri.starts_with("/public/") || uri == "/favicon.ico", "{}", uri);
        }
    }

    #[test]
    fn random_json_shapes_are_denied_not_panicked(value in proptest::arbitrary::any::<(Option<String>, Option<u8>, bool)>()) {
        let (uri, n, records_as_object) = value;
        let request = json!({"uri": uri, "headers": n, "clientIp": 1});
        let event = if records_as_object {
            json!({"Records": {"cf": {"config": {}, "request": request}}})
        } else {
            json!({"Records": [{"cf": {"config": {}, "request": request}}]})
        };
        let outcome = handle_event_json(shipped_guard(), &event.to_string(), 0).unwrap();
        prop_assert_eq!(outcome.decision, "deny");
    }
}
