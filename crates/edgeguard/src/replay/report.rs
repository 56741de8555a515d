//! What a replay found: counts per rule and reason, the top denied Referer hosts and paths,
//! "served then, denied now", and the lines that could not be read — in bounded memory, and
//! rendered as text or as one JSON document with stable field names (README, "Replay access
//! logs").

use crate::decision::{Decision, Reason};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::{self, Write as _};

/// Version of the JSON document; bumped when a field changes meaning or disappears.
pub const FORMAT: &str = "edgeguard-replay/1";

/// Counts per reason code, in [`Reason::ALL`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReasonCounts([u64; Reason::ALL.len()]);

impl ReasonCounts {
    /// Counts one more denial for `reason`.
    pub fn add(&mut self, reason: Reason) {
        if let Some(i) = Reason::ALL.iter().position(|r| *r == reason) {
            self.0[i] += 1;
        }
    }

    /// How many denials had `reason`.
    pub fn get(&self, reason: Reason) -> u64 {
        Reason::ALL
            .iter()
            .position(|r| *r == reason)
            .map_or(0, |i| self.0[i])
    }

    /// All denials.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The reasons that occurred, most frequent first (ties in code order).
    pub fn ranked(&self) -> Vec<(Reason, u64)> {
        let mut out: Vec<(Reason, u64)> = Reason::ALL
            .iter()
            .zip(self.0)
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| (*r, n))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.code().cmp(b.0.code())));
        out
    }
}

impl Serialize for ReasonCounts {
    /// `{"referer_not_allowed": 12, ...}`: reasons that occurred, most frequent first.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let ranked = self.ranked();
        let mut map = serializer.serialize_map(Some(ranked.len()))?;
        for (reason, n) in ranked {
            map.serialize_entry(reason.code(), &n)?;
        }
        map.end()
    }
}

/// Counts occurrences of keys (hosts, paths) with bounded memory.
///
/// Every key is counted exactly while fewer than `capacity` distinct keys are held. When the
/// map is full, the keys with the smallest counts (the lower half, and every key tied with its
/// largest count) are evicted and their occurrences move to the unattributed total. A key seen
/// again after its eviction starts from zero, so any count may fall short of the truth by at
/// most the largest count ever evicted ([`TopList::max_undercount`], 0 when nothing was
/// evicted: then every count is exact). Amortised O(1) per key.
#[derive(Debug, Clone)]
pub struct TopCounter {
    counts: HashMap<String, u64>,
    capacity: usize,
    total: u64,
    max_evicted: u64,
}

impl TopCounter {
    /// A counter holding at most `capacity` distinct keys (at least 2).
    pub fn new(capacity: usize) -> Self {
        TopCounter {
            counts: HashMap::new(),
            capacity: capacity.max(2),
            total: 0,
            max_evicted: 0,
        }
    }

    /// Counts one occurrence of `key`.
    pub fn add(&mut self, key: &str) {
        self.total += 1;
        if let Some(n) = self.counts.get_mut(key) {
            *n += 1;
            return;
        }
        if self.counts.len() >= self.capacity {
            self.evict_lower_half();
        }
        self.counts.insert(key.to_string(), 1);
    }

    fn evict_lower_half(&mut self) {
        let mut counts: Vec<u64> = self.counts.values().copied().collect();
        let middle = counts.len() / 2;
        let (_, threshold, _) = counts.select_nth_unstable(middle);
        let threshold = *threshold;
        self.counts.retain(|_, n| *n > threshold);
        self.max_evicted = self.max_evicted.max(threshold);
    }

    /// The `n` most frequent keys (ties by key), with what is left unattributed.
    pub fn top(&self, n: usize) -> TopList {
        let mut entries: Vec<TopEntry> = self
            .counts
            .iter()
            .map(|(key, count)| TopEntry {
                key: key.clone(),
                count: *count,
            })
            .collect();
        entries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        entries.truncate(n);
        let shown: u64 = entries.iter().map(|e| e.count).sum();
        TopList {
            entries,
            other: self.total - shown,
            exact: self.max_evicted == 0,
            max_undercount: self.max_evicted,
        }
    }
}

/// One line of a top list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopEntry {
    /// The host or path.
    pub key: String,
    /// How many denied requests had it.
    pub count: u64,
}

/// The most frequent keys of a [`TopCounter`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopList {
    /// Most frequent first.
    pub entries: Vec<TopEntry>,
    /// Occurrences not in `entries` (keys further down the list, or evicted).
    pub other: u64,
    /// Whether every count is exact (nothing was ever evicted).
    pub exact: bool,
    /// How far below the truth any count may be (0 when exact).
    pub max_undercount: u64,
}

