//! Adversarial Referer values against a realistic allow list, each with the expected decision and
//! reason code. The bar: zero false allows. Every allow in the table is also re-derived from the
//! WHATWG URL parser (the `url` crate) by an independent oracle, so a wrong expectation cannot
//! hide a false allow either.

use edgeguard::cloudfront::{Header, Headers, Request};
use edgeguard::referer::{MissingReferer, RefererPattern, RefererPolicy};
use edgeguard::Reason;

/// A site with a CDN on subdomains, one partner page that may embed, a port-restricted static
/// host and one fixed IPv4 and IPv6 address (an internal preview box).
const ALLOW: &[&str] = &[
    "example.com",
    "*.example.com",
    "https://partner.example.net/embed/",
    "static.example.org:8443",
    "192.0.2.10",
    "[2001:db8::1]",
];

use Expect::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allow,
    Malformed,
    NotAllowed,
    Missing,
}

impl Expect {
    fn of(result: Result<(), Reason>) -> Self {
        match result {
            Ok(()) => Allow,
            Err(Reason::RefererMalformed) => Malformed,
            Err(Reason::RefererNotAllowed) => NotAllowed,
            Err(Reason::RefererMissing) => Missing,
            Err(other) => panic!("unexpected reason {other}"),
        }
    }
}

fn policy() -> RefererPolicy {
    RefererPolicy {
        allow: ALLOW
            .iter()
            .map(|p| RefererPattern::parse(p).unwrap())
            .collect(),
        missing: MissingReferer::Deny,
    }
}

