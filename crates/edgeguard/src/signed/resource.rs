//! Matching a custom policy's `Resource` against the requested URL, with CloudFront's rules:
//! `*` matches zero or more characters and `?` exactly one, but only inside their own section
//! of `[protocol]://[domain]/[path]\?[query]`; `\?` marks the query; a trailing `*` in the path
//! implies `\?*`; a trailing `*` in the domain implies `/*\?*`; a leading-`*` domain without a
//! protocol implies `*://`; `"*"` matches every URL. Matching is case-sensitive.
//!
//! Each section is a plain glob, matched with the classic single-backtrack-point algorithm:
//! at most O(pattern x text) steps, never exponential, whatever the policy holds.
//!
//! Many signers put the query of a custom-policy Resource after a plain `?` (botocore,
//! `aws cloudfront sign --ip-address` and the Go SDK sign the URL as given). When a Resource has
//! no `\?`, its first plain `?` in the path is therefore tried both as a wildcard and as the
//! query separator; the URL matches if either reading does.

/// The requested URL, in the sections a Resource is matched by.
#[derive(Debug, Clone, Copy)]
pub struct RequestedUrl<'a> {
    /// `https` or `http` (from configuration).
    pub scheme: &'a str,
    /// The Host header.
    pub host: &'a str,
    /// The raw URI (path), normally starting with `/`.
    pub path: &'a str,
    /// The own query (signing parameters removed); `None` when empty.
    pub query: Option<&'a str>,
}

/// How a pattern constrains the query section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryRule<'p> {
    /// The URL must have no query.
    Absent,
    /// Any query, or none.
    Any,
    /// A query matching this glob.
    Glob(&'p str),
}

/// Whether `pattern` (a policy `Resource`) covers `url`.
pub fn resource_matches(pattern: &str, url: &RequestedUrl<'_>) -> bool {
    if pattern == "*" {
        return true;
    }
    let (protocol, rest) = match pattern.split_once("://") {
        Some((p, rest)) if !p.contains('/') => (p, rest),
        _ if pattern.starts_with('*') => ("*", pattern),
        _ => return false,
    };
    if !glob(protocol, url.scheme) {
        return false;
    }
    let (domain, path_and_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if !glob(domain, url.host) {
        return false;
    }
    if path_and_query.is_empty() && domain.ends_with('*') {
        return true; // trailing `*` in the domain: `/*\?*`
    }
    if let Some((path, query)) = path_and_query.split_once("\\?") {
        let rule = if query == "*" {
            QueryRule::Any
        } else {
            QueryRule::Glob(query)
        };
        return path_and_query_match(path, rule, url);
    }
    let rule = if path_and_query.ends_with('*') {
        QueryRule::Any
    } else {
        QueryRule::Absent
    };
    if path_and_query_match(path_and_query, rule, url) {
        return true;
    }
    // Compatibility reading: the first plain `?` as the query separator.
    match path_and_query.split_once('?') {
        Some((path, query)) => {
            let rule = if query == "*" {
                QueryRule::Any
            } else {
                QueryRule::Glob(query)
            };
            path_and_query_match(path, rule, url)
        }
        None => false,
    }
}

fn path_and_query_match(path: &str, rule: QueryRule<'_>, url: &RequestedUrl<'_>) -> bool {
    if !glob(path, url.path) {
        return false;
    }
    match (rule, url.query) {
        (QueryRule::Any, _) => true,
        (QueryRule::Absent, None) => true,
        (QueryRule::Absent, Some(_)) => false,
        (QueryRule::Glob(_), None) => false,
        (QueryRule::Glob(q), Some(query)) => glob(q, query),
    }
}

/// One pattern element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    One,
    Many,
}

fn tokens(pattern: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(match c {
            '*' => Token::Many,
            '?' => Token::One,
            '\\' if chars.peek() == Some(&'?') => {
                chars.next();
                Token::Literal('?')
            }
            c => Token::Literal(c),
        });
    }
    out
}

