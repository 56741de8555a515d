//! `edgeguard sign` and `edgeguard sign-cookies`: CloudFront signed URLs and signed cookies,
//! with the flags, date formats and output of `aws cloudfront sign` (byte-identical URLs for
//! the same RSA key and inputs). A thin adapter over `edgeguard::signed::sign`.

use edgeguard::civil_time::{days_from_civil, days_in_month};
use edgeguard::signed::{sign_cookies, sign_url, HashAlgorithm, PrivateKey, SignOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags shared by `sign` and `sign-cookies` (those of `aws cloudfront sign`).
#[derive(clap::Args)]
pub struct Args {
    /// The URL to sign: absolute http(s), percent-encoded as it will be requested, without
    /// Expires/Policy/Signature/Key-Pair-Id/Hash-Algorithm.
    #[arg(long)]
    url: String,
    /// The CloudFront public key ID (e.g. K2JCJMDEHXQW5F).
    #[arg(long)]
    key_pair_id: String,
    /// PEM private key file (PKCS#1, PKCS#8 or SEC1; RSA or ECDSA P-256). `file://` is accepted.
    #[arg(long)]
    private_key: String,
    /// End of validity: YYYY-MM-DD (00:00 UTC), YYYY-MM-DDThh:mm:ss (UTC, or with Z/+hh:mm/-hh:mm)
    /// or epoch seconds.
    #[arg(long)]
    date_less_than: String,
    /// Start of validity (custom policy); same formats.
    #[arg(long)]
    date_greater_than: Option<String>,
    /// Allowed viewer IPv4 address or CIDR range (custom policy); a bare address means /32.
    #[arg(long)]
    ip_address: Option<String>,
    /// Policy Resource when different from --url, e.g. with wildcards (custom policy).
    #[arg(long)]
    policy_resource: Option<String>,
    /// SHA1 (CloudFront's default) or SHA256 (adds Hash-Algorithm=SHA256).
    #[arg(long, default_value = "SHA1", value_parser = ["SHA1", "SHA256"])]
    hash_algorithm: String,
}

/// `edgeguard sign`: prints the signed URL.
pub fn run_url(args: Args) -> Result<ExitCode, String> {
    let (key, parsed) = prepare(&args)?;
    let url = sign_url(&parsed.options(&args), &key).map_err(|e| e.to_string())?;
    println!("{url}");
    Ok(ExitCode::SUCCESS)
}

/// `edgeguard sign-cookies`: prints one `Set-Cookie` value per line.
pub fn run_cookies(args: Args) -> Result<ExitCode, String> {
    let (key, parsed) = prepare(&args)?;
    let cookies = sign_cookies(&parsed.options(&args), &key).map_err(|e| e.to_string())?;
    for (name, value) in cookies {
        println!("{name}={value}; Path=/; Secure; HttpOnly");
    }
    Ok(ExitCode::SUCCESS)
}

struct Parsed {
    date_less_than: i64,
    date_greater_than: Option<i64>,
    hash: HashAlgorithm,
}

impl Parsed {
    fn options<'a>(&self, args: &'a Args) -> SignOptions<'a> {
        SignOptions {
            url: &args.url,
            key_pair_id: &args.key_pair_id,
            date_less_than: self.date_less_than,
            date_greater_than: self.date_greater_than,
            ip_address: args.ip_address.as_deref(),
            policy_resource: args.policy_resource.as_deref(),
            hash: self.hash,
        }
    }
}

fn prepare(args: &Args) -> Result<(PrivateKey, Parsed), String> {
    let path = PathBuf::from(
        args.private_key
            .strip_prefix("file://")
            .unwrap_or(&args.private_key),
    );
    let pem = std::fs::read_to_string(&path)
        .map_err(|e| format!("--private-key {}: {e}", path.display()))?;
    let key =
        PrivateKey::from_pem(&pem).map_err(|e| format!("--private-key {}: {e}", path.display()))?;
    let date_less_than = parse_when(&args.date_less_than)
        .map_err(|e| format!("--date-less-than {:?}: {e}", args.date_less_than))?;
    let date_greater_than = match &args.date_greater_than {
        None => None,
        Some(text) => {
            Some(parse_when(text).map_err(|e| format!("--date-greater-than {text:?}: {e}"))?)
        }
    };
    let hash = if args.hash_algorithm == "SHA256" {
        HashAlgorithm::Sha256
    } else {
        HashAlgorithm::Sha1
    };
    Ok((
        key,
        Parsed {
            date_less_than,
            date_greater_than,
            hash,
        },
    ))
}

