//! A viewer-request guard decides viewer-request events only (and origin-request events when
//! the config says `allow_origin_request = true`); any other event, and any event with a field
//! missing or of the wrong type, is `event_malformed` with a `detail` naming the field.

use crate::support::guard_from;
use edgeguard::edge::{handle_event_value, MAX_DETAIL_BYTES};
use edgeguard::{config, handle_event_json, Guard, Outcome, Reason};
use serde_json::{json, Value};

const NOW: i64 = 1_767_225_600;

fn shipped() -> Guard {
    guard_from(include_str!("../../../guard.toml"))
}

fn with_origin_requests() -> Guard {
    guard_from(&format!(
        "allow_origin_request = true\n{}",
        include_str!("../../../guard.toml")
    ))
}

fn sample(name: &str) -> Value {
    let path = format!(
        "{}/events/{name}",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("sample event")).expect("JSON")
}

/// The event decided from its text and from its parsed form (the bootstrap's path): both must
/// say the same, so one outcome is returned.
fn decide(guard: &Guard, event: &Value) -> Outcome {
    let from_text = handle_event_json(guard, &event.to_string(), NOW).expect("JSON");
    let from_value = handle_event_value(guard, event.clone(), NOW);
    assert_eq!(
        serde_json::to_value(&from_text).unwrap(),
        serde_json::to_value(&from_value).unwrap()
    );
    from_text
}

fn assert_malformed(outcome: &Outcome, detail: &str) {
    assert_eq!(outcome.reason, Some(Reason::EventMalformed), "{outcome:?}");
    assert_eq!(outcome.detail.as_deref(), Some(detail));
    assert_eq!(outcome.result, shipped().deny_response());
}

/// referer-allowed.json (allowed as a viewer-request) with `edit` applied.
fn allowed_image_request_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut event = sample("referer-allowed.json");
    edit(&mut event);
    event
}

#[test]
fn a_viewer_request_event_is_decided_on_its_merits() {
    let outcome = decide(&shipped(), &sample("referer-allowed.json"));
    assert_eq!(outcome.decision, "allow");
    assert_eq!(outcome.detail, None);
}

#[test]
fn a_viewer_response_event_is_malformed_though_its_request_would_be_allowed() {
    let outcome = decide(&shipped(), &sample("viewer-response.json"));
    assert_malformed(
        &outcome,
        r#"Records[0].cf.config.eventType: "viewer-response", but this guard decides viewer-request events"#,
    );
    assert_eq!(outcome.uri.as_deref(), Some("/images/cat.jpg"));
    assert_eq!(
        outcome.request_id.as_deref(),
        Some("edgeguard-sample-viewer-response")
    );
}

#[test]
fn an_origin_response_event_is_malformed_even_when_origin_requests_are_allowed() {
    assert_malformed(
        &decide(&with_origin_requests(), &sample("origin-response.json")),
        r#"Records[0].cf.config.eventType: "origin-response", but this guard decides viewer-request and origin-request events"#,
    );
}

#[test]
fn an_origin_request_event_is_malformed_unless_the_config_opts_in() {
    assert_malformed(
        &decide(&shipped(), &sample("origin-request.json")),
        "Records[0].cf.config.eventType: origin-request events are decided only with allow_origin_request = true (their Host header is the origin's)",
    );
}

#[test]
fn with_allow_origin_request_an_origin_request_event_is_decided_on_its_merits() {
    let guard = with_origin_requests();
    assert_eq!(
        decide(&guard, &sample("origin-request.json")).decision,
        "allow"
    );
    let foreign = {
        let mut e = sample("origin-request.json");
        e["Records"][0]["cf"]["request"]["headers"]["referer"][0]["value"] =
            json!("https://evil.example.net/");
        e
    };
    assert_eq!(
        decide(&guard, &foreign).reason,
        Some(Reason::RefererNotAllowed)
    );
}

#[test]
fn an_origin_request_event_without_its_origin_is_malformed() {
    let mut event = sample("origin-request.json");
    event["Records"][0]["cf"]["request"]
        .as_object_mut()
        .unwrap()
        .remove("origin");
    assert_malformed(
        &decide(&with_origin_requests(), &event),
        "Records[0].cf.request.origin: missing field",
    );
}

#[test]
fn a_viewer_request_event_carrying_an_origin_is_malformed() {
    let event = allowed_image_request_with(|e| {
        e["Records"][0]["cf"]["request"]["origin"] =
            json!({"s3": {"domainName": "b.s3.amazonaws.com"}});
    });
    assert_malformed(
        &decide(&with_origin_requests(), &event),
        "Records[0].cf.request.origin: present in a viewer-request event (only origin-request events carry it)",
    );
}

