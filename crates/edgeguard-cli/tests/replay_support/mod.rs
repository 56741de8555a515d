//! A deterministic day of CloudFront standard access logs with a known mix of traffic, for the
//! replay tests (`tests/replay_day.rs`) and the throughput benchmark (`benches/replay.rs`).
//!
//! Every request is generated from a kind whose outcome under the shipped `guard.toml` the
//! configuration reference states (README, "How a request is decided"): the expected counts are
//! the generator's own bookkeeping of what it wrote, never the guard's answers. Signed URLs and
//! cookies are real, signed with the demo private keys of `tests/fixtures/keys/`.
#![allow(dead_code)]

use edgeguard::replay::log::{encode_value, DOCUMENTED_FIELDS};
use edgeguard::signed::{sign_cookies, sign_url, PrivateKey, SignOptions};
use edgeguard::Reason;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// 2026-01-01T00:00:00Z, the day the traffic happens.
pub const DAY: i64 = 1_767_225_600;
/// Noon that day: when the "crossing" signed URL expires.
pub const NOON: i64 = DAY + 12 * 3600;
/// The viewer-facing domain (x-host-header), which signed resources name.
pub const HOST: &str = "cdn.example.com";
/// The distribution's own domain (cs(Host)).
pub const DISTRIBUTION: &str = "d111111abcdef8.cloudfront.net";
const RSA_ID: &str = "K2JCJMDEHXQW5F";
const ECDSA_ID: &str = "K3ECDSAP256DEMO";

/// The kinds of request in the mix, with their weight (out of 100) and expected outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `/images/*` from a page on www.example.com: allowed by rule 1.
    ImageOwnReferer,
    /// `/images/*` from a page on example.com itself: allowed by rule 1.
    ImageApexReferer,
    /// `/images/*` from another site: rule 1, referer_not_allowed.
    ImageForeignReferer,
    /// `/images/*` without a Referer: rule 1, referer_missing.
    ImageNoReferer,
    /// `/media/*` with a valid signed share link from another site: allowed by rule 1
    /// (`signature_bypasses_referer`).
    MediaShareLink,
    /// `/public/*`: allowed by rule 2, whatever the Referer.
    PublicAsset,
    /// A path no rule covers: no_rule.
    UnknownPath,
    /// `/private/*` with a signed URL valid all day: allowed by rule 0.
    PrivateSigned,
    /// `/private/*` with a signed URL that expired the day before: rule 0, expired.
    PrivateExpired,
    /// `/private/*` with a signed URL expiring at noon: allowed before, expired from noon on.
    PrivateCrossingNoon,
    /// `/private/*` with a signature that does not verify: rule 0, signature_invalid.
    PrivateTampered,
    /// `/private/*` signed with a key the config does not trust: rule 0, key_unknown.
    PrivateUnknownKey,
    /// `/private/*` without any signature: rule 0, signature_missing.
    PrivateUnsigned,
    /// `/private/*` with ECDSA signed cookies valid all day: allowed by rule 0.
    PrivateSignedCookies,
}

const MIX: [(Kind, u32); 14] = [
    (Kind::ImageOwnReferer, 30),
    (Kind::ImageApexReferer, 5),
    (Kind::ImageForeignReferer, 12),
    (Kind::ImageNoReferer, 6),
    (Kind::MediaShareLink, 3),
    (Kind::PublicAsset, 15),
    (Kind::UnknownPath, 5),
    (Kind::PrivateSigned, 8),
    (Kind::PrivateExpired, 3),
    (Kind::PrivateCrossingNoon, 3),
    (Kind::PrivateTampered, 2),
    (Kind::PrivateUnknownKey, 1),
    (Kind::PrivateUnsigned, 2),
    (Kind::PrivateSignedCookies, 5),
];

impl Kind {
    /// The expected (rule, deny reason) at time `now` with the shipped guard.toml.
    pub fn expected(self, now: i64) -> (Option<usize>, Option<Reason>) {
        match self {
            Kind::ImageOwnReferer | Kind::ImageApexReferer | Kind::MediaShareLink => {
                (Some(1), None)
            }
            Kind::ImageForeignReferer => (Some(1), Some(Reason::RefererNotAllowed)),
            Kind::ImageNoReferer => (Some(1), Some(Reason::RefererMissing)),
            Kind::PublicAsset => (Some(2), None),
            Kind::UnknownPath => (None, Some(Reason::NoRule)),
            Kind::PrivateSigned | Kind::PrivateSignedCookies => (Some(0), None),
            Kind::PrivateExpired => (Some(0), Some(Reason::Expired)),
            Kind::PrivateCrossingNoon if now < NOON => (Some(0), None),
            Kind::PrivateCrossingNoon => (Some(0), Some(Reason::Expired)),
            Kind::PrivateTampered => (Some(0), Some(Reason::SignatureInvalid)),
            Kind::PrivateUnknownKey => (Some(0), Some(Reason::KeyUnknown)),
            Kind::PrivateUnsigned => (Some(0), Some(Reason::SignatureMissing)),
        }
    }
}

