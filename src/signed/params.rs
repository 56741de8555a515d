//! Finding the signing credentials of a request: the query-string parameters of a signed URL
//! or the `CloudFront-*` cookies, with CloudFront's precedence (a URL carrying any of `Expires`,
//! `Policy`, `Signature`, `Key-Pair-Id` is a signed URL and its cookies are ignored).
//!
//! Names are compared exactly (case-sensitive, not percent-decoded), values are taken raw.
//! A lone `Hash-Algorithm` (or `CloudFront-Hash-Algorithm`) does not make a request signed: it
//! only qualifies a signature that is there. It is still a signing parameter, so it is never
//! part of the resource a policy is matched against and `strip_signature` removes it.

/// Query parameters that carry CloudFront signing data.
pub const SIGNING_PARAMS: [&str; 5] = [
    "Expires",
    "Policy",
    "Signature",
    "Key-Pair-Id",
    "Hash-Algorithm",
];

/// Parameters whose presence makes a URL a signed URL (`Hash-Algorithm` alone does not).
const URL_MARKERS: [&str; 4] = ["Expires", "Policy", "Signature", "Key-Pair-Id"];

/// Cookie names of signed cookies, in the same order as [`SIGNING_PARAMS`].
pub const SIGNING_COOKIES: [&str; 5] = [
    "CloudFront-Expires",
    "CloudFront-Policy",
    "CloudFront-Signature",
    "CloudFront-Key-Pair-Id",
    "CloudFront-Hash-Algorithm",
];

/// The raw signing values of one request, from one source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// `Expires` (canned policy).
    pub expires: Option<&'a str>,
    /// `Policy` (custom policy, CloudFront base64).
    pub policy: Option<&'a str>,
    /// `Signature` (CloudFront base64).
    pub signature: Option<&'a str>,
    /// `Key-Pair-Id`.
    pub key_pair_id: Option<&'a str>,
    /// `Hash-Algorithm`.
    pub hash_algorithm: Option<&'a str>,
}

impl<'a> Credentials<'a> {
    /// The slot of the n-th name of [`SIGNING_PARAMS`] / [`SIGNING_COOKIES`].
    fn slot(&mut self, index: usize) -> &mut Option<&'a str> {
        match index {
            0 => &mut self.expires,
            1 => &mut self.policy,
            2 => &mut self.signature,
            3 => &mut self.key_pair_id,
            _ => &mut self.hash_algorithm,
        }
    }

    /// Records a value; a second value for the same name is an error.
    fn set(&mut self, index: usize, value: &'a str) -> Result<(), Duplicate> {
        let slot = self.slot(index);
        if slot.is_some() {
            return Err(Duplicate);
        }
        *slot = Some(value);
        Ok(())
    }

    fn has_marker(&self) -> bool {
        self.expires.is_some()
            || self.policy.is_some()
            || self.signature.is_some()
            || self.key_pair_id.is_some()
    }
}

/// A signing parameter or cookie appeared twice: the request is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate;

/// Where the credentials were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    /// No signing data anywhere.
    Nothing,
    /// A signed URL.
    Url(Credentials<'a>),
    /// Signed cookies.
    Cookies(Credentials<'a>),
}

/// Name and raw value of one `name=value` query piece (value empty when there is no `=`).
fn split_pair(piece: &str) -> (&str, &str) {
    match piece.split_once('=') {
        Some((name, value)) => (name, value),
        None => (piece, ""),
    }
}

/// Signing parameters of a raw query string (without `?`).
pub fn query_credentials(querystring: &str) -> Result<Credentials<'_>, Duplicate> {
    let mut found = Credentials::default();
    for piece in querystring.split('&') {
        let (name, value) = split_pair(piece);
        if let Some(index) = SIGNING_PARAMS.iter().position(|p| *p == name) {
            found.set(index, value)?;
        }
    }
    Ok(found)
}

/// Whether a raw query string carries any parameter that makes it a signed URL.
pub fn is_signed_url(querystring: &str) -> bool {
    querystring
        .split('&')
        .any(|piece| URL_MARKERS.contains(&split_pair(piece).0))
}

