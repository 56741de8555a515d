//! One `aws:Referer` condition value, as IAM matched it, turned into the narrowest edgeguard
//! Referer pattern that still admits the host the user named, with a plain account of what
//! changes.
//!
//! IAM compares the whole header: `StringEquals` exactly and case-sensitively, `StringLike` as a
//! case-sensitive glob where `*` spans any characters (`/`, `?` and other hosts included) and `?`
//! is one character. edgeguard parses the Referer as a URL and compares scheme, host, port and a
//! path prefix. The translation never widens the host: a `*` that IAM let run over the scheme or
//! into another host becomes a subdomain or apex pattern, a wildcard inside a host name is refused,
//! and a path is kept as a prefix (or dropped when it was only `/`).

use crate::referer::{ParsedReferer, RefererPattern};

/// How IAM compares a value with the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `StringEquals`, `StringNotEquals`: exact and case-sensitive; `*` and `?` are characters.
    Exact,
    /// `StringEqualsIgnoreCase`, `StringNotEqualsIgnoreCase`.
    ExactIgnoreCase,
    /// `StringLike`, `StringNotLike`: a case-sensitive glob over the whole header.
    Glob,
}

/// What one value became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translated {
    /// An edgeguard pattern, with what differs from IAM.
    Pattern(Translation),
    /// The value matches no request a browser sends; it is left out, for this reason.
    Skipped(String),
}

/// An edgeguard pattern standing for one IAM value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The pattern for `referer.allow` (already accepted by [`RefererPattern::parse`]).
    pub pattern: String,
    /// What edgeguard now allows, as a sentence starting with "now allows".
    pub now_allows: String,
    /// Where IAM matched something else, one sentence each.
    pub iam_matched: Vec<String>,
}

impl Translation {
    /// The report's wording: what is allowed now, then what IAM did.
    pub fn explanation(&self) -> String {
        let mut parts = vec![self.now_allows.clone()];
        parts.extend(self.iam_matched.iter().cloned());
        parts.join("; ")
    }
}

/// The pattern that stands for a value of `*` alone (any Referer): a regex matching every host.
pub const ANY_REFERER: &str = "~.*";

/// Why an empty value is left out.
const EMPTY_VALUE: &str = "an empty value matched only an empty Referer header, which browsers never send (they leave the header out, and IAM treats a missing header as absent, not as \"\"); edgeguard denies an empty Referer (referer_malformed). To let requests without a Referer through, use an ...IfExists operator or set missing = \"allow\"";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(String),
    Star,
    One,
}

