//! The field-level entry point the edge bundle uses (`edge::decide_fields` on borrowed fields,
//! `Verdict::log_line`) against the whole-event one (`handle_event_json`) on every sample event
//! whose single record decodes: same decision, same deny log line, byte for byte.

use edgeguard::cloudfront::{CloudFrontEvent, Request};
use edgeguard::edge::{decide_fields, EventFields};
use edgeguard::guard::RequestFields;
use edgeguard::{config, handle_event_json, Guard};
use std::path::Path;

/// 2026-01-01T00:00:00Z: the clock every sample event is decided at.
const NOW: i64 = 1_767_225_600;

fn shipped_guard() -> Guard {
    let (_, config) = config::load_file(Path::new("guard.toml")).expect("guard.toml loads");
    Guard::new(config)
}

/// (file name, event text, the one record's config and request) for every sample event the
/// typed model decodes with exactly one record.
fn decodable_samples() -> Vec<(String, String, CloudFrontEvent)> {
    let mut samples = Vec::new();
    for entry in std::fs::read_dir("events").expect("events/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable event");
        if let Ok(event) = serde_json::from_str::<CloudFrontEvent>(&text) {
            if event.records.len() == 1 {
                samples.push((path.display().to_string(), text, event));
            }
        }
    }
    samples.sort_by(|a, b| a.0.cmp(&b.0));
    samples
}

fn values<'a>(request: &'a Request, name: &'a str) -> Vec<&'a str> {
    request.header_values(name).collect()
}

#[test]
fn decide_fields_gives_every_decodable_sample_event_its_whole_event_decision_and_log_line() {
    let guard = shipped_guard();
    let samples = decodable_samples();
    assert!(
        samples.len() >= 20,
        "only {} decodable samples",
        samples.len()
    );
    for (name, text, event) in samples {
        let cf = &event.records[0].cf;
        let request = &cf.request;
        let (referer, cookie, host) = (
            values(request, "referer"),
            values(request, "cookie"),
            values(request, "host"),
        );
        let fields = EventFields {
            event_type: cf.config.event_type.as_deref(),
            request_id: cf.config.request_id.as_deref(),
            has_origin: request.origin.is_some(),
            request: RequestFields {
                uri: &request.uri,
                querystring: &request.querystring,
                client_ip: &request.client_ip,
                referer: &referer,
                cookie: &cookie,
                host: &host,
            },
        };
        let whole = handle_event_json(&guard, &text, NOW).expect("sample events are JSON");
        let verdict = decide_fields(&guard, &fields, NOW);
        assert_eq!(verdict.decision.reason(), whole.reason, "{name}");
        let expected_line = (whole.decision != "allow").then(|| whole.log_line());
        assert_eq!(
            verdict.log_line(&request.uri, fields.request_id),
            expected_line,
            "{name}"
        );
    }
}
