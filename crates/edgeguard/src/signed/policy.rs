//! Policies: the canned policy rebuilt byte for byte from a request, the lenient parse of a
//! (verified) custom policy, and the builders signers use.

use serde_json::{Map, Value};
use std::net::Ipv4Addr;

/// Largest `Expires` CloudFront accepts (it must fit a signed 32-bit integer).
pub const MAX_EXPIRES: i64 = 2_147_483_647;

/// Most digits of a canned `Expires` (the digits of [`MAX_EXPIRES`]).
pub const MAX_EXPIRES_DIGITS: usize = 10;

/// Largest `Policy`, encoded or decoded, that is looked at.
pub const MAX_POLICY_BYTES: usize = 4096;

/// Parses a canned `Expires`: 1 to [`MAX_EXPIRES_DIGITS`] ASCII digits, at most [`MAX_EXPIRES`].
pub fn parse_expires(text: &str) -> Option<i64> {
    if text.is_empty()
        || text.len() > MAX_EXPIRES_DIGITS
        || !text.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    text.parse::<i64>().ok().filter(|v| *v <= MAX_EXPIRES)
}

/// Appends `text` as the inside of a JSON string the way botocore's `json.dumps` does
/// (`ensure_ascii`): `"` and `\` escaped, control characters and non-ASCII as `\uXXXX`.
pub fn push_json_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// The exact canned-policy bytes for `resource` and `expires` (compact, CloudFront's key order).
pub fn canned_policy(resource: &str, expires: i64) -> String {
    let mut out = String::with_capacity(resource.len() + 96);
    out.push_str("{\"Statement\":[{\"Resource\":\"");
    push_json_escaped(&mut out, resource);
    out.push_str("\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":");
    out.push_str(&expires.to_string());
    out.push_str("}}}]}");
    out
}

/// A custom policy as botocore builds it: compact separators, conditions in the order
/// DateLessThan, IpAddress, DateGreaterThan.
pub fn custom_policy(
    resource: &str,
    date_less_than: i64,
    ip_address: Option<&str>,
    date_greater_than: Option<i64>,
) -> String {
    let mut out = String::with_capacity(resource.len() + 192);
    out.push_str("{\"Statement\":[{\"Resource\":\"");
    push_json_escaped(&mut out, resource);
    out.push_str("\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":");
    out.push_str(&date_less_than.to_string());
    out.push('}');
    if let Some(ip) = ip_address {
        out.push_str(",\"IpAddress\":{\"AWS:SourceIp\":\"");
        push_json_escaped(&mut out, ip);
        out.push_str("\"}");
    }
    if let Some(after) = date_greater_than {
        out.push_str(",\"DateGreaterThan\":{\"AWS:EpochTime\":");
        out.push_str(&after.to_string());
        out.push('}');
    }
    out.push_str("}}]}");
    out
}

/// An IPv4 network from `AWS:SourceIp`: `a.b.c.d/n`, or a bare address meaning `/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Cidr {
    /// Network address (host bits are ignored when matching).
    pub address: Ipv4Addr,
    /// Prefix length, 0 to 32.
    pub prefix: u8,
}

impl Ipv4Cidr {
    /// Parses `a.b.c.d[/n]`; anything else (IPv6, spaces, `/33`, leading zeros) is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, p.parse::<u8>().ok().filter(|p| *p <= 32)?)
            }
            None => (text, 32),
        };
        Some(Ipv4Cidr {
            address: addr.parse().ok()?,
            prefix,
        })
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let mask = u32::MAX
            .checked_shl(32 - u32::from(self.prefix))
            .unwrap_or(0);
        u32::from(ip) & mask == u32::from(self.address) & mask
    }
}

/// The conditions of a (signature-verified) policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `Resource`; `None` when absent (any URL).
    pub resource: Option<String>,
    /// `DateLessThan` (exclusive end of validity), epoch seconds.
    pub date_less_than: i64,
    /// `DateGreaterThan` (start of validity), epoch seconds.
    pub date_greater_than: Option<i64>,
    /// `IpAddress` / `AWS:SourceIp`.
    pub source_ip: Option<Ipv4Cidr>,
}

