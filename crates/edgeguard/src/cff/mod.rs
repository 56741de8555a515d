//! The CloudFront Functions variant: turns a compiled [`Config`] into one self-contained
//! `cloudfront-js-2.0` viewer-request function that makes the same Referer decisions as the
//! Rust guard, at a sixth of the Lambda@Edge price.
//!
//! CloudFront Functions have 10 KB of code, no `URL` class, no punycode and no public-key crypto,
//! so the generated code parses Referers by hand (fail closed wherever WHATWG emulation would be
//! too big: see the README section "CloudFront Functions variant" for every divergence), and it
//! only pre-checks signed URLs and cookies (well-formed, known key, time window). The signature
//! itself must be enforced by a trusted key group on the behavior. Pure: config in, source out.

mod regex_js;
mod regex_safety;

use crate::config::{Config, Mode, SignatureMode};
use crate::decision::{Decision, Label, Reason};
use crate::guard::Guard;
use crate::guard::MAX_URI_AND_QUERY;
use crate::metrics;
use crate::path;
use crate::referer::{
    HostKind, MissingReferer, PatternView, RefererPattern, Scheme, MAX_HOST_LEN, MAX_REFERER_LEN,
};
use crate::signed::params::{COOKIE_PREFIX, SIGNING_PARAMS, URL_MARKERS};
use crate::signed::policy::{MAX_EXPIRES, MAX_EXPIRES_DIGITS, MAX_POLICY_BYTES};
use crate::signed::verify::MAX_SIGNATURE_CHARS;
use crate::signed::HashAlgorithm;
use std::fmt;

/// The CloudFront Functions code size quota (10 KB), in bytes of UTF-8 source.
pub const MAX_FUNCTION_BYTES: usize = 10_240;

/// Most labels of a Referer host looked up in the KeyValueStore (one lookup pair per parent
/// domain, each a KeyValueStore read); a longer host is denied. CloudFront Functions only.
pub const MAX_KVS_LABELS: usize = 20;

/// The runtime the generator fills in; its own build rules are described at its top.
const RUNTIME: &str = include_str!("runtime.js");

/// Generation choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CffOptions {
    /// Read the plain host patterns (no scheme, port or path restriction) from the function's
    /// CloudFront KeyValueStore instead of embedding them, so domains change without a deploy.
    pub kvs: bool,
}

/// A generated function and what the user must know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CffFunction {
    /// The JavaScript source.
    pub code: String,
    /// Config features the function handles more strictly than the Rust guard (fail closed).
    pub notes: Vec<String>,
    /// With [`CffOptions::kvs`]: the KeyValueStore keys (`<rule index>:<pattern>`) to load.
    pub kvs_keys: Vec<String>,
}

impl CffFunction {
    /// The KeyValueStore import file (`{"data":[{"key":..,"value":"1"}]}`) for [`Self::kvs_keys`].
    pub fn kvs_import_json(&self) -> String {
        let data: Vec<serde_json::Value> = self
            .kvs_keys
            .iter()
            .map(|k| serde_json::json!({"key": k, "value": "1"}))
            .collect();
        serde_json::json!({ "data": data }).to_string()
    }
}

/// Why no function could be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CffError {
    /// The function would exceed the 10 KB quota.
    TooLarge {
        /// Generated size in bytes.
        bytes: usize,
    },
    /// The config uses something the CloudFront Functions runtime cannot do the same way.
    Unsupported {
        /// Dotted config key, as in config errors.
        key: String,
        /// What and why.
        message: String,
    },
}

impl fmt::Display for CffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CffError::TooLarge { bytes } => write!(
                f,
                "the generated CloudFront Function is {bytes} bytes, over the {MAX_FUNCTION_BYTES}-byte (10 KB) \
                 CloudFront Functions limit; move the allow lists to a KeyValueStore (--kvs), use fewer or \
                 shorter patterns, or a shorter deny body"
            ),
            CffError::Unsupported { key, message } => {
                write!(f, "{key}: not supported by CloudFront Functions: {message}")
            }
        }
    }
}

impl std::error::Error for CffError {}

