//! CloudFront standard access logs, one line at a time: the W3C extended log file format as the
//! CloudFront Developer Guide documents it ("Standard logging (access logs)", log file fields).
//!
//! - `#Version:` and `#Fields:` directive lines; the fields of each record are found **by name**
//!   from the `#Fields` line in force, so a file may carry another field list or order
//!   (standard logging v2 lets you choose both), and a later `#Fields` line switches.
//! - Records are tab-separated; `-` stands for an empty value.
//! - Values are URL-encoded: bytes 0-32, 127-255 and `<>"#%{}|\^~[]`'` become `%XX`. Because
//!   `%` itself becomes `%25`, the viewer's own escapes survive: the viewer's `/a%20b` is logged
//!   as `/a%2520b`. One round of percent-decoding gives back exactly what the viewer sent, which
//!   is what the guard saw (Lambda@Edge hands it the raw URI and query string).
//! - So a line CloudFront wrote is ASCII; any other byte means someone else wrote or changed it.

use crate::civil_time;
use crate::cloudfront::Request;
use crate::http_event::{viewer_request, HttpRequestParts};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use std::borrow::Cow;
use std::fmt;

/// The `#Fields` names the replay reads (CloudFront's own spelling).
pub mod field {
    /// UTC date the request was answered, `YYYY-MM-DD`.
    pub const DATE: &str = "date";
    /// UTC time the response finished, `hh:mm:ss`.
    pub const TIME: &str = "time";
    /// The viewer's (or the last proxy's) IP: the `clientIp` of the viewer-request event.
    pub const CLIENT_IP: &str = "c-ip";
    /// HTTP method.
    pub const METHOD: &str = "cs-method";
    /// The distribution's domain name (`d111111abcdef8.cloudfront.net`).
    pub const DISTRIBUTION_HOST: &str = "cs(Host)";
    /// The path, without `?` and query.
    pub const URI_STEM: &str = "cs-uri-stem";
    /// The status CloudFront answered with (`000` when the viewer hung up first).
    pub const STATUS: &str = "sc-status";
    /// The `Referer` header.
    pub const REFERER: &str = "cs(Referer)";
    /// The `User-Agent` header.
    pub const USER_AGENT: &str = "cs(User-Agent)";
    /// The query string without `?`.
    pub const URI_QUERY: &str = "cs-uri-query";
    /// The `Cookie` header, when cookie logging is on.
    pub const COOKIE: &str = "cs(Cookie)";
    /// The `Host` header the viewer sent (an alternate domain name, or the distribution's).
    pub const HOST_HEADER: &str = "x-host-header";
}

/// The 33 fields of a standard log, in the documented order (the `#Fields` line of the
/// Developer Guide's example log file).
pub const DOCUMENTED_FIELDS: [&str; 33] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

/// What CloudFront URL-encodes in field values: ASCII 0-32 (space included), 127 and above,
/// and the documented table `< > " # % { } | \ ^ ~ [ ] ` '`.
pub const LOG_ENCODED: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'<')
    .add(b'>')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'~')
    .add(b'[')
    .add(b']')
    .add(b'`')
    .add(b'\'');

/// The fields without which a line cannot be decided as the guard would: the clock, the
/// viewer's IP, the URI, the query string (signed URLs) and the Referer.
pub const REQUIRED_FIELDS: [&str; 6] = [
    field::DATE,
    field::TIME,
    field::CLIENT_IP,
    field::URI_STEM,
    field::URI_QUERY,
    field::REFERER,
];

/// The fields read, as slots of a fixed array (no allocation per line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Date,
    Time,
    ClientIp,
    Method,
    DistributionHost,
    UriStem,
    Status,
    Referer,
    UserAgent,
    UriQuery,
    Cookie,
    HostHeader,
}

