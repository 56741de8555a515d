//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*` (cargo-fuzz, nightly) and by
//! `tests/fuzz_corpus.rs` (stable), so every input the fuzzer ever kept replays in CI.
//!
//! Each function takes raw fuzzer bytes, runs one part of edgeguard on them and panics when an
//! invariant breaks. Besides "no panic" they check the security property of the part under test
//! against an independent oracle (the `url` crate, a reference glob matcher), so a fuzzer finding
//! a false allow stops just like one finding a crash. The module lives under `tests/` so the
//! library stays free of test-only code; fuzz targets include it with `#[path]`.

#![allow(dead_code)]

use edgeguard::cloudfront::{HandlerResult, Request};
use edgeguard::config::{self, SignatureMode};
use edgeguard::glob::PathGlob;
use edgeguard::http_event::{viewer_request, HttpRequestParts};
use edgeguard::referer::{MissingReferer, ParsedReferer, RefererPattern, RefererPolicy};
use edgeguard::{handle_event_json, Decision, Guard, Label};
use serde_json::Value;
use std::sync::OnceLock;

/// The clock every harness decides at (2026-01-01T00:00:00Z).
pub const NOW: i64 = 1_767_225_600;

/// The shipped `guard.toml` with its demo keys, compiled in so the fuzz binary reads no files.
pub fn shipped_guard() -> &'static Guard {
    static GUARD: OnceLock<Guard> = OnceLock::new();
    GUARD.get_or_init(|| {
        let read = |path: &str| match path {
            "keys/K2JCJMDEHXQW5F.pem" => {
                Ok(include_str!("../../../../keys/K2JCJMDEHXQW5F.pem").into())
            }
            "keys/K3ECDSAP256DEMO.pem" => {
                Ok(include_str!("../../../../keys/K3ECDSAP256DEMO.pem").into())
            }
            other => Err(format!("fuzz harness has no compiled-in copy of {other}")),
        };
        let (_, config) =
            config::load_toml(include_str!("../../../../guard.toml"), "guard.toml", &read)
                .unwrap_or_else(|e| panic!("shipped guard.toml does not load: {e}"));
        Guard::new(config)
    })
}