/// Glob match of a whole section: `*` any run, `?` one character, `\?` a literal `?`.
fn glob(pattern: &str, text: &str) -> bool {
    let p = tokens(pattern);
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Token::Many) => {
                backtrack = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(Token::One) => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(Token::Literal(c)) if *c == t[ti] => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match backtrack {
            Some((star, start)) => {
                pi = star + 1;
                ti = start + 1;
                backtrack = Some((star, start + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|t| *t == Token::Many)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> (String, String, String, Option<String>) {
        let (scheme, rest) = text.split_once("://").unwrap();
        let (authority, path_query) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (path, query) = match path_query.split_once('?') {
            Some((p, q)) => (p, Some(q.to_string())),
            None => (path_query, None),
        };
        (scheme.into(), authority.into(), path.into(), query)
    }

    fn matches(pattern: &str, requested: &str) -> bool {
        let (scheme, host, path, query) = url(requested);
        resource_matches(
            pattern,
            &RequestedUrl {
                scheme: &scheme,
                host: &host,
                path: &path,
                query: query.as_deref(),
            },
        )
    }

    #[test]
    fn exact_resource_matches_only_itself() {
        let r = "https://d111111abcdef8.cloudfront.net/image.jpg";
        assert!(matches(r, r));
        assert!(!matches(
            r,
            "https://d111111abcdef8.cloudfront.net/image.jpgx"
        ));
        assert!(!matches(
            r,
            "http://d111111abcdef8.cloudfront.net/image.jpg"
        ));
        assert!(!matches(
            r,
            "https://d111111abcdef8.cloudfront.net/image.jpg?a=1"
        ));
        assert!(!matches(
            r,
            "https://d111111abcdef8.cloudfront.net/Image.jpg"
        ));
    }

    #[test]
    fn star_alone_matches_everything() {
        assert!(matches("*", "http://anything.example/x/y?z=1"));
    }

    #[test]
    fn doc_example_star_on_both_sides_of_a_file_name() {
        let r = "https://d111111abcdef8.cloudfront.net/*game_download.zip*";
        assert!(matches(
            r,
            "https://d111111abcdef8.cloudfront.net/game_download.zip"
        ));
        assert!(matches(
            r,
            "https://d111111abcdef8.cloudfront.net/example_game_download.zip?license=yes"
        ));
        assert!(matches(
            r,
            "https://d111111abcdef8.cloudfront.net/test_game_download.zip?license=temp"
        ));
        assert!(!matches(
            r,
            "https://d111111abcdef8.cloudfront.net/game_download.tar"
        ));
    }

    #[test]
    fn trailing_star_in_path_implies_any_query() {
        let r = "https://example.com/hello*";
        assert!(matches(r, "https://example.com/hello"));
        assert!(matches(r, "https://example.com/hello/world?x=1"));
        assert!(!matches(r, "https://example.com/hell"));
    }

    #[test]
    fn star_in_path_does_not_cross_into_the_query() {
        assert!(!matches(
            "https://example.com/*.jpg",
            "https://example.com/a?x=.jpg"
        ));
        assert!(matches(
            "https://example.com/*.jpg",
            "https://example.com/a/b.jpg"
        ));
    }

    #[test]
    fn escaped_question_mark_separates_the_query() {
        let r = "https://d111111abcdef8.cloudfront.net/images/horizon.jpg\\?size=large&license=yes";
        assert!(matches(
            r,
            "https://d111111abcdef8.cloudfront.net/images/horizon.jpg?size=large&license=yes"
        ));
        assert!(!matches(
            r,
            "https://d111111abcdef8.cloudfront.net/images/horizon.jpg?size=small&license=yes"
        ));
        assert!(!matches(
            r,
            "https://d111111abcdef8.cloudfront.net/images/horizon.jpg"
        ));
        assert!(matches(
            "https://e.com/a\\?size=*",
            "https://e.com/a?size=large"
        ));
        assert!(!matches(
            "https://e.com/a\\?size=*",
            "https://e.com/b?size=large"
        ));
    }

    #[test]
    fn plain_question_mark_is_one_character_or_the_query_separator() {
        assert!(matches("https://e.com/img?.jpg", "https://e.com/img1.jpg"));
        assert!(!matches("https://e.com/img?.jpg", "https://e.com/img.jpg"));
        assert!(matches(
            "https://example.com/a?b=1&c=2",
            "https://example.com/a?b=1&c=2"
        ));
        assert!(!matches(
            "https://example.com/a?b=1&c=2",
            "https://example.com/a?b=1&c=3"
        ));
    }

    #[test]
    fn wildcards_do_not_cross_section_boundaries() {
        // `*` in the domain cannot swallow the path, `*` in the protocol cannot swallow `://`.
        assert!(!matches("https://*.example.com", "https://a.example.com/x"));
        assert!(!matches("https://ex*/x", "https://example.com/y/x"));
        assert!(!matches("http*/x", "https://e.com/x"));
    }

    #[test]
    fn trailing_star_in_domain_implies_any_path_and_query() {
        let r = "https://*.example.com*";
        assert!(matches(r, "https://a.example.com/x/y?z=1"));
        assert!(matches(r, "https://a.example.com:8443/"));
        assert!(!matches(r, "https://example.org/"));
        assert!(matches(
            "http://*",
            "http://d604721fxaaqy9.cloudfront.net/any?x"
        ));
        assert!(!matches(
            "http://*",
            "https://d604721fxaaqy9.cloudfront.net/any"
        ));
    }

    #[test]
    fn leading_star_domain_without_protocol_implies_any_protocol() {
        assert!(matches("*example.com/*", "https://www.example.com/a"));
        assert!(matches("*example.com/*", "http://example.com/a?b"));
        assert!(!matches("*example.com/*", "https://example.org/a"));
    }

    #[test]
    fn star_protocol_matches_http_and_https() {
        assert!(matches("*://e.com/a", "http://e.com/a"));
        assert!(matches("*://e.com/a", "https://e.com/a"));
    }

    #[test]
    fn section_wildcards_from_the_cloudfront_sign_rs_vector() {
        let r = "https://*.example.com/test/*";
        assert!(matches(r, "https://test.example.com/test/data"));
        assert!(matches(r, "https://test.example.com/test/data?a=b"));
        assert!(!matches(r, "https://test.example.org/test/data"));
        assert!(!matches(r, "https://evil.com/.example.com/test/data"));
    }

    #[test]
    fn resource_without_protocol_or_leading_star_matches_nothing() {
        assert!(!matches("example.com/*", "https://example.com/a"));
    }

    #[test]
    fn pathological_patterns_finish() {
        let pattern = format!("https://e.com/{}b", "*a".repeat(2000));
        let text = format!("https://e.com/{}", "a".repeat(4000));
        assert!(!matches(&pattern, &text));
    }
}