/// Why a verified policy is not one CloudFront would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub &'static str);

/// Parses a custom policy leniently in form (any JSON whitespace, `Statement` as a one-element
/// array or a single object, conditions in any order) and strictly in content: exactly one
/// statement, `DateLessThan` required, integer epochs, an IPv4 `AWS:SourceIp`, and no key
/// edgeguard does not understand (an unknown condition could be a restriction it would miss).
pub fn parse_custom_policy(bytes: &[u8]) -> Result<Policy, PolicyError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|_| PolicyError("policy is not JSON"))?;
    let top = value
        .as_object()
        .ok_or(PolicyError("policy is not a JSON object"))?;
    only_keys(top, &["Statement"])?;
    let statement = match top.get("Statement") {
        Some(Value::Array(items)) if items.len() == 1 => &items[0],
        Some(Value::Array(_)) => return Err(PolicyError("exactly one statement is supported")),
        Some(object @ Value::Object(_)) => object,
        _ => return Err(PolicyError("Statement missing")),
    };
    let statement = statement
        .as_object()
        .ok_or(PolicyError("statement is not an object"))?;
    only_keys(statement, &["Resource", "Condition"])?;
    let resource = match statement.get("Resource") {
        None => None,
        Some(Value::String(r)) => Some(r.clone()),
        Some(_) => return Err(PolicyError("Resource is not a string")),
    };
    let condition = statement
        .get("Condition")
        .and_then(Value::as_object)
        .ok_or(PolicyError("Condition missing"))?;
    only_keys(condition, &["DateLessThan", "DateGreaterThan", "IpAddress"])?;
    let date_less_than =
        epoch(condition.get("DateLessThan"))?.ok_or(PolicyError("DateLessThan missing"))?;
    let date_greater_than = epoch(condition.get("DateGreaterThan"))?;
    let source_ip = match condition.get("IpAddress") {
        None => None,
        Some(Value::Object(ip)) => {
            only_keys(ip, &["AWS:SourceIp"])?;
            let text = ip
                .get("AWS:SourceIp")
                .and_then(Value::as_str)
                .ok_or(PolicyError("AWS:SourceIp missing"))?;
            Some(Ipv4Cidr::parse(text).ok_or(PolicyError("AWS:SourceIp is not IPv4 CIDR"))?)
        }
        Some(_) => return Err(PolicyError("IpAddress is not an object")),
    };
    Ok(Policy {
        resource,
        date_less_than,
        date_greater_than,
        source_ip,
    })
}

fn only_keys(object: &Map<String, Value>, allowed: &[&str]) -> Result<(), PolicyError> {
    if object.keys().all(|k| allowed.contains(&k.as_str())) {
        Ok(())
    } else {
        Err(PolicyError("unknown key in policy"))
    }
}

