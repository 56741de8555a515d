//! URLs and cookies made by the npm package `aws-cloudfront-sign` (tests/vectors/aws-cloudfront-sign.json,
//! written by tests/interop/make_aws_cloudfront_sign_vectors.mjs): its URLs carry both `Expires`
//! and `Policy` and percent-encode `~` as `%7E`. Every one verifies (the Policy governs, values
//! are percent-decoded once) and none survives a changed path, so this holds without npm.

use edgeguard::signed::{
    verify_request, CredentialSource, KeySet, PublicKey, SignatureCheck, SignedRequest,
    VerifyOptions,
};
use edgeguard::Reason;
use serde_json::Value;

fn file() -> Value {
    let path = concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        "/tests/vectors/aws-cloudfront-sign.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn keys(file: &Value) -> KeySet {
    file["public_keys"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, pem)| {
            (
                id.clone(),
                PublicKey::from_pem(pem.as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

fn text<'a>(vector: &'a Value, field: &str) -> &'a str {
    vector[field].as_str().unwrap_or("")
}

/// Verifies a vector, with its path replaced by `uri` when given.
fn check(file: &Value, vector: &Value, uri: Option<&str>) -> SignatureCheck {
    let cookie = text(vector, "cookie");
    let request = SignedRequest {
        scheme: "https",
        host: Some(text(vector, "host")),
        uri: uri.unwrap_or(text(vector, "uri")),
        querystring: text(vector, "querystring"),
        cookie_headers: if cookie.is_empty() {
            vec![]
        } else {
            vec![cookie]
        },
        client_ip: text(vector, "client_ip"),
    };
    let options = VerifyOptions {
        now: file["source"]["clock"].as_i64().unwrap(),
        clock_skew_seconds: 0,
    };
    verify_request(&request, &keys(file), &options)
}

fn vectors(file: &Value) -> &Vec<Value> {
    file["vectors"].as_array().unwrap()
}

#[test]
fn the_file_pins_both_expires_and_policy_and_percent_encoded_tildes() {
    let file = file();
    assert_eq!(file["source"]["package"], "aws-cloudfront-sign");
    let urls: Vec<&str> = vectors(&file)
        .iter()
        .map(|v| text(v, "querystring"))
        .filter(|q| !q.is_empty())
        .collect();
    assert!(urls.len() >= 4);
    for q in &urls {
        assert!(q.contains("Expires=") && q.contains("Policy="), "{q}");
    }
    assert!(urls.iter().any(|q| q.contains("%7E")));
    assert!(vectors(&file).iter().any(|v| !text(v, "cookie").is_empty()));
}

#[test]
fn every_aws_cloudfront_sign_vector_verifies() {
    let file = file();
    for vector in vectors(&file) {
        let source = if text(vector, "cookie").is_empty() {
            CredentialSource::Url
        } else {
            CredentialSource::Cookie
        };
        assert_eq!(
            check(&file, vector, None),
            SignatureCheck::Valid { source },
            "{}",
            vector["name"]
        );
    }
}

#[test]
fn no_aws_cloudfront_sign_vector_survives_a_changed_path() {
    let file = file();
    for vector in vectors(&file) {
        let changed = text(vector, "uri").replacen("/private/", "/privatf/", 1);
        let changed = changed.replacen("/media/", "/medib/", 1);
        assert_ne!(changed, text(vector, "uri"));
        assert_eq!(
            check(&file, vector, Some(&changed)),
            SignatureCheck::Invalid(Reason::ResourceMismatch),
            "{}",
            vector["name"]
        );
    }
}
