//! The field-level entry point the edge bundle uses (`edge::decide_fields` on borrowed fields,
//! `FieldsOutcome::log_line`) against the whole-event one (`handle_event_json`) on every sample
//! event whose single record decodes, enforcing and in report mode: same verdict (decision and
//! enforced), same log line, byte for byte.

use edgeguard::cloudfront::{CloudFrontEvent, HandlerResult};
use edgeguard::config::load_toml;
use edgeguard::edge::{decide_fields, EventFields};
use edgeguard::guard::ReadHeaders;
use edgeguard::{handle_event_json, Guard, Label};
use std::path::Path;

/// 2026-01-01T00:00:00Z: the clock every sample event is decided at.
const NOW: i64 = 1_767_225_600;
/// The same instant plus 123 ms, for the log line's EMF `Timestamp`.
const NOW_MS: i64 = NOW * 1000 + 123;
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn read_beside_repo(rel: &str) -> Result<String, String> {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).map_err(|e| e.to_string())
}

/// The shipped guard.toml with `prefix` (top-level keys) put before it.
fn guard_with(prefix: &str) -> Guard {
    let text = format!(
        "{prefix}{}",
        read_beside_repo("guard.toml").expect("guard.toml")
    );
    let (_, config) = load_toml(&text, "guard.toml", &read_beside_repo).expect("config loads");
    Guard::new(config)
}

/// (file name, event text, the event) for every sample event the typed model decodes with
/// exactly one record.
fn decodable_samples() -> Vec<(String, String, CloudFrontEvent)> {
    let mut samples = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("events")).expect("events/ exists") {
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

/// Every decodable sample through both entry points under `guard`; the labels seen, and how
/// many samples left with a stripped query string.
fn assert_field_path_matches_whole_event(guard: &Guard) -> (Vec<Label>, usize) {
    let samples = decodable_samples();
    assert!(
        samples.len() >= 20,
        "only {} decodable samples",
        samples.len()
    );
    let mut labels = Vec::new();
    let mut stripped = 0;
    for (name, text, event) in samples {
        let cf = &event.records[0].cf;
        let request = &cf.request;
        let headers = ReadHeaders::of(request);
        let fields = EventFields {
            event_type: cf.config.event_type.as_deref(),
            request_id: cf.config.request_id.as_deref(),
            has_origin: request.origin.is_some(),
            request: headers.fields(request),
        };
        let whole = handle_event_json(guard, &text, NOW).expect("sample events are JSON");
        let decided = decide_fields(guard, &fields, NOW);
        assert_eq!(decided.verdict.label(), whole.decision, "{name}");
        // The query string the whole-event path forwards is the one the decision computed.
        if let HandlerResult::Request(forwarded) = &whole.result {
            let expected = decided.stripped_query.as_deref();
            stripped += usize::from(expected.is_some());
            let expected = expected.unwrap_or(&request.querystring);
            assert_eq!(forwarded.querystring, expected, "{name}");
        } else {
            assert_eq!(decided.stripped_query, None, "{name}");
        }
        assert_eq!(decided.verdict.decision.reason(), whole.reason, "{name}");
        let expected_line = whole.is_logged().then(|| whole.log_line(NOW_MS));
        assert_eq!(
            decided.log_line(&request.uri, fields.request_id, NOW_MS),
            expected_line,
            "{name}"
        );
        labels.push(whole.decision);
    }
    (labels, stripped)
}

#[test]
fn decide_fields_gives_every_decodable_sample_event_its_whole_event_verdict_and_log_line() {
    let (labels, _) = assert_field_path_matches_whole_event(&guard_with(""));
    assert!(labels.contains(&Label::Allow) && labels.contains(&Label::Deny));
}

#[test]
fn in_report_mode_decide_fields_gives_every_decodable_sample_event_its_would_deny_and_log_line() {
    let (labels, _) = assert_field_path_matches_whole_event(&guard_with("mode = \"report\"\n"));
    assert!(labels.contains(&Label::WouldDeny), "{labels:?}");
}

#[test]
fn the_whole_event_path_forwards_the_stripped_query_the_decision_computed() {
    let (_, stripped) = assert_field_path_matches_whole_event(&guard_with(""));
    assert!(stripped > 0, "no sample event left with a stripped query");
}
