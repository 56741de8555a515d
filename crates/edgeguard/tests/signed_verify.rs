//! Signed URL and cookie verification, one behaviour per test, with the demo keys
//! (keys/*.pem, private halves in tests/fixtures/keys/) and an injected clock.

use crate::signed_support::*;
use edgeguard::signed::{
    b64, sign_cookies, sign_url, strip_signing_params, verify_request, HashAlgorithm, PrivateKey,
    SignOptions, SignatureCheck, SignedRequest, VerifyOptions,
};
use edgeguard::Reason;

const RSA_ID: &str = "K2JCJMDEHXQW5F";
const EC_ID: &str = "K3ECDSAP256DEMO";
const HOST: &str = "https://d111111abcdef8.cloudfront.net";
const EXPIRES: i64 = 1_800_000_000;
const NOW: i64 = 1_767_225_600;
const IP: &str = "203.0.113.10";

use crate::support::{demo_public_keys as demo_keys, private_key as private};

fn opts(url: &str) -> SignOptions<'_> {
    SignOptions::canned(url, RSA_ID, EXPIRES)
}

fn signed(url: &str) -> String {
    sign_url(&opts(url), &private(RSA_ID)).unwrap()
}

fn check(url: &str) -> SignatureCheck {
    verify(url, &[], &demo_keys(), NOW, IP)
}

/// A URL whose custom policy is exactly `policy` (signed with the RSA demo key).
fn with_policy(url: &str, policy: &str) -> String {
    let sig = b64::encode(
        &private(RSA_ID)
            .sign(HashAlgorithm::Sha1, policy.as_bytes())
            .unwrap(),
    );
    let sep = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{sep}Policy={}&Signature={sig}&Key-Pair-Id={RSA_ID}",
        b64::encode(policy.as_bytes())
    )
}