const SLOTS: [(Slot, &str); 12] = [
    (Slot::Date, field::DATE),
    (Slot::Time, field::TIME),
    (Slot::ClientIp, field::CLIENT_IP),
    (Slot::Method, field::METHOD),
    (Slot::DistributionHost, field::DISTRIBUTION_HOST),
    (Slot::UriStem, field::URI_STEM),
    (Slot::Status, field::STATUS),
    (Slot::Referer, field::REFERER),
    (Slot::UserAgent, field::USER_AGENT),
    (Slot::UriQuery, field::URI_QUERY),
    (Slot::Cookie, field::COOKIE),
    (Slot::HostHeader, field::HOST_HEADER),
];

/// Where each field the replay reads sits in a record, from a `#Fields` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLayout {
    /// For each column, the slot it fills (`None`: a field the replay does not read).
    columns: Vec<Option<Slot>>,
    /// Which slots the layout has.
    present: [bool; SLOTS.len()],
}

impl FieldLayout {
    /// Reads the field names after `#Fields:` (space-separated). Unknown names are kept as
    /// columns and ignored; a field the replay reads must not appear twice.
    pub fn parse(names: &str) -> Result<Self, LineError> {
        let mut columns = Vec::new();
        let mut present = [false; SLOTS.len()];
        for name in names.split_ascii_whitespace() {
            let slot = SLOTS.iter().position(|(_, n)| *n == name);
            if let Some(i) = slot {
                if present[i] {
                    return Err(LineError::FieldsDirective(format!(
                        "field {name} listed twice"
                    )));
                }
                present[i] = true;
            }
            columns.push(slot.map(|i| SLOTS[i].0));
        }
        if columns.is_empty() {
            return Err(LineError::FieldsDirective("no field names".into()));
        }
        let layout = FieldLayout { columns, present };
        let lacking: Vec<&'static str> = REQUIRED_FIELDS
            .into_iter()
            .filter(|name| !layout.has(name))
            .collect();
        if !lacking.is_empty() {
            return Err(LineError::FieldsLacking(lacking));
        }
        Ok(layout)
    }

    /// How many fields a record under this layout has.
    pub fn field_count(&self) -> usize {
        self.columns.len()
    }

    /// Whether the layout has the named field (one of [`field`]).
    pub fn has(&self, name: &str) -> bool {
        SLOTS
            .iter()
            .position(|(_, n)| *n == name)
            .is_some_and(|i| self.present[i])
    }
}

/// Why a line is not a record that can be decided. Reported with its file and line number;
/// the replay goes on with the next line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    /// A record before any `#Fields` directive.
    NoFieldsDirective,
    /// The `#Fields` directive in force cannot be read.
    FieldsDirective(String),
    /// The `#Fields` directive in force lacks fields the decision needs.
    FieldsLacking(Vec<&'static str>),
    /// Not as many tab-separated values as `#Fields` names.
    FieldCount {
        /// Names in `#Fields`.
        expected: usize,
        /// Values on the line.
        found: usize,
    },
    /// A byte outside ASCII (which includes any line that is not UTF-8): CloudFront
    /// percent-encodes every byte above 126, so CloudFront did not write this line.
    NotAscii {
        /// Offset of the first such byte in the line.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// `date` is not an existing `YYYY-MM-DD` date.
    BadDate(String),
    /// Longer than any line CloudFront writes.
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// `time` is not an existing `hh:mm:ss` time.
    BadTime(String),
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::NoFieldsDirective => f.write_str("record before any #Fields line"),
            LineError::FieldsDirective(why) => write!(f, "unreadable #Fields line: {why}"),
            LineError::FieldsLacking(names) => {
                write!(f, "the #Fields line in force lacks {}", names.join(", "))
            }
            LineError::FieldCount { expected, found } => {
                write!(f, "{found} fields, the #Fields line names {expected}")
            }
            LineError::NotAscii { offset, byte } => write!(
                f,
                "byte 0x{byte:02X} at offset {offset}: CloudFront percent-encodes every byte \
                 outside ASCII, so it did not write this line"
            ),
            LineError::BadDate(text) => write!(f, "date {text:?} is not YYYY-MM-DD"),
            LineError::TooLong { limit } => write!(f, "line longer than {limit} bytes"),
            LineError::BadTime(text) => write!(f, "time {text:?} is not hh:mm:ss"),
        }
    }
}

