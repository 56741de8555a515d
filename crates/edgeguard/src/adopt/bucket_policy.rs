//! `edgeguard migrate`: an S3 bucket policy's `aws:Referer` conditions become `guard.toml`
//! rules, and the policy is rewritten without them.
//!
//! How IAM's logic is carried over (README, "Migrating from the S3 `aws:Referer` policy"):
//!
//! - A statement is translated when it has an `aws:Referer` condition (key compared
//!   case-insensitively, as IAM does), allows or denies `s3:GetObject`, and applies to viewers
//!   reaching the bucket through CloudFront: principal `*`, `{"AWS": "*"}`, the CloudFront service
//!   principal, an origin access identity (ARN or `CanonicalUser`). Other statements are kept
//!   as they are.
//! - Allow statements take positive operators (`StringEquals`, `StringEqualsIgnoreCase`,
//!   `StringLike`); Deny statements take negated ones (`StringNotEquals...`, `StringNotLike`). The
//!   opposite pairs are block lists, which edgeguard's allow lists cannot express: an error.
//!   `Null` is accepted where it means "a Referer is required".
//! - A missing Referer: IAM makes a plain operator false and a negated one true; `...IfExists`
//!   makes any operator true; on the single-valued `aws:Referer`, `ForAnyValue:` behaves like the
//!   plain operator when the header is present and is false when it is missing, `ForAllValues:`
//!   is true when it is missing. That decides `missing = "allow"` or `"deny"`.
//! - Each `Resource` is a path pattern; each distinct pattern is a rule, the most specific first
//!   (a pattern inside another comes before it; overlapping patterns neither inside the other
//!   are an error). A rule combines every statement whose resources contain its pattern: the
//!   Referer lists of the Allow statements (any one suffices), then each Deny statement's list
//!   (all must pass; two different lists cannot be intersected: an error).
//! - Paths that only an Allow statement without a Referer condition grants (a plain grant to
//!   CloudFront or the public) get a rule without a Referer check. Where a Referer statement and
//!   a plain grant cover the same path, the more specific resource wins (`/public/*` granted
//!   plainly inside a Referer-checked `/*` stays open, as with IAM); at equal resources, or when
//!   the Referer statement is the more specific (`/images/*` checked inside a plain `/*`), the
//!   Referer check wins, which is stricter than IAM and reported. Paths nothing grants match no
//!   rule and are denied (`no_rule`): the guard fails closed.
//! - The rewritten policy drops the `aws:Referer` keys (empty operator blocks and `Condition`
//!   disappear, everything else keeps its keys, values and order), drops a Deny statement whose
//!   only condition was the Referer, and drops a public-read statement whose only condition was
//!   the Referer (without it the bucket would be public): CloudFront then needs origin access
//!   control.

use super::guard_toml::{self, GuardRule};
use super::referer_value::{self, Comparison, Translated, ANY_REFERER};
use super::s3_resource::{self, ObjectScope};
use serde_json::{Map, Value};
use std::fmt;

/// The outcome of a migration.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The generated `guard.toml`, comments included.
    pub guard_toml: String,
    /// The bucket policy without its `aws:Referer` conditions.
    pub policy: Value,
    /// One line per translated value, plus notes and warnings.
    pub report: Vec<ReportLine>,
}

impl Migration {
    /// The rewritten policy as pretty JSON (what `--policy-out` writes).
    pub fn policy_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.policy).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// The statement it is about (its `Sid`, else `Statement[i]`), or `policy`.
    pub statement: String,
    /// How much it matters.
    pub severity: Severity,
    /// What it says.
    pub text: String,
}

/// How much a report line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// A translated value: what edgeguard allows now and what IAM did.
    Translated,
    /// Something to know or do.
    Note,
    /// A change that needs a decision before deploying.
    Warning,
}

impl fmt::Display for ReportLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Translated => "",
            Severity::Note => "note: ",
            Severity::Warning => "WARNING: ",
        };
        write!(f, "{}: {tag}{}", self.statement, self.text)
    }
}

