//! Tampered signed URLs and cookies against the shipped guard.toml (`/private/*` requires a
//! signature): every case names the expected deny reason, and the bar is zero false allows.
//! Valid originals are signed fresh with the demo private keys in tests/fixtures/keys/; a few
//! untampered or equivalent variants are in the table as `Allow` so it cannot pass by denying
//! everything.

use crate::support;
use edgeguard::signed::{b64, sign_cookies, sign_url, HashAlgorithm, PrivateKey, SignOptions};
use edgeguard::{Decision, Guard, Reason};

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const EXPIRES: i64 = 1_798_761_600; // 2027-01-01
const HOST: &str = "d111111abcdef8.cloudfront.net";
const RSA: &str = "K2JCJMDEHXQW5F";
const ECDSA: &str = "K3ECDSAP256DEMO";
const PATH: &str = "/private/report.pdf";
const CLIENT: &str = "203.0.113.178";

fn guard() -> &'static Guard {
    static GUARD: std::sync::OnceLock<Guard> = std::sync::OnceLock::new();
    GUARD.get_or_init(support::shipped_guard)
}

fn key(id: &str) -> &'static PrivateKey {
    static KEYS: std::sync::OnceLock<[PrivateKey; 2]> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| [RSA, ECDSA].map(support::private_key));
    &keys[usize::from(id == ECDSA)]
}

fn url() -> String {
    format!("https://{HOST}{PATH}")
}

fn opts<'a>(url: &'a str, id: &'a str) -> SignOptions<'a> {
    SignOptions::canned(url, id, EXPIRES)
}

/// The query string of a URL signed with `options` by key `id`.
fn signed_query(options: SignOptions<'_>, id: &str) -> String {
    let signed = sign_url(&options, key(id)).unwrap();
    signed.split_once('?').unwrap().1.to_string()
}

fn canned() -> String {
    signed_query(opts(&url(), RSA), RSA)
}

/// `Policy=...&Signature=...&Key-Pair-Id=...` over arbitrary policy bytes, signed by `id`.
fn custom_raw(policy: &str, id: &str, hash: HashAlgorithm) -> String {
    let signature = key(id).sign(hash, policy.as_bytes()).unwrap();
    let mut q = format!(
        "Policy={}&Signature={}&Key-Pair-Id={id}",
        b64::encode(policy.as_bytes()),
        b64::encode(&signature)
    );
    if hash == HashAlgorithm::Sha256 {
        q.push_str("&Hash-Algorithm=SHA256");
    }
    q
}

fn policy_json(resource: &str, condition: &str) -> String {
    format!(r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{{condition}}}}}]}}"#)
}

fn custom(resource: &str, condition: &str) -> String {
    custom_raw(&policy_json(resource, condition), RSA, HashAlgorithm::Sha1)
}

fn until() -> String {
    format!(r#""DateLessThan":{{"AWS:EpochTime":{EXPIRES}}}"#)
}

fn param<'q>(query: &'q str, name: &str) -> &'q str {
    query
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap()
}