fn cookie_line(url: &str, o: SignOptions<'_>, key: &PrivateKey) -> String {
    let cookies = sign_cookies(&SignOptions { url, ..o }, key).unwrap();
    cookie_header(cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

#[test]
fn valid_canned_url_is_accepted() {
    assert_eq!(check(&signed(&format!("{HOST}/private/a.mp4"))), VALID_URL);
}

#[test]
fn no_signing_parameters_is_absent() {
    assert_eq!(
        check(&format!("{HOST}/private/a.mp4?x=1")),
        SignatureCheck::Absent
    );
    assert_eq!(
        verify(
            &format!("{HOST}/a"),
            &["session=1; theme=dark"],
            &demo_keys(),
            NOW,
            IP
        ),
        SignatureCheck::Absent
    );
}

#[test]
fn now_equal_to_expires_is_expired_and_one_second_before_is_valid() {
    let url = signed(&format!("{HOST}/a"));
    assert_eq!(verify(&url, &[], &demo_keys(), EXPIRES - 1, IP), VALID_URL);
    assert_eq!(
        verify(&url, &[], &demo_keys(), EXPIRES, IP),
        invalid(Reason::Expired)
    );
}

#[test]
fn clock_skew_widens_both_ends_of_the_window() {
    let mut o = opts("https://d111111abcdef8.cloudfront.net/a");
    o.date_greater_than = Some(NOW);
    let url = sign_url(&o, &private(RSA_ID)).unwrap();
    let p = split_url(&url);
    let at = |now: i64, skew: u64| {
        verify_request(
            &SignedRequest {
                scheme: "https",
                host: Some(&p.host),
                uri: &p.uri,
                querystring: &p.query,
                cookie_headers: vec![],
                client_ip: IP,
            },
            &demo_keys(),
            &VerifyOptions {
                now,
                clock_skew_seconds: skew,
            },
        )
    };
    assert_eq!(at(NOW - 1, 0), invalid(Reason::NotYetValid));
    assert_eq!(at(NOW, 0), VALID_URL);
    assert_eq!(at(NOW - 30, 30), VALID_URL);
    assert_eq!(at(NOW - 31, 30), invalid(Reason::NotYetValid));
    assert_eq!(at(EXPIRES, 0), invalid(Reason::Expired));
    assert_eq!(at(EXPIRES + 29, 30), VALID_URL);
    assert_eq!(at(EXPIRES + 30, 30), invalid(Reason::Expired));
}

#[test]
fn tampered_signature_is_invalid() {
    let url = signed(&format!("{HOST}/a"));
    let i = url.find("Signature=").unwrap() + 12;
    let c = if &url[i..=i] == "A" { "B" } else { "A" };
    let tampered = format!("{}{c}{}", &url[..i], &url[i + 1..]);
    assert_eq!(check(&tampered), invalid(Reason::SignatureInvalid));
}

#[test]
fn changed_path_own_query_or_expiry_invalidates_a_canned_url() {
    let url = signed(&format!("{HOST}/private/a.mp4?quality=hd"));
    assert_eq!(check(&url), VALID_URL);
    assert_eq!(
        check(&url.replace("a.mp4", "b.mp4")),
        invalid(Reason::SignatureInvalid)
    );
    assert_eq!(
        check(&url.replace("quality=hd", "quality=4k")),
        invalid(Reason::SignatureInvalid)
    );
    assert_eq!(
        check(&format!("{url}&extra=1")),
        invalid(Reason::SignatureInvalid)
    );
    assert_eq!(
        check(&url.replace("Expires=1800000000", "Expires=1800000001")),
        invalid(Reason::SignatureInvalid)
    );
    assert_eq!(
        check(&url.replace("cloudfront.net", "cloudfront.net.evil.com")),
        invalid(Reason::SignatureInvalid)
    );
}

#[test]
fn signing_parameters_may_come_in_any_order_and_before_own_parameters() {
    let url = signed(&format!("{HOST}/a?x=1"));
    let p = split_url(&url);
    let mut pieces: Vec<&str> = p.query.split('&').collect();
    pieces.reverse(); // Key-Pair-Id, Signature, Expires, x=1
    let reordered = format!("{HOST}/a?{}", pieces.join("&"));
    assert_eq!(check(&reordered), VALID_URL);
}

#[test]
fn own_query_encoding_is_kept_verbatim() {
    let url = signed(&format!("{HOST}/a%20b?q=%2F%2f&r=a+b"));
    assert_eq!(check(&url), VALID_URL);
    assert_eq!(
        check(&url.replace("%2f", "%2F")),
        invalid(Reason::SignatureInvalid)
    );
}

#[test]
fn unknown_key_pair_id_is_key_unknown() {
    let url = signed(&format!("{HOST}/a")).replace(RSA_ID, "KUNKNOWN");
    assert_eq!(check(&url), invalid(Reason::KeyUnknown));
}

#[test]
fn duplicate_signing_parameter_is_malformed() {
    let url = signed(&format!("{HOST}/a"));
    assert_eq!(
        check(&format!("{url}&Key-Pair-Id={RSA_ID}")),
        invalid(Reason::SignatureMalformed)
    );
    assert_eq!(
        check(&format!(
            "{url}&Hash-Algorithm=SHA256&Hash-Algorithm=SHA256"
        )),
        invalid(Reason::SignatureMalformed)
    );
}

/// A policy for exactly `{HOST}/a`, valid until EXPIRES (or `until`).
fn exact_policy(until: i64) -> String {
    format!(
        r#"{{"Statement":[{{"Resource":"{HOST}/a","Condition":{{"DateLessThan":{{"AWS:EpochTime":{until}}}}}}}]}}"#
    )
}

#[test]
fn policy_governs_and_an_expires_beside_it_is_ignored() {
    // aws-cloudfront-sign sends both; the Expires is not signed, so any value (even junk) is
    // ignored, and it is not part of the resource the exact Resource is matched against.
    let url = with_policy(&format!("{HOST}/a"), &exact_policy(EXPIRES));
    assert_eq!(check(&url), VALID_URL);
    for expires in ["1800000000", "1", "2147483647", "junk", ""] {
        assert_eq!(
            check(&format!("{url}&Expires={expires}")),
            VALID_URL,
            "{expires}"
        );
        assert_eq!(
            check(&url.replacen("?", &format!("?Expires={expires}&"), 1)),
            VALID_URL,
            "{expires} first"
        );
    }
}

#[test]
fn an_ignored_expires_does_not_extend_an_expired_policy() {
    let url = with_policy(&format!("{HOST}/a"), &exact_policy(NOW - 1));
    assert_eq!(
        check(&format!("{url}&Expires=2147483647")),
        invalid(Reason::Expired)
    );
}

#[test]
fn a_canned_signature_is_not_valid_for_a_policy_put_beside_its_expires() {
    // Policy governs: the canned signature is then checked over the policy bytes and fails.
    let url = signed(&format!("{HOST}/a"));
    let forged = b64::encode(br#"{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":1800000000}}}]}"#);
    assert_eq!(
        check(&format!("{url}&Policy={forged}")),
        invalid(Reason::SignatureInvalid)
    );
}

#[test]
fn duplicated_expires_beside_a_policy_is_still_malformed() {
    let url = with_policy(&format!("{HOST}/a"), &exact_policy(EXPIRES));
    assert_eq!(
        check(&format!("{url}&Expires=1&Expires=1")),
        invalid(Reason::SignatureMalformed)
    );
}

/// The first of `{HOST}/a?n=0`, `/ab?n=0`, `/abc?n=0`, `/a?n=1`, ... whose custom-policy URL
/// has a `~` in both its Signature and its Policy (the policy's `?` turns into `~` at one of
/// three alignments; deterministic: RSA PKCS#1 v1.5 and fixed inputs).
fn custom_url_with_tildes() -> String {
    (0..60)
        .map(|i| {
            let resource = format!("{HOST}/{}?n={}", &"abc"[..1 + i % 3], i / 3);
            let policy = format!(
                r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXPIRES}}}}}}}]}}"#
            );
            with_policy(&resource, &policy)
        })
        .find(|url| {
            let p = split_url(url);
            let value = |name: &str| {
                p.query
                    .split('&')
                    .find_map(|x| x.strip_prefix(name))
                    .unwrap_or("")
                    .to_string()
            };
            value("Signature=").contains('~') && value("Policy=").contains('~')
        })
        .expect("some signature and policy hold a ~")
}

