//! `edgeguard serve` in front of a local directory, driven over real loopback HTTP.

use crate::serve_support::{request, scratch, write_config, Scratch, Server};
use crate::table::table_tests;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-not-really-an-image-0123456789";
const SECRET: &str = "TOP-SECRET-OUTSIDE-ROOT";

/// root/ holds images/cat.png, images/big.bin, open/readme.txt, open/sub/index.html, and a
/// symlink images/escape.txt pointing at ../secret.txt (outside the root).
fn site(name: &str) -> (Scratch, Server) {
    let dir = scratch(name);
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("images")).unwrap();
    std::fs::create_dir_all(root.join("open/sub")).unwrap();
    std::fs::write(root.join("images/cat.png"), PNG).unwrap();
    let big: Vec<u8> = (0..1_000_003u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.join("images/big.bin"), big).unwrap();
    std::fs::write(root.join("open/readme.txt"), "hello\n").unwrap();
    std::fs::write(root.join("open/sub/index.html"), "<p>index</p>").unwrap();
    std::fs::write(dir.join("secret.txt"), SECRET).unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), root.join("images/escape.txt")).unwrap();
    std::os::unix::fs::symlink(&dir, root.join("open/parent")).unwrap();
    let config = write_config(&dir);
    let server = Server::start(&config, root.to_str().unwrap(), &[]);
    (dir, server)
}

const ALLOWED: (&str, &str) = ("Referer", "https://www.example.com/gallery/page.html");

#[test]
fn allowed_referer_gets_the_file_with_its_content_type() {
    let (_dir, server) = site("allowed");
    let r = server.get("/images/cat.png", &[ALLOWED]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(
        r.header("content-length"),
        Some(PNG.len().to_string().as_str())
    );
    assert_eq!(r.body, PNG);
}

#[test]
fn foreign_referer_gets_the_configured_deny_response() {
    let (_dir, server) = site("foreign");
    let r = server.get("/images/cat.png", &[("Referer", "https://evil.test/page")]);
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), "Hotlinking denied");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[test]
fn lookalike_referer_is_denied() {
    let (_dir, server) = site("lookalike");
    let r = server.get(
        "/images/cat.png",
        &[("Referer", "https://example.com.evil.test/")],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn missing_referer_is_denied_when_the_rule_says_so() {
    let (_dir, server) = site("missing");
    assert_eq!(server.get("/images/cat.png", &[]).status, 403);
}

#[test]
fn two_referer_headers_are_denied() {
    let (_dir, server) = site("twice");
    let r = server.get(
        "/images/cat.png",
        &[ALLOWED, ("Referer", "https://evil.test/")],
    );
    assert_eq!(r.status, 403);
}

#[test]
fn path_matching_no_rule_is_denied() {
    let (_dir, server) = site("norule");
    let r = server.get("/elsewhere/cat.png", &[ALLOWED]);
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), "Hotlinking denied");
}

#[test]
fn public_path_needs_no_referer() {
    let (_dir, server) = site("public");
    let r = server.get("/open/readme.txt", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "hello\n");
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
}

#[test]
fn directory_serves_its_index_html() {
    let (_dir, server) = site("index");
    let r = server.get("/open/sub/", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "<p>index</p>");
    assert_eq!(r.header("content-type"), Some("text/html"));
}

#[test]
fn missing_file_is_404() {
    let (_dir, server) = site("notfound");
    assert_eq!(server.get("/open/nope.txt", &[]).status, 404);
}

#[test]
fn single_range_gets_206_with_content_range() {
    let (_dir, server) = site("range");
    let r = server.get("/images/cat.png", &[ALLOWED, ("Range", "bytes=2-5")]);
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes 2-5/{}", PNG.len()).as_str())
    );
    assert_eq!(r.body, &PNG[2..=5]);
}

#[test]
fn suffix_range_gets_the_last_bytes() {
    let (_dir, server) = site("suffix");
    let r = server.get("/images/cat.png", &[ALLOWED, ("Range", "bytes=-4")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &PNG[PNG.len() - 4..]);
}

#[test]
fn range_past_the_end_gets_416() {
    let (_dir, server) = site("416");
    let r = server.get("/images/cat.png", &[ALLOWED, ("Range", "bytes=9999-")]);
    assert_eq!(r.status, 416);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes */{}", PNG.len()).as_str())
    );
    assert!(r.body.is_empty());
}

#[test]
fn range_is_not_served_to_a_denied_request() {
    let (_dir, server) = site("rangedeny");
    let r = server.get("/images/cat.png", &[("Range", "bytes=0-3")]);
    assert_eq!(r.status, 403);
}

#[test]
fn head_returns_the_headers_without_a_body() {
    let (_dir, server) = site("head");
    let r = request(&server.addr, "HEAD", "/images/cat.png", &[ALLOWED], b"");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-length"),
        Some(PNG.len().to_string().as_str())
    );
    assert!(r.body.is_empty());
}

#[test]
fn other_methods_get_405_from_a_directory_origin() {
    let (_dir, server) = site("post");
    let r = request(&server.addr, "POST", "/open/readme.txt", &[], b"x=1");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
}

#[test]
fn large_file_arrives_complete_and_byte_exact() {
    let (dir, server) = site("big");
    let r = server.get("/images/big.bin", &[ALLOWED]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        r.body,
        std::fs::read(dir.join("root/images/big.bin")).unwrap()
    );
}

