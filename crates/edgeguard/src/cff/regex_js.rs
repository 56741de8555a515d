//! Carrying a `~REGEX` Referer pattern from the Rust `regex` crate to a JavaScript `RegExp`.
//!
//! The JavaScript is printed from the parsed regex, never copied from the pattern text. The
//! pattern is parsed by `regex-syntax` (the parser `regex` itself uses) with the matcher's own
//! flags, lowered to a small tree of character sets, assertions, concatenations, alternations and
//! repetitions ([`Node`]), checked by [`super::regex_safety`], and printed. So:
//!
//! - the anchors hold whatever the text says: the tree is one expression, printed with its own
//!   grouping, and the generator wraps it in `^(?:...)$`;
//! - both dialects read the same regex: case folding, `\d`, `\w`, flags and classes are resolved
//!   by the Rust parser into explicit sets, so the `RegExp` needs no flags and no syntax whose
//!   meaning differs between the engines;
//! - what the safety check proves is what the function runs.
//!
//! A character set keeps only the bytes a host can contain when the function runs a regex on it
//! ([`HOST_BYTES`]): a normalised host is lower-case, and the function matches regexes on domain
//! names and IPv4 addresses only. Over such hosts the printed `RegExp` and the Rust regex match
//! exactly the same strings; any other character matches no printed set, so it fails every path.

use super::regex_safety;
use crate::referer::{REGEX_CASE_INSENSITIVE, REGEX_UNICODE};
use regex_syntax::hir::{Class, Hir, HirKind, Look};
use std::fmt::Write as _;

/// A set of ASCII characters (bit `b` = byte `b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByteSet(u128);

impl ByteSet {
    /// No character.
    pub const EMPTY: ByteSet = ByteSet(0);

    fn with(self, b: u8) -> ByteSet {
        if b < 128 {
            ByteSet(self.0 | 1 << b)
        } else {
            self
        }
    }

    /// Whether `b` is in the set.
    pub fn contains(self, b: u8) -> bool {
        b < 128 && self.0 >> b & 1 == 1
    }

    /// The characters in both sets.
    pub fn and(self, other: ByteSet) -> ByteSet {
        ByteSet(self.0 & other.0)
    }

    /// The characters in either set.
    pub fn or(self, other: ByteSet) -> ByteSet {
        ByteSet(self.0 | other.0)
    }

    /// Whether the set has no character.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn bytes(self) -> impl Iterator<Item = u8> {
        (0u8..128).filter(move |&b| self.contains(b))
    }
}

/// The characters of a host the function runs a regex on: a normalised domain name (lower case,
/// letters, digits, `-`, `_`, `.`; see `P` in runtime.js) or an IPv4 address. The function
/// matches no regex on IPv6 hosts (README, "Differences from the Rust guard").
pub const HOST_BYTES: ByteSet = {
    let mut bits = 0u128;
    let mut b = 0u8;
    while b < 128 {
        if b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.') {
            bits |= 1 << b;
        }
        b += 1;
    }
    ByteSet(bits)
};

/// A zero-width assertion, as JavaScript writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assertion {
    /// `^`: start of the host.
    Start,
    /// `$`: end of the host.
    End,
    /// `\b`: a word boundary (ASCII word characters).
    WordBoundary,
    /// `\B`: not a word boundary.
    NotWordBoundary,
}

/// A regex as the function runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Matches the empty string.
    Empty,
    /// One character of the set; an empty set never matches.
    Set(ByteSet),
    /// A zero-width assertion.
    Assert(Assertion),
    /// Each part in turn.
    Concat(Vec<Node>),
    /// The first alternative that leads to a match.
    Alternation(Vec<Node>),
    /// `sub` between `min` and `max` (no bound: `None`) times.
    Repeat {
        /// What is repeated.
        sub: Box<Node>,
        /// Fewest repetitions.
        min: u32,
        /// Most repetitions, if bounded.
        max: Option<u32>,
        /// Greedy (`*`) or lazy (`*?`).
        greedy: bool,
    },
}

/// Returns the body of the function's `RegExp` for a `~REGEX` source (to be wrapped in
/// `^(?:...)$`), or why the function cannot run it.
pub fn translate(source: &str) -> Result<String, String> {
    let node = lower_source(source)?;
    regex_safety::check(&node).map_err(|e| {
        format!(
            "regex {source:?} could take super-linear time in the function's backtracking \
             JavaScript regex engine: {e}. The function accepts only regexes in which the next \
             character of the host always decides what to do (README, \"What the CloudFront \
             Functions variant accepts as a regex\"): use the plain patterns `example.com`, \
             `*.example.com` or `.example.com` instead (README, \"Referer patterns\"), or the \
             Lambda@Edge guard, whose regex engine runs in linear time"
        )
    })?;
    Ok(print(&node))
}