/// Rewrites the value of query parameter `name` with `f`.
fn map_param(url: &str, name: &str, f: impl Fn(&str) -> String) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|p| match p.strip_prefix(&format!("{name}=")) {
            Some(v) => format!("{name}={}", f(v)),
            None => p.to_string(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// Every byte as `%XX` (upper-case hex) or `%xx` (lower-case).
fn encode_all(value: &str, lower: bool) -> String {
    value
        .bytes()
        .map(|b| {
            let e = format!("%{b:02X}");
            if lower {
                e.to_lowercase()
            } else {
                e
            }
        })
        .collect()
}

#[test]
fn percent_encoded_tilde_in_signature_policy_and_key_id_is_decoded() {
    let url = custom_url_with_tildes();
    assert_eq!(check(&url), VALID_URL);
    for tilde in ["%7E", "%7e"] {
        let encoded = map_param(&url, "Signature", |v| v.replace('~', tilde));
        let encoded = map_param(&encoded, "Policy", |v| v.replace('~', tilde));
        let encoded = map_param(&encoded, "Key-Pair-Id", |v| {
            format!("{}{}", encode_all(&v[..1], false), &v[1..])
        });
        assert!(encoded.contains(tilde));
        assert_eq!(check(&encoded), VALID_URL, "{tilde}");
    }
}

#[test]
fn every_character_of_a_signing_value_may_be_percent_encoded() {
    let url = signed(&format!("{HOST}/a"));
    for name in ["Expires", "Signature", "Key-Pair-Id"] {
        for lower in [false, true] {
            let encoded = map_param(&url, name, |v| encode_all(v, lower));
            assert_eq!(check(&encoded), VALID_URL, "{name} lower={lower}");
        }
    }
}

#[test]
fn signed_cookies_with_percent_encoded_values_are_valid() {
    let mut o = opts("https://d111111abcdef8.cloudfront.net/a");
    o.policy_resource = Some("https://d111111abcdef8.cloudfront.net/*");
    let cookies = sign_cookies(&o, &private(RSA_ID)).unwrap();
    let encoded: Vec<(String, String)> = cookies
        .iter()
        .map(|(n, v)| (n.clone(), encode_all(v, false)))
        .collect();
    let line = cookie_header(encoded.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(
        verify(&format!("{HOST}/b"), &[&line], &demo_keys(), NOW, IP),
        VALID_COOKIE
    );
    let quoted = encoded
        .iter()
        .map(|(n, v)| format!("{n}=\"{v}\""))
        .collect::<Vec<_>>()
        .join("; ");
    assert_eq!(
        verify(&format!("{HOST}/b"), &[&quoted], &demo_keys(), NOW, IP),
        VALID_COOKIE
    );
}

#[test]
fn double_percent_encoded_values_are_malformed() {
    // `%257E` decodes once to `%7E`, which is not CloudFront base64.
    let url = custom_url_with_tildes();
    for name in ["Signature", "Policy"] {
        let twice = map_param(&url, name, |v| v.replace('~', "%257E"));
        assert_eq!(check(&twice), invalid(Reason::SignatureMalformed), "{name}");
    }
    let mut o = opts("https://d111111abcdef8.cloudfront.net/a");
    o.policy_resource = Some("https://d111111abcdef8.cloudfront.net/*");
    let cookies = sign_cookies(&o, &private(RSA_ID)).unwrap();
    let line = cookie_header(cookies.iter().map(|(n, v)| {
        (
            n.as_str(),
            if n == "CloudFront-Signature" {
                "%2541AAA"
            } else {
                v.as_str()
            },
        )
    }));
    assert_eq!(
        verify(&format!("{HOST}/b"), &[&line], &demo_keys(), NOW, IP),
        invalid(Reason::SignatureMalformed)
    );
}

#[test]
fn broken_percent_escapes_in_signing_values_are_malformed() {
    let url = signed(&format!("{HOST}/a"));
    for (name, bad) in [
        ("Signature", "%"),
        ("Signature", "%7"),
        ("Signature", "%GG"),
        ("Key-Pair-Id", "%FF"),
        ("Expires", "%C0%B1"),
    ] {
        let broken = map_param(&url, name, |v| format!("{v}{bad}"));
        assert_eq!(
            check(&broken),
            invalid(Reason::SignatureMalformed),
            "{name}{bad}"
        );
    }
}

#[test]
fn canned_resource_is_rebuilt_from_the_raw_query_not_a_decoded_one() {
    // Only signing values are decoded: `%7E` in an own parameter is signed as `%7E`.
    let url = signed(&format!("{HOST}/a?name=%7Efile&x=a%2Bb"));
    assert_eq!(check(&url), VALID_URL);
    assert_eq!(
        check(&url.replace("name=%7Efile", "name=~file")),
        invalid(Reason::SignatureInvalid)
    );
    assert_eq!(
        check(&url.replace("x=a%2Bb", "x=a+b")),
        invalid(Reason::SignatureInvalid)
    );
    // Encoding the signing values does not change the own query either.
    let encoded = map_param(&url, "Signature", |v| encode_all(v, true));
    assert_eq!(check(&encoded), VALID_URL);
}

#[test]
fn incomplete_credentials_are_malformed() {
    let url = signed(&format!("{HOST}/a"));
    let without = |name: &str| {
        let p = split_url(&url);
        let q: Vec<&str> = p
            .query
            .split('&')
            .filter(|x| !x.starts_with(name))
            .collect();
        format!("{HOST}/a?{}", q.join("&"))
    };
    assert_eq!(
        check(&without("Signature=")),
        invalid(Reason::SignatureMalformed)
    );
    assert_eq!(
        check(&without("Key-Pair-Id=")),
        invalid(Reason::SignatureMalformed)
    );
    assert_eq!(
        check(&without("Expires=")),
        invalid(Reason::SignatureMalformed)
    );
    assert_eq!(
        check(&format!("{HOST}/a?Key-Pair-Id={RSA_ID}")),
        invalid(Reason::SignatureMalformed)
    );
}

#[test]
fn non_digit_or_out_of_range_expires_is_malformed() {
    let url = signed(&format!("{HOST}/a"));
    for bad in [
        "18e8",
        "-1",
        "%2B1800000000",
        "%201800000000",
        "1800000000.0",
        "2147483648",
        "",
    ] {
        let u = url.replace("Expires=1800000000", &format!("Expires={bad}"));
        assert_eq!(check(&u), invalid(Reason::SignatureMalformed), "{bad}");
    }
}

#[test]
fn bad_base64_signature_or_policy_is_malformed() {
    let url = signed(&format!("{HOST}/a"));
    let i = url.find("Signature=").unwrap() + 10;
    assert_eq!(
        check(&format!("{}+{}", &url[..i], &url[i + 1..])),
        invalid(Reason::SignatureMalformed)
    );
    assert_eq!(
        check(&format!("{}%2B{}", &url[..i], &url[i + 1..])),
        invalid(Reason::SignatureMalformed)
    );
    assert_eq!(
        check(&format!(
            "{HOST}/a?Policy=e30=&Signature=AAAA&Key-Pair-Id={RSA_ID}"
        )),
        invalid(Reason::SignatureMalformed)
    );
}

#[test]
fn policy_over_4_kb_is_malformed() {
    let resource = format!("{HOST}/{}", "a".repeat(4096));
    let policy = format!(
        r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{"DateLessThan":{{"AWS:EpochTime":1800000000}}}}}}]}}"#
    );
    assert_eq!(
        check(&with_policy(&format!("{HOST}/a"), &policy)),
        invalid(Reason::SignatureMalformed)
    );
}

