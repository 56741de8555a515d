//! Adopting edgeguard where users already are: a CloudFront distribution in front of a private
//! S3 bucket whose bucket policy checks `aws:Referer`.
//!
//! Two pure translations, JSON in and JSON/TOML plus a report out, behind `edgeguard migrate`
//! and `edgeguard attach`:
//!
//! - [`bucket_policy`]: the bucket policy's `aws:Referer` conditions become `guard.toml` rules,
//!   and the policy is rewritten without them ([`bucket_policy::migrate`]);
//! - [`distribution`]: the output of `aws cloudfront get-distribution-config` gets the guard's
//!   viewer-request association on the chosen behaviors, and `Referer` leaves the legacy cache
//!   key ([`distribution::attach`]).
//!
//! Native only (the CLI uses it): the edge bundle never contains it.

pub mod bucket_policy;
pub mod distribution;
mod guard_toml;
pub mod managed_policies;
pub mod referer_value;
pub mod s3_resource;

/// Quotes a string for TOML and for one-line comments: JSON escapes are valid TOML basic-string
/// escapes, and DEL (which JSON leaves raw and TOML forbids) is escaped too, so a value from a
/// policy can never break out of its string or comment line.
pub(crate) fn quote(value: &str) -> String {
    let json = serde_json::Value::String(value.to_string()).to_string();
    json.replace('\u{7f}', "\\u007f")
}
