//! The Referer pattern language, one behaviour per test. Each test names the pattern(s) and the
//! Referer values it feeds them.

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

// --- exact host -------------------------------------------------------------------------

#[test]
fn exact_host_allows_that_host_over_https_and_http() {
    assert!(allows(&["example.com"], "https://example.com/page"));
    assert!(allows(&["example.com"], "http://example.com/"));
}

#[test]
fn exact_host_does_not_allow_subdomains() {
    assert_eq!(
        decide(&["example.com"], "https://www.example.com/"),
        Err(Reason::RefererNotAllowed)
    );
}

#[test]
fn exact_host_allows_any_port_when_none_is_given() {
    assert!(allows(&["example.com"], "https://example.com:8443/"));
}

#[test]
fn host_comparison_ignores_case() {
    assert!(allows(&["Example.COM"], "https://EXAMPLE.com/"));
}

#[test]
fn trailing_dot_on_the_referer_host_is_ignored() {
    assert!(allows(&["example.com"], "https://example.com./"));
}

#[test]
fn trailing_dot_on_the_pattern_is_ignored() {
    assert!(allows(&["example.com."], "https://example.com/"));
}

// --- wildcards ---------------------------------------------------------------------------

#[test]
fn star_dot_allows_subdomains_at_any_depth() {
    assert!(allows(&["*.example.com"], "https://www.example.com/"));
    assert!(allows(&["*.example.com"], "https://a.b.c.example.com/"));
}

#[test]
fn star_dot_does_not_allow_the_apex() {
    assert_eq!(
        decide(&["*.example.com"], "https://example.com/"),
        Err(Reason::RefererNotAllowed)
    );
}

#[test]
fn leading_dot_allows_apex_and_subdomains() {
    assert!(allows(&[".example.com"], "https://example.com/"));
    assert!(allows(&[".example.com"], "https://cdn.example.com/"));
}

#[test]
fn star_anywhere_but_the_first_label_is_rejected() {
    for bad in [
        "www.example.*",
        "w*.example.com",
        "www.*.com",
        "*example.com",
        "**.example.com",
    ] {
        assert!(RefererPattern::parse(bad).is_err(), "{bad}");
    }
}

// --- path prefix, scheme, port -------------------------------------------------------------

#[test]
fn path_prefix_requires_the_referer_path_to_start_with_it() {
    assert!(allows(
        &["example.com/gallery/"],
        "https://example.com/gallery/cats.html"
    ));
    assert_eq!(
        decide(&["example.com/gallery/"], "https://example.com/other/"),
        Err(Reason::RefererNotAllowed)
    );
}

#[test]
fn path_prefix_is_case_sensitive() {
    assert!(!allows(
        &["example.com/gallery/"],
        "https://example.com/Gallery/cats.html"
    ));
}

#[test]
fn path_prefix_does_not_match_an_origin_only_referer() {
    // Browsers send only the origin cross-site (strict-origin-when-cross-origin).
    assert!(!allows(&["example.com/gallery/"], "https://example.com/"));
}

#[test]
fn scheme_restricted_pattern_rejects_the_other_scheme() {
    assert!(allows(&["https://example.com"], "https://example.com/"));
    assert!(!allows(&["https://example.com"], "http://example.com/"));
}

#[test]
fn port_restricted_pattern_rejects_other_ports() {
    assert!(allows(&["example.com:8443"], "https://example.com:8443/"));
    assert!(!allows(&["example.com:8443"], "https://example.com/"));
    assert!(!allows(&["example.com:8443"], "https://example.com:9443/"));
}

#[test]
fn port_pattern_matches_the_scheme_default_port() {
    assert!(allows(&["example.com:443"], "https://example.com/"));
    assert!(allows(&["http://example.com:80"], "http://example.com/"));
}

#[test]
fn non_http_scheme_in_a_pattern_is_rejected() {
    assert!(RefererPattern::parse("ftp://example.com").is_err());
}

#[test]
fn bad_port_in_a_pattern_is_rejected() {
    for bad in [
        "example.com:",
        "example.com:0",
        "example.com:65536",
        "example.com:+80",
    ] {
        assert!(RefererPattern::parse(bad).is_err(), "{bad}");
    }
}

// --- IDN ------------------------------------------------------------------------------------

#[test]
fn punycode_pattern_matches_punycode_referer() {
    assert!(allows(
        &["xn--bcher-kva.example"],
        "https://xn--bcher-kva.example/"
    ));
}

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

#[test]
fn unicode_referer_is_malformed_because_browsers_send_punycode() {
    // A Referer is a serialised (ASCII) URL; raw Unicode only comes from forged headers.
    assert_eq!(
        decide(&["xn--bcher-kva.example"], "https://bücher.example/"),
        Err(Reason::RefererMalformed)
    );
}

