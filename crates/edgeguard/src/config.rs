//! The guard's configuration: the TOML file users write, the bundle config (its JSON form, key
//! files inlined, that edge bundles embed), their validation, and the compiled [`Config`] the
//! decision code runs on. Everything that can be wrong with a config is caught here, at load
//! time, so the per-request path never meets a bad pattern or an unreadable key.

use crate::cloudfront::{header, status_description, Response};
use crate::glob::PathGlob;
use crate::referer::{MissingReferer, RefererPattern, RefererPolicy};
use crate::signed::{KeySet, PublicKey};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest generated response Lambda@Edge accepts from a viewer-request function.
pub const MAX_GENERATED_RESPONSE: usize = 40 * 1024;

/// A configuration error, naming the file, the line where known, and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file (or `<bundle>` for the bundle config an edge bundle embeds).
    pub file: String,
    /// 1-based line, when it can be told.
    pub line: Option<usize>,
    /// Dotted key path such as `rules[0].referer.allow[1]`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: ", self.file, line)?,
            None => write!(f, "{}: ", self.file)?,
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The config file as written. Serialised as JSON (with key files inlined) it is also the
/// bundle config baked into the edge bundle (`config.json`, printed by `edgeguard config compile`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `"enforce"` (the default) or `"report"`: in report mode a request the rules would deny
    /// goes on unchanged and is logged as `would_deny` (see [`Mode`]). Kept as text so a wrong
    /// value is reported as `file:line: mode: ...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Scheme used to rebuild canned-policy resources; a viewer-request function cannot see it.
    #[serde(default = "default_scheme")]
    pub scheme: String,
    /// Seconds by which the signature validity window is widened at both ends.
    #[serde(default)]
    pub clock_skew_seconds: u64,
    /// Also decide `origin-request` events (the guard on an origin-request trigger). Off by
    /// default: there the Host header is the origin's, not the one the viewer sent.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_origin_request: bool,
    /// Public keys by Key-Pair-Id.
    #[serde(default)]
    pub keys: IndexMap<String, RawKey>,
    /// Rules, first match wins.
    #[serde(default)]
    pub rules: Vec<RawRule>,
    /// The deny response.
    #[serde(default)]
    pub deny: RawDeny,
}

/// A key given inline or by file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawKey {
    /// Path of a PEM file, relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pem_file: Option<String>,
    /// The PEM text itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pem: Option<String>,
}

/// One `[[rules]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// Path globs; the rule applies when any matches.
    pub paths: Vec<String>,
    /// Referer check; absent means the Referer is not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<RawReferer>,
    /// Signature requirement.
    #[serde(default)]
    pub signature: SignatureMode,
    /// A valid signature stands in for a good Referer (share links).
    #[serde(default)]
    pub signature_bypasses_referer: bool,
    /// Remove signing parameters from the query string of allowed requests.
    #[serde(default)]
    pub strip_signature: bool,
    /// `"enforce"` or `"report"` for this rule; absent means the top-level `mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// A rule's `referer = { ... }` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawReferer {
    /// Allowed patterns.
    pub allow: Vec<String>,
    /// Absent Referer handling.
    #[serde(default)]
    pub missing: MissingReferer,
}

/// The `[deny]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeny {
    /// Status code (403 by default, 302 with `redirect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Response body.
    #[serde(default = "default_body")]
    pub body: String,
    /// Content type of the body.
    #[serde(default = "default_content_type")]
    pub content_type: String,
    /// Redirect target instead of a body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
}

impl Default for RawDeny {
    fn default() -> Self {
        RawDeny {
            status: None,
            body: default_body(),
            content_type: default_content_type(),
            redirect: None,
        }
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn default_scheme() -> String {
    "https".into()
}
fn default_body() -> String {
    "Forbidden".into()
}
fn default_content_type() -> String {
    "text/plain; charset=utf-8".into()
}

/// Whether and how a rule checks signed URLs and cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureMode {
    /// Signing parameters are ignored.
    #[default]
    Off,
    /// A signature is verified if present; an invalid one denies.
    Optional,
    /// A valid signature is required.
    Required,
}

/// Whether a deny is carried out. Report mode is a rehearsal (like AWS WAF's Count action): the
/// request goes on unchanged and the deny is logged as `would_deny`. Only the exact words
/// `enforce` and `report` are accepted, and absence means `enforce`, so a typo can never turn
/// enforcement off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Denies are carried out (the default).
    #[default]
    Enforce,
    /// Denies are logged as `would_deny` and the request goes on unchanged.
    Report,
}

