//! Test support for the property "the object served is the object decided" (issue #10, item 2):
//! random URIs biased towards dots, slashes, percent escapes, semicolons and backslashes, decided
//! by the README's own example config through the same request mapping `serve` uses. The
//! properties themselves live next to the origins they check (`files`, `upstream`).

use edgeguard::cloudfront::{HandlerResult, Request};
use edgeguard::http_event::{viewer_request, HttpRequestParts};
use edgeguard::{config, Decision, Guard};
use proptest::prelude::*;
use std::sync::OnceLock;

/// The clock of every decision (2026-01-01T00:00:00Z).
const NOW: i64 = 1_767_225_600;

/// The example config of the README's "Configuration" section, exactly as printed there:
/// `/images/*` and `/media/*` need an example.com Referer, `/*` is open.
pub fn readme_guard() -> &'static Guard {
    static GUARD: OnceLock<Guard> = OnceLock::new();
    GUARD.get_or_init(|| {
        let readme = include_str!("../../../../README.md");
        let section = &readme[readme
            .find("## Configuration (`guard.toml`)")
            .expect("README has a Configuration section")..];
        let start = section.find("```toml\n").expect("a toml block") + "```toml\n".len();
        let toml = &section[start..start + section[start..].find("```").expect("block end")];
        let read = |path: &str| match path {
            "keys/K2JCJMDEHXQW5F.pem" => {
                Ok(include_str!("../../../../keys/K2JCJMDEHXQW5F.pem").to_string())
            }
            other => Err(format!("no compiled-in copy of {other}")),
        };
        let (_, config) = config::load_toml(toml, "README.md", &read)
            .unwrap_or_else(|e| panic!("the README example config does not load: {e}"));
        Guard::new(config)
    })
}

/// The first rule of `guard` whose globs match `path` (as text).
pub fn rule_of(guard: &Guard, path: &str) -> Option<usize> {
    guard.config().rules.iter().position(|r| r.applies_to(path))
}

/// Raw request paths made of pieces that origins read in different ways.
pub fn hostile_uri() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "/", "/", "/", "images", "media", "public", "cat.jpg", "a", ".", "..", "%2e", "%2E",
        "%2e%2e", ";", ";x=1", "..;", "\\", "%5c", "%5C", "%2f", "%2F", "%3b", "%00", "%", "%zz",
        "%c0%ae", "%252e", "%25", "%69", "%6D", "%7e", "~", "+", "%2B", "@", ":", "%20", "%C3%A9",
        "%c3%a9", "é", "%3F", "'", "!",
    ]);
    prop::collection::vec(piece, 1..8).prop_map(|pieces| format!("/{}", pieces.concat()))
}

/// A Referer that is on the example allow list, one that is not, or none.
pub fn referer() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        Some("https://www.example.com/page.html"),
        Some("https://evil.test/page.html"),
        None,
    ])
}

/// The request `serve` builds for `GET uri`, decided: the allowed request and its rule, if any.
pub fn decide(uri: &str, referer: Option<&str>) -> Option<(usize, Request)> {
    let headers = std::iter::once(("Host", "d111111abcdef8.cloudfront.net".as_bytes()))
        .chain(referer.map(|r| ("Referer", r.as_bytes())));
    let request = viewer_request(
        HttpRequestParts {
            method: "GET",
            path: uri,
            query: None,
            client_ip: "127.0.0.1",
            host_override: None,
        },
        headers,
    );
    match readme_guard().respond(request, NOW) {
        (
            edgeguard::Verdict {
                decision: Decision::Allow { rule, .. },
                ..
            },
            HandlerResult::Request(allowed),
        ) => Some((rule, *allowed)),
        _ => None,
    }
}

#[test]
fn the_readme_config_is_the_documented_one() {
    let rules: Vec<Vec<&str>> = readme_guard()
        .config()
        .rules
        .iter()
        .map(|r| r.paths.iter().map(|g| g.as_str()).collect())
        .collect();
    assert_eq!(rules, [vec!["/images/*", "/media/*"], vec!["/*"]]);
}
