//! Referer allow-lists: parsing patterns at load time and matching a request's Referer.
//!
//! The Referer is parsed as a WHATWG URL (as browsers produce it), never scanned by hand, so the
//! classic bypasses of substring and "host up to the first `/` or `:`" checks (nginx
//! `valid_referers` accepts `http://good.com:pw@evil.com/`) cannot work.

use crate::decision::Reason;
#[cfg(feature = "regex")]
use regex::bytes::{Regex, RegexBuilder};
use std::fmt;
use url::{Host, Position, Url};

/// Longest Referer value considered; longer ones are `referer_malformed`.
pub const MAX_REFERER_LEN: usize = 4096;
/// Longest normalised Referer host; longer ones are `referer_malformed`. A DNS name has at most
/// 255 octets on the wire (RFC 1035, section 3.1), which is 253 characters written out without
/// the trailing dot, so no page a browser shows has a longer host. The CloudFront Functions guard
/// applies the same bound before any regex runs (src/cff/).
pub const MAX_HOST_LEN: usize = 253;
/// Compiled-size ceiling for one `~REGEX` pattern, so a config cannot blow up memory at the edge.
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// `~REGEX` patterns are case-insensitive (hosts are compared lower-cased anyway). Shared with
/// the CloudFront Functions generator, which must parse a pattern exactly as the matcher does.
pub const REGEX_CASE_INSENSITIVE: bool = true;
/// `~REGEX` patterns are matched over bytes without Unicode classes (a normalised host is ASCII),
/// which keeps the edge bundle free of Unicode tables. Shared like [`REGEX_CASE_INSENSITIVE`].
pub const REGEX_UNICODE: bool = false;

/// What to do when the request has no Referer header at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingReferer {
    /// Pass requests without a Referer (privacy browsers, apps, `no-referrer` pages).
    Allow,
    /// Deny them with `referer_missing`.
    #[default]
    Deny,
}

/// One allow-list entry.
#[derive(Debug, Clone)]
pub struct RefererPattern {
    source: String,
    kind: PatternKind,
}

#[derive(Debug, Clone)]
enum PatternKind {
    Url {
        scheme: Option<Scheme>,
        host: HostPattern,
        port: Option<u16>,
        path_prefix: Option<String>,
    },
    #[cfg(feature = "regex")]
    Regex(Regex),
}

/// Schemes a Referer may carry to be matched at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `http`
    Http,
    /// `https`
    Https,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// `example.com`: that host only.
    Exact(String),
    /// `*.example.com`: any subdomain at any depth, not the apex.
    Subdomains(String),
    /// `.example.com`: the apex and any subdomain.
    ApexAndSubdomains(String),
}

/// Why a pattern was rejected at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatternError {}

fn err<T>(msg: impl Into<String>) -> Result<T, PatternError> {
    Err(PatternError(msg.into()))
}

/// A Referer reduced to the parts patterns look at. Built once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReferer {
    scheme: Scheme,
    /// Lower-case, punycode, no trailing dot; IPv6 in brackets.
    host: String,
    port: u16,
    /// Path plus `?query`, as the URL parser serialises it.
    path_and_query: String,
}

