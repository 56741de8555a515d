//! Serde model of the Lambda@Edge viewer-request event and of what a handler may return.
//!
//! `aws_lambda_events` has no CloudFront types, so they live here, field for field after the
//! "Lambda@Edge event structure" page of the CloudFront Developer Guide. Optional fields are
//! skipped when absent because CloudFront rejects JSON `null`s in a function's return value, and
//! every documented request field (`body` and `origin` included) is carried through untouched so
//! that an allowed request leaves exactly as it came.

use crate::guard::MAX_URI_AND_QUERY;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Headers keyed by lower-case name; each name may carry several values, in order.
pub type Headers = IndexMap<String, Vec<Header>>;

/// The event Lambda@Edge passes to a function.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CloudFrontEvent {
    /// Always exactly one record for Lambda@Edge.
    #[serde(rename = "Records")]
    pub records: Vec<CloudFrontRecord>,
}

/// One record of a CloudFront event.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CloudFrontRecord {
    /// The CloudFront part of the record.
    pub cf: CloudFrontData,
}

/// Distribution facts plus the request.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct CloudFrontData {
    /// Read-only facts about the distribution and this invocation.
    pub config: EventConfig,
    /// The viewer's request.
    pub request: Request,
}

/// `config.eventType` of the events a viewer-request guard decides.
pub const VIEWER_REQUEST: &str = "viewer-request";
/// `config.eventType` of origin-request events, decided only when the config opts in
/// (`allow_origin_request`): their Host header is the origin's, not the viewer's.
pub const ORIGIN_REQUEST: &str = "origin-request";

/// `Records[0].cf.config`: read-only distribution facts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventConfig {
    /// The distribution's `dxxxx.cloudfront.net` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_domain_name: Option<String>,
    /// The distribution ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_id: Option<String>,
    /// `viewer-request` for the events edgeguard handles. Optional here so that a missing
    /// field in the request is reported first; [`CloudFrontData::problem`] then refuses an event
    /// without one (every real event has it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// CloudFront's request ID, used to correlate logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `Records[0].cf.request`: the request as the viewer sent it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The viewer's IP (or the last proxy's), IPv4 or IPv6.
    pub client_ip: String,
    /// Request headers, keyed by lower-case name.
    pub headers: Headers,
    /// HTTP method (read-only for the function).
    pub method: String,
    /// The raw query string without the leading `?`, empty when absent.
    pub querystring: String,
    /// The raw path; always starts with `/`.
    pub uri: String,
    /// The body, present only when the behavior includes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// The origin, present on origin-request events only; kept verbatim so the guard can also
    /// sit on an origin-request trigger.
    ///
    /// Fields are listed explicitly instead of collected with `#[serde(flatten)]`: flattening
    /// makes serde buffer the whole request (headers included) before decoding it, which doubled
    /// the cost of reading an event. Lambda@Edge documents no other request fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Value>,
}

/// One header value with its original-case name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Header {
    /// Original-case header name; CloudFront fills it in when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The header value.
    pub value: String,
}

/// A request or response body as Lambda@Edge exposes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    /// Whether CloudFront truncated the body before handing it over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_truncated: Option<bool>,
    /// `read-only` or `replace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `base64` or `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The body data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// A response generated at viewer request; CloudFront sends it without caching it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// Status code as a string, as CloudFront requires.
    pub status: String,
    /// Reason phrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_description: Option<String>,
    /// Response headers, keyed by lower-case name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: Headers,
    /// The body text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `text` or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_encoding: Option<String>,
}

/// What a viewer-request handler returns: the request to continue, or a response to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HandlerResult {
    /// Continue with this (possibly modified) request.
    Request(Box<Request>),
    /// Answer the viewer directly.
    Response(Response),
}