/// An allow list with one pattern of every kind, for the Referer harness.
pub fn referer_policy() -> &'static RefererPolicy {
    static POLICY: OnceLock<RefererPolicy> = OnceLock::new();
    POLICY.get_or_init(|| RefererPolicy {
        allow: [
            "example.com",
            "*.example.com",
            ".example.org",
            "https://shop.test:8443/embed/",
            "203.0.113.7",
            "[2001:db8::1]",
            r"~cdn[0-9]+\.example\.net",
        ]
        .iter()
        .map(|p| RefererPattern::parse(p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .collect(),
        missing: MissingReferer::Deny,
    })
}

/// Splits fuzzer bytes into text fields at NUL bytes (lossy UTF-8), so one flat input drives a
/// structured request.
fn fields(data: &[u8]) -> Vec<String> {
    data.split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

// --- the whole handler ------------------------------------------------------------------

/// Raw text as a Lambda@Edge event through `handle_event_json` with the shipped config.
pub fn event_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(outcome) = handle_event_json(shipped_guard(), text, NOW) else {
        return;
    };
    let result = serde_json::to_value(&outcome.result).expect("a handler result serialises");
    assert!(!has_null(&result), "handler result contains null: {result}");
    match (outcome.decision, &outcome.reason, &outcome.result) {
        (Label::Allow, None, HandlerResult::Request(_)) => {
            let uri = outcome.uri.as_deref().unwrap_or_default();
            let rule = outcome.rule.expect("an allow names its rule");
            check_allowed_path(shipped_guard(), uri, rule);
        }
        (Label::Deny, Some(reason), HandlerResult::Response(r)) => {
            assert_eq!(r.status, "403", "deny must be the configured 403");
            // Every malformed event says which field is at fault, in a bounded line.
            let malformed = *reason == edgeguard::Reason::EventMalformed;
            assert_eq!(outcome.detail.is_some(), malformed, "{outcome:?}");
            let detail = outcome.detail.as_deref().unwrap_or_default();
            assert!(
                detail.len() <= edgeguard::edge::MAX_DETAIL_BYTES,
                "{detail}"
            );
        }
        other => panic!("inconsistent outcome: {other:?}"),
    }
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

/// A structured viewer request from NUL-separated fields: uri, querystring, Referer values
/// (separated by 0x01), Cookie header, Host, client IP. Decided by the shipped guard, then the
/// decision is checked against what the config says.
pub fn request(data: &[u8]) {
    let f = fields(data);
    let get = |i: usize| f.get(i).map(String::as_str);
    let mut headers: Vec<(&str, &[u8])> = Vec::new();
    if let Some(referers) = get(2) {
        headers.extend(referers.split('\u{1}').map(|r| ("referer", r.as_bytes())));
    }
    if let Some(cookie) = get(3) {
        headers.push(("cookie", cookie.as_bytes()));
    }
    let host = get(4).unwrap_or("d111111abcdef8.cloudfront.net");
    headers.push(("host", host.as_bytes()));
    let request = viewer_request(
        HttpRequestParts {
            method: "GET",
            path: get(0).unwrap_or_default(),
            query: Some(get(1).unwrap_or_default()),
            client_ip: get(5).unwrap_or("203.0.113.178"),
            host_override: None,
        },
        headers,
    );
    check_request_decision(shipped_guard(), &request);
}

/// The invariants of one decision of `guard` on `request`.
pub fn check_request_decision(guard: &Guard, request: &Request) {
    let decision = guard.decide(request, NOW);
    let (decided_again, result) = guard.respond(request.clone(), NOW);
    assert_eq!(
        decision, decided_again.decision,
        "decide and respond disagree"
    );
    assert!(
        decided_again.enforced,
        "a config without `mode` enforces every deny"
    );
    let Decision::Allow { rule, signed } = decision else {
        assert!(matches!(result, HandlerResult::Response(_)));
        return;
    };
    assert!(matches!(result, HandlerResult::Request(_)));
    let rules = &guard.config().rules;
    let first = rules.iter().position(|r| r.applies_to(&request.uri));
    assert_eq!(
        first,
        Some(rule),
        "allowed under a rule that is not the first match"
    );
    check_allowed_path(guard, &request.uri, rule);
    let rule = &rules[rule];
    if rule.signature == SignatureMode::Required {
        assert!(
            signed,
            "a signature-required rule allowed without a signature"
        );
    }
    let Some(policy) = &rule.referer else {
        return;
    };
    if signed && rule.signature_bypasses_referer {
        return;
    }
    let referers: Vec<&str> = request.header_values("referer").collect();
    if referers.is_empty() {
        assert_eq!(
            policy.missing,
            MissingReferer::Allow,
            "missing Referer allowed"
        );
        return;
    }
    assert_eq!(referers.len(), 1, "several Referer headers allowed");
    let allow: Vec<&str> = policy.allow.iter().map(|p| p.as_str()).collect();
    if allow == ["example.com", "*.example.com"] {
        let host = oracle_host(referers[0])
            .unwrap_or_else(|| panic!("allowed a Referer the URL oracle rejects: {referers:?}"));
        assert!(
            host.host == "example.com" || host.host.ends_with(".example.com"),
            "allowed foreign Referer {referers:?} (host {})",
            host.host
        );
    }
}

// --- paths: what the origin will serve ------------------------------------------------------

/// The path of an allowed request, judged without edgeguard's path module: no dot segment in any
/// spelling reached allow, and the path the WHATWG URL parser normalises it to (dot segments
/// resolved, `\` as `/`), percent-decoded as an origin decodes it, chooses the same rule.
pub fn check_allowed_path(guard: &Guard, uri: &str, rule: usize) {
    assert!(
        !oracle_has_dot_segment(uri),
        "allowed a URI with a dot segment: {uri:?}"
    );
    let normalised = oracle_normalised(uri)
        .unwrap_or_else(|| panic!("allowed a URI the URL parser cannot read: {uri:?}"));
    let rules = &guard.config().rules;
    assert_eq!(
        rules.iter().position(|r| r.applies_to(&normalised)),
        Some(rule),
        "allowed {uri:?} under rule {rule}, but an origin serves {normalised:?}"
    );
}

/// Whether a segment (split at `/` and `\`, parameters after `;` ignored) is `.` or `..` once
/// percent-decoded: the dot segments origins and browsers resolve.
pub fn oracle_has_dot_segment(uri: &str) -> bool {
    uri.split(['/', '\\']).any(|segment| {
        let name = segment.split(';').next().unwrap_or_default();
        matches!(oracle_decode(name).as_str(), "." | "..")
    })
}

/// The path the `url` crate (WHATWG, as browsers and many servers normalise) makes of `uri`,
/// percent-decoded once; `None` when it does not parse.
pub fn oracle_normalised(uri: &str) -> Option<String> {
    let url = url::Url::parse(&format!("https://d111111abcdef8.cloudfront.net{uri}")).ok()?;
    Some(oracle_decode(url.path()))
}

/// Plain percent-decoding (`%` and two hex digits), lossy UTF-8.
fn oracle_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// --- Referer ----------------------------------------------------------------------------

/// What the `url` crate, independently of edgeguard, says a Referer's origin is.
pub struct OracleOrigin {
    /// `http` or `https`.
    pub scheme: String,
    /// Lower-case host, trailing dot removed, IPv6 bracketed.
    pub host: String,
    /// Port, defaulted by scheme.
    pub port: u16,
    /// Path and query as serialised.
    pub path: String,
}

/// The origin of a Referer per the WHATWG parser, or `None` when it has no http(s) origin or
/// carries userinfo (which edgeguard must never allow).
pub fn oracle_host(value: &str) -> Option<OracleOrigin> {
    let url = url::Url::parse(value.trim_matches([' ', '\t'])).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host).to_string();
    Some(OracleOrigin {
        scheme: url.scheme().into(),
        host,
        port: url.port_or_known_default()?,
        path: url[url::Position::BeforePath..url::Position::AfterQuery].to_string(),
    })
}

/// One Referer value through the parser and an allow list with every pattern kind; an allow
/// must be explained by the oracle's reading of the value.
pub fn referer(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let parsed = ParsedReferer::parse(&value);
    let verdict = referer_policy().check(std::iter::once(value.as_ref()));
    if let Ok(p) = &parsed {
        assert!(!p.host().is_empty());
    } else {
        assert!(verdict.is_err(), "unparsable Referer allowed: {value:?}");
    }
    if verdict.is_err() {
        return;
    }
    let o = oracle_host(&value)
        .unwrap_or_else(|| panic!("allowed a Referer the URL oracle rejects: {value:?}"));
    let cdn = o
        .host
        .strip_prefix("cdn")
        .and_then(|r| r.strip_suffix(".example.net"))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    let explained = o.host == "example.com"
        || o.host.ends_with(".example.com")
        || o.host == "example.org"
        || o.host.ends_with(".example.org")
        || (o.scheme == "https"
            && o.host == "shop.test"
            && o.port == 8443
            && o.path.starts_with("/embed/"))
        || o.host == "203.0.113.7"
        || o.host == "[2001:db8::1]"
        || cdn;
    assert!(explained, "allowed {value:?} for host {}", o.host);
}

/// Arbitrary text as an allow-list pattern, matched against a few Referers.
pub fn referer_pattern(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(pattern) = RefererPattern::parse(&text) else {
        return;
    };
    for referer in [
        "https://example.com/",
        "http://sub.example.com:8080/a/b?c=d",
        "https://[2001:db8::1]/",
        "https://203.0.113.7/x",
        "https://xn--exmple-cua.com/",
    ] {
        let parsed = ParsedReferer::parse(referer).expect("sample Referers parse");
        let _ = pattern.matches(&parsed);
    }
}

// --- path globs -------------------------------------------------------------------------

/// A pattern and a URI (split at the first NUL): the glob matcher must agree with a plain
/// dynamic-programming reference of CloudFront's rules (`*` any run, `?` one character).
pub fn path_glob(data: &[u8]) {
    let f = fields(data);
    let (Some(pattern), Some(uri)) = (f.first(), f.get(1)) else {
        return;
    };
    let Ok(glob) = PathGlob::new(pattern) else {
        return;
    };
    let expected = reference_glob(glob.as_str(), uri);
    assert_eq!(
        glob.matches(uri),
        expected,
        "glob {:?} on {uri:?}",
        glob.as_str()
    );
}

/// Textbook wildcard matching over characters, O(pattern x text).
pub fn reference_glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // row[j]: pattern prefix so far matches t[..j]
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for pc in &p {
        let mut next = vec![false; t.len() + 1];
        match pc {
            '*' => {
                let mut any = false;
                for j in 0..=t.len() {
                    any |= row[j];
                    next[j] = any;
                }
            }
            _ => {
                for j in 1..=t.len() {
                    next[j] = row[j - 1] && (*pc == '?' || *pc == t[j - 1]);
                }
            }
        }
        row = next;
    }
    row[t.len()]
}