/// One Referer header per case.
const SINGLE: &[(&str, Expect)] = &[
    // --- genuine Referers (the table must not pass by denying everything) -------------------
    ("https://example.com/", Allow),
    ("http://example.com/page", Allow),
    ("https://www.example.com/a/b?c=d", Allow),
    ("https://a.b.c.example.com/", Allow),
    ("https://example.com:8443/", Allow),
    ("https://example.com:443/", Allow),
    ("https://example.com/?next=https://evil.com/", Allow),
    ("https://example.com/#https://evil.com", Allow),
    ("https://example.com/,https://evil.com/", Allow),
    ("https://partner.example.net/embed/player?id=1", Allow),
    ("https://static.example.org:8443/x", Allow),
    ("https://evil_com.example.com/", Allow),
    ("https://xn--bcher-kva.example.com/", Allow),
    // --- uppercase and trailing dots ----------------------------------------------------------
    ("HTTPS://EXAMPLE.COM/", Allow),
    ("HtTp://ExAmPlE.cOm/PaTh", Allow),
    ("https://Example.Com./", Allow),
    ("https://wWw.ExAmPlE.CoM.:443/", Allow),
    ("https://example.com../", Malformed),
    ("https://EXAMPLE.COM.EVIL.COM/", NotAllowed),
    // --- spoofed suffixes and prefixes ---------------------------------------------------------
    ("https://example.com.evil.com/", NotAllowed),
    ("https://www.example.com.evil.com/", NotAllowed),
    ("https://evilexample.com/", NotAllowed),
    ("https://wwwexample.com/", NotAllowed),
    ("https://example.com-evil.com/", NotAllowed),
    ("https://example.co/", NotAllowed),
    ("https://example.comevil.com/", NotAllowed),
    ("https://example.com..evil.com/", Malformed),
    ("https://.example.com/", Malformed),
    ("https://..example.com/", Malformed),
    ("https://a..example.com/", Malformed),
    ("https://evil.com/example.com", NotAllowed),
    ("https://evil.com/https://example.com/", NotAllowed),
    ("https://evil.com/?.example.com", NotAllowed),
    ("https://evil.com?.example.com", NotAllowed),
    ("https://evil.com#.example.com", NotAllowed),
    ("https://evil.com?@example.com", NotAllowed),
    ("https://evil.com#@example.com", NotAllowed),
    ("https://evil.com;.example.com/", Malformed),
    ("https://evil.com&.example.com/", Malformed),
    ("https://evil.com,.example.com/", Malformed),
    ("https://evil.com!.example.com/", Malformed),
    ("https://evil.com$.example.com/", Malformed),
    ("https://*.example.com/", Malformed),
    ("https://example.com:443.evil.com/", Malformed),
    ("https://example.com:80:80/", Malformed),
    // --- userinfo in every form ---------------------------------------------------------------
    ("https://example.com@evil.com/", Malformed),
    ("http://example.com:pw@evil.com/", Malformed),
    ("https://example.com:@evil.com/", Malformed),
    ("https://:@example.com/", Malformed),
    ("https://@example.com/", Malformed),
    ("https://user@example.com/", Malformed),
    ("https://user:pass@example.com/", Malformed),
    ("https://evil.com:443@example.com/", Malformed),
    ("https://example.com.evil.com:443@example.com/", Malformed),
    ("https://evil.com\\@example.com", NotAllowed),
    ("https:\\\\evil.com\\@example.com", NotAllowed),
    ("https:evil.com@example.com", Malformed),
    ("https:/\\evil.com@example.com/", Malformed),
    // --- percent-encoded dots, slashes and at signs -----------------------------------------------
    ("https://%65xample.com/", Malformed),
    ("https://example%2Ecom/", Malformed),
    ("https://example%2ecom/", Malformed),
    ("https://evil.com%2F.example.com/", Malformed),
    ("https://evil.com%2f@example.com/", Malformed),
    ("https://evil.com%40example.com/", Malformed),
    ("https://example.com%00.evil.com/", Malformed),
    ("https://example.com%252e.evil.com/", Malformed),
    ("https:example%2Ecom/", Malformed),
    ("https://partner.example.net/%65mbed/x", NotAllowed),
    // --- backslashes ------------------------------------------------------------------------------
    ("https://evil.com\\.example.com/", NotAllowed),
    ("https:\\\\evil.com/", NotAllowed),
    ("https://example.com\\.evil.com/", Allow),
    ("https://partner.example.net\\embed\\x", Allow),
    // --- IDN homographs and mixed scripts (raw Unicode never comes from a browser) ---------------
    ("https://еxample.com/", Malformed),
    ("https://exаmple.com/", Malformed),
    ("https://example.cοm/", Malformed),
    ("https://ｅｘａｍｐｌｅ.com/", Malformed),
    ("https://example。com/", Malformed),
    ("https://evil.com。example.com/", Malformed),
    ("https://exam\u{00AD}ple.com/", Malformed),
    ("https://example.com\u{200B}/", Malformed),
    ("https://example.com／evil.com", Malformed),
    ("https://bücher.example.com/", Malformed),
    ("https://xn--xample-2of.com/", NotAllowed),
    ("https://xn--exmple-cua.com/", NotAllowed),
    ("https://www.xn--xample-2of.com.evil.com/", NotAllowed),
    // --- IPv4 in every notation ---------------------------------------------------------------------
    ("http://192.0.2.10/", Allow),
    ("http://3221225994/", Allow),
    ("http://0xC0.0.2.10/", Allow),
    ("http://0300.0.2.10/", Allow),
    ("http://0xc000020a/", Allow),
    ("http://192.0.522/", Allow),
    ("http://192.0.2.10./", Allow),
    ("http://192.0.2.010/", NotAllowed),
    ("http://192.0.2.1/", NotAllowed),
    ("http://192.0.2.10.evil.com/", NotAllowed),
    ("http://192.0.2.256/", Malformed),
    ("http://192.0.2.10@evil.com/", Malformed),
    ("http://evil.com@192.0.2.10/", Malformed),
    // --- IPv6 ---------------------------------------------------------------------------------------
    ("http://[2001:db8::1]/", Allow),
    ("http://[2001:0DB8:0:0:0:0:0:1]:8080/", Allow),
    ("http://[2001:db8::2]/", NotAllowed),
    ("http://[::ffff:192.0.2.10]/", NotAllowed),
    ("http://[2001:db8::1%25eth0]/", Malformed),
    ("http://[2001:db8::1/", Malformed),
    ("http://2001:db8::1/", Malformed),
    ("http://[example.com]/", Malformed),
    // --- ports ---------------------------------------------------------------------------------------
    ("https://static.example.org/", NotAllowed),
    ("https://static.example.org:443/", NotAllowed),
    ("http://static.example.org:8443/", Allow),
    ("https://static.example.org:08443/", Allow),
    ("https://static.example.org:65536/", Malformed),
    ("https://example.com:/", Allow),
    ("https://example.com:abc/", Malformed),
    ("https://example.com:-1/", Malformed),
    // --- path-restricted pattern ----------------------------------------------------------------------
    ("https://partner.example.net/Embed/x", NotAllowed),
    ("https://partner.example.net/embedded", NotAllowed),
    ("https://partner.example.net/embed", NotAllowed),
    ("http://partner.example.net/embed/x", NotAllowed),
    ("https://partner.example.net/x?/embed/", NotAllowed),
    ("https://partner.example.net/x/../embed/y", Allow),
    ("https://partner.example.net.evil.com/embed/", NotAllowed),
    // --- scheme tricks -------------------------------------------------------------------------------
    ("javascript:alert(1)//example.com", Malformed),
    ("data:text/html,https://example.com/", Malformed),
    ("blob:https://example.com/0f6c", Malformed),
    ("ftp://example.com/", Malformed),
    ("file://example.com/etc/passwd", Malformed),
    ("ws://example.com/", Malformed),
    ("android-app://com.example.app/", Malformed),
    ("//example.com/", Malformed),
    ("example.com", Malformed),
    ("/images/", Malformed),
    ("https:example.com", Allow),
    ("https:///example.com/", Allow),
    ("https ://example.com/", Malformed),
    ("xhttps://example.com/", Malformed),
    // --- whitespace and control characters ------------------------------------------------------------
    ("  https://example.com/  ", Allow),
    ("\thttps://example.com/\t", Allow),
    ("https://exa mple.com/", Malformed),
    ("https://example.com/ https://evil.com/", Malformed),
    ("https://example.com/\r\nX-Injected: 1", Malformed),
    ("https://exam\nple.com/", Malformed),
    ("https://evil.com\n.example.com/", Malformed),
    ("https://evil.com\t.example.com/", Malformed),
    ("https://example.com/\0", Malformed),
    ("\0https://example.com/", Malformed),
    ("https://example.com/\x7f", Malformed),
    ("https://example.com\u{85}/", Malformed),
    ("https://example.com\u{A0}.evil.com/", Malformed),
    ("https://evil.com\u{2028}example.com/", Malformed),
    ("\u{FEFF}https://example.com/", Malformed),
    // --- empty ---------------------------------------------------------------------------------------
    ("", Malformed),
    ("   ", Malformed),
    ("\t", Malformed),
];

