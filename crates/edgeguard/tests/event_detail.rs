//! An `event_malformed` deny names the field that is missing or wrong (`detail`), so a broken
//! event or trigger can be fixed from the log line alone. The path comes from
//! `edgeguard::json_path` (a scan of the text at serde_json's error position); here it is held
//! against `serde_path_to_error`, which tracks the path while decoding, on every field of the
//! sample events removed or given every wrong JSON type, in compact and pretty text.

use edgeguard::cloudfront::CloudFrontEvent;
use edgeguard::json_path::describe_error;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// What `serde_path_to_error` says about `text`, in the `PATH: problem` form of `describe_error`.
fn oracle(text: &str) -> Option<String> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let error = serde_path_to_error::deserialize::<_, CloudFrontEvent>(&mut reader).err()?;
    let inner = error.inner();
    let mut message = inner.to_string();
    let position = format!(" at line {} column {}", inner.line(), inner.column());
    message = message
        .strip_suffix(&position)
        .unwrap_or(&message)
        .to_string();
    let path = match error.path().to_string() {
        root if root == "." => String::new(),
        path => path,
    };
    for (prefix, problem) in [
        ("missing field `", "missing field"),
        ("duplicate field `", "duplicate field"),
    ] {
        if let Some(field) = message
            .strip_prefix(prefix)
            .and_then(|m| m.strip_suffix('`'))
        {
            let full = if path.is_empty() {
                field.to_string()
            } else {
                format!("{path}.{field}")
            };
            return Some(format!("{full}: {problem}"));
        }
    }
    Some(if path.is_empty() {
        format!("event: {message}")
    } else {
        format!("{path}: {message}")
    })
}

fn sample_events() -> Vec<(PathBuf, Value)> {
    let mut events: Vec<PathBuf> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../events"))
            .expect("events/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
    events.sort();
    events
        .into_iter()
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).expect("readable"))
                .expect("JSON");
            (p, v)
        })
        .collect()
}

/// Every variant of `value` with one member removed or one value replaced by a wrong type.
fn mutations(value: &Value) -> Vec<Value> {
    let wrong = [
        json!(null),
        json!(1),
        json!(-2.5),
        json!(true),
        json!("x"),
        json!([]),
        json!({}),
        json!([1]),
        json!({"k": 1}),
    ];
    let mut out = Vec::new();
    for replacement in &wrong {
        if replacement != value {
            out.push(replacement.clone());
        }
    }
    match value {
        Value::Object(map) => {
            for key in map.keys() {
                let mut removed = map.clone();
                removed.shift_remove(key);
                out.push(Value::Object(removed));
                for inner in mutations(&map[key]) {
                    let mut changed: Map<String, Value> = map.clone();
                    changed[key] = inner;
                    out.push(Value::Object(changed));
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                for inner in mutations(item) {
                    let mut changed = items.clone();
                    changed[i] = inner;
                    out.push(Value::Array(changed));
                }
            }
        }
        _ => {}
    }
    out
}

/// Every object of `value` with its first member written twice (JSON text; a `Value` cannot
/// hold a repeated key), found through a placeholder string.
fn duplicated_members(value: &Value) -> Vec<String> {
    const MARK: &str = "\u{1}edgeguard-placeholder";
    let mut out = Vec::new();
    let mut pointers = Vec::new();
    collect_object_pointers(value, String::new(), &mut pointers);
    for pointer in pointers {
        let mut tree = value.clone();
        let Some(slot) = tree.pointer_mut(&pointer) else {
            continue;
        };
        let object = std::mem::replace(slot, Value::from(MARK));
        let Value::Object(map) = &object else {
            continue;
        };
        let Some((key, first)) = map.iter().next() else {
            continue;
        };
        let inner = object.to_string();
        let doubled = format!("{{{}:{},{}", Value::from(key.as_str()), first, &inner[1..]);
        out.push(
            tree.to_string()
                .replace(&Value::from(MARK).to_string(), &doubled),
        );
    }
    out
}

fn collect_object_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            out.push(at.clone());
            for (k, v) in map {
                collect_object_pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_object_pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_scanned_path_agrees_with_serde_path_to_error_on_every_mutated_field() {
    let mut compared = 0;
    for (file, event) in sample_events() {
        for mutated in mutations(&event) {
            for text in [
                mutated.to_string(),
                serde_json::to_string_pretty(&mutated).unwrap(),
            ] {
                let Err(error) = serde_json::from_str::<CloudFrontEvent>(&text) else {
                    continue;
                };
                let expected = oracle(&text).expect("the oracle fails too");
                assert_eq!(
                    describe_error(&text, &error),
                    expected,
                    "{}: {text}",
                    file.display()
                );
                compared += 1;
            }
        }
    }
    assert!(
        compared > 1000,
        "only {compared} malformed variants compared"
    );
}

#[test]
fn the_scanned_path_agrees_with_serde_path_to_error_on_every_repeated_member() {
    let mut compared = 0;
    for (file, event) in sample_events() {
        for text in duplicated_members(&event) {
            let Err(error) = serde_json::from_str::<CloudFrontEvent>(&text) else {
                continue;
            };
            let expected = oracle(&text).expect("the oracle fails too");
            assert_eq!(
                describe_error(&text, &error),
                expected,
                "{}: {text}",
                file.display()
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "only {compared} repeated members compared");
}