impl CloudFrontData {
    /// Why this record is not a request the guard may decide, as `JSON path: problem` (the
    /// `detail` of an `event_malformed` deny); `None` when it is one. Refused: a missing or
    /// other `eventType` (viewer-response and origin-response events have a `request` too, and
    /// an origin-request unless `allow_origin_request`), an `origin` that contradicts the event
    /// type, and a URI CloudFront could not have sent.
    pub fn problem(&self, allow_origin_request: bool) -> Option<String> {
        event_problem(
            self.config.event_type.as_deref(),
            self.request.origin.is_some(),
            &self.request.uri,
            &self.request.querystring,
            allow_origin_request,
        )
    }
}

/// [`CloudFrontData::problem`] from the fields it reads (the event type, whether the request
/// has an `origin`, the URI and query string), so the edge bundle's field-level entry point
/// refuses exactly the same events with exactly the same words.
pub fn event_problem(
    event_type: Option<&str>,
    has_origin: bool,
    uri: &str,
    querystring: &str,
    allow_origin_request: bool,
) -> Option<String> {
    const EVENT_TYPE: &str = "Records[0].cf.config.eventType";
    const ORIGIN: &str = "Records[0].cf.request.origin";
    let origin = has_origin;
    match event_type {
        None => return Some(format!("{EVENT_TYPE}: missing field")),
        Some(VIEWER_REQUEST) if origin => {
            return Some(format!("{ORIGIN}: present in a {VIEWER_REQUEST} event (only {ORIGIN_REQUEST} events carry it)"))
        }
        Some(VIEWER_REQUEST) => {}
        Some(ORIGIN_REQUEST) if !allow_origin_request => {
            return Some(format!("{EVENT_TYPE}: {ORIGIN_REQUEST} events are decided only with allow_origin_request = true (their Host header is the origin's)"))
        }
        Some(ORIGIN_REQUEST) if !origin => return Some(format!("{ORIGIN}: missing field")),
        Some(ORIGIN_REQUEST) => {}
        Some(other) => {
            let decided = if allow_origin_request {
                "viewer-request and origin-request events"
            } else {
                "viewer-request events"
            };
            return Some(format!(
                "{EVENT_TYPE}: {:?}, but this guard decides {decided}",
                truncate(other, 64)
            ));
        }
    }
    uri_problem(uri, querystring)
}

/// What is wrong with a URI and query string no CloudFront request can have (a URI not starting
/// with `/`, or both together over [`MAX_URI_AND_QUERY`]), naming the field; `None` when fine.
/// The one definition of that check: the guard refuses such a request whatever handed it over.
pub fn uri_problem(uri: &str, querystring: &str) -> Option<String> {
    if !uri.starts_with('/') {
        return Some("Records[0].cf.request.uri: does not start with \"/\"".into());
    }
    if uri.len() + querystring.len() > MAX_URI_AND_QUERY {
        return Some(format!(
            "Records[0].cf.request.uri: uri and querystring together are over {MAX_URI_AND_QUERY} bytes, more than CloudFront forwards"
        ));
    }
    None
}

/// At most `max` bytes of `text`, cut at a character boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Request {
    /// All values of a header, matched case-insensitively on the map key.
    ///
    /// CloudFront lower-cases keys, but hand-written and hostile events may not; matching every
    /// spelling means a second `Referer` cannot hide under a `Referer` key.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, values)| values.iter().map(|h| h.value.as_str()))
    }
}

/// Builds a single-valued header entry with its canonical name.
pub fn header(key: &str, value: impl Into<String>) -> Vec<Header> {
    vec![Header {
        key: Some(key.to_string()),
        value: value.into(),
    }]
}

/// The standard reason phrase for a status, so generated responses look like CloudFront's own.
pub fn status_description(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => return None,
    })
}

/// The response adapters return when they cannot even load a configuration: a bare 403 that
/// caches nowhere, so a broken deployment fails closed.
pub fn fallback_deny() -> Response {
    let mut headers = Headers::new();
    headers.insert(
        "content-type".into(),
        header("Content-Type", "text/plain; charset=utf-8"),
    );
    headers.insert("cache-control".into(), header("Cache-Control", "no-store"));
    Response {
        status: "403".into(),
        status_description: Some("Forbidden".into()),
        headers,
        body: Some("Forbidden".into()),
        body_encoding: Some("text".into()),
    }
}
