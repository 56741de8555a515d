//! Criterion benchmarks of the guard (not pass/fail; numbers and goals go to BENCHMARKS.md).
//!
//! For each case: the decision on an already-parsed request (`Guard::decide`) and end to end
//! (event JSON text in, handler result JSON text out, via `handle_event_json`), with the shipped
//! guard.toml. Signed cases sign fresh URLs in the setup with the demo private keys in
//! tests/fixtures/keys/ and a far-future expiry. The `raw_verify` group measures the crypto
//! crates alone (RustCrypto `rsa` and `p256`), the floor a signed decision is compared with.
//!
//!     cargo bench --bench guard                 # everything (about 3 minutes)
//!     cargo bench --bench guard -- referer      # a filter

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use edgeguard::cloudfront::{CloudFrontEvent, Request};
use edgeguard::signed::{
    sign_cookies, sign_url, HashAlgorithm, PrivateKey, PublicKey, RustCryptoVerifier, SignOptions,
    SignatureVerifier,
};
use edgeguard::{config, handle_event_json, Decision, Guard};
use serde_json::json;
use std::hint::black_box;
use std::time::Duration;

/// 2026-01-01T00:00:00Z; every signature below expires in 2033.
const NOW: i64 = 1_767_225_600;
const EXPIRES: i64 = 2_000_000_000;
const HOST: &str = "d111111abcdef8.cloudfront.net";
const RSA_ID: &str = "K2JCJMDEHXQW5F";
const ECDSA_ID: &str = "K3ECDSAP256DEMO";

fn guard() -> Guard {
    let (_, config) = config::load_file(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../guard.toml"
    )))
    .unwrap();
    Guard::new(config)
}

