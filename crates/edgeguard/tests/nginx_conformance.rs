//! nginx `valid_referers` conformance: every case of nginx-tests `referer.t`
//! (tests/vectors/nginx-referer-cases.json, vendored: see tests/vectors/README.md) runs against the equivalent edgeguard rule.
//! Where edgeguard is deliberately stricter, or cannot express a directive, the case is listed
//! below with the reason, and the test checks that the listed divergence really exists.

use edgeguard::referer::{MissingReferer, RefererPattern, RefererPolicy};
use serde_json::Value;

/// nginx location -> (edgeguard patterns, missing policy). `None`: not expressible on purpose.
fn translate(location: &str) -> Option<(Vec<&'static str>, MissingReferer)> {
    use MissingReferer::*;
    Some(match location {
        "/simple" => (vec!["www.example.org"], Deny),
        "/none" => (vec!["www.example.org"], Allow),
        "/uri" => (vec!["www.example.org/uri"], Deny),
        // nginx regexes are unanchored; ours are anchored, so `.*` makes them equivalent on the host.
        "/regex" => (vec![r"~.*example.org.*", r"~.*(?-i)example.net.*"], Deny),
        "/regex3" => (vec![r"~.*example.org"], Deny),
        // Tail wildcards (`www.example.*`, `example.*`) are not supported: see divergences.
        "/wc" => (vec!["*.example.com", "*.example.org"], Deny),
        "/long" => (vec!["~.*"], Deny),
        // `blocked` accepts any non-URL value (including forgeries); `server_names` and
        // regexes over the path have no equivalent: list hosts and use host/path patterns.
        // ("/" is the server-level `server_names` cases.)
        "/blocked" | "/sn" | "/sn_blocked" | "/regex2" | "/wc2" => return None,
        "/" => return None,
        other => panic!("unknown location {other}"),
    })
}

/// Cases where edgeguard decides differently from nginx on purpose.
const DIVERGENCES: &[(&str, &str)] = &[
    (
        "regex case mismatch",
        "host names are case-insensitive (DNS); edgeguard lower-cases the host before any regex",
    ),
    (
        "wildcard tail",
        "tail wildcards (`www.example.*`) would accept www.example.evil-tld; not supported",
    ),
    // nginx accepts hosts up to 256 bytes (and refuses 257); edgeguard refuses a host over 253
    // characters, the longest DNS name (RFC 1035), so both refuse 257.
    (
        "long hostname 255",
        "a 255-character host is no DNS name; edgeguard caps hosts at 253 characters",
    ),
    (
        "long hostname 256",
        "a 256-character host is no DNS name; edgeguard caps hosts at 253 characters",
    ),
];

fn cases() -> Vec<Value> {
    let path = concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        "/tests/vectors/nginx-referer-cases.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    doc["cases"].as_array().expect("cases").clone()
}

fn edgeguard_valid(case: &Value) -> Option<bool> {
    let (patterns, missing) = translate(case["location"].as_str()?)?;
    let policy = RefererPolicy {
        allow: patterns
            .iter()
            .map(|p| RefererPattern::parse(p).expect("pattern"))
            .collect(),
        missing,
    };
    let referer = case["referer"].as_str();
    Some(policy.check(referer.into_iter()).is_ok())
}

#[test]
fn nginx_cases_agree_except_the_listed_divergences() {
    let mut compared = 0;
    for case in cases() {
        let name = case["name"].as_str().expect("name");
        let nginx = case["expected_valid"].as_bool().expect("expected_valid");
        let Some(ours) = edgeguard_valid(&case) else {
            continue;
        };
        compared += 1;
        let divergent = DIVERGENCES.iter().any(|(n, _)| *n == name);
        if divergent {
            assert_ne!(ours, nginx, "{name}: listed as a divergence but agrees");
        } else {
            assert_eq!(ours, nginx, "{name}: {:?}", case["referer"]);
        }
    }
    assert!(compared >= 30, "only {compared} nginx cases compared");
}

#[test]
fn every_divergence_names_a_real_case() {
    let names: Vec<String> = cases()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    for (name, _) in DIVERGENCES {
        assert!(names.iter().any(|n| n == name), "{name}");
    }
}

#[test]
fn nginx_userinfo_trick_is_refused() {
    // nginx accepts this for `www.example.org` because its host scan stops at `:`.
    let policy = RefererPolicy {
        allow: vec![RefererPattern::parse("www.example.org").unwrap()],
        missing: MissingReferer::Deny,
    };
    assert!(policy
        .check(std::iter::once("http://www.example.org:pw@evil.com/"))
        .is_err());
}
