//! Replay on a log built field by field from AWS's documentation of the standard log format
//! (tests/replay/README.md): all 33 fields in the documented order, `-` for empty values,
//! values URL-encoded as documented. Each line states what the guard saw and decided.

use crate::support;
use edgeguard::replay::log::{field, Line, LogParser, DOCUMENTED_FIELDS};
use edgeguard::replay::{self, Limits, Replay};
use edgeguard::{Decision, Guard, Reason};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/replay/documented-format.txt"
);

fn guard() -> Guard {
    replay::guard(support::shipped_config())
}

fn fixture() -> String {
    std::fs::read_to_string(FIXTURE).expect("fixture")
}

#[test]
fn the_fixture_has_the_documented_header_and_every_field_on_every_line() {
    let text = fixture();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("#Version: 1.0"));
    assert_eq!(
        lines.next().map(str::to_string),
        Some(format!("#Fields: {}", DOCUMENTED_FIELDS.join(" ")))
    );
    for (i, line) in lines.enumerate() {
        let fields = line.trim_end_matches('\t').split('\t').count();
        assert_eq!(fields, 33, "line {}", i + 3);
    }
}

/// What the guard saw and decided for each record, by line number.
/// (line, uri as the guard saw it, rule, deny reason or None for allow)
const DECISIONS: [(usize, &str, Option<usize>, Option<Reason>); 14] = [
    (3, "/images/cat.jpg", Some(1), None),
    (
        4,
        "/images/cat.jpg",
        Some(1),
        Some(Reason::RefererNotAllowed),
    ),
    (5, "/images/cat.jpg", Some(1), Some(Reason::RefererMissing)),
    (6, "/images/summer%20party.jpg", Some(1), None),
    (7, "/favicon.ico", Some(2), None),
    (8, "/", None, Some(Reason::NoRule)),
    (9, "/private/report.pdf", Some(0), None),
    (10, "/private/report.pdf", Some(0), Some(Reason::Expired)),
    (
        11,
        "/private/report.pdf",
        Some(0),
        Some(Reason::SignatureInvalid),
    ),
    (12, "/private/video.mp4", Some(0), None),
    (
        13,
        "/private/report.pdf",
        Some(0),
        Some(Reason::SignatureMissing),
    ),
    (14, "/images/logo.png", Some(1), None),
    (15, "/media/clip.mp4", Some(1), None),
    (
        16,
        "/images/cat.jpg",
        Some(1),
        Some(Reason::RefererNotAllowed),
    ),
];

#[test]
fn each_documented_line_is_decided_as_the_guard_would() {
    let guard = guard();
    let text = fixture();
    let mut parser = LogParser::new();
    let mut decided = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Line::Record(record) = parser.parse_line(line.as_bytes()).expect("well-formed") else {
            continue;
        };
        let request = record.to_request();
        let now = record.timestamp().expect("documented date and time");
        let (rule, reason) = match guard.decide(&request, now) {
            Decision::Allow { rule, .. } => (Some(rule), None),
            Decision::Deny { rule, reason } => (rule, Some(reason)),
        };
        decided.push((i + 1, request.uri, rule, reason));
    }
    let want: Vec<_> = DECISIONS
        .iter()
        .map(|(l, u, r, why)| (*l, u.to_string(), *r, *why))
        .collect();
    assert_eq!(decided, want);
}

#[test]
fn values_come_back_as_the_viewer_sent_them() {
    let text = fixture();
    let mut parser = LogParser::new();
    let records: Vec<_> = text
        .lines()
        .filter_map(|l| match parser.parse_line(l.as_bytes()) {
            Ok(Line::Record(r)) => Some(r),
            _ => None,
        })
        .collect();
    let text_of = |r: &edgeguard::replay::Record<'_>, name| {
        r.value(name)
            .map(|v| String::from_utf8(v.into_owned()).unwrap())
    };
    // `-` is an empty value: no Referer, no query string, no Cookie.
    assert_eq!(records[2].referer(), None);
    assert_eq!(text_of(&records[0], field::URI_QUERY), None);
    assert_eq!(text_of(&records[0], field::COOKIE), None);
    // Spaces, quotes and brackets in the User-Agent were encoded once.
    assert_eq!(
        text_of(&records[13], "cs(User-Agent)").as_deref(),
        Some("Mozilla/5.0 \"quoted\" [bot]")
    );
    // The viewer's own escapes were encoded again (`%` is `%25`) and come back intact.
    assert_eq!(
        records[11].referer().as_deref(),
        Some("https://www.example.com/search?q=%22cats%22")
    );
    // `~` in a signature is logged as %7E.
    let query = text_of(&records[6], field::URI_QUERY).unwrap();
    assert!(query.contains("~poal") && !query.contains("%7E"), "{query}");
    // The Cookie header with its `; ` separators.
    let cookie = text_of(&records[9], field::COOKIE).unwrap();
    assert!(cookie.starts_with("CloudFront-Policy=") && cookie.ends_with("; theme=dark"));
    // The viewer's Host (an alternate domain name) is what signed resources name.
    let request = records[6].to_request();
    assert_eq!(
        request.header_values("host").collect::<Vec<_>>(),
        ["cdn.example.com"]
    );
    assert_eq!(request.client_ip, "198.51.100.20");
    assert_eq!(
        records[4].to_request().client_ip,
        "2001:db8:85a3::8a2e:370:7334"
    );
}

#[test]
fn the_report_of_the_documented_log() {
    let guard = guard();
    let mut replay = Replay::new(&guard, Limits::default());
    replay.begin_file(FIXTURE);
    for line in fixture().split_inclusive('\n') {
        replay.feed_line(line.as_bytes());
    }
    let r = replay.finish();
    assert_eq!((r.lines, r.requests, r.allowed, r.denied), (14, 14, 7, 7));
    assert_eq!(r.malformed.count, 0);
    let private = r.rule(Some(0)).unwrap();
    assert_eq!((private.requests, private.allowed), (5, 2));
    for reason in [
        Reason::Expired,
        Reason::SignatureInvalid,
        Reason::SignatureMissing,
    ] {
        assert_eq!(private.denied_by_reason.get(reason), 1, "{reason}");
    }
    // Served (200) then, denied now: the foreign Referer of line 4, the expired link of line
    // 10 and the unsigned download of line 13. Line 5 (403), 8 (502), 11 (403) and 16 (000)
    // were not served.
    let s = &r.served_then_denied_now;
    assert_eq!(s.count, 3);
    let lines: Vec<u64> = s.examples.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 10, 13]);
    assert_eq!(s.examples[1].time, "2026-01-02T00:00:05Z");
    assert_eq!(s.status_logged, 14);
}