#[test]
fn hash_algorithm_other_than_sha256_is_unsupported() {
    let url = signed(&format!("{HOST}/a"));
    for value in ["SHA1", "sha256", "SHA-256", "MD5", ""] {
        assert_eq!(
            check(&format!("{url}&Hash-Algorithm={value}")),
            invalid(Reason::HashAlgorithmUnsupported),
            "{value}"
        );
    }
}

#[test]
fn sha256_signature_needs_its_parameter_and_sha1_signature_refuses_it() {
    let mut o = opts("https://d111111abcdef8.cloudfront.net/a");
    o.hash = HashAlgorithm::Sha256;
    let url = sign_url(&o, &private(RSA_ID)).unwrap();
    assert!(url.ends_with("&Hash-Algorithm=SHA256"));
    assert_eq!(check(&url), VALID_URL);
    assert_eq!(
        check(url.trim_end_matches("&Hash-Algorithm=SHA256")),
        invalid(Reason::SignatureInvalid)
    );
    let sha1 = signed(&format!("{HOST}/a"));
    assert_eq!(
        check(&format!("{sha1}&Hash-Algorithm=SHA256")),
        invalid(Reason::SignatureInvalid)
    );
}

#[test]
fn ecdsa_signatures_verify_with_both_hashes_and_must_be_der() {
    for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        let mut o = opts("https://d111111abcdef8.cloudfront.net/a");
        o.key_pair_id = EC_ID;
        o.hash = hash;
        let url = sign_url(&o, &private(EC_ID)).unwrap();
        assert_eq!(check(&url), VALID_URL);
    }
    // A raw r||s signature (64 bytes, not DER) is not what CloudFront takes.
    let raw = b64::encode(&[7u8; 64]);
    let url = format!("{HOST}/a?Expires={EXPIRES}&Signature={raw}&Key-Pair-Id={EC_ID}");
    assert_eq!(check(&url), invalid(Reason::SignatureInvalid));
}