/// `{"AWS:EpochTime": <non-negative integer>}`, or absent.
fn epoch(value: Option<&Value>) -> Result<Option<i64>, PolicyError> {
    let Some(value) = value else { return Ok(None) };
    let object = value
        .as_object()
        .ok_or(PolicyError("date condition is not an object"))?;
    only_keys(object, &["AWS:EpochTime"])?;
    object
        .get("AWS:EpochTime")
        .and_then(Value::as_i64)
        .filter(|v| *v >= 0)
        .map(Some)
        .ok_or(PolicyError("AWS:EpochTime is not a non-negative integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_expires_digits_counts_the_digits_of_max_expires() {
        assert_eq!(MAX_EXPIRES.to_string().len(), MAX_EXPIRES_DIGITS);
    }

    #[test]
    fn canned_policy_is_byte_exact() {
        assert_eq!(
            canned_policy(
                "https://d111111abcdef8.cloudfront.net/image.jpg",
                1767290400
            ),
            r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}"#
        );
    }

    #[test]
    fn json_escaping_follows_python_ensure_ascii() {
        let mut out = String::new();
        push_json_escaped(&mut out, "a\"b\\c/\u{1}é😀\u{7f}");
        assert_eq!(out, "a\\\"b\\\\c/\\u0001\\u00e9\\ud83d\\ude00\u{7f}");
    }

    #[test]
    fn expires_must_be_digits_within_32_bits() {
        assert_eq!(parse_expires("2147483647"), Some(MAX_EXPIRES));
        assert_eq!(parse_expires("2147483648"), None);
        assert_eq!(parse_expires("-1"), None);
        assert_eq!(parse_expires("+1"), None);
        assert_eq!(parse_expires("1e3"), None);
        assert_eq!(parse_expires(""), None);
        assert_eq!(parse_expires("00000000001"), None);
    }

    #[test]
    fn statement_may_be_a_single_object() {
        let p = parse_custom_policy(
            br#"{"Statement":{"Resource":"https://a/*","Condition":{"DateLessThan":{"AWS:EpochTime":5}}}}"#,
        )
        .unwrap();
        assert_eq!(p.resource.as_deref(), Some("https://a/*"));
        assert_eq!(p.date_less_than, 5);
    }

    #[test]
    fn whitespace_and_any_condition_order_are_accepted() {
        let p = parse_custom_policy(
            b"{ \n \"Statement\": [{ \"Condition\":{ \"IpAddress\":{\"AWS:SourceIp\":\"10.0.0.0/8\"},\n \"DateGreaterThan\":{\"AWS:EpochTime\":1}, \"DateLessThan\":{\"AWS:EpochTime\":9}} }]\n}\n",
        )
        .unwrap();
        assert_eq!(p.resource, None);
        assert_eq!(p.date_greater_than, Some(1));
        assert_eq!(p.source_ip, Ipv4Cidr::parse("10.0.0.0/8"));
    }

    #[test]
    fn missing_date_less_than_is_malformed() {
        assert!(
            parse_custom_policy(br#"{"Statement":[{"Resource":"*","Condition":{}}]}"#).is_err()
        );
        assert!(parse_custom_policy(br#"{"foo":"bar"}"#).is_err());
    }

    #[test]
    fn two_statements_unknown_conditions_and_quoted_epochs_are_malformed() {
        let c = r#"{"DateLessThan":{"AWS:EpochTime":9}}"#;
        assert!(parse_custom_policy(
            format!(r#"{{"Statement":[{{"Condition":{c}}},{{"Condition":{c}}}]}}"#).as_bytes()
        )
        .is_err());
        assert!(parse_custom_policy(
            br#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":9},"StringLike":{}}}]}"#
        )
        .is_err());
        assert!(parse_custom_policy(
            br#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":"9"}}}]}"#
        )
        .is_err());
        assert!(parse_custom_policy(
            br#"{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":9.5}}}]}"#
        )
        .is_err());
    }

    #[test]
    fn ipv4_cidr_edges() {
        let net = Ipv4Cidr::parse("192.168.0.0/24").unwrap();
        assert!(net.contains("192.168.0.0".parse().unwrap()));
        assert!(net.contains("192.168.0.255".parse().unwrap()));
        assert!(!net.contains("192.168.1.0".parse().unwrap()));
        assert!(!net.contains("192.167.255.255".parse().unwrap()));
        let any = Ipv4Cidr::parse("0.0.0.0/0").unwrap();
        assert!(any.contains("255.255.255.255".parse().unwrap()));
        let one = Ipv4Cidr::parse("12.34.56.78").unwrap();
        assert_eq!(one.prefix, 32);
        assert!(one.contains("12.34.56.78".parse().unwrap()));
        assert!(!one.contains("12.34.56.79".parse().unwrap()));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "::1/128",
            "10.0.0/8",
            " 10.0.0.1",
            "10.0.0.01",
        ] {
            assert_eq!(Ipv4Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn custom_policy_uses_botocore_key_order() {
        assert_eq!(
            custom_policy("foo", 1451606400, Some("12.34.56.78/9"), Some(1448928000)),
            r#"{"Statement":[{"Resource":"foo","Condition":{"DateLessThan":{"AWS:EpochTime":1451606400},"IpAddress":{"AWS:SourceIp":"12.34.56.78/9"},"DateGreaterThan":{"AWS:EpochTime":1448928000}}}]}"#
        );
    }
}