impl std::error::Error for LineError {}

/// One record, its values still as logged (encoded, `-` for empty), borrowed from the line.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    values: [Option<&'a str>; SLOTS.len()],
}

impl<'a> Record<'a> {
    fn raw(&self, slot: Slot) -> Option<&'a str> {
        self.values[slot as usize]
    }

    /// A value as the viewer sent it: `None` when the field is not logged or is `-`, else the
    /// logged text percent-decoded once (borrowed when it has no `%`).
    pub fn value(&self, name: &str) -> Option<Cow<'a, [u8]>> {
        let i = SLOTS.iter().position(|(_, n)| *n == name)?;
        self.decoded(SLOTS[i].0)
    }

    fn decoded(&self, slot: Slot) -> Option<Cow<'a, [u8]>> {
        decode_value(self.raw(slot)?)
    }

    fn decoded_text(&self, slot: Slot) -> Option<Cow<'a, str>> {
        self.decoded(slot).map(|bytes| match bytes {
            Cow::Borrowed(b) => String::from_utf8_lossy(b),
            Cow::Owned(b) => Cow::Owned(String::from_utf8_lossy(&b).into_owned()),
        })
    }

    /// The request's clock: `date` and `time` (UTC) in epoch seconds. That is when CloudFront
    /// finished responding, at most `time-taken` after the guard ran.
    pub fn timestamp(&self) -> Result<i64, LineError> {
        let date = self.raw(Slot::Date).unwrap_or("-");
        let time = self.raw(Slot::Time).unwrap_or("-");
        let bad_date = || LineError::BadDate(date.to_string());
        let bad_time = || LineError::BadTime(time.to_string());
        let (y, mo, d) = split3(date, b'-', [4, 2, 2]).ok_or_else(bad_date)?;
        let (h, mi, s) = split3(time, b':', [2, 2, 2]).ok_or_else(bad_time)?;
        if civil_time::days_in_month(y, mo) < d || d < 1 {
            return Err(bad_date());
        }
        civil_time::utc_epoch(y, mo, d, h, mi, s).ok_or_else(bad_time)
    }

    /// `date` and `time` as logged.
    pub fn date_time(&self) -> (&'a str, &'a str) {
        (
            self.raw(Slot::Date).unwrap_or("-"),
            self.raw(Slot::Time).unwrap_or("-"),
        )
    }

    /// `sc-status` when logged and numeric.
    pub fn status(&self) -> Option<u16> {
        let text = self.raw(Slot::Status)?;
        if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok()
    }

    /// Whether the log shows the request as served (`sc-status` 2xx or 3xx); `None` when the
    /// status is not logged.
    pub fn served(&self) -> Option<bool> {
        self.raw(Slot::Status)?;
        Some(self.status().is_some_and(|s| (200..400).contains(&s)))
    }

    /// The URI as the guard saw it (decoded once; bytes that are not UTF-8 replaced).
    pub fn uri(&self) -> Cow<'a, str> {
        self.decoded_text(Slot::UriStem).unwrap_or_default()
    }

    /// The Referer as the guard saw it; `None` when the request had none.
    pub fn referer(&self) -> Option<Cow<'a, str>> {
        self.decoded_text(Slot::Referer)
    }

    /// The viewer-request `Request` the guard was handed, built with the same mapping as
    /// `edgeguard serve` and `check` ([`viewer_request`]): `cs-method`, the raw URI and query
    /// string, `c-ip`, and the headers the log keeps — `Host` from `x-host-header` (the
    /// viewer's, which signed-URL resources are built from) or else `cs(Host)` (the
    /// distribution's name), `Referer`, `User-Agent`, and `Cookie` when cookie logging is on.
    pub fn to_request(&self) -> Request {
        let host = self
            .decoded(Slot::HostHeader)
            .or_else(|| self.decoded(Slot::DistributionHost));
        let referer = self.decoded(Slot::Referer);
        let user_agent = self.decoded(Slot::UserAgent);
        let cookie = self.decoded(Slot::Cookie);
        let method = self.decoded_text(Slot::Method);
        let query = self.decoded_text(Slot::UriQuery);
        let client_ip = self.decoded_text(Slot::ClientIp);
        let headers = [
            ("Host", &host),
            ("Referer", &referer),
            ("User-Agent", &user_agent),
            ("Cookie", &cookie),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)));
        viewer_request(
            HttpRequestParts {
                method: method.as_deref().unwrap_or("GET"),
                path: &self.uri(),
                query: query.as_deref(),
                client_ip: client_ip.as_deref().unwrap_or(""),
                host_override: None,
            },
            headers,
        )
    }
}