/// Replaces the value of `name` with `f(old value)`.
fn with_param(query: &str, name: &str, f: impl Fn(&str) -> String) -> String {
    query
        .split('&')
        .map(|p| match p.strip_prefix(&format!("{name}=")) {
            Some(v) => format!("{name}={}", f(v)),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn without_param(query: &str, name: &str) -> String {
    query
        .split('&')
        .filter(|p| !p.starts_with(&format!("{name}=")))
        .collect::<Vec<_>>()
        .join("&")
}

/// Flips the character at `index` to another character of CloudFront's base64 alphabet.
fn flip(value: &str, index: usize) -> String {
    let mut bytes = value.as_bytes().to_vec();
    bytes[index] = if bytes[index] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn mid(value: &str) -> usize {
    value.len() / 2
}

/// The signed cookies for `options`, as `name=value` pairs.
fn cookies_for(options: SignOptions<'_>, id: &str) -> Vec<String> {
    sign_cookies(&options, key(id))
        .unwrap()
        .into_iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect()
}

fn cookies() -> Vec<String> {
    cookies_for(opts(&url(), RSA), RSA)
}

/// A GET of `path?query` with the given Cookie headers, Host and client IP.
struct Req {
    path: String,
    query: String,
    cookies: Vec<String>,
    host: Option<String>,
    ip: String,
}

fn get(query: impl Into<String>) -> Req {
    Req {
        path: PATH.into(),
        query: query.into(),
        cookies: vec![],
        host: Some(HOST.into()),
        ip: CLIENT.into(),
    }
}

fn with_cookies(cookie_headers: Vec<String>) -> Req {
    Req {
        cookies: cookie_headers,
        ..get("")
    }
}

impl Req {
    fn path(mut self, path: &str) -> Self {
        self.path = path.into();
        self
    }
    fn host(mut self, host: Option<&str>) -> Self {
        self.host = host.map(String::from);
        self
    }
    fn ip(mut self, ip: &str) -> Self {
        self.ip = ip.into();
        self
    }
    fn cookie(mut self, header: String) -> Self {
        self.cookies.push(header);
        self
    }

    fn decide(&self) -> Result<(), Reason> {
        let mut headers: Vec<(&str, &str)> =
            self.host.iter().map(|h| ("Host", h.as_str())).collect();
        headers.extend(self.cookies.iter().map(|c| ("Cookie", c.as_str())));
        let mut request = support::request(&self.path, &self.query, &headers);
        request.client_ip.clone_from(&self.ip);
        match guard().decide(&request, NOW) {
            Decision::Allow { signed: true, .. } => Ok(()),
            Decision::Allow { signed: false, .. } => panic!("allowed without a signature"),
            Decision::Deny { reason, .. } => Err(reason),
        }
    }
}

use Reason::*;
const ALLOW: Result<(), Reason> = Ok(());

fn deny(reason: Reason) -> Result<(), Reason> {
    Err(reason)
}

fn cases() -> Vec<(&'static str, Req, Result<(), Reason>)> {
    let c = canned();
    let sig = param(&c, "Signature").to_string();
    let sha256 = signed_query(
        SignOptions {
            hash: HashAlgorithm::Sha256,
            ..opts(&url(), RSA)
        },
        RSA,
    );
    let ecdsa = signed_query(opts(&url(), ECDSA), ECDSA);
    let wildcard = format!("https://{HOST}/private/*");
    let wild = custom(&wildcard, &until());
    let expired = signed_query(
        SignOptions {
            date_less_than: NOW - 1,
            ..opts(&url(), RSA)
        },
        RSA,
    );
    let at_now = signed_query(
        SignOptions {
            date_less_than: NOW,
            ..opts(&url(), RSA)
        },
        RSA,
    );
    let ip_policy = |cidr: &str| {
        custom(
            &url(),
            &format!(r#"{},"IpAddress":{{"AWS:SourceIp":"{cidr}"}}"#, until()),
        )
    };
    let cookie_header = cookies().join("; ");
    let canned_policy_bytes = edgeguard::signed::policy::canned_policy(&url(), EXPIRES);

    vec![
        // --- valid originals and equivalent forms -------------------------------------------
        ("canned RSA SHA-1", get(c.clone()), ALLOW),
        ("canned RSA SHA-256", get(sha256.clone()), ALLOW),
        ("canned ECDSA P-256", get(ecdsa.clone()), ALLOW),
        ("custom wildcard", get(wild.clone()), ALLOW),
        (
            "signed cookies",
            with_cookies(vec![cookie_header.clone()]),
            ALLOW,
        ),
        (
            "parameters reordered",
            get(format!(
                "Key-Pair-Id={RSA}&Signature={sig}&Expires={EXPIRES}"
            )),
            ALLOW,
        ),
        (
            // The key holder signed exactly these bytes; CloudFront accepts them as a custom
            // policy too, so this is the same grant, not an escalation.
            "canned policy bytes sent as a custom Policy",
            get(format!(
                "Policy={}&Signature={sig}&Key-Pair-Id={RSA}",
                b64::encode(canned_policy_bytes.as_bytes())
            )),
            ALLOW,
        ),
        // --- one-character flips -------------------------------------------------------------
        (
            "signature first char",
            get(with_param(&c, "Signature", |v| flip(v, 0))),
            deny(SignatureInvalid),
        ),
        (
            "signature middle char",
            get(with_param(&c, "Signature", |v| flip(v, mid(v)))),
            deny(SignatureInvalid),
        ),
        (
            "signature ECDSA middle char",
            get(with_param(&ecdsa, "Signature", |v| flip(v, mid(v)))),
            deny(SignatureInvalid),
        ),
        (
            "signature SHA-256 middle char",
            get(with_param(&sha256, "Signature", |v| flip(v, mid(v)))),
            deny(SignatureInvalid),
        ),
        (
            "signature truncated",
            get(with_param(&c, "Signature", |v| {
                v[..v.len() - 4].to_string()
            })),
            deny(SignatureInvalid),
        ),
        (
            "signature empty",
            get(with_param(&c, "Signature", |_| String::new())),
            deny(SignatureMalformed),
        ),
        (
            "signature standard base64 +/=",
            get(with_param(&c, "Signature", |v| {
                v.replace('-', "+").replace('~', "/").replace('_', "=")
            })),
            deny(SignatureMalformed),
        ),
        (
            // Values are percent-decoded once (signers write `~` as `%7E`): the same signature.
            "signature with a percent-encoded character, same value",
            get(with_param(&c, "Signature", |v| {
                format!("%{:02X}{}", v.as_bytes()[0], &v[1..])
            })),
            ALLOW,
        ),
        (
            "signature double percent-encoded",
            get(with_param(&c, "Signature", |v| {
                format!("%25{:02X}{}", v.as_bytes()[0], &v[1..])
            })),
            deny(SignatureMalformed),
        ),
        (
            "signature with a broken percent escape",
            get(with_param(&c, "Signature", |v| format!("%G{v}"))),
            deny(SignatureMalformed),
        ),
        (
            "signature with an escape that is not UTF-8",
            get(with_param(&c, "Signature", |v| format!("%FF{v}"))),
            deny(SignatureMalformed),
        ),
        (
            "signature with an encoded plus sign",
            get(with_param(&c, "Signature", |v| format!("%2B{}", &v[1..]))),
            deny(SignatureMalformed),
        ),
        (
            "signature doubled (padding mid-string)",
            get(with_param(&c, "Signature", |v| format!("{v}{v}"))),
            deny(SignatureMalformed),
        ),
        (
            "expires +1",
            get(with_param(&c, "Expires", |_| (EXPIRES + 1).to_string())),
            deny(SignatureInvalid),
        ),
        (
            "expires -1",
            get(with_param(&c, "Expires", |_| (EXPIRES - 1).to_string())),
            deny(SignatureInvalid),
        ),
        (
            "expires leading zero",
            get(with_param(&c, "Expires", |v| format!("0{v}"))),
            deny(SignatureMalformed),
        ),
        (
            "expires plus sign",
            get(with_param(&c, "Expires", |v| format!("+{v}"))),
            deny(SignatureMalformed),
        ),
        (
            "expires trailing letter",
            get(with_param(&c, "Expires", |v| format!("{v}a"))),
            deny(SignatureMalformed),
        ),
        (
            "expires negative",
            get(with_param(&c, "Expires", |_| "-1".into())),
            deny(SignatureMalformed),
        ),
        (
            "expires huge",
            get(with_param(&c, "Expires", |_| "99999999999999999999".into())),
            deny(SignatureMalformed),
        ),
        (
            "expires past 2038",
            get(with_param(&c, "Expires", |_| "2147483648".into())),
            deny(SignatureMalformed),
        ),
        (
            "expires empty",
            get(with_param(&c, "Expires", |_| String::new())),
            deny(SignatureMalformed),
        ),
        (
            // `%31798761600` decodes to the signed number itself.
            "expires with a percent-encoded digit, same number",
            get(with_param(&c, "Expires", |v| format!("%3{v}"))),
            ALLOW,
        ),
        (
            "expires with a percent-encoded plus sign",
            get(with_param(&c, "Expires", |v| format!("%2B{v}"))),
            deny(SignatureMalformed),
        ),
        (
            "key id one char",
            get(with_param(&c, "Key-Pair-Id", |v| flip(v, 1))),
            deny(KeyUnknown),
        ),
        (
            "key id lower case",
            get(with_param(&c, "Key-Pair-Id", |v| v.to_lowercase())),
            deny(KeyUnknown),
        ),
        (
            "key id empty",
            get(with_param(&c, "Key-Pair-Id", |_| String::new())),
            deny(SignatureMalformed),
        ),
        (
            "key id with trailing space",
            get(with_param(&c, "Key-Pair-Id", |v| format!("{v}%20"))),
            deny(KeyUnknown),
        ),
        // --- swapped keys ----------------------------------------------------------------------
        (
            "RSA signature under the ECDSA key id",
            get(with_param(&c, "Key-Pair-Id", |_| ECDSA.into())),
            deny(SignatureInvalid),
        ),
        (
            "ECDSA signature under the RSA key id",
            get(with_param(&ecdsa, "Key-Pair-Id", |_| RSA.into())),
            deny(SignatureInvalid),
        ),
        (
            "signature of another URL",
            get(with_param(&c, "Signature", |_| {
                param(
                    &signed_query(opts(&format!("https://{HOST}/private/other.pdf"), RSA), RSA),
                    "Signature",
                )
                .to_string()
            })),
            deny(SignatureInvalid),
        ),
        // --- missing, duplicated and confused parameters ----------------------------------------
        (
            "no signature",
            get(without_param(&c, "Signature")),
            deny(SignatureMalformed),
        ),
        (
            "no key id",
            get(without_param(&c, "Key-Pair-Id")),
            deny(SignatureMalformed),
        ),
        (
            "no expires or policy",
            get(without_param(&c, "Expires")),
            deny(SignatureMalformed),
        ),
        ("nothing at all", get(""), deny(SignatureMissing)),
        // Policy governs, an Expires beside it is ignored (not signed): no canned/custom mix-up.
        (
            "canned URL with another URL's Policy beside its Expires",
            get(format!("{c}&Policy={}", param(&wild, "Policy"))),
            deny(SignatureInvalid),
        ),
        (
            "canned URL with a forged Resource-* Policy beside its Expires",
            get(format!(
                "{c}&Policy={}",
                b64::encode(policy_json("*", &until()).as_bytes())
            )),
            deny(SignatureInvalid),
        ),
        (
            "custom wildcard URL with an ignored Expires (aws-cloudfront-sign's form)",
            get(format!("Expires={EXPIRES}&{wild}")),
            ALLOW,
        ),
        (
            "custom wildcard URL with a junk Expires beside it",
            get(format!("{wild}&Expires=junk")),
            ALLOW,
        ),
        (
            "expired custom policy with a future Expires beside it",
            get(format!(
                "{}&Expires=2147483647",
                custom(
                    &url(),
                    &format!(r#""DateLessThan":{{"AWS:EpochTime":{}}}"#, NOW - 1)
                )
            )),
            deny(Expired),
        ),
        (
            "expired canned policy bytes sent as Policy with a future Expires",
            get(format!(
                "Expires=2147483647&{}",
                custom_raw(
                    &edgeguard::signed::policy::canned_policy(&url(), NOW - 1),
                    RSA,
                    HashAlgorithm::Sha1
                )
            )),
            deny(Expired),
        ),
        (
            "canned signature re-sent with its canned policy bytes but a later Expires",
            get(format!(
                "Expires={}&Policy={}&Signature={sig}&Key-Pair-Id={RSA}",
                EXPIRES + 1,
                b64::encode(canned_policy_bytes.as_bytes())
            )),
            ALLOW,
        ),
        (
            "custom signature sent as canned after dropping its Policy",
            get(format!(
                "Expires={EXPIRES}&{}",
                without_param(&wild, "Policy")
            )),
            deny(SignatureInvalid),
        ),
        (
            "Expires twice beside a Policy",
            get(format!("{wild}&Expires=1&Expires=1")),
            deny(SignatureMalformed),
        ),
        (
            "Policy twice",
            get(format!("{wild}&Policy={}", param(&wild, "Policy"))),
            deny(SignatureMalformed),
        ),
        (
            "signature twice, same value",
            get(format!("{c}&Signature={sig}")),
            deny(SignatureMalformed),
        ),
        (
            "expires twice, same value",
            get(format!("{c}&Expires={EXPIRES}")),
            deny(SignatureMalformed),
        ),
        (
            "key id twice",
            get(format!("{c}&Key-Pair-Id={RSA}")),
            deny(SignatureMalformed),
        ),
        (
            "lower-case parameter name",
            get(c.replace("Signature=", "signature=")),
            deny(SignatureMalformed),
        ),
        (
            "percent-encoded parameter name",
            get(c.replace("Key-Pair-Id=", "Key%2DPair%2DId=")),
            deny(SignatureMalformed),
        ),
        (
            "extra parameter after signing",
            get(format!("{c}&size=large")),
            deny(SignatureInvalid),
        ),
        (
            "extra parameter before signing",
            get(format!("size=large&{c}")),
            deny(SignatureInvalid),
        ),
        (
            "custom signature sent as canned",
            get(format!(
                "Expires={EXPIRES}&Signature={}&Key-Pair-Id={RSA}",
                param(&wild, "Signature")
            )),
            deny(SignatureInvalid),
        ),
        // --- the request around the signature ---------------------------------------------------
        (
            "other path",
            get(c.clone()).path("/private/report.pdfx"),
            deny(SignatureInvalid),
        ),
        (
            "path case",
            get(c.clone()).path("/private/Report.pdf"),
            deny(SignatureInvalid),
        ),
        (
            // An encoded unreserved character: refused before the signature is looked at.
            "path percent-encoded",
            get(c.clone()).path("/private/report%2Epdf"),
            deny(PathNotNormalized),
        ),
        (
            "other host",
            get(c.clone()).host(Some("evil.cloudfront.net")),
            deny(SignatureInvalid),
        ),
        (
            "host upper case",
            get(c.clone()).host(Some(&HOST.to_uppercase())),
            deny(SignatureInvalid),
        ),
        (
            "no host header",
            get(c.clone()).host(None),
            deny(SignatureMalformed),
        ),
        ("expired", get(expired), deny(Expired)),
        ("expires exactly now", get(at_now), deny(Expired)),
        // --- Hash-Algorithm games ---------------------------------------------------------------
        (
            "SHA256 claimed on a SHA-1 signature",
            get(format!("{c}&Hash-Algorithm=SHA256")),
            deny(SignatureInvalid),
        ),
        (
            "SHA256 dropped from a SHA-256 signature",
            get(without_param(&sha256, "Hash-Algorithm")),
            deny(SignatureInvalid),
        ),
        (
            "Hash-Algorithm=SHA1",
            get(format!("{c}&Hash-Algorithm=SHA1")),
            deny(HashAlgorithmUnsupported),
        ),
        (
            "Hash-Algorithm=sha256",
            get(with_param(&sha256, "Hash-Algorithm", |_| "sha256".into())),
            deny(HashAlgorithmUnsupported),
        ),
        (
            "Hash-Algorithm=SHA512",
            get(format!("{c}&Hash-Algorithm=SHA512")),
            deny(HashAlgorithmUnsupported),
        ),
        (
            "Hash-Algorithm empty",
            get(format!("{c}&Hash-Algorithm=")),
            deny(HashAlgorithmUnsupported),
        ),
        (
            "Hash-Algorithm twice",
            get(format!("{sha256}&Hash-Algorithm=SHA256")),
            deny(SignatureMalformed),
        ),
        // --- custom policies: tampering with the bytes -------------------------------------------
        (
            "policy one char",
            get(with_param(&wild, "Policy", |v| flip(v, mid(v)))),
            deny(SignatureInvalid),
        ),
        (
            "policy re-encoded with whitespace",
            get(with_param(&wild, "Policy", |v| {
                b64::encode(
                    format!(" {}", String::from_utf8(b64::decode(v).unwrap()).unwrap()).as_bytes(),
                )
            })),
            deny(SignatureInvalid),
        ),
        (
            "policy not base64",
            get(with_param(&wild, "Policy", |_| "!!!".into())),
            deny(SignatureMalformed),
        ),
        (
            "policy empty",
            get(with_param(&wild, "Policy", |_| String::new())),
            deny(SignatureMalformed),
        ),
        (
            "policy over 4 KB",
            get(with_param(&wild, "Policy", |_| "A".repeat(6000))),
            deny(SignatureMalformed),
        ),
        // --- custom policies the key holder signed, that CloudFront would refuse ------------------
        (
            "two statements",
            get(custom_raw(
                &format!(
                    r#"{{"Statement":[{{"Resource":"{}","Condition":{{{}}}}},{{"Resource":"*","Condition":{{{}}}}}]}}"#,
                    url(),
                    until(),
                    until()
                ),
                RSA,
                HashAlgorithm::Sha1,
            )),
            deny(PolicyMalformed),
        ),
        (
            "DateLessThan as a string",
            get(custom(
                &url(),
                &format!(r#""DateLessThan":{{"AWS:EpochTime":"{EXPIRES}"}}"#),
            )),
            deny(PolicyMalformed),
        ),
        (
            "DateLessThan as a float",
            get(custom(
                &url(),
                &format!(r#""DateLessThan":{{"AWS:EpochTime":{EXPIRES}.5}}"#),
            )),
            deny(PolicyMalformed),
        ),
        (
            "DateLessThan huge",
            get(custom(
                &url(),
                r#""DateLessThan":{"AWS:EpochTime":99999999999999999999999}"#,
            )),
            deny(PolicyMalformed),
        ),
        (
            "DateLessThan missing",
            get(custom(&url(), r#""DateGreaterThan":{"AWS:EpochTime":1}"#)),
            deny(PolicyMalformed),
        ),
        (
            "unknown condition",
            get(custom(
                &url(),
                &format!(r#"{},"StringEquals":{{"aws:Referer":"x"}}"#, until()),
            )),
            deny(PolicyMalformed),
        ),
        (
            "policy not JSON",
            get(custom_raw("Statement", RSA, HashAlgorithm::Sha1)),
            deny(PolicyMalformed),
        ),
        (
            "not yet valid",
            get(custom(
                &url(),
                &format!(
                    r#"{},"DateGreaterThan":{{"AWS:EpochTime":{}}}"#,
                    until(),
                    NOW + 60
                ),
            )),
            deny(NotYetValid),
        ),
        (
            "custom expired",
            get(custom(
                &url(),
                &format!(r#""DateLessThan":{{"AWS:EpochTime":{}}}"#, NOW),
            )),
            deny(Expired),
        ),
        // --- resources and wildcards -----------------------------------------------------------
        (
            "resource for another host",
            get(custom("https://other.example/private/*", &until())),
            deny(ResourceMismatch),
        ),
        (
            "resource for another path",
            get(custom(&format!("https://{HOST}/private/a*"), &until())),
            deny(ResourceMismatch),
        ),
        (
            "resource with http scheme",
            get(custom(&format!("http://{HOST}/private/*"), &until())),
            deny(ResourceMismatch),
        ),
        (
            "resource wildcard does not cross into the host",
            get(custom(&format!("https://{HOST}*report.pdf"), &until())),
            deny(ResourceMismatch),
        ),
        (
            "resource ? is one character",
            get(custom(
                &format!("https://{HOST}/private/report.pd?x"),
                &until(),
            )),
            deny(ResourceMismatch),
        ),
        (
            "resource exact but request has a query",
            get(format!("a=1&{}", custom(&url(), &until()))),
            deny(ResourceMismatch),
        ),
        (
            "resource escaped query differs",
            get(format!(
                "x=2&{}",
                custom(
                    &format!("https://{HOST}/private/report.pdf\\\\?x=1"),
                    &until()
                )
            )),
            deny(ResourceMismatch),
        ),
        (
            "resource for a sibling prefix",
            get(custom(&format!("https://{HOST}/priv*"), &until())).path("/private/report.pdf"),
            ALLOW,
        ),
        // --- IP conditions -----------------------------------------------------------------------
        (
            "client inside the /24",
            get(ip_policy("203.0.113.0/24")),
            ALLOW,
        ),
        (
            "client outside the /24",
            get(ip_policy("203.0.113.0/24")).ip("198.51.100.1"),
            deny(IpNotAllowed),
        ),
        (
            "bare IP is /32, neighbour refused",
            get(ip_policy("203.0.113.177")),
            deny(IpNotAllowed),
        ),
        (
            "IPv6 client against an IPv4 range",
            get(ip_policy("0.0.0.0/0")).ip("2001:db8::1"),
            deny(IpNotAllowed),
        ),
        (
            "IPv4-mapped IPv6 client",
            get(ip_policy("203.0.113.0/24")).ip("::ffff:203.0.113.178"),
            deny(IpNotAllowed),
        ),
        (
            "client IP not an IP",
            get(ip_policy("203.0.113.0/24")).ip("203.0.113.178, 10.0.0.1"),
            deny(IpNotAllowed),
        ),
        (
            "prefix /33",
            get(ip_policy("203.0.113.0/33")),
            deny(PolicyMalformed),
        ),
        (
            "IPv6 source range",
            get(ip_policy("2001:db8::/32")),
            deny(PolicyMalformed),
        ),
        (
            "leading zeros in the range",
            get(ip_policy("203.0.113.0/024")),
            deny(PolicyMalformed),
        ),
        // --- cookies -------------------------------------------------------------------------------
        (
            "cookie signature flipped",
            with_cookies(vec![cookies()
                .iter()
                .map(|c| match c.strip_prefix("CloudFront-Signature=") {
                    Some(v) => format!("CloudFront-Signature={}", flip(v, mid(v))),
                    None => c.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")]),
            deny(SignatureInvalid),
        ),
        (
            "cookie values with percent-encoded characters, same values",
            with_cookies(vec![cookies()
                .iter()
                .map(|c| {
                    let (name, value) = c.split_once('=').unwrap();
                    format!("{name}=%{:02x}{}", value.as_bytes()[0], &value[1..])
                })
                .collect::<Vec<_>>()
                .join("; ")]),
            ALLOW,
        ),
        (
            "cookie signature double percent-encoded",
            with_cookies(vec![cookies()
                .iter()
                .map(|c| match c.strip_prefix("CloudFront-Signature=") {
                    Some(v) => {
                        format!("CloudFront-Signature=%25{:02X}{}", v.as_bytes()[0], &v[1..])
                    }
                    None => c.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")]),
            deny(SignatureMalformed),
        ),
        (
            "cookie key id replaced",
            with_cookies(vec![cookie_header.replace(RSA, ECDSA)]),
            deny(SignatureInvalid),
        ),
        (
            "second signature cookie in another header",
            with_cookies(vec![cookie_header.clone()]).cookie(format!(
                "theme=dark; CloudFront-Signature={}",
                flip(&sig, 3)
            )),
            deny(SignatureMalformed),
        ),
        (
            "second key id cookie in the same header",
            with_cookies(vec![format!(
                "{cookie_header}; CloudFront-Key-Pair-Id={ECDSA}"
            )]),
            deny(SignatureMalformed),
        ),
        (
            "lower-case cookie names",
            with_cookies(vec![cookie_header.to_lowercase()]),
            deny(SignatureMissing),
        ),
        (
            "signing cookie hidden in another cookie's value",
            with_cookies(vec![
                cookies()
                    .iter()
                    .filter(|c| !c.starts_with("CloudFront-Signature="))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
                    + &format!("; x=CloudFront-Signature={sig}"),
            ]),
            deny(SignatureMalformed),
        ),
        (
            "cookie expired",
            with_cookies(vec![cookies_for(
                SignOptions {
                    date_less_than: NOW - 1,
                    ..opts(&url(), RSA)
                },
                RSA,
            )
            .join("; ")]),
            deny(Expired),
        ),
        (
            "cookie for another path",
            with_cookies(vec![cookies_for(
                opts(&format!("https://{HOST}/private/other.pdf"), RSA),
                RSA,
            )
            .join("; ")]),
            deny(SignatureInvalid),
        ),
        // --- URL parameters and cookies mixed --------------------------------------------------------
        (
            "valid URL wins over junk cookies",
            get(c.clone()).cookie("CloudFront-Signature=junk".into()),
            ALLOW,
        ),
        (
            "bad URL signature does not fall back to valid cookies",
            get(with_param(&c, "Signature", |v| flip(v, mid(v)))).cookie(cookie_header.clone()),
            deny(SignatureInvalid),
        ),
        (
            "URL with only Expires does not fall back to cookies",
            get(format!("Expires={EXPIRES}")).cookie(cookie_header.clone()),
            deny(SignatureMalformed),
        ),
        (
            "cookie signature with URL key id",
            get(format!("Key-Pair-Id={RSA}")).cookie(cookie_header.clone()),
            deny(SignatureMalformed),
        ),
    ]
}

#[test]
fn the_table_has_at_least_fifty_tampered_cases_and_some_valid_ones() {
    let all = cases();
    let denied = all.iter().filter(|(_, _, want)| want.is_err()).count();
    let allowed = all.len() - denied;
    assert!(denied >= 50, "only {denied} tampered cases");
    assert!(allowed >= 5, "only {allowed} valid cases");
}

#[test]
fn every_tampered_request_is_denied_with_the_expected_reason() {
    let wrong: Vec<String> = cases()
        .into_iter()
        .filter_map(|(name, request, want)| {
            let got = request.decide();
            (got != want).then(|| format!("{name}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
