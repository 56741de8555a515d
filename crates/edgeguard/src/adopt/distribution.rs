//! `edgeguard attach`: puts the guard on the viewer-request event of chosen cache behaviors of
//! an existing distribution, offline, from the output of `aws cloudfront get-distribution-config`.
//!
//! The result is the `DistributionConfig` for `aws cloudfront update-distribution --if-match
//! ETAG`: every field not touched keeps its value and key order. Touched are only the behaviors'
//! `LambdaFunctionAssociations` / `FunctionAssociations` (with `Quantity` kept equal to the
//! number of `Items`) and a legacy `ForwardedValues.Headers` list that still names `Referer`.
//! CloudFront's own rules are checked first: a numbered Lambda version in us-east-1 (never
//! `$LATEST` or an alias), one function per event, and no Lambda@Edge beside a CloudFront
//! Function on the viewer events of one behavior.

use super::managed_policies::{self, CACHE_POLICIES, ORIGIN_REQUEST_POLICIES};
use serde_json::{json, Map, Value};
use std::fmt;

/// The event the guard runs on.
pub const VIEWER_REQUEST: &str = "viewer-request";
/// The other viewer event, which decides whether Lambda@Edge and CloudFront Functions may mix.
const VIEWER_RESPONSE: &str = "viewer-response";
/// Lambda@Edge functions live in this Region only.
pub const LAMBDA_EDGE_REGION: &str = "us-east-1";

/// The function to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeFunction {
    /// A numbered Lambda@Edge version (`arn:aws:lambda:us-east-1:ACCOUNT:function:NAME:N`).
    LambdaEdge(String),
    /// A CloudFront Function (`arn:aws:cloudfront::ACCOUNT:function/NAME`).
    CloudFrontFunction(String),
}

impl EdgeFunction {
    /// Checks a Lambda@Edge ARN: us-east-1, a numbered version.
    pub fn lambda(arn: &str) -> Result<Self, AttachError> {
        let bad = |reason: &str| AttachError::BadArn {
            arn: arn.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
            if arn.starts_with("arn:aws:cloudfront:") {
                return Err(bad(
                    "is a CloudFront Function ARN: pass it with --function-arn",
                ));
            }
            return Err(bad(
                "is not a Lambda function ARN (arn:aws:lambda:us-east-1:ACCOUNT:function:NAME:VERSION)",
            ));
        }
        if parts[1] != "aws" {
            return Err(bad("Lambda@Edge runs only in the aws partition"));
        }
        if parts[3] != LAMBDA_EDGE_REGION {
            return Err(bad(&format!(
                "is in {}: Lambda@Edge functions must be in {LAMBDA_EDGE_REGION} (US East, N. Virginia)",
                parts[3]
            )));
        }
        if parts[4].len() != 12 || !parts[4].bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("its account ID is not 12 digits"));
        }
        if !is_function_name(parts[6]) {
            return Err(bad(
                "its function name is not 1 to 64 letters, digits, - or _",
            ));
        }
        match parts.get(7) {
            None => Err(bad("is unqualified: CloudFront needs a numbered version (...:function:NAME:1); publish one (the guard stack's GuardFunctionVersionArn output is one)")),
            Some(&"$LATEST") => Err(bad("names $LATEST: CloudFront accepts only a published, numbered version (never $LATEST or an alias), which cannot change under a running distribution")),
            Some(v) if parts.len() == 8 && is_version_number(v) => Ok(EdgeFunction::LambdaEdge(arn.to_string())),
            Some(v) if parts.len() == 8 => Err(bad(&format!("names the alias {v}: CloudFront accepts only a numbered version (never an alias or $LATEST)"))),
            Some(_) => Err(bad("has too many parts")),
        }
    }

    /// Checks a CloudFront Function ARN.
    pub fn cloudfront_function(arn: &str) -> Result<Self, AttachError> {
        let bad = |reason: &str| AttachError::BadArn {
            arn: arn.to_string(),
            reason: reason.to_string(),
        };
        if arn.starts_with("arn:aws:lambda:") {
            return Err(bad("is a Lambda ARN: pass it with --lambda-arn"));
        }
        let parts: Vec<&str> = arn.split(':').collect();
        let name = match parts.as_slice() {
            ["arn", "aws", "cloudfront", "", account, resource]
                if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
            {
                resource.strip_prefix("function/")
            }
            _ => None,
        };
        match name {
            Some(n) if is_function_name(n) => Ok(EdgeFunction::CloudFrontFunction(arn.to_string())),
            _ => Err(bad(
                "is not a CloudFront Function ARN (arn:aws:cloudfront::ACCOUNT:function/NAME)",
            )),
        }
    }

    /// The ARN.
    pub fn arn(&self) -> &str {
        match self {
            EdgeFunction::LambdaEdge(a) | EdgeFunction::CloudFrontFunction(a) => a,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            EdgeFunction::LambdaEdge(_) => "Lambda@Edge function",
            EdgeFunction::CloudFrontFunction(_) => "CloudFront Function",
        }
    }
}

