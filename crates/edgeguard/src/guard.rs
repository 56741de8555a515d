//! The decision: which rule applies, whether the Referer and the signature satisfy it, and what
//! Lambda@Edge must be handed back.

use crate::cloudfront::{self, HandlerResult, Request};
use crate::config::{Config, Mode, SignatureMode};
use crate::decision::{Decision, Reason, Verdict};
use crate::path::{self, ServedPath};
use crate::signed::params::SignedQuery;
#[cfg(feature = "rust-crypto")]
use crate::signed::RustCryptoVerifier;
use crate::signed::{
    self, CredentialSource, SignatureCheck, SignatureVerifier, SignedRequest, VerifyOptions,
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

/// The header values of a parsed [`Request`] the guard reads, gathered once, so that every
/// adapter holding a whole `Request` builds its [`RequestFields`] the same way.
#[derive(Debug, Clone, Default)]
pub struct ReadHeaders<'a> {
    /// Every `Referer` value, in event order.
    pub referer: Vec<&'a str>,
    /// Every `Cookie` value, in event order.
    pub cookie: Vec<&'a str>,
    /// Every `Host` value, in event order.
    pub host: Vec<&'a str>,
}

impl<'a> ReadHeaders<'a> {
    /// The values of `request`'s `referer`, `cookie` and `host` headers.
    pub fn of(request: &'a Request) -> Self {
        ReadHeaders {
            referer: request.header_values("referer").collect(),
            cookie: request.header_values("cookie").collect(),
            host: request.header_values("host").collect(),
        }
    }

    /// `request`'s fields as [`Guard::decide_fields`] takes them, with these header values.
    pub fn fields(&'a self, request: &'a Request) -> RequestFields<'a> {
        RequestFields {
            uri: &request.uri,
            querystring: &request.querystring,
            client_ip: &request.client_ip,
            referer: &self.referer,
            cookie: &self.cookie,
            host: &self.host,
        }
    }
}

/// What [`Guard::decide_fields`] found: the verdict (decision, and whether a deny is carried
/// out), and the query string an allowed request must leave with when its signing parameters
/// are stripped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldsDecision {
    /// Allow or deny, with the rule and reason, and whether a deny is enforced (report mode).
    pub verdict: Verdict,
    /// Allowed through a signed URL on a rule with `strip_signature`: the query string to
    /// forward instead of the request's, its signing parameters removed
    /// ([`SignedQuery::own_query`] of the one split the decision made), so no adapter splits the
    /// query again. `None` on a deny, so a would-deny (report mode) goes on unchanged.
    pub stripped_query: Option<String>,
}