impl Mode {
    /// The word used in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Report => "report",
        }
    }

    /// Reads the config word; anything but `enforce` or `report` is an error.
    fn parse(text: &str) -> Option<Mode> {
        match text {
            "enforce" => Some(Mode::Enforce),
            "report" => Some(Mode::Report),
            _ => None,
        }
    }
}

/// A validated configuration, ready to decide requests.
#[derive(Debug, Clone)]
pub struct Config {
    /// The top-level mode: rules without their own `mode` follow it, and so do denies before
    /// any rule is chosen (`no_rule`; see [`crate::Guard`] for the ones always enforced).
    pub mode: Mode,
    /// `https` or `http`.
    pub scheme: String,
    /// Validity-window tolerance in seconds.
    pub clock_skew_seconds: u64,
    /// Whether `origin-request` events are decided too (else they are `event_malformed`).
    pub allow_origin_request: bool,
    /// Trusted public keys.
    pub keys: KeySet,
    /// Rules in order.
    pub rules: Vec<Rule>,
    /// The prebuilt deny response, in CloudFront's shape (its status is a string there).
    pub deny: Response,
    /// The deny response's status code, validated (200-599; a redirect's 301-308): the typed
    /// value adapters use, so none parses `deny.status` back.
    pub deny_status: u16,
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Path globs.
    pub paths: Vec<PathGlob>,
    /// Referer check, if any.
    pub referer: Option<RefererPolicy>,
    /// Signature requirement.
    pub signature: SignatureMode,
    /// A valid signature replaces the Referer check.
    pub signature_bypasses_referer: bool,
    /// Strip signing parameters on allow.
    pub strip_signature: bool,
    /// This rule's mode (its own `mode`, else the top-level one).
    pub mode: Mode,
}

/// The `edgeguard-wasm` cargo feature that compiles `~REGEX` Referer patterns into the module.
pub const EDGE_FEATURE_REGEX: &str = "regex";

impl Config {
    /// The `edgeguard-wasm` cargo features the edge bundle for this config needs, so that what
    /// the config does not use stays out of the module (`make package` builds exactly these;
    /// a bundle built without one refuses the config at load rather than misread it).
    pub fn edge_features(&self) -> Vec<&'static str> {
        let uses_regex = self.rules.iter().any(|rule| {
            rule.referer
                .as_ref()
                .is_some_and(|policy| policy.allow.iter().any(RefererPattern::is_regex))
        });
        uses_regex
            .then_some(EDGE_FEATURE_REGEX)
            .into_iter()
            .collect()
    }
}

impl Rule {
    /// Whether this rule applies to a URI.
    pub fn applies_to(&self, uri: &str) -> bool {
        self.paths.iter().any(|g| g.matches(uri))
    }
}

/// Reads a file named in the config (a `pem_file`), relative to the config file.
pub type FileReader<'a> = &'a dyn Fn(&str) -> Result<String, String>;

