//! Every sample event in events/ is decided with the shipped guard.toml at a fixed clock and
//! must produce exactly the outcome recorded in events/expected/<name>.json.
//!
//! To record a new event's outcome (then review it by hand):
//! `edgeguard invoke --config guard.toml --now 1767225600 --outcome events/X.json`

use crate::support::shipped_guard;
use edgeguard::handle_event_json;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// 2026-01-01T00:00:00Z: the clock every sample event is decided at.
const NOW: i64 = 1_767_225_600;

fn sample_events() -> Vec<PathBuf> {
    let mut events: Vec<PathBuf> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../events"))
            .expect("events/ exists")
            .map(|e| e.expect("readable entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
    events.sort();
    events
}

#[test]
fn every_sample_event_has_the_recorded_outcome() {
    let guard = shipped_guard();
    let mut checked = 0;
    for event in sample_events() {
        let name = event.file_name().expect("file name");
        let expected_path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../events/expected"
        ))
        .join(name);
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display())),
        )
        .expect("expected outcome is JSON");
        let text = std::fs::read_to_string(&event).expect("event readable");
        let outcome = handle_event_json(&guard, &text, NOW).expect("event is JSON");
        let actual = serde_json::to_value(&outcome).expect("outcome serialises");
        assert_eq!(actual, expected, "{}", event.display());
        checked += 1;
    }
    assert!(checked >= 9, "only {checked} sample events found");
}

#[test]
fn every_recorded_outcome_has_its_event() {
    for entry in std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/expected"
    ))
    .expect("events/expected exists")
    {
        let path = entry.expect("entry").path();
        let event = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../events"))
            .join(path.file_name().expect("name"));
        assert!(event.exists(), "{} has no event", path.display());
    }
}

#[test]
fn the_required_referer_cases_are_all_present() {
    let names: Vec<String> = sample_events()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for required in [
        "referer-allowed",
        "referer-subdomain",
        "referer-foreign",
        "referer-missing",
        "referer-malformed",
        "referer-twice",
        "path-unmatched",
        "path-dot-segment",
        "path-encoded-dot-segment",
    ] {
        assert!(
            names.iter().any(|n| n == required),
            "events/{required}.json missing"
        );
    }
}

#[test]
fn generated_responses_never_contain_json_null() {
    let guard = shipped_guard();
    for event in sample_events() {
        let text = std::fs::read_to_string(&event).expect("event readable");
        let outcome = handle_event_json(&guard, &text, NOW).expect("event is JSON");
        let result = serde_json::to_string(&outcome.result).expect("serialises");
        assert!(!result.contains("null"), "{}: {result}", event.display());
    }
}