/// What [`Guard::respond_detailed`] hands back: [`Guard::respond`]'s verdict and handler result,
/// and whether the request in it already carries the decision's stripped query string (for an
/// adapter forwarding it further, such as `edgeguard serve`'s upstream origin, which must not
/// strip it again).
#[derive(Debug, Clone, PartialEq)]
pub struct Responded {
    /// Allow or deny, with the rule and reason, and whether a deny is enforced.
    pub verdict: Verdict,
    /// The request to go on (possibly stripped) or the configured deny response.
    pub result: HandlerResult,
    /// The request's query string is [`FieldsDecision::stripped_query`]: its signing
    /// parameters are already removed.
    pub query_stripped: bool,
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
    #[cfg(feature = "rust-crypto")]
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
        self.evaluate(request, now).verdict.decision
    }

    /// Decides one request at time `now` and whether a deny is carried out (see
    /// [`Guard::enforces`]).
    pub fn verdict(&self, request: &Request, now: i64) -> Verdict {
        self.evaluate(request, now).verdict
    }

    /// Decides and builds the handler's return value: the request (possibly with signing
    /// parameters stripped), the configured deny response, or, for a deny in report mode, the
    /// request unchanged (nothing stripped).
    pub fn respond(&self, request: Request, now: i64) -> (Verdict, HandlerResult) {
        let Responded {
            verdict, result, ..
        } = self.respond_detailed(request, now);
        (verdict, result)
    }

    /// [`Guard::respond`], also saying whether the request handed back left with the decision's
    /// stripped query string ([`Responded::query_stripped`]).
    pub fn respond_detailed(&self, mut request: Request, now: i64) -> Responded {
        let FieldsDecision {
            verdict,
            stripped_query,
        } = self.evaluate(&request, now);
        let (result, query_stripped) = match verdict.decision {
            Decision::Allow { .. } => {
                let query_stripped = stripped_query.is_some();
                if let Some(query) = stripped_query {
                    request.querystring = query;
                }
                (HandlerResult::Request(Box::new(request)), query_stripped)
            }
            Decision::Deny { .. } if !verdict.enforced => {
                (HandlerResult::Request(Box::new(request)), false)
            }
            Decision::Deny { .. } => (self.deny_response(), false),
        };
        Responded {
            verdict,
            result,
            query_stripped,
        }
    }

    /// Whether a deny is carried out: the one place report mode is decided.
    ///
    /// - A deny of a rule follows that rule's mode.
    /// - `no_rule` follows the top-level mode (no rule, hence no rule's mode, applies).
    /// - `path_not_normalized` follows the top-level mode only while no rule enforces: such a
    ///   path may reach an object of another rule than the one chosen, so passing it could
    ///   bypass an enforcing rule.
    /// - `event_malformed` and `internal_error` are always enforced: the guard fails closed on
    ///   what it could not read, whatever the mode.
    ///
    /// Anything that is not a deny is "enforced" (there is nothing to carry out).
    pub fn enforces(&self, decision: &Decision) -> bool {
        let config = &self.config;
        let enforcing = |mode: Mode| mode == Mode::Enforce;
        match decision {
            Decision::Allow { .. } => true,
            Decision::Deny {
                reason: Reason::EventMalformed | Reason::InternalError,
                ..
            } => true,
            Decision::Deny {
                reason: Reason::PathNotNormalized,
                ..
            } => enforcing(config.mode) || config.rules.iter().any(|r| enforcing(r.mode)),
            Decision::Deny {
                rule: Some(index), ..
            } => config.rules.get(*index).is_none_or(|r| enforcing(r.mode)),
            Decision::Deny { rule: None, .. } => enforcing(config.mode),
        }
    }

    /// The configured deny response.
    pub fn deny_response(&self) -> HandlerResult {
        HandlerResult::Response(self.config.deny.clone())
    }

    /// [`Guard::decide_fields`] on a parsed request.
    fn evaluate(&self, request: &Request, now: i64) -> FieldsDecision {
        let headers = ReadHeaders::of(request);
        self.decide_fields(&headers.fields(request), now)
    }

    /// Decides one request from the fields the guard reads: the one decision procedure, which
    /// [`Guard::decide`] and [`Guard::respond`] reach through it too. The path is checked before
    /// any rule is chosen: a form an origin may read as another path is refused
    /// (`path_not_normalized`, see [`crate::path`]). Whether a deny is carried out comes from
    /// [`Guard::enforces`], here, for every adapter.
    pub fn decide_fields(&self, request: &RequestFields<'_>, now: i64) -> FieldsDecision {
        let (decision, stripped_query) = self.evaluate_fields(request, now);
        FieldsDecision {
            verdict: Verdict {
                enforced: self.enforces(&decision),
                decision,
            },
            stripped_query,
        }
    }

    /// The decision and, on an allow that strips, the stripped query string.
    fn evaluate_fields(&self, request: &RequestFields<'_>, now: i64) -> (Decision, Option<String>) {
        if cloudfront::uri_problem(request.uri, request.querystring).is_some() {
            return (Decision::deny(Reason::EventMalformed), None);
        }
        let Ok(path) = path::check(request.uri) else {
            return (Decision::deny(Reason::PathNotNormalized), None);
        };
        let index = match self.rule_for(&path) {
            Ok(Some(index)) => index,
            Ok(None) => return (Decision::deny(Reason::NoRule), None),
            Err(reason) => return (Decision::deny(reason), None),
        };
        let rule = &self.config.rules[index];
        let deny = |reason| {
            (
                Decision::Deny {
                    rule: Some(index),
                    reason,
                },
                None,
            )
        };

        // The one split of the query string: verification reads it, and stripping forwards it.
        let (signature, query) = match rule.signature {
            SignatureMode::Off => (SignatureCheck::Absent, None),
            SignatureMode::Optional | SignatureMode::Required => {
                let query = SignedQuery::split(request.querystring);
                let check = signed::verify_split_request_with(
                    &self.signed_request(request),
                    &query,
                    &self.config.keys,
                    &self.verify_options(now),
                    self.verifier,
                );
                (check, Some(query))
            }
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
        let strips = rule.strip_signature && signed_by == Some(CredentialSource::Url);
        (
            Decision::Allow {
                rule: index,
                signed: signed_by.is_some(),
            },
            query.filter(|_| strips).map(SignedQuery::into_own_query),
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