impl RawConfig {
    /// Parses TOML text; `file` is used in error messages.
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str, file: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)),
            key: String::new(),
            message: e.message().trim().to_string(),
        })
    }

    /// Parses the bundle config (the JSON form embedded in edge bundles).
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|e| ConfigError {
            file: "<bundle>".into(),
            line: Some(e.line()),
            key: String::new(),
            message: e.to_string(),
        })
    }

    /// Replaces every `pem_file` with the file's contents, so the config is self-contained.
    pub fn inline_key_files(
        &mut self,
        read: FileReader<'_>,
        ctx: &ErrorContext,
    ) -> Result<(), ConfigError> {
        for (id, key) in self.keys.iter_mut() {
            if let Some(path) = key.pem_file.take() {
                if key.pem.is_some() {
                    return Err(ctx.error(
                        &format!("keys.{id}"),
                        &path,
                        "give either `pem` or `pem_file`, not both",
                    ));
                }
                let text = read(&path).map_err(|e| {
                    ctx.error(
                        &format!("keys.{id}.pem_file"),
                        &path,
                        &format!("cannot read {path}: {e}"),
                    )
                })?;
                key.pem = Some(text);
            }
        }
        Ok(())
    }

    /// This config as the edge bundle carries it: every key as the SPKI PEM its compiled
    /// `config` holds (one text for every input form, PKCS#1 included), so the edge, which has
    /// no key parser, only ever hands its host a form it reads. Key files must have been inlined.
    pub fn with_spki_keys(&self, config: &Config) -> RawConfig {
        let mut bundle = self.clone();
        for (id, key) in bundle.keys.iter_mut() {
            if let Some(compiled) = config.keys.get(id) {
                key.pem = Some(compiled.spki_pem().to_string());
            }
        }
        bundle
    }

    /// Validates and compiles. Key files must have been inlined (see [`RawConfig::inline_key_files`]).
    pub fn compile(&self, ctx: &ErrorContext) -> Result<Config, ConfigError> {
        let scheme = match self.scheme.as_str() {
            "https" | "http" => self.scheme.clone(),
            other => return Err(ctx.error("scheme", other, "must be \"https\" or \"http\"")),
        };
        let mode = compile_mode(self.mode.as_deref(), "mode", Mode::Enforce, ctx)?;
        let mut keys = KeySet::new();
        for (id, raw) in &self.keys {
            let key_path = format!("keys.{id}");
            if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ctx.error(
                    &key_path,
                    id,
                    "a Key-Pair-Id is 1 to 128 printable ASCII characters",
                ));
            }
            let pem = match (&raw.pem, &raw.pem_file) {
                (Some(pem), None) => pem,
                (None, Some(path)) => {
                    return Err(ctx.error(&key_path, path, "pem_file was not read"))
                }
                _ => {
                    return Err(ctx.error(&key_path, id, "give exactly one of `pem` or `pem_file`"))
                }
            };
            let key = PublicKey::from_pem(pem)
                .map_err(|e| ctx.error(&key_path, id, &format!("unusable public key: {e}")))?;
            keys.insert(id.clone(), key);
        }
        if self.rules.is_empty() {
            return Err(ctx.error(
                "rules",
                "[[rules]]",
                "at least one [[rules]] table is needed",
            ));
        }
        let mut rules = Vec::with_capacity(self.rules.len());
        for (i, raw) in self.rules.iter().enumerate() {
            rules.push(compile_rule(raw, i, !keys.is_empty(), mode, ctx)?);
        }
        let (deny_status, deny) = compile_deny(&self.deny, ctx)?;
        Ok(Config {
            mode,
            scheme,
            clock_skew_seconds: self.clock_skew_seconds,
            allow_origin_request: self.allow_origin_request,
            keys,
            rules,
            deny,
            deny_status,
        })
    }
}

/// A `mode` value, or `default` when absent.
fn compile_mode(
    text: Option<&str>,
    key: &str,
    default: Mode,
    ctx: &ErrorContext,
) -> Result<Mode, ConfigError> {
    match text {
        None => Ok(default),
        Some(text) => Mode::parse(text)
            .ok_or_else(|| ctx.error(key, text, "must be \"enforce\" or \"report\"")),
    }
}

