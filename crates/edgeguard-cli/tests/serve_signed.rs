//! `edgeguard serve` with real CloudFront signed URLs (signed with the library's signer and the
//! demo test key), using `--now` to pin the clock and `--host-header` to present the
//! distribution's name.

use crate::serve_support::{echo_origin, scratch, write_config, Scratch, Server};
use edgeguard::signed::{sign_url, HashAlgorithm, PrivateKey, SignOptions};
use std::time::Duration;

const EXPIRES: i64 = 2_000_000_000;

fn signed_query(url: &str) -> String {
    let pem = std::fs::read_to_string(concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        "/tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem"
    ))
    .unwrap();
    let key = PrivateKey::from_pem(&pem).unwrap();
    let signed = sign_url(
        &SignOptions {
            url,
            key_pair_id: "K2JCJMDEHXQW5F",
            date_less_than: EXPIRES,
            date_greater_than: None,
            ip_address: None,
            policy_resource: None,
            hash: HashAlgorithm::Sha1,
        },
        &key,
    )
    .unwrap();
    signed.split_once('?').unwrap().1.to_string()
}

fn edge(name: &str, now: i64) -> (Scratch, Server, crate::serve_support::Seen) {
    let dir = scratch(name);
    let (origin, seen) = echo_origin(Duration::ZERO);
    let server = Server::start(
        &write_config(&dir),
        &format!("http://{origin}"),
        &[
            "--host-header",
            "cdn.example.com",
            "--now",
            &now.to_string(),
        ],
    );
    (dir, server, seen)
}

#[test]
fn valid_signed_url_reaches_the_origin_without_its_signing_parameters() {
    let (_dir, server, seen) = edge("signed-valid", EXPIRES - 60);
    let query = signed_query("https://cdn.example.com/private/doc.txt?v=3");
    assert!(query.contains("Signature="));
    // The /private/* rule requires a signature and does NOT set strip_signature.
    let r = server.get(&format!("/private/doc.txt?{query}"), &[]);
    assert_eq!(r.status, 200, "{:?}", server.stderr_lines());
    let seen = seen.lock().unwrap();
    assert!(
        seen[0]
            .0
            .starts_with("GET /private/doc.txt?v=3 HTTP/1.1\r\n"),
        "{}",
        seen[0].0
    );
}

#[test]
fn signed_url_is_refused_after_its_expiry() {
    let (_dir, server, seen) = edge("signed-expired", EXPIRES + 1);
    let query = signed_query("https://cdn.example.com/private/doc.txt?v=3");
    let r = server.get(&format!("/private/doc.txt?{query}"), &[]);
    assert_eq!(r.status, 403);
    assert!(seen.lock().unwrap().is_empty());
    let deadline = std::time::Instant::now() + crate::serve_support::STEP;
    while server.access_log().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.access_log()[0]["reason"], "expired");
}

#[test]
fn signature_for_another_host_is_refused() {
    let (_dir, server, _seen) = edge("signed-host", EXPIRES - 60);
    let query = signed_query("https://other.example.net/private/doc.txt?v=3");
    assert_eq!(
        server.get(&format!("/private/doc.txt?{query}"), &[]).status,
        403
    );
}