fn is_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_version_number(v: &str) -> bool {
    !v.is_empty() && !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit())
}

/// A cache behavior named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behavior {
    /// `default`: the `DefaultCacheBehavior`.
    Default,
    /// A `CacheBehaviors` item, by its exact `PathPattern`.
    Path(String),
}

impl fmt::Display for Behavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Behavior::Default => f.write_str("default"),
            Behavior::Path(p) => f.write_str(p),
        }
    }
}

/// Reads `default,/images/*` (CloudFront path patterns cannot contain commas).
pub fn parse_behaviors(list: &str) -> Result<Vec<Behavior>, AttachError> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim) {
        let b = match item {
            "" => {
                return Err(AttachError::Usage(format!(
                    "--behaviors {list:?} has an empty entry"
                )))
            }
            "default" => Behavior::Default,
            p => Behavior::Path(p.to_string()),
        };
        if out.contains(&b) {
            return Err(AttachError::Usage(format!("--behaviors names {b} twice")));
        }
        out.push(b);
    }
    Ok(out)
}

/// What to attach where.
#[derive(Debug, Clone)]
pub struct AttachOptions {
    /// The behaviors.
    pub behaviors: Vec<Behavior>,
    /// The function.
    pub function: EdgeFunction,
    /// Replace an existing viewer-request association instead of refusing.
    pub replace: bool,
}

/// The updated configuration.
#[derive(Debug, Clone)]
pub struct Attached {
    /// The ETag of the configuration read, for `--if-match`.
    pub etag: String,
    /// The new `DistributionConfig`.
    pub config: Value,
    /// What changed and what to check, per behavior.
    pub notes: Vec<AttachNote>,
}

impl Attached {
    /// The configuration as pretty JSON (what `--out` writes).
    pub fn config_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.config).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// One line about a behavior.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachNote {
    /// `default` or the path pattern.
    pub behavior: String,
    /// True for something to check before updating.
    pub warning: bool,
    /// What it says.
    pub text: String,
}

impl fmt::Display for AttachNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = if self.warning { "WARNING: " } else { "" };
        write!(f, "behavior {}: {tag}{}", self.behavior, self.text)
    }
}

/// Why a configuration cannot be updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachError {
    /// The input is not JSON.
    NotJson(String),
    /// The JSON is not `get-distribution-config` output of the expected shape.
    Malformed {
        /// Where.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A function ARN CloudFront would refuse.
    BadArn {
        /// The ARN.
        arn: String,
        /// Why.
        reason: String,
    },
    /// A behavior the distribution does not have.
    UnknownBehavior {
        /// The pattern asked for.
        pattern: String,
        /// The behaviors there are.
        existing: Vec<String>,
    },
    /// The behavior already has a viewer-request association and `--replace` was not given.
    AlreadyAssociated {
        /// The behavior.
        behavior: String,
        /// What is there.
        existing: String,
    },
    /// CloudFront forbids the combination.
    Forbidden {
        /// The behavior.
        behavior: String,
        /// Why.
        reason: String,
    },
    /// A bad flag value.
    Usage(String),
}