impl ParsedReferer {
    /// Parses a Referer header value, or says why it is malformed.
    pub fn parse(value: &str) -> Result<Self, Reason> {
        let value = value.trim_matches(|c| c == ' ' || c == '\t');
        if value.is_empty() || value.len() > MAX_REFERER_LEN {
            return Err(Reason::RefererMalformed);
        }
        // The URL parser silently drops tabs and newlines and trims controls; a browser never
        // sends them, so their presence means a forged header: refuse rather than normalise.
        // A Referer is a serialised URL, which is ASCII (browsers send IDN hosts as punycode and
        // percent-encode paths), so non-ASCII also means forgery; refusing it keeps the
        // CloudFront Functions guard, which has no IDNA, in exact agreement (see src/cff/).
        if value.bytes().any(|b| b <= b' ' || b >= 0x7f) {
            return Err(Reason::RefererMalformed);
        }
        // Browsers strip userinfo and serialise hosts canonically, so `@` or `%` in the raw
        // authority only come from forged headers (`http://good.com:pw@evil.com/`,
        // `https://:@good.com/`, `https://evil%2Egood.com/`): refuse them before the URL parser
        // drops or decodes them.
        if raw_authority(value).contains(['@', '%']) {
            return Err(Reason::RefererMalformed);
        }
        let url = Url::parse(value).map_err(|_| Reason::RefererMalformed)?;
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(Reason::RefererMalformed),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Reason::RefererMalformed);
        }
        let host = match url.host() {
            Some(Host::Domain(d)) => normalise_domain(d),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => format!("[{ip}]"),
            None => return Err(Reason::RefererMalformed),
        };
        // WHATWG lets through hosts such as `evil.com;.example.com`; no DNS name looks like
        // that, so anything beyond letters, digits, `-`, `_` and `.` is a forgery.
        if host.is_empty() || !host.bytes().all(is_host_byte) {
            return Err(Reason::RefererMalformed);
        }
        // An empty label (`a..example.com`, `.example.com`, `example.com..`) names no DNS host,
        // so no page a browser shows has it; refuse it rather than let it end in an allowed suffix.
        if host.starts_with('.') || host.ends_with('.') || host.contains("..") {
            return Err(Reason::RefererMalformed);
        }
        if host.len() > MAX_HOST_LEN {
            return Err(Reason::RefererMalformed);
        }
        let port = url
            .port_or_known_default()
            .ok_or(Reason::RefererMalformed)?;
        let path_and_query = url[Position::BeforePath..Position::AfterQuery].to_string();
        Ok(ParsedReferer {
            scheme,
            host,
            port,
            path_and_query,
        })
    }

    /// The normalised host, as patterns compare it.
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// The authority as WHATWG finds it for http and https: after `scheme:` and any run of `/` and
/// `\\` (so `http:evil%2Ecom` and `http:\\\\a@b` count too), up to the first `/`, `\\`, `?` or
/// `#`; "" when there is no `:`.
fn raw_authority(value: &str) -> &str {
    let Some((_, rest)) = value.split_once(':') else {
        return "";
    };
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'[' | b']' | b':')
}

fn normalise_domain(domain: &str) -> String {
    domain
        .strip_suffix('.')
        .unwrap_or(domain)
        .to_ascii_lowercase()
}