/// Why a policy cannot be migrated. Every variant names the statement (and value) at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrateError {
    /// The input is not JSON.
    NotJson(String),
    /// The JSON is not a bucket policy of the expected shape.
    Malformed {
        /// Where (`Statement[1].Effect`).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A Referer value that cannot be translated.
    Value {
        /// The statement.
        statement: String,
        /// The condition operator as written.
        operator: String,
        /// The value as written.
        value: String,
        /// Why.
        reason: String,
    },
    /// A statement whose Referer logic edgeguard cannot express.
    Unsupported {
        /// The statement.
        statement: String,
        /// Why.
        reason: String,
    },
    /// Two statements' resources overlap without one containing the other.
    Overlap {
        /// First statement and its path.
        first: (String, String),
        /// Second statement and its path.
        second: (String, String),
    },
    /// The statements on one path combine into something an allow list cannot say.
    Conflict {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// Translated statements name more than one bucket.
    SeveralBuckets(Vec<String>),
    /// No statement has an `aws:Referer` condition that applies to object reads.
    NothingToMigrate,
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::NotJson(e) => write!(f, "not a JSON bucket policy: {e}"),
            MigrateError::Malformed { at, message } => write!(f, "{at}: {message}"),
            MigrateError::Value {
                statement,
                operator,
                value,
                reason,
            } => write!(
                f,
                "statement {statement}: {operator} aws:Referer {}: cannot be translated: {reason}",
                super::quote(value)
            ),
            MigrateError::Unsupported { statement, reason } => {
                write!(f, "statement {statement}: {reason}")
            }
            MigrateError::Overlap { first, second } => write!(
                f,
                "statements {} ({}) and {} ({}) cover overlapping paths, neither inside the other: edgeguard's first-match rules cannot order them; split the resources so that one contains the other or they are disjoint",
                first.0, first.1, second.0, second.1
            ),
            MigrateError::Conflict { path, reason } => write!(f, "{path}: {reason}"),
            MigrateError::SeveralBuckets(b) => write!(
                f,
                "the statements name several buckets ({}): run migrate once per bucket, with a policy holding only that bucket's statements",
                b.join(", ")
            ),
            MigrateError::NothingToMigrate => f.write_str(
                "no aws:Referer condition applies to object reads (s3:GetObject) by CloudFront or the public: nothing to migrate",
            ),
        }
    }
}

impl std::error::Error for MigrateError {}

/// Translates a bucket policy. `source` names the input in the generated file's header.
pub fn migrate(policy_json: &str, source: &str) -> Result<Migration, MigrateError> {
    let policy: Value =
        serde_json::from_str(policy_json).map_err(|e| MigrateError::NotJson(e.to_string()))?;
    let Value::Object(top) = &policy else {
        return Err(malformed("policy", "a bucket policy is a JSON object"));
    };
    let variables = top.get("Version").and_then(Value::as_str) == Some("2012-10-17");
    let statements: Vec<&Value> = match top.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => {
            return Err(malformed(
                "Statement",
                "needs a statement object or a list of them",
            ))
        }
    };
    let mut report = Vec::new();
    let mut parsed = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        parsed.push(read_statement(i, s, variables, &mut report)?);
    }
    let translated: Vec<&Parsed> = parsed.iter().filter(|p| p.gate.is_some()).collect();
    if translated.is_empty() {
        return Err(MigrateError::NothingToMigrate);
    }
    let mut buckets: Vec<String> = Vec::new();
    for p in parsed.iter().filter(|p| p.gate.is_some() || p.plain_grant) {
        for b in p.scopes.iter().filter_map(|s| s.bucket.clone()) {
            if !buckets.contains(&b) {
                buckets.push(b);
            }
        }
    }
    if buckets.len() > 1 {
        return Err(MigrateError::SeveralBuckets(buckets));
    }
    let rules = build_rules(&parsed, &mut report)?;
    let header = Header {
        source: source.to_string(),
        policy_id: top.get("Id").and_then(Value::as_str).map(str::to_string),
        bucket: buckets.first().cloned(),
    };
    let guard_toml = guard_toml::render(
        &header.lines(),
        &rules,
        rules
            .last()
            .is_some_and(|r| r.check.is_none() && r.path == "/*"),
    );
    let new_policy = rewrite_policy(&policy, &parsed, &mut report);
    report.push(ReportLine {
        statement: "policy".into(),
        severity: Severity::Note,
        text: "apply the new bucket policy before CloudFront stops forwarding Referer to the origin (edgeguard attach removes it from the cache key), or every cache miss is denied by the old aws:Referer conditions".into(),
    });
    Ok(Migration {
        guard_toml,
        policy: new_policy,
        report,
    })
}

fn malformed(at: &str, message: &str) -> MigrateError {
    MigrateError::Malformed {
        at: at.to_string(),
        message: message.to_string(),
    }
}

struct Header {
    source: String,
    policy_id: Option<String>,
    bucket: Option<String>,
}

impl Header {
    fn lines(&self) -> Vec<String> {
        let source = if self.source.chars().any(char::is_control) {
            super::quote(&self.source)
        } else {
            self.source.clone()
        };
        let mut lines = vec![format!(
            "guard.toml generated by `edgeguard migrate` from {source}."
        )];
        let mut what = String::from("Bucket policy");
        if let Some(id) = &self.policy_id {
            what.push_str(&format!(" {}", super::quote(id)));
        }
        if let Some(b) = &self.bucket {
            what.push_str(&format!(" of bucket {b}"));
        }
        lines.push(format!("{what}."));
        lines.push("Each rule names the statements and aws:Referer values it comes from; the migrate report".into());
        lines
            .push("(one line per value) says where edgeguard decides differently from IAM.".into());
        lines.push(
            "Paths are the object keys of the policy's resources: they assume the S3 origin has no"
                .into(),
        );
        lines.push("origin path.".into());
        lines.push("Check it with: edgeguard config check guard.toml".into());
        lines
    }
}

