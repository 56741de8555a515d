//! Property tests: whatever is signed verifies (and stops verifying at its expiry, outside its
//! IP range or for another resource), and no query string or Cookie header panics the verifier.

use crate::signed_support::*;
use crate::support;
use edgeguard::signed::resource::{resource_matches, RequestedUrl};
use edgeguard::signed::{
    sign_cookies, sign_url, verify_request, HashAlgorithm, KeySet, PrivateKey, SignOptions,
    SignatureCheck, SignedRequest, VerifyOptions,
};
use edgeguard::Reason;
use proptest::prelude::*;
use std::sync::OnceLock;

const EC_ID: &str = "K3ECDSAP256DEMO";
const RSA_ID: &str = "K2JCJMDEHXQW5F";

fn private(id: &str) -> &'static PrivateKey {
    static EC: OnceLock<PrivateKey> = OnceLock::new();
    static RSA: OnceLock<PrivateKey> = OnceLock::new();
    let cell = if id == EC_ID { &EC } else { &RSA };
    cell.get_or_init(|| support::private_key(id))
}

fn demo_keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(support::demo_public_keys)
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec("[A-Za-z0-9._~%-]{1,12}", 1..5)
        .prop_map(|segs| format!("/{}", segs.join("/")))
}

fn query() -> impl Strategy<Value = Option<String>> {
    prop::option::of(
        prop::collection::vec("[a-z]{1,6}=[A-Za-z0-9%+._-]{0,8}", 1..4).prop_map(|p| p.join("&")),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn whatever_is_signed_verifies_inside_its_window_only(
        path in path(),
        query in query(),
        expires in 1_000_000_000i64..2_147_483_647,
        before in 1i64..1_000_000,
        rsa in any::<bool>(),
        sha256 in any::<bool>(),
        start in prop::option::of(1i64..1_000_000),
    ) {
        let url = match &query {
            Some(q) => format!("https://d111111abcdef8.cloudfront.net{path}?{q}"),
            None => format!("https://d111111abcdef8.cloudfront.net{path}"),
        };
        let id = if rsa { RSA_ID } else { EC_ID };
        let options = SignOptions {
            url: &url,
            key_pair_id: id,
            date_less_than: expires,
            date_greater_than: start.map(|s| expires - s),
            ip_address: None,
            policy_resource: None,
            hash: if sha256 { HashAlgorithm::Sha256 } else { HashAlgorithm::Sha1 },
        };
        let signed = sign_url(&options, private(id)).unwrap();
        let now = expires - before;
        let expect_now = match start {
            Some(s) if before > s => invalid(Reason::NotYetValid),
            _ => VALID_URL,
        };
        prop_assert_eq!(verify(&signed, &[], demo_keys(), now, "192.0.2.1"), expect_now);
        prop_assert_eq!(verify(&signed, &[], demo_keys(), expires, "192.0.2.1"), invalid(Reason::Expired));
    }

    #[test]
    fn signed_cookies_with_ip_ranges_verify_only_inside_the_range(
        path in path(),
        octets in any::<[u8; 4]>(),
        prefix in 0u8..=32,
        other in any::<[u8; 4]>(),
    ) {
        let url = format!("https://d111111abcdef8.cloudfront.net{path}");
        let network = format!("{}.{}.{}.{}/{prefix}", octets[0], octets[1], octets[2], octets[3]);
        let options = SignOptions {
            url: &url,
            key_pair_id: EC_ID,
            date_less_than: 2_000_000_000,
            date_greater_than: None,
            ip_address: Some(&network),
            policy_resource: None,
            hash: HashAlgorithm::Sha1,
        };
        let cookies = sign_cookies(&options, private(EC_ID)).unwrap();
        let header = cookie_header(cookies.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let client = std::net::Ipv4Addr::from(other);
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
        let inside = u32::from(client) & mask == u32::from_be_bytes(octets) & mask;
        let expect = if inside { VALID_COOKIE } else { invalid(Reason::IpNotAllowed) };
        prop_assert_eq!(verify(&url, &[&header], demo_keys(), 1_900_000_000, &client.to_string()), expect);
        let own = std::net::Ipv4Addr::from(u32::from_be_bytes(octets) & mask).to_string();
        prop_assert_eq!(verify(&url, &[&header], demo_keys(), 1_900_000_000, &own), VALID_COOKIE);
    }

    #[test]
    fn percent_encoding_signing_values_and_an_expires_beside_a_policy_change_nothing(
        path in path(),
        query in query(),
        mask in any::<u64>(),
        lower in any::<bool>(),
        custom in any::<bool>(),
        ignored_expires in prop::option::of("[0-9]{0,12}|[A-Za-z~_-]{0,8}"),
    ) {
        let url = match &query {
            Some(q) => format!("https://d111111abcdef8.cloudfront.net{path}?{q}"),
            None => format!("https://d111111abcdef8.cloudfront.net{path}"),
        };
        let options = SignOptions {
            url: &url,
            key_pair_id: RSA_ID,
            date_less_than: 2_000_000_000,
            date_greater_than: custom.then_some(1_800_000_000),
            ip_address: None,
            policy_resource: None,
            hash: HashAlgorithm::Sha1,
        };
        let signed = sign_url(&options, private(RSA_ID)).unwrap();
        let (base, signed_query) = signed.split_once('?').unwrap();
        // Characters of the signing values picked by `mask` become `%XX` (or `%xx`).
        let mut n = 0u32;
        let encoded: Vec<String> = signed_query
            .split('&')
            .map(|piece| match piece.split_once('=') {
                Some((name, value)) if edgeguard::signed::params::SIGNING_PARAMS.contains(&name) => {
                    let value: String = value
                        .bytes()
                        .map(|b| {
                            n += 1;
                            if mask >> (n % 64) & 1 == 1 {
                                let e = format!("%{b:02X}");
                                if lower { e.to_lowercase() } else { e }
                            } else {
                                char::from(b).to_string()
                            }
                        })
                        .collect();
                    format!("{name}={value}")
                }
                _ => piece.to_string(),
            })
            .collect();
        let mut request = format!("{base}?{}", encoded.join("&"));
        if let (true, Some(expires)) = (custom, &ignored_expires) {
            request.push_str(&format!("&Expires={expires}"));
        }
        prop_assert_eq!(verify(&request, &[], demo_keys(), 1_900_000_000, "192.0.2.1"), VALID_URL);
    }

    #[test]
    fn wildcard_policies_cover_their_prefix_and_nothing_else(
        dir in "[a-z]{1,8}",
        rest in path(),
        other in "[a-z]{1,8}",
    ) {
        let resource = format!("https://d111111abcdef8.cloudfront.net/{dir}/*");
        let signed_for = format!("https://d111111abcdef8.cloudfront.net/{dir}/x");
        let options = SignOptions {
            url: &signed_for,
            key_pair_id: EC_ID,
            date_less_than: 2_000_000_000,
            date_greater_than: None,
            ip_address: None,
            policy_resource: Some(&resource),
            hash: HashAlgorithm::Sha1,
        };
        let signed = sign_url(&options, private(EC_ID)).unwrap();
        let query = &signed[signed.find('?').unwrap()..];
        let inside = format!("https://d111111abcdef8.cloudfront.net/{dir}{rest}{query}");
        prop_assert_eq!(verify(&inside, &[], demo_keys(), 1_900_000_000, "192.0.2.1"), VALID_URL);
        prop_assume!(other != dir);
        let outside = format!("https://d111111abcdef8.cloudfront.net/{other}{rest}{query}");
        prop_assert_eq!(verify(&outside, &[], demo_keys(), 1_900_000_000, "192.0.2.1"), invalid(Reason::ResourceMismatch));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_query_string_or_cookie_header_panics_the_verifier(
        query in "\\PC{0,200}|((Expires|Policy|Signature|Key-Pair-Id|Hash-Algorithm|x)=[A-Za-z0-9_~=&%-]{0,40}&?){0,6}",
        cookie in "\\PC{0,200}|((CloudFront-(Expires|Policy|Signature|Key-Pair-Id|Hash-Algorithm)|x)=[A-Za-z0-9_~\"=%-]{0,40}; ?){0,6}",
        host in prop::option::of("\\PC{0,30}"),
        uri in "\\PC{0,60}",
        client_ip in "\\PC{0,40}",
        now in any::<i64>(),
        skew in any::<u64>(),
    ) {
        let result = verify_request(
            &SignedRequest {
                scheme: "https",
                host: host.as_deref(),
                uri: &uri,
                querystring: &query,
                cookie_headers: vec![&cookie],
                client_ip: &client_ip,
            },
            demo_keys(),
            &VerifyOptions { now, clock_skew_seconds: skew },
        );
        // Unsigned garbage is never valid.
        let valid = matches!(result, SignatureCheck::Valid { .. });
        prop_assert!(!valid, "unsigned input verified: {:?}", result);
    }

    #[test]
    fn no_resource_pattern_panics_or_explodes(
        pattern in "[*?\\\\a/:.]{0,40}|\\PC{0,60}",
        text in "[a/:.?]{0,60}",
    ) {
        let _ = resource_matches(&pattern, &RequestedUrl { scheme: "https", host: "a", path: &text, query: Some(&text) });
    }
}
