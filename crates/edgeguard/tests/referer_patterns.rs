//! The Referer pattern language, one behaviour per test. Each test names the pattern(s) and the
//! Referer values it feeds them; the tables read `test name: patterns => [(Referer, outcome)]`
//! (or the patterns a parse must refuse), each row its own test.

use crate::support::table_tests;
use edgeguard::referer::{MissingReferer, RefererPattern, RefererPolicy};
use edgeguard::Reason;

fn policy(patterns: &[&str]) -> RefererPolicy {
    RefererPolicy {
        allow: patterns
            .iter()
            .map(|p| RefererPattern::parse(p).unwrap_or_else(|e| panic!("{p}: {e}")))
            .collect(),
        missing: MissingReferer::Deny,
    }
}

fn decide(patterns: &[&str], referer: &str) -> Result<(), Reason> {
    policy(patterns).check(std::iter::once(referer))
}

fn allows(patterns: &[&str], referer: &str) -> bool {
    decide(patterns, referer).is_ok()
}

/// What a pattern list does with one Referer.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// Let through.
    Allowed,
    /// Not let through, whatever the reason.
    Denied,
    /// Not let through, with this reason.
    DeniedAs(Reason),
}
use Outcome::{Allowed, Denied};
const NOT_ALLOWED: Outcome = Outcome::DeniedAs(Reason::RefererNotAllowed);
const MALFORMED: Outcome = Outcome::DeniedAs(Reason::RefererMalformed);

/// Each Referer of a row through the row's patterns, with its expected outcome.
fn referers(patterns: &[&str], cases: &[(&str, Outcome)]) {
    for &(referer, expected) in cases {
        let result = decide(patterns, referer);
        match expected {
            Allowed => assert!(result.is_ok(), "{referer:?}: {result:?}"),
            Denied => assert!(result.is_err(), "{referer:?} allowed"),
            Outcome::DeniedAs(reason) => assert_eq!(result, Err(reason), "{referer:?}"),
        }
    }
}

/// Every pattern of a row is refused when parsed.
fn rejected(patterns: &[&str]) {
    for pattern in patterns {
        assert!(
            RefererPattern::parse(pattern).is_err(),
            "{pattern} was accepted"
        );
    }
}

// --- exact host -------------------------------------------------------------------------

table_tests! { referers;
    exact_host_allows_that_host_over_https_and_http: &["example.com"]
        => &[("https://example.com/page", Allowed), ("http://example.com/", Allowed)],
    exact_host_does_not_allow_subdomains: &["example.com"]
        => &[("https://www.example.com/", NOT_ALLOWED)],
    exact_host_allows_any_port_when_none_is_given: &["example.com"]
        => &[("https://example.com:8443/", Allowed)],
    host_comparison_ignores_case: &["Example.COM"] => &[("https://EXAMPLE.com/", Allowed)],
    trailing_dot_on_the_referer_host_is_ignored: &["example.com"]
        => &[("https://example.com./", Allowed)],
    trailing_dot_on_the_pattern_is_ignored: &["example.com."]
        => &[("https://example.com/", Allowed)],
}

// --- wildcards ---------------------------------------------------------------------------

table_tests! { referers;
    star_dot_allows_subdomains_at_any_depth: &["*.example.com"]
        => &[("https://www.example.com/", Allowed), ("https://a.b.c.example.com/", Allowed)],
    star_dot_does_not_allow_the_apex: &["*.example.com"]
        => &[("https://example.com/", NOT_ALLOWED)],
    leading_dot_allows_apex_and_subdomains: &[".example.com"]
        => &[("https://example.com/", Allowed), ("https://cdn.example.com/", Allowed)],
}

table_tests! { rejected;
    star_anywhere_but_the_first_label_is_rejected:
        &["www.example.*", "w*.example.com", "www.*.com", "*example.com", "**.example.com"],
}

// --- path prefix, scheme, port -------------------------------------------------------------

table_tests! { referers;
    path_prefix_requires_the_referer_path_to_start_with_it: &["example.com/gallery/"] => &[
        ("https://example.com/gallery/cats.html", Allowed),
        ("https://example.com/other/", NOT_ALLOWED),
    ],
    path_prefix_is_case_sensitive: &["example.com/gallery/"]
        => &[("https://example.com/Gallery/cats.html", Denied)],
    // Browsers send only the origin cross-site (strict-origin-when-cross-origin).
    path_prefix_does_not_match_an_origin_only_referer: &["example.com/gallery/"]
        => &[("https://example.com/", Denied)],
    scheme_restricted_pattern_rejects_the_other_scheme: &["https://example.com"]
        => &[("https://example.com/", Allowed), ("http://example.com/", Denied)],
    port_restricted_pattern_rejects_other_ports: &["example.com:8443"] => &[
        ("https://example.com:8443/", Allowed),
        ("https://example.com/", Denied),
        ("https://example.com:9443/", Denied),
    ],
}