#[test]
fn rsa_signature_under_the_ecdsa_key_id_is_invalid() {
    let url = signed(&format!("{HOST}/a")).replace(RSA_ID, EC_ID);
    assert_eq!(check(&url), invalid(Reason::SignatureInvalid));
}

#[test]
fn absent_host_is_malformed() {
    let url = signed(&format!("{HOST}/a"));
    let p = split_url(&url);
    let result = verify_request(
        &SignedRequest {
            scheme: "https",
            host: None,
            uri: &p.uri,
            querystring: &p.query,
            cookie_headers: vec![],
            client_ip: IP,
        },
        &demo_keys(),
        &VerifyOptions {
            now: NOW,
            clock_skew_seconds: 0,
        },
    );
    assert_eq!(result, invalid(Reason::SignatureMalformed));
}

#[test]
fn wrong_configured_scheme_fails_a_canned_signature() {
    let url = signed("http://d111111abcdef8.cloudfront.net/a");
    assert_eq!(check(&url), VALID_URL);
    assert_eq!(
        check(&url.replacen("http://", "https://", 1)),
        invalid(Reason::SignatureInvalid)
    );
}

#[test]
fn custom_policy_statement_may_be_an_object_and_contain_whitespace() {
    let policy = format!(
        "{{ \"Statement\" : {{\n  \"Resource\" : \"{HOST}/a\",\n  \"Condition\" : {{ \"DateLessThan\" : {{ \"AWS:EpochTime\" : {EXPIRES} }} }}\n}} }}\n"
    );
    assert_eq!(
        check(&with_policy(&format!("{HOST}/a"), &policy)),
        VALID_URL
    );
}

