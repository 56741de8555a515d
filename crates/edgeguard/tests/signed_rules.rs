//! Rule semantics of signatures, decided by the guard with the shipped guard.toml:
//! `/private/*` requires a signature and strips it, `/images/*` checks the Referer with an
//! optional signature that may stand in for it, `/public/*` ignores signatures.

use crate::support::{self, shipped_guard};
use edgeguard::cloudfront::{HandlerResult, Request};
use edgeguard::signed::{sign_url, HashAlgorithm, SignOptions};
use edgeguard::{Decision, Reason};

const NOW: i64 = 1_767_225_600;
const HOST: &str = "d111111abcdef8.cloudfront.net";

fn signed(path_and_query: &str) -> String {
    let key = support::private_key(support::RSA_DEMO_ID);
    let url = format!("https://{HOST}{path_and_query}");
    let options = SignOptions {
        url: &url,
        key_pair_id: "K2JCJMDEHXQW5F",
        date_less_than: 2_100_000_000,
        date_greater_than: None,
        ip_address: None,
        policy_resource: None,
        hash: HashAlgorithm::Sha1,
    };
    sign_url(&options, &key).unwrap()
}

fn request(url: &str, referer: Option<&str>, cookie: Option<&str>) -> Request {
    let rest = url.split_once(HOST).unwrap().1;
    let (uri, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut headers = vec![("Host", HOST)];
    headers.extend(referer.map(|r| ("Referer", r)));
    headers.extend(cookie.map(|c| ("Cookie", c)));
    support::request(uri, query, &headers)
}

fn decide(url: &str, referer: Option<&str>) -> Decision {
    shipped_guard().decide(&request(url, referer, None), NOW)
}

#[test]
fn required_rule_denies_a_request_without_signature() {
    let d = decide(&format!("https://{HOST}/private/a.mp4"), None);
    assert_eq!(d.reason(), Some(Reason::SignatureMissing));
}

#[test]
fn required_rule_allows_a_valid_signature_and_strips_it() {
    let (edgeguard::Verdict { decision, .. }, result) = shipped_guard().respond(
        request(&signed("/private/a.mp4?quality=hd"), None, None),
        NOW,
    );
    assert!(decision.is_allow());
    let HandlerResult::Request(forwarded) = result else {
        panic!("expected the request")
    };
    assert_eq!(forwarded.querystring, "quality=hd");
}

#[test]
fn an_expires_ignored_beside_a_policy_is_stripped_too() {
    // aws-cloudfront-sign's form: Expires and Policy. The Policy governs; the Expires is still
    // a signing parameter, so it never reaches the origin or the cache key.
    let key = support::private_key(support::RSA_DEMO_ID);
    let url = format!("https://{HOST}/private/a.mp4?quality=hd");
    let resource = format!("https://{HOST}/private/*");
    let options = SignOptions {
        url: &url,
        key_pair_id: "K2JCJMDEHXQW5F",
        date_less_than: 2_100_000_000,
        date_greater_than: None,
        ip_address: None,
        policy_resource: Some(&resource),
        hash: HashAlgorithm::Sha1,
    };
    let signed = sign_url(&options, &key).unwrap();
    let with_expires = signed.replacen("quality=hd&", "quality=hd&Expires=2100000000&", 1);
    assert!(with_expires.contains("?quality=hd&Expires=2100000000&Policy="));
    let (edgeguard::Verdict { decision, .. }, result) =
        shipped_guard().respond(request(&with_expires, None, None), NOW);
    assert!(decision.is_allow(), "{decision:?}");
    let HandlerResult::Request(forwarded) = result else {
        panic!("expected the request")
    };
    assert_eq!(forwarded.querystring, "quality=hd");
}

#[test]
fn required_rule_denies_an_invalid_signature_with_its_reason() {
    let url = signed("/private/a.mp4").replace("/private/a.mp4", "/private/b.mp4");
    assert_eq!(decide(&url, None).reason(), Some(Reason::SignatureInvalid));
}

#[test]
fn optional_rule_passes_without_signature_when_the_referer_is_good() {
    let d = decide(
        &format!("https://{HOST}/images/cat.jpg"),
        Some("https://example.com/"),
    );
    assert!(d.is_allow());
}

#[test]
fn optional_rule_denies_an_invalid_signature_even_with_a_good_referer() {
    let url = signed("/images/cat.jpg").replace("cat.jpg", "dog.jpg");
    let d = decide(&url, Some("https://example.com/"));
    assert_eq!(d.reason(), Some(Reason::SignatureInvalid));
}

#[test]
fn valid_signature_bypasses_the_referer_when_the_rule_says_so() {
    let d = decide(
        &signed("/images/cat.jpg"),
        Some("https://forum.example.net/"),
    );
    assert!(matches!(d, Decision::Allow { signed: true, .. }), "{d:?}");
}

#[test]
fn off_rule_ignores_even_garbage_signing_parameters() {
    let d = decide(&format!("https://{HOST}/public/a.css?Signature=%%%"), None);
    assert!(d.is_allow());
}

#[test]
fn signed_cookies_are_not_stripped_and_the_query_is_left_alone() {
    let url = signed("/private/a.mp4");
    let query = url.split_once('?').unwrap().1;
    let cookie = query
        .split('&')
        .map(|p| format!("CloudFront-{p}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = request(
        &format!("https://{HOST}/private/a.mp4?x=1"),
        None,
        Some(&cookie),
    );
    // The canned cookie covers the URL without ?x=1, so the cookie does not match this one...
    assert_eq!(
        shipped_guard().decide(&req, NOW).reason(),
        Some(Reason::SignatureInvalid)
    );
    // ...and does match the URL it was signed for, which is forwarded untouched.
    let req = request(
        &format!("https://{HOST}/private/a.mp4"),
        None,
        Some(&cookie),
    );
    let (edgeguard::Verdict { decision, .. }, result) = shipped_guard().respond(req, NOW);
    assert!(decision.is_allow());
    let HandlerResult::Request(forwarded) = result else {
        panic!("expected the request")
    };
    assert_eq!(forwarded.querystring, "");
    assert!(forwarded.headers.contains_key("cookie"));
}

/// The fields of `request` the guard reads, as [`edgeguard::Guard::decide_fields`] takes them.
fn decided_fields(request: &Request) -> edgeguard::guard::FieldsDecision {
    let headers = edgeguard::guard::ReadHeaders::of(request);
    shipped_guard().decide_fields(&headers.fields(request), NOW)
}

#[test]
fn the_query_the_guard_forwards_is_the_stripped_query_the_decision_computed() {
    let req = request(&signed("/private/a.mp4?quality=hd&b=%2F&&c"), None, None);
    let decided = decided_fields(&req);
    assert_eq!(
        decided.stripped_query.as_deref(),
        Some("quality=hd&b=%2F&&c")
    );
    let responded = shipped_guard().respond_detailed(req, NOW);
    assert_eq!(responded.verdict, decided.verdict);
    assert!(responded.query_stripped);
    let HandlerResult::Request(forwarded) = responded.result else {
        panic!("expected the request")
    };
    assert_eq!(Some(forwarded.querystring), decided.stripped_query);
}

#[test]
fn a_decision_that_does_not_strip_carries_no_stripped_query() {
    // Signed for /images/* (optional signature, no strip_signature), and a deny on /private/*.
    for req in [
        request(&signed("/images/cat.jpg?x=1"), None, None),
        request(
            &format!("https://{HOST}/private/a.mp4?x=1&Signature=a"),
            None,
            None,
        ),
    ] {
        let query = req.querystring.clone();
        assert_eq!(decided_fields(&req).stripped_query, None, "{query}");
        let responded = shipped_guard().respond_detailed(req, NOW);
        assert!(!responded.query_stripped, "{query}");
        if let HandlerResult::Request(forwarded) = responded.result {
            assert_eq!(forwarded.querystring, query);
        }
    }
}
