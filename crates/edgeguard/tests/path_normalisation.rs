//! What the origin will serve (issue #10, item 1): a URI path that some common origin reads as
//! another path than the one the rules matched is denied `path_not_normalized` before any rule is
//! chosen; everything a browser really sends is decided as before. One test per form, with the
//! reason it is refused (or harmless) in its name and doc comment. Decided by the shipped
//! guard.toml: `/private/*` needs a signature, `/images/*` a good Referer, `/public/*` is open.

use crate::support::{self, table_tests};
use edgeguard::cloudfront::Request;
use edgeguard::signed::{self, sign_url, HashAlgorithm, PrivateKey, SignOptions, VerifyOptions};
use edgeguard::{config, Decision, Guard, Reason};
use proptest::prelude::*;
use std::path::Path;

const NOW: i64 = 1_767_225_600;
const HOST: &str = "d111111abcdef8.cloudfront.net";
const GOOD_REFERER: &str = "https://www.example.com/page.html";

fn shipped() -> Guard {
    Guard::new(
        config::load_file(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../guard.toml"
        )))
        .unwrap()
        .1,
    )
}

fn guard_from(toml: &str) -> Guard {
    let read = |p: &str| Err(format!("no file {p}"));
    Guard::new(config::load_toml(toml, "test.toml", &read).unwrap().1)
}

fn request(uri: &str, query: &str) -> Request {
    support::request(uri, query, &[("Host", HOST), ("Referer", GOOD_REFERER)])
}

fn decide(guard: &Guard, uri: &str) -> Decision {
    guard.decide(&request(uri, ""), NOW)
}

const REFUSED: Decision = Decision::Deny {
    rule: None,
    reason: Reason::PathNotNormalized,
};

/// Every URI is refused before any rule is chosen.
fn assert_refused(uris: &[&str]) {
    let guard = shipped();
    for uri in uris {
        assert_eq!(decide(&guard, uri), REFUSED, "{uri:?}");
    }
}

/// Every URI is allowed by the open `/public/*` rule (index 2 of the shipped config).
fn assert_public(uris: &[&str]) {
    let guard = shipped();
    for uri in uris {
        assert_eq!(
            decide(&guard, uri),
            Decision::Allow {
                rule: 2,
                signed: false
            },
            "{uri:?}"
        );
    }
}

/// What happens to every URI of a row.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Refused before any rule is chosen ([`assert_refused`]).
    Refused,
    /// Allowed by the open `/public/*` rule ([`assert_public`]).
    Public,
}
use Expect::{Public, Refused};

/// A row of URIs and what happens to each.
fn uris(uris: &[&str], expect: Expect) {
    match expect {
        Refused => assert_refused(uris),
        Public => assert_public(uris),
    }
}

// --- dot segments: what the issue reported ------------------------------------------------

table_tests! { uris;
    /// The reported false allow: `/public/*` matched, and an origin resolving `..` served
    /// `/private/secret.pdf` without a signature.
    dot_dot_segment_cannot_climb_from_public_to_private:
        &["/public/../private/secret.pdf"] => Refused,
    /// `%2e` is a dot to every origin that decodes (and to the WHATWG parser), in either case and
    /// mixed with plain dots.
    percent_encoded_dot_segments_are_dot_segments_in_every_spelling: &[
        "/public/%2e%2e/private/secret.pdf",
        "/public/%2E%2E/private/secret.pdf",
        "/public/.%2e/private/secret.pdf",
        "/public/%2E./private/secret.pdf",
        "/public/%2e/x.css",
    ] => Refused,
    /// `/./` is dropped by origins (and browsers), so `/./images/cat.jpg` is `/images/cat.jpg`
    /// there while a `/*` rule would have matched the raw text.
    a_single_dot_segment_is_refused_because_origins_drop_it:
        &["/./images/cat.jpg", "/public/./a.css", "/public/."] => Refused,
    /// The last segment counts too: `/public/..` is `/` to an origin.
    a_dot_segment_as_the_last_segment_is_refused:
        &["/public/..", "/public/%2e%2e", "/public/.", "/.."] => Refused,
}

