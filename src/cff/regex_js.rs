//! Carrying a `~REGEX` Referer pattern from the Rust `regex` crate to a JavaScript `RegExp`.
//!
//! The two dialects agree on a common core (literals, `.`, classes with ranges, `\d \w \s \b`,
//! groups, alternation, greedy and lazy repetition) and differ elsewhere: a leading `]` in a
//! class, nested classes and set operations, inline flags, named groups, `\p{..}`, `\A`/`\z`,
//! `{,n}`. Rather than translate the differences, only the common core is accepted, so a
//! pattern means the same on both sides or the generator refuses it with a clear message.

/// Returns the regex body for a JavaScript literal (`/` escaped), or why it cannot be carried.
pub fn translate(source: &str) -> Result<String, String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if !c.is_ascii_graphic() {
            return Err(format!(
                "regex {source:?}: only printable ASCII is portable to JavaScript"
            ));
        }
        match c {
            '\\' => {
                let Some(e) = next else {
                    return Err(format!("regex {source:?} ends with a lone backslash"));
                };
                let portable = ".\\+*?()|[]{}^$-/".contains(e)
                    || "dDwWsS".contains(e)
                    || (!in_class && "bB".contains(e));
                if !portable {
                    return Err(format!(
                        "regex {source:?}: escape \\{e} differs between Rust and JavaScript \
                         (portable: \\d \\w \\s \\b and escaped punctuation)"
                    ));
                }
                out.push('\\');
                out.push(e);
                i += 2;
                continue;
            }
            '[' if in_class => {
                return Err(format!(
                    "regex {source:?}: nested or POSIX classes differ between Rust and JavaScript"
                ))
            }
            '[' => {
                in_class = true;
                out.push('[');
                if next == Some('^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    return Err(format!(
                        "regex {source:?}: a `]` first in a class differs between Rust and JavaScript (escape it)"
                    ));
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '-' | '~' if in_class && next == Some(c) => {
                return Err(format!(
                    "regex {source:?}: class set operations ({c}{c}) are Rust-only"
                ))
            }
            '(' if !in_class && next == Some('?') => {
                if chars.get(i + 2) != Some(&':') {
                    return Err(format!(
                        "regex {source:?}: only (?:...) groups are portable (no inline flags or named groups)"
                    ));
                }
                out.push_str("(?:");
                i += 3;
                continue;
            }
            '{' if !in_class => {
                let close = chars[i..].iter().position(|&c| c == '}').map(|p| i + p);
                let body: String = match close {
                    Some(end) => chars[i + 1..end].iter().collect(),
                    None => String::new(),
                };
                let (min, max) = body.split_once(',').unwrap_or((&body, "0"));
                let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
                let (Some(end), false, true, true) =
                    (close, min.is_empty(), digits(min), digits(max))
                else {
                    return Err(format!(
                        "regex {source:?}: only {{n}}, {{n,}} and {{n,m}} repetitions are portable"
                    ));
                };
                out.push('{');
                out.push_str(&body);
                out.push('}');
                i = end + 1;
                continue;
            }
            '/' => out.push_str("\\/"),
            _ => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return Err(format!("regex {source:?}: unterminated class"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn common_core_passes_through() {
        assert_eq!(
            translate(r"(www|cdn)\.example\.(com|org)").unwrap(),
            r"(www|cdn)\.example\.(com|org)"
        );
        assert_eq!(
            translate(r"[a-z0-9-]+\.example\.com").unwrap(),
            r"[a-z0-9-]+\.example\.com"
        );
        assert_eq!(translate(r"(?:a|b){2,3}\d+?").unwrap(), r"(?:a|b){2,3}\d+?");
    }

    #[test]
    fn slash_is_escaped_for_a_regex_literal() {
        assert_eq!(translate("a/b").unwrap(), r"a\/b");
    }

    #[test]
    fn inline_flags_and_named_groups_are_refused() {
        assert!(translate("(?i)a").is_err());
        assert!(translate("(?P<x>a)").is_err());
    }

    #[test]
    fn rust_only_class_syntax_is_refused() {
        assert!(translate("[]a]").is_err());
        assert!(translate("[^]a]").is_err());
        assert!(translate("[a[bc]]").is_err());
        assert!(translate("[[:alpha:]]").is_err());
        assert!(translate("[a-z&&[^x]]").is_err());
    }

    #[test]
    fn rust_only_escapes_are_refused() {
        for re in [r"\pL", r"\Aa\z", r"\x41", r"\Q.\E", r"[\b]"] {
            assert!(translate(re).is_err(), "{re}");
        }
    }

    #[test]
    fn repetitions_without_a_minimum_are_refused() {
        assert!(translate("a{,3}").is_err());
        assert!(translate("a{x}").is_err());
        assert_eq!(translate("a{3,}").unwrap(), "a{3,}");
    }

    #[test]
    fn non_ascii_and_spaces_are_refused() {
        assert!(translate("bücher").is_err());
        assert!(translate("a b").is_err());
    }
}
