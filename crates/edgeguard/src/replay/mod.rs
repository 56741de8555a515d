//! `edgeguard replay`: decide every request of CloudFront standard access logs as the guard
//! would, and report what a config would have denied — before anyone enforces it.
//!
//! Pure and streaming: the caller (the CLI) reads files, gzip and directories and hands over
//! one line at a time; [`Replay`] parses it ([`log`]), rebuilds the viewer-request the guard
//! was handed, decides it with [`Guard::decide`] at the line's own date and time, and counts
//! ([`report`]) in memory bounded by [`Limits`], whatever the length of the logs.
//!
//! Report mode: a replay answers "what would this config deny once enforced", so every deny
//! counts as denied (and in "served then, denied now") whatever the mode; per rule,
//! `would_deny` says how many of those the config as written only reports.

pub mod log;
pub mod memo;
pub mod report;

pub use log::{Line, LineError, LogParser, Record};
pub use memo::MemoVerifier;
pub use report::{Limits, Report, Tally};

use crate::config::Config;
use crate::signed::RustCryptoVerifier;
use crate::Guard;
use report::Decided;
use std::fmt;
use std::sync::LazyLock;

/// Longest line decided, newline included. CloudFront logs no URL over 8 KB and no request
/// with over 20 KB of headers; even with every byte percent-encoded (x3) a line stays far
/// below this.
pub const MAX_LINE: usize = 256 * 1024;

/// Signature results remembered across a replay (see [`MemoVerifier`]).
const REMEMBERED_SIGNATURES: usize = 65_536;

static VERIFIER: LazyLock<MemoVerifier<RustCryptoVerifier>> =
    LazyLock::new(|| MemoVerifier::new(RustCryptoVerifier, REMEMBERED_SIGNATURES));

/// The guard to replay with: the config's decisions, with signature checks remembered
/// (logs repeat the same signed URLs and cookies; see [`MemoVerifier`]).
pub fn guard(config: Config) -> Guard {
    Guard::with_verifier(config, &*VERIFIER)
}

/// A replay in progress over any number of files, in order.
#[derive(Debug)]
pub struct Replay<'g> {
    guard: &'g Guard,
    tally: Tally,
    file: String,
    line: u64,
    parser: LogParser,
}

impl<'g> Replay<'g> {
    /// Starts a replay with `guard`'s config.
    pub fn new(guard: &'g Guard, limits: Limits) -> Self {
        let rule_paths = guard
            .config()
            .rules
            .iter()
            .map(|r| r.paths.iter().map(|p| p.as_str().to_string()).collect())
            .collect();
        Replay {
            guard,
            tally: Tally::new(rule_paths, limits),
            file: String::new(),
            line: 0,
            parser: LogParser::new(),
        }
    }

    /// Starts the next file: line numbers restart and no `#Fields` is in force.
    pub fn begin_file(&mut self, name: &str) {
        self.tally.file();
        self.file = name.to_string();
        self.line = 0;
        self.parser = LogParser::new();
    }

    /// Decides the next line of the current file (a malformed one is counted and listed).
    pub fn feed_line(&mut self, line: &[u8]) {
        self.line += 1;
        if line.len() > MAX_LINE {
            self.tally.record_line();
            let error = LineError::TooLong { limit: MAX_LINE };
            self.tally.malformed(&self.file, self.line, &error);
            return;
        }
        let record = match self.parser.parse_line(line) {
            Ok(Line::Directive) => return,
            Ok(Line::Record(record)) => record,
            Err(error) => {
                self.tally.record_line();
                self.tally.malformed(&self.file, self.line, &error);
                return;
            }
        };
        self.tally.record_line();
        let now = match record.timestamp() {
            Ok(now) => now,
            Err(error) => {
                self.tally.malformed(&self.file, self.line, &error);
                return;
            }
        };
        let request = record.to_request();
        let decision = self.guard.decide(&request, now);
        self.tally.decided(Decided {
            enforced: self.guard.enforces(&decision),
            decision: &decision,
            served: record.served(),
            status: record.status(),
            uri: &request.uri,
            referer: request.header_values("referer").next(),
            file: &self.file,
            line: self.line,
            date_time: record.date_time(),
        });
    }

    /// The current file could not be read on (I/O or gzip error after the last line fed).
    pub fn read_error(&mut self, error: &dyn fmt::Display) {
        self.tally.read_error(&self.file, self.line, error);
    }

    /// The report.
    pub fn finish(self) -> Report {
        self.tally.finish()
    }
}
