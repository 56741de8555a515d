//! CloudFront's URL-safe base64: standard base64 with `+` -> `-`, `=` -> `_`, `/` -> `~`
//! (padding kept, as `_`). Signatures and custom policies travel in this form in query strings
//! and cookies.

use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Standard alphabet; padding optional on decode (the signature is what makes a value
/// trustworthy, so a missing pad is not worth a deny), canonical trailing bits required.
const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes bytes the way CloudFront signers do (`openssl base64 -A | tr '+=/' '-_~'`).
pub fn encode(bytes: &[u8]) -> String {
    ENGINE
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            other => other,
        })
        .collect()
}

/// Decodes CloudFront base64. Any character outside `A-Z a-z 0-9 - _ ~` (including the
/// standard `+ / =`) makes the value invalid: `None`.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let mut standard = Vec::with_capacity(text.len());
    for b in text.bytes() {
        standard.push(match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => b,
            b'-' => b'+',
            b'_' => b'=',
            b'~' => b'/',
            _ => return None,
        });
    }
    ENGINE.decode(standard).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_plus_equals_slash_to_dash_underscore_tilde() {
        // The aws-sdk-go escape vector `a+b=c/` -> `a-b_c~`, seen through base64 bytes.
        let bytes = [0xfb, 0xff, 0xbf];
        assert_eq!(ENGINE.encode(bytes), "+/+/");
        assert_eq!(encode(&bytes), "-~-~");
        assert_eq!(encode(b"ab"), "YWI_");
    }

    #[test]
    fn round_trips() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode(&encode(&data)).as_deref(), Some(&data[..]));
        }
    }

    #[test]
    fn rejects_the_standard_alphabet_specials_and_other_characters() {
        assert_eq!(decode("YWI="), None);
        assert_eq!(decode("+/+/"), None);
        assert_eq!(decode("YW I_"), None);
        assert_eq!(decode("YWI%3D"), None);
    }

    #[test]
    fn accepts_unpadded_and_rejects_non_canonical_trailing_bits() {
        assert_eq!(decode("YWI").as_deref(), Some(&b"ab"[..]));
        assert_eq!(decode("YWJ_"), None);
    }
}