fn private_key(id: &str) -> PrivateKey {
    let pem = std::fs::read_to_string(format!(
        "{}/../../tests/fixtures/keys/{id}.private.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    PrivateKey::from_pem(&pem).unwrap()
}

/// A viewer-request event like CloudFront sends (a browser's usual headers included).
fn event(uri: &str, query: &str, referer: Option<&str>, cookie: Option<&str>) -> String {
    let mut headers = json!({
        "host": [{"key": "Host", "value": HOST}],
        "user-agent": [{"key": "User-Agent", "value": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"}],
        "accept": [{"key": "Accept", "value": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"}],
        "accept-language": [{"key": "Accept-Language", "value": "en-US,en;q=0.9"}],
    });
    if let Some(r) = referer {
        headers["referer"] = json!([{"key": "Referer", "value": r}]);
    }
    if let Some(c) = cookie {
        headers["cookie"] = json!([{"key": "Cookie", "value": c}]);
    }
    json!({"Records": [{"cf": {
        "config": {"distributionDomainName": HOST, "distributionId": "EDFDVBD6EXAMPLE",
                   "eventType": "viewer-request", "requestId": "bench"},
        "request": {"clientIp": "203.0.113.178", "headers": headers, "method": "GET",
                    "querystring": query, "uri": uri}
    }}]})
    .to_string()
}

fn signed_event(options: SignOptions<'_>, key: &PrivateKey) -> String {
    let url = sign_url(&options, key).unwrap();
    let rest = url.strip_prefix(&format!("https://{HOST}")).unwrap();
    let (uri, query) = rest.split_once('?').unwrap();
    event(uri, query, None, None)
}

fn options<'a>(url: &'a str, key_pair_id: &'static str) -> SignOptions<'a> {
    SignOptions::canned(url, key_pair_id, EXPIRES)
}

fn request_of(event: &str) -> Request {
    let e: CloudFrontEvent = serde_json::from_str(event).unwrap();
    e.records.into_iter().next().unwrap().cf.request
}

/// The cases, each with the decision it must get (checked before measuring).
fn cases() -> Vec<(&'static str, String, bool)> {
    let rsa = private_key(RSA_ID);
    let ecdsa = private_key(ECDSA_ID);
    let url = format!("https://{HOST}/private/report.pdf");
    let wildcard = format!("https://{HOST}/private/*");
    let cookie_url = format!("https://{HOST}/private/video.mp4");
    let cookies = sign_cookies(&options(&cookie_url, RSA_ID), &rsa)
        .unwrap()
        .into_iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        (
            "referer_allow",
            event(
                "/images/cat.jpg",
                "",
                Some("https://www.example.com/gallery/"),
                None,
            ),
            true,
        ),
        (
            "referer_deny",
            event("/images/cat.jpg", "", Some("https://evil.test/page"), None),
            false,
        ),
        (
            "canned_rsa2048_sha1",
            signed_event(options(&url, RSA_ID), &rsa),
            true,
        ),
        (
            "custom_wildcard_rsa2048_sha1",
            signed_event(
                SignOptions {
                    policy_resource: Some(&wildcard),
                    ..options(&url, RSA_ID)
                },
                &rsa,
            ),
            true,
        ),
        (
            "canned_ecdsa_p256_sha1",
            signed_event(options(&url, ECDSA_ID), &ecdsa),
            true,
        ),
        (
            "canned_rsa2048_sha256",
            signed_event(
                SignOptions {
                    hash: HashAlgorithm::Sha256,
                    ..options(&url, RSA_ID)
                },
                &rsa,
            ),
            true,
        ),
        (
            "cookie_rsa2048_sha1",
            event("/private/video.mp4", "", None, Some(&cookies)),
            true,
        ),
        ("cloudfront_maxima", maxima_event(), true),
    ]
}

/// An event at CloudFront's limits: an 8 KB URI + query and about 20 KB of headers spread over
/// many headers and cookies; the Referer is good, so it is allowed after all that parsing.
fn maxima_event() -> String {
    let uri = format!("/images/{}", "a".repeat(4000));
    let mut query = (0..800)
        .map(|i| format!("p{i:03}=v"))
        .collect::<Vec<_>>()
        .join("&");
    query.truncate(8192 - uri.len());
    let mut headers = serde_json::Map::new();
    for i in 0..60 {
        headers.insert(
            format!("x-h{i}"),
            json!([{"key": format!("X-H{i}"), "value": "v".repeat(250)}]),
        );
    }
    let cookie = (0..180)
        .map(|i| format!("c{i}={}", "x".repeat(20)))
        .collect::<Vec<_>>()
        .join("; ");
    headers.insert("cookie".into(), json!([{"key": "Cookie", "value": cookie}]));
    headers.insert(
        "referer".into(),
        json!([{"key": "Referer", "value": "https://www.example.com/"}]),
    );
    headers.insert("host".into(), json!([{"key": "Host", "value": HOST}]));
    json!({"Records": [{"cf": {"config": {"eventType": "viewer-request", "requestId": "max"}, "request": {
        "clientIp": "203.0.113.178", "headers": headers, "method": "GET",
        "querystring": query, "uri": uri}}}]})
    .to_string()
}

fn bench_decide(c: &mut Criterion) {
    let guard = guard();
    let mut group = c.benchmark_group("decide");
    for (name, event, allow) in cases() {
        let request = request_of(&event);
        let decision = guard.decide(&request, NOW);
        assert_eq!(decision.is_allow(), allow, "{name}: {decision:?}");
        if let Decision::Allow { signed, .. } = decision {
            let expect_signed = !name.starts_with("referer") && name != "cloudfront_maxima";
            assert_eq!(signed, expect_signed, "{name}");
        }
        group.bench_function(name, |b| {
            b.iter(|| guard.decide(black_box(&request), black_box(NOW)))
        });
    }
    group.finish();
}

fn bench_end_to_end(c: &mut Criterion) {
    let guard = guard();
    let mut group = c.benchmark_group("end_to_end");
    for (name, event, allow) in cases() {
        let outcome = handle_event_json(&guard, &event, NOW).unwrap();
        assert_eq!(outcome.decision == "allow", allow, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| {
                let outcome = handle_event_json(&guard, black_box(&event), NOW).unwrap();
                serde_json::to_string(&outcome.result).unwrap()
            })
        });
    }
    group.finish();
}

fn bench_raw_verify(c: &mut Criterion) {
    use p256::pkcs8::DecodePublicKey;
    use rsa::{Pkcs1v15Sign, PublicKey as RsaPublicKey};
    use sha1::{Digest, Sha1};
    let rsa = private_key(RSA_ID);
    let ecdsa = private_key(ECDSA_ID);
    let url = format!("https://{HOST}/private/report.pdf");
    let message = format!(
        "{{\"Statement\":[{{\"Resource\":\"{url}\",\"Condition\":{{\"DateLessThan\":{{\"AWS:EpochTime\":{EXPIRES}}}}}}}]}}"
    );
    let rsa_sig = rsa.sign(HashAlgorithm::Sha1, message.as_bytes()).unwrap();
    let ecdsa_sig = ecdsa.sign(HashAlgorithm::Sha1, message.as_bytes()).unwrap();
    let rsa_pem = std::fs::read_to_string(format!(
        "{}/../../keys/{RSA_ID}.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let ecdsa_pem = std::fs::read_to_string(format!(
        "{}/../../keys/{ECDSA_ID}.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let rsa_pub = PublicKey::from_pem(&rsa_pem).unwrap();
    let ecdsa_pub = PublicKey::from_pem(&ecdsa_pem).unwrap();
    let raw_rsa = RsaPublicKey::from_public_key_pem(&rsa_pem).unwrap();
    let raw_p256 = p256::ecdsa::VerifyingKey::from_public_key_pem(&ecdsa_pem).unwrap();
    let raw_p256_sig = p256::ecdsa::DerSignature::from_bytes(&ecdsa_sig).unwrap();
    assert!(RustCryptoVerifier.verify(&rsa_pub, HashAlgorithm::Sha1, message.as_bytes(), &rsa_sig));

    let mut group = c.benchmark_group("raw_verify");
    group.bench_function("rsa_crate_rsa2048_pkcs1v15_sha1", |b| {
        b.iter(|| {
            let digest = Sha1::digest(black_box(message.as_bytes()));
            raw_rsa
                .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, black_box(&rsa_sig))
                .is_ok()
        })
    });
    group.bench_function("p256_crate_ecdsa_sha1", |b| {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        b.iter(|| {
            let digest = Sha1::digest(black_box(message.as_bytes()));
            raw_p256
                .verify_prehash(&digest, black_box(&raw_p256_sig))
                .is_ok()
        })
    });
    group.bench_function("edgeguard_verifier_rsa2048_sha1", |b| {
        b.iter(|| {
            RustCryptoVerifier.verify(
                &rsa_pub,
                HashAlgorithm::Sha1,
                black_box(message.as_bytes()),
                black_box(&rsa_sig),
            )
        })
    });
    group.bench_function("edgeguard_verifier_ecdsa_p256_sha1", |b| {
        b.iter(|| {
            RustCryptoVerifier.verify(
                &ecdsa_pub,
                HashAlgorithm::Sha1,
                black_box(message.as_bytes()),
                black_box(&ecdsa_sig),
            )
        })
    });
    group.finish();
}

/// Parsing the event alone, to split end-to-end time into JSON and decision.
fn bench_parse_only(c: &mut Criterion) {
    let event = event(
        "/images/cat.jpg",
        "",
        Some("https://www.example.com/gallery/"),
        None,
    );
    c.bench_function("parse_event_json", |b| {
        b.iter_batched(
            || event.clone(),
            |e| serde_json::from_str::<CloudFrontEvent>(&e).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_decide, bench_end_to_end, bench_raw_verify, bench_parse_only
}
criterion_main!(benches);
