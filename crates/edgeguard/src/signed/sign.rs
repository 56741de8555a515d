//! Producing signed URLs and signed cookies, byte for byte as botocore's `CloudFrontSigner`
//! (and so `aws cloudfront sign`) does. Pure functions: key and clock come from the caller.

use super::b64;
use super::keys::{HashAlgorithm, KeyError, PrivateKey};
use super::params::SIGNING_PARAMS;
use super::policy::{self, Ipv4Cidr, MAX_EXPIRES};
use std::fmt;

/// What to sign.
#[derive(Debug, Clone)]
pub struct SignOptions<'a> {
    /// The URL to hand out (absolute http(s), already percent-encoded as it will be requested).
    pub url: &'a str,
    /// The CloudFront public key ID.
    pub key_pair_id: &'a str,
    /// End of validity (exclusive), epoch seconds.
    pub date_less_than: i64,
    /// Start of validity, epoch seconds (custom policy).
    pub date_greater_than: Option<i64>,
    /// Allowed viewer network, `a.b.c.d` or `a.b.c.d/n` (custom policy).
    pub ip_address: Option<&'a str>,
    /// Policy `Resource` when it differs from `url`, e.g. with wildcards (custom policy).
    pub policy_resource: Option<&'a str>,
    /// Digest; SHA-256 adds `Hash-Algorithm=SHA256`.
    pub hash: HashAlgorithm,
}

impl<'a> SignOptions<'a> {
    /// A canned policy over `url` valid until `date_less_than`, signed with SHA-1: what
    /// `aws cloudfront sign` makes without options. Set the other fields to get a custom policy
    /// or SHA-256 (`SignOptions { hash: HashAlgorithm::Sha256, ..SignOptions::canned(..) }`).
    pub fn canned(url: &'a str, key_pair_id: &'a str, date_less_than: i64) -> Self {
        SignOptions {
            url,
            key_pair_id,
            date_less_than,
            date_greater_than: None,
            ip_address: None,
            policy_resource: None,
            hash: HashAlgorithm::Sha1,
        }
    }
}

/// Why nothing was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignError(pub String);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SignError {}

impl From<KeyError> for SignError {
    fn from(e: KeyError) -> Self {
        SignError(e.0)
    }
}

fn fail(message: impl Into<String>) -> Result<SignedPolicy, SignError> {
    Err(SignError(message.into()))
}

/// A signed policy, ready to be put in a URL or cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPolicy {
    /// The exact policy bytes that were signed.
    pub policy: String,
    /// `Some(expires)` for a canned policy (sent as `Expires`), `None` for a custom one
    /// (sent as `Policy`).
    pub canned_expires: Option<i64>,
    /// The signature, CloudFront base64.
    pub signature: String,
    /// The key ID.
    pub key_pair_id: String,
    /// The digest used.
    pub hash: HashAlgorithm,
}

impl SignedPolicy {
    /// `(name, value)` pairs in botocore's order: `Expires`|`Policy`, `Signature`,
    /// `Key-Pair-Id`, then `Hash-Algorithm` for SHA-256.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(4);
        match self.canned_expires {
            Some(expires) => out.push(("Expires", expires.to_string())),
            None => out.push(("Policy", b64::encode(self.policy.as_bytes()))),
        }
        out.push(("Signature", self.signature.clone()));
        out.push(("Key-Pair-Id", self.key_pair_id.clone()));
        if self.hash == HashAlgorithm::Sha256 {
            out.push(("Hash-Algorithm", HashAlgorithm::SHA256_NAME.into()));
        }
        out
    }
}