#[test]
fn an_event_without_an_event_type_is_malformed() {
    // Every event CloudFront sends names its trigger; SAM's generated samples do not.
    assert_malformed(
        &decide(&shipped(), &sample("sam-generated-missing-eventtype.json")),
        "Records[0].cf.config.eventType: missing field",
    );
}

#[test]
fn sam_generated_samples_name_the_field_they_lack() {
    for (file, detail) in [
        (
            "sam-generated-missing-querystring.json",
            "Records[0].cf.request.querystring: missing field",
        ),
        (
            "sam-generated-missing-clientip.json",
            "Records[0].cf.request.clientIp: missing field",
        ),
        (
            "sam-generated-missing-eventtype.json",
            "Records[0].cf.config.eventType: missing field",
        ),
    ] {
        let outcome = decide(&shipped(), &sample(file));
        assert_malformed(&outcome, detail);
        assert_eq!(outcome.uri.as_deref(), Some("/test"), "{file}");
    }
}

/// Removes the member at a JSON pointer.
fn without(pointer: &str) -> Value {
    allowed_image_request_with(|e| {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        e.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key);
    })
}

/// Replaces the value at a JSON pointer.
fn replaced(pointer: &str, value: Value) -> Value {
    allowed_image_request_with(|e| *e.pointer_mut(pointer).unwrap() = value)
}

#[test]
fn every_required_field_that_is_missing_is_named() {
    for (pointer, detail) in [
        ("/Records", "Records: missing field"),
        ("/Records/0/cf", "Records[0].cf: missing field"),
        (
            "/Records/0/cf/config",
            "Records[0].cf.config: missing field",
        ),
        (
            "/Records/0/cf/request",
            "Records[0].cf.request: missing field",
        ),
        (
            "/Records/0/cf/request/clientIp",
            "Records[0].cf.request.clientIp: missing field",
        ),
        (
            "/Records/0/cf/request/headers",
            "Records[0].cf.request.headers: missing field",
        ),
        (
            "/Records/0/cf/request/method",
            "Records[0].cf.request.method: missing field",
        ),
        (
            "/Records/0/cf/request/querystring",
            "Records[0].cf.request.querystring: missing field",
        ),
        (
            "/Records/0/cf/request/uri",
            "Records[0].cf.request.uri: missing field",
        ),
        (
            "/Records/0/cf/request/headers/referer/0/value",
            "Records[0].cf.request.headers.referer[0].value: missing field",
        ),
        (
            "/Records/0/cf/config/eventType",
            "Records[0].cf.config.eventType: missing field",
        ),
    ] {
        assert_malformed(&decide(&shipped(), &without(pointer)), detail);
    }
}