/// A link signed for a whole folder (`Resource: https://HOST/private/season1/*`) verifies for
/// `/private/season1/%2e%2e/season2/secret.mp4`, since `*` matches across `/../`; the path rule
/// stops it before the signature is even looked at.
#[test]
fn a_folder_wide_signed_link_cannot_reach_a_sibling_folder() {
    let key = PrivateKey::from_pem(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem"
        ))
        .unwrap(),
    )
    .unwrap();
    let url = format!("https://{HOST}/private/season1/%2e%2e/season2/secret.mp4");
    let resource = format!("https://{HOST}/private/season1/*");
    let signed_url = sign_url(
        &SignOptions {
            url: &url,
            key_pair_id: "K2JCJMDEHXQW5F",
            date_less_than: 2_100_000_000,
            date_greater_than: None,
            ip_address: None,
            policy_resource: Some(&resource),
            hash: HashAlgorithm::Sha1,
        },
        &key,
    )
    .unwrap();
    let (uri, query) = signed_url
        .split_once(HOST)
        .unwrap()
        .1
        .split_once('?')
        .unwrap();
    let r = request(uri, query);
    let guard = shipped();
    let by_signature_alone = signed::verify_request(
        &edgeguard::signed::SignedRequest {
            scheme: "https",
            host: Some(HOST),
            uri,
            querystring: query,
            cookie_headers: vec![],
            client_ip: "203.0.113.5",
        },
        &guard.config().keys,
        &VerifyOptions {
            now: NOW,
            clock_skew_seconds: 0,
        },
    );
    assert!(
        matches!(by_signature_alone, signed::SignatureCheck::Valid { .. }),
        "the signature itself verifies: {by_signature_alone:?}"
    );
    assert_eq!(guard.decide(&r, NOW), REFUSED);
}

table_tests! { uris;
    /// Tomcat drops `;` parameters before resolving dots, so `/..;/` is `..` there (the classic
    /// `/public/..;/private/` bypass); a dot name with parameters is a dot segment.
    a_dot_segment_with_path_parameters_is_refused_because_tomcat_resolves_it: &[
        "/public/..;/private/secret.pdf",
        "/public/..;x=1/private/secret.pdf",
        "/public/.;/a.css",
        "/public/%2e%2e;/private/secret.pdf",
    ] => Refused,
}

// --- the other forms a browser never sends ------------------------------------------------

table_tests! { uris;
    /// Windows servers (IIS) read `\` as `/`, raw or decoded; browsers turn a raw `\` into `/`.
    a_backslash_is_refused_raw_or_encoded_because_windows_origins_read_it_as_a_slash: &[
        "/public\\..\\private\\secret.pdf",
        "/public/..%5Cprivate%5Csecret.pdf",
        "/public/a%5cb.css",
    ] => Refused,
    /// S3 decodes `%2F` into a `/` of the key: `/images%2Fcat.jpg` is the key `images/cat.jpg`,
    /// while the rules saw one segment `images%2Fcat.jpg`.
    an_encoded_slash_is_refused_because_s3_decodes_it_into_a_separator: &[
        "/images%2Fcat.jpg",
        "/public%2F..%2Fprivate%2Fsecret.pdf",
        "/public/a%2fb",
    ] => Refused,
    /// Servlet containers read `;...` as path parameters and drop them; S3 keeps them. Fine as
    /// long as both readings choose the same rule: the session id of a Java site stays allowed.
    path_parameters_are_allowed_when_every_reading_chooses_the_same_rule: &[
        "/public/app;jsessionid=0123ABCD/page.html",
        "/public/page.html;jsessionid=0123ABCD",
        "/public/dir/;jsessionid=0123ABCD",
    ] => Public,
}

/// `/private;x/secret.pdf` matches no rule as written, but a servlet container serves
/// `/private/secret.pdf`: the readings disagree on the rule, so it is refused (never `no_rule`
/// or an allow by another rule).
#[test]
fn path_parameters_that_hide_a_protected_prefix_are_refused() {
    assert_refused(&["/private;x=1/secret.pdf", "/public;x/a.css"]);
    let open_fallback = guard_from(
        "[[rules]]\npaths = [\"/admin/*\"]\nreferer = { allow = [\"partner.test\"] }\n\n[[rules]]\npaths = [\"/*\"]\n",
    );
    assert_eq!(decide(&open_fallback, "/admin;x=1/users"), REFUSED);
}

