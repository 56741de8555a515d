//! An HTTP request, as received by a server, turned into the viewer-request `Request` CloudFront
//! would hand to a Lambda@Edge function.
//!
//! Local adapters (`edgeguard serve`, tests, anything that fronts the guard with a real HTTP
//! listener) must build exactly what CloudFront builds, or rules that pass locally could fail at
//! the edge. Pure: no I/O, no HTTP library types, so it stays out of the edge bundle's way.

use crate::cloudfront::{Header, Headers, Request};

/// The parts of an HTTP request the event is built from, borrowed from whatever server parsed it.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequestParts<'a> {
    /// The method as sent (`GET`, `HEAD`, ...).
    pub method: &'a str,
    /// The raw path of the request target, percent-encoding untouched.
    pub path: &'a str,
    /// The raw query string without `?`; `None` when the target has no `?`.
    pub query: Option<&'a str>,
    /// The viewer's IP address, from the socket (CloudFront uses the connecting address).
    pub client_ip: &'a str,
    /// A Host to present instead of the request's own, e.g. the distribution's domain name so
    /// that URLs signed for the real distribution verify locally.
    pub host_override: Option<&'a str>,
}

/// Builds the viewer-request event's `Request` from the request line, the headers (in arrival
/// order, names in any case, values as raw bytes) and the connection facts.
///
/// Header names become lower-case map keys; every occurrence of a repeated header is kept, in
/// order, so that a second `Referer` stays visible to the guard. Values that are not UTF-8 are
/// converted lossily (the guard then sees replacement characters and fails closed) rather than
/// dropped, because dropping a header could turn a malformed Referer into a missing one.
pub fn viewer_request<'a>(
    parts: HttpRequestParts<'_>,
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Request {
    let mut map = Headers::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if parts.host_override.is_some() && lower == "host" {
            continue;
        }
        map.entry(lower).or_default().push(Header {
            key: Some(title_case(name)),
            value: String::from_utf8_lossy(value).into_owned(),
        });
    }
    if let Some(host) = parts.host_override {
        map.insert(
            "host".into(),
            vec![Header {
                key: Some("Host".into()),
                value: host.to_string(),
            }],
        );
    }
    Request {
        client_ip: parts.client_ip.to_string(),
        headers: map,
        method: parts.method.to_string(),
        querystring: parts.query.unwrap_or("").to_string(),
        uri: parts.path.to_string(),
        body: None,
        origin: None,
    }
}

/// `user-agent` -> `User-Agent`: the spelling Lambda@Edge fills in when a header's original
/// case is unknown (HTTP/1 servers commonly lower-case names while parsing).
pub fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        upper = c == '-';
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(path: &'a str, query: Option<&'a str>) -> HttpRequestParts<'a> {
        HttpRequestParts {
            method: "GET",
            path,
            query,
            client_ip: "127.0.0.1",
            host_override: None,
        }
    }

    fn values(request: &Request, name: &str) -> Vec<String> {
        request.header_values(name).map(|v| v.to_string()).collect()
    }

    #[test]
    fn header_names_become_lower_case_keys_with_title_case_originals() {
        let r = viewer_request(
            parts("/", None),
            [
                ("User-Agent", b"curl".as_slice()),
                ("referer", b"x".as_slice()),
            ],
        );
        let keys: Vec<&String> = r.headers.keys().collect();
        assert_eq!(keys, ["user-agent", "referer"]);
        assert_eq!(
            r.headers["user-agent"][0].key.as_deref(),
            Some("User-Agent")
        );
        assert_eq!(r.headers["referer"][0].key.as_deref(), Some("Referer"));
    }

    #[test]
    fn repeated_headers_are_all_kept_in_order() {
        let r = viewer_request(
            parts("/", None),
            [
                ("referer", b"https://a.example/".as_slice()),
                ("accept", b"*/*".as_slice()),
                ("Referer", b"https://b.example/".as_slice()),
            ],
        );
        assert_eq!(
            values(&r, "referer"),
            ["https://a.example/", "https://b.example/"]
        );
        assert_eq!(r.headers.len(), 2);
    }

    #[test]
    fn path_and_query_are_kept_raw() {
        let r = viewer_request(
            parts("/images/a%20b/../c.png", Some("x=%2F&Signature=a~b")),
            [],
        );
        assert_eq!(r.uri, "/images/a%20b/../c.png");
        assert_eq!(r.querystring, "x=%2F&Signature=a~b");
    }

    #[test]
    fn absent_query_is_an_empty_querystring() {
        assert_eq!(viewer_request(parts("/", None), []).querystring, "");
        assert_eq!(viewer_request(parts("/", Some("")), []).querystring, "");
    }

    #[test]
    fn method_and_client_ip_are_copied() {
        let mut p = parts("/", None);
        p.method = "HEAD";
        p.client_ip = "2001:db8::1";
        let r = viewer_request(p, []);
        assert_eq!(r.method, "HEAD");
        assert_eq!(r.client_ip, "2001:db8::1");
    }

    #[test]
    fn host_comes_from_the_request_without_override() {
        let r = viewer_request(parts("/", None), [("host", b"127.0.0.1:8080".as_slice())]);
        assert_eq!(values(&r, "host"), ["127.0.0.1:8080"]);
    }

    #[test]
    fn host_override_replaces_every_host_header() {
        let mut p = parts("/", None);
        p.host_override = Some("d111111abcdef8.cloudfront.net");
        let r = viewer_request(
            p,
            [
                ("host", b"127.0.0.1:8080".as_slice()),
                ("Host", b"evil.test".as_slice()),
            ],
        );
        assert_eq!(values(&r, "host"), ["d111111abcdef8.cloudfront.net"]);
    }

    #[test]
    fn host_override_adds_a_host_when_the_request_has_none() {
        let mut p = parts("/", None);
        p.host_override = Some("cdn.example.com");
        assert_eq!(values(&viewer_request(p, []), "host"), ["cdn.example.com"]);
    }

    #[test]
    fn non_utf8_values_are_kept_lossily_not_dropped() {
        let r = viewer_request(
            parts("/", None),
            [("referer", b"https://\xffexample.com/".as_slice())],
        );
        assert_eq!(values(&r, "referer"), ["https://\u{fffd}example.com/"]);
    }

    #[test]
    fn title_case_capitalises_each_dash_separated_word() {
        assert_eq!(title_case("x-forwarded-for"), "X-Forwarded-For");
        assert_eq!(title_case("COOKIE"), "Cookie");
        assert_eq!(title_case("a--b"), "A--B");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            #[test]
            fn any_request_maps_without_panic_and_keeps_every_header_value(
                headers in proptest::collection::vec(
                    ("[A-Za-z0-9-]{1,16}", proptest::collection::vec(any::<u8>(), 0..64)),
                    0..10,
                ),
                path in ".{0,64}",
                query in proptest::option::of(".{0,64}"),
            ) {
                let pairs: Vec<(&str, &[u8])> =
                    headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
                let r = viewer_request(parts(&path, query.as_deref()), pairs);
                let kept: usize = r.headers.values().map(Vec::len).sum();
                prop_assert_eq!(kept, headers.len());
                prop_assert!(r.headers.keys().all(|k| *k == k.to_ascii_lowercase()));
                prop_assert_eq!(r.uri, path);
            }
        }
    }
}