/// Parses a `~REGEX` source exactly as the Rust matcher does and lowers it to a [`Node`].
pub fn lower_source(source: &str) -> Result<Node, String> {
    // A host is ASCII, so a non-ASCII pattern character can never match: almost certainly an IDN
    // written in Unicode, which must be written as punycode (`xn--...`).
    if !source.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "regex {source:?}: only printable ASCII can match a host (write IDNs as punycode, xn--...)"
        ));
    }
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(REGEX_CASE_INSENSITIVE)
        .unicode(REGEX_UNICODE)
        // `regex::bytes`, as the matcher uses, parses with UTF-8 mode off.
        .utf8(false)
        .build()
        .parse(source)
        .map_err(|e| format!("regex {source:?} is not a valid regex on its own: {e}"))?;
    lower(&hir).map_err(|what| format!("regex {source:?}: {what}"))
}

fn lower(hir: &Hir) -> Result<Node, String> {
    Ok(match hir.kind() {
        HirKind::Empty => Node::Empty,
        HirKind::Literal(literal) => {
            let mut parts: Vec<Node> = literal
                .0
                .iter()
                .map(|&b| Node::Set(ByteSet::EMPTY.with(b).and(HOST_BYTES)))
                .collect();
            if parts.len() == 1 {
                parts.remove(0)
            } else {
                Node::Concat(parts)
            }
        }
        HirKind::Class(class) => Node::Set(class_set(class)),
        HirKind::Look(look) => Node::Assert(assertion(*look)?),
        HirKind::Repetition(rep) => Node::Repeat {
            sub: Box::new(lower(&rep.sub)?),
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
        },
        HirKind::Capture(capture) => lower(&capture.sub)?,
        HirKind::Concat(subs) => Node::Concat(subs.iter().map(lower).collect::<Result<_, _>>()?),
        HirKind::Alternation(subs) => {
            Node::Alternation(subs.iter().map(lower).collect::<Result<_, _>>()?)
        }
    })
}

/// The host characters of a class (a Unicode class is cut to its ASCII part: hosts are ASCII).
fn class_set(class: &Class) -> ByteSet {
    let mut set = ByteSet::EMPTY;
    match class {
        Class::Bytes(bytes) => {
            for r in bytes.ranges() {
                for b in r.start()..=r.end() {
                    set = set.with(b);
                }
            }
        }
        Class::Unicode(unicode) => {
            for r in unicode.ranges() {
                for c in r.start()..=r.end() {
                    if let Ok(b) = u8::try_from(c) {
                        set = set.with(b);
                    } else {
                        break;
                    }
                }
            }
        }
    }
    set.and(HOST_BYTES)
}

/// The JavaScript form of an assertion. A host has no line terminator, so the multi-line forms
/// mean start and end of the host; it is ASCII, so a Unicode word boundary is the ASCII one.
fn assertion(look: Look) -> Result<Assertion, String> {
    match look {
        Look::Start | Look::StartLF | Look::StartCRLF => Ok(Assertion::Start),
        Look::End | Look::EndLF | Look::EndCRLF => Ok(Assertion::End),
        Look::WordAscii | Look::WordUnicode => Ok(Assertion::WordBoundary),
        Look::WordAsciiNegate | Look::WordUnicodeNegate => Ok(Assertion::NotWordBoundary),
        _ => Err(
            "word-start and word-end assertions (\\b{start}, \\<, \\>, ...) have no JavaScript \
             equivalent (use \\b)"
                .to_string(),
        ),
    }
}

/// Prints a node as JavaScript regex syntax (no flags needed; valid as a `/.../` literal).
pub fn print(node: &Node) -> String {
    let mut out = String::new();
    print_into(node, &mut out);
    out
}

