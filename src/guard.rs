//! The decision: which rule applies, whether the Referer and the signature satisfy it, and what
//! Lambda@Edge must be handed back.

use crate::cloudfront::{HandlerResult, Request};
use crate::config::{Config, SignatureMode};
use crate::decision::{Decision, Reason};
use crate::path::{self, ServedPath};
use crate::signed::{
    self, CredentialSource, RustCryptoVerifier, SignatureCheck, SignatureVerifier, SignedRequest,
    VerifyOptions,
};

/// Longest URI plus query string CloudFront forwards; anything longer cannot be a real event.
pub const MAX_URI_AND_QUERY: usize = 8192;

/// The parts of a request the guard reads, borrowed from wherever they are: a parsed
/// [`Request`], or the few fields the edge bundle's JavaScript hands the wasm (so an event need
/// not be re-serialised to be decided). Header lists hold every value of that header, matched
/// case-insensitively (ASCII) on the name, in event order.
#[derive(Debug, Clone, Copy)]
pub struct RequestFields<'a> {
    /// The raw path.
    pub uri: &'a str,
    /// The raw query string without `?`.
    pub querystring: &'a str,
    /// The viewer's IP.
    pub client_ip: &'a str,
    /// Every `Referer` value.
    pub referer: &'a [&'a str],
    /// Every `Cookie` value.
    pub cookie: &'a [&'a str],
    /// Every `Host` value.
    pub host: &'a [&'a str],
}

/// What [`Guard::decide_fields`] found: the decision, and whether an allowed request must leave
/// with its signing parameters stripped from the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldsDecision {
    /// Allow or deny, with the rule and reason.
    pub decision: Decision,
    /// Allowed through a signed URL on a rule with `strip_signature`: forward
    /// [`signed::strip_signing_params`] of the query string instead of the query string.
    pub strip_signing_params: bool,
}

/// A compiled configuration, ready to decide requests. Cheap to share across invocations.
#[derive(Clone)]
pub struct Guard {
    config: Config,
    verifier: &'static (dyn SignatureVerifier + Sync),
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// Wraps a validated configuration; signatures are checked with RustCrypto.
    pub fn new(config: Config) -> Self {
        Guard::with_verifier(config, &RustCryptoVerifier)
    }

