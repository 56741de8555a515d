//! Finding the signing credentials of a request: the query-string parameters of a signed URL
//! or the `CloudFront-*` cookies, with CloudFront's precedence (a URL carrying any of `Expires`,
//! `Policy`, `Signature`, `Key-Pair-Id` is a signed URL and its cookies are ignored).
//!
//! Names are compared exactly (case-sensitive, not percent-decoded). Values are percent-decoded
//! once, because common signers percent-encode them (`aws-cloudfront-sign` writes `~` as `%7E`
//! through `URLSearchParams`) and a query parser reads them so: `%7E` and `~` are the same value,
//! `%257E` is `%7E` (not CloudFront base64, so malformed). A `%` that does not start a `%XX`
//! escape, or escapes that do not decode to UTF-8, make the request malformed. Only the values are
//! decoded: the own query of a canned policy's resource stays raw ([`SignedQuery::own_query`]).
//!
//! A lone `Hash-Algorithm` (or `CloudFront-Hash-Algorithm`) does not make a request signed: it
//! only qualifies a signature that is there. It is still a signing parameter, so it is never
//! part of the resource a policy is matched against and `strip_signature` removes it.

use std::borrow::Cow;

/// Query parameters that carry CloudFront signing data.
pub const SIGNING_PARAMS: [&str; 5] = [
    "Expires",
    "Policy",
    "Signature",
    "Key-Pair-Id",
    "Hash-Algorithm",
];

/// Parameters whose presence makes a URL a signed URL (`Hash-Algorithm` alone does not): the
/// first four [`SIGNING_PARAMS`].
pub const URL_MARKERS: [&str; 4] = ["Expires", "Policy", "Signature", "Key-Pair-Id"];

/// What CloudFront puts before a signing parameter's name to name its cookie.
pub const COOKIE_PREFIX: &str = "CloudFront-";

/// Cookie names of signed cookies, in the same order as [`SIGNING_PARAMS`]: each is
/// [`COOKIE_PREFIX`] and the parameter name.
pub const SIGNING_COOKIES: [&str; 5] = [
    "CloudFront-Expires",
    "CloudFront-Policy",
    "CloudFront-Signature",
    "CloudFront-Key-Pair-Id",
    "CloudFront-Hash-Algorithm",
];

/// The signing values of one request, from one source, percent-decoded (borrowed from the
/// request when there was nothing to decode).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// `Expires` (canned policy; ignored when a `Policy` is present, since it is not signed).
    pub expires: Option<Cow<'a, str>>,
    /// `Policy` (custom policy, CloudFront base64).
    pub policy: Option<Cow<'a, str>>,
    /// `Signature` (CloudFront base64).
    pub signature: Option<Cow<'a, str>>,
    /// `Key-Pair-Id`.
    pub key_pair_id: Option<Cow<'a, str>>,
    /// `Hash-Algorithm`.
    pub hash_algorithm: Option<Cow<'a, str>>,
}

impl<'a> Credentials<'a> {
    /// The slot of the n-th name of [`SIGNING_PARAMS`] / [`SIGNING_COOKIES`].
    fn slot(&mut self, index: usize) -> &mut Option<Cow<'a, str>> {
        match index {
            0 => &mut self.expires,
            1 => &mut self.policy,
            2 => &mut self.signature,
            3 => &mut self.key_pair_id,
            _ => &mut self.hash_algorithm,
        }
    }

    /// Records a raw value, percent-decoded; a second value for the same name is an error.
    fn set(&mut self, index: usize, raw: &'a str) -> Result<(), Malformed> {
        let slot = self.slot(index);
        if slot.is_some() {
            return Err(Malformed::Duplicate);
        }
        *slot = Some(percent_decoded(raw)?);
        Ok(())
    }

    fn has_marker(&self) -> bool {
        self.expires.is_some()
            || self.policy.is_some()
            || self.signature.is_some()
            || self.key_pair_id.is_some()
    }
}

/// Why the signing parameters or cookies of a request cannot be read: it is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// A signing parameter or cookie appeared twice.
    Duplicate,
    /// A value has a `%` that does not start a `%XX` escape, or does not decode to UTF-8.
    BadPercentEncoding,
}

