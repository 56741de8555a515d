//! CloudWatch Embedded Metric Format (EMF) for deny and report-only log lines: CloudWatch Logs
//! turns each such line into a `Denied` or `WouldDeny` count by `Reason` and `Rule`, with no
//! extra code or infrastructure. Specification:
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
//!
//! Lambda (and Lambda@Edge) log groups extract EMF; CloudFront Functions logs are not processed
//! as EMF, so the generated function logs a plain line instead (see `cff`).

use crate::decision::{Label, Reason};
use serde::Serialize;

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
/// and the dimension and metric values it references. Serialised straight into the record (no
/// intermediate JSON tree: this runs on every deny at the edge).
#[derive(Debug, Clone, Serialize)]
pub struct EmfMembers {
    /// The metadata CloudWatch reads the metric definitions from.
    #[serde(rename = "_aws")]
    pub metadata: EmfMetadata,
    /// The `Reason` dimension's value: a reason code.
    #[serde(rename = "Reason")]
    pub reason: &'static str,
    /// The `Rule` dimension's value: the rule index, or [`NO_RULE`].
    #[serde(rename = "Rule")]
    pub rule: String,
    /// `Denied: 1` for an enforced deny.
    #[serde(rename = "Denied", skip_serializing_if = "Option::is_none")]
    pub denied: Option<u8>,
    /// `WouldDeny: 1` for a report-only deny.
    #[serde(rename = "WouldDeny", skip_serializing_if = "Option::is_none")]
    pub would_deny: Option<u8>,
}

/// `_aws`: when, and which metrics the record's members define.
#[derive(Debug, Clone, Serialize)]
pub struct EmfMetadata {
    /// Epoch milliseconds.
    #[serde(rename = "Timestamp")]
    pub timestamp: i64,
    /// One directive: namespace, dimension set and metric.
    #[serde(rename = "CloudWatchMetrics")]
    pub directives: [MetricDirective; 1],
}

/// One CloudWatch metric directive of the EMF metadata.
#[derive(Debug, Clone, Serialize)]
pub struct MetricDirective {
    /// Always [`NAMESPACE`].
    #[serde(rename = "Namespace")]
    pub namespace: &'static str,
    /// One dimension set: `Reason` and `Rule`.
    #[serde(rename = "Dimensions")]
    pub dimensions: [[&'static str; 2]; 1],
    /// One metric: `Denied` or `WouldDeny`, a count.
    #[serde(rename = "Metrics")]
    pub metrics: [MetricDefinition; 1],
}

/// A metric the record's members define.
#[derive(Debug, Clone, Serialize)]
pub struct MetricDefinition {
    /// [`DENIED`] or [`WOULD_DENY`].
    #[serde(rename = "Name")]
    pub name: &'static str,
    /// Always `Count`.
    #[serde(rename = "Unit")]
    pub unit: &'static str,
}

/// The EMF members of a deny or would-deny record; `None` for an allow.
pub fn emf_members(
    label: Label,
    reason: Option<Reason>,
    rule: Option<usize>,
    now_ms: i64,
) -> Option<EmfMembers> {
    let metric = metric_for(label)?;
    let count = |name: &str| (metric == name).then_some(1);
    Some(EmfMembers {
        metadata: EmfMetadata {
            timestamp: now_ms,
            directives: [MetricDirective {
                namespace: NAMESPACE,
                dimensions: [[REASON_DIMENSION, RULE_DIMENSION]],
                metrics: [MetricDefinition {
                    name: metric,
                    unit: "Count",
                }],
            }],
        },
        reason: reason.map_or(Reason::InternalError.code(), Reason::code),
        rule: rule.map_or_else(|| NO_RULE.to_string(), |r| r.to_string()),
        denied: count(DENIED),
        would_deny: count(WOULD_DENY),
    })
}