    /// Like [`Guard::new`] with another signature provider. The WebAssembly edge bundle passes
    /// the host's `node:crypto` here: smaller and several times faster than RustCrypto compiled
    /// to wasm (BENCHMARKS.md), and RustCrypto is then left out of the bundle.
    pub fn with_verifier(
        config: Config,
        verifier: &'static (dyn SignatureVerifier + Sync),
    ) -> Self {
        Guard { config, verifier }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Decides one request at time `now` (epoch seconds).
    pub fn decide(&self, request: &Request, now: i64) -> Decision {
        self.evaluate(request, now).0
    }

    /// Decides and builds the handler's return value: the request (possibly with signing
    /// parameters stripped) or the configured deny response.
    pub fn respond(&self, mut request: Request, now: i64) -> (Decision, HandlerResult) {
        let (decision, strip) = self.evaluate(&request, now);
        match decision {
            Decision::Allow { .. } => {
                if strip {
                    request.querystring = signed::strip_signing_params(&request.querystring);
                }
                (decision, HandlerResult::Request(Box::new(request)))
            }
            Decision::Deny { .. } => (decision, self.deny_response()),
        }
    }

    /// The configured deny response.
    pub fn deny_response(&self) -> HandlerResult {
        HandlerResult::Response(self.config.deny.clone())
    }

    /// The decision plus whether signing parameters should be stripped from the query string.
    fn evaluate(&self, request: &Request, now: i64) -> (Decision, bool) {
        let referer: Vec<&str> = request.header_values("referer").collect();
        let cookie: Vec<&str> = request.header_values("cookie").collect();
        let host: Vec<&str> = request.header_values("host").collect();
        let fields = RequestFields {
            uri: &request.uri,
            querystring: &request.querystring,
            client_ip: &request.client_ip,
            referer: &referer,
            cookie: &cookie,
            host: &host,
        };
        let decided = self.decide_fields(&fields, now);
        (decided.decision, decided.strip_signing_params)
    }

    /// Decides one request from the fields the guard reads: the one decision procedure, which
    /// [`Guard::decide`] and [`Guard::respond`] reach through it too. The path is checked before
    /// any rule is chosen: a form an origin may read as another path is refused
    /// (`path_not_normalized`, see [`crate::path`]).
    pub fn decide_fields(&self, request: &RequestFields<'_>, now: i64) -> FieldsDecision {
        let (decision, strip_signing_params) = self.evaluate_fields(request, now);
        FieldsDecision {
            decision,
            strip_signing_params,
        }
    }

    fn evaluate_fields(&self, request: &RequestFields<'_>, now: i64) -> (Decision, bool) {
        if !request.uri.starts_with('/')
            || request.uri.len() + request.querystring.len() > MAX_URI_AND_QUERY
        {
            return (Decision::deny(Reason::EventMalformed), false);
        }
        let Ok(path) = path::check(request.uri) else {
            return (Decision::deny(Reason::PathNotNormalized), false);
        };
        let index = match self.rule_for(&path) {
            Ok(Some(index)) => index,
            Ok(None) => return (Decision::deny(Reason::NoRule), false),
            Err(reason) => return (Decision::deny(reason), false),
        };
        let rule = &self.config.rules[index];
        let deny = |reason| {
            (
                Decision::Deny {
                    rule: Some(index),
                    reason,
                },
                false,
            )
        };

        let signature = match rule.signature {
            SignatureMode::Off => SignatureCheck::Absent,
            SignatureMode::Optional | SignatureMode::Required => signed::verify_request_with(
                &self.signed_request(request),
                &self.config.keys,
                &self.verify_options(now),
                self.verifier,
            ),
        };
        let signed_by = match signature {
            SignatureCheck::Invalid(reason) => return deny(reason),
            SignatureCheck::Absent if rule.signature == SignatureMode::Required => {
                return deny(Reason::SignatureMissing)
            }
            SignatureCheck::Absent => None,
            SignatureCheck::Valid { source } => Some(source),
        };

        if let Some(policy) = &rule.referer {
            if let Err(reason) = policy.check(request.referer.iter().copied()) {
                if !(rule.signature_bypasses_referer && signed_by.is_some()) {
                    return deny(reason);
                }
            }
        }
        (
            Decision::Allow {
                rule: index,
                signed: signed_by.is_some(),
            },
            rule.strip_signature && signed_by == Some(CredentialSource::Url),
        )
    }

    /// The first rule matching the raw path, which must also be the first rule matching every
    /// reading an origin may use: otherwise the rule that decides and the object served could
    /// belong to different rules (`path_not_normalized`).
    fn rule_for(&self, path: &ServedPath<'_>) -> Result<Option<usize>, Reason> {
        let first = |text: &str| self.config.rules.iter().position(|r| r.applies_to(text));
        let chosen = first(path.raw());
        if path.readings().all(|reading| first(&reading) == chosen) {
            Ok(chosen)
        } else {
            Err(Reason::PathNotNormalized)
        }
    }

    fn signed_request<'a>(&'a self, request: &RequestFields<'a>) -> SignedRequest<'a> {
        SignedRequest {
            scheme: &self.config.scheme,
            host: single(request.host.iter().copied()),
            uri: request.uri,
            querystring: request.querystring,
            cookie_headers: request.cookie.to_vec(),
            client_ip: request.client_ip,
        }
    }

    fn verify_options(&self, now: i64) -> VerifyOptions {
        VerifyOptions {
            now,
            clock_skew_seconds: self.config.clock_skew_seconds,
        }
    }
}

/// The only value of a header that must not repeat; `None` when absent or repeated.
fn single<'a>(mut values: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let first = values.next()?;
    match values.next() {
        Some(_) => None,
        None => Some(first),
    }
}
