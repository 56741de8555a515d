//! Which regexes the CloudFront Function may run: those a backtracking engine matches in time
//! linear in the host.
//!
//! JavaScript engines backtrack: at each choice (which alternative, one more repetition or not)
//! they try one way and, when the rest fails, come back and try the next. When several ways can
//! read the same characters (`(a+)+`, `(a|ab)*`, `.*a.*a`), the number of ways to read a host grows
//! exponentially or polynomially with its length, and a failing host tries them all:
//! `([a-z0-9]+-?)+\.example\.com` spends about a second on 26 letters, where a CloudFront Function
//! gets about a millisecond. Rust's `regex` does not backtrack, so only the function needs this.
//!
//! The accepted subset is the regexes in which **the next character always decides** (a
//! deterministic regex, checked on the tree the function runs, see [`super::regex_js`]):
//!
//! 1. the alternatives of an alternation begin with pairwise disjoint sets of characters, at
//!    most one of them can match the empty string, and if one can, the others begin with no
//!    character that can follow the alternation;
//! 2. a repeated part cannot match the empty string, and where the count is not fixed, the
//!    characters that begin it are disjoint from those that can follow the repetition;
//! 3. every part satisfies 1 and 2 with what can follow it in the whole regex (inside a
//!    repetition: another repetition or what follows the repetition; at the end: nothing, the
//!    regex is anchored with `$`).
//!
//! Why that is linear: at every choice point, the next character (or the end of the host)
//! admits at most one of the ways, and every other way fails at its first character test,
//! having consumed nothing, after visiting each node of the regex at most once (it cannot loop
//! without consuming, by rule 2, nor split into two empty paths, by rule 1). So at most one path
//! survives each character of the host, the others die within the size of the regex, and the
//! whole match, failing or not, costs O(host length x regex size^2). The follow sets are
//! over-approximations (assertions are ignored, which can only remove paths), so the check may
//! refuse a harmless regex (`a?a`), never accept a harmful one.
//!
//! Two bounds keep the constant small: no repetition count above [`MAX_REPEAT_COUNT`], and no
//! regex larger than [`MAX_EXPANDED_SETS`] character sets once counted repetitions are written
//! out (as an engine may compile them).

use super::regex_js::{print, ByteSet, Node};
use std::fmt;

/// Largest `n` or `m` in `{n}`, `{n,}`, `{n,m}`: the longest DNS label (RFC 1035, 63 octets).
pub const MAX_REPEAT_COUNT: u32 = 63;

/// Largest number of character sets in a regex with its counted repetitions written out.
pub const MAX_EXPANDED_SETS: u64 = 1024;

/// Why a regex is outside the subset: the part at fault (in the function's syntax) and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The offending part of the regex, as the function would run it.
    pub part: String,
    /// What about it makes the engine backtrack.
    pub why: &'static str,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in `{}`, {}", self.part, self.why)
    }
}

/// Accepts a regex only if a backtracking engine matches it in linear time (see the module doc).
pub fn check(node: &Node) -> Result<(), Refusal> {
    if expanded_sets(node) > MAX_EXPANDED_SETS {
        return Err(Refusal {
            part: print(node),
            why: "the regex is too large once its counted repetitions are written out",
        });
    }
    deterministic(node, ByteSet::EMPTY)
}

fn refuse(node: &Node, why: &'static str) -> Result<(), Refusal> {
    Err(Refusal {
        part: print(node),
        why,
    })
}

/// Rules 1 to 3 for `node`, when `follow` is the set of characters that can come right after it.
fn deterministic(node: &Node, follow: ByteSet) -> Result<(), Refusal> {
    match node {
        Node::Empty | Node::Set(_) | Node::Assert(_) => Ok(()),
        Node::Concat(parts) => {
            let mut after = follow;
            for part in parts.iter().rev() {
                deterministic(part, after)?;
                after = if nullable(part) {
                    first(part).or(after)
                } else {
                    first(part)
                };
            }
            Ok(())
        }
        Node::Alternation(alternatives) => {
            for a in alternatives {
                deterministic(a, follow)?;
            }
            let mut begun = ByteSet::EMPTY;
            for a in alternatives {
                if !first(a).and(begun).is_empty() {
                    return refuse(node, "two alternatives can begin with the same character");
                }
                begun = begun.or(first(a));
            }
            let empty = alternatives.iter().filter(|a| nullable(a)).count();
            if empty > 1 {
                return refuse(node, "two alternatives can match the empty string");
            }
            if empty == 1
                && alternatives
                    .iter()
                    .any(|a| !nullable(a) && !first(a).and(follow).is_empty())
            {
                return refuse(
                    node,
                    "one alternative can match nothing, and another begins with a character that \
                     can also follow the alternation",
                );
            }
            Ok(())
        }
        Node::Repeat { sub, min, max, .. } => {
            if *min > MAX_REPEAT_COUNT || max.is_some_and(|m| m > MAX_REPEAT_COUNT) {
                return refuse(
                    node,
                    "a repetition count is over 63 (the longest DNS label)",
                );
            }
            if *max == Some(0) {
                return Ok(());
            }
            if nullable(sub) {
                return refuse(node, "the repeated part can match the empty string");
            }
            let inner = if *max == Some(1) {
                follow
            } else {
                first(sub).or(follow)
            };
            deterministic(sub, inner)?;
            if *max != Some(*min) && !first(sub).and(follow).is_empty() {
                return refuse(
                    node,
                    "the next character can either repeat it once more or begin what follows it",
                );
            }
            Ok(())
        }
    }
}