/// A line that could not be replayed, or a file that could not be read to its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file, as named on the command line or found in a directory.
    pub file: String,
    /// 1-based line number (for a read error: the last line read before it).
    pub line: u64,
    /// What was wrong.
    pub error: String,
}

/// A bounded list of problems: all are counted, the first few are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problems {
    /// How many there were.
    pub count: u64,
    /// The first ones, in input order.
    pub listed: Vec<Problem>,
    /// How many were counted but not listed.
    pub unlisted: u64,
}

impl Problems {
    fn new() -> Self {
        Problems {
            count: 0,
            listed: Vec::new(),
            unlisted: 0,
        }
    }

    fn add(&mut self, cap: usize, problem: impl FnOnce() -> Problem) {
        self.count += 1;
        if self.listed.len() < cap {
            self.listed.push(problem());
        } else {
            self.unlisted += 1;
        }
    }
}

/// A request the log shows as served that the config denies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// Where it is in the logs.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// `date`T`time`Z of the log line.
    pub time: String,
    /// The URI as the guard saw it.
    pub uri: String,
    /// The Referer as the guard saw it (`null`: none).
    pub referer: Option<String>,
    /// The logged `sc-status`.
    pub status: u16,
    /// Why the config denies it.
    pub reason: Reason,
    /// The rule that applied (`null`: none did).
    pub rule: Option<usize>,
}

/// Requests the log shows as served (2xx/3xx) that the config denies: what a user must look
/// at before enforcing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedThenDenied {
    /// How many.
    pub count: u64,
    /// Requests whose `sc-status` was logged at all (the base of `count`).
    pub status_logged: u64,
    /// Their reasons.
    pub by_reason: ReasonCounts,
    /// The first few.
    pub examples: Vec<Example>,
}

/// Counts for one rule (or for requests no rule matched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    /// The rule's index in the config; `null` for requests decided before any rule applied
    /// (`no_rule`, `event_malformed`).
    pub rule: Option<usize>,
    /// The rule's path patterns (empty for `null`).
    pub paths: Vec<String>,
    /// Requests it decided.
    pub requests: u64,
    /// Of which allowed.
    pub allowed: u64,
    /// Of which denied (as the config would once enforced).
    pub denied: u64,
    /// Denials by reason code.
    pub denied_by_reason: ReasonCounts,
    /// Of the denied, those the config as written only reports (`mode = "report"`): at the
    /// edge they are `would_deny` lines and the request goes on.
    pub would_deny: u64,
}

/// Bounds on what a replay keeps in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries shown in each top list (`--top`).
    pub top: usize,
    /// Distinct keys held by each top counter.
    pub distinct_keys: usize,
    /// Problems listed (all are counted).
    pub listed_problems: usize,
    /// "Served then, denied now" examples kept.
    pub examples: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            top: 10,
            distinct_keys: 10_000,
            listed_problems: 20,
            examples: 5,
        }
    }
}

/// The facts of one decided request that the tally needs, borrowed from its log line.
#[derive(Debug, Clone, Copy)]
pub struct Decided<'a> {
    /// The guard's decision.
    pub decision: &'a Decision,
    /// Whether a deny is enforced by the config's mode ([`crate::Guard::enforces`]).
    pub enforced: bool,
    /// Whether the log shows it as served (`None`: `sc-status` not logged).
    pub served: Option<bool>,
    /// The logged status.
    pub status: Option<u16>,
    /// The URI as the guard saw it.
    pub uri: &'a str,
    /// The Referer as the guard saw it.
    pub referer: Option<&'a str>,
    /// Where: file.
    pub file: &'a str,
    /// Where: line.
    pub line: u64,
    /// `date` and `time` of the line.
    pub date_time: (&'a str, &'a str),
}

/// Key of a denied request's Referer host in the top list when it has none.
pub const NO_REFERER: &str = "(none)";
/// Key when the Referer is not a URL with a host.
pub const UNPARSABLE_REFERER: &str = "(unparsable)";

/// Accumulates a replay, line by line, in memory bounded by [`Limits`].
#[derive(Debug, Clone)]
pub struct Tally {
    limits: Limits,
    files: u64,
    lines: u64,
    allowed: u64,
    denied: u64,
    /// One per config rule, then the "no rule" bucket.
    rules: Vec<RuleCounts>,
    referer_hosts: TopCounter,
    paths: TopCounter,
    served: ServedThenDenied,
    malformed: Problems,
    read_errors: Problems,
}

