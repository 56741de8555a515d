//! edgeguard: a CloudFront viewer-request guard.
//!
//! Checks the Referer against configured domains and verifies CloudFront signed URLs and signed
//! cookies before a request reaches the cache or the origin. Everything here is pure (event in,
//! decision out); the CLI, the Lambda `bootstrap` and the WebAssembly export are thin adapters.

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