/// `YYYY-MM-DD` / `hh:mm:ss`: three fixed-width numbers around a separator.
fn split3(text: &str, separator: u8, widths: [usize; 3]) -> Option<(i64, i64, i64)> {
    let bytes = text.as_bytes();
    if bytes.len() != widths.iter().sum::<usize>() + 2 {
        return None;
    }
    let mut parts = [0i64; 3];
    let mut at = 0;
    for (i, width) in widths.into_iter().enumerate() {
        let digits = &bytes[at..at + width];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        parts[i] = digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0'));
        at += width;
        if i < 2 {
            if bytes[at] != separator {
                return None;
            }
            at += 1;
        }
    }
    Some((parts[0], parts[1], parts[2]))
}

/// A logged value as the viewer sent it: `None` for `-` (empty), else percent-decoded once.
pub fn decode_value(logged: &str) -> Option<Cow<'_, [u8]>> {
    if logged == "-" || logged.is_empty() {
        return None;
    }
    Some(percent_decode_str(logged).into())
}

/// How CloudFront logs a value the viewer sent (`-` when empty): the inverse of
/// [`decode_value`], for building test logs and benchmarks.
pub fn encode_value(raw: &[u8]) -> String {
    if raw.is_empty() {
        return "-".into();
    }
    // Bytes above 127 are encoded by the set; a non-UTF-8 input is encoded byte by byte.
    match std::str::from_utf8(raw) {
        Ok(text) => utf8_percent_encode(text, LOG_ENCODED).to_string(),
        Err(_) => percent_encoding::percent_encode(raw, LOG_ENCODED).to_string(),
    }
}

/// What one line of a log file is.
#[derive(Debug, Clone, Copy)]
pub enum Line<'a> {
    /// A directive (`#Version`, `#Fields`, ...) or an empty line: nothing to decide.
    Directive,
    /// A request.
    Record(Record<'a>),
}

/// Reads the lines of one log file in order, keeping the `#Fields` directive in force. Pure:
/// the caller reads the bytes (plain or gzip) and numbers the lines.
#[derive(Debug, Clone, Default)]
pub struct LogParser {
    layout: Option<Result<FieldLayout, LineError>>,
}

impl LogParser {
    /// A parser at the start of a file (no `#Fields` yet).
    pub fn new() -> Self {
        LogParser::default()
    }