/// Several Referer headers (or none) per case.
const MULTIPLE: &[(&[&str], Expect)] = &[
    (&[], Missing),
    (&["https://example.com/", "https://example.com/"], Malformed),
    (&["https://example.com/", "https://evil.com/"], Malformed),
    (&["https://evil.com/", "https://example.com/"], Malformed),
    (&["", "https://example.com/"], Malformed),
    (&["https://example.com/", ""], Malformed),
];

fn huge_cases() -> Vec<(String, Expect)> {
    let base = "https://example.com/";
    vec![
        // At the 4 KB limit: still decided on its merits.
        (format!("{base}{}", "a".repeat(4096 - base.len())), Allow),
        // One byte over.
        (
            format!("{base}{}", "a".repeat(4097 - base.len())),
            Malformed,
        ),
        (format!("{base}{}", "a".repeat(1 << 20)), Malformed),
        (
            format!("https://{}.example.com/", "a".repeat(5000)),
            Malformed,
        ),
        // A host over 253 characters is no DNS name (RFC 1035: 255 octets on the wire), so no
        // browser shows a page from it: forged. (Before the host length bound, this 4 KB
        // subdomain of example.com was allowed.)
        (
            format!("https://{}example.com/", "a.".repeat(2000)),
            Malformed,
        ),
        // At the bound: 121 labels `a.` plus `example.com` is 253 characters.
        (format!("https://{}example.com/", "a.".repeat(121)), Allow),
        (
            format!("https://{}example.com./", "a.".repeat(121)),
            Allow, // the trailing dot is not part of the name's length
        ),
        (
            format!("https://a{}example.com/", "a.".repeat(121)),
            Malformed,
        ),
        (
            format!("https://example.com.{}/", "a.".repeat(2100)),
            Malformed,
        ),
        (
            format!("https://{}@example.com/", "a".repeat(3000)),
            Malformed,
        ),
    ]
}