impl fmt::Display for AttachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachError::NotJson(e) => write!(f, "not JSON: {e}"),
            AttachError::Malformed { at, message } => write!(f, "{at}: {message}"),
            AttachError::BadArn { arn, reason } => write!(f, "{arn} {reason}"),
            AttachError::UnknownBehavior { pattern, existing } => write!(
                f,
                "the distribution has no cache behavior with PathPattern {pattern:?}; it has: {}",
                existing.join(", ")
            ),
            AttachError::AlreadyAssociated { behavior, existing } => write!(
                f,
                "behavior {behavior} already has a viewer-request association ({existing}); pass --replace to replace it"
            ),
            AttachError::Forbidden { behavior, reason } => {
                write!(f, "behavior {behavior}: {reason}")
            }
            AttachError::Usage(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AttachError {}

/// Attaches the function to the behaviors of `get-distribution-config` output.
pub fn attach(input: &str, options: &AttachOptions) -> Result<Attached, AttachError> {
    let mut doc: Value =
        serde_json::from_str(input).map_err(|e| AttachError::NotJson(e.to_string()))?;
    let etag = doc
        .get("ETag")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| malformed("ETag", "missing: pass the output of `aws cloudfront get-distribution-config --id ID` unchanged (its ETag goes to --if-match)"))?
        .to_string();
    let Some(Value::Object(config)) = doc.get_mut("DistributionConfig") else {
        return Err(malformed("DistributionConfig", "missing or not an object"));
    };
    // Every named behavior must exist before anything changes.
    for behavior in &options.behaviors {
        find_behavior(config, behavior)?;
    }
    let mut notes = Vec::new();
    for behavior in &options.behaviors {
        let label = behavior.to_string();
        let target = find_behavior(config, behavior)?;
        attach_to(target, &label, options, &mut notes)?;
        clean_cache_key(target, &label, &mut notes);
    }
    let config = doc
        .get_mut("DistributionConfig")
        .map(Value::take)
        .unwrap_or(Value::Null);
    Ok(Attached {
        etag,
        config,
        notes,
    })
}

/// The command that applies the result. The distribution ID is not in the config: a
/// placeholder stands in when it is not given.
pub fn update_command(id: Option<&str>, etag: &str, file: &str) -> String {
    format!(
        "aws cloudfront update-distribution --id {} --if-match {etag} --distribution-config file://{file}",
        id.unwrap_or("<DISTRIBUTION_ID>")
    )
}

fn malformed(at: &str, message: &str) -> AttachError {
    AttachError::Malformed {
        at: at.to_string(),
        message: message.to_string(),
    }
}

fn find_behavior<'a>(
    config: &'a mut Map<String, Value>,
    behavior: &Behavior,
) -> Result<&'a mut Map<String, Value>, AttachError> {
    let existing: Vec<String> = std::iter::once("default".to_string())
        .chain(
            config
                .get("CacheBehaviors")
                .and_then(|c| c.get("Items"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|b| b.get("PathPattern").and_then(Value::as_str))
                .map(str::to_string),
        )
        .collect();
    let unknown = |pattern: &str| AttachError::UnknownBehavior {
        pattern: pattern.to_string(),
        existing: existing.clone(),
    };
    match behavior {
        Behavior::Default => match config.get_mut("DefaultCacheBehavior") {
            Some(Value::Object(b)) => Ok(b),
            _ => Err(malformed(
                "DistributionConfig.DefaultCacheBehavior",
                "missing or not an object",
            )),
        },
        Behavior::Path(p) => config
            .get_mut("CacheBehaviors")
            .and_then(|c| c.get_mut("Items"))
            .and_then(Value::as_array_mut)
            .and_then(|items| {
                items.iter_mut().find_map(|b| match b {
                    Value::Object(m)
                        if m.get("PathPattern").and_then(Value::as_str) == Some(p.as_str()) =>
                    {
                        Some(m)
                    }
                    _ => None,
                })
            })
            .ok_or_else(|| unknown(p)),
    }
}