impl RefererPattern {
    /// Parses one allow-list entry (see the README's pattern table).
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        let source = pattern.to_string();
        if pattern.is_empty() {
            return err("empty referer pattern");
        }
        if pattern.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return err("referer pattern contains whitespace or a control character");
        }
        if let Some(re) = pattern.strip_prefix('~') {
            if re.is_empty() {
                return err("empty regex after `~`");
            }
            return regex_pattern(source, re);
        }
        // A Referer host is ASCII (browsers send IDNs as punycode, and `ParsedReferer::parse`
        // refuses anything else), and edgeguard carries no Unicode tables (they would double the
        // edge bundle): a domain written in Unicode is refused with the form to write instead.
        if !pattern.is_ascii() {
            return err(
                "a Referer is ASCII: write a domain with non-ASCII letters in its punycode form, as \
                 browsers send it (`bücher.example` is `xn--bcher-kva.example`; \
                 `node -p 'url.domainToASCII(\"bücher.example\")'` prints it), and a path \
                 percent-encoded",
            );
        }
        let lower = pattern.to_ascii_lowercase();
        let (scheme, rest) = if lower.starts_with("https://") {
            (Some(Scheme::Https), &pattern[8..])
        } else if lower.starts_with("http://") {
            (Some(Scheme::Http), &pattern[7..])
        } else if pattern.contains("://") {
            return err("only http:// and https:// can be matched");
        } else {
            (None, pattern)
        };
        let (authority, path_prefix) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(rest[i..].to_string())),
            None => (rest, None),
        };
        if authority.contains(['@', '?', '#', '\\']) {
            return err("a host pattern may not contain @ ? # or \\");
        }
        let (host_part, port) = split_port(authority)?;
        let host = parse_host_pattern(host_part)?;
        Ok(RefererPattern {
            source,
            kind: PatternKind::Url {
                scheme,
                host,
                port,
                path_prefix,
            },
        })
    }

    /// The pattern as configured.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether this is a `~REGEX` entry, which needs the `regex` feature wherever it is matched.
    pub fn is_regex(&self) -> bool {
        match self.kind {
            #[cfg(feature = "regex")]
            PatternKind::Regex(_) => true,
            PatternKind::Url { .. } => false,
        }
    }

    /// The compiled parts, so code generators (the CloudFront Functions guard) re-express
    /// exactly what this matcher checks, normalisation (lower case, punycode, IP) included.
    pub fn view(&self) -> PatternView<'_> {
        match &self.kind {
            #[cfg(feature = "regex")]
            PatternKind::Regex(_) => PatternView::Regex(self.source.get(1..).unwrap_or("")),
            PatternKind::Url {
                scheme,
                host,
                port,
                path_prefix,
            } => {
                let (kind, host) = match host {
                    HostPattern::Exact(h) => (HostKind::Exact, h.as_str()),
                    HostPattern::Subdomains(h) => (HostKind::Subdomains, h.as_str()),
                    HostPattern::ApexAndSubdomains(h) => (HostKind::ApexAndSubdomains, h.as_str()),
                };
                PatternView::Host {
                    scheme: *scheme,
                    kind,
                    host,
                    port: *port,
                    path_prefix: path_prefix.as_deref(),
                }
            }
        }
    }

    /// Whether a parsed Referer satisfies this entry.
    pub fn matches(&self, referer: &ParsedReferer) -> bool {
        match &self.kind {
            #[cfg(feature = "regex")]
            PatternKind::Regex(re) => re.is_match(referer.host.as_bytes()),
            PatternKind::Url {
                scheme,
                host,
                port,
                path_prefix,
            } => {
                scheme.is_none_or(|s| s == referer.scheme)
                    && port.is_none_or(|p| p == referer.port)
                    && host_matches(host, &referer.host)
                    && path_prefix
                        .as_deref()
                        .is_none_or(|p| referer.path_and_query.starts_with(p))
            }
        }
    }
}

/// A `~REGEX` entry (`re` without the `~`).
#[cfg(feature = "regex")]
fn regex_pattern(source: String, re: &str) -> Result<RefererPattern, PatternError> {
    // Anchoring by text, `^(?:RE)$`, holds only when RE is a complete regex: otherwise
    // `a)|(.*` becomes `^(?:a)|(.*)$`, which matches every host. So RE must compile on its own
    // first. A regex that parses alone closes every group and class it opens and ends outside
    // any escape; and an `(?x)` comment cannot hide the closing `)` without a newline, which
    // patterns may not contain. So the wrapped text is RE between anchors.
    host_regex(re).map_err(|e| PatternError(format!("invalid regex: {e}")))?;
    let regex = host_regex(&format!("^(?:{re})$"))
        .map_err(|e| PatternError(format!("invalid regex: {e}")))?;
    Ok(RefererPattern {
        source,
        kind: PatternKind::Regex(regex),
    })
}

/// Without the `regex` feature (an edge bundle built for a config that has no `~REGEX`), such
/// a pattern cannot be honoured: the config is refused rather than the entry dropped.
#[cfg(not(feature = "regex"))]
fn regex_pattern(_source: String, _re: &str) -> Result<RefererPattern, PatternError> {
    err(REGEX_NOT_BUILT_IN)
}

/// The load error of a `~REGEX` pattern in a build without regex support.
pub const REGEX_NOT_BUILT_IN: &str = "this build has no `~REGEX` support: `make package` builds it in when the config has such a pattern (`edgeguard config edge-features`)";