// --- signed URLs and cookies ------------------------------------------------------------

/// A query string and Cookie headers (NUL-separated: query first) through the credential
/// finder, the own-query rebuild, the base64 decoder and full verification with the shipped
/// keys. The own query must hold no signing parameter and be stable; decoding must round-trip.
pub fn signed_params(data: &[u8]) {
    use edgeguard::signed::{self, b64, params, SignedRequest, VerifyOptions};
    let f = fields(data);
    let query = f.first().map(String::as_str).unwrap_or("");
    let cookies: Vec<&str> = f.iter().skip(1).map(String::as_str).collect();

    // One split gives the credentials, the signed-URL marker and the own query.
    let split = params::SignedQuery::split(query);
    let found = split.find_credentials(&cookies);
    if let Ok(params::Found::Url(_)) = found {
        assert!(split.is_signed_url());
    }
    let own = split.own_query();
    for piece in own.split('&') {
        let name = piece.split_once('=').map_or(piece, |(n, _)| n);
        assert!(
            !params::SIGNING_PARAMS.contains(&name),
            "own query {own:?} keeps {name}"
        );
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|piece| {
            let name = piece.split_once('=').map_or(*piece, |(n, _)| n);
            !params::SIGNING_PARAMS.contains(&name)
        })
        .collect();
    assert_eq!(own, kept.join("&"), "own query is not the kept pieces");
    assert_eq!(
        params::SignedQuery::split(own).own_query(),
        own,
        "own query not stable"
    );
    assert_eq!(signed::strip_signing_params(query), own);

    for text in f.iter() {
        if let Some(bytes) = b64::decode(text) {
            assert_eq!(b64::decode(&b64::encode(&bytes)), Some(bytes));
        }
    }

    let keys = &shipped_guard().config().keys;
    let request = SignedRequest {
        scheme: "https",
        host: Some("d111111abcdef8.cloudfront.net"),
        uri: "/private/report.pdf",
        querystring: query,
        cookie_headers: cookies.clone(),
        client_ip: "203.0.113.178",
    };
    let options = VerifyOptions {
        now: NOW,
        clock_skew_seconds: 0,
    };
    let first = signed::verify_request(&request, keys, &options);
    assert_eq!(first, signed::verify_request(&request, keys, &options));
    if matches!(found, Ok(params::Found::Nothing)) {
        assert_eq!(first, signed::SignatureCheck::Absent);
    }
}

