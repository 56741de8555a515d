//! Event JSON in, handler JSON out: the one entry point every adapter (CLI `invoke`, the
//! `bootstrap` Lambda, the WebAssembly export) shares, so they cannot disagree.

use crate::cloudfront::{event_problem, truncate, CloudFrontEvent, HandlerResult};
use crate::decision::{Decision, Label, Reason, Verdict};
use crate::guard::{Guard, ReadHeaders, RequestFields, MAX_URI_AND_QUERY};
use crate::json_path;
use crate::metrics;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest `detail` an outcome carries: enough for any JSON path of the event model and serde's
/// message, while a hostile header name or value cannot blow up a log line.
pub const MAX_DETAIL_BYTES: usize = 256;

/// Everything an adapter needs after one invocation: what to return and what to log.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// `allow`, `deny` or `would_deny` (a deny in report mode: the request goes on unchanged).
    pub decision: Label,
    /// Deny reason code, absent on allow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Index of the rule that applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<usize>,
    /// The request URI, for logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// CloudFront's request ID, for logs.
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `event_malformed`: the JSON path of the field that is missing or wrong and what is
    /// wrong with it, e.g. `Records[0].cf.request.querystring: missing field`, so an operator
    /// can fix the event (or the trigger) from the log line alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The value the handler returns to CloudFront.
    pub result: HandlerResult,
    /// The log line to print verbatim, when an adapter asked for it with [`Outcome::logged`]
    /// (the edge bundle's JavaScript prints this text and builds nothing itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

impl Outcome {
    fn new(guard: &Guard, verdict: Verdict, result: Option<HandlerResult>) -> Self {
        let label = verdict.label();
        let (reason, rule) = match verdict.decision {
            Decision::Allow { rule, .. } => (None, Some(rule)),
            Decision::Deny { rule, reason } => (Some(reason), rule),
        };
        Outcome {
            decision: label,
            reason,
            rule,
            uri: None,
            request_id: None,
            detail: None,
            result: result.unwrap_or_else(|| guard.deny_response()),
            log: None,
        }
    }

    /// Whether adapters print a log line for this outcome: every deny and every would-deny.
    pub fn is_logged(&self) -> bool {
        self.decision != Label::Allow
    }

    /// The one-line JSON log record for this outcome at `now_ms` (epoch milliseconds): the
    /// decision, reason, rule, uri and requestId (`detail` only when there is one), and for a
    /// deny or would-deny the CloudWatch Embedded Metric Format members (see [`metrics`]).
    /// Adapters print it for [`Outcome::is_logged`] outcomes.
    pub fn log_line(&self, now_ms: i64) -> String {
        log_record(
            self.decision,
            self.reason,
            self.rule,
            self.uri.as_deref(),
            self.request_id.as_deref(),
            self.detail.as_deref(),
            now_ms,
        )
    }

    /// This outcome with [`Outcome::log`] filled when it is logged, for adapters that hand the
    /// outcome across a boundary (the WebAssembly export) and must print exactly Rust's line.
    pub fn logged(mut self, now_ms: i64) -> Self {
        self.log = self.is_logged().then(|| self.log_line(now_ms));
        self
    }
}

/// The log line of an adapter that has no guard to ask (its config did not load): an enforced
/// `internal_error` deny, in the same shape as [`Outcome::log_line`].
pub fn internal_error_log_line(
    request_id: Option<&str>,
    detail: Option<&str>,
    now_ms: i64,
) -> String {
    log_record(
        Label::Deny,
        Some(Reason::InternalError),
        None,
        None,
        request_id,
        detail.map(|d| truncate(d, MAX_DETAIL_BYTES)),
        now_ms,
    )
}

/// The one log record shape (see [`Outcome::log_line`]): fields in this order, `detail` only
/// when there is one, then the EMF members of a deny or would-deny.
#[derive(Serialize)]
struct LogRecord<'a> {
    decision: Label,
    reason: Option<Reason>,
    rule: Option<usize>,
    uri: Option<&'a str>,
    #[serde(rename = "requestId")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    emf: Option<metrics::EmfMembers>,
}