/// Generates the function for a compiled config.
pub fn generate(config: &Config, options: CffOptions) -> Result<CffFunction, CffError> {
    let mut notes = Vec::new();
    let mut kvs_keys = Vec::new();
    let mut rules = Vec::with_capacity(config.rules.len());
    let mut wide = false;
    let mut any_referer = false;
    let mut any_kvs = false;
    for (i, rule) in config.rules.iter().enumerate() {
        let globs: Vec<String> = rule.paths.iter().map(|g| glob_regex(g.as_str())).collect();
        wide |= rule.paths.iter().any(|g| g.as_str().contains('?'));
        let referer = match &rule.referer {
            None => "0".to_string(),
            Some(policy) => {
                any_referer = true;
                let mut inline = Vec::new();
                let mut uses_kvs = false;
                for (j, pattern) in policy.allow.iter().enumerate() {
                    let key = format!("rules[{i}].referer.allow[{j}]");
                    match kvs_key(pattern).filter(|_| options.kvs) {
                        Some(k) => {
                            kvs_keys.push(format!("{i}:{k}"));
                            uses_kvs = true;
                        }
                        None => inline.push(js_pattern(pattern, &key)?),
                    }
                }
                any_kvs |= uses_kvs;
                let missing = u8::from(policy.missing == MissingReferer::Allow);
                let kvs = if uses_kvs { ",1" } else { "" };
                format!("[{missing},[{}]{kvs}]", inline.join(","))
            }
        };
        if rule.signature_bypasses_referer {
            notes.push(format!(
                "rules[{i}].signature_bypasses_referer is not honoured: a CloudFront Function cannot \
                 verify a signature, so the Referer is always checked (stricter than the Lambda@Edge guard)"
            ));
        }
        let signature = match rule.signature {
            SignatureMode::Off => 0,
            SignatureMode::Optional => 1,
            SignatureMode::Required => 2,
        };
        if signature > 0 {
            notes.push(format!(
                "rules[{i}] checks signatures: attach a trusted key group to the cache behavior serving \
                 {}; the function only pre-checks the signing parameters and their time window{}",
                rule.paths
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if signature == 1 {
                    " (with a key group, CloudFront requires a signature there: \"optional\" acts as \"required\")"
                } else {
                    ""
                }
            ));
        }
        rules.push(format!(
            "[/^(?:{})$/,{referer},{signature},{},{}]",
            globs.join("|"),
            u8::from(rule.strip_signature),
            u8::from(rule.mode == Mode::Enforce)
        ));
    }
    let any_signature = config
        .rules
        .iter()
        .any(|r| r.signature != SignatureMode::Off);
    let any_strip = config.rules.iter().any(|r| r.strip_signature);
    let keys: Vec<String> = config.keys.keys().map(|k| js_string(k)).collect();
    let features = |name: &str| match name {
        "KVS" => any_kvs,
        "SIG" => any_signature,
        "STRIP" => any_strip,
        "WIDE" => wide,
        "REF" => any_referer,
        _ => false,
    };
    let body = fill(
        &assemble(RUNTIME, &features),
        &[
            ("__R__", format!("[{}]", rules.join(","))),
            ("__D__", deny_response(config)),
            ("__K__", format!("[{}]", keys.join(","))),
            ("__W__", config.clock_skew_seconds.to_string()),
            ("__H__", MAX_HOST_LEN.to_string()),
            ("__Y__", path_refusal_regex()),
            ("__A__", log_labels()),
            ("__C__", reason_codes(config)),
            ("__N__", metrics::NO_RULE.to_string()),
        ]
        .into_iter()
        .chain(shared_constants())
        .collect::<Vec<_>>(),
    );
    let code = format!("{}{body}", header(any_signature, options.kvs && any_kvs));
    if code.len() > MAX_FUNCTION_BYTES {
        return Err(CffError::TooLarge { bytes: code.len() });
    }
    Ok(CffFunction {
        code,
        notes,
        kvs_keys,
    })
}

/// The limits and names the runtime shares with the Rust guard, each filled from its Rust
/// constant so the two cannot drift apart.
fn shared_constants() -> Vec<(&'static str, String)> {
    let names: Vec<String> = SIGNING_PARAMS.iter().map(|p| js_string(p)).collect();
    vec![
        ("__MAX_URI_AND_QUERY__", MAX_URI_AND_QUERY.to_string()),
        ("__MAX_REFERER_LEN__", MAX_REFERER_LEN.to_string()),
        ("__MAX_KVS_LABELS__", MAX_KVS_LABELS.to_string()),
        ("__SIGNING_PARAMS__", format!("[{}]", names.join(","))),
        ("__SIGNING_PARAMS_LEN__", SIGNING_PARAMS.len().to_string()),
        ("__URL_MARKERS__", URL_MARKERS.len().to_string()),
        ("__COOKIE_PREFIX__", js_string(COOKIE_PREFIX)),
        ("__MAX_EXPIRES__", MAX_EXPIRES.to_string()),
        ("__MAX_EXPIRES_DIGITS__", MAX_EXPIRES_DIGITS.to_string()),
        ("__MAX_POLICY_BYTES__", MAX_POLICY_BYTES.to_string()),
        ("__MAX_SIGNATURE_CHARS__", MAX_SIGNATURE_CHARS.to_string()),
        ("__HASH_ALGORITHM__", js_string(HashAlgorithm::SHA256_NAME)),
    ]
}