/// What the WHATWG parser says the origin is, written independently of `src/referer.rs`; any
/// allow must be explained by it.
fn oracle_allows(value: &str) -> bool {
    let Ok(url) = url::Url::parse(value.trim_matches([' ', '\t'])) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return false;
    }
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    let port = url.port_or_known_default();
    host == "example.com"
        || host.ends_with(".example.com")
        || (url.scheme() == "https"
            && host == "partner.example.net"
            && url.path().starts_with("/embed/"))
        || (host == "static.example.org" && port == Some(8443))
        || host == "192.0.2.10"
        || host == "[2001:db8::1]"
}

fn run(values: &[&str]) -> Expect {
    Expect::of(policy().check(values.iter().copied()))
}

#[test]
fn the_table_is_large_and_varied() {
    let total = SINGLE.len() + MULTIPLE.len() + huge_cases().len();
    assert!(total >= 100, "only {total} cases");
    for kind in [Allow, Malformed, NotAllowed, Missing] {
        let n = SINGLE
            .iter()
            .map(|(_, e)| *e)
            .chain(MULTIPLE.iter().map(|(_, e)| *e))
            .filter(|e| *e == kind)
            .count();
        assert!(n > 0, "no case expects {kind:?}");
    }
}

#[test]
fn every_single_referer_gets_the_expected_decision_and_reason() {
    let wrong: Vec<String> = SINGLE
        .iter()
        .filter_map(|(value, want)| {
            let got = run(&[value]);
            (got != *want).then(|| format!("{value:?}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn repeated_and_absent_headers_get_the_expected_decision_and_reason() {
    for (values, want) in MULTIPLE {
        assert_eq!(run(values), *want, "{values:?}");
    }
}

#[test]
fn huge_values_get_the_expected_decision_and_reason() {
    for (value, want) in huge_cases() {
        assert_eq!(run(&[&value]), want, "{}...", &value[..60]);
    }
}

#[test]
fn no_allow_without_an_allowed_origin_per_the_url_oracle() {
    let mut values: Vec<String> = SINGLE.iter().map(|(v, _)| v.to_string()).collect();
    values.extend(huge_cases().into_iter().map(|(v, _)| v));
    for value in values {
        if run(&[&value]) == Allow {
            assert!(oracle_allows(&value), "false allow: {value:?}");
        }
    }
}

#[test]
fn a_second_referer_under_a_differently_cased_key_is_still_seen() {
    // A literal: the builder lower-cases names, so it cannot make two differently cased keys.
    let mut headers = Headers::new();
    for key in ["referer", "Referer"] {
        headers.insert(
            key.into(),
            vec![Header {
                key: Some("Referer".into()),
                value: "https://example.com/".into(),
            }],
        );
    }
    let request = Request {
        client_ip: "203.0.113.1".into(),
        headers,
        method: "GET".into(),
        querystring: String::new(),
        uri: "/images/a.png".into(),
        body: None,
        origin: None,
    };
    assert_eq!(
        policy().check(request.header_values("referer")),
        Err(Reason::RefererMalformed)
    );
}

#[test]
fn hosts_with_an_empty_label_are_malformed_even_under_an_allowed_suffix() {
    // The WHATWG parser accepts them and `..example.com` ends in `.example.com`; no browser can
    // be on such a page, so the guard refuses them.
    for value in [
        "https://..example.com/",
        "https://a..example.com/",
        "https://example.com../",
    ] {
        assert_eq!(run(&[value]), Malformed, "{value}");
    }
}
