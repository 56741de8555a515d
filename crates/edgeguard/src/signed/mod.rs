//! CloudFront signed URLs and signed cookies: verification exactly as CloudFront performs it,
//! and signing exactly as `aws cloudfront sign` (botocore) does.
//!
//! One module per concept: [`b64`] (CloudFront's base64), [`keys`] (keys, hashes, the verifier
//! seam), [`params`] (finding credentials in the query or cookies), [`policy`] (canned and
//! custom policies), [`resource`] (wildcard `Resource` matching), [`verify`] and [`sign`].

pub mod b64;
pub mod keys;
pub mod params;
pub mod policy;
pub mod resource;
// Signing needs private-key arithmetic: CLI and tests only, never the edge bundle.
#[cfg(feature = "rust-crypto")]
pub mod sign;
pub mod verify;

use crate::decision::Reason;
use indexmap::IndexMap;

pub use keys::{HashAlgorithm, KeyAlgorithm, KeyError, PublicKey, SignatureVerifier};
#[cfg(feature = "rust-crypto")]
pub use keys::{PrivateKey, RustCryptoVerifier};
#[cfg(feature = "rust-crypto")]
pub use sign::{
    append_to_url, sign_cookies, sign_policy, sign_url, SignError, SignOptions, SignedPolicy,
};
#[cfg(feature = "rust-crypto")]
pub use verify::verify_request;
pub use verify::{verify_request_with, verify_split_request_with};

/// Public keys by `Key-Pair-Id`; several at once allow rotation.
pub type KeySet = IndexMap<String, PublicKey>;

/// Where the credentials of a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    /// Query-string parameters (a signed URL).
    Url,
    /// `CloudFront-*` cookies.
    Cookie,
}

/// The facts of a request that signature verification looks at, borrowed from the event.
#[derive(Debug, Clone)]
pub struct SignedRequest<'a> {
    /// Configured scheme (`https` or `http`): a viewer-request function cannot see it.
    pub scheme: &'a str,
    /// The Host header as sent; `None` when absent or repeated.
    pub host: Option<&'a str>,
    /// Raw URI.
    pub uri: &'a str,
    /// Raw query string without `?`.
    pub querystring: &'a str,
    /// Every Cookie header value.
    pub cookie_headers: Vec<&'a str>,
    /// The viewer IP (`clientIp`).
    pub client_ip: &'a str,
}

/// Clock and tolerance for time checks (injected, so tests and `--now` are reproducible).
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
    /// Present but not acceptable, with the deny reason.
    Invalid(Reason),
}

/// The query string with the signing parameters (`Expires`, `Policy`, `Signature`,
/// `Key-Pair-Id`, `Hash-Algorithm`) removed and everything else untouched (one
/// [`params::SignedQuery::split`]). A decision that strips (`strip_signature`) already carries
/// this value ([`crate::guard::FieldsDecision::stripped_query`]); this is for a hop that strips
/// without one: `edgeguard serve`'s upstream origin, which never forwards signing parameters.
pub fn strip_signing_params(querystring: &str) -> String {
    params::SignedQuery::split(querystring).into_own_query()
}
