//! Helpers shared by the signed-URL test files: building a request from a URL string and
//! verifying it at a given clock.
#![allow(dead_code)]

use edgeguard::signed::{
    verify_request, CredentialSource, KeySet, PublicKey, SignatureCheck, SignedRequest,
    VerifyOptions,
};
use edgeguard::Reason;

/// A URL split the way a viewer-request event carries it.
pub struct Parts {
    pub scheme: String,
    pub host: String,
    pub uri: String,
    pub query: String,
}

/// Splits `scheme://host/uri?query` without normalising anything.
pub fn split_url(url: &str) -> Parts {
    let (scheme, rest) = url.split_once("://").expect("absolute URL");
    let end_of_host = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, path_query) = rest.split_at(end_of_host);
    let (uri, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    Parts {
        scheme: scheme.into(),
        host: host.into(),
        uri: uri.into(),
        query: query.into(),
    }
}

/// One key set with one key.
pub fn keys(id: &str, pem: &str) -> KeySet {
    let mut set = KeySet::new();
    set.insert(
        id.to_string(),
        PublicKey::from_pem(pem).expect("public key parses"),
    );
    set
}

/// Verifies a GET of `url` with optional Cookie headers, from `client_ip`, at `now`.
pub fn verify(
    url: &str,
    cookies: &[&str],
    keys: &KeySet,
    now: i64,
    client_ip: &str,
) -> SignatureCheck {
    let p = split_url(url);
    verify_request(
        &SignedRequest {
            scheme: &p.scheme,
            host: Some(&p.host),
            uri: &p.uri,
            querystring: &p.query,
            cookie_headers: cookies.to_vec(),
            client_ip,
        },
        keys,
        &VerifyOptions {
            now,
            clock_skew_seconds: 0,
        },
    )
}

pub const VALID_URL: SignatureCheck = SignatureCheck::Valid {
    source: CredentialSource::Url,
};
pub const VALID_COOKIE: SignatureCheck = SignatureCheck::Valid {
    source: CredentialSource::Cookie,
};

pub fn invalid(reason: Reason) -> SignatureCheck {
    SignatureCheck::Invalid(reason)
}

/// `name=value; name=value` from pairs.
pub fn cookie_header<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}
