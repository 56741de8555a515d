//! The signed-URL sample events (events/signed-*.json) exist and their recorded outcomes say
//! what each case is about. tests/events.rs checks that the guard still produces exactly the
//! recorded outcome; this table keeps the recorded outcomes honest.

use serde_json::Value;

const CASES: [(&str, &str, Option<&str>); 10] = [
    ("signed-url-canned", "allow", None),
    ("signed-url-expired", "deny", Some("expired")),
    ("signed-url-tampered", "deny", Some("signature_invalid")),
    ("signed-url-custom-wildcard", "allow", None),
    ("signed-url-ip-mismatch", "deny", Some("ip_not_allowed")),
    ("signed-cookie", "allow", None),
    ("signed-url-sha256", "allow", None),
    ("signed-url-ecdsa", "allow", None),
    ("signed-url-missing", "deny", Some("signature_missing")),
    ("signed-share-link-foreign-referer", "allow", None),
];

fn recorded(name: &str) -> Value {
    let path = format!(
        "{}/events/expected/{name}.json",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .expect("recorded outcome is JSON")
}

#[test]
fn every_signed_case_has_an_event_and_the_intended_outcome() {
    for (name, decision, reason) in CASES {
        let event = format!(
            "{}/events/{name}.json",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
        );
        assert!(std::path::Path::new(&event).exists(), "{event} missing");
        let outcome = recorded(name);
        assert_eq!(outcome["decision"], decision, "{name}");
        assert_eq!(outcome["reason"].as_str(), reason, "{name}");
    }
}

#[test]
fn allowed_signed_url_is_forwarded_without_its_signing_parameters() {
    let outcome = recorded("signed-url-canned");
    assert_eq!(outcome["result"]["querystring"], "quality=hd");
    assert_eq!(outcome["result"]["uri"], "/private/video.mp4");
}
