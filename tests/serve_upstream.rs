//! `edgeguard serve` in front of an upstream HTTP origin (a tiny echo server in the test).

mod serve_support;

use serve_support::{echo_origin, request, scratch, write_config, Server};
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn signing_parameters_never_reach_the_origin_even_without_strip_signature() {
    let dir = scratch("up-strip");
    let (origin, seen) = echo_origin(Duration::ZERO);
    let server = Server::start(&write_config(&dir), &format!("http://{origin}"), &[]);
    // /open/* has signature = "off" and no strip_signature: the guard passes the query through,
    // the origin hop must still drop the signing parameters (as CloudFront does).
    let r = server.get(
        "/open/file.txt?keep=1&Expires=2000000000&Signature=abc~def__&Key-Pair-Id=K2JCJMDEHXQW5F&Policy=eyJ9&Hash-Algorithm=SHA256&also=2",
        &[],
    );
    assert_eq!(r.status, 200);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let request_line = seen[0].0.lines().next().unwrap().to_string();
    assert_eq!(request_line, "GET /open/file.txt?keep=1&also=2 HTTP/1.1");
    for name in [
        "Expires",
        "Signature",
        "Key-Pair-Id",
        "Policy",
        "Hash-Algorithm",
    ] {
        assert!(
            !seen[0].0.contains(name),
            "{name} reached the origin: {}",
            seen[0].0
        );
    }
}

#[test]
fn query_made_only_of_signing_parameters_leaves_no_question_mark() {
    let dir = scratch("up-strip-all");
    let (origin, seen) = echo_origin(Duration::ZERO);
    let server = Server::start(&write_config(&dir), &format!("http://{origin}"), &[]);
    let r = server.get("/open/a.txt?Expires=1&Signature=x&Key-Pair-Id=K", &[]);
    assert_eq!(r.status, 200);
    assert!(seen.lock().unwrap()[0]
        .0
        .starts_with("GET /open/a.txt HTTP/1.1\r\n"));
}

#[test]
fn origin_gets_method_body_its_own_host_and_x_forwarded_for_but_no_hop_by_hop_headers() {
    let dir = scratch("up-forward");
    let (origin, seen) = echo_origin(Duration::ZERO);
    let server = Server::start(&write_config(&dir), &format!("http://{origin}"), &[]);
    let r = request(
        &server.addr,
        "POST",
        "/open/upload",
        &[
            ("X-Custom", "kept"),
            ("Keep-Alive", "timeout=5"),
            ("Upgrade", "h2c"),
        ],
        b"payload-bytes",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-origin"), Some("echo"));
    assert_eq!(
        r.header("keep-alive"),
        None,
        "response hop-by-hop header leaked"
    );
    let seen = seen.lock().unwrap();
    let head = seen[0].0.to_ascii_lowercase();
    assert!(head.starts_with("post /open/upload http/1.1\r\n"));
    assert!(head.contains(&format!("host: {origin}\r\n")), "{head}");
    assert!(head.contains("x-custom: kept\r\n"));
    assert!(head.contains("x-forwarded-for: 127.0.0.1\r\n"));
    assert!(!head.contains("keep-alive"));
    assert!(!head.contains("upgrade"));
    assert_eq!(seen[0].1, b"payload-bytes");
}

#[test]
fn denied_request_never_reaches_the_origin() {
    let dir = scratch("up-deny");
    let (origin, seen) = echo_origin(Duration::ZERO);
    let server = Server::start(&write_config(&dir), &format!("http://{origin}"), &[]);
    let r = server.get("/images/cat.png", &[("Referer", "https://evil.test/")]);
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), "Hotlinking denied");
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn unreachable_origin_is_a_502_and_the_server_keeps_serving() {
    let dir = scratch("up-down");
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = free.local_addr().unwrap();
    drop(free);
    let server = Server::start(&write_config(&dir), &format!("http://{dead}"), &[]);
    let first = server.get("/open/a.txt", &[]);
    assert_eq!(first.status, 502);
    assert_eq!(server.get("/open/b.txt", &[]).status, 502);
    // A deny needs no origin and still works.
    assert_eq!(server.get("/nothing", &[]).status, 403);
}
