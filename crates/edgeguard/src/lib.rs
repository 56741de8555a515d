//! edgeguard: a CloudFront viewer-request guard.
//!
//! Checks the Referer against configured domains and verifies CloudFront signed URLs and signed
//! cookies before a request reaches the cache or the origin. Everything here is pure (event in,
//! decision out); the CLI, the Lambda `bootstrap` and the WebAssembly export are thin adapters.
//!
//! # Where each rule lives
//!
//! | Rule | Module |
//! |---|---|
//! | Order of checks for one request, rule choice, report vs enforce, stripping signing parameters, the URI + query limit (`MAX_URI_AND_QUERY`) | `guard.rs` ([`Guard`]) |
//! | Reason codes (one per deny), decision labels (`allow`, `deny`, `would_deny`) | `decision.rs` ([`Reason`], [`Label`]) |
//! | Path rules: what a raw path must pass before any rule is chosen (`path_not_normalized`) | `path.rs` |
//! | Path patterns (`*`, `?`) of `[[rules]] paths` | `glob.rs` |
//! | Referer pattern forms (`example.com`, `*.`/`.` subdomains, scheme, port, path, `~REGEX`), Referer parsing and its length limits (`~REGEX`: feature `regex`) | `referer.rs` |
//! | Where signing credentials come from (URL vs cookies, precedence, percent-decoding) | `signed/params.rs` |
//! | Order of signature checks (malformed, hash algorithm, key, signature, policy, time, IP, resource) | `signed/verify.rs` |
//! | Policy conditions (`DateLessThan`, `DateGreaterThan`, `IpAddress`), canned policy bytes, `Expires` bounds | `signed/policy.rs` |
//! | A custom policy's `Resource` wildcards against the requested URL | `signed/resource.rs` |
//! | CloudFront base64 | `signed/b64.rs` |
//! | Keys, algorithms (RSA, ECDSA P-256; SHA-1, SHA-256) and the verifier seam (RustCrypto: feature `rust-crypto`) | `signed/keys.rs` |
//! | Signing URLs and cookies as botocore does (feature `rust-crypto`) | `signed/sign.rs` |
//! | Config keys, defaults and load-time errors (`file:line: key`), the deny response, modes | `config.rs` ([`Config`], [`RawConfig`]) |
//! | What a Lambda@Edge event may contain (`event_malformed`) and what a handler may return | `cloudfront.rs` |
//! | Event JSON in, handler JSON and the deny log record out (every adapter's entry point) | `edge.rs` ([`Outcome`]) |
//! | The EMF shape of deny and would-deny log lines | `metrics.rs` |
//! | An HTTP request turned into a viewer-request event (`serve`, `check`) | `http_event.rs` |
//! | Demo keys and their refusal outside demos (feature `rust-crypto`) | `demo_keys.rs` |
//! | The CloudFront Functions guard: generator, runtime, regex translation and safety (feature `cff`) | `cff/` |
//! | Bucket policy and distribution translation, `migrate`/`attach` (feature `adopt`) | `adopt/` |
//! | Access log replay (feature `replay`) | `replay/` |

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// `edgeguard migrate` and `attach` (bucket policy and distribution config translation) and the
// CloudFront Functions generator are used by the CLI only; keep them out of the edge bundle.
#[cfg(feature = "adopt")]
pub mod adopt;
#[cfg(feature = "cff")]
pub mod cff;
pub mod civil_time;
pub mod cloudfront;
pub mod config;
pub mod decision;
// Recognising the demo keys means decoding their DER: build tools only, not the edge bundle.
#[cfg(feature = "rust-crypto")]
pub mod demo_keys;
pub mod edge;
pub mod glob;
pub mod guard;
pub mod http_event;
pub mod json_path;
pub mod metrics;
pub mod path;
pub mod referer;
// `edgeguard replay` (access logs): CLI only, not in the edge bundle.
#[cfg(feature = "replay")]
pub mod replay;
pub mod signed;

pub use config::{Config, ConfigError, RawConfig};
pub use decision::{Decision, Label, Reason, Verdict};
pub use edge::{handle_event_json, Outcome};
pub use guard::Guard;