/// Who a statement applies to, as far as viewer requests through CloudFront go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// `*` or `{"AWS": "*"}`: everyone, CloudFront included.
    Public,
    /// The CloudFront service principal or an origin access identity.
    CloudFront,
    /// Somebody else: not viewer traffic.
    Other,
}

/// Which requests a statement lets through, Referer-wise. For an Allow statement: those it
/// grants; for a Deny statement: those it does not deny.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gate {
    /// `None`: any well-formed Referer.
    pub(crate) hosts: Option<Vec<String>>,
    /// Whether a request without a Referer passes.
    pub(crate) missing_allowed: bool,
}

impl Gate {
    fn union(&self, other: &Gate) -> Gate {
        let hosts = match (&self.hosts, &other.hosts) {
            (Some(a), Some(b)) => {
                let mut all = a.clone();
                all.extend(b.iter().filter(|p| !a.contains(p)).cloned());
                Some(all)
            }
            _ => None,
        };
        Gate {
            hosts,
            missing_allowed: self.missing_allowed || other.missing_allowed,
        }
    }

    /// `None` when both restrict to different lists, which an allow list cannot express.
    fn intersect(&self, other: &Gate) -> Option<Gate> {
        let hosts = match (&self.hosts, &other.hosts) {
            (None, h) | (h, None) => h.clone(),
            (Some(a), Some(b)) => {
                if a.len() == b.len() && a.iter().all(|p| b.contains(p)) {
                    Some(a.clone())
                } else {
                    return None;
                }
            }
        };
        Some(Gate {
            hosts,
            missing_allowed: self.missing_allowed && other.missing_allowed,
        })
    }
}

/// One statement as the migration sees it.
struct Parsed {
    label: String,
    allow: bool,
    audience: Audience,
    scopes: Vec<ObjectScope>,
    /// The statement's Referer logic, when it is translated.
    gate: Option<Gate>,
    /// An Allow of object reads to viewers without any Referer condition.
    plain_grant: bool,
    /// The conditions besides `aws:Referer`, as written.
    other_conditions: Map<String, Value>,
    /// Comment lines for the rules it feeds (values and their patterns).
    comments: Vec<String>,
    /// Why a missing Referer passes or not.
    missing_reasons: Vec<String>,
}

fn read_statement(
    index: usize,
    value: &Value,
    variables: bool,
    report: &mut Vec<ReportLine>,
) -> Result<Parsed, MigrateError> {
    let at = |k: &str| format!("Statement[{index}]{k}");
    let Value::Object(s) = value else {
        return Err(malformed(&at(""), "a statement is a JSON object"));
    };
    let label = match s.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() && !sid.chars().any(char::is_control) => sid.to_string(),
        _ => format!("Statement[{index}]"),
    };
    let allow = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => true,
        Some("Deny") => false,
        _ => return Err(malformed(&at(".Effect"), "must be \"Allow\" or \"Deny\"")),
    };
    let (referer_conditions, other_conditions) = split_conditions(s, &at)?;
    let audience = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(p), None) => audience(p),
        (None, Some(_)) => {
            if !referer_conditions.is_empty() {
                return Err(MigrateError::Unsupported {
                    statement: label,
                    reason: "NotPrincipal with an aws:Referer condition is not translated; rewrite the statement with Principal".into(),
                });
            }
            Audience::Other
        }
        _ => {
            return Err(malformed(
                &at(".Principal"),
                "a bucket policy statement needs a Principal",
            ))
        }
    };
    let reads = reads_objects(s).map_err(|m| malformed(&at(".Action"), &m))?;
    let mut parsed = Parsed {
        label: label.clone(),
        allow,
        audience,
        scopes: Vec::new(),
        gate: None,
        plain_grant: false,
        other_conditions,
        comments: Vec::new(),
        missing_reasons: Vec::new(),
    };
    let viewer = audience != Audience::Other;
    if referer_conditions.is_empty() {
        if allow && viewer && reads && s.contains_key("Resource") {
            parsed.scopes = scopes(s, variables, &label)?;
            parsed.plain_grant = !parsed.scopes.is_empty();
        }
        return Ok(parsed);
    }
    let kept = |why: String, report: &mut Vec<ReportLine>| {
        report.push(ReportLine {
            statement: label.clone(),
            severity: Severity::Note,
            text: format!("its aws:Referer condition is kept unchanged: {why}"),
        })
    };
    if !reads {
        kept(
            "the statement does not cover s3:GetObject, the reads the guard stands in for".into(),
            report,
        );
        return Ok(parsed);
    }
    if !viewer {
        kept(
            "its principal is neither the public nor CloudFront, so its requests do not pass through the guard".into(),
            report,
        );
        return Ok(parsed);
    }
    if s.contains_key("NotResource") {
        return Err(MigrateError::Unsupported {
            statement: label,
            reason:
                "NotResource with an aws:Referer condition is not translated; list the resources"
                    .into(),
        });
    }
    parsed.scopes = scopes(s, variables, &label)?;
    if parsed.scopes.is_empty() {
        kept(
            "its resources name no object (only the bucket)".into(),
            report,
        );
        return Ok(parsed);
    }
    let paths: Vec<&str> = parsed.scopes.iter().map(|s| s.path.as_str()).collect();
    let paths = paths.join(", ");
    let mut gate: Option<Gate> = None;
    for cond in &referer_conditions {
        let one = condition_gate(cond, allow, variables, &label, &paths, &mut parsed, report)?;
        gate = Some(match gate {
            None => one,
            Some(g) if allow => g.intersect(&one).ok_or_else(|| MigrateError::Unsupported {
                statement: label.clone(),
                reason: "two aws:Referer conditions with different lists must both hold; edgeguard cannot intersect allow lists: merge them into one".into(),
            })?,
            Some(g) => g.union(&one),
        });
    }
    if !allow && !parsed.other_conditions.is_empty() {
        report.push(ReportLine {
            statement: label.clone(),
            severity: Severity::Note,
            text: format!(
                "IAM denied only when {} also held; the guard denies on the Referer alone (stricter)",
                condition_summary(&parsed.other_conditions)
            ),
        });
    }
    parsed.gate = gate;
    Ok(parsed)
}