fn compile_rule(
    raw: &RawRule,
    i: usize,
    have_keys: bool,
    default_mode: Mode,
    ctx: &ErrorContext,
) -> Result<Rule, ConfigError> {
    let at = |k: &str| format!("rules[{i}].{k}");
    let mode = compile_mode(raw.mode.as_deref(), &at("mode"), default_mode, ctx)?;
    if raw.paths.is_empty() {
        return Err(ctx.error(&at("paths"), "paths", "list at least one path pattern"));
    }
    let mut paths = Vec::with_capacity(raw.paths.len());
    for (j, p) in raw.paths.iter().enumerate() {
        paths.push(PathGlob::new(p).map_err(|e| {
            ctx.error(
                &at(&format!("paths[{j}]")),
                p,
                &format!("bad glob {p:?}: {e}"),
            )
        })?);
    }
    let referer = match &raw.referer {
        None => None,
        Some(r) => {
            if r.allow.is_empty() {
                return Err(ctx.error(&at("referer.allow"), "allow", "list at least one pattern"));
            }
            let mut allow = Vec::with_capacity(r.allow.len());
            for (j, p) in r.allow.iter().enumerate() {
                allow.push(RefererPattern::parse(p).map_err(|e| {
                    ctx.error(
                        &at(&format!("referer.allow[{j}]")),
                        p,
                        &format!("bad pattern {p:?}: {e}"),
                    )
                })?);
            }
            Some(RefererPolicy {
                allow,
                missing: r.missing,
            })
        }
    };
    if raw.signature != SignatureMode::Off && !have_keys {
        return Err(ctx.error(
            &at("signature"),
            "signature",
            "checking signatures needs at least one key in [keys]",
        ));
    }
    if raw.signature_bypasses_referer && (raw.signature == SignatureMode::Off || referer.is_none())
    {
        return Err(ctx.error(
            &at("signature_bypasses_referer"),
            "signature_bypasses_referer",
            "needs both a `referer` check and `signature` other than \"off\"",
        ));
    }
    if raw.strip_signature && raw.signature == SignatureMode::Off {
        return Err(ctx.error(
            &at("strip_signature"),
            "strip_signature",
            "needs `signature` other than \"off\"",
        ));
    }
    Ok(Rule {
        paths,
        referer,
        signature: raw.signature,
        signature_bypasses_referer: raw.signature_bypasses_referer,
        strip_signature: raw.strip_signature,
        mode,
    })
}

/// The deny response and its status code: the code is turned into CloudFront's string only
/// inside the [`Response`].
fn compile_deny(raw: &RawDeny, ctx: &ErrorContext) -> Result<(u16, Response), ConfigError> {
    let mut headers = IndexMap::new();
    let (status, body) = match &raw.redirect {
        Some(target) => {
            let status = raw.status.unwrap_or(302);
            if ![301, 302, 303, 307, 308].contains(&status) {
                return Err(ctx.error(
                    "deny.status",
                    "status",
                    "with `redirect` the status must be 301, 302, 303, 307 or 308",
                ));
            }
            match url::Url::parse(target) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => {
                    return Err(ctx.error(
                        "deny.redirect",
                        target,
                        "must be an absolute http(s) URL",
                    ))
                }
            }
            if target.bytes().any(|b| b < b' ' || b == 0x7f) {
                return Err(ctx.error(
                    "deny.redirect",
                    target,
                    "control characters are not allowed",
                ));
            }
            headers.insert("location".to_string(), header("Location", target.clone()));
            (status, None)
        }
        None => {
            let status = raw.status.unwrap_or(403);
            if !(200..=599).contains(&status) {
                return Err(ctx.error(
                    "deny.status",
                    "status",
                    "must be between 200 and 599 (CloudFront's range)",
                ));
            }
            if matches!(status, 204 | 304) && !raw.body.is_empty() {
                return Err(ctx.error(
                    "deny.body",
                    "body",
                    "a 204 or 304 response cannot have a body (CloudFront answers 502)",
                ));
            }
            if raw.content_type.is_empty()
                || raw.content_type.bytes().any(|b| b < b' ' || b == 0x7f)
            {
                return Err(ctx.error(
                    "deny.content_type",
                    "content_type",
                    "must be a non-empty header value without control characters",
                ));
            }
            headers.insert(
                "content-type".to_string(),
                header("Content-Type", raw.content_type.clone()),
            );
            (status, Some(raw.body.clone()))
        }
    };
    headers.insert(
        "cache-control".to_string(),
        header("Cache-Control", "no-store"),
    );
    let response = Response {
        status: status.to_string(),
        status_description: status_description(status).map(str::to_string),
        headers,
        body_encoding: body.as_ref().map(|_| "text".to_string()),
        body,
    };
    let size = serde_json::to_string(&response)
        .map(|s| s.len())
        .unwrap_or(usize::MAX);
    if size > MAX_GENERATED_RESPONSE {
        return Err(ctx.error(
            "deny.body",
            "body",
            &format!("the deny response is {size} bytes; Lambda@Edge allows at most {MAX_GENERATED_RESPONSE} for a viewer-request response"),
        ));
    }
    Ok((status, response))
}

