//! Event JSON in, handler JSON out: the one entry point every adapter (CLI `invoke`, the
//! `bootstrap` Lambda, the WebAssembly export) shares, so they cannot disagree.

use crate::cloudfront::{CloudFrontEvent, HandlerResult};
use crate::decision::{Decision, Reason};
use crate::guard::Guard;
use serde::Serialize;
use serde_json::Value;

/// Everything an adapter needs after one invocation: what to return and what to log.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// `allow` or `deny`.
    pub decision: &'static str,
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
    /// The value the handler returns to CloudFront.
    pub result: HandlerResult,
}

impl Outcome {
    fn new(guard: &Guard, decision: Decision, result: Option<HandlerResult>) -> Self {
        let (label, reason, rule) = match &decision {
            Decision::Allow { rule, .. } => ("allow", None, Some(*rule)),
            Decision::Deny { rule, reason } => ("deny", Some(*reason), *rule),
        };
        Outcome {
            decision: label,
            reason,
            rule,
            uri: None,
            request_id: None,
            result: result.unwrap_or_else(|| guard.deny_response()),
        }
    }

    /// The one-line JSON log record adapters print for a deny.
    pub fn log_line(&self) -> String {
        serde_json::json!({
            "decision": self.decision,
            "reason": self.reason,
            "uri": self.uri,
            "requestId": self.request_id,
        })
        .to_string()
    }
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
/// (`event_malformed`); only text that is not JSON is an error.
///
/// The text is decoded straight into the typed event (no intermediate `Value`): this is the hot
/// path of every invocation. Only when that fails is the text parsed again, to tell "not JSON"
/// from "JSON of the wrong shape".
pub fn handle_event_json(guard: &Guard, event: &str, now: i64) -> Result<Outcome, NotJson> {
    match serde_json::from_str::<CloudFrontEvent>(event) {
        Ok(event) => Ok(decide_event(guard, event, now)),
        Err(_) => match serde_json::from_str::<serde::de::IgnoredAny>(event) {
            Ok(_) => Ok(malformed(guard)),
            Err(e) => Err(NotJson(e)),
        },
    }
}

/// Decides an already-parsed event, failing closed on any shape problem.
pub fn handle_event_value(guard: &Guard, event: Value, now: i64) -> Outcome {
    match serde_json::from_value(event) {
        Ok(event) => decide_event(guard, event, now),
        Err(_) => malformed(guard),
    }
}

fn malformed(guard: &Guard) -> Outcome {
    Outcome::new(guard, Decision::deny(Reason::EventMalformed), None)
}

fn decide_event(guard: &Guard, event: CloudFrontEvent, now: i64) -> Outcome {
    let mut records = event.records.into_iter();
    let (Some(record), None) = (records.next(), records.next()) else {
        return malformed(guard);
    };
    let uri = record.cf.request.uri.clone();
    let request_id = record.cf.config.request_id;
    let (decision, result) = guard.respond(record.cf.request, now);
    let mut outcome = Outcome::new(guard, decision, Some(result));
    outcome.uri = Some(uri);
    outcome.request_id = request_id;
    outcome
}