struct RefererCondition {
    operator: String,
    values: Vec<Value>,
}

type Conditions = (Vec<RefererCondition>, Map<String, Value>);

fn split_conditions(
    s: &Map<String, Value>,
    at: &dyn Fn(&str) -> String,
) -> Result<Conditions, MigrateError> {
    let mut referer = Vec::new();
    let mut others = Map::new();
    let Some(condition) = s.get("Condition") else {
        return Ok((referer, others));
    };
    let Value::Object(blocks) = condition else {
        return Err(malformed(
            &at(".Condition"),
            "must be an object of operators",
        ));
    };
    for (operator, block) in blocks {
        let Value::Object(keys) = block else {
            return Err(malformed(
                &at(&format!(".Condition.{operator}")),
                "must be an object of condition keys",
            ));
        };
        let mut rest = Map::new();
        for (key, values) in keys {
            if key.eq_ignore_ascii_case("aws:Referer") {
                let values = match values {
                    Value::Array(v) => v.clone(),
                    one => vec![one.clone()],
                };
                referer.push(RefererCondition {
                    operator: operator.clone(),
                    values,
                });
            } else {
                rest.insert(key.clone(), values.clone());
            }
        }
        if !rest.is_empty() {
            others.insert(operator.clone(), Value::Object(rest));
        }
    }
    Ok((referer, others))
}

fn condition_summary(conditions: &Map<String, Value>) -> String {
    Value::Object(conditions.clone()).to_string()
}

fn audience(principal: &Value) -> Audience {
    let mut best = Audience::Other;
    let mut see = |a: Audience| {
        if a == Audience::Public || (a == Audience::CloudFront && best == Audience::Other) {
            best = a;
        }
    };
    match principal {
        Value::String(s) if s == "*" => see(Audience::Public),
        Value::Object(map) => {
            for (kind, v) in map {
                let items: Vec<&str> = match v {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                for item in items {
                    match kind.as_str() {
                        "AWS" if item == "*" => see(Audience::Public),
                        "AWS" if item.starts_with("arn:aws:iam::cloudfront:user/") => {
                            see(Audience::CloudFront)
                        }
                        "Service" if item == "cloudfront.amazonaws.com" => {
                            see(Audience::CloudFront)
                        }
                        "CanonicalUser" => see(Audience::CloudFront),
                        _ => {}
                    }
                }
            }
        }
        _ => {}
    }
    best
}

/// Whether the statement's actions cover `s3:GetObject` (action names are case-insensitive).
fn reads_objects(s: &Map<String, Value>) -> Result<bool, String> {
    let list = |v: &Value| -> Result<Vec<String>, String> {
        match v {
            Value::String(a) => Ok(vec![a.to_ascii_lowercase()]),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_ascii_lowercase)
                        .ok_or_else(|| "actions are strings".to_string())
                })
                .collect(),
            _ => Err("actions are a string or a list of strings".into()),
        }
    };
    let covers = |patterns: &[String]| {
        patterns
            .iter()
            .any(|p| s3_resource::intersects(p, "s3:getobject"))
    };
    match (s.get("Action"), s.get("NotAction")) {
        (Some(a), None) => Ok(covers(&list(a)?)),
        (None, Some(n)) => Ok(!covers(&list(n)?)),
        _ => Err("a statement needs exactly one of Action and NotAction".into()),
    }
}