    /// Parses one line (with or without its `\n` / `\r\n`).
    pub fn parse_line<'a>(&mut self, line: &'a [u8]) -> Result<Line<'a>, LineError> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(offset) = line.iter().position(|b| !b.is_ascii()) {
            return Err(LineError::NotAscii {
                offset,
                byte: line[offset],
            });
        }
        let Ok(text) = std::str::from_utf8(line) else {
            return Err(LineError::NotAscii { offset: 0, byte: 0 });
        };
        if let Some(directive) = text.strip_prefix('#') {
            if let Some(names) = directive.strip_prefix("Fields:") {
                self.layout = Some(FieldLayout::parse(names));
            }
            return Ok(Line::Directive);
        }
        if text.is_empty() {
            return Ok(Line::Directive);
        }
        let layout = match &self.layout {
            None => return Err(LineError::NoFieldsDirective),
            Some(Err(e)) => return Err(e.clone()),
            Some(Ok(layout)) => layout,
        };
        let mut values = [None; SLOTS.len()];
        let mut found = 0;
        for (i, value) in text.split('\t').enumerate() {
            found += 1;
            if let Some(Some(slot)) = layout.columns.get(i) {
                values[*slot as usize] = Some(value);
            }
        }
        // AWS's own example log ends one record with a tab: tolerate one empty extra field.
        let expected = layout.field_count();
        let trailing_tab = found == expected + 1 && text.ends_with('\t');
        if found != expected && !trailing_tab {
            return Err(LineError::FieldCount { expected, found });
        }
        Ok(Line::Record(Record { values }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_FIELDS_SHORT: &str = "#Fields: date time c-ip cs-uri-stem cs-uri-query cs(Referer)\n";

    fn record<'a>(parser: &mut LogParser, line: &'a str) -> Record<'a> {
        match parser.parse_line(line.as_bytes()) {
            Ok(Line::Record(r)) => r,
            other => panic!("not a record: {other:?}"),
        }
    }

    fn parser_with(fields: &str) -> LogParser {
        let mut p = LogParser::new();
        assert!(matches!(
            p.parse_line(fields.as_bytes()),
            Ok(Line::Directive)
        ));
        p
    }

    fn text(value: Option<Cow<'_, [u8]>>) -> Option<String> {
        value.map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    #[test]
    fn slots_are_listed_in_enum_order() {
        for (i, (slot, _)) in SLOTS.iter().enumerate() {
            assert_eq!(*slot as usize, i);
        }
    }

    #[test]
    fn fields_are_found_by_name_in_any_order() {
        let mut p =
            parser_with("#Fields: cs(Referer) cs-uri-query x-unknown cs-uri-stem c-ip time date\n");
        let r = record(
            &mut p,
            "https://a.example/\tx=1\tzzz\t/images/cat.jpg\t192.0.2.1\t01:02:03\t2026-01-01\n",
        );
        assert_eq!(r.uri(), "/images/cat.jpg");
        assert_eq!(r.referer().as_deref(), Some("https://a.example/"));
        assert_eq!(text(r.value(field::URI_QUERY)).as_deref(), Some("x=1"));
        assert_eq!(r.timestamp(), Ok(1_767_225_600 + 3723));
    }

    #[test]
    fn a_later_fields_line_switches_the_layout() {
        let mut p = parser_with(TWO_FIELDS_SHORT);
        assert_eq!(
            record(&mut p, "2026-01-01\t00:00:00\t192.0.2.1\t/a\t-\t-").uri(),
            "/a"
        );
        p.parse_line(b"#Fields: cs-uri-stem date time c-ip cs-uri-query cs(Referer) sc-status\n")
            .unwrap();
        let r = record(&mut p, "/b\t2026-01-01\t00:00:00\t192.0.2.1\t-\t-\t200");
        assert_eq!(r.uri(), "/b");
        assert_eq!(r.status(), Some(200));
    }

    #[test]
    fn hyphen_is_an_empty_value() {
        let mut p = parser_with(TWO_FIELDS_SHORT);
        let r = record(&mut p, "2026-01-01\t00:00:00\t192.0.2.1\t/a\t-\t-");
        assert_eq!(r.referer(), None);
        assert_eq!(r.value(field::URI_QUERY), None);
        assert_eq!(r.value(field::COOKIE), None, "not logged at all");
    }

    #[test]
    fn one_round_of_decoding_gives_what_the_viewer_sent() {
        let cases = [
            // (logged, what the viewer sent)
            ("/a%2520b.jpg", "/a%20b.jpg"),
            ("/caf%C3%A9.jpg", "/café.jpg"),
            ("Mozilla/5.0%20(X11;%20Linux)", "Mozilla/5.0 (X11; Linux)"),
            ("Signature=a%7Eb__&x=%25", "Signature=a~b__&x=%"),
            ("%3C%3E%22%23%7B%7D%7C%5C%5E%5B%5D%60%27", "<>\"#{}|\\^[]`'"),
            ("a=b;%20c=d", "a=b; c=d"),
            ("%2525", "%25"),
        ];
        for (logged, sent) in cases {
            let decoded = decode_value(logged).unwrap();
            assert_eq!(String::from_utf8_lossy(&decoded), sent, "{logged}");
        }
    }

    #[test]
    fn encoding_is_the_inverse_of_decoding() {
        for sent in [
            "/a%20b.jpg",
            "Mozilla/5.0 (X11; Linux)",
            "<>\"#%{}|\\^~[]`'",
            "a\tb\nc",
            "/café",
            "plain-ASCII_text.0123:/?&=+$,;@!*()",
        ] {
            let logged = encode_value(sent.as_bytes());
            assert!(logged.bytes().all(|b| b.is_ascii_graphic()), "{logged}");
            assert_eq!(decode_value(&logged).unwrap(), sent.as_bytes());
        }
        assert_eq!(encode_value(b""), "-");
        assert_eq!(encode_value(b" "), "%20");
        assert_eq!(encode_value(b"~%"), "%7E%25");
    }

    #[test]
    fn a_record_before_any_fields_line_is_an_error() {
        assert_eq!(
            LogParser::new().parse_line(b"2026-01-01\t00:00:00").err(),
            Some(LineError::NoFieldsDirective)
        );
    }

    #[test]
    fn a_wrong_number_of_fields_is_an_error() {
        let mut p = parser_with(TWO_FIELDS_SHORT);
        assert_eq!(
            p.parse_line(b"2026-01-01\t00:00:00\t/a").err(),
            Some(LineError::FieldCount {
                expected: 6,
                found: 3
            })
        );
        assert_eq!(
            p.parse_line(b"2026-01-01\t00:00:00\t192.0.2.1\t/a\t-\t-\textra")
                .err(),
            Some(LineError::FieldCount {
                expected: 6,
                found: 7
            })
        );
    }

    #[test]
    fn one_trailing_tab_is_tolerated_as_in_the_aws_example() {
        let mut p = parser_with(TWO_FIELDS_SHORT);
        assert_eq!(
            record(&mut p, "2026-01-01\t00:00:00\t192.0.2.1\t/a\t-\t-\t\n").uri(),
            "/a"
        );
    }

    #[test]
    fn non_ascii_and_non_utf8_lines_are_errors() {
        let mut p = parser_with(TWO_FIELDS_SHORT);
        assert_eq!(
            p.parse_line(b"2026-01-01\t00:00:00\t192.0.2.1\t/\xff\t-\t-")
                .err(),
            Some(LineError::NotAscii {
                offset: 31,
                byte: 0xff
            })
        );
        assert!(matches!(
            p.parse_line("2026-01-01\t00:00:00\t192.0.2.1\t/é\t-\t-".as_bytes()),
            Err(LineError::NotAscii { byte: 0xc3, .. })
        ));
    }

    #[test]
    fn bad_dates_and_times_are_errors_of_the_record() {
        let mut p = parser_with(TWO_FIELDS_SHORT);
        for (date, time, error) in [
            (
                "2026-02-30",
                "00:00:00",
                LineError::BadDate("2026-02-30".into()),
            ),
            (
                "2026-1-01",
                "00:00:00",
                LineError::BadDate("2026-1-01".into()),
            ),
            ("-", "00:00:00", LineError::BadDate("-".into())),
            (
                "2026-01-01",
                "24:00:00",
                LineError::BadTime("24:00:00".into()),
            ),
            (
                "2026-01-01",
                "1:00:00",
                LineError::BadTime("1:00:00".into()),
            ),
        ] {
            let line = format!("{date}\t{time}\t192.0.2.1\t/a\t-\t-");
            assert_eq!(record(&mut p, &line).timestamp(), Err(error));
        }
    }

    #[test]
    fn a_fields_line_without_what_the_decision_needs_fails_its_records() {
        let mut p = parser_with("#Fields: date time cs-uri-stem\n");
        assert_eq!(
            p.parse_line(b"2026-01-01\t00:00:00\t/a").err(),
            Some(LineError::FieldsLacking(vec![
                field::CLIENT_IP,
                field::URI_QUERY,
                field::REFERER
            ]))
        );
    }

    #[test]
    fn a_field_listed_twice_is_an_unreadable_fields_line() {
        let mut p = parser_with(
            "#Fields: date time c-ip cs-uri-stem cs-uri-stem cs-uri-query cs(Referer)\n",
        );
        assert!(matches!(
            p.parse_line(b"x"),
            Err(LineError::FieldsDirective(_))
        ));
    }

    #[test]
    fn served_means_a_logged_2xx_or_3xx() {
        let mut p =
            parser_with("#Fields: date time c-ip cs-uri-stem cs-uri-query cs(Referer) sc-status\n");
        for (status, served) in [
            ("200", Some(true)),
            ("206", Some(true)),
            ("304", Some(true)),
            ("403", Some(false)),
            ("000", Some(false)),
            ("-", Some(false)),
        ] {
            let line = format!("2026-01-01\t00:00:00\t192.0.2.1\t/a\t-\t-\t{status}");
            assert_eq!(record(&mut p, &line).served(), served, "{status}");
        }
        let mut short = parser_with(TWO_FIELDS_SHORT);
        assert_eq!(
            record(&mut short, "2026-01-01\t00:00:00\t192.0.2.1\t/a\t-\t-").served(),
            None
        );
    }

    #[test]
    fn the_request_carries_what_the_viewer_sent() {
        let mut p = parser_with(
            "#Fields: date time c-ip cs-method cs(Host) cs-uri-stem cs-uri-query cs(Referer) cs(Cookie) x-host-header\n",
        );
        let r = record(
            &mut p,
            "2026-01-01\t00:00:00\t2001:db8::1\tHEAD\td111111abcdef8.cloudfront.net\t/a%2520b\t\
             Signature=x%7Ey\thttps://www.example.com/p\ta=b;%20c=d\tcdn.example.com",
        );
        let req = r.to_request();
        assert_eq!(req.method, "HEAD");
        assert_eq!(req.uri, "/a%20b");
        assert_eq!(req.querystring, "Signature=x~y");
        assert_eq!(req.client_ip, "2001:db8::1");
        let values = |name| req.header_values(name).collect::<Vec<_>>();
        assert_eq!(values("host"), ["cdn.example.com"]);
        assert_eq!(values("referer"), ["https://www.example.com/p"]);
        assert_eq!(values("cookie"), ["a=b; c=d"]);
    }

    #[test]
    fn without_a_viewer_host_the_distribution_name_is_the_host() {
        let mut p = parser_with(
            "#Fields: date time c-ip cs(Host) cs-uri-stem cs-uri-query cs(Referer) x-host-header\n",
        );
        let r = record(
            &mut p,
            "2026-01-01\t00:00:00\t192.0.2.1\td1.cloudfront.net\t/\t-\t-\t-",
        );
        let req = r.to_request();
        assert_eq!(
            req.header_values("host").collect::<Vec<_>>(),
            ["d1.cloudfront.net"]
        );
        assert_eq!(req.header_values("referer").count(), 0);
        assert_eq!(req.header_values("cookie").count(), 0);
        assert_eq!(req.method, "GET", "no cs-method: GET");
    }
}