#[test]
fn every_field_of_the_wrong_type_is_named_with_what_was_expected() {
    for (pointer, value, detail) in [
        ("/Records", json!({}), "Records: invalid type: map, expected a sequence"),
        ("/Records/0", json!("x"), r#"Records[0]: invalid type: string "x", expected struct CloudFrontRecord"#),
        ("/Records/0/cf/request/clientIp", json!(203), "Records[0].cf.request.clientIp: invalid type: integer `203`, expected a string"),
        ("/Records/0/cf/request/querystring", json!(null), "Records[0].cf.request.querystring: invalid type: null, expected a string"),
        ("/Records/0/cf/request/headers", json!([]), "Records[0].cf.request.headers: invalid type: sequence, expected a map"),
        ("/Records/0/cf/request/headers/referer", json!({"value": "https://example.com/"}), "Records[0].cf.request.headers.referer: invalid type: map, expected a sequence"),
        ("/Records/0/cf/request/headers/referer/0/value", json!(["https://example.com/"]), "Records[0].cf.request.headers.referer[0].value: invalid type: sequence, expected a string"),
        ("/Records/0/cf/config/eventType", json!(true), "Records[0].cf.config.eventType: invalid type: boolean `true`, expected a string"),
        ("/Records/0/cf/config/eventType", json!("viewer-requests"), r#"Records[0].cf.config.eventType: "viewer-requests", but this guard decides viewer-request events"#),
        ("/Records/0/cf/request/uri", json!("images/cat.jpg"), r#"Records[0].cf.request.uri: does not start with "/""#),
    ] {
        assert_malformed(&decide(&shipped(), &replaced(pointer, value)), detail);
    }
}

#[test]
fn an_event_that_is_not_an_object_is_named_as_the_event() {
    for (event, detail) in [
        (
            json!(null),
            "event: invalid type: null, expected struct CloudFrontEvent",
        ),
        (
            json!("GET /images/cat.jpg"),
            r#"event: invalid type: string "GET /images/cat.jpg", expected struct CloudFrontEvent"#,
        ),
        (json!({"hello": "world"}), "Records: missing field"),
    ] {
        let outcome = decide(&shipped(), &event);
        assert_malformed(&outcome, detail);
        assert_eq!(outcome.uri, None);
    }
}

#[test]
fn a_number_of_records_other_than_one_is_named() {
    let record = sample("referer-allowed.json")["Records"][0].clone();
    for (records, detail) in [
        (
            json!([]),
            "Records: 0 records, Lambda@Edge sends exactly one",
        ),
        (
            json!([record.clone(), record]),
            "Records: 2 records, Lambda@Edge sends exactly one",
        ),
    ] {
        assert_malformed(&decide(&shipped(), &json!({"Records": records})), detail);
    }
}

#[test]
fn a_repeated_field_is_named() {
    let text = sample("referer-allowed.json").to_string().replacen(
        r#""uri":"/images/cat.jpg""#,
        r#""uri":"/images/cat.jpg","uri":"/private/x""#,
        1,
    );
    let outcome = handle_event_json(&shipped(), &text, NOW).unwrap();
    assert_malformed(&outcome, "Records[0].cf.request.uri: duplicate field");
}

#[test]
fn a_uri_and_query_over_cloudfronts_limit_is_named() {
    let event = replaced("/Records/0/cf/request/querystring", json!("q".repeat(9000)));
    let detail = decide(&shipped(), &event).detail.unwrap();
    assert!(
        detail.starts_with(
            "Records[0].cf.request.uri: uri and querystring together are over 8192 bytes"
        ),
        "{detail}"
    );
}

#[test]
fn the_detail_is_bounded_whatever_the_event_holds() {
    let name = "x".repeat(10_000);
    let event = allowed_image_request_with(|e| {
        e["Records"][0]["cf"]["request"]["headers"][&name] = json!([{"value": 1}]);
    });
    let detail = decide(&shipped(), &event).detail.unwrap();
    assert!(detail.len() <= MAX_DETAIL_BYTES, "{} bytes", detail.len());
    assert!(
        detail.starts_with("Records[0].cf.request.headers.xxx"),
        "{detail}"
    );
}

#[test]
fn the_deny_log_line_carries_the_detail_and_other_denies_have_none() {
    let malformed: Value = serde_json::from_str(
        &decide(
            &shipped(),
            &sample("sam-generated-missing-querystring.json"),
        )
        .log_line(1_767_225_600_123),
    )
    .unwrap();
    // Changed with report mode and metrics: the line also names the rule and carries the
    // CloudWatch Embedded Metric Format members.
    assert_eq!(
        malformed,
        json!({"decision": "deny", "reason": "event_malformed", "rule": null, "uri": "/test",
               "requestId": null, "detail": "Records[0].cf.request.querystring: missing field",
               "_aws": {"Timestamp": 1_767_225_600_123_i64, "CloudWatchMetrics": [{
                   "Namespace": "edgeguard", "Dimensions": [["Reason", "Rule"]],
                   "Metrics": [{"Name": "Denied", "Unit": "Count"}]}]},
               "Reason": "event_malformed", "Rule": "none", "Denied": 1})
    );
    let foreign: Value =
        serde_json::from_str(&decide(&shipped(), &sample("referer-foreign.json")).log_line(0))
            .unwrap();
    assert!(foreign.get("detail").is_none(), "{foreign}");
}

#[test]
fn allow_origin_request_survives_the_bundle_config_the_edge_bundle_loads() {
    let (raw, _) = config::load_toml(
        "allow_origin_request = true\n[[rules]]\npaths = [\"/*\"]\n",
        "t.toml",
        &|_: &str| Err("no files".to_string()),
    )
    .unwrap();
    let bundle = serde_json::to_string(&raw).unwrap();
    assert!(
        config::load_bundle_json(&bundle)
            .unwrap()
            .allow_origin_request
    );
    let (raw, _) = config::load_toml("[[rules]]\npaths = [\"/*\"]\n", "t.toml", &|_: &str| {
        Err("no files".to_string())
    })
    .unwrap();
    assert!(!serde_json::to_string(&raw)
        .unwrap()
        .contains("allow_origin_request"));
}

#[test]
fn allow_origin_request_must_be_a_boolean() {
    let error = config::load_toml(
        "allow_origin_request = \"yes\"\n[[rules]]\npaths = [\"/*\"]\n",
        "t.toml",
        &|_: &str| Err("no files".to_string()),
    )
    .unwrap_err();
    assert!(error.to_string().contains("boolean"), "{error}");
}
