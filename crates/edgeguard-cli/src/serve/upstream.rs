//! The upstream-HTTP origin: forwards the guard-approved request like CloudFront's origin hop
//! (hop-by-hop headers dropped, Host set to the origin, X-Forwarded-For added), streaming bodies
//! both ways. An unreachable or failing origin becomes a 502/504, never a crash.

use super::{text_response, BoxError, ResponseBody};
use edgeguard::cloudfront::Request;
use edgeguard::signed::strip_signing_params;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONNECTION, HOST};
use hyper::{HeaderMap, Method, Response, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::borrow::Cow;
use std::time::Duration;

/// How long to wait for the origin to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for the origin's response headers (CloudFront's default origin timeout).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);

/// Headers that describe one connection, not the message (RFC 9110 section 7.6.1), plus the
/// legacy `proxy-connection` and `keep-alive`.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// An `http://host[:port][/prefix]` origin.
#[derive(Debug)]
pub struct UpstreamOrigin {
    authority: String,
    prefix: String,
    client: Client<HttpConnector, Incoming>,
}

impl UpstreamOrigin {
    /// Parses the origin URL (plain HTTP only: this is a local testing tool).
    pub fn new(url: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("--origin {url}: {e}"))?;
        if parsed.scheme() != "http" {
            return Err(format!(
                "--origin {url}: only http:// upstreams are supported"
            ));
        }
        if parsed.query().is_some() || !parsed.username().is_empty() {
            return Err(format!(
                "--origin {url}: an origin URL has no query string or credentials"
            ));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("--origin {url}: no host"))?;
        let authority = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let prefix = parsed.path().trim_end_matches('/').to_string();
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(UpstreamOrigin {
            authority,
            prefix,
            client,
        })
    }

    /// The origin's `host:port`, for the startup banner.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Forwards the request; `body` is the viewer's body, streamed through. `query_stripped`:
    /// the request's query string is the one the decision stripped
    /// ([`edgeguard::guard::Responded::query_stripped`]), forwarded as is.
    pub async fn serve(
        &self,
        request: &Request,
        query_stripped: bool,
        body: Incoming,
    ) -> Response<ResponseBody> {
        let outgoing = match self.outgoing_request(request, query_stripped, body) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("edgeguard serve: cannot build origin request: {e}");
                return text_response(StatusCode::BAD_GATEWAY, "Bad Gateway\n");
            }
        };
        match tokio::time::timeout(RESPONSE_TIMEOUT, self.client.request(outgoing)).await {
            Err(_) => text_response(StatusCode::GATEWAY_TIMEOUT, "Gateway Timeout\n"),
            Ok(Err(e)) => {
                eprintln!(
                    "edgeguard serve: origin {} failed: {}",
                    self.authority,
                    error_chain(&e)
                );
                text_response(StatusCode::BAD_GATEWAY, "Bad Gateway\n")
            }
            Ok(Ok(response)) => {
                let (mut parts, body) = response.into_parts();
                remove_hop_by_hop(&mut parts.headers);
                Response::from_parts(parts, body.map_err(BoxError::from).boxed())
            }
        }
    }

    /// The URL the origin is asked for: the origin's prefix, then the decided URI byte for byte
    /// (never normalised or re-encoded, so the origin reads exactly what the guard decided on),
    /// then the query without signing parameters (CloudFront strips them before the origin too):
    /// the decision's stripped query when it made one (`query_stripped`), else stripped here,
    /// since the origin never sees signing parameters even on a rule without `strip_signature`.
    fn target(&self, request: &Request, query_stripped: bool) -> String {
        let query = if query_stripped {
            Cow::Borrowed(request.querystring.as_str())
        } else {
            Cow::Owned(strip_signing_params(&request.querystring))
        };
        let mut target = format!("http://{}{}{}", self.authority, self.prefix, request.uri);
        if !query.is_empty() {
            target.push('?');
            target.push_str(&query);
        }
        target
    }

    /// The origin hop: [`Self::target`], the viewer's headers without hop-by-hop ones, Host set
    /// to the origin, X-Forwarded-For extended.
    fn outgoing_request(
        &self,
        request: &Request,
        query_stripped: bool,
        body: Incoming,
    ) -> Result<hyper::Request<Incoming>, BoxError> {
        let uri: Uri = self.target(request, query_stripped).parse()?;
        let method = Method::from_bytes(request.method.as_bytes())?;
        let mut headers = HeaderMap::new();
        for (name, values) in &request.headers {
            let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                continue;
            };
            for header in values {
                if let Ok(value) = HeaderValue::from_bytes(header.value.as_bytes()) {
                    headers.append(name.clone(), value);
                }
            }
        }
        remove_hop_by_hop(&mut headers);
        headers.insert(HOST, HeaderValue::from_str(&self.authority)?);
        let forwarded = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(previous) => format!("{previous}, {}", request.client_ip),
            None => request.client_ip.clone(),
        };
        headers.insert("x-forwarded-for", HeaderValue::from_str(&forwarded)?);
        let mut outgoing = hyper::Request::builder()
            .method(method)
            .uri(uri)
            .body(body)?;
        *outgoing.headers_mut() = headers;
        Ok(outgoing)
    }
}