impl Tally {
    /// An empty tally for a config whose rules have these path patterns.
    pub fn new(rule_paths: Vec<Vec<String>>, limits: Limits) -> Self {
        let rule = |rule, paths| RuleCounts {
            rule,
            paths,
            requests: 0,
            allowed: 0,
            denied: 0,
            denied_by_reason: ReasonCounts::default(),
            would_deny: 0,
        };
        let mut rules: Vec<RuleCounts> = rule_paths
            .into_iter()
            .enumerate()
            .map(|(i, paths)| rule(Some(i), paths))
            .collect();
        rules.push(rule(None, Vec::new()));
        Tally {
            limits,
            files: 0,
            lines: 0,
            allowed: 0,
            denied: 0,
            rules,
            referer_hosts: TopCounter::new(limits.distinct_keys),
            paths: TopCounter::new(limits.distinct_keys),
            served: ServedThenDenied {
                count: 0,
                status_logged: 0,
                by_reason: ReasonCounts::default(),
                examples: Vec::new(),
            },
            malformed: Problems::new(),
            read_errors: Problems::new(),
        }
    }

    /// One more input file.
    pub fn file(&mut self) {
        self.files += 1;
    }

    /// One more line that was a record (decided or malformed), not a directive.
    pub fn record_line(&mut self) {
        self.lines += 1;
    }

    /// A line that could not be decided.
    pub fn malformed(&mut self, file: &str, line: u64, error: &dyn fmt::Display) {
        self.malformed.add(self.limits.listed_problems, || Problem {
            file: file.to_string(),
            line,
            error: error.to_string(),
        });
    }

    /// A file that could not be read (to its end).
    pub fn read_error(&mut self, file: &str, line: u64, error: &dyn fmt::Display) {
        self.read_errors
            .add(self.limits.listed_problems, || Problem {
                file: file.to_string(),
                line,
                error: error.to_string(),
            });
    }

    /// A decided request.
    pub fn decided(&mut self, d: Decided<'_>) {
        let last = self.rules.len() - 1;
        let (rule, reason) = match *d.decision {
            Decision::Allow { rule, .. } => (Some(rule), None),
            Decision::Deny { rule, reason } => (rule, Some(reason)),
        };
        let bucket = rule.filter(|r| *r < last).unwrap_or(last);
        let counts = &mut self.rules[bucket];
        counts.requests += 1;
        if d.served.is_some() {
            self.served.status_logged += 1;
        }
        let Some(reason) = reason else {
            counts.allowed += 1;
            self.allowed += 1;
            return;
        };
        counts.denied += 1;
        counts.denied_by_reason.add(reason);
        if !d.enforced {
            counts.would_deny += 1;
        }
        self.denied += 1;
        self.referer_hosts.add(&referer_host(d.referer));
        self.paths.add(d.uri);
        if d.served == Some(true) {
            self.served.count += 1;
            self.served.by_reason.add(reason);
            if self.served.examples.len() < self.limits.examples {
                self.served.examples.push(Example {
                    file: d.file.to_string(),
                    line: d.line,
                    time: format!("{}T{}Z", d.date_time.0, d.date_time.1),
                    uri: d.uri.to_string(),
                    referer: d.referer.map(str::to_string),
                    status: d.status.unwrap_or(0),
                    reason,
                    rule,
                });
            }
        }
    }

    /// The finished report.
    pub fn finish(self) -> Report {
        Report {
            format: FORMAT,
            files: self.files,
            lines: self.lines,
            requests: self.allowed + self.denied,
            allowed: self.allowed,
            denied: self.denied,
            rules: self.rules,
            top_denied_referer_hosts: self.referer_hosts.top(self.limits.top),
            top_denied_paths: self.paths.top(self.limits.top),
            served_then_denied_now: self.served,
            malformed: self.malformed,
            read_errors: self.read_errors,
        }
    }
}

/// The Referer's host for the top list (lower-case, as the guard compares it), or a marker.
fn referer_host(referer: Option<&str>) -> String {
    let Some(referer) = referer else {
        return NO_REFERER.into();
    };
    match url::Url::parse(referer) {
        Ok(url) => match url.host_str() {
            Some(host) => host.to_string(),
            None => UNPARSABLE_REFERER.into(),
        },
        Err(_) => UNPARSABLE_REFERER.into(),
    }
}

