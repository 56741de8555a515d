//! CloudFront signed URLs and signed cookies: verification and signing.
//!
//! INTERIM: the real implementation is being written; until it lands every request that carries
//! signing parameters is denied (`signature_invalid`), so nothing is allowed by accident.

use crate::decision::Reason;
use indexmap::IndexMap;
use std::fmt;

/// Public keys by `Key-Pair-Id`; several at once allow rotation.
pub type KeySet = IndexMap<String, PublicKey>;

/// A CloudFront public key (RSA or ECDSA P-256).
#[derive(Debug, Clone)]
pub struct PublicKey {
    _pem: String,
}

/// Why a PEM could not be used as a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PublicKey {
    /// Parses a PEM public key.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        if !pem.contains("PUBLIC KEY-----") {
            return Err(KeyError("not a PEM public key".into()));
        }
        Ok(PublicKey { _pem: pem.into() })
    }
}

/// Where the credentials of a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// Query-string parameters.
    Url,
    /// `CloudFront-*` cookies.
    Cookie,
}

/// The facts of a request that signature verification looks at.
#[derive(Debug, Clone)]
pub struct SignedRequest<'a> {
    /// Configured scheme (`https` or `http`).
    pub scheme: &'a str,
    /// The Host header, if any.
    pub host: Option<&'a str>,
    /// Raw URI.
    pub uri: &'a str,
    /// Raw query string without `?`.
    pub querystring: &'a str,
    /// Every Cookie header value.
    pub cookie_headers: Vec<&'a str>,
    /// The viewer IP.
    pub client_ip: &'a str,
}

/// Clock and tolerance for time checks.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Current time, epoch seconds.
    pub now: i64,
    /// Seconds by which both ends of the validity window are widened.
    pub clock_skew_seconds: u64,
}

/// The result of looking for and verifying a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// No signing parameters in the URL or cookies.
    Absent,
    /// A valid signature.
    Valid {
        /// Where it came from.
        source: CredentialSource,
    },
    /// Present but not acceptable.
    Invalid(Reason),
}

/// Verifies the request's signed URL or signed cookies.
pub fn verify_request(
    request: &SignedRequest<'_>,
    _keys: &KeySet,
    _options: &VerifyOptions,
) -> SignatureCheck {
    let q = request.querystring;
    let has = |n: &str| q.split('&').any(|p| p.split('=').next() == Some(n));
    if ["Expires", "Policy", "Signature", "Key-Pair-Id"]
        .iter()
        .any(|n| has(n))
        || request
            .cookie_headers
            .iter()
            .any(|c| c.contains("CloudFront-"))
    {
        SignatureCheck::Invalid(Reason::SignatureInvalid)
    } else {
        SignatureCheck::Absent
    }
}

/// The query string with the signing parameters removed, everything else untouched.
pub fn strip_signing_params(querystring: &str) -> String {
    querystring
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            ![
                "Expires",
                "Policy",
                "Signature",
                "Key-Pair-Id",
                "Hash-Algorithm",
            ]
            .contains(&name)
        })
        .collect::<Vec<_>>()
        .join("&")
}