#[test]
fn custom_policy_without_resource_covers_any_url() {
    let policy = format!(
        r#"{{"Statement":[{{"Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXPIRES}}}}}}}]}}"#
    );
    assert_eq!(
        check(&with_policy("https://other.example/anything?x=1", &policy)),
        VALID_URL
    );
}

#[test]
fn custom_policy_without_date_less_than_is_policy_malformed() {
    let policy = format!(
        r#"{{"Statement":[{{"Resource":"{HOST}/a","Condition":{{"DateGreaterThan":{{"AWS:EpochTime":1}}}}}}]}}"#
    );
    assert_eq!(
        check(&with_policy(&format!("{HOST}/a"), &policy)),
        invalid(Reason::PolicyMalformed)
    );
}

#[test]
fn tampered_custom_policy_is_signature_invalid_not_parsed() {
    let url = with_policy(
        &format!("{HOST}/a"),
        &format!(
            r#"{{"Statement":[{{"Resource":"{HOST}/a","Condition":{{"DateLessThan":{{"AWS:EpochTime":{EXPIRES}}}}}}}]}}"#
        ),
    );
    let forged = b64::encode(br#"{"Statement":[{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}"#);
    let p = split_url(&url);
    let q: Vec<String> = p
        .query
        .split('&')
        .map(|x| {
            if x.starts_with("Policy=") {
                format!("Policy={forged}")
            } else {
                x.to_string()
            }
        })
        .collect();
    assert_eq!(
        check(&format!("{HOST}/a?{}", q.join("&"))),
        invalid(Reason::SignatureInvalid)
    );
}

#[test]
fn wildcard_resource_covers_matching_urls_only() {
    let mut o = opts("https://d111111abcdef8.cloudfront.net/media/x");
    o.policy_resource = Some("https://d111111abcdef8.cloudfront.net/media/*");
    let url = sign_url(&o, &private(RSA_ID)).unwrap();
    assert_eq!(check(&url), VALID_URL);
    assert_eq!(
        check(&url.replace("/media/x", "/media/deep/y.jpg")),
        VALID_URL
    );
    assert_eq!(
        check(&url.replace("/media/x", "/private/x")),
        invalid(Reason::ResourceMismatch)
    );
}

#[test]
fn ip_condition_accepts_the_range_and_refuses_outside_and_ipv6() {
    let mut o = opts("https://d111111abcdef8.cloudfront.net/a");
    o.ip_address = Some("198.51.100.0/24");
    let url = sign_url(&o, &private(RSA_ID)).unwrap();
    let keys = demo_keys();
    assert_eq!(verify(&url, &[], &keys, NOW, "198.51.100.0"), VALID_URL);
    assert_eq!(verify(&url, &[], &keys, NOW, "198.51.100.255"), VALID_URL);
    assert_eq!(
        verify(&url, &[], &keys, NOW, "198.51.101.0"),
        invalid(Reason::IpNotAllowed)
    );
    assert_eq!(
        verify(&url, &[], &keys, NOW, "2001:db8::1"),
        invalid(Reason::IpNotAllowed)
    );
    assert_eq!(
        verify(&url, &[], &keys, NOW, "::ffff:198.51.100.1"),
        invalid(Reason::IpNotAllowed)
    );
    assert_eq!(
        verify(&url, &[], &keys, NOW, "not an ip"),
        invalid(Reason::IpNotAllowed)
    );
}

#[test]
fn ipv6_client_passes_a_policy_without_ip_condition() {
    assert_eq!(
        verify(
            &signed(&format!("{HOST}/a")),
            &[],
            &demo_keys(),
            NOW,
            "2001:db8::1"
        ),
        VALID_URL
    );
}

#[test]
fn signed_cookies_are_accepted_canned_and_custom() {
    let key = private(RSA_ID);
    let canned = cookie_line("https://d111111abcdef8.cloudfront.net/a", opts(""), &key);
    assert_eq!(
        verify(&format!("{HOST}/a"), &[&canned], &demo_keys(), NOW, IP),
        VALID_COOKIE
    );
    let mut o = opts("");
    o.policy_resource = Some("https://d111111abcdef8.cloudfront.net/*");
    let custom = cookie_line("https://d111111abcdef8.cloudfront.net/a", o, &key);
    assert!(custom.contains("CloudFront-Policy="));
    assert_eq!(
        verify(
            &format!("{HOST}/b/c?x=1"),
            &[&custom],
            &demo_keys(),
            NOW,
            IP
        ),
        VALID_COOKIE
    );
}

#[test]
fn cookies_may_be_spread_over_several_headers_among_other_cookies() {
    let cookies = sign_cookies(
        &opts("https://d111111abcdef8.cloudfront.net/a"),
        &private(RSA_ID),
    )
    .unwrap();
    let h1 = format!("session=abc; {}={}", cookies[0].0, cookies[0].1);
    let h2 = format!(
        "{}={}; theme=dark; {}={}",
        cookies[1].0, cookies[1].1, cookies[2].0, cookies[2].1
    );
    assert_eq!(
        verify(&format!("{HOST}/a"), &[&h1, &h2], &demo_keys(), NOW, IP),
        VALID_COOKIE
    );
}

#[test]
fn duplicate_cloudfront_cookie_is_malformed() {
    let line = cookie_line(
        "https://d111111abcdef8.cloudfront.net/a",
        opts(""),
        &private(RSA_ID),
    );
    let again = format!("CloudFront-Key-Pair-Id={RSA_ID}");
    assert_eq!(
        verify(
            &format!("{HOST}/a"),
            &[&line, &again],
            &demo_keys(),
            NOW,
            IP
        ),
        invalid(Reason::SignatureMalformed)
    );
}

#[test]
fn signed_url_takes_precedence_over_valid_cookies() {
    let line = cookie_line(
        "https://d111111abcdef8.cloudfront.net/a",
        opts(""),
        &private(RSA_ID),
    );
    let keys = demo_keys();
    assert_eq!(
        verify(&format!("{HOST}/a?Expires=1"), &[&line], &keys, NOW, IP),
        invalid(Reason::SignatureMalformed)
    );
    // A lone Hash-Algorithm does not make a signed URL: the cookies are used (and the
    // parameter is not part of the resource).
    assert_eq!(
        verify(
            &format!("{HOST}/a?Hash-Algorithm=SHA256"),
            &[&line],
            &keys,
            NOW,
            IP
        ),
        VALID_COOKIE
    );
}

#[test]
fn cookie_hash_algorithm_selects_sha256() {
    let mut o = opts("https://d111111abcdef8.cloudfront.net/a");
    o.hash = HashAlgorithm::Sha256;
    let cookies = sign_cookies(&o, &private(RSA_ID)).unwrap();
    assert_eq!(cookies.last().unwrap().0, "CloudFront-Hash-Algorithm");
    let all = cookie_header(cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(
        verify(&format!("{HOST}/a"), &[&all], &demo_keys(), NOW, IP),
        VALID_COOKIE
    );
    let without = cookie_header(cookies[..3].iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(
        verify(&format!("{HOST}/a"), &[&without], &demo_keys(), NOW, IP),
        invalid(Reason::SignatureInvalid)
    );
}

#[test]
fn strip_signing_params_removes_only_signing_parameters() {
    assert_eq!(
        strip_signing_params(
            "a=1&Expires=2&Signature=x&b=%2F&Key-Pair-Id=K&Hash-Algorithm=SHA256&Policy=p"
        ),
        "a=1&b=%2F"
    );
    assert_eq!(
        strip_signing_params("expires=2&Signaturex=1"),
        "expires=2&Signaturex=1"
    );
}

#[test]
fn signer_refuses_urls_that_are_not_signable() {
    let key = private(RSA_ID);
    for url in [
        "ftp://h/a",
        "https:///a",
        "https://h/a b",
        "https://h/a#f",
        "https://h/a?Expires=1",
        "https://h/é",
    ] {
        assert!(sign_url(&opts(url), &key).is_err(), "{url}");
    }
    let mut o = opts("https://h/a");
    o.ip_address = Some("2001:db8::/32");
    assert!(sign_url(&o, &key).is_err());
}