/// Writes the one log record (see [`LogRecord`]) as one line of JSON.
fn log_record(
    label: Label,
    reason: Option<Reason>,
    rule: Option<usize>,
    uri: Option<&str>,
    request_id: Option<&str>,
    detail: Option<&str>,
    now_ms: i64,
) -> String {
    let record = LogRecord {
        decision: label,
        reason,
        rule,
        uri,
        request_id,
        detail,
        emf: metrics::emf_members(label, reason, rule, now_ms),
    };
    // Serialising plain strings, numbers and options cannot fail; fall back to a minimal line.
    serde_json::to_string(&record)
        .unwrap_or_else(|_| format!("{{\"decision\":\"{}\"}}", label.code()))
}

/// The event was not JSON at all (a caller error, not a request to decide).
#[derive(Debug)]
pub struct NotJson(pub serde_json::Error);

impl std::fmt::Display for NotJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event is not JSON: {}", self.0)
    }
}

impl std::error::Error for NotJson {}

/// Decides a raw event. A JSON document that is not a viewer-request event is a deny
/// (`event_malformed`, with a `detail` naming the field); only text that is not JSON is an error.
///
/// The text is decoded straight into the typed event (no intermediate `Value`): this is the hot
/// path of every invocation. Only when that fails is the text parsed again, to tell "not JSON"
/// from "JSON of the wrong shape", and scanned to name the offending field.
pub fn handle_event_json(guard: &Guard, event: &str, now: i64) -> Result<Outcome, NotJson> {
    match serde_json::from_str::<CloudFrontEvent>(event) {
        Ok(event) => Ok(decide_event(guard, event, now)),
        Err(shape) => match serde_json::from_str::<Value>(event) {
            Ok(value) => Ok(malformed_event(
                guard,
                json_path::describe_error(event, &shape),
                &value,
            )),
            Err(e) => Err(NotJson(e)),
        },
    }
}

/// Decides an already-parsed event, failing closed on any shape problem.
pub fn handle_event_value(guard: &Guard, event: Value, now: i64) -> Outcome {
    match CloudFrontEvent::deserialize(&event) {
        Ok(parsed) => decide_event(guard, parsed, now),
        Err(_) => {
            // Rare: the text form carries the positions the detail is derived from.
            let text = event.to_string();
            let detail = match serde_json::from_str::<CloudFrontEvent>(&text) {
                Err(shape) => json_path::describe_error(&text, &shape),
                Ok(_) => "event: not a Lambda@Edge event".into(),
            };
            malformed_event(guard, detail, &event)
        }
    }
}

/// The deny for an event that did not decode, with its URI and request ID for the log when
/// they are there to be read (so the line can still be matched to CloudFront's own logs).
fn malformed_event(guard: &Guard, detail: String, event: &Value) -> Outcome {
    let text_at = |pointer: &str| {
        event
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(|s| truncate(s, MAX_URI_AND_QUERY).to_string())
    };
    let mut outcome = malformed(guard, detail);
    outcome.uri = text_at("/Records/0/cf/request/uri");
    outcome.request_id = text_at("/Records/0/cf/config/requestId");
    outcome
}

fn malformed(guard: &Guard, detail: String) -> Outcome {
    let mut outcome = Outcome::new(
        guard,
        Verdict::enforced(Decision::deny(Reason::EventMalformed)),
        None,
    );
    outcome.detail = Some(truncate(&detail, MAX_DETAIL_BYTES).to_string());
    outcome
}

/// The fields of one Lambda@Edge record the guard reads, borrowed: what the edge bundle's
/// JavaScript extracts from an event it has checked has the model's shape (exactly one record,
/// every field of the right type), so the event need not be serialised to be decided.
#[derive(Debug, Clone, Copy)]
pub struct EventFields<'a> {
    /// `Records[0].cf.config.eventType`, `None` when absent.
    pub event_type: Option<&'a str>,
    /// `Records[0].cf.config.requestId`, for the log line.
    pub request_id: Option<&'a str>,
    /// Whether `Records[0].cf.request.origin` is present.
    pub has_origin: bool,
    /// The request fields the decision reads.
    pub request: RequestFields<'a>,
}

