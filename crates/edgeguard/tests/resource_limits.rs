//! Events at (and past) CloudFront's limits are decided, never crashed on; regex patterns are
//! compiled at load with a size ceiling. Only decisions are asserted here: how long they take is
//! measured by `benches/guard.rs` (case `cloudfront_maxima`), not by a timed test.

use crate::support::shipped_guard;
use edgeguard::referer::{RefererPattern, REGEX_SIZE_LIMIT};
use edgeguard::{config, handle_event_json, Reason};
use serde_json::{json, Map, Value};

const NOW: i64 = 1_767_225_600;
/// CloudFront's limit on URI plus query string handed to Lambda@Edge.
const MAX_URL: usize = 8192;

fn event(uri: &str, query: &str, headers: Map<String, Value>) -> String {
    json!({"Records": [{"cf": {"config": {"eventType": "viewer-request", "requestId": "limits"}, "request": {
        "clientIp": "203.0.113.178", "headers": headers, "method": "GET",
        "querystring": query, "uri": uri}}}]})
    .to_string()
}

fn headers(referer: &str, extra: usize, cookies: usize) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert(
        "host".into(),
        json!([{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}]),
    );
    h.insert(
        "referer".into(),
        json!([{"key": "Referer", "value": referer}]),
    );
    for i in 0..extra {
        h.insert(
            format!("x-pad-{i}"),
            json!([{"key": format!("X-Pad-{i}"), "value": "v".repeat(200)}]),
        );
    }
    if cookies > 0 {
        let jar = (0..cookies)
            .map(|i| format!("c{i}=value{i}"))
            .collect::<Vec<_>>()
            .join("; ");
        h.insert("cookie".into(), json!([{"key": "Cookie", "value": jar}]));
    }
    h
}

fn decide(event: &str) -> (String, Option<Reason>) {
    let outcome = handle_event_json(&shipped_guard(), event, NOW).unwrap();
    (outcome.decision.to_string(), outcome.reason)
}

/// A URI and query string that together are exactly `total` bytes.
fn url_of_length(total: usize) -> (String, String) {
    let uri = format!("/images/{}", "a".repeat(total / 2 - 8));
    let query = "q".repeat(total - uri.len());
    (uri, query)
}

#[test]
fn an_event_at_cloudfronts_maxima_is_decided_on_its_merits() {
    // 8 KB of URI + query, about 20 KB of headers over 100 headers, and a 200-cookie jar.
    let (uri, query) = url_of_length(MAX_URL);
    let h = headers("https://www.example.com/", 100, 200);
    let text = event(&uri, &query, h);
    assert!(text.len() > 28 * 1024, "event is only {} bytes", text.len());
    assert_eq!(decide(&text), ("allow".into(), None));
}

#[test]
fn the_same_event_with_a_foreign_referer_is_denied() {
    let (uri, query) = url_of_length(MAX_URL);
    let text = event(&uri, &query, headers("https://evil.test/", 100, 200));
    assert_eq!(
        decide(&text),
        ("deny".into(), Some(Reason::RefererNotAllowed))
    );
}

#[test]
fn a_url_one_byte_over_the_maximum_is_a_malformed_event() {
    let (uri, query) = url_of_length(MAX_URL + 1);
    let text = event(&uri, &query, headers("https://www.example.com/", 0, 0));
    assert_eq!(decide(&text), ("deny".into(), Some(Reason::EventMalformed)));
}

#[test]
fn thousands_of_headers_and_repeated_signing_cookies_are_decided() {
    let mut h = headers("https://www.example.com/", 2000, 5000);
    h.insert(
        "cookie".into(),
        Value::Array(vec![
            json!({"key": "Cookie", "value": "CloudFront-Policy=x"});
            50
        ]),
    );
    let text = event("/private/a.pdf", "", h);
    let (decision, reason) = decide(&text);
    assert_eq!(decision, "deny");
    // 50 Cookie headers each with CloudFront-Policy: a duplicate, hence malformed.
    assert_eq!(reason, Some(Reason::SignatureMalformed));
}

#[test]
fn a_megabyte_referer_is_malformed() {
    let referer = format!("https://www.example.com/{}", "a".repeat(1 << 20));
    let text = event("/images/a.jpg", "", headers(&referer, 0, 0));
    assert_eq!(
        decide(&text),
        ("deny".into(), Some(Reason::RefererMalformed))
    );
}

#[test]
fn deeply_nested_json_is_refused_not_overflowed() {
    // Valid JSON, but not an event: it must be refused (an error or a deny), without
    // overflowing the stack.
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    if let Ok(outcome) = handle_event_json(&shipped_guard(), &text, NOW) {
        assert_eq!(outcome.reason, Some(Reason::EventMalformed));
    }
}

#[test]
fn a_regex_pattern_over_the_size_limit_is_rejected_at_load() {
    let huge = format!("~{}", "(?:a{100}){100}".repeat(40));
    let err = RefererPattern::parse(&huge).unwrap_err().to_string();
    assert!(err.contains("invalid regex"), "{err}");
    const { assert!(REGEX_SIZE_LIMIT <= 1 << 20) };
}

#[test]
fn a_config_with_an_oversized_regex_fails_to_load() {
    let text = format!(
        "[[rules]]\npaths = [\"/*\"]\nreferer = {{ allow = [\"~{}\"] }}\n",
        "(?:a{100}){100}".repeat(40)
    );
    let read = |_: &str| Err("no files".to_string());
    let err = config::load_toml(&text, "big.toml", &read).unwrap_err();
    assert!(err.to_string().contains("regex"), "{err}");
}

#[test]
fn a_pathological_regex_runs_in_linear_time_on_a_long_host() {
    // `regex` has no backtracking; the classic (a+)+$ blow-up must just say no.
    // The longest host a Referer may carry (MAX_HOST_LEN) made of `a` runs: a backtracking engine
    // would never finish this.
    let pattern = RefererPattern::parse("~(a+)+b").unwrap();
    let label = "a".repeat(63);
    let host = format!("{label}.{label}.{label}.{}", "a".repeat(61));
    assert_eq!(host.len(), edgeguard::referer::MAX_HOST_LEN);
    let parsed = edgeguard::referer::ParsedReferer::parse(&format!("https://{host}/")).unwrap();
    assert!(!pattern.matches(&parsed));
}

#[test]
fn a_host_longer_than_a_dns_name_never_reaches_a_pattern() {
    let referer = format!("https://{}.com/", "a".repeat(4000));
    assert!(edgeguard::referer::ParsedReferer::parse(&referer).is_err());
}