/// Translates one value. `policy_variables` is true for policy version `2012-10-17`, where
/// `${...}` is a variable (`${*}`, `${?}`, `${$}` escape a literal character). The error text
/// says why the value cannot be translated; callers add the statement and the value.
pub fn translate(
    value: &str,
    comparison: Comparison,
    policy_variables: bool,
) -> Result<Translated, String> {
    if value.is_empty() {
        return Ok(Translated::Skipped(EMPTY_VALUE.to_string()));
    }
    let glob = comparison == Comparison::Glob;
    let ignore_case = comparison == Comparison::ExactIgnoreCase;
    let tokens = tokenize(value, glob, policy_variables)?;
    if tokens.iter().all(|t| !matches!(t, Token::Lit(_))) {
        if tokens.contains(&Token::Star) {
            return Ok(Translated::Pattern(Translation {
                pattern: ANY_REFERER.to_string(),
                now_allows: "now allows any well-formed http(s) Referer (a malformed one is denied: referer_malformed)".into(),
                iam_matched: vec!["IAM matched any Referer value".into()],
            }));
        }
        return Err(format!(
            "it matches only a Referer of exactly {} character(s), which no URL is",
            tokens.len()
        ));
    }
    let mut notes = Vec::new();
    if !glob && value.contains(['*', '?']) {
        notes.push(format!(
            "{} compares literally: its * and ? are characters, not wildcards",
            if ignore_case {
                "StringEqualsIgnoreCase"
            } else {
                "StringEquals"
            }
        ));
    }

    let scheme = split_scheme(&tokens, ignore_case)?;
    if scheme.missing {
        notes
            .push("IAM never matched this value: a Referer starts with http:// or https://".into());
    }
    let (authority, path) = split_path(&scheme.rest);
    let host = parse_authority(authority, scheme.open_left)?;
    let path = parse_path(path.as_deref(), host.trailing_star)?;

    if host.name.contains(['*', '?']) {
        return Err(format!(
            "its host {:?} contains * or ?, which StringEquals reads as characters: no real host has them (StringLike treats them as wildcards)",
            host.name
        ));
    }
    let host_name = host.name.to_ascii_lowercase();
    if host_name != host.name && !ignore_case {
        notes.push(format!(
            "IAM compared case-sensitively and browsers send lower-case hosts, so {:?} never matched as written; hosts are now compared case-insensitively",
            host.name
        ));
    }
    let scheme_prefix = match scheme.schemes.as_slice() {
        [one] => format!("{one}://"),
        _ => String::new(),
    };
    let host_part = match host.kind {
        HostKind::Exact => host_name.clone(),
        HostKind::Subdomains => format!("*.{host_name}"),
        HostKind::ApexAndSubdomains => format!(".{host_name}"),
    };
    let port_part = host.port.map(|p| format!(":{p}")).unwrap_or_default();
    let prefix = path.prefix.clone().unwrap_or_default();
    let pattern = format!("{scheme_prefix}{host_part}{port_part}{prefix}");
    let compiled = RefererPattern::parse(&pattern).map_err(|e| {
        format!("it would become the edgeguard pattern {pattern:?}, which is invalid: {e}")
    })?;

    let schemes_phrase = match scheme.schemes.as_slice() {
        [one] => format!("{one} only"),
        _ => "http or https".to_string(),
    };
    let place = match host.kind {
        HostKind::Exact => {
            let shown_scheme = if scheme_prefix.is_empty() {
                "http(s)://"
            } else {
                &scheme_prefix
            };
            format!("{shown_scheme}{host_name}{port_part}")
        }
        HostKind::Subdomains => format!(
            "any subdomain of {host_name}{port_part} (not {host_name} itself), {schemes_phrase}"
        ),
        HostKind::ApexAndSubdomains => {
            format!("{host_name}{port_part} and its subdomains, {schemes_phrase}")
        }
    };
    let now_allows = match &path.prefix {
        None => format!("now allows any page on {place}, path-insensitive"),
        Some(p) => format!(
            "now allows pages on {place} whose path starts with {p} (case-sensitive, query included); as with IAM, a path only matches pages whose referrer policy sends full URLs (browsers send only the origin to other sites by default)"
        ),
    };

    let mut iam_matched = Vec::new();
    if host.kind == HostKind::ApexAndSubdomains {
        iam_matched.push(format!(
            "narrowed: IAM's * before {host_name} also matched hosts merely ending in it (such as evil{host_name}); now only {host_name} and its subdomains"
        ));
    }
    if glob && tokens.contains(&Token::Star) {
        if let Some(evil) = bypass_example(&tokens, &compiled) {
            iam_matched.push(format!(
                "IAM's * spans any characters, so it also matched {evil}, which edgeguard denies"
            ));
        }
    }
    if path.exact && !host.trailing_star {
        iam_matched.push(format!("IAM allowed only the exact URL {value}"));
    }
    if path.missing && !host.trailing_star {
        iam_matched.push(format!(
            "IAM matched only the exact header {value}, which browsers never send (a Referer has at least the path /): this value never matched"
        ));
    }
    if let Some(rest) = &path.dropped {
        iam_matched.push(format!(
            "IAM also required the rest of the path to match {rest:?}; edgeguard checks only the prefix"
        ));
    }
    if ignore_case && path.prefix.is_some() {
        iam_matched.push(
            "IAM ignored case; the path prefix is now compared case-sensitively (narrower)".into(),
        );
    }
    iam_matched.extend(notes);
    Ok(Translated::Pattern(Translation {
        pattern,
        now_allows,
        iam_matched,
    }))
}

fn tokenize(value: &str, glob: bool, variables: bool) -> Result<Vec<Token>, String> {
    fn push_char(out: &mut Vec<Token>, c: char) {
        match out.last_mut() {
            Some(Token::Lit(s)) => s.push(c),
            _ => out.push(Token::Lit(c.to_string())),
        }
    }
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        if variables && rest.starts_with("${") {
            let end = rest
                .find('}')
                .ok_or_else(|| "it has an unterminated ${ (policy variable)".to_string())?;
            match &rest[2..end] {
                "*" => push_char(&mut out, '*'),
                "?" => push_char(&mut out, '?'),
                "$" => push_char(&mut out, '$'),
                name => {
                    return Err(format!(
                        "the policy variable ${{{name}}} stands for a value IAM knows only per request; edgeguard cannot translate it"
                    ))
                }
            }
            rest = &rest[end + 1..];
            continue;
        }
        match c {
            '*' if glob => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star)
                }
            }
            '?' if glob => out.push(Token::One),
            _ => push_char(&mut out, c),
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