#[test]
fn port_pattern_matches_the_scheme_default_port() {
    assert!(allows(&["example.com:443"], "https://example.com/"));
    assert!(allows(&["http://example.com:80"], "http://example.com/"));
}

table_tests! { rejected;
    non_http_scheme_in_a_pattern_is_rejected: &["ftp://example.com"],
    bad_port_in_a_pattern_is_rejected:
        &["example.com:", "example.com:0", "example.com:65536", "example.com:+80"],
}

// --- IDN ------------------------------------------------------------------------------------

#[test]
fn unicode_pattern_is_refused_with_its_punycode_form_named() {
    // edgeguard carries no Unicode tables (they would double the edge bundle); a Referer host
    // is ASCII anyway, so the config says what to write instead.
    for pattern in [
        "bücher.example",
        "*.bücher.example",
        "https://example.com/café",
    ] {
        let error = RefererPattern::parse(pattern).unwrap_err().to_string();
        assert!(error.contains("punycode"), "{pattern}: {error}");
        assert!(
            error.contains("xn--bcher-kva.example"),
            "{pattern}: {error}"
        );
    }
}

table_tests! { referers;
    punycode_pattern_matches_punycode_referer: &["xn--bcher-kva.example"]
        => &[("https://xn--bcher-kva.example/", Allowed)],
    // A Referer is a serialised (ASCII) URL; raw Unicode only comes from forged headers.
    unicode_referer_is_malformed_because_browsers_send_punycode: &["xn--bcher-kva.example"]
        => &[("https://bücher.example/", MALFORMED)],
    // WHATWG skips any run of `/` and `\\` after `http:`, so these authorities are real ones.
    percent_or_at_in_an_authority_without_double_slash_is_malformed: &["example.com"] => &[
        ("http:ex%61mple.com/", MALFORMED),
        ("https:/\\ex%61mple.com/", MALFORMED),
        ("http:\\\\evil.com@example.com/", MALFORMED),
    ],
    non_ascii_anywhere_in_the_referer_is_malformed: &["example.com"]
        => &[("https://example.com/caf\u{e9}", MALFORMED)],
    // Cyrillic "а" in "exаmple.com".
    homograph_does_not_match_the_ascii_domain: &["example.com"]
        => &[("https://ex\u{0430}mple.com/", Denied)],
}

// --- IP literals ------------------------------------------------------------------------------

table_tests! { referers;
    ipv4_pattern_matches_ipv4_referer: &["192.0.2.7"] => &[("http://192.0.2.7/", Allowed)],
}

#[test]
fn ipv6_pattern_matches_bracketed_referer() {
    assert!(allows(&["[2001:db8::1]"], "http://[2001:db8:0::1]/"));
    assert!(allows(
        &["[2001:db8::1]:8080"],
        "http://[2001:db8::1]:8080/"
    ));
}

table_tests! { rejected;
    wildcards_on_ip_addresses_are_rejected: &["*.192.0.2.7"],
}

// --- regex -------------------------------------------------------------------------------------

#[test]
fn regex_is_anchored_at_both_ends() {
    assert!(allows(
        &[r"~(www\.)?example\.(com|org)"],
        "https://example.org/"
    ));
    assert!(!allows(
        &[r"~example\.com"],
        "https://example.com.evil.com/"
    ));
    assert!(!allows(&[r"~example\.com"], "https://notexample.com/"));
}

#[test]
fn regex_sees_the_normalised_host_only() {
    // Not the path, the query or the port: those cannot be smuggled in.
    assert!(!allows(
        &[r"~.*example\.com.*"],
        "https://evil.com/?example.com"
    ));
    assert!(allows(
        &[r"~[a-z]+\.example\.com"],
        "https://WWW.Example.COM:8080/x"
    ));
}

table_tests! { referers;
    regex_alternation_cannot_escape_the_anchors: &[r"~example\.com|evil"]
        => &[("https://evil.net/", Denied)],
    inline_flags_stay_inside_the_anchors: &[r"~(?i)example\.com"]
        => &[("https://EXAMPLE.com/", Allowed), ("https://example.com.evil.net/", Denied)],
}

