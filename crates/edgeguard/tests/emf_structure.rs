//! Deny and would-deny log lines are valid CloudWatch Embedded Metric Format documents, checked
//! rule by rule against the published specification
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>).

use crate::support;
use edgeguard::edge::internal_error_log_line;
use edgeguard::{handle_event_json, Guard, Reason};
use serde_json::{json, Value};

const NOW: i64 = 1_767_225_600;
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// CloudWatch's StandardUnit values (MetricDatum.Unit).
const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// Every rule of the specification an EMF document must meet; the first broken one.
fn emf_violation(line: &str) -> Option<String> {
    // Root node: the LogEvent message is one JSON object, nothing before or after it.
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(line) else {
        return Some("the message is not exactly one JSON object".into());
    };
    // Root node MUST contain the `_aws` metadata object.
    let Some(Value::Object(aws)) = root.get("_aws") else {
        return Some("no `_aws` object on the root node".into());
    };
    // Metadata: `Timestamp`, a number of milliseconds since the epoch.
    match aws.get("Timestamp") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|t| t >= 0) => {}
        _ => return Some("`_aws.Timestamp` is not a number of epoch milliseconds".into()),
    }
    // Metadata: `CloudWatchMetrics`, an array of MetricDirective objects.
    let Some(Value::Array(directives)) = aws.get("CloudWatchMetrics") else {
        return Some("`_aws.CloudWatchMetrics` is not an array".into());
    };
    if directives.is_empty() {
        return Some("no MetricDirective".into());
    }
    for directive in directives {
        let Value::Object(directive) = directive else {
            return Some("a MetricDirective is not an object".into());
        };
        // MetricDirective: `Namespace`, a string of 1 to 255 characters.
        match directive.get("Namespace") {
            Some(Value::String(ns)) if (1..=255).contains(&ns.chars().count()) => {}
            _ => return Some("`Namespace` is not a 1-255 character string".into()),
        }
        // MetricDirective: `Dimensions`, an array of DimensionSets.
        let Some(Value::Array(sets)) = directive.get("Dimensions") else {
            return Some("`Dimensions` is not an array".into());
        };
        for set in sets {
            // DimensionSet: an array of strings, at most 30, each naming a root member whose
            // value is a string (dimension values are strings).
            let Value::Array(names) = set else {
                return Some("a DimensionSet is not an array".into());
            };
            if names.len() > 30 {
                return Some("a DimensionSet has more than 30 dimensions".into());
            }
            for name in names {
                let Value::String(name) = name else {
                    return Some("a dimension reference is not a string".into());
                };
                match root.get(name) {
                    Some(Value::String(value)) if !value.is_empty() => {}
                    _ => return Some(format!("dimension {name} is not a non-empty string member")),
                }
            }
        }
        // MetricDirective: `Metrics`, an array of at most 100 MetricDefinitions.
        let Some(Value::Array(metrics)) = directive.get("Metrics") else {
            return Some("`Metrics` is not an array".into());
        };
        if metrics.len() > 100 {
            return Some("more than 100 MetricDefinitions".into());
        }
        for metric in metrics {
            let Value::Object(metric) = metric else {
                return Some("a MetricDefinition is not an object".into());
            };
            // MetricDefinition: `Name` references a root member whose value is a number or an
            // array of at most 100 numbers.
            let Some(Value::String(name)) = metric.get("Name") else {
                return Some("a MetricDefinition has no string `Name`".into());
            };
            match root.get(name) {
                Some(Value::Number(_)) => {}
                Some(Value::Array(values))
                    if values.len() <= 100 && values.iter().all(Value::is_number) => {}
                _ => return Some(format!("metric {name} is not a numeric member")),
            }
            // MetricDefinition: `Unit`, optional, one of CloudWatch's units.
            match metric.get("Unit") {
                None => {}
                Some(Value::String(unit)) if UNITS.contains(&unit.as_str()) => {}
                _ => return Some(format!("metric {name} has an invalid Unit")),
            }
            // MetricDefinition: `StorageResolution`, optional, 1 or 60.
            match metric.get("StorageResolution") {
                None => {}
                Some(v) if v == &json!(1) || v == &json!(60) => {}
                _ => return Some(format!("metric {name} has an invalid StorageResolution")),
            }
        }
    }
    None
}