/// A signing value percent-decoded once (`%7E` -> `~`; `+` stays `+`). Strict, like
/// JavaScript's `decodeURIComponent` (which the CloudFront Functions guard uses): every `%` must
/// start a `%XX` escape and the result must be UTF-8.
pub fn percent_decoded(raw: &str) -> Result<Cow<'_, str>, Malformed> {
    let bytes = raw.as_bytes();
    let escapes_well_formed = bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !escapes_well_formed {
        return Err(Malformed::BadPercentEncoding);
    }
    percent_encoding::percent_decode(bytes)
        .decode_utf8()
        .map_err(|_| Malformed::BadPercentEncoding)
}

/// Where the credentials were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    /// No signing data anywhere.
    Nothing,
    /// A signed URL: its credentials, borrowed from the [`SignedQuery`] they were split from.
    Url(&'a Credentials<'a>),
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

/// A raw query string (without `?`) split once into everything the guard reads from it: its
/// signing parameters, whether it makes a signed URL, and its own query. One pass yields all
/// three, so the decision splits the query once and hands the own query to whatever strips
/// (the canned policy's resource, `strip_signature`) instead of each re-splitting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedQuery<'a> {
    /// The signing parameters, percent-decoded, or the first reason they cannot be read.
    credentials: Result<Credentials<'a>, Malformed>,
    /// Whether a parameter that makes a signed URL ([`URL_MARKERS`]) is present.
    signed_url: bool,
    /// The query without its signing parameters; borrowed when it had none.
    own_query: Cow<'a, str>,
}

impl<'a> SignedQuery<'a> {
    /// Splits a raw query string (without `?`) in one pass over its `&`-separated pieces.
    pub fn split(querystring: &'a str) -> Self {
        let mut credentials = Ok(Credentials::default());
        let mut signed_url = false;
        // The own query is only built once a piece is dropped: until then it is the query's
        // prefix, so a query without signing parameters is borrowed as is.
        let mut own: Option<String> = None;
        let mut kept = 0usize;
        let mut start = 0usize;
        for piece in querystring.split('&') {
            let (name, value) = split_pair(piece);
            match SIGNING_PARAMS.iter().position(|p| *p == name) {
                Some(index) => {
                    signed_url |= index < URL_MARKERS.len();
                    if let Ok(found) = &mut credentials {
                        if let Err(malformed) = found.set(index, value) {
                            credentials = Err(malformed);
                        }
                    }
                    if own.is_none() {
                        // Every piece before this one was kept: their join is the text up to
                        // the `&` before this piece.
                        let before = querystring
                            .get(..start.saturating_sub(1))
                            .unwrap_or_default();
                        let mut text = String::with_capacity(querystring.len());
                        text.push_str(before);
                        own = Some(text);
                    }
                }
                None => {
                    if let Some(text) = &mut own {
                        if kept > 0 {
                            text.push('&');
                        }
                        text.push_str(piece);
                    }
                    kept += 1;
                }
            }
            start += piece.len() + 1;
        }
        SignedQuery {
            credentials,
            signed_url,
            own_query: own.map_or(Cow::Borrowed(querystring), Cow::Owned),
        }
    }

    /// Whether the query carries a parameter that makes it a signed URL (`Hash-Algorithm`
    /// alone does not).
    pub fn is_signed_url(&self) -> bool {
        self.signed_url
    }

    /// The signing parameters, percent-decoded, whether or not they make a signed URL; a
    /// duplicate or a bad escape (the first met, in query order) makes them malformed.
    pub fn credentials(&self) -> Result<&Credentials<'a>, Malformed> {
        self.credentials.as_ref().map_err(|malformed| *malformed)
    }

    /// The raw query with only the signing parameters removed: order, duplicates, empty pieces
    /// and percent-encoding of everything else untouched. This is both the "own query" of a
    /// canned policy's resource and what `strip_signature` forwards.
    pub fn own_query(&self) -> &str {
        &self.own_query
    }

    /// [`SignedQuery::own_query`], owned: what an allowed request leaves with when its signing
    /// parameters are stripped.
    pub fn into_own_query(self) -> String {
        self.own_query.into_owned()
    }

    /// The request's credentials with CloudFront's precedence: this query's when it is a signed
    /// URL (its cookies are then ignored), else the `CloudFront-*` cookies.
    pub fn find_credentials<'q>(
        &'q self,
        cookie_headers: &[&'q str],
    ) -> Result<Found<'q>, Malformed> {
        if self.signed_url {
            return self.credentials().map(Found::Url);
        }
        let cookies = cookie_credentials(cookie_headers)?;
        Ok(if cookies.has_marker() {
            Found::Cookies(cookies)
        } else {
            Found::Nothing
        })
    }
}