const DATE_FORMATS: &str =
    "expected YYYY-MM-DD, YYYY-MM-DDThh:mm:ss[Z|+hh:mm|-hh:mm] or epoch seconds";

/// Parses a time the way `aws cloudfront sign` does: a number is epoch seconds (fractions
/// truncated, so `YYYYMMDD` is an epoch too, as the AWS CLI warns); otherwise an ISO 8601 date
/// or date-time, UTC unless an offset is given.
pub fn parse_when(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Some(epoch) = parse_epoch(text) {
        return Ok(epoch);
    }
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut ymd = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (ymd.next(), ymd.next(), ymd.next(), ymd.next()) else {
        return Err(DATE_FORMATS.into());
    };
    let year = number(y, 4, 4)?;
    let month = number(m, 1, 2)?;
    let day = number(d, 1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err("no such date".into());
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if let Some(time) = time {
        let (clock, offset) = split_offset(time)?;
        let mut hms = clock.split(':');
        let (Some(h), Some(mi), s) = (hms.next(), hms.next(), hms.next()) else {
            return Err(DATE_FORMATS.into());
        };
        if hms.next().is_some() {
            return Err(DATE_FORMATS.into());
        }
        let hour = number(h, 2, 2)?;
        let minute = number(mi, 2, 2)?;
        let second = match s {
            None => 0,
            Some(s) => number(s.split_once('.').map_or(s, |(whole, _)| whole), 2, 2)?,
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err("no such time of day".into());
        }
        seconds += hour * 3600 + minute * 60 + second - offset;
    }
    Ok(seconds)
}

fn parse_epoch(text: &str) -> Option<i64> {
    let whole = match text.split_once('.') {
        Some((w, f)) if f.bytes().all(|b| b.is_ascii_digit()) => w,
        Some(_) => return None,
        None => text,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// Splits `hh:mm:ss[Z|+hh:mm|-hh:mm]` into the clock and the offset in seconds east of UTC.
fn split_offset(time: &str) -> Result<(&str, i64), String> {
    if let Some(clock) = time.strip_suffix('Z') {
        return Ok((clock, 0));
    }
    match time.rfind(['+', '-']) {
        Some(i) => {
            let sign = if time.as_bytes()[i] == b'-' { -1 } else { 1 };
            let (h, m) = time[i + 1..]
                .split_once(':')
                .ok_or_else(|| "offset must be +hh:mm or -hh:mm".to_string())?;
            let (h, m) = (number(h, 2, 2)?, number(m, 2, 2)?);
            if h > 23 || m > 59 {
                return Err("offset out of range".into());
            }
            Ok((&time[..i], sign * (h * 3600 + m * 60)))
        }
        None => Ok((time, 0)),
    }
}

fn number(text: &str, min_len: usize, max_len: usize) -> Result<i64, String> {
    if text.len() < min_len || text.len() > max_len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DATE_FORMATS.into());
    }
    text.parse().map_err(|_| DATE_FORMATS.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_when;

    #[test]
    fn date_formats_of_aws_cloudfront_sign() {
        assert_eq!(parse_when("2016-1-1"), Ok(1_451_606_400));
        assert_eq!(parse_when("2016-01-01"), Ok(1_451_606_400));
        assert_eq!(parse_when("2026-01-01T18:00:00"), Ok(1_767_290_400));
        assert_eq!(parse_when("2026-01-01T18:00:00Z"), Ok(1_767_290_400));
        assert_eq!(parse_when("2026-01-01T20:00:00+02:00"), Ok(1_767_290_400));
        assert_eq!(parse_when("2026-01-01T13:30:00-04:30"), Ok(1_767_290_400));
        assert_eq!(parse_when("1767290400"), Ok(1_767_290_400));
        assert_eq!(parse_when("1767290400.9"), Ok(1_767_290_400));
        assert_eq!(parse_when("20160101"), Ok(20_160_101));
        assert_eq!(parse_when("2024-02-29"), Ok(1_709_164_800));
    }

    #[test]
    fn impossible_or_unknown_dates_are_errors() {
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-01-01T24:00:00",
            "tomorrow",
            "2026/01/01",
            "-5",
            "",
        ] {
            assert!(parse_when(bad).is_err(), "{bad}");
        }
    }
}