/// Drops hop-by-hop headers, including any the `Connection` header names.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<String> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    for name in HOP_BY_HOP
        .iter()
        .copied()
        .chain(named.iter().map(String::as_str))
    {
        headers.remove(name);
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_and_connection_named_headers_are_removed() {
        let mut h = HeaderMap::new();
        h.insert(
            "connection",
            HeaderValue::from_static("keep-alive, X-Secret"),
        );
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        h.insert("upgrade", HeaderValue::from_static("websocket"));
        h.insert("referer", HeaderValue::from_static("https://example.com/"));
        remove_hop_by_hop(&mut h);
        let left: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        assert_eq!(left, ["referer"]);
    }

    #[test]
    fn only_plain_http_origins_are_accepted() {
        assert!(UpstreamOrigin::new("https://example.com").is_err());
        assert!(UpstreamOrigin::new("ftp://example.com").is_err());
        assert!(UpstreamOrigin::new("http://u:p@example.com").is_err());
    }

    mod forwarded_is_decided {
        use super::super::super::served_paths::{decide, hostile_uri, referer};
        use super::*;
        use proptest::prelude::*;

        #[test]
        fn a_dot_segment_is_never_forwarded() {
            for uri in [
                "/public/../private/secret.pdf",
                "/public/%2e%2e/private/secret.pdf",
            ] {
                assert!(decide(uri, None).is_none(), "{uri}");
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            /// The origin is asked for exactly the URI that was decided (behind its prefix),
            /// never a normalised or re-encoded one.
            #[test]
            fn the_forwarded_uri_is_the_decided_uri(uri in hostile_uri(), referer in referer()) {
                let origin = UpstreamOrigin::new("http://127.0.0.1:9/bucket").unwrap();
                if let Some((_, allowed)) = decide(&uri, referer) {
                    prop_assert_eq!(&allowed.uri, &uri);
                    let target: Uri = origin.target(&allowed, false).parse().unwrap();
                    prop_assert_eq!(target.path(), format!("/bucket{uri}"));
                }
            }
        }
    }

    /// A request for `/a.txt?{query}` as the guard hands it back.
    fn allowed(query: &str) -> Request {
        edgeguard::http_event::viewer_request(
            edgeguard::http_event::HttpRequestParts {
                method: "GET",
                path: "/a.txt",
                query: Some(query),
                client_ip: "127.0.0.1",
                host_override: None,
            },
            std::iter::empty(),
        )
    }

    #[test]
    fn the_origin_gets_the_stripped_query_the_decision_computed() {
        let origin = UpstreamOrigin::new("http://127.0.0.1:9").unwrap();
        // Taken as the decision left it: not split again (a decision never leaves a signing
        // parameter in, so one still here shows nothing re-stripped it).
        assert_eq!(
            origin.target(&allowed("b=1&Signature=x"), true),
            "http://127.0.0.1:9/a.txt?b=1&Signature=x"
        );
        assert_eq!(
            origin.target(&allowed("b=1&Signature=x&Expires=2"), false),
            "http://127.0.0.1:9/a.txt?b=1"
        );
    }

    #[test]
    fn origin_path_prefix_loses_its_trailing_slash() {
        let o = UpstreamOrigin::new("http://127.0.0.1:9000/bucket/").unwrap();
        assert_eq!(o.authority(), "127.0.0.1:9000");
        assert_eq!(o.prefix, "/bucket");
    }
}