/// The verdict on one record's fields, before any handler result is built: what
/// [`decide_fields`] returns and [`handle_event_json`] turns into an [`Outcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldsOutcome {
    /// Allow or deny, with rule and reason, and whether a deny is enforced (report mode).
    pub verdict: Verdict,
    /// For `event_malformed`: which field is wrong (the outcome's `detail`).
    pub detail: Option<String>,
    /// On an allow that strips: the query string to forward, the decision's
    /// [`crate::guard::FieldsDecision::stripped_query`] (never on a deny, enforced or not: a
    /// would-deny goes on unchanged). Adapters forward this value rather than strip again.
    pub stripped_query: Option<String>,
}

/// Decides one record from its fields: the record-level checks ([`event_problem`]) and then
/// [`Guard::decide_fields`]. Every adapter reaches the decision through here, the full-event
/// path ([`handle_event_json`]) included, so the two cannot disagree.
pub fn decide_fields(guard: &Guard, fields: &EventFields<'_>, now: i64) -> FieldsOutcome {
    let request = &fields.request;
    let problem = event_problem(
        fields.event_type,
        fields.has_origin,
        request.uri,
        request.querystring,
        guard.config().allow_origin_request,
    );
    match problem {
        Some(problem) => FieldsOutcome {
            verdict: Verdict::enforced(Decision::deny(Reason::EventMalformed)),
            detail: Some(truncate(&problem, MAX_DETAIL_BYTES).to_string()),
            stripped_query: None,
        },
        None => {
            let decided = guard.decide_fields(request, now);
            FieldsOutcome {
                verdict: decided.verdict,
                detail: None,
                stripped_query: decided.stripped_query,
            }
        }
    }
}

impl FieldsOutcome {
    /// The outcome of this verdict for the record with this URI and request ID: `passed` is
    /// what a request that goes on returns (an allow, with
    /// [`FieldsOutcome::stripped_query`] when there is one, or a would-deny, unchanged); an enforced
    /// deny, or a passing verdict without one, returns the configured deny response.
    pub fn into_outcome(
        self,
        guard: &Guard,
        uri: &str,
        request_id: Option<&str>,
        passed: Option<HandlerResult>,
    ) -> Outcome {
        let result = if self.verdict.passes() { passed } else { None };
        let mut outcome = Outcome::new(guard, self.verdict, result);
        outcome.detail = self.detail;
        outcome.uri = Some(uri.to_string());
        outcome.request_id = request_id.map(str::to_string);
        outcome
    }

    /// The log line ([`Outcome::log_line`] at `now_ms`) of this verdict for the record with this
    /// URI and request ID, `None` when it is not logged (an allow). For adapters that answer from
    /// the verdict alone (the edge bundle's field path): no handler result is built, since the
    /// line does not show it.
    pub fn log_line(self, uri: &str, request_id: Option<&str>, now_ms: i64) -> Option<String> {
        let label = self.verdict.label();
        if label == Label::Allow {
            return None;
        }
        let (reason, rule) = match self.verdict.decision {
            Decision::Allow { rule, .. } => (None, Some(rule)),
            Decision::Deny { rule, reason } => (Some(reason), rule),
        };
        Some(log_record(
            label,
            reason,
            rule,
            Some(uri),
            request_id,
            self.detail.as_deref(),
            now_ms,
        ))
    }
}

fn decide_event(guard: &Guard, event: CloudFrontEvent, now: i64) -> Outcome {
    let count = event.records.len();
    let mut records = event.records.into_iter();
    let (Some(record), None) = (records.next(), records.next()) else {
        return malformed(
            guard,
            format!("Records: {count} records, Lambda@Edge sends exactly one"),
        );
    };
    let cf = record.cf;
    let mut request = cf.request;
    let mut decided = {
        let headers = ReadHeaders::of(&request);
        let fields = EventFields {
            event_type: cf.config.event_type.as_deref(),
            request_id: cf.config.request_id.as_deref(),
            has_origin: request.origin.is_some(),
            request: headers.fields(&request),
        };
        decide_fields(guard, &fields, now)
    };
    let uri = request.uri.clone();
    if let Some(query) = decided.stripped_query.take() {
        request.querystring = query;
    }
    let passed = HandlerResult::Request(Box::new(request));
    decided.into_outcome(guard, &uri, cf.config.request_id.as_deref(), Some(passed))
}