/// Builds and signs the policy: canned unless a start date, an IP range or a resource other
/// than the URL is given.
pub fn sign_policy(options: &SignOptions<'_>, key: &PrivateKey) -> Result<SignedPolicy, SignError> {
    if !(0..=MAX_EXPIRES).contains(&options.date_less_than) {
        return fail("date-less-than must be between 1970 and 2038-01-19 (a 32-bit epoch)");
    }
    if let Some(start) = options.date_greater_than {
        if start < 0 || start >= options.date_less_than {
            return fail("date-greater-than must be before date-less-than");
        }
    }
    if options.key_pair_id.is_empty()
        || options.key_pair_id.len() > 128
        || !options
            .key_pair_id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'&')
    {
        return fail("key-pair-id must be 1 to 128 printable ASCII characters");
    }
    let ip = match options.ip_address {
        None => None,
        Some(ip) => {
            if Ipv4Cidr::parse(ip).is_none() {
                return fail(format!(
                    "ip-address {ip:?} is not an IPv4 address or CIDR range (CloudFront supports IPv4 only)"
                ));
            }
            Some(if ip.contains('/') {
                ip.to_string()
            } else {
                format!("{ip}/32")
            })
        }
    };
    let resource = options.policy_resource.unwrap_or(options.url);
    let custom = options.date_greater_than.is_some() || ip.is_some() || resource != options.url;
    let (policy, canned_expires) = if custom {
        (
            policy::custom_policy(
                resource,
                options.date_less_than,
                ip.as_deref(),
                options.date_greater_than,
            ),
            None,
        )
    } else {
        (
            policy::canned_policy(options.url, options.date_less_than),
            Some(options.date_less_than),
        )
    };
    let signature = b64::encode(&key.sign(options.hash, policy.as_bytes())?);
    Ok(SignedPolicy {
        policy,
        canned_expires,
        signature,
        key_pair_id: options.key_pair_id.to_string(),
        hash: options.hash,
    })
}

/// Checks the URL the way `aws cloudfront sign` documents: absolute http(s), no fragment,
/// no whitespace or non-ASCII, and no signing parameter already in it.
fn validate_url(url: &str) -> Result<(), SignError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| SignError(format!("url {url:?} must start with https:// or http://")))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(SignError(format!("url {url:?} has no host")));
    }
    if url.contains('#') {
        return Err(SignError("url must not contain a fragment (#)".into()));
    }
    if url.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(SignError(
            "url must be percent-encoded: no spaces, control or non-ASCII characters".into(),
        ));
    }
    if let Some((_, query)) = url.split_once('?') {
        for piece in query.split('&') {
            let name = piece.split_once('=').map_or(piece, |(n, _)| n);
            if SIGNING_PARAMS.contains(&name) {
                return Err(SignError(format!(
                    "url already has the signing parameter {name}; CloudFront would treat it as signed"
                )));
            }
        }
    }
    Ok(())
}

/// A signed URL: `url` + (`&` if it has a `?`, else `?`) + the signing parameters.
pub fn sign_url(options: &SignOptions<'_>, key: &PrivateKey) -> Result<String, SignError> {
    validate_url(options.url)?;
    let signed = sign_policy(options, key)?;
    Ok(append_to_url(options.url, &signed))
}

/// Appends the signing parameters to a URL exactly as botocore's `generate_presigned_url`:
/// `&` if the URL already has a `?`, else `?`; the URL itself is kept verbatim.
pub fn append_to_url(url: &str, signed: &SignedPolicy) -> String {
    let mut out = String::from(url);
    out.push(if url.contains('?') { '&' } else { '?' });
    let pairs: Vec<String> = signed
        .params()
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    out.push_str(&pairs.join("&"));
    out
}

/// Signed cookies as `(name, value)` pairs: `CloudFront-Expires`|`CloudFront-Policy`,
/// `CloudFront-Signature`, `CloudFront-Key-Pair-Id` and, for SHA-256,
/// `CloudFront-Hash-Algorithm`.
pub fn sign_cookies(
    options: &SignOptions<'_>,
    key: &PrivateKey,
) -> Result<Vec<(String, String)>, SignError> {
    validate_url(options.url)?;
    let signed = sign_policy(options, key)?;
    Ok(signed
        .params()
        .into_iter()
        .map(|(name, value)| (format!("CloudFront-{name}"), value))
        .collect())
}