/// `CloudFront-*` cookies over every Cookie header (`a=b; c=d`). A value wrapped in double
/// quotes (RFC 6265 allows that) is unwrapped.
pub fn cookie_credentials<'a>(cookie_headers: &[&'a str]) -> Result<Credentials<'a>, Duplicate> {
    let mut found = Credentials::default();
    for header in cookie_headers {
        for piece in header.split(';') {
            let (name, value) = split_pair(piece.trim_matches([' ', '\t']));
            if let Some(index) = SIGNING_COOKIES.iter().position(|c| *c == name) {
                let value = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                found.set(index, value)?;
            }
        }
    }
    Ok(found)
}

/// Finds the request's credentials with CloudFront's precedence: URL first, else cookies.
pub fn find_credentials<'a>(
    querystring: &'a str,
    cookie_headers: &[&'a str],
) -> Result<Found<'a>, Duplicate> {
    if is_signed_url(querystring) {
        return Ok(Found::Url(query_credentials(querystring)?));
    }
    let cookies = cookie_credentials(cookie_headers)?;
    Ok(if cookies.has_marker() {
        Found::Cookies(cookies)
    } else {
        Found::Nothing
    })
}

/// The raw query with only the signing parameters removed: order, duplicates, empty pieces and
/// percent-encoding of everything else untouched. This is both the "own query" of a canned
/// policy's resource and what `strip_signature` forwards.
pub fn own_query(querystring: &str) -> String {
    querystring
        .split('&')
        .filter(|piece| !SIGNING_PARAMS.contains(&split_pair(piece).0))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_query_keeps_everything_but_signing_params_verbatim() {
        assert_eq!(
            own_query("b=%2F2&Expires=1&a=1&&Signature=x&Key-Pair-Id=K&Hash-Algorithm=SHA256&c"),
            "b=%2F2&a=1&&c"
        );
        assert_eq!(own_query("Expires=1&Signature=x&Key-Pair-Id=K"), "");
        assert_eq!(own_query(""), "");
        assert_eq!(own_query("expires=1"), "expires=1");
    }

    #[test]
    fn duplicate_query_parameter_is_an_error() {
        assert_eq!(query_credentials("Signature=a&Signature=b"), Err(Duplicate));
        assert_eq!(
            query_credentials("Hash-Algorithm=SHA256&Hash-Algorithm=SHA256"),
            Err(Duplicate)
        );
    }

    #[test]
    fn lone_hash_algorithm_does_not_make_a_signed_url() {
        assert!(!is_signed_url("Hash-Algorithm=SHA256&x=1"));
        assert!(is_signed_url("x=1&Key-Pair-Id=K"));
        assert!(is_signed_url("Expires"));
    }

    #[test]
    fn url_takes_precedence_over_cookies() {
        let found = find_credentials("Expires=1", &["CloudFront-Expires=2"]).unwrap();
        assert!(matches!(found, Found::Url(c) if c.expires == Some("1")));
    }

    #[test]
    fn cookies_are_read_across_headers_and_unquoted() {
        let found = find_credentials(
            "a=1",
            &[
                "x=1; CloudFront-Policy=\"P\"",
                "CloudFront-Signature=S;CloudFront-Key-Pair-Id=K",
            ],
        )
        .unwrap();
        let Found::Cookies(c) = found else {
            panic!("expected cookies")
        };
        assert_eq!(
            (c.policy, c.signature, c.key_pair_id),
            (Some("P"), Some("S"), Some("K"))
        );
    }

    #[test]
    fn cookie_names_are_case_sensitive() {
        assert_eq!(
            find_credentials("", &["cloudfront-policy=P"]),
            Ok(Found::Nothing)
        );
    }

    #[test]
    fn duplicate_cookie_across_headers_is_an_error() {
        assert_eq!(
            find_credentials("", &["CloudFront-Signature=a", "CloudFront-Signature=b"]),
            Err(Duplicate)
        );
    }
}