table_tests! { uris;
    /// `%3B` is a literal `;` to Tomcat and S3 but a parameter separator to a container that
    /// decodes first: no agreed reading.
    an_encoded_semicolon_is_refused_because_servlet_containers_disagree_on_it:
        &["/public/a%3Bb.css", "/public/..%3b/private/secret.pdf"] => Refused,
    /// nginx merges `//` (merge_slashes), S3 keeps it as part of the key: `//images/cat.jpg` is
    /// `/images/cat.jpg` to one origin and another key to the next.
    empty_segments_are_refused_because_nginx_merges_them_and_s3_keeps_them: &[
        "//images/cat.jpg",
        "/public//a.css",
        "/public/a.css//",
        "//",
    ] => Refused,
    /// A segment that is only path parameters (`/;x/`) becomes an empty segment once a servlet
    /// container drops the parameter.
    a_segment_made_only_of_path_parameters_is_refused_as_an_empty_segment:
        &["/public/;x=1/a.css", "/;x/public/a.css"] => Refused,
    /// The trailing `/` of a directory URL is an empty last segment every origin reads the same
    /// way (a directory index): allowed.
    a_trailing_slash_is_a_directory_not_an_empty_segment: &["/public/", "/public/docs/"] => Public,
    /// `%00` truncates the path in C-based origins, `%0D%0A` splits headers when an origin echoes
    /// the path in a redirect; raw control bytes cannot come from an HTTP request line at all.
    nul_and_control_bytes_are_refused_raw_or_encoded: &[
        "/public/a.css%00.pdf",
        "/public/a%0d%0aSet-Cookie:%20x=1",
        "/public/a%09b",
        "/public/a%7Fb",
        "/public/a\u{0}b",
        "/public/a\tb",
        "/public/a\u{7f}b",
    ] => Refused,
}

/// A browser sends a space as `%20` (allowed); a raw space cannot be in a request line.
#[test]
fn a_raw_space_is_refused_and_an_encoded_space_allowed() {
    assert_refused(&["/public/a b.css"]);
    assert_public(&["/public/a%20b.css"]);
}

table_tests! { uris;
    /// `%` must start an escape of two hex digits: origins answer a stray `%` with 400, leave it
    /// undecoded, or (IIS) decode `%u002e` as `.`.
    a_lone_or_malformed_percent_is_refused: &[
        "/public/%",
        "/public/100%.css",
        "/public/%zz",
        "/public/%2",
        "/public/%u002e%u002e/private/secret.pdf",
    ] => Refused,
    /// `%c0%ae` is an overlong UTF-8 `.` that lenient decoders read as a dot; `%ff` and encoded
    /// surrogates are not UTF-8, which S3 refuses as a key.
    escapes_that_are_not_utf8_are_refused_including_the_overlong_dot: &[
        "/public/%c0%ae%c0%ae/private/secret.pdf",
        "/public/%e0%80%ae/x",
        "/public/%c0%af",
        "/public/caf%e9.css",
        "/public/%ed%a0%80",
    ] => Refused,
    /// `%252e` is `%2e` to an origin that decodes once and `.` to one that decodes twice (a
    /// proxy in front of a web server): refused whenever the decoded path still holds an escape.
    double_encoding_is_refused_because_a_second_decoder_reads_another_path: &[
        "/public/%252e%252e/private/secret.pdf",
        "/public/%252F",
        "/public/%2541.css",
    ] => Refused,
    /// `%25` that does not form an escape after decoding (`100%25.css` is the file `100%.css`) has
    /// one reading only: allowed.
    an_encoded_percent_that_does_not_form_an_escape_is_allowed:
        &["/public/100%25.css", "/public/%25"] => Public,
    /// `%69` is `i` to every origin that decodes, so `/%69mages/cat.jpg` is `/images/cat.jpg`
    /// there while the rules saw `/%69mages/...`; browsers never encode unreserved characters.
    percent_encoded_unreserved_characters_are_refused: &[
        "/%69mages/cat.jpg",
        "/public/%41.css",
        "/public/a%2Dz.css",
        "/public/a%5fz.css",
        "/public/%7Euser/x",
        "/public/a%2ecss",
        "/public/%30",
    ] => Refused,
    /// CloudFront never puts `?` or `#` in the event's `uri` (they start the query and the
    /// fragment); a crafted event that does would be read that way by the origin.
    a_raw_query_or_fragment_delimiter_inside_the_uri_is_refused:
        &["/public/a.css?x=1", "/public/a.css#top"] => Refused,
}

// --- what stays allowed --------------------------------------------------------------------

table_tests! { uris;
    /// Reserved and other characters percent-encoded in upper or lower case hex (`%2B` = `%2b`):
    /// every origin decodes both to the same byte (RFC 3986 section 2.1), and each reading chooses
    /// the same rule.
    upper_and_lower_case_hex_of_encoded_characters_are_both_allowed: &[
        "/public/caf%C3%A9.css",
        "/public/caf%c3%a9.css",
        "/public/a%2Bb.css",
        "/public/a%2bb.css",
        "/public/%E6%97%A5%E6%9C%AC.css",
        "/public/a%3Fb.css",
        "/public/a%23b.css",
        "/public/%22quoted%22.css",
    ] => Public,
    /// Raw non-ASCII text (no browser sends it, curl can) is the same UTF-8 for every origin: it
    /// cannot form a separator or a dot, so it is harmless.
    raw_non_ascii_is_harmless_because_every_reading_is_the_same_text:
        &["/public/café.css", "/public/日本.css"] => Public,
    /// Characters a browser would percent-encode but that mean nothing to a path (`"`, `<`, `>`,
    /// `{`, `}`, `` ` ``) have one literal reading everywhere: harmless.
    raw_characters_without_path_meaning_are_harmless:
        &["/public/a\"b.css", "/public/<x>.css", "/public/{x}`y`.css"] => Public,
}