/// The result of `edgeguard replay`. Serialised as the `--json` document; the field names are
/// a contract (README, "Replay access logs").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// [`FORMAT`].
    pub format: &'static str,
    /// Files read.
    pub files: u64,
    /// Record lines read (directives and empty lines not counted): `requests` + malformed.
    pub lines: u64,
    /// Requests decided.
    pub requests: u64,
    /// Of which allowed.
    pub allowed: u64,
    /// Of which denied.
    pub denied: u64,
    /// Per rule, in config order, then the requests no rule matched (`"rule": null`).
    pub rules: Vec<RuleCounts>,
    /// Hosts of the Referers of denied requests (`(none)`: no Referer).
    pub top_denied_referer_hosts: TopList,
    /// URIs of denied requests.
    pub top_denied_paths: TopList,
    /// Logged as served (2xx/3xx), denied by this config.
    pub served_then_denied_now: ServedThenDenied,
    /// Lines that could not be decided.
    pub malformed: Problems,
    /// Files that could not be read to their end.
    pub read_errors: Problems,
}

impl Report {
    /// The counts of rule `index` (`None`: requests no rule matched).
    pub fn rule(&self, index: Option<usize>) -> Option<&RuleCounts> {
        self.rules.iter().find(|r| r.rule == index)
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_text(&mut out);
        out
    }

    fn write_text(&self, out: &mut String) -> fmt::Result {
        writeln!(
            out,
            "{} requests from {} file(s): {} allowed, {} denied ({} malformed line(s))",
            self.requests, self.files, self.allowed, self.denied, self.malformed.count
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<6} {:<32} {:>10} {:>10} {:>10} {:>10}  denied by reason",
            "rule", "paths", "requests", "allowed", "denied", "would_deny"
        )?;
        for r in &self.rules {
            if r.rule.is_none() && r.requests == 0 {
                continue;
            }
            let label = r.rule.map_or("-".to_string(), |i| i.to_string());
            let paths = if r.rule.is_none() {
                "(no rule matched)".to_string()
            } else {
                r.paths.join(", ")
            };
            writeln!(
                out,
                "{label:<6} {paths:<32} {:>10} {:>10} {:>10} {:>10}  {}",
                r.requests,
                r.allowed,
                r.denied,
                r.would_deny,
                reasons(&r.denied_by_reason)
            )?;
        }
        writeln!(out)?;
        let s = &self.served_then_denied_now;
        writeln!(
            out,
            "served then, denied now: {} request(s) the log shows as served (2xx/3xx) are denied by this config{}",
            s.count,
            if s.count > 0 { format!(": {}", reasons(&s.by_reason)) } else { String::new() }
        )?;
        if s.status_logged < self.requests {
            writeln!(
                out,
                "  (sc-status logged for {} of {} requests)",
                s.status_logged, self.requests
            )?;
        }
        for e in &s.examples {
            writeln!(
                out,
                "  {}:{}  {}  {}  Referer {}  status {} -> {}{}",
                e.file,
                e.line,
                e.time,
                e.uri,
                e.referer.as_deref().unwrap_or("-"),
                e.status,
                e.reason,
                e.rule.map_or(String::new(), |r| format!(" (rule {r})"))
            )?;
        }
        for (title, list) in [
            ("top denied Referer hosts", &self.top_denied_referer_hosts),
            ("top denied paths", &self.top_denied_paths),
        ] {
            writeln!(out)?;
            writeln!(
                out,
                "{title}{}:",
                if list.exact {
                    String::new()
                } else {
                    format!(" (counts may be up to {} low)", list.max_undercount)
                }
            )?;
            for e in &list.entries {
                writeln!(out, "  {:>10}  {}", e.count, e.key)?;
            }
            if list.other > 0 {
                writeln!(out, "  {:>10}  (other)", list.other)?;
            }
        }
        for (title, problems) in [
            ("malformed lines", &self.malformed),
            ("read errors", &self.read_errors),
        ] {
            if problems.count == 0 {
                continue;
            }
            writeln!(out)?;
            writeln!(out, "{title}: {}", problems.count)?;
            for p in &problems.listed {
                writeln!(out, "  {}:{}: {}", p.file, p.line, p.error)?;
            }
            if problems.unlisted > 0 {
                writeln!(out, "  ... and {} more", problems.unlisted)?;
            }
        }
        Ok(())
    }
}