/// `A`: the log labels indexed by "enforced" (0 would-deny, 1 deny), from [`Label`].
fn log_labels() -> String {
    format!(
        "[{},{}]",
        js_string(Label::WouldDeny.code()),
        js_string(Label::Deny.code())
    )
}

/// `C`: the reason codes the function logs, from [`Reason`], with the enforcement of the
/// denies before any rule decided by [`Guard::enforces`] (the one place report mode is decided).
fn reason_codes(config: &Config) -> String {
    let guard = Guard::new(config.clone());
    let before_rule = |reason: Reason| {
        format!(
            "[{},-1,{}]",
            js_string(reason.code()),
            u8::from(guard.enforces(&Decision::deny(reason)))
        )
    };
    format!(
        "{{m:{},p:{},n:{},i:{},s:{},r:{},o:{}}}",
        before_rule(Reason::EventMalformed),
        before_rule(Reason::PathNotNormalized),
        before_rule(Reason::NoRule),
        js_string(Reason::SignatureInvalid.code()),
        js_string(Reason::SignatureMissing.code()),
        js_string(Reason::RefererNotAllowed.code()),
        js_string(Reason::RefererMissing.code()),
    )
}

fn header(signature: bool, kvs: bool) -> String {
    let mut h = String::from(
        "// edgeguard guard for CloudFront Functions (cloudfront-js-2.0, viewer request), generated by\n\
         // `edgeguard cff` from the same config as the Lambda@Edge guard. Do not edit: regenerate.\n",
    );
    if signature {
        h.push_str(
            "// SECURITY: CloudFront Functions have no RSA/ECDSA, so this code does NOT verify signatures.\n\
             // The signature itself MUST be enforced by a trusted key group on every behavior whose rule\n\
             // checks signatures; this code only pre-checks parameters, key id and time window.\n",
        );
    }
    if kvs {
        h.push_str(
            "// Allow lists are read from the associated KeyValueStore: keys `<rule>:<pattern>`.\n",
        );
    }
    h
}