/// The scheme part of a value: which of http and https it admits, and the tokens after `://`.
struct SchemePart {
    schemes: Vec<&'static str>,
    /// The value started with `*` and has no `://`: the star covers the scheme and runs into the
    /// host (`*.example.com/*`).
    open_left: bool,
    /// The value has no scheme at all (`example.com/*`): IAM never matched it.
    missing: bool,
    rest: Vec<Token>,
}

fn split_scheme(tokens: &[Token], ignore_case: bool) -> Result<SchemePart, String> {
    let found = tokens.iter().enumerate().find_map(|(i, t)| match t {
        Token::Lit(s) => s.find("://").map(|k| (i, k)),
        _ => None,
    });
    match found {
        Some((i, k)) => {
            let Token::Lit(lit) = &tokens[i] else {
                unreachable!("found in a literal")
            };
            let mut scheme_tokens = tokens[..i].to_vec();
            if k > 0 {
                scheme_tokens.push(Token::Lit(lit[..k].to_string()));
            }
            let mut rest = Vec::new();
            if lit.len() > k + 3 {
                rest.push(Token::Lit(lit[k + 3..].to_string()));
            }
            rest.extend(tokens[i + 1..].iter().cloned());
            let schemes: Vec<&'static str> = ["http", "https"]
                .into_iter()
                .filter(|s| glob_match(&scheme_tokens, s, ignore_case))
                .collect();
            if schemes.is_empty() {
                return Err(
                    "its scheme matches neither http nor https, so it never matched a browser's Referer"
                        .into(),
                );
            }
            Ok(SchemePart {
                schemes,
                open_left: false,
                missing: false,
                rest,
            })
        }
        None if tokens.first() == Some(&Token::Star) => Ok(SchemePart {
            schemes: vec!["http", "https"],
            open_left: true,
            missing: false,
            rest: tokens[1..].to_vec(),
        }),
        None => Ok(SchemePart {
            schemes: vec!["http", "https"],
            open_left: false,
            missing: true,
            rest: tokens.to_vec(),
        }),
    }
}

/// Splits the tokens after the scheme at the first `/`: authority tokens, then the path tokens
/// (starting with a literal `/`), or `None` when there is no `/`.
fn split_path(rest: &[Token]) -> (Vec<Token>, Option<Vec<Token>>) {
    for (i, t) in rest.iter().enumerate() {
        if let Token::Lit(s) = t {
            if let Some(k) = s.find('/') {
                let mut authority = rest[..i].to_vec();
                if k > 0 {
                    authority.push(Token::Lit(s[..k].to_string()));
                }
                let mut path = vec![Token::Lit(s[k..].to_string())];
                path.extend(rest[i + 1..].iter().cloned());
                return (authority, Some(path));
            }
        }
    }
    (rest.to_vec(), None)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostKind {
    Exact,
    Subdomains,
    ApexAndSubdomains,
}

struct HostPart {
    kind: HostKind,
    name: String,
    port: Option<String>,
    /// A `*` right after the host (`https://example.com*`): it covered the port and path too.
    trailing_star: bool,
}

fn parse_authority(mut tokens: Vec<Token>, open_left: bool) -> Result<HostPart, String> {
    if open_left {
        tokens.insert(0, Token::Star);
    }
    let leading_star = tokens.first() == Some(&Token::Star);
    if leading_star {
        tokens.remove(0);
    }
    let trailing_star = tokens.last() == Some(&Token::Star);
    if trailing_star {
        tokens.pop();
    }
    let mut text = match tokens.as_slice() {
        [Token::Lit(s)] => s.clone(),
        [] => {
            return Err(
                "its host is only a wildcard; to accept any Referer write \"*\" alone".into(),
            )
        }
        _ => return Err(
            "a wildcard inside the host names no host edgeguard can check exactly; list the hosts (or write a ~REGEX pattern in guard.toml by hand)"
                .into(),
        ),
    };
    let mut port_wildcard = false;
    if trailing_star && text.ends_with(':') {
        text.pop();
        port_wildcard = true;
    }
    let port_colon = if text.starts_with('[') {
        text.find(']')
            .and_then(|end| text[end..].find(':').map(|i| end + i))
    } else {
        text.rfind(':')
    };
    let (name, port) = match port_colon.map(|i| (&text[..i], &text[i + 1..])) {
        Some((h, p)) => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("its port {p:?} is not a number"));
            }
            (h.to_string(), Some(p.to_string()))
        }
        _ => (text.clone(), None),
    };
    if port_wildcard && port.is_some() {
        return Err("it has two ports".into());
    }
    let kind = if leading_star {
        if name.starts_with('.') {
            HostKind::Subdomains
        } else {
            HostKind::ApexAndSubdomains
        }
    } else {
        HostKind::Exact
    };
    let name = match kind {
        HostKind::Subdomains => name[1..].to_string(),
        _ => name,
    };
    if name.is_empty() {
        return Err("it names no host".into());
    }
    Ok(HostPart {
        kind,
        name,
        port,
        trailing_star: trailing_star && !port_wildcard,
    })
}

