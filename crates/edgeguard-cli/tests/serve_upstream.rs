//! `edgeguard serve` in front of an upstream HTTP origin (a tiny echo server in the test).

use crate::serve_support::{echo_origin, request, scratch, write_config, Scratch, Server};
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

// --- the URI forwarded is the URI decided (issue #10, item 2) --------------------------------

/// `python3 -m http.server` on a free loopback port: an origin that resolves dot segments
/// (`%2e` too), like nginx or most app servers. Killed on drop.
struct ResolvingOrigin {
    child: std::process::Child,
    addr: String,
}

impl ResolvingOrigin {
    fn start(root: &std::path::Path) -> ResolvingOrigin {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(crate::serve_support::STEP)
            .expect("http.server printed its address");
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        ResolvingOrigin {
            child,
            addr: format!("127.0.0.1:{port}"),
        }
    }
}

impl Drop for ResolvingOrigin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SECRET: &str = "PAID-CONTENT-ONLY-WITH-A-SIGNATURE";

/// The shipped guard.toml (`/public/*` open, `/private/*` signed) in front of an origin holding
/// public/readme.txt and private/secret.pdf (in the returned scratch directory, which must outlive
/// the origin: it is removed when dropped).
fn shipped_in_front_of_a_resolving_origin(name: &str) -> (Scratch, ResolvingOrigin, Server) {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("public")).unwrap();
    std::fs::create_dir_all(dir.join("private")).unwrap();
    std::fs::write(dir.join("public/readme.txt"), "public\n").unwrap();
    std::fs::write(dir.join("private/secret.pdf"), SECRET).unwrap();
    let origin = ResolvingOrigin::start(&dir);
    let config =
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("guard.toml");
    let server = Server::start(&config, &format!("http://{}", origin.addr), &[]);
    (dir, origin, server)
}

#[test]
fn a_dot_segment_never_reaches_an_origin_that_would_resolve_it_to_the_private_file() {
    let (_dir, origin, server) = shipped_in_front_of_a_resolving_origin("up-resolving");
    for target in [
        "/public/../private/secret.pdf",
        "/public/%2e%2e/private/secret.pdf",
    ] {
        // The origin itself does resolve it: asked directly, it hands out the paid file.
        let direct = request(&origin.addr, "GET", target, &[], b"");
        assert_eq!(direct.text(), SECRET, "precondition: {target} resolves");
        let r = server.get(target, &[]);
        assert_eq!(r.status, 403, "{target}");
        assert!(
            !r.text().contains(SECRET),
            "{target} leaked the private file"
        );
        assert_eq!(r.text(), "Forbidden");
    }
    assert_eq!(server.get("/public/readme.txt", &[]).text(), "public\n");
    assert_eq!(
        server.get("/private/secret.pdf", &[]).status,
        403,
        "unsigned"
    );
}

#[test]
fn an_allowed_uri_reaches_the_origin_byte_for_byte() {
    let dir = scratch("up-exact");
    let (origin, seen) = echo_origin(Duration::ZERO);
    let server = Server::start(&write_config(&dir), &format!("http://{origin}"), &[]);
    let targets = [
        "/open/a%20b.txt",
        "/open/caf%C3%A9.txt",
        "/open/caf%c3%a9.txt",
        "/open/app;jsessionid=0123/page",
        "/open/~user/C++@x:y.txt",
        "/open/100%25.txt",
        "/open/docs/",
    ];
    for target in targets {
        assert_eq!(server.get(target, &[]).status, 200, "{target}");
    }
    let seen = seen.lock().unwrap();
    let lines: Vec<String> = seen
        .iter()
        .map(|(head, _)| head.lines().next().unwrap().to_string())
        .collect();
    let expected: Vec<String> = targets
        .iter()
        .map(|t| format!("GET {t} HTTP/1.1"))
        .collect();
    assert_eq!(lines, expected);
}