/// `CloudFront-*` cookies over every Cookie header (`a=b; c=d`). A value wrapped in double
/// quotes (RFC 6265 allows that) is unwrapped, then percent-decoded.
pub fn cookie_credentials<'a>(cookie_headers: &[&'a str]) -> Result<Credentials<'a>, Malformed> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_markers_are_the_signing_params_but_hash_algorithm() {
        assert_eq!(URL_MARKERS[..], SIGNING_PARAMS[..URL_MARKERS.len()]);
        assert_eq!(SIGNING_PARAMS[URL_MARKERS.len()..], ["Hash-Algorithm"]);
    }

    #[test]
    fn each_signing_cookie_is_the_prefix_and_its_parameter() {
        for (cookie, param) in SIGNING_COOKIES.iter().zip(SIGNING_PARAMS) {
            assert_eq!(*cookie, format!("{COOKIE_PREFIX}{param}"));
        }
    }

    /// The own query of a raw query string.
    fn own_query(querystring: &str) -> String {
        SignedQuery::split(querystring).into_own_query()
    }

    /// The signing parameters of a raw query string, signed URL or not.
    fn query_credentials(querystring: &str) -> Result<Credentials<'_>, Malformed> {
        SignedQuery::split(querystring).credentials().cloned()
    }

    #[test]
    fn one_split_gives_the_credentials_the_marker_and_the_own_query() {
        let query = SignedQuery::split("b=%2F2&Expires=1&a=1&Signature=a%7Eb&Key-Pair-Id=K&c");
        assert!(query.is_signed_url());
        let credentials = query.credentials().unwrap();
        assert_eq!(credentials.expires.as_deref(), Some("1"));
        assert_eq!(credentials.signature.as_deref(), Some("a~b"));
        assert_eq!(credentials.key_pair_id.as_deref(), Some("K"));
        assert_eq!(query.own_query(), "b=%2F2&a=1&c");
        let found = query.find_credentials(&["CloudFront-Expires=2"]).unwrap();
        assert!(matches!(found, Found::Url(c) if std::ptr::eq(c, credentials)));
        assert_eq!(query.into_own_query(), "b=%2F2&a=1&c");
    }

    #[test]
    fn a_query_without_signing_params_is_its_own_query_borrowed() {
        let raw = "a=1&&b=%2F&Signaturex=2&";
        let query = SignedQuery::split(raw);
        assert!(!query.is_signed_url());
        assert_eq!(query.credentials(), Ok(&Credentials::default()));
        assert!(std::ptr::eq(query.own_query(), raw));
    }

    #[test]
    fn empty_pieces_around_dropped_signing_params_stay_where_they_were() {
        for (raw, own) in [
            ("&Expires=1&a", "&a"),
            ("Expires=1&&a", "&a"),
            ("a&&Expires=1", "a&"),
            ("a&Expires=1&", "a&"),
            ("&", "&"),
            ("Expires=1&", ""),
            ("&Expires=1", ""),
            ("Expires", ""),
        ] {
            assert_eq!(own_query(raw), own, "{raw}");
            let joined: Vec<&str> = raw
                .split('&')
                .filter(|piece| !SIGNING_PARAMS.contains(&split_pair(piece).0))
                .collect();
            assert_eq!(own, joined.join("&"), "{raw}");
        }
    }

    #[test]
    fn the_first_malformed_signing_param_in_query_order_is_the_reason() {
        assert_eq!(
            query_credentials("Signature=a&Signature=b&Expires=%"),
            Err(Malformed::Duplicate)
        );
        assert_eq!(
            query_credentials("Expires=%&Signature=a&Signature=b"),
            Err(Malformed::BadPercentEncoding)
        );
        let query = SignedQuery::split("Signature=a&Signature=b&x=1&Key-Pair-Id=K");
        assert!(query.is_signed_url());
        assert_eq!(query.own_query(), "x=1");
    }

    #[test]
    fn malformed_params_that_make_no_signed_url_leave_the_cookies_in_charge() {
        let query = SignedQuery::split("Hash-Algorithm=%&Hash-Algorithm=x");
        assert!(query.credentials().is_err());
        let found = query
            .find_credentials(&["CloudFront-Key-Pair-Id=K"])
            .unwrap();
        assert!(matches!(found, Found::Cookies(c) if c.key_pair_id.as_deref() == Some("K")));
    }

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
        assert_eq!(
            query_credentials("Signature=a&Signature=b"),
            Err(Malformed::Duplicate)
        );
        assert_eq!(
            query_credentials("Hash-Algorithm=SHA256&Hash-Algorithm=SHA256"),
            Err(Malformed::Duplicate)
        );
    }

    #[test]
    fn lone_hash_algorithm_does_not_make_a_signed_url() {
        let is_signed_url = |q| SignedQuery::split(q).is_signed_url();
        assert!(!is_signed_url("Hash-Algorithm=SHA256&x=1"));
        assert!(is_signed_url("x=1&Key-Pair-Id=K"));
        assert!(is_signed_url("Expires"));
    }

    #[test]
    fn url_takes_precedence_over_cookies() {
        let query = SignedQuery::split("Expires=1");
        let found = query.find_credentials(&["CloudFront-Expires=2"]).unwrap();
        assert!(matches!(found, Found::Url(c) if c.expires.as_deref() == Some("1")));
    }

    #[test]
    fn cookies_are_read_across_headers_and_unquoted() {
        let query = SignedQuery::split("a=1");
        let found = query
            .find_credentials(&[
                "x=1; CloudFront-Policy=\"P\"",
                "CloudFront-Signature=S;CloudFront-Key-Pair-Id=K",
            ])
            .unwrap();
        let Found::Cookies(c) = found else {
            panic!("expected cookies")
        };
        assert_eq!(
            (
                c.policy.as_deref(),
                c.signature.as_deref(),
                c.key_pair_id.as_deref()
            ),
            (Some("P"), Some("S"), Some("K"))
        );
    }

    #[test]
    fn cookie_names_are_case_sensitive() {
        assert_eq!(
            SignedQuery::split("").find_credentials(&["cloudfront-policy=P"]),
            Ok(Found::Nothing)
        );
    }

    #[test]
    fn duplicate_cookie_across_headers_is_an_error() {
        assert_eq!(
            SignedQuery::split("")
                .find_credentials(&["CloudFront-Signature=a", "CloudFront-Signature=b"]),
            Err(Malformed::Duplicate)
        );
    }

    #[test]
    fn values_are_percent_decoded_once_in_either_case() {
        let c = query_credentials("Signature=a%7Eb%7ec&Key-Pair-Id=K%32&Policy=x~y").unwrap();
        assert_eq!(c.signature.as_deref(), Some("a~b~c"));
        assert_eq!(c.key_pair_id.as_deref(), Some("K2"));
        assert_eq!(c.policy.as_deref(), Some("x~y"));
        assert_eq!(
            query_credentials("Signature=%257E")
                .unwrap()
                .signature
                .as_deref(),
            Some("%7E")
        );
    }

    #[test]
    fn undecoded_values_are_borrowed_from_the_request() {
        let c = query_credentials("Signature=abc").unwrap();
        assert!(matches!(c.signature, Some(Cow::Borrowed("abc"))));
    }

    #[test]
    fn plus_is_not_a_space_in_signing_values() {
        assert_eq!(percent_decoded("a+b").as_deref(), Ok("a+b"));
    }

    #[test]
    fn cookie_values_are_unquoted_then_percent_decoded() {
        let c = cookie_credentials(&["CloudFront-Signature=\"a%7Eb\"; CloudFront-Key-Pair-Id=K"])
            .unwrap();
        assert_eq!(c.signature.as_deref(), Some("a~b"));
    }

    #[test]
    fn broken_escapes_and_non_utf8_are_malformed() {
        for raw in ["%", "%7", "%7G", "a%zz", "%FF", "%C0%AF", "%ED%A0%80"] {
            assert_eq!(
                percent_decoded(raw),
                Err(Malformed::BadPercentEncoding),
                "{raw}"
            );
        }
        assert_eq!(
            SignedQuery::split("Signature=%E").find_credentials(&[]),
            Err(Malformed::BadPercentEncoding)
        );
    }

    #[test]
    fn names_are_not_percent_decoded() {
        let c = query_credentials("Key%2DPair%2DId=K&Signature=S").unwrap();
        assert_eq!(c.key_pair_id, None);
        assert_eq!(
            own_query("Key%2DPair%2DId=K&Signature=S"),
            "Key%2DPair%2DId=K"
        );
    }
}