struct PathPart {
    /// Path prefix for the pattern; `None` for any path.
    prefix: Option<String>,
    /// The value named one exact URL (no wildcard in the path).
    exact: bool,
    /// The value had no path at all.
    missing: bool,
    /// The part of a path glob after its literal prefix, which edgeguard no longer checks.
    dropped: Option<String>,
}

fn parse_path(tokens: Option<&[Token]>, after_trailing_star: bool) -> Result<PathPart, String> {
    let Some(tokens) = tokens else {
        return Ok(PathPart {
            prefix: None,
            exact: false,
            missing: !after_trailing_star,
            dropped: None,
        });
    };
    let Some(Token::Lit(first)) = tokens.first() else {
        unreachable!("a path starts with a literal /")
    };
    if tokens
        .iter()
        .any(|t| matches!(t, Token::Lit(s) if s.contains('#')))
    {
        return Err(
            "a Referer never carries a #fragment (browsers strip it), so this value never matched"
                .into(),
        );
    }
    let exact = tokens.len() == 1;
    let after: String = tokens[1..]
        .iter()
        .map(|t| match t {
            Token::Lit(s) => s.as_str(),
            Token::Star => "*",
            Token::One => "?",
        })
        .collect();
    let dropped = (!exact && after != "*").then_some(after);
    let prefix = (first != "/").then(|| first.clone());
    Ok(PathPart {
        prefix,
        exact,
        missing: false,
        dropped,
    })
}

/// IAM's glob (or exact comparison) of `tokens` against `s`.
fn glob_match(tokens: &[Token], s: &str, ignore_case: bool) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let mut reach = vec![false; chars.len() + 1];
    reach[0] = true;
    let same = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let step = |reach: &mut Vec<bool>, piece: Option<char>, star: bool| {
        let mut next = vec![false; chars.len() + 1];
        if star {
            let mut any = false;
            for (j, slot) in next.iter_mut().enumerate() {
                any |= reach[j];
                *slot = any;
            }
        } else {
            for j in 1..=chars.len() {
                next[j] = reach[j - 1] && piece.is_none_or(|c| same(c, chars[j - 1]));
            }
        }
        *reach = next;
    };
    for t in tokens {
        match t {
            Token::Lit(l) => l.chars().for_each(|c| step(&mut reach, Some(c), false)),
            Token::One => step(&mut reach, None, false),
            Token::Star => step(&mut reach, None, true),
        }
    }
    reach[chars.len()]
}