fn scopes(
    s: &Map<String, Value>,
    variables: bool,
    label: &str,
) -> Result<Vec<ObjectScope>, MigrateError> {
    let resources: Vec<&str> = match s.get("Resource") {
        Some(Value::String(r)) => vec![r.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<ObjectScope> = Vec::new();
    for r in resources {
        let scope =
            s3_resource::object_scope(r, variables).map_err(|e| MigrateError::Unsupported {
                statement: label.to_string(),
                reason: format!("Resource {} {e}", super::quote(r)),
            })?;
        if let Some(scope) = scope {
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
    }
    Ok(out)
}

/// A condition operator, split into its parts.
struct Operator {
    set: Option<&'static str>,
    base: String,
    if_exists: bool,
}

fn parse_operator(operator: &str) -> Operator {
    let (set, rest) = if let Some(r) = strip_prefix_ci(operator, "ForAnyValue:") {
        (Some("ForAnyValue:"), r)
    } else if let Some(r) = strip_prefix_ci(operator, "ForAllValues:") {
        (Some("ForAllValues:"), r)
    } else {
        (None, operator)
    };
    let (base, if_exists) = match rest.len().checked_sub("IfExists".len()) {
        Some(cut) if rest.is_char_boundary(cut) && rest[cut..].eq_ignore_ascii_case("IfExists") => {
            (&rest[..cut], true)
        }
        _ => (rest, false),
    };
    Operator {
        set,
        base: base.to_ascii_lowercase(),
        if_exists,
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

fn condition_gate(
    cond: &RefererCondition,
    allow: bool,
    variables: bool,
    label: &str,
    paths: &str,
    parsed: &mut Parsed,
    report: &mut Vec<ReportLine>,
) -> Result<Gate, MigrateError> {
    let op = parse_operator(&cond.operator);
    let unsupported = |reason: String| MigrateError::Unsupported {
        statement: label.to_string(),
        reason: format!("{} on aws:Referer: {reason}", cond.operator),
    };
    if op.base == "null" {
        return null_gate(cond, &op, allow, parsed).map_err(unsupported);
    }
    let (comparison, negated) = match op.base.as_str() {
        "stringequals" => (Comparison::Exact, false),
        "stringnotequals" => (Comparison::Exact, true),
        "stringequalsignorecase" => (Comparison::ExactIgnoreCase, false),
        "stringnotequalsignorecase" => (Comparison::ExactIgnoreCase, true),
        "stringlike" => (Comparison::Glob, false),
        "stringnotlike" => (Comparison::Glob, true),
        _ => {
            return Err(unsupported(
                "only the String operators (and Null) are translated".into(),
            ))
        }
    };
    if allow && negated {
        return Err(unsupported("in an Allow statement it lets every Referer through except the listed ones (a block list); edgeguard's rules are allow lists. Use StringLike with the Referers to allow".into()));
    }
    if !allow && !negated {
        return Err(unsupported("in a Deny statement it blocks the listed Referers (a block list); edgeguard's rules are allow lists. Use StringNotLike with the Referers to allow".into()));
    }
    // The condition's truth when the key is missing (IAM's rules for single-valued keys).
    let true_when_missing = op.if_exists
        || match op.set {
            Some("ForAllValues:") => true,
            Some(_) => false,
            None => negated,
        };
    // Allow: a missing Referer passes when the condition holds; Deny: when it does not.
    let missing_allowed = if allow {
        true_when_missing
    } else {
        !true_when_missing
    };
    let reason = format!(
        "{} is {} when the Referer is missing{}",
        cond.operator,
        true_when_missing,
        if allow {
            String::new()
        } else if true_when_missing {
            ", so the Deny applied".into()
        } else {
            ", so the Deny did not apply".into()
        }
    );
    parsed.missing_reasons.push(reason);
    if let Some(set) = op.set {
        report.push(ReportLine {
            statement: label.to_string(),
            severity: Severity::Note,
            text: format!("{set} on the single-valued key aws:Referer: read as the plain operator when a Referer is present, and {} when it is missing (AWS warns against set operators on single-valued keys)", if true_when_missing { "true" } else { "false" }),
        });
    }
    let mut hosts: Vec<String> = Vec::new();
    let mut any = false;
    let mut translated = 0usize;
    for v in &cond.values {
        let Some(value) = v.as_str() else {
            return Err(MigrateError::Value {
                statement: label.to_string(),
                operator: cond.operator.clone(),
                value: v.to_string(),
                reason: "a Referer value is a string".into(),
            });
        };
        let outcome = referer_value::translate(value, comparison, variables).map_err(|reason| {
            MigrateError::Value {
                statement: label.to_string(),
                operator: cond.operator.clone(),
                value: value.to_string(),
                reason,
            }
        })?;
        match outcome {
            Translated::Pattern(t) => {
                translated += 1;
                parsed.comments.push(format!(
                    "{} aws:Referer {} -> {}",
                    cond.operator,
                    super::quote(value),
                    super::quote(&t.pattern)
                ));
                report.push(ReportLine {
                    statement: label.to_string(),
                    severity: Severity::Translated,
                    text: format!(
                        "{} {} -> {} on {paths}: {}",
                        cond.operator,
                        super::quote(value),
                        super::quote(&t.pattern),
                        t.explanation()
                    ),
                });
                if t.pattern == ANY_REFERER {
                    any = true;
                } else if !hosts.contains(&t.pattern) {
                    hosts.push(t.pattern);
                }
            }
            Translated::Skipped(why) => {
                parsed.comments.push(format!(
                    "{} aws:Referer {} -> skipped",
                    cond.operator,
                    super::quote(value)
                ));
                report.push(ReportLine {
                    statement: label.to_string(),
                    severity: Severity::Note,
                    text: format!("{} {} skipped: {why}", cond.operator, super::quote(value)),
                });
            }
        }
    }
    if translated == 0 {
        return Err(unsupported(
            "none of its values can match a browser's Referer, so the statement allows no viewer request with one; remove it or give real values".into(),
        ));
    }
    Ok(Gate {
        hosts: (!any).then_some(hosts),
        missing_allowed,
    })
}

/// `Null` on `aws:Referer`: accepted where it means "a Referer is required" (`"false"` in an
/// Allow, `"true"` in a Deny).
fn null_gate(
    cond: &RefererCondition,
    op: &Operator,
    allow: bool,
    parsed: &mut Parsed,
) -> Result<Gate, String> {
    if op.set.is_some() || op.if_exists {
        return Err("Null takes no set operator or IfExists".into());
    }
    let truth = match cond.values.as_slice() {
        [Value::Bool(b)] => *b,
        [Value::String(s)] if s == "true" => true,
        [Value::String(s)] if s == "false" => false,
        _ => return Err("Null takes a single true or false".into()),
    };
    // Null true: the key is missing. An Allow needs it present (false), a Deny fires when it is
    // missing (true); the other two forms single out requests without (or with) a Referer.
    if allow == truth {
        return Err(if allow {
            "it allows only requests without a Referer, which an allow list cannot express".into()
        } else {
            "it denies every request with a Referer, which an allow list cannot express".into()
        });
    }
    parsed.comments.push(format!(
        "{} aws:Referer {} -> a Referer is required",
        cond.operator,
        if truth { "true" } else { "false" }
    ));
    parsed
        .missing_reasons
        .push(format!("{} requires a Referer", cond.operator));
    Ok(Gate {
        hosts: None,
        missing_allowed: false,
    })
}

/// Orders the resource paths into rules and combines the statements of each.
fn build_rules(
    parsed: &[Parsed],
    report: &mut Vec<ReportLine>,
) -> Result<Vec<GuardRule>, MigrateError> {
    let relevant: Vec<&Parsed> = parsed
        .iter()
        .filter(|p| p.gate.is_some() || p.plain_grant)
        .collect();
    let mut paths: Vec<(String, &str)> = Vec::new();
    for p in &relevant {
        for s in &p.scopes {
            if !paths.iter().any(|(q, _)| q == &s.path) {
                paths.push((s.path.clone(), &p.label));
            }
        }
    }
    for (i, (a, la)) in paths.iter().enumerate() {
        for (b, lb) in &paths[i + 1..] {
            if s3_resource::intersects(a, b)
                && !s3_resource::contains(a, b)
                && !s3_resource::contains(b, a)
            {
                return Err(MigrateError::Overlap {
                    first: (la.to_string(), a.clone()),
                    second: (lb.to_string(), b.clone()),
                });
            }
        }
    }
    let mut ordered = Vec::new();
    let mut remaining: Vec<String> = paths.into_iter().map(|(p, _)| p).collect();
    while !remaining.is_empty() {
        let pick = remaining
            .iter()
            .position(|r| {
                !remaining
                    .iter()
                    .any(|s| s != r && s3_resource::contains(r, s))
            })
            .unwrap_or(0);
        ordered.push(remaining.remove(pick));
    }
    let mut rules = Vec::new();
    for path in ordered {
        let covering = |p: &&Parsed| {
            p.scopes
                .iter()
                .any(|s| s3_resource::contains(&s.path, &path))
        };
        let allows: Vec<&Parsed> = relevant
            .iter()
            .copied()
            .filter(|p| p.allow && p.gate.is_some())
            .filter(covering)
            .collect();
        let denies: Vec<&Parsed> = relevant
            .iter()
            .copied()
            .filter(|p| !p.allow)
            .filter(covering)
            .collect();
        let plains: Vec<&Parsed> = relevant
            .iter()
            .copied()
            .filter(|p| p.plain_grant)
            .filter(covering)
            .collect();
        // The most specific resource decides between a Referer grant and a plain one; at equal
        // resources the Referer check stays (stricter than IAM, reported below).
        let closest = |group: &[&Parsed]| {
            group
                .iter()
                .flat_map(|p| p.scopes.iter())
                .filter(|s| s3_resource::contains(&s.path, &path))
                .map(|s| s.path.clone())
                .max_by_key(|s| s.len())
        };
        let plain_wins = match (closest(&allows), closest(&plains)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(r), Some(p)) => p != r && s3_resource::contains(&r, &p),
        };
        if plain_wins && !allows.is_empty() {
            report.push(ReportLine {
                statement: allows[0].label.clone(),
                severity: Severity::Note,
                text: format!(
                    "{path}: statement {} grants it without a Referer condition on a more specific resource, so there is no Referer check there, as with IAM",
                    plains[0].label
                ),
            });
        }
        let allows: Vec<&Parsed> = if plain_wins { Vec::new() } else { allows };
        let mut check: Option<Gate> = None;
        for a in &allows {
            let g = a.gate.clone().unwrap_or(Gate {
                hosts: None,
                missing_allowed: true,
            });
            check = Some(match check {
                None => g,
                Some(c) => c.union(&g),
            });
        }
        if allows.len() > 1 {
            let first = allows[0];
            for other in &allows[1..] {
                if other.other_conditions != first.other_conditions && other.gate != first.gate {
                    return Err(MigrateError::Conflict {
                        path: path.clone(),
                        reason: format!(
                            "statements {} and {} allow different Referers under different other conditions ({} vs {}); the guard cannot tie a Referer list to conditions it does not see: split the policy (one distribution's statements at a time) or make the lists equal",
                            first.label,
                            other.label,
                            condition_summary(&first.other_conditions),
                            condition_summary(&other.other_conditions)
                        ),
                    });
                }
            }
        }
        let mut notes = Vec::new();
        if !allows.is_empty() {
            for p in &plains {
                let text = format!(
                    "statement {} also grants {path} without a Referer condition, so IAM never enforced the Referer there for its principal; the guard now does (stricter)",
                    p.label
                );
                report.push(ReportLine {
                    statement: allows[0].label.clone(),
                    severity: Severity::Note,
                    text,
                });
            }
        } else if plains.is_empty() {
            let text = format!(
                "no statement of this policy grants {path}; the rule assumes reads are granted elsewhere (object ACLs, another policy) and reproduces the Deny only"
            );
            notes.push(text.clone());
            report.push(ReportLine {
                statement: denies.first().map(|d| d.label.clone()).unwrap_or_default(),
                severity: Severity::Note,
                text,
            });
        }
        for d in &denies {
            let Some(g) = &d.gate else { continue };
            check = match check {
                None => Some(g.clone()),
                Some(c) => Some(c.intersect(g).ok_or_else(|| MigrateError::Conflict {
                    path: path.clone(),
                    reason: format!(
                        "the Allow statements admit one Referer list and Deny statement {} admits another; edgeguard cannot intersect two allow lists: make the lists equal",
                        d.label
                    ),
                })?),
            };
        }
        let mut comments = Vec::new();
        let resources: Vec<&Parsed> = allows
            .iter()
            .chain(denies.iter())
            .copied()
            .chain(if allows.is_empty() {
                plains.clone()
            } else {
                Vec::new()
            })
            .collect();
        for p in &resources {
            let role = match (p.allow, p.gate.is_some()) {
                (true, true) => "Allow",
                (true, false) => "Allow without a Referer condition",
                (false, _) => "Deny",
            };
            comments.push(format!(
                "statement {} ({role}, principal {}):",
                super::quote(&p.label),
                match p.audience {
                    Audience::Public => "public",
                    Audience::CloudFront => "CloudFront",
                    Audience::Other => "other",
                }
            ));
            for c in &p.comments {
                comments.push(format!("  {c}"));
            }
        }
        if let Some(g) = &check {
            let reasons: Vec<&str> = resources
                .iter()
                .filter(|p| p.gate.is_some())
                .flat_map(|p| p.missing_reasons.iter().map(String::as_str))
                .collect();
            comments.push(format!(
                "without a Referer: {} ({})",
                if g.missing_allowed {
                    "allowed"
                } else {
                    "denied"
                },
                reasons.join("; ")
            ));
        } else {
            comments.push("no Referer check: IAM granted these objects without one".into());
        }
        comments.extend(notes);
        rules.push(GuardRule {
            path,
            check,
            comments,
        });
    }
    Ok(rules)
}

/// The policy without the translated `aws:Referer` conditions, reported statement by statement.
fn rewrite_policy(policy: &Value, parsed: &[Parsed], report: &mut Vec<ReportLine>) -> Value {
    let mut out = policy.clone();
    let Some(Value::Object(top)) = Some(&mut out) else {
        return out;
    };
    let single = matches!(top.get("Statement"), Some(Value::Object(_)));
    let originals: Vec<Value> = match top.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let mut kept = Vec::new();
    for (statement, p) in originals.into_iter().zip(parsed) {
        if p.gate.is_none() {
            kept.push(statement);
            continue;
        }
        let only_referer = p.other_conditions.is_empty();
        let line = |severity, text: String| ReportLine {
            statement: p.label.clone(),
            severity,
            text,
        };
        match (p.allow, p.audience, only_referer) {
            (true, Audience::Public, true) => {
                report.push(line(Severity::Note, "removed from the new policy: it granted public read conditioned only on aws:Referer, and without the condition the bucket would be public. Let CloudFront read with origin access control instead (a statement for the cloudfront.amazonaws.com service principal with an AWS:SourceArn condition naming your distribution, as the README's stack writes) and keep Block Public Access on".into()));
                continue;
            }
            (true, Audience::Public, false) => {
                report.push(line(Severity::Warning, format!("public read kept without its aws:Referer condition: direct S3 requests are now limited only by {}; prefer origin access control (see the README)", condition_summary(&p.other_conditions))));
            }
            (false, audience, true) => {
                let mut text = "removed from the new policy: a Deny whose only condition was aws:Referer; the guard now denies those requests at the edge".to_string();
                if audience == Audience::Public {
                    text.push_str(". It also applied to requests that do not pass through CloudFront; keep those out with origin access control and Block Public Access");
                }
                report.push(line(Severity::Note, text));
                continue;
            }
            (false, _, false) => {
                report.push(line(
                    Severity::Note,
                    format!(
                        "kept without its aws:Referer condition: it now denies whenever {} holds, whatever the Referer (stricter)",
                        condition_summary(&p.other_conditions)
                    ),
                ));
            }
            (true, _, _) => {}
        }
        let mut statement = statement;
        strip_referer(&mut statement);
        kept.push(statement);
    }
    if kept.is_empty() {
        report.push(ReportLine {
            statement: "policy".into(),
            severity: Severity::Warning,
            text: "the new policy has no statement left: S3 refuses an empty policy, so delete the bucket policy (aws s3api delete-bucket-policy) after granting CloudFront access with origin access control".into(),
        });
    }
    let new_statements = if single && kept.len() == 1 {
        kept.remove(0)
    } else {
        Value::Array(kept)
    };
    top.insert("Statement".into(), new_statements);
    out
}

/// Removes every `aws:Referer` key; operator blocks and a `Condition` left empty go too.
fn strip_referer(statement: &mut Value) {
    let Value::Object(s) = statement else { return };
    let mut condition_empty = false;
    if let Some(Value::Object(blocks)) = s.get_mut("Condition") {
        let mut empty_ops = Vec::new();
        for (op, block) in blocks.iter_mut() {
            if let Value::Object(keys) = block {
                let referer: Vec<String> = keys
                    .keys()
                    .filter(|k| k.eq_ignore_ascii_case("aws:Referer"))
                    .cloned()
                    .collect();
                for k in referer {
                    keys.shift_remove(&k);
                }
                if keys.is_empty() {
                    empty_ops.push(op.clone());
                }
            }
        }
        for op in empty_ops {
            blocks.shift_remove(&op);
        }
        condition_empty = blocks.is_empty();
    }
    if condition_empty {
        s.shift_remove("Condition");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_split_into_set_base_and_if_exists() {
        let op = parse_operator("ForAnyValue:StringLikeIfExists");
        assert_eq!(
            (op.set, op.base.as_str(), op.if_exists),
            (Some("ForAnyValue:"), "stringlike", true)
        );
        let op = parse_operator("StringNotEquals");
        assert_eq!(
            (op.set, op.base.as_str(), op.if_exists),
            (None, "stringnotequals", false)
        );
    }

    #[test]
    fn principals_are_sorted_by_who_reaches_the_bucket_through_cloudfront() {
        let table = [
            (serde_json::json!("*"), Audience::Public),
            (serde_json::json!({"AWS": "*"}), Audience::Public),
            (
                serde_json::json!({"AWS": ["arn:aws:iam::1:root", "*"]}),
                Audience::Public,
            ),
            (
                serde_json::json!({"Service": "cloudfront.amazonaws.com"}),
                Audience::CloudFront,
            ),
            (
                serde_json::json!({"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"}),
                Audience::CloudFront,
            ),
            (
                serde_json::json!({"AWS": "arn:aws:iam::111122223333:role/uploader"}),
                Audience::Other,
            ),
        ];
        for (p, expected) in table {
            assert_eq!(audience(&p), expected, "{p}");
        }
    }
}