/// Policy bytes through the custom-policy parser, and (NUL-separated) a `Resource` pattern, host,
/// path and query through the wildcard matcher. A pattern without wildcards must match exactly
/// the URL it spells and nothing else.
pub fn policy(data: &[u8]) {
    use edgeguard::signed::policy::parse_custom_policy;
    use edgeguard::signed::resource::{resource_matches, RequestedUrl};
    if parse_custom_policy(data).is_ok() {
        assert!(serde_json::from_slice::<Value>(data).is_ok());
    }
    let f = fields(data);
    let pattern = f.first().map(String::as_str).unwrap_or("");
    let host = f
        .get(1)
        .map(|h| h.replace(['/', '?', '#'], ""))
        .unwrap_or_else(|| "d111111abcdef8.cloudfront.net".into());
    let path = format!(
        "/{}",
        f.get(2).map(|p| p.replace('?', "")).unwrap_or_default()
    );
    let query = f.get(3).filter(|q| !q.is_empty()).map(String::as_str);
    let url = RequestedUrl {
        scheme: "https",
        host: &host,
        path: &path,
        query,
    };
    let matched = resource_matches(pattern, &url);
    if pattern == "*" {
        assert!(matched);
    }
    if !pattern.contains(['*', '?', '\\']) {
        let spelled = match query {
            Some(q) => format!("https://{host}{path}?{q}"),
            None => format!("https://{host}{path}"),
        };
        assert_eq!(
            matched,
            pattern == spelled,
            "literal resource {pattern:?} vs {spelled:?}"
        );
    }
}

// --- local edge: HTTP request -> viewer-request event -------------------------------------

/// An HTTP request as `edgeguard serve` receives it (NUL-separated: path, query, then header
/// name/value pairs, values as raw bytes) mapped to the viewer-request `Request` and decided by
/// the shipped guard. No Referer may be lost or invented by the mapping.
pub fn http_request(data: &[u8]) {
    let raw: Vec<&[u8]> = data.split(|b| *b == 0).collect();
    let text = |i: usize| raw.get(i).map(|b| String::from_utf8_lossy(b).into_owned());
    let path = text(0).unwrap_or_else(|| "/".into());
    let query = text(1);
    let names: Vec<String> = raw
        .iter()
        .skip(2)
        .step_by(2)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    let values: Vec<&[u8]> = raw.iter().skip(3).step_by(2).copied().collect();
    let headers: Vec<(&str, &[u8])> = names
        .iter()
        .map(String::as_str)
        .zip(values.iter().copied())
        .collect();
    let sent_referers = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("referer"))
        .count();
    let request = viewer_request(
        HttpRequestParts {
            method: "GET",
            path: &path,
            query: query.as_deref(),
            client_ip: "203.0.113.178",
            host_override: None,
        },
        headers.iter().copied(),
    );
    for key in request.headers.keys() {
        assert_eq!(*key, key.to_ascii_lowercase(), "header key not lower-case");
    }
    assert_eq!(
        request.header_values("referer").count(),
        sent_referers,
        "the mapping lost or invented a Referer"
    );
    check_request_decision(shipped_guard(), &request);
}