#[test]
fn traversal_attempts_never_serve_a_file_outside_the_root() {
    let (_dir, server) = site("traversal");
    for target in [
        "/images/../../secret.txt",
        "/images/../secret.txt",
        "/open/../../secret.txt",
        "/images/%2e%2e/%2e%2e/secret.txt",
        "/images/..%2f..%2fsecret.txt",
        "/images/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/images/..%5c..%5csecret.txt",
        "/images/escape.txt",
        "/open/parent/secret.txt",
        "/open/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/open/readme.txt%00.png",
        "/open/%2e%2e/%2e%2e/secret.txt",
        "/open/..;/..;/secret.txt",
        "//secret.txt",
    ] {
        let r = server.get(target, &[ALLOWED]);
        assert!(
            r.status == 403 || r.status == 404,
            "{target}: status {}",
            r.status
        );
        assert!(!r.text().contains(SECRET), "{target} leaked the secret");
    }
}

#[test]
fn each_request_gets_one_access_log_line_with_decision_and_reason() {
    let (_dir, server) = site("log");
    server.get("/images/cat.png", &[ALLOWED]);
    server.get("/images/cat.png?x=1", &[("Referer", "https://evil.test/")]);
    let deadline = std::time::Instant::now() + crate::serve_support::STEP;
    let log = loop {
        let log = server.access_log();
        if log.len() >= 2 || std::time::Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["uri"], "/images/cat.png");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["decision"], "allow");
    assert!(log[0]["reason"].is_null());
    assert!(log[0]["latency_us"].is_u64());
    assert_eq!(log[1]["uri"], "/images/cat.png?x=1");
    assert_eq!(log[1]["status"], 403);
    assert_eq!(log[1]["decision"], "deny");
    assert_eq!(log[1]["reason"], "referer_not_allowed");
}

#[test]
fn range_larger_than_one_chunk_is_streamed_from_its_offset() {
    let (dir, server) = site("bigrange");
    let r = server.get(
        "/images/big.bin",
        &[ALLOWED, ("Range", "bytes=100000-400000")],
    );
    let whole = std::fs::read(dir.join("root/images/big.bin")).unwrap();
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        Some("bytes 100000-400000/1000003")
    );
    assert_eq!(r.body, &whole[100000..=400000]);
}

// --- the object served is the object decided (issue #10, item 2) ----------------------------

/// The README's own example config (a Referer rule on `/images/*`, then `/*` open) in front of
/// root/images/cat.jpg and root/docs/a b.txt.
fn readme_site(name: &str) -> (Scratch, Server) {
    let dir = scratch(name);
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("images")).unwrap();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("images/cat.jpg"), PNG).unwrap();
    std::fs::write(root.join("docs/a b.txt"), "spaced\n").unwrap();
    let config = crate::serve_support::write_readme_config(&dir);
    let server = Server::start(&config, root.to_str().unwrap(), &[]);
    (dir, server)
}

const FOREIGN: (&str, &str) = ("Referer", "https://evil.test/page.html");

/// A foreign Referer asking for the image through `target` gets the guard's deny, logged as
/// `path_not_normalized`, and never the image (the directory origin used to decode, drop `.`
/// and empty segments and split `%2F`, serving `/images/cat.jpg` under the open `/*` rule).
fn assert_image_refused(server: &Server, target: &str) {
    let r = server.get(target, &[FOREIGN]);
    assert_eq!(r.status, 403, "{target}");
    assert_eq!(r.text(), "Forbidden", "{target}");
    assert_ne!(r.body, PNG, "{target} served the image");
    let deadline = std::time::Instant::now() + crate::serve_support::STEP;
    let log = loop {
        let log = server.access_log();
        if !log.is_empty() || std::time::Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(log[0]["reason"], "path_not_normalized", "{target}: {log:?}");
}

#[test]
fn readme_config_the_image_itself_is_refused_to_a_foreign_referer_and_served_to_ours() {
    let (_dir, server) = readme_site("readme-plain");
    assert_eq!(server.get("/images/cat.jpg", &[FOREIGN]).status, 403);
    let ours = server.get("/images/cat.jpg", &[ALLOWED]);
    assert_eq!(ours.status, 200);
    assert_eq!(ours.body, PNG);
}

/// The README site (in scratch folder `name`) refuses `uri`, a spelling of the image's path.
fn image_refused((name, uri): (&str, &str)) {
    let (_dir, server) = readme_site(name);
    assert_image_refused(&server, uri);
}

table_tests! { image_refused;
    readme_config_a_single_dot_segment_does_not_reach_the_image:
        ("readme-dot", "/./images/cat.jpg"),
    readme_config_a_leading_empty_segment_does_not_reach_the_image:
        ("readme-slashes", "//images/cat.jpg"),
    readme_config_an_encoded_unreserved_character_does_not_reach_the_image:
        ("readme-encoded-i", "/%69mages/cat.jpg"),
    readme_config_an_encoded_slash_does_not_reach_the_image:
        ("readme-encoded-slash", "/images%2Fcat.jpg"),
}

#[test]
fn readme_config_an_escaped_file_name_is_served_decoded_under_the_open_rule() {
    let (_dir, server) = readme_site("readme-escaped");
    let r = server.get("/docs/a%20b.txt", &[FOREIGN]);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "spaced\n");
}

#[test]
fn in_report_mode_a_denied_request_is_served_and_logged_as_would_deny() {
    let dir = scratch("report");
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("images")).unwrap();
    std::fs::write(root.join("images/cat.png"), PNG).unwrap();
    let config = write_config(&dir);
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("mode = \"report\"\n{text}")).unwrap();
    let server = Server::start(&config, root.to_str().unwrap(), &[]);
    let r = server.get("/images/cat.png", &[("Referer", "https://evil.test/")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, PNG);
    let deadline = std::time::Instant::now() + crate::serve_support::STEP;
    let log = loop {
        let log = server.access_log();
        if !log.is_empty() || std::time::Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["decision"], "would_deny");
    assert_eq!(log[0]["reason"], "referer_not_allowed");
}