fn guard(prefix: &str) -> Guard {
    support::guard_from(&format!("{prefix}{}", support::read_repo("guard.toml")))
}

fn logged_lines(guard: &Guard) -> Vec<(String, String)> {
    std::fs::read_dir(format!("{ROOT}/events"))
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).ok()?;
            let outcome = handle_event_json(guard, &text, NOW).ok()?;
            outcome
                .is_logged()
                .then(|| (path.display().to_string(), outcome.log_line(NOW * 1000 + 5)))
        })
        .collect()
}

#[test]
fn every_deny_line_of_the_sample_events_is_valid_emf() {
    let lines = logged_lines(&guard(""));
    assert!(lines.len() >= 10, "{} deny lines", lines.len());
    for (event, line) in lines {
        assert_eq!(emf_violation(&line), None, "{event}: {line}");
        let record: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["Denied"], 1, "{event}");
    }
}

#[test]
fn every_would_deny_line_is_valid_emf_and_counts_would_deny() {
    let lines = logged_lines(&guard("mode = \"report\"\n"));
    for (event, line) in lines {
        assert_eq!(emf_violation(&line), None, "{event}: {line}");
        let record: Value = serde_json::from_str(&line).unwrap();
        let metric = if record["decision"] == "would_deny" {
            "WouldDeny"
        } else {
            "Denied"
        };
        assert_eq!(record[metric], 1, "{event}");
        assert_eq!(
            record["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            metric
        );
    }
}

#[test]
fn the_line_of_a_guard_without_config_is_valid_emf() {
    let line = internal_error_log_line(Some("req-1"), Some("config not loaded"), NOW * 1000);
    assert_eq!(emf_violation(&line), None, "{line}");
}

#[test]
fn the_dimensions_are_reason_and_rule_with_the_reason_code_and_rule_index() {
    let lines = logged_lines(&guard(""));
    let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
    for (event, line) in lines {
        let record: Value = serde_json::from_str(&line).unwrap();
        let directive = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "edgeguard");
        assert_eq!(directive["Dimensions"], json!([["Reason", "Rule"]]));
        assert_eq!(record["Reason"], record["reason"], "{event}");
        assert!(codes.contains(&record["Reason"].as_str().unwrap()));
        let rule = match &record["rule"] {
            Value::Null => "none".to_string(),
            n => n.to_string(),
        };
        assert_eq!(record["Rule"], rule.as_str(), "{event}");
        assert_eq!(record["_aws"]["Timestamp"], NOW * 1000 + 5);
    }
}

#[test]
fn the_checker_catches_each_broken_rule() {
    let good = internal_error_log_line(None, None, NOW * 1000);
    assert_eq!(emf_violation(&good), None);
    let base: Value = serde_json::from_str(&good).unwrap();
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut v = base.clone();
        edit(&mut v);
        v.to_string()
    };
    for (what, line) in [
        ("not JSON", format!("prefix {good}")),
        (
            "no _aws",
            broken(&|v| drop(v.as_object_mut().unwrap().remove("_aws"))),
        ),
        (
            "timestamp string",
            broken(&|v| v["_aws"]["Timestamp"] = json!("now")),
        ),
        (
            "empty namespace",
            broken(&|v| v["_aws"]["CloudWatchMetrics"][0]["Namespace"] = json!("")),
        ),
        (
            "long namespace",
            broken(&|v| v["_aws"]["CloudWatchMetrics"][0]["Namespace"] = json!("n".repeat(256))),
        ),
        (
            "dimension missing",
            broken(&|v| drop(v.as_object_mut().unwrap().remove("Rule"))),
        ),
        ("dimension number", broken(&|v| v["Rule"] = json!(0))),
        (
            "31 dimensions",
            broken(&|v| {
                v["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = json!([vec!["Reason"; 31]])
            }),
        ),
        (
            "metric missing",
            broken(&|v| drop(v.as_object_mut().unwrap().remove("Denied"))),
        ),
        ("metric string", broken(&|v| v["Denied"] = json!("1"))),
        (
            "bad unit",
            broken(&|v| v["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = json!("count")),
        ),
    ] {
        assert!(emf_violation(&line).is_some(), "{what}: {line}");
    }
}