/// URIs as browsers send them: hrefs written by pages, serialised by the WHATWG URL parser (the
/// `url` crate), which removes dot segments, turns `\` into `/` and encodes spaces, quotes and
/// non-ASCII. None may be refused.
#[test]
fn uris_as_browsers_send_them_are_allowed() {
    let base = url::Url::parse(&format!("https://{HOST}/public/index.html")).unwrap();
    for href in [
        "a b.css",
        "café.css",
        "caf%C3%A9.css",
        "caf%c3%a9.css",
        "~user/a.css",
        "C++.css",
        "a@b:c.css",
        "a!$&'()*,=b.css",
        "\"x\".css",
        "a|b^c.css",
        "[x].css",
        "a%2Bb.css",
        "100%25.css",
        "page.html;jsessionid=ABC",
        "./sub/../x.css",
        "sub\\x.css",
        "%2e%2e/public/x.css",
        "docs/",
        "日本語.css",
        "😀.css",
    ] {
        let sent = base.join(href).unwrap();
        assert_public(&[sent.path()]);
    }
}

/// The `+`/space equivalence of S3: `/a+b/x` (a protected folder) and `/a%20b/x` are one key
/// there, so a URI whose S3 reading chooses another rule than its raw text is refused.
#[test]
fn an_encoded_space_that_s3_reads_as_a_protected_plus_is_refused() {
    let guard = guard_from(
        "[[rules]]\npaths = [\"/a+b/*\"]\nreferer = { allow = [\"partner.test\"] }\n\n[[rules]]\npaths = [\"/*\"]\n",
    );
    assert_eq!(decide(&guard, "/a%20b/secret.pdf"), REFUSED);
    assert_eq!(decide(&guard, "/a%2Bb/secret.pdf"), REFUSED);
    assert_eq!(
        decide(&guard, "/a+b/secret.pdf").reason(),
        Some(Reason::RefererNotAllowed)
    );
}

/// `?` in a glob is one character: `/x/?.jpg` matches the decoded `/x/ .jpg` but not the raw
/// `/x/%20.jpg`. The readings choose different rules, so the request is refused.
#[test]
fn an_escape_that_changes_which_rule_matches_is_refused() {
    let guard = guard_from(
        "[[rules]]\npaths = [\"/x/?.jpg\"]\nreferer = { allow = [\"partner.test\"] }\n\n[[rules]]\npaths = [\"/*\"]\n",
    );
    assert_eq!(decide(&guard, "/x/%20.jpg"), REFUSED);
    assert_eq!(
        decide(&guard, "/x/%20%20.jpg"),
        Decision::Allow {
            rule: 1,
            signed: false
        }
    );
}

/// Every reason code is documented in the README's reason-code table.
#[test]
fn every_reason_code_is_in_the_readme_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    for reason in Reason::ALL {
        assert!(
            readme.contains(&format!("| `{}`", reason.code()))
                || readme.contains(&format!("`{}`,", reason.code()))
                || readme.contains(&format!(", `{}` |", reason.code())),
            "README.md has no row for {}",
            reason.code()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No href a browser serialises is refused, unless it keeps an empty segment (`a//b`, `/;x/`)
    /// or a dot name with parameters (`/..;/`), which browsers send as written and which are
    /// refused on purpose (see above).
    #[test]
    fn no_href_a_browser_serialises_is_refused(href in "[ -$&-~é日😀]{0,24}") {
        let base = url::Url::parse(&format!("https://{HOST}/public/")).unwrap();
        let Ok(sent) = base.join(&href) else { return Ok(()) };
        prop_assume!(sent.scheme() == "https" && sent.host_str() == Some(HOST));
        let path = sent.path();
        prop_assume!(!["//", "/;", "/.;", "/..;"].iter().any(|f| path.contains(f)));
        prop_assert!(
            edgeguard::path::check(path).is_ok(),
            "{href:?} is sent as {path:?}, refused: {:?}",
            edgeguard::path::check(path).err()
        );
    }
}