/// What the generator wrote, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// Requests written.
    pub requests: u64,
    /// Per (rule, deny reason or `None` for allowed).
    pub outcomes: BTreeMap<(Option<usize>, Option<&'static str>), u64>,
    /// Denied requests whose logged status is 2xx/3xx, by reason.
    pub served_then_denied: BTreeMap<&'static str, u64>,
    /// Denied requests per Referer host (`(none)` without a Referer).
    pub denied_referer_hosts: BTreeMap<String, u64>,
}

impl Expected {
    /// Allowed and denied totals.
    pub fn allowed_denied(&self) -> (u64, u64) {
        self.outcomes
            .iter()
            .fold((0, 0), |(a, d), ((_, reason), n)| match reason {
                None => (a + n, d),
                Some(_) => (a, d + n),
            })
    }
}

/// One generated file.
pub struct LogFile {
    /// Path relative to the output directory (nested like an S3 prefix).
    pub path: String,
    /// The bytes to write: gzip for most files, plain text for some.
    pub bytes: Vec<u8>,
}

/// Signed query strings and cookies used by the day (a few distinct ones, reused, as a
/// player or a session reuses them).
struct Credentials {
    signed: Vec<String>,
    expired: Vec<String>,
    crossing: Vec<String>,
    tampered: Vec<String>,
    unknown_key: Vec<String>,
    share: Vec<String>,
    cookies: Vec<String>,
}

fn key(id: &str) -> PrivateKey {
    let path = format!(
        "{}/tests/fixtures/keys/{id}.private.pem",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    );
    PrivateKey::from_pem(&std::fs::read_to_string(path).expect("demo key")).expect("demo key")
}

fn options<'a>(url: &'a str, key_pair_id: &'a str, expires: i64) -> SignOptions<'a> {
    SignOptions::canned(url, key_pair_id, expires)
}

/// The query string of a signed URL for `path` on [`HOST`].
fn signed_query(path: &str, key_pair_id: &str, key: &PrivateKey, expires: i64) -> String {
    let url = format!("https://{HOST}{path}");
    let signed = sign_url(&options(&url, key_pair_id, expires), key).expect("signs");
    signed
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .expect("a query string")
}

impl Credentials {
    fn new() -> Self {
        let rsa = key(RSA_ID);
        let ecdsa = key(ECDSA_ID);
        let tomorrow = DAY + 86_400;
        let files = |n: usize| {
            (0..n)
                .map(|i| format!("/private/doc-{i}.pdf"))
                .collect::<Vec<_>>()
        };
        let signed = files(4)
            .iter()
            .map(|p| signed_query(p, RSA_ID, &rsa, tomorrow))
            .collect();
        let expired = files(2)
            .iter()
            .map(|p| signed_query(p, RSA_ID, &rsa, DAY - 3600))
            .collect();
        let crossing = files(2)
            .iter()
            .map(|p| signed_query(p, RSA_ID, &rsa, NOON))
            .collect();
        let tampered = files(2)
            .iter()
            // Signed for another file: a genuine signature, but not of this URL.
            .map(|p| signed_query(&format!("{p}.other"), RSA_ID, &rsa, tomorrow))
            .collect();
        let unknown_key = files(1)
            .iter()
            .map(|p| signed_query(p, "KUNTRUSTEDKEY", &rsa, tomorrow))
            .collect();
        let share = (0..2)
            .map(|i| signed_query(&format!("/media/clip-{i}.mp4"), RSA_ID, &rsa, tomorrow))
            .collect();
        let cookie_url = format!("https://{HOST}/private/video.mp4");
        let mut cookie_options = options(&cookie_url, ECDSA_ID, tomorrow);
        let resource = format!("https://{HOST}/private/*");
        cookie_options.policy_resource = Some(&resource);
        let cookies = vec![sign_cookies(&cookie_options, &ecdsa)
            .expect("signs cookies")
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .chain(["theme=dark".to_string()])
            .collect::<Vec<_>>()
            .join("; ")];
        Credentials {
            signed,
            expired,
            crossing,
            tampered,
            unknown_key,
            share,
            cookies,
        }
    }
}

