//! Verifying a request's signed URL or signed cookies, in CloudFront's order of checks.

use super::b64;
#[cfg(feature = "rust-crypto")]
use super::keys::RustCryptoVerifier;
use super::keys::{HashAlgorithm, SignatureVerifier};
use super::params::{Credentials, Found, SignedQuery};
use super::policy::{self, Policy, MAX_POLICY_BYTES};
use super::resource::{resource_matches, RequestedUrl};
use super::{CredentialSource, KeySet, SignatureCheck, SignedRequest, VerifyOptions};
use crate::decision::Reason;
use std::net::IpAddr;

/// Largest signature looked at: RSA-8192 is 1024 bytes (CloudFront base64: 1368 characters).
/// The CloudFront Functions pre-check uses the same bound.
pub const MAX_SIGNATURE_CHARS: usize = 1400;

/// Verifies the request's signed URL or signed cookies with the built-in RustCrypto verifier.
#[cfg(feature = "rust-crypto")]
pub fn verify_request(
    request: &SignedRequest<'_>,
    keys: &KeySet,
    options: &VerifyOptions,
) -> SignatureCheck {
    verify_request_with(request, keys, options, &RustCryptoVerifier)
}

/// [`verify_request`] with another signature provider (for example the edge host's crypto).
///
/// Order: credentials found (else `Absent`) -> complete and well-formed (`signature_malformed`)
/// -> hash algorithm (`hash_algorithm_unsupported`) -> key (`key_unknown`) -> signature over the
/// exact policy bytes (`signature_invalid`) -> policy content (`policy_malformed`) -> time
/// window (`expired`, `not_yet_valid`) -> client IP (`ip_not_allowed`) -> resource
/// (`resource_mismatch`).
///
/// A `Policy` governs: an `Expires` beside it is not signed, so it is ignored (signers such as
/// `aws-cloudfront-sign` send both). It cannot turn a custom policy into a canned one or lend it
/// another expiry, since the signature is then checked over the policy bytes only.
pub fn verify_request_with(
    request: &SignedRequest<'_>,
    keys: &KeySet,
    options: &VerifyOptions,
    verifier: &dyn SignatureVerifier,
) -> SignatureCheck {
    let query = SignedQuery::split(request.querystring);
    verify_split_request_with(request, &query, keys, options, verifier)
}

/// [`verify_request_with`] on a query string the caller already split: `query` must be
/// [`SignedQuery::split`] of `request.querystring`. The guard splits once and keeps the split for
/// what it strips, so verification reads the same value instead of splitting again.
pub fn verify_split_request_with(
    request: &SignedRequest<'_>,
    query: &SignedQuery<'_>,
    keys: &KeySet,
    options: &VerifyOptions,
    verifier: &dyn SignatureVerifier,
) -> SignatureCheck {
    let found = match query.find_credentials(&request.cookie_headers) {
        Ok(found) => found,
        // A duplicate or a bad escape.
        Err(_) => return SignatureCheck::Invalid(Reason::SignatureMalformed),
    };
    let (credentials, source) = match &found {
        Found::Nothing => return SignatureCheck::Absent,
        Found::Url(c) => (*c, CredentialSource::Url),
        Found::Cookies(c) => (c, CredentialSource::Cookie),
    };
    match check(request, query, keys, options, verifier, credentials) {
        Ok(()) => SignatureCheck::Valid { source },
        Err(reason) => SignatureCheck::Invalid(reason),
    }
}

/// The signed message: either a canned policy's expiry or a custom policy's exact bytes.
enum SignedMessage {
    Canned(i64),
    Custom(Vec<u8>),
}