fn reasons(counts: &ReasonCounts) -> String {
    counts
        .ranked()
        .iter()
        .map(|(r, n)| format!("{r} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_below_capacity() {
        let mut c = TopCounter::new(10);
        for key in ["a", "b", "a", "c", "a", "b"] {
            c.add(key);
        }
        let top = c.top(2);
        assert_eq!(
            top.entries,
            [
                TopEntry {
                    key: "a".into(),
                    count: 3
                },
                TopEntry {
                    key: "b".into(),
                    count: 2
                }
            ]
        );
        assert_eq!(top.other, 1);
        assert!(top.exact);
        assert_eq!(top.max_undercount, 0);
    }

    #[test]
    fn ties_are_listed_by_key() {
        let mut c = TopCounter::new(10);
        for key in ["b", "a", "c"] {
            c.add(key);
        }
        let keys: Vec<String> = c.top(3).entries.into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["a", "b", "c"]);
    }

    #[test]
    fn memory_stays_bounded_and_heavy_keys_survive_with_a_stated_error_bound() {
        let mut c = TopCounter::new(100);
        for i in 0..100_000u64 {
            if i % 3 == 0 {
                c.add("heavy");
            } else {
                c.add(&format!("unique-{i}"));
            }
        }
        assert!(c.counts.len() <= 100);
        let top = c.top(1);
        let heavy = &top.entries[0];
        assert_eq!(heavy.key, "heavy");
        let truth = 100_000u64.div_ceil(3);
        assert!(heavy.count <= truth && truth <= heavy.count + top.max_undercount);
        assert!(!top.exact);
        assert_eq!(top.other + heavy.count, 100_000);
    }

    #[test]
    fn reason_counts_serialise_most_frequent_first() {
        let mut r = ReasonCounts::default();
        r.add(Reason::Expired);
        r.add(Reason::RefererMissing);
        r.add(Reason::RefererMissing);
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"referer_missing":2,"expired":1}"#
        );
        assert_eq!(r.total(), 3);
        assert_eq!(r.get(Reason::NoRule), 0);
    }

    fn decided<'a>(
        decision: &'a Decision,
        served: Option<bool>,
        referer: Option<&'a str>,
    ) -> Decided<'a> {
        Decided {
            decision,
            enforced: true,
            served,
            status: served.map(|s| if s { 200 } else { 403 }),
            uri: "/images/a.jpg",
            referer,
            file: "f",
            line: 7,
            date_time: ("2026-01-01", "00:00:00"),
        }
    }

    #[test]
    fn denials_are_counted_per_rule_reason_host_and_path() {
        let mut t = Tally::new(vec![vec!["/images/*".into()]], Limits::default());
        let deny = Decision::Deny {
            rule: Some(0),
            reason: Reason::RefererNotAllowed,
        };
        let no_rule = Decision::deny(Reason::NoRule);
        let allow = Decision::Allow {
            rule: 0,
            signed: false,
        };
        t.decided(decided(&deny, Some(true), Some("https://EVIL.test/x")));
        t.decided(decided(&deny, Some(false), Some("not a url")));
        t.decided(decided(&no_rule, None, None));
        t.decided(decided(
            &allow,
            Some(true),
            Some("https://www.example.com/"),
        ));
        let r = t.finish();
        assert_eq!((r.requests, r.allowed, r.denied), (4, 1, 3));
        let rule0 = r.rule(Some(0)).unwrap();
        assert_eq!((rule0.requests, rule0.allowed, rule0.denied), (3, 1, 2));
        assert_eq!(rule0.denied_by_reason.get(Reason::RefererNotAllowed), 2);
        assert_eq!(
            r.rule(None).unwrap().denied_by_reason.get(Reason::NoRule),
            1
        );
        let hosts: Vec<&str> = r
            .top_denied_referer_hosts
            .entries
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(hosts, [NO_REFERER, UNPARSABLE_REFERER, "evil.test"]);
        assert_eq!(r.top_denied_paths.entries[0].count, 3);
        let s = &r.served_then_denied_now;
        assert_eq!((s.count, s.status_logged), (1, 3));
        assert_eq!(s.examples[0].line, 7);
        assert_eq!(s.examples[0].time, "2026-01-01T00:00:00Z");
    }

    #[test]
    fn problems_are_all_counted_and_the_first_listed() {
        let mut t = Tally::new(
            Vec::new(),
            Limits {
                listed_problems: 2,
                ..Limits::default()
            },
        );
        for line in 1..=5 {
            t.malformed("a.log", line, &"bad");
        }
        let m = t.finish().malformed;
        assert_eq!((m.count, m.listed.len(), m.unlisted), (5, 2, 3));
        assert_eq!(m.listed[1].line, 2);
    }
}