/// Whether the node can match the empty string.
fn nullable(node: &Node) -> bool {
    match node {
        Node::Empty | Node::Assert(_) => true,
        Node::Set(_) => false,
        Node::Concat(parts) => parts.iter().all(nullable),
        Node::Alternation(alternatives) => alternatives.iter().any(nullable),
        Node::Repeat { sub, min, max, .. } => *min == 0 || *max == Some(0) || nullable(sub),
    }
}

/// The characters a non-empty match of the node can begin with.
fn first(node: &Node) -> ByteSet {
    match node {
        Node::Empty | Node::Assert(_) => ByteSet::EMPTY,
        Node::Set(set) => *set,
        Node::Concat(parts) => {
            let mut set = ByteSet::EMPTY;
            for part in parts {
                set = set.or(first(part));
                if !nullable(part) {
                    break;
                }
            }
            set
        }
        Node::Alternation(alternatives) => alternatives
            .iter()
            .fold(ByteSet::EMPTY, |set, a| set.or(first(a))),
        Node::Repeat { sub, max, .. } if *max != Some(0) => first(sub),
        Node::Repeat { .. } => ByteSet::EMPTY,
    }
}

/// Character sets once counted repetitions are written out (`x{2,5}`: five `x`, `x+`: two).
fn expanded_sets(node: &Node) -> u64 {
    match node {
        Node::Empty | Node::Assert(_) => 0,
        Node::Set(_) => 1,
        Node::Concat(parts) | Node::Alternation(parts) => parts
            .iter()
            .fold(0, |n, p| n.saturating_add(expanded_sets(p))),
        Node::Repeat { sub, min, max, .. } => {
            let copies = max.unwrap_or(min.saturating_add(1)).max(1);
            expanded_sets(sub).saturating_mul(u64::from(copies))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::regex_js::lower_source;
    use super::*;

    fn verdict(source: &str) -> Result<(), Refusal> {
        check(&lower_source(source).unwrap_or_else(|e| panic!("{source}: {e}")))
    }

    #[test]
    fn disjoint_choices_are_accepted() {
        for re in [
            r"cdn[0-9]+\.example\.com",
            r"(www|static)\.example\.com",
            r"[a-z0-9-]+\.example\.com",
            r"img-[0-9]{1,3}\.example\.org",
            r"(www\.)?example\.com",
            r"edge([0-9]+\.)+example\.com",
            r"[a-z]+(-[a-z]+)*\.example\.com",
            r"x|y|",
        ] {
            assert_eq!(verdict(re), Ok(()), "{re}");
        }
    }

    #[test]
    fn each_rule_names_its_part() {
        let cases: &[(&str, &str, &str)] = &[
            (r"(a+)+", "a+", "repeat it once more"),
            (r"(a|ab)*c", "(?:a|ab)", "same character"),
            (r"(|x|y?)z", "(?:(?:)|x|y?)", "empty string"),
            (r"(x?|y)y", "(?:x?|y)", "also follow"),
            (
                r"(a?)*",
                "(?:a?)*",
                "repeated part can match the empty string",
            ),
            (r"\d+\d+x", "[0-9]+", "repeat it once more"),
            (r"a{64}", "a{64}", "over 63"),
        ];
        for (re, part, why) in cases {
            let refusal = verdict(re).unwrap_err();
            assert_eq!(refusal.part, *part, "{re}");
            assert!(refusal.why.contains(why), "{re}: {refusal}");
        }
    }

    #[test]
    fn counted_repetitions_are_bounded_once_written_out() {
        assert_eq!(verdict(r"(?:(?:x{63}y){9}z)"), Ok(()));
        let refusal = verdict(r"(?:(?:x{63}y){63}z){2}").unwrap_err();
        assert!(refusal.why.contains("too large"), "{refusal}");
    }
}