/// What was signed: the `Policy` when there is one (an `Expires` beside it is ignored), else the
/// canned `Expires`; neither is `signature_malformed`.
fn signed_message(credentials: &Credentials<'_>) -> Result<SignedMessage, Reason> {
    use Reason::SignatureMalformed;
    match (
        credentials.policy.as_deref(),
        credentials.expires.as_deref(),
    ) {
        (Some(encoded), _) => {
            if encoded.len() > MAX_POLICY_BYTES {
                return Err(SignatureMalformed);
            }
            let bytes = b64::decode(encoded).ok_or(SignatureMalformed)?;
            if bytes.is_empty() || bytes.len() > MAX_POLICY_BYTES {
                return Err(SignatureMalformed);
            }
            Ok(SignedMessage::Custom(bytes))
        }
        (None, Some(expires)) => Ok(SignedMessage::Canned(
            policy::parse_expires(expires).ok_or(SignatureMalformed)?,
        )),
        (None, None) => Err(SignatureMalformed),
    }
}

fn check(
    request: &SignedRequest<'_>,
    query: &SignedQuery<'_>,
    keys: &KeySet,
    options: &VerifyOptions,
    verifier: &dyn SignatureVerifier,
    credentials: &Credentials<'_>,
) -> Result<(), Reason> {
    use Reason::*;
    let (Some(signature), Some(key_pair_id)) = (
        credentials.signature.as_deref(),
        credentials.key_pair_id.as_deref(),
    ) else {
        return Err(SignatureMalformed);
    };
    let signed = signed_message(credentials)?;
    if signature.is_empty() || signature.len() > MAX_SIGNATURE_CHARS || key_pair_id.is_empty() {
        return Err(SignatureMalformed);
    }
    let signature = b64::decode(signature).ok_or(SignatureMalformed)?;
    let hash = match credentials.hash_algorithm.as_deref() {
        None => HashAlgorithm::Sha1,
        Some(HashAlgorithm::SHA256_NAME) => HashAlgorithm::Sha256,
        Some(_) => return Err(HashAlgorithmUnsupported),
    };
    let key = keys.get(key_pair_id).ok_or(KeyUnknown)?;

    let host = request.host.ok_or(SignatureMalformed)?;
    // The raw query: signing values are decoded, the rest of the query never is.
    let own_query = query.own_query();
    let url = RequestedUrl {
        scheme: request.scheme,
        host,
        path: request.uri,
        query: (!own_query.is_empty()).then_some(own_query),
    };

    let policy = match signed {
        SignedMessage::Canned(expires) => {
            let message = policy::canned_policy(&requested_url(&url), expires);
            if !verifier.verify(key, hash, message.as_bytes(), &signature) {
                return Err(SignatureInvalid);
            }
            // The resource is the requested URL by construction.
            Policy {
                resource: None,
                date_less_than: expires,
                date_greater_than: None,
                source_ip: None,
            }
        }
        SignedMessage::Custom(bytes) => {
            if !verifier.verify(key, hash, &bytes, &signature) {
                return Err(SignatureInvalid);
            }
            policy::parse_custom_policy(&bytes).map_err(|_| PolicyMalformed)?
        }
    };

    let skew = i64::try_from(options.clock_skew_seconds).unwrap_or(i64::MAX);
    if options.now >= policy.date_less_than.saturating_add(skew) {
        return Err(Expired);
    }
    if let Some(start) = policy.date_greater_than {
        if options.now < start.saturating_sub(skew) {
            return Err(NotYetValid);
        }
    }
    if let Some(network) = policy.source_ip {
        match request.client_ip.trim().parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) if network.contains(ip) => {}
            _ => return Err(IpNotAllowed),
        }
    }
    if let Some(pattern) = &policy.resource {
        if !resource_matches(pattern, &url) {
            return Err(ResourceMismatch);
        }
    }
    Ok(())
}

/// `<scheme>://<host><uri>[?<own query>]`, the canned policy's resource.
fn requested_url(url: &RequestedUrl<'_>) -> String {
    let mut out = String::with_capacity(
        url.scheme.len() + url.host.len() + url.path.len() + url.query.map_or(0, str::len) + 4,
    );
    out.push_str(url.scheme);
    out.push_str("://");
    out.push_str(url.host);
    out.push_str(url.path);
    if let Some(q) = url.query {
        out.push('?');
        out.push_str(q);
    }
    out
}
