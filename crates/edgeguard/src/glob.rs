//! Path patterns with CloudFront cache-behavior semantics, so a rule reads like the behavior
//! it is attached to: `*` matches any run of characters (slashes included), `?` exactly one,
//! everything else literally and case-sensitively.

use std::fmt;

/// Longest pattern CloudFront accepts for a cache behavior.
pub const MAX_PATTERN_LEN: usize = 255;

/// A compiled path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGlob {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(Vec<u8>),
    AnyOne,
    AnyRun,
}

/// Why a path pattern was rejected at load time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError(String);

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GlobError {}

impl PathGlob {
    /// Compiles a pattern. A missing leading `/` is added, as CloudFront does for behaviors.
    pub fn new(pattern: &str) -> Result<Self, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError("empty path pattern".into()));
        }
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(GlobError(format!(
                "path pattern longer than {MAX_PATTERN_LEN} characters"
            )));
        }
        if let Some(c) = pattern.chars().find(|c| !is_allowed(*c)) {
            return Err(GlobError(format!(
                "character {c:?} is not allowed in a path pattern (allowed: A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + & ?)"
            )));
        }
        let source = if pattern.starts_with('/') || pattern.starts_with('*') {
            pattern.to_string()
        } else {
            format!("/{pattern}")
        };
        let mut tokens: Vec<Token> = Vec::new();
        for b in source.bytes() {
            match b {
                b'*' => {
                    if tokens.last() != Some(&Token::AnyRun) {
                        tokens.push(Token::AnyRun);
                    }
                }
                b'?' => tokens.push(Token::AnyOne),
                _ => match tokens.last_mut() {
                    Some(Token::Literal(bytes)) => bytes.push(b),
                    _ => tokens.push(Token::Literal(vec![b])),
                },
            }
        }
        Ok(PathGlob { source, tokens })
    }

    /// The pattern as written (with the leading `/` added if it was missing).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the raw request URI matches. Runs in O(pattern × uri) at worst, never exponential.
    pub fn matches(&self, uri: &str) -> bool {
        matches_tokens(&self.tokens, uri.as_bytes())
    }
}

fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '_' | '-' | '.' | '*' | '$' | '/' | '~' | '"' | '\'' | '@' | ':' | '+' | '&' | '?'
        )
}

/// Greedy matching with single-star backtracking: the classic linear-space wildcard algorithm.
fn matches_tokens(tokens: &[Token], input: &[u8]) -> bool {
    let (mut t, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if t < tokens.len() {
            match &tokens[t] {
                Token::AnyRun => {
                    star = Some((t, i));
                    t += 1;
                    continue;
                }
                Token::AnyOne if i < input.len() => {
                    // `?` is one character, not one byte.
                    i += utf8_len(input[i]).min(input.len() - i);
                    t += 1;
                    continue;
                }
                Token::Literal(lit) if input[i..].starts_with(lit) => {
                    i += lit.len();
                    t += 1;
                    continue;
                }
                _ => {}
            }
        } else if i == input.len() {
            return true;
        }
        match star {
            Some((st, si)) if si < input.len() => {
                let next = si + utf8_len(input[si]).min(input.len() - si);
                star = Some((st, next));
                t = st + 1;
                i = next;
            }
            _ => return false,
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str) -> PathGlob {
        PathGlob::new(p).unwrap()
    }

    #[test]
    fn star_matches_across_slashes() {
        assert!(glob("/images/*").matches("/images/a/b/c.png"));
    }

    #[test]
    fn star_matches_the_empty_run() {
        assert!(glob("/images/*").matches("/images/"));
    }

    #[test]
    fn prefix_without_star_is_exact() {
        assert!(!glob("/images/").matches("/images/a.png"));
        assert!(glob("/images/").matches("/images/"));
    }

    #[test]
    fn question_mark_is_exactly_one_character() {
        assert!(glob("/a?.png").matches("/ab.png"));
        assert!(!glob("/a?.png").matches("/a.png"));
        assert!(!glob("/a?.png").matches("/abc.png"));
        assert!(glob("/a?.png").matches("/aé.png"));
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert!(!glob("/Images/*").matches("/images/a.png"));
    }

    #[test]
    fn missing_leading_slash_is_added() {
        assert_eq!(glob("images/*.jpg").as_str(), "/images/*.jpg");
        assert!(glob("images/*.jpg").matches("/images/x.jpg"));
    }

    #[test]
    fn star_in_the_middle_backtracks() {
        assert!(glob("/*.jpg").matches("/a.jpg.jpg"));
        assert!(glob("/*/thumb/*.png").matches("/x/y/thumb/z.png"));
        assert!(!glob("/*/thumb/*.png").matches("/x/y/thumb/z.jpg"));
    }

    #[test]
    fn lone_star_matches_everything() {
        assert!(glob("*").matches("/anything?at=all"));
    }

    #[test]
    fn empty_pattern_is_rejected() {
        assert!(PathGlob::new("").is_err());
    }

    #[test]
    fn forbidden_characters_are_rejected() {
        assert!(PathGlob::new("/images/ *").is_err());
        assert!(PathGlob::new("/images/[ab]").is_err());
        assert!(PathGlob::new("/imágenes/*").is_err());
    }

    #[test]
    fn overlong_pattern_is_rejected() {
        assert!(PathGlob::new(&format!("/{}", "a".repeat(255))).is_err());
    }

    #[test]
    fn many_stars_do_not_explode() {
        let g = glob("/*a*a*a*a*a*a*a*a*a*a*b");
        assert!(!g.matches(&format!("/{}", "a".repeat(8000))));
    }
}