/// The `Items` of an association list, or none.
fn items(behavior: &Map<String, Value>, list: &str) -> Vec<Value> {
    behavior
        .get(list)
        .and_then(|l| l.get("Items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Writes `Items` back with a matching `Quantity`, keeping the list object's other keys and
/// order; an empty list is `{"Quantity": 0}`, as CloudFront returns it.
fn set_items(behavior: &mut Map<String, Value>, list: &str, new_items: Vec<Value>) {
    let entry = behavior
        .entry(list.to_string())
        .or_insert_with(|| json!({"Quantity": 0}));
    if !entry.is_object() {
        *entry = json!({"Quantity": 0});
    }
    if let Value::Object(obj) = entry {
        obj.insert("Quantity".into(), json!(new_items.len()));
        if new_items.is_empty() {
            obj.shift_remove("Items");
        } else {
            obj.insert("Items".into(), Value::Array(new_items));
        }
    }
}

fn event_of(item: &Value) -> Option<&str> {
    item.get("EventType").and_then(Value::as_str)
}

const LAMBDA_LIST: &str = "LambdaFunctionAssociations";
const FUNCTION_LIST: &str = "FunctionAssociations";

fn attach_to(
    behavior: &mut Map<String, Value>,
    label: &str,
    options: &AttachOptions,
    notes: &mut Vec<AttachNote>,
) -> Result<(), AttachError> {
    let (own_list, other_list, arn_key) = match options.function {
        EdgeFunction::LambdaEdge(_) => (LAMBDA_LIST, FUNCTION_LIST, "LambdaFunctionARN"),
        EdgeFunction::CloudFrontFunction(_) => (FUNCTION_LIST, LAMBDA_LIST, "FunctionARN"),
    };
    let other_arn_key = if arn_key == "FunctionARN" {
        "LambdaFunctionARN"
    } else {
        "FunctionARN"
    };
    let mut own = items(behavior, own_list);
    let mut other = items(behavior, other_list);
    let other_kind = match options.function {
        EdgeFunction::LambdaEdge(_) => "a CloudFront Function",
        EdgeFunction::CloudFrontFunction(_) => "a Lambda@Edge function",
    };
    if other.iter().any(|i| event_of(i) == Some(VIEWER_RESPONSE)) {
        return Err(AttachError::Forbidden {
            behavior: label.to_string(),
            reason: format!(
                "it has {other_kind} on viewer-response, and CloudFront does not allow Lambda@Edge and CloudFront Functions on the viewer events of one behavior"
            ),
        });
    }
    let arn = options.function.arn();
    let own_at = own.iter().position(|i| event_of(i) == Some(VIEWER_REQUEST));
    let other_at = other
        .iter()
        .position(|i| event_of(i) == Some(VIEWER_REQUEST));
    let current = |list: &[Value], at: Option<usize>, key: &str| {
        at.and_then(|i| list[i].get(key))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    if own_at.is_some_and(|i| own[i].get(arn_key).and_then(Value::as_str) == Some(arn))
        && other_at.is_none()
    {
        notes.push(AttachNote {
            behavior: label.to_string(),
            warning: false,
            text: format!("{arn} is already its viewer-request function; unchanged"),
        });
        return Ok(());
    }
    if !options.replace {
        if let Some(i) = own_at {
            return Err(AttachError::AlreadyAssociated {
                behavior: label.to_string(),
                existing: current(&own, Some(i), arn_key),
            });
        }
        if let Some(i) = other_at {
            return Err(AttachError::AlreadyAssociated {
                behavior: label.to_string(),
                existing: format!("{other_kind}, {}", current(&other, Some(i), other_arn_key)),
            });
        }
    }
    if let Some(i) = other_at {
        let old = current(&other, Some(i), other_arn_key);
        other.remove(i);
        set_items(behavior, other_list, other);
        notes.push(AttachNote {
            behavior: label.to_string(),
            warning: false,
            text: format!("removed {other_kind} from viewer-request ({old}): CloudFront allows one function per event"),
        });
    }
    let new_item = match options.function {
        EdgeFunction::LambdaEdge(_) => json!({
            "LambdaFunctionARN": arn,
            "EventType": VIEWER_REQUEST,
            "IncludeBody": false,
        }),
        EdgeFunction::CloudFrontFunction(_) => json!({
            "FunctionARN": arn,
            "EventType": VIEWER_REQUEST,
        }),
    };
    match own_at {
        Some(i) => {
            let old = current(&own, Some(i), arn_key);
            if let Value::Object(item) = &mut own[i] {
                item.insert(arn_key.into(), json!(arn));
                if matches!(options.function, EdgeFunction::LambdaEdge(_)) {
                    item.insert("IncludeBody".into(), json!(false));
                }
            } else {
                own[i] = new_item;
            }
            notes.push(AttachNote {
                behavior: label.to_string(),
                warning: false,
                text: format!(
                    "viewer-request: {old} replaced by the {} {arn}",
                    options.function.kind()
                ),
            });
        }
        None => {
            own.push(new_item);
            notes.push(AttachNote {
                behavior: label.to_string(),
                warning: false,
                text: format!("viewer-request: the {} {arn}", options.function.kind()),
            });
        }
    }
    set_items(behavior, own_list, own);
    Ok(())
}

/// Takes `Referer` out of a legacy `ForwardedValues.Headers` list and says what the cache and
/// origin request policies do with it.
fn clean_cache_key(behavior: &mut Map<String, Value>, label: &str, notes: &mut Vec<AttachNote>) {
    let note = |warning, text: String| AttachNote {
        behavior: label.to_string(),
        warning,
        text,
    };
    let headers = behavior
        .get_mut("ForwardedValues")
        .and_then(|f| f.get_mut("Headers"))
        .and_then(Value::as_object_mut);
    if let Some(headers) = headers {
        let list: Vec<Value> = headers
            .get("Items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let is_referer = |v: &Value| {
            v.as_str()
                .is_some_and(|h| h.eq_ignore_ascii_case("referer"))
        };
        if list.iter().any(|v| v.as_str() == Some("*")) {
            notes.push(note(true, "ForwardedValues.Headers forwards all headers (*), Referer included, into the cache key: replace ForwardedValues with a cache policy such as Managed-CachingOptimized".into()));
        }
        if list.iter().any(is_referer) {
            let kept: Vec<Value> = list.into_iter().filter(|v| !is_referer(v)).collect();
            headers.insert("Quantity".into(), json!(kept.len()));
            if kept.is_empty() {
                headers.shift_remove("Items");
            } else {
                headers.insert("Items".into(), Value::Array(kept));
            }
            notes.push(note(false, "removed Referer from ForwardedValues.Headers: it leaves the cache key, and S3 no longer receives it, so apply the bucket policy without aws:Referer (edgeguard migrate --policy-out) before this update".into()));
        }
    }
    if let Some(id) = behavior.get("CachePolicyId").and_then(Value::as_str) {
        match managed_policies::find(CACHE_POLICIES, id) {
            Some(p) if !p.includes_referer => {}
            Some(p) => notes.push(note(true, format!("cache policy {} ({id}) puts Referer in the cache key: choose another", p.name))),
            None => notes.push(note(true, format!("uses cache policy {id}, which edgeguard cannot read offline: make sure it does not put Referer in the cache key (aws cloudfront get-cache-policy --id {id}), or every referring page gets its own cache entry"))),
        }
    }
    if let Some(id) = behavior
        .get("OriginRequestPolicyId")
        .and_then(Value::as_str)
    {
        match managed_policies::find(ORIGIN_REQUEST_POLICIES, id) {
            Some(p) if !p.includes_referer => {}
            Some(p) => notes.push(note(false, format!("origin request policy {} ({id}) forwards Referer to the origin, outside the cache key: harmless once the bucket policy no longer checks aws:Referer", p.name))),
            None => notes.push(note(true, format!("uses origin request policy {id}, which edgeguard cannot read offline: an origin request policy never adds Referer to the cache key, but if it forwards Referer the old bucket policy keeps checking it on cache misses (aws cloudfront get-origin-request-policy --id {id})"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_arns_must_be_numbered_versions_in_us_east_1() {
        assert!(
            EdgeFunction::lambda("arn:aws:lambda:us-east-1:111122223333:function:guard:7").is_ok()
        );
        let table = [
            (
                "arn:aws:lambda:us-east-1:111122223333:function:guard:$LATEST",
                "$LATEST",
            ),
            (
                "arn:aws:lambda:us-east-1:111122223333:function:guard:live",
                "alias live",
            ),
            (
                "arn:aws:lambda:us-east-1:111122223333:function:guard",
                "unqualified",
            ),
            (
                "arn:aws:lambda:eu-west-1:111122223333:function:guard:7",
                "must be in us-east-1",
            ),
            (
                "arn:aws:lambda:us-east-1:111122223333:function:guard:07",
                "alias 07",
            ),
            (
                "arn:aws:cloudfront::111122223333:function/guard",
                "--function-arn",
            ),
        ];
        for (arn, reason) in table {
            let err = EdgeFunction::lambda(arn).unwrap_err().to_string();
            assert!(err.contains(reason), "{arn}: {err}");
        }
    }

    #[test]
    fn cloudfront_function_arns_are_checked() {
        assert!(EdgeFunction::cloudfront_function(
            "arn:aws:cloudfront::111122223333:function/edgeguard"
        )
        .is_ok());
        for arn in [
            "arn:aws:cloudfront::111122223333:distribution/E1",
            "arn:aws:cloudfront:us-east-1:111122223333:function/x",
            "arn:aws:lambda:us-east-1:111122223333:function:guard:1",
        ] {
            assert!(EdgeFunction::cloudfront_function(arn).is_err(), "{arn}");
        }
    }

    #[test]
    fn behaviors_are_a_comma_list_without_repeats() {
        assert_eq!(
            parse_behaviors("default, /images/*").unwrap(),
            vec![Behavior::Default, Behavior::Path("/images/*".into())]
        );
        assert!(parse_behaviors("default,default").is_err());
        assert!(parse_behaviors("default,").is_err());
    }
}