#[test]
fn percent_or_at_in_an_authority_without_double_slash_is_malformed() {
    // WHATWG skips any run of `/` and `\\` after `http:`, so these authorities are real ones.
    for r in [
        "http:ex%61mple.com/",
        "https:/\\ex%61mple.com/",
        "http:\\\\evil.com@example.com/",
    ] {
        assert_eq!(
            decide(&["example.com"], r),
            Err(Reason::RefererMalformed),
            "{r}"
        );
    }
}

#[test]
fn non_ascii_anywhere_in_the_referer_is_malformed() {
    assert_eq!(
        decide(&["example.com"], "https://example.com/caf\u{e9}"),
        Err(Reason::RefererMalformed)
    );
}

#[test]
fn homograph_does_not_match_the_ascii_domain() {
    // Cyrillic "а" in "exаmple.com".
    assert!(!allows(&["example.com"], "https://ex\u{0430}mple.com/"));
}

// --- IP literals ------------------------------------------------------------------------------

#[test]
fn ipv4_pattern_matches_ipv4_referer() {
    assert!(allows(&["192.0.2.7"], "http://192.0.2.7/"));
}

#[test]
fn ipv6_pattern_matches_bracketed_referer() {
    assert!(allows(&["[2001:db8::1]"], "http://[2001:db8:0::1]/"));
    assert!(allows(
        &["[2001:db8::1]:8080"],
        "http://[2001:db8::1]:8080/"
    ));
}

#[test]
fn wildcards_on_ip_addresses_are_rejected() {
    assert!(RefererPattern::parse("*.192.0.2.7").is_err());
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

#[test]
fn regex_alternation_cannot_escape_the_anchors() {
    assert!(!allows(&[r"~example\.com|evil"], "https://evil.net/"));
}

#[test]
fn a_regex_closing_a_group_it_did_not_open_is_rejected_not_left_unanchored() {
    // Wrapped by text it would read `^(?:example\.com)|(.*)$`, which allows every host.
    let e = RefererPattern::parse(r"~example\.com)|(.*").unwrap_err();
    assert!(e.to_string().contains("invalid regex"), "{e}");
}

#[test]
fn every_way_out_of_the_anchors_is_rejected() {
    for pattern in [
        r"~a)|(.*",
        r"~a)|.*|(b",
        r"~a)|(?:.*",
        r"~)|(",
        r"~a)",
        r"~(?x)a#",
        r"~a\",
        r"~[a",
        r"~a{2",
    ] {
        assert!(
            RefererPattern::parse(pattern).is_err(),
            "{pattern} was accepted"
        );
    }
}

#[test]
fn inline_flags_stay_inside_the_anchors() {
    assert!(allows(&[r"~(?i)example\.com"], "https://EXAMPLE.com/"));
    assert!(!allows(
        &[r"~(?i)example\.com"],
        "https://example.com.evil.net/"
    ));
}

#[test]
fn invalid_or_empty_regex_is_rejected() {
    assert!(RefererPattern::parse("~").is_err());
    assert!(RefererPattern::parse("~(unclosed").is_err());
}

#[test]
fn huge_regex_is_rejected_by_the_size_limit() {
    assert!(RefererPattern::parse(r"~(\w{1,100}){100}").is_err());
}

// --- malformed Referers ----------------------------------------------------------------------

#[test]
fn userinfo_is_malformed() {
    for r in [
        "https://user@example.com/",
        "https://user:pw@example.com/",
        "http://example.com:pw@evil.com/",
        "https://:@example.com/",
    ] {
        assert_eq!(
            decide(&["example.com"], r),
            Err(Reason::RefererMalformed),
            "{r}"
        );
    }
}

#[test]
fn non_http_schemes_are_malformed() {
    for r in [
        "ftp://example.com/",
        "android-app://com.example/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
    ] {
        assert_eq!(
            decide(&["example.com"], r),
            Err(Reason::RefererMalformed),
            "{r}"
        );
    }
}

#[test]
fn unparsable_values_are_malformed() {
    for r in [
        "",
        "example.com",
        "//example.com/",
        "https://",
        "http://[::1",
        "https://exa mple.com/",
    ] {
        assert_eq!(
            decide(&["example.com"], r),
            Err(Reason::RefererMalformed),
            "{r:?}"
        );
    }
}

#[test]
fn control_characters_are_malformed() {
    for r in [
        "https://exa\tmple.com/",
        "https://example.com/\r\nX: y",
        "https://example.com/\0",
    ] {
        assert_eq!(
            decide(&["example.com"], r),
            Err(Reason::RefererMalformed),
            "{r:?}"
        );
    }
}

#[test]
fn overlong_referer_is_malformed() {
    let long = format!("https://example.com/{}", "a".repeat(4096));
    assert_eq!(
        decide(&["example.com"], &long),
        Err(Reason::RefererMalformed)
    );
}

#[test]
fn surrounding_spaces_are_tolerated() {
    assert!(allows(&["example.com"], "  https://example.com/ "));
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