/// Compiles a regex in the `~REGEX` dialect (see [`REGEX_CASE_INSENSITIVE`], [`REGEX_UNICODE`]).
#[cfg(feature = "regex")]
fn host_regex(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .case_insensitive(REGEX_CASE_INSENSITIVE)
        .unicode(REGEX_UNICODE)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// A read-only view of a compiled pattern (see [`RefererPattern::view`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternView<'a> {
    /// `~REGEX`: the regex source without `~`, matched case-insensitively over the whole host.
    Regex(&'a str),
    /// A host pattern with its optional restrictions.
    Host {
        /// Scheme the Referer must have, if restricted.
        scheme: Option<Scheme>,
        /// How the host is compared.
        kind: HostKind,
        /// Normalised host (lower case, punycode, no trailing dot; IPv6 in brackets).
        host: &'a str,
        /// Port the Referer must have (default ports count), if restricted.
        port: Option<u16>,
        /// Case-sensitive prefix of the Referer's path and query, if restricted.
        path_prefix: Option<&'a str>,
    },
}

/// How a host pattern compares hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// `example.com`: equal.
    Exact,
    /// `*.example.com`: a proper subdomain.
    Subdomains,
    /// `.example.com`: equal or a subdomain.
    ApexAndSubdomains,
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), PatternError> {
    let colon = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => authority[end..].find(':').map(|i| end + i),
            None => return err("unterminated IPv6 literal"),
        }
    } else {
        authority.rfind(':')
    };
    match colon {
        None => Ok((authority, None)),
        Some(i) => {
            let digits = &authority[i + 1..];
            match digits.parse::<u16>() {
                Ok(p) if p > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok((&authority[..i], Some(p)))
                }
                _ => err(format!("invalid port {digits:?}")),
            }
        }
    }
}

fn parse_host_pattern(host: &str) -> Result<HostPattern, PatternError> {
    let (make, name): (fn(String) -> HostPattern, &str) =
        if let Some(rest) = host.strip_prefix("*.") {
            (HostPattern::Subdomains, rest)
        } else if let Some(rest) = host.strip_prefix('.') {
            (HostPattern::ApexAndSubdomains, rest)
        } else {
            (HostPattern::Exact, host)
        };
    if name.contains('*') {
        return err("`*` is only allowed as a leading `*.` label (use `~REGEX` for more)");
    }
    if name.is_empty() || name == "." {
        return err("empty host");
    }
    let normalised = match Host::parse(name) {
        Ok(Host::Domain(d)) => normalise_domain(&d),
        Ok(Host::Ipv4(ip)) => ip.to_string(),
        Ok(Host::Ipv6(ip)) => format!("[{ip}]"),
        Err(e) => return err(format!("invalid host {name:?}: {e}")),
    };
    if normalised.is_empty() || normalised.contains("..") {
        return err(format!("invalid host {name:?}"));
    }
    let is_ip = !matches!(Host::parse(&normalised), Ok(Host::Domain(_)));
    if is_ip && !matches!(make(String::new()), HostPattern::Exact(_)) {
        return err("`*.` and leading `.` apply to domain names, not IP addresses");
    }
    Ok(make(normalised))
}

fn host_matches(pattern: &HostPattern, host: &str) -> bool {
    let is_subdomain_of = |apex: &str| {
        host.len() > apex.len() + 1
            && host.ends_with(apex)
            && host.as_bytes()[host.len() - apex.len() - 1] == b'.'
    };
    match pattern {
        HostPattern::Exact(h) => host == h,
        HostPattern::Subdomains(apex) => is_subdomain_of(apex),
        HostPattern::ApexAndSubdomains(apex) => host == apex || is_subdomain_of(apex),
    }
}

/// A rule's Referer check: the allow list plus the policy for an absent header.
#[derive(Debug, Clone)]
pub struct RefererPolicy {
    /// Entries; any match allows.
    pub allow: Vec<RefererPattern>,
    /// What an absent header means.
    pub missing: MissingReferer,
}

impl RefererPolicy {
    /// Checks the Referer header values of one request (in order of appearance).
    pub fn check<'a>(&self, mut values: impl Iterator<Item = &'a str>) -> Result<(), Reason> {
        let first = match values.next() {
            None => {
                return match self.missing {
                    MissingReferer::Allow => Ok(()),
                    MissingReferer::Deny => Err(Reason::RefererMissing),
                }
            }
            Some(v) => v,
        };
        if values.next().is_some() {
            return Err(Reason::RefererMalformed);
        }
        let referer = ParsedReferer::parse(first)?;
        if self.allow.iter().any(|p| p.matches(&referer)) {
            Ok(())
        } else {
            Err(Reason::RefererNotAllowed)
        }
    }
}
