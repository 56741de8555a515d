//! CloudWatch Embedded Metric Format (EMF) for deny and report-only log lines: CloudWatch Logs
//! turns each such line into a `Denied` or `WouldDeny` count by `Reason` and `Rule`, with no
//! extra code or infrastructure. Specification:
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
//!
//! Lambda (and Lambda@Edge) log groups extract EMF; CloudFront Functions logs are not processed
//! as EMF, so the generated function logs a plain line instead (see `cff`).

use crate::decision::{Label, Reason};
use serde_json::{json, Map, Value};

/// The CloudWatch namespace of every edgeguard metric.
pub const NAMESPACE: &str = "edgeguard";
/// Dimension naming the deny reason code (`referer_not_allowed`, ...).
pub const REASON_DIMENSION: &str = "Reason";
/// Dimension naming the rule index (`"0"`, `"1"`, ...) or [`NO_RULE`].
pub const RULE_DIMENSION: &str = "Rule";
/// The `Rule` dimension's value for a deny before any rule was chosen.
pub const NO_RULE: &str = "none";
/// Metric counting enforced denies.
pub const DENIED: &str = "Denied";
/// Metric counting report-only denies (`would_deny`).
pub const WOULD_DENY: &str = "WouldDeny";

/// The metric a label counts under; `None` for an allow (allows are not logged).
pub fn metric_for(label: Label) -> Option<&'static str> {
    match label {
        Label::Allow => None,
        Label::Deny => Some(DENIED),
        Label::WouldDeny => Some(WOULD_DENY),
    }
}

/// The members EMF adds to a log record: the `_aws` metadata (timestamp in epoch milliseconds)
/// and the dimension and metric values it references. `None` for an allow.
pub fn emf_members(
    label: Label,
    reason: Option<Reason>,
    rule: Option<usize>,
    now_ms: i64,
) -> Option<Map<String, Value>> {
    let metric = metric_for(label)?;
    let reason = reason.map_or(Reason::InternalError.code(), Reason::code);
    let rule = rule.map_or_else(|| NO_RULE.to_string(), |r| r.to_string());
    let mut members = Map::new();
    members.insert(
        "_aws".into(),
        json!({
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[REASON_DIMENSION, RULE_DIMENSION]],
                "Metrics": [{"Name": metric, "Unit": "Count"}],
            }],
        }),
    );
    members.insert(REASON_DIMENSION.into(), Value::from(reason));
    members.insert(RULE_DIMENSION.into(), Value::from(rule));
    members.insert(metric.into(), Value::from(1));
    Some(members)
}