/// A Referer that IAM's glob matched and the new pattern refuses, with a host under
/// `evil.test`: filled in from the value itself and checked against both matchers, so the
/// report never shows a made-up bypass.
fn bypass_example(tokens: &[Token], pattern: &RefererPattern) -> Option<String> {
    const FILLS: [&str; 5] = [
        "https://evil.test/?",
        "evil.test/?",
        ".evil.test",
        "s://evil.test/?",
        "evil",
    ];
    FILLS.iter().find_map(|fill| {
        let mut first = true;
        let candidate: String = tokens
            .iter()
            .map(|t| match t {
                Token::Lit(s) => s.clone(),
                Token::One => "x".to_string(),
                Token::Star if first => {
                    first = false;
                    fill.to_string()
                }
                Token::Star => String::new(),
            })
            .collect();
        let parsed = ParsedReferer::parse(&candidate).ok()?;
        let host = parsed.host();
        let evil = host == "evil.test" || host.ends_with(".evil.test") || host.starts_with("evil");
        (evil && glob_match(tokens, &candidate, false) && !pattern.matches(&parsed))
            .then_some(candidate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(value: &str, comparison: Comparison) -> String {
        match translate(value, comparison, false) {
            Ok(Translated::Pattern(t)) => t.pattern,
            other => panic!("{value}: {other:?}"),
        }
    }

    #[test]
    fn values_become_the_narrowest_pattern_that_keeps_the_named_host() {
        let table = [
            ("https://mistonline.in/", "https://mistonline.in"),
            ("https://mistonline.in/*", "https://mistonline.in"),
            (
                "https://mistonline.in/gallery/*",
                "https://mistonline.in/gallery/",
            ),
            (
                "https://mistonline.in/page.html",
                "https://mistonline.in/page.html",
            ),
            ("*.example.com/*", "*.example.com"),
            ("https://*.example.com/*", "https://*.example.com"),
            ("*example.com*", ".example.com"),
            ("http*://example.com/*", "example.com"),
            ("http?://example.com/*", "https://example.com"),
            ("*://example.com/*", "example.com"),
            ("https://example.com:8443/*", "https://example.com:8443"),
            ("https://example.com:*/*", "https://example.com"),
            ("https://example.com*", "https://example.com"),
            ("https://Example.COM/", "https://example.com"),
            ("https://example.com/a/*/b", "https://example.com/a/"),
            ("https://example.com/img?.png", "https://example.com/img"),
            ("http://[2001:db8::1]/*", "http://[2001:db8::1]"),
            ("http://[2001:db8::1]:8080/*", "http://[2001:db8::1]:8080"),
            ("*", ANY_REFERER),
        ];
        for (value, expected) in table {
            assert_eq!(pattern(value, Comparison::Glob), expected, "{value}");
        }
    }

    #[test]
    fn string_equals_reads_wildcards_as_characters() {
        assert_eq!(
            pattern("https://example.com/*", Comparison::Exact),
            "https://example.com/*"
        );
        assert!(translate("https://*.example.com/", Comparison::Exact, false).is_err());
    }

    #[test]
    fn untranslatable_values_say_why() {
        let table = [
            ("https://cdn*.example.com/*", "wildcard inside the host"),
            ("https://exampl?.com/*", "wildcard inside the host"),
            ("https://*/", "only a wildcard"),
            ("ftp://example.com/*", "neither http nor https"),
            ("https://example.com/#top", "fragment"),
            ("???", "exactly 3 character"),
        ];
        for (value, reason) in table {
            let err = translate(value, Comparison::Glob, false).unwrap_err();
            assert!(err.contains(reason), "{value}: {err}");
        }
    }

    #[test]
    fn policy_variables_are_refused_but_escapes_are_literal_in_2012_10_17() {
        let err = translate(
            "https://${aws:username}.example.com/*",
            Comparison::Glob,
            true,
        )
        .unwrap_err();
        assert!(err.contains("${aws:username}"), "{err}");
        assert_eq!(
            match translate("https://example.com/${*}x", Comparison::Glob, true) {
                Ok(Translated::Pattern(t)) => t.pattern,
                other => panic!("{other:?}"),
            },
            "https://example.com/*x"
        );
    }

    #[test]
    fn the_empty_value_is_skipped_with_its_reason() {
        assert!(matches!(
            translate("", Comparison::Glob, false),
            Ok(Translated::Skipped(reason)) if reason.contains("missing = \"allow\"")
        ));
    }

    #[test]
    fn a_star_before_the_host_is_reported_with_a_checked_bypass() {
        let Ok(Translated::Pattern(t)) = translate("*.example.com/*", Comparison::Glob, false)
        else {
            panic!()
        };
        assert!(
            t.explanation()
                .contains("also matched https://evil.test/?.example.com/"),
            "{}",
            t.explanation()
        );
    }

    #[test]
    fn glob_match_follows_iam() {
        let toks = tokenize("*.example.com/*", true, false).unwrap();
        assert!(glob_match(&toks, "https://evil.test/?.example.com/", false));
        assert!(glob_match(&toks, "https://www.example.com/", false));
        assert!(!glob_match(&toks, "https://example.com/", false));
        assert!(!glob_match(&toks, "https://WWW.EXAMPLE.COM/", false));
    }
}