/// A small deterministic generator (xorshift64*), so the day is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What one request looked like to the viewer (raw, before CloudFront's log encoding).
struct Sent<'a> {
    path: String,
    query: &'a str,
    referer: Option<String>,
    cookie: &'a str,
}

fn sent<'a>(kind: Kind, rng: &mut Rng, c: &'a Credentials) -> Sent<'a> {
    // The viewer sends a space percent-encoded; the log double-encodes it (`%2520`).
    let image = format!("/images/photo%20{}.jpg", rng.below(50));
    let private = |rng: &mut Rng, pool: &[String]| {
        let i = rng.below(pool.len() as u64) as usize;
        (format!("/private/doc-{i}.pdf"), i)
    };
    let mut s = Sent {
        path: image,
        query: "",
        referer: None,
        cookie: "",
    };
    match kind {
        Kind::ImageOwnReferer => {
            s.referer = Some(format!(
                "https://www.example.com/gallery/{}?sort=new",
                rng.below(9)
            ));
        }
        Kind::ImageApexReferer => s.referer = Some("https://example.com/".into()),
        Kind::ImageForeignReferer => {
            s.referer = Some(format!(
                "https://hotlink{}.test/forum/t/{}",
                rng.below(7),
                rng.below(100)
            ));
        }
        Kind::ImageNoReferer => {}
        Kind::MediaShareLink => {
            let i = rng.below(c.share.len() as u64) as usize;
            s.path = format!("/media/clip-{i}.mp4");
            s.query = &c.share[i];
            s.referer = Some("https://chat.other.test/".into());
        }
        Kind::PublicAsset => {
            s.path = format!(
                "/public/app.{}",
                ["css", "js", "woff2"][rng.below(3) as usize]
            );
            if rng.below(2) == 0 {
                s.referer = Some("https://anywhere.test/".into());
            }
        }
        Kind::UnknownPath => s.path = rng.pick(&["/wp-login.php", "/.env", "/admin/"]).to_string(),
        Kind::PrivateSigned => {
            let (p, i) = private(rng, &c.signed);
            (s.path, s.query) = (p, &c.signed[i]);
        }
        Kind::PrivateExpired => {
            let (p, i) = private(rng, &c.expired);
            (s.path, s.query) = (p, &c.expired[i]);
        }
        Kind::PrivateCrossingNoon => {
            let (p, i) = private(rng, &c.crossing);
            (s.path, s.query) = (p, &c.crossing[i]);
        }
        Kind::PrivateTampered => {
            let (p, i) = private(rng, &c.tampered);
            (s.path, s.query) = (p, &c.tampered[i]);
        }
        Kind::PrivateUnknownKey => {
            let (p, i) = private(rng, &c.unknown_key);
            (s.path, s.query) = (p, &c.unknown_key[i]);
        }
        Kind::PrivateUnsigned => s.path = "/private/doc-0.pdf".into(),
        Kind::PrivateSignedCookies => {
            s.path = "/private/video.mp4".into();
            s.cookie = &c.cookies[0];
            s.referer = Some("https://www.example.com/watch".into());
        }
    }
    s
}