/// Where errors point: the file name and, for TOML, the text used to find lines.
#[derive(Debug, Clone)]
pub struct ErrorContext {
    /// File name for messages.
    pub file: String,
    /// The source text, when lines can be looked up in it.
    pub text: Option<String>,
}

impl ErrorContext {
    fn error(&self, key: &str, needle: &str, message: &str) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: self.text.as_deref().and_then(|t| find_line(t, key, needle)),
            key: key.to_string(),
            message: message.to_string(),
        }
    }
}

/// Line of the offending value: the first line that holds it (quoted, as TOML writes strings),
/// else the first that holds the key's last segment.
fn find_line(text: &str, key: &str, needle: &str) -> Option<usize> {
    let quoted = format!("\"{needle}\"");
    let last = key.rsplit('.').next().unwrap_or(key);
    let last = last.split('[').next().unwrap_or(last);
    text.lines()
        .position(|l| l.contains(&quoted))
        .or_else(|| {
            text.lines()
                .position(|l| !last.is_empty() && l.contains(last))
        })
        .map(|i| i + 1)
}

#[cfg(feature = "toml")]
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Parses, inlines key files and compiles a TOML config in one step.
#[cfg(feature = "toml")]
pub fn load_toml(
    text: &str,
    file: &str,
    read: FileReader<'_>,
) -> Result<(RawConfig, Config), ConfigError> {
    load_toml_with(text, file, read, |_| {})
}

/// [`load_toml`] with `adjust` applied to the raw config before it is compiled: command-line
/// overrides (`serve --scheme`) go through the same validation as the file, and a compiled
/// [`Config`] is never edited afterwards.
#[cfg(feature = "toml")]
pub fn load_toml_with(
    text: &str,
    file: &str,
    read: FileReader<'_>,
    adjust: impl FnOnce(&mut RawConfig),
) -> Result<(RawConfig, Config), ConfigError> {
    let ctx = ErrorContext {
        file: file.to_string(),
        text: Some(text.to_string()),
    };
    let mut raw = RawConfig::from_toml(text, file)?;
    raw.inline_key_files(read, &ctx)?;
    adjust(&mut raw);
    let config = raw.compile(&ctx)?;
    Ok((raw, config))
}

/// Compiles the bundle config: the JSON form of a [`RawConfig`] from [`load_toml`], embedded in
/// edge bundles as `config.json`.
pub fn load_bundle_json(text: &str) -> Result<Config, ConfigError> {
    let raw = RawConfig::from_json(text)?;
    raw.compile(&ErrorContext {
        file: "<bundle>".into(),
        text: None,
    })
}

/// Reads a TOML config from disk, resolving `pem_file` paths relative to it.
#[cfg(feature = "toml")]
pub fn load_file(path: &std::path::Path) -> Result<(RawConfig, Config), ConfigError> {
    load_file_with(path, |_| {})
}

/// [`load_file`] with `adjust` applied to the raw config before it is compiled (see
/// [`load_toml_with`]).
#[cfg(feature = "toml")]
pub fn load_file_with(
    path: &std::path::Path,
    adjust: impl FnOnce(&mut RawConfig),
) -> Result<(RawConfig, Config), ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        key: String::new(),
        message: format!("cannot read config: {e}"),
    })?;
    let dir = path.parent().map(|d| d.to_path_buf()).unwrap_or_default();
    let read = move |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    load_toml_with(&text, &file, &read, adjust)
}