/// Keeps the template lines whose enclosing `//#NAME` blocks are all enabled, without comments
/// or indentation.
fn assemble(template: &str, enabled: &dyn Fn(&str) -> bool) -> String {
    let mut stack: Vec<bool> = Vec::new();
    let mut out = String::with_capacity(template.len());
    for line in template.lines() {
        let line = line.trim_start();
        if line == "//#END" {
            stack.pop();
        } else if let Some(name) = line.strip_prefix("//#") {
            stack.push(enabled(name));
        } else if !line.starts_with("//") && !line.is_empty() && stack.iter().all(|on| *on) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Replaces placeholders in one left-to-right pass, so data (a deny body saying `__K__`, say)
/// is never itself searched for placeholders.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    loop {
        let next = values
            .iter()
            .filter_map(|(name, value)| rest.find(name).map(|at| (at, *name, value)))
            .min_by_key(|(at, _, _)| *at);
        match next {
            Some((at, name, value)) => {
                out.push_str(&rest[..at]);
                out.push_str(value);
                rest = &rest[at + name.len()..];
            }
            None => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// A CloudFront path pattern as the body of a JavaScript regex: `*` any run (slashes
/// included), `?` one character, the rest literal.
fn glob_regex(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len() * 2);
    for c in glob.chars() {
        match c {
            '*' => out.push_str("[\\s\\S]*"),
            '?' => out.push_str("[\\s\\S]"),
            '.' | '$' | '+' | '/' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The raw bytes and escapes a path must not contain, as one case-insensitive JavaScript regex,
/// built from [`path::is_refused_raw`] and [`path::is_refused_escape`] so the function refuses
/// exactly what the Rust guard refuses: `[<raw bytes>]|%(?![\da-f]{2})|%(?:<escapes>)`.
fn path_refusal_regex() -> String {
    let raw: Vec<u8> = (0..=0x7f).filter(|b| path::is_refused_raw(*b)).collect();
    let class: String = ranges(&raw)
        .iter()
        .map(|&(first, last)| {
            if first == last {
                format!("\\x{first:02x}")
            } else {
                format!("\\x{first:02x}-\\x{last:02x}")
            }
        })
        .collect();
    let escapes: Vec<String> = (0..16u8)
        .filter_map(|high| {
            let lows: Vec<u8> = (0..16u8)
                .filter(|low| path::is_refused_escape(high * 16 + low))
                .collect();
            // A run never spans 9..a in the class: `[0-f]` would also match `:` .. `` ` ``.
            let digits: String = ranges(&lows)
                .iter()
                .flat_map(|&(first, last)| [(first, last.min(9)), (first.max(10), last)])
                .filter(|(first, last)| first <= last)
                .map(|(first, last)| {
                    if first == last {
                        format!("{first:x}")
                    } else {
                        format!("{first:x}-{last:x}")
                    }
                })
                .collect();
            (!lows.is_empty()).then(|| format!("{high:x}[{digits}]"))
        })
        .collect();
    format!("/[{class}]|%(?![\\da-f]{{2}})|%(?:{})/i", escapes.join("|"))
}

/// Sorted values as inclusive runs of consecutive values.
fn ranges(values: &[u8]) -> Vec<(u8, u8)> {
    let mut runs: Vec<(u8, u8)> = Vec::new();
    for &v in values {
        match runs.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(v) => *last = v,
            _ => runs.push((v, v)),
        }
    }
    runs
}

/// The KeyValueStore key of a pattern that can live there: a plain domain or IPv4 host pattern
/// with no scheme, port or path restriction, in its normalised form.
fn kvs_key(pattern: &RefererPattern) -> Option<String> {
    match pattern.view() {
        PatternView::Host {
            scheme: None,
            kind,
            host,
            port: None,
            path_prefix: None,
        } if !host.starts_with('[') => Some(match kind {
            HostKind::Exact => host.to_string(),
            HostKind::Subdomains => format!("*.{host}"),
            HostKind::ApexAndSubdomains => format!(".{host}"),
        }),
        _ => None,
    }
}

/// One allow-list entry as runtime data (see the legend in runtime.js).
fn js_pattern(pattern: &RefererPattern, key: &str) -> Result<String, CffError> {
    match pattern.view() {
        PatternView::Regex(source) => {
            let body = regex_js::translate(source).map_err(|message| CffError::Unsupported {
                key: key.to_string(),
                message,
            })?;
            // No `i` flag: case folding is already in the printed sets (see regex_js).
            Ok(format!("/^(?:{body})$/"))
        }
        PatternView::Host {
            scheme,
            kind,
            host,
            port,
            path_prefix,
        } => {
            let sigil = match kind {
                HostKind::Exact => '=',
                HostKind::Subdomains => '*',
                HostKind::ApexAndSubdomains => '.',
            };
            let head = js_string(&format!("{sigil}{host}"));
            if scheme.is_none() && port.is_none() && path_prefix.is_none() {
                return Ok(head);
            }
            let scheme = match scheme {
                None => "0".to_string(),
                Some(Scheme::Http) => "'http'".to_string(),
                Some(Scheme::Https) => "'https'".to_string(),
            };
            let port = port.map_or("0".to_string(), |p| p.to_string());
            let path = path_prefix.map_or("0".to_string(), js_string);
            Ok(format!("[{head},{scheme},{port},{path}]"))
        }
    }
}

/// The configured deny response in the CloudFront Functions shape (integer `statusCode`,
/// `{value}` headers, string body).
fn deny_response(config: &Config) -> String {
    let deny = &config.deny;
    let mut fields = vec![format!("statusCode:{}", config.deny_status)];
    if let Some(description) = &deny.status_description {
        fields.push(format!("statusDescription:{}", js_string(description)));
    }
    let headers: Vec<String> = deny
        .headers
        .iter()
        .filter_map(|(name, values)| {
            values
                .first()
                .map(|h| format!("{}:{{value:{}}}", js_string(name), js_string(&h.value)))
        })
        .collect();
    fields.push(format!("headers:{{{}}}", headers.join(",")));
    if let Some(body) = &deny.body {
        fields.push(format!("body:{}", js_string(body)));
    }
    format!("{{{}}}", fields.join(","))
}

/// A JavaScript string literal (JSON's, with the line separators older engines reject escaped).
fn js_string(text: &str) -> String {
    serde_json::Value::String(text.to_string())
        .to_string()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(all(test, feature = "toml"))]
mod tests;