/// One log record with every documented field, values encoded as CloudFront logs them.
fn record(time: i64, rng: &mut Rng, status: u16, s: &Sent<'_>) -> String {
    let seconds = time - DAY;
    let date = "2026-01-01";
    let clock = format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    let ip = format!("198.51.{}.{}", rng.below(256), 1 + rng.below(254));
    let values: Vec<String> = DOCUMENTED_FIELDS
        .iter()
        .map(|field| match *field {
            "date" => date.to_string(),
            "time" => clock.clone(),
            "x-edge-location" => "FRA56-P1".into(),
            "sc-bytes" => "48613".into(),
            "c-ip" => ip.clone(),
            "cs-method" => "GET".into(),
            "cs(Host)" => DISTRIBUTION.into(),
            "cs-uri-stem" => encode_value(s.path.as_bytes()),
            "sc-status" => format!("{status:03}"),
            "cs(Referer)" => encode_value(s.referer.as_deref().unwrap_or("").as_bytes()),
            "cs(User-Agent)" => encode_value(
                b"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            ),
            "cs-uri-query" => encode_value(s.query.as_bytes()),
            "cs(Cookie)" => encode_value(s.cookie.as_bytes()),
            "x-edge-result-type"
            | "x-edge-response-result-type"
            | "x-edge-detailed-result-type" => "Hit".into(),
            "x-edge-request-id" => format!(
                "{:016x}{:016x}AAAAAAAAAAAAAAAAAAAAAA==",
                rng.next(),
                rng.next()
            ),
            "x-host-header" => HOST.into(),
            "cs-protocol" => "https".into(),
            "cs-bytes" => "412".into(),
            "time-taken" => "0.002".into(),
            "ssl-protocol" => "TLSv1.3".into(),
            "ssl-cipher" => "TLS_AES_128_GCM_SHA256".into(),
            "cs-protocol-version" => "HTTP/2.0".into(),
            "c-port" => "50112".into(),
            "time-to-first-byte" => "0.001".into(),
            "sc-content-type" => "image/jpeg".into(),
            "sc-content-len" => "48213".into(),
            _ => "-".into(),
        })
        .collect();
    values.join("\t")
}

/// `requests` requests spread over the day in `files` files (hourly-style names, nested
/// under `2026/01/01/`; every fourth file plain text, the others gzip), with what was written.
pub fn day(requests: usize, files: usize) -> (Vec<LogFile>, Expected) {
    let credentials = Credentials::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let total_weight: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut expected = Expected::default();
    let header = format!("#Version: 1.0\n#Fields: {}\n", DOCUMENTED_FIELDS.join(" "));
    let files = files.max(1);
    let mut out = Vec::with_capacity(files);
    // Files are filled one after the other (lines are in time order), compressed as they go.
    let mut current: Option<(usize, Sink)> = None;
    for i in 0..requests {
        let time = DAY + (i as i64 * 86_400) / requests as i64;
        let mut roll = rng.below(u64::from(total_weight)) as u32;
        let kind = MIX
            .iter()
            .find(|(_, w)| {
                let hit = roll < *w;
                roll = roll.saturating_sub(*w);
                hit
            })
            .map(|(k, _)| *k)
            .unwrap_or(Kind::PublicAsset);
        let s = sent(kind, &mut rng, &credentials);
        // What the log shows was served before the guard: mostly 200, some 304 and 206, a
        // few 403 (an old bucket policy) and 000 (the viewer hung up).
        let status = *rng.pick(&[200, 200, 200, 200, 200, 200, 304, 206, 403, 0]);
        let (rule, reason) = kind.expected(time);
        expected.requests += 1;
        *expected
            .outcomes
            .entry((rule, reason.map(Reason::code)))
            .or_default() += 1;
        if let Some(reason) = reason {
            if (200..400).contains(&status) {
                *expected
                    .served_then_denied
                    .entry(reason.code())
                    .or_default() += 1;
            }
            *expected
                .denied_referer_hosts
                .entry(host_of(s.referer.as_deref()))
                .or_default() += 1;
        }
        let index = i * files / requests;
        if current.as_ref().map(|(n, _)| *n) != Some(index) {
            if let Some((n, sink)) = current.take() {
                out.push(sink.finish(n, files));
            }
            let mut sink = Sink::new(index);
            sink.write(header.as_bytes());
            current = Some((index, sink));
        }
        if let Some((_, sink)) = current.as_mut() {
            sink.write(record(time, &mut rng, status, &s).as_bytes());
            sink.write(b"\n");
        }
    }
    if let Some((n, sink)) = current.take() {
        out.push(sink.finish(n, files));
    }
    (out, expected)
}

/// The Referer's host as the report names it.
fn host_of(referer: Option<&str>) -> String {
    match referer {
        None => "(none)".to_string(),
        Some(r) => url::Url::parse(r)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

/// One file being written: every fourth plain text, the others gzip.
enum Sink {
    Plain(Vec<u8>),
    Gzip(GzEncoder<Vec<u8>>),
}

impl Sink {
    fn new(index: usize) -> Self {
        if index % 4 == 3 {
            Sink::Plain(Vec::new())
        } else {
            Sink::Gzip(GzEncoder::new(Vec::new(), Compression::fast()))
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        match self {
            Sink::Plain(v) => v.extend_from_slice(bytes),
            Sink::Gzip(gz) => gz.write_all(bytes).expect("in memory"),
        }
    }

    fn finish(self, index: usize, files: usize) -> LogFile {
        let name = format!(
            "2026/01/01/E2REPLAYDEMO.2026-01-01-{:02}.{index:04}",
            index * 24 / files
        );
        match self {
            Sink::Plain(bytes) => LogFile { path: name, bytes },
            Sink::Gzip(gz) => LogFile {
                path: format!("{name}.gz"),
                bytes: gz.finish().expect("in memory"),
            },
        }
    }
}

/// Writes the files under `dir` (created).
pub fn write(dir: &Path, files: &[LogFile]) {
    for f in files {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().expect("nested")).expect("mkdir");
        std::fs::write(&path, &f.bytes).expect("write log file");
    }
}