fn print_into(node: &Node, out: &mut String) {
    match node {
        Node::Empty => out.push_str("(?:)"),
        Node::Set(set) => print_set(*set, out),
        Node::Assert(a) => out.push_str(match a {
            Assertion::Start => "^",
            Assertion::End => "$",
            Assertion::WordBoundary => "\\b",
            Assertion::NotWordBoundary => "\\B",
        }),
        Node::Concat(parts) => parts.iter().for_each(|p| print_into(p, out)),
        Node::Alternation(alternatives) => {
            out.push_str("(?:");
            for (i, a) in alternatives.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                print_into(a, out);
            }
            out.push(')');
        }
        Node::Repeat {
            sub,
            min,
            max,
            greedy,
        } => {
            let atom = matches!(**sub, Node::Set(_) | Node::Alternation(_));
            if !atom {
                out.push_str("(?:");
            }
            print_into(sub, out);
            if !atom {
                out.push(')');
            }
            match (min, max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (n, None) => {
                    let _ = write!(out, "{{{n},}}");
                }
                (n, Some(m)) if n == m => {
                    let _ = write!(out, "{{{n}}}");
                }
                (n, Some(m)) => {
                    let _ = write!(out, "{{{n},{m}}}");
                }
            }
            if !greedy {
                out.push('?');
            }
        }
    }
}

/// A set as one character, `[]` (never matches) or a class with ranges for runs of three or more.
fn print_set(set: ByteSet, out: &mut String) {
    let bytes: Vec<u8> = set.bytes().collect();
    if let [b] = bytes[..] {
        print_char(b, out);
        return;
    }
    out.push('[');
    let mut i = 0;
    while i < bytes.len() {
        let mut j = i;
        while j + 1 < bytes.len() && bytes[j + 1] == bytes[j] + 1 {
            j += 1;
        }
        print_char(bytes[i], out);
        if j >= i + 2 {
            out.push('-');
            print_char(bytes[j], out);
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out.push(']');
}

/// One character, escaped so that it is literal both inside and outside a class.
fn print_char(b: u8, out: &mut String) {
    match b {
        b'.' => out.push_str("\\."),
        b'-' => out.push_str("\\-"),
        _ if b.is_ascii_alphanumeric() || b == b'_' => out.push(char::from(b)),
        _ => {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    fn js(source: &str) -> String {
        translate(source).unwrap_or_else(|e| panic!("{source}: {e}"))
    }

    #[test]
    fn common_regexes_print_as_they_were_written_in_lower_case() {
        assert_eq!(
            js(r"(www|cdn)\.example\.(com|org)"),
            r"(?:www|cdn)\.example\.(?:com|org)"
        );
        assert_eq!(
            js(r"[a-z0-9-]+\.example\.com"),
            r"[\-0-9a-z]+\.example\.com"
        );
        assert_eq!(
            js(r"img-[0-9]{1,3}\.Example\.ORG"),
            r"img\-[0-9]{1,3}\.example\.org"
        );
        assert_eq!(js(r"cdn\d+?\.example"), r"cdn[0-9]+?\.example");
    }

    #[test]
    fn case_folding_is_resolved_so_the_regexp_needs_no_flag() {
        // The host is lower-case in both guards; `(?-i)` upper case can never match it.
        assert_eq!(js(r"(?i)x\.com"), r"x\.com");
        assert_eq!(js(r"(?-i)X\.com"), r"[]\.com");
    }

    #[test]
    fn classes_keep_only_host_characters() {
        // `\w` and `.` over a host: letters, digits, `_`, `-` and `.`; `\s` never matches.
        assert_eq!(js(r"\w\.x"), r"[0-9_a-z]\.x");
        assert_eq!(js(r"x\.[^.]"), r"x\.[\-0-9_a-z]");
        assert_eq!(js(r"x\s"), r"x[]");
    }

    #[test]
    fn rust_only_syntax_is_carried_with_rusts_meaning() {
        // What the two dialects read differently is resolved by the Rust parser first.
        assert_eq!(js(r"[]a]x"), r"ax");
        assert_eq!(js(r"[a[bc]]x"), r"[a-c]x");
        assert_eq!(js(r"[a-z&&[^x]]\."), r"[a-wyz]\.");
        assert_eq!(js(r"\x41\.com"), r"a\.com");
        assert_eq!(js(r"(?P<sub>www)\.x"), r"www\.x");
        assert_eq!(js(r"\Aa\z"), r"^a$");
        assert_eq!(js(r"a{3,}"), r"a{3,}");
    }

    #[test]
    fn word_start_and_end_assertions_are_refused() {
        for re in [r"\b{start}a", r"a\>", r"\<a"] {
            let e = translate(re).unwrap_err();
            assert!(e.contains("word-start"), "{re}: {e}");
        }
    }

    #[test]
    fn a_pattern_that_is_no_regex_on_its_own_is_refused() {
        let e = translate(r"example\.com)|(.*").unwrap_err();
        assert!(e.contains("not a valid regex on its own"), "{e}");
    }

    #[test]
    fn non_ascii_is_refused() {
        assert!(translate("bücher").unwrap_err().contains("punycode"));
        assert!(translate("a b").is_err());
    }
}