#[test]
fn a_regex_closing_a_group_it_did_not_open_is_rejected_not_left_unanchored() {
    // Wrapped by text it would read `^(?:example\.com)|(.*)$`, which allows every host.
    let e = RefererPattern::parse(r"~example\.com)|(.*").unwrap_err();
    assert!(e.to_string().contains("invalid regex"), "{e}");
}

table_tests! { rejected;
    every_way_out_of_the_anchors_is_rejected: &[
        r"~a)|(.*",
        r"~a)|.*|(b",
        r"~a)|(?:.*",
        r"~)|(",
        r"~a)",
        r"~(?x)a#",
        r"~a\",
        r"~[a",
        r"~a{2",
    ],
    invalid_or_empty_regex_is_rejected: &["~", "~(unclosed"],
    huge_regex_is_rejected_by_the_size_limit: &[r"~(\w{1,100}){100}"],
}

// --- malformed Referers ----------------------------------------------------------------------

table_tests! { referers;
    userinfo_is_malformed: &["example.com"] => &[
        ("https://user@example.com/", MALFORMED),
        ("https://user:pw@example.com/", MALFORMED),
        ("http://example.com:pw@evil.com/", MALFORMED),
        ("https://:@example.com/", MALFORMED),
    ],
    non_http_schemes_are_malformed: &["example.com"] => &[
        ("ftp://example.com/", MALFORMED),
        ("android-app://com.example/", MALFORMED),
        ("javascript:alert(1)", MALFORMED),
        ("data:text/html,hi", MALFORMED),
        ("file:///etc/passwd", MALFORMED),
    ],
    unparsable_values_are_malformed: &["example.com"] => &[
        ("", MALFORMED),
        ("example.com", MALFORMED),
        ("//example.com/", MALFORMED),
        ("https://", MALFORMED),
        ("http://[::1", MALFORMED),
        ("https://exa mple.com/", MALFORMED),
    ],
    control_characters_are_malformed: &["example.com"] => &[
        ("https://exa\tmple.com/", MALFORMED),
        ("https://example.com/\r\nX: y", MALFORMED),
        ("https://example.com/\0", MALFORMED),
    ],
    overlong_referer_is_malformed: &["example.com"]
        => &[(&format!("https://example.com/{}", "a".repeat(4096)), MALFORMED)],
    surrounding_spaces_are_tolerated: &["example.com"]
        => &[("  https://example.com/ ", Allowed)],
}

#[test]
fn two_referer_headers_are_malformed_even_if_both_are_allowed() {
    let p = policy(&["example.com"]);
    assert_eq!(
        p.check(["https://example.com/", "https://example.com/"].into_iter()),
        Err(Reason::RefererMalformed)
    );
}

// --- missing ---------------------------------------------------------------------------------

#[test]
fn missing_referer_is_denied_by_default() {
    assert_eq!(
        policy(&["example.com"]).check(std::iter::empty()),
        Err(Reason::RefererMissing)
    );
}

#[test]
fn missing_referer_passes_with_missing_allow() {
    let mut p = policy(&["example.com"]);
    p.missing = MissingReferer::Allow;
    assert_eq!(p.check(std::iter::empty()), Ok(()));
}

#[test]
fn empty_referer_is_not_missing() {
    let mut p = policy(&["example.com"]);
    p.missing = MissingReferer::Allow;
    assert_eq!(p.check(std::iter::once("")), Err(Reason::RefererMalformed));
}

// --- known bypasses -----------------------------------------------------------------------------

#[test]
fn known_bypasses_are_all_denied() {
    let patterns = ["example.com", "*.example.com"];
    for r in [
        "https://example.com.evil.com/",
        "https://evilexample.com/",
        "https://evil.com?.example.com",
        "https://evil.com/?.example.com",
        "https://evil.com#.example.com",
        "http://example.com:pw@evil.com/",
        "https://evil.com\\@example.com",
        "https://evil.com\\.example.com/",
        "https://evil.com%2F.example.com/",
        "https://evil.com%2Eexample.com/",
        "https://example.com%2eevil.com/",
        "https://evil.com/.example.com",
        "https://evil.com:443.example.com/",
        "https://example.com@evil.com/",
        "https://xn--example-.com/",
        "https://example.co/",
        "https://example.comm/",
        "https://wwwexample.com/",
        "https://www.example.com.evil.com/",
        "https://evil.com/https://example.com/",
        "https://evil.com;.example.com/",
        "https://127.0.0.1/",
    ] {
        assert!(decide(&patterns, r).is_err(), "bypass allowed: {r}");
    }
}
