//! The outcome of evaluating one request, independent of how it is transported.

use serde::Serialize;
use std::fmt;

/// Why a request was denied. Every deny carries exactly one reason so that operators can tell
/// a hotlinker from an expired link from a misconfigured signer in their logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// No rule's path pattern matches the URI: unknown paths fail closed.
    NoRule,
    /// The event itself is not a well-formed viewer-request event.
    EventMalformed,
    /// The URI path has a form some origin reads as another path (a `.`/`..` segment in any
    /// spelling, `//`, `%2F`, a backslash, an encoded unreserved character, ...), or its readings
    /// choose different rules: refused before any rule applies (see `path`).
    PathNotNormalized,
    /// The rule checks the Referer, the request has none and `missing = "deny"`.
    RefererMissing,
    /// The Referer is a well-formed URL whose origin is not on the allow list.
    RefererNotAllowed,
    /// The Referer is unparsable, too long, repeated, carries userinfo or is not http(s).
    RefererMalformed,
    /// The rule requires a signature and the request carries none.
    SignatureMissing,
    /// Signing parameters are present but incomplete, duplicated or badly encoded.
    SignatureMalformed,
    /// The signature does not verify against the key named by `Key-Pair-Id`.
    SignatureInvalid,
    /// `Key-Pair-Id` names no configured public key.
    KeyUnknown,
    /// `Hash-Algorithm` has a value other than `SHA256`.
    HashAlgorithmUnsupported,
    /// The policy's `DateLessThan` has passed.
    Expired,
    /// The policy's `DateGreaterThan` has not been reached yet.
    NotYetValid,
    /// The client IP is outside the policy's `AWS:SourceIp`.
    IpNotAllowed,
    /// The policy's `Resource` does not cover the requested URL.
    ResourceMismatch,
    /// The signed policy verified but is not a policy CloudFront would accept.
    PolicyMalformed,
    /// An adapter failed internally (for example a WebAssembly trap); the guard fails closed.
    InternalError,
}

impl Reason {
    /// Every reason, for documentation and exhaustive tests.
    pub const ALL: [Reason; 17] = [
        Reason::NoRule,
        Reason::EventMalformed,
        Reason::PathNotNormalized,
        Reason::RefererMissing,
        Reason::RefererNotAllowed,
        Reason::RefererMalformed,
        Reason::SignatureMissing,
        Reason::SignatureMalformed,
        Reason::SignatureInvalid,
        Reason::KeyUnknown,
        Reason::HashAlgorithmUnsupported,
        Reason::Expired,
        Reason::NotYetValid,
        Reason::IpNotAllowed,
        Reason::ResourceMismatch,
        Reason::PolicyMalformed,
        Reason::InternalError,
    ];

    /// The stable reason code used in logs, JSON output and tests.
    pub fn code(self) -> &'static str {
        match self {
            Reason::NoRule => "no_rule",
            Reason::EventMalformed => "event_malformed",
            Reason::PathNotNormalized => "path_not_normalized",
            Reason::RefererMissing => "referer_missing",
            Reason::RefererNotAllowed => "referer_not_allowed",
            Reason::RefererMalformed => "referer_malformed",
            Reason::SignatureMissing => "signature_missing",
            Reason::SignatureMalformed => "signature_malformed",
            Reason::SignatureInvalid => "signature_invalid",
            Reason::KeyUnknown => "key_unknown",
            Reason::HashAlgorithmUnsupported => "hash_algorithm_unsupported",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::IpNotAllowed => "ip_not_allowed",
            Reason::ResourceMismatch => "resource_mismatch",
            Reason::PolicyMalformed => "policy_malformed",
            Reason::InternalError => "internal_error",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Allow or deny, with the facts an operator needs to understand the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The request may continue to the cache and origin.
    Allow {
        /// Index of the rule that applied.
        rule: usize,
        /// Whether a valid signature was part of the decision.
        signed: bool,
    },
    /// The request gets the configured deny response.
    Deny {
        /// Index of the rule that applied, if any did.
        rule: Option<usize>,
        /// Why.
        reason: Reason,
    },
}

impl Decision {
    /// Deny with a reason and no rule, for failures before a rule is chosen.
    pub fn deny(reason: Reason) -> Self {
        Decision::Deny { rule: None, reason }
    }

    /// Whether the request may continue.
    pub fn is_allow(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The deny reason, if denied.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Decision::Allow { .. } => None,
            Decision::Deny { reason, .. } => Some(*reason),
        }
    }
}

/// The label of a decision in every log line, JSON output and generated function, defined once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// The request goes on.
    Allow,
    /// The request gets the deny response.
    Deny,
    /// The rules deny the request but its mode is `report`: it goes on unchanged.
    WouldDeny,
}

impl Label {
    /// Every label, for documentation and exhaustive tests.
    pub const ALL: [Label; 3] = [Label::Allow, Label::Deny, Label::WouldDeny];

    /// The stable text (`allow`, `deny`, `would_deny`).
    pub fn code(self) -> &'static str {
        match self {
            Label::Allow => "allow",
            Label::Deny => "deny",
            Label::WouldDeny => "would_deny",
        }
    }
}

impl PartialEq<&str> for Label {
    fn eq(&self, other: &&str) -> bool {
        self.code() == *other
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A decision plus whether a deny is carried out, computed in one place ([`crate::Guard`]) from
/// the rule's mode: adapters never work out report mode themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What the rules decide, as if enforced.
    pub decision: Decision,
    /// For a deny: whether the deny response is returned (`false` in report mode: the request
    /// goes on unchanged). Always `true` for an allow.
    pub enforced: bool,
}

impl Verdict {
    /// An enforced decision (the only kind outside report mode).
    pub fn enforced(decision: Decision) -> Self {
        Verdict {
            decision,
            enforced: true,
        }
    }

    /// `allow`, `deny` or `would_deny`.
    pub fn label(&self) -> Label {
        match (&self.decision, self.enforced) {
            (Decision::Allow { .. }, _) => Label::Allow,
            (Decision::Deny { .. }, true) => Label::Deny,
            (Decision::Deny { .. }, false) => Label::WouldDeny,
        }
    }

    /// Whether the request goes on (allowed, or denied only in report mode).
    pub fn passes(&self) -> bool {
        self.decision.is_allow() || !self.enforced
    }
}
