//! Key parsing: every PEM form the issue names is accepted (SPKI and PKCS#1 public keys;
//! PKCS#1, PKCS#8 and SEC1 private keys), the wrong kind of PEM gets a clear error, and a
//! private key's public half verifies its signatures.

use crate::support::read_repo as fixture;
use edgeguard::signed::{
    HashAlgorithm, KeyAlgorithm, PrivateKey, PublicKey, RustCryptoVerifier, SignatureVerifier,
};
use p256::pkcs8::{DecodePrivateKey, LineEnding};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};

fn rsa_private_pem() -> String {
    fixture("tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem")
}

fn ec_private_pem() -> String {
    fixture("tests/fixtures/keys/K3ECDSAP256DEMO.private.pem")
}

fn signs_and_verifies(private: &PrivateKey, public: &PublicKey) {
    for hash in [HashAlgorithm::Sha1, HashAlgorithm::Sha256] {
        let sig = private.sign(hash, b"policy bytes").unwrap();
        assert!(RustCryptoVerifier.verify(public, hash, b"policy bytes", &sig));
        assert!(!RustCryptoVerifier.verify(public, hash, b"policy bytez", &sig));
    }
}

#[test]
fn spki_public_keys_of_both_algorithms_parse() {
    let rsa = PublicKey::from_pem(&fixture("keys/K2JCJMDEHXQW5F.pem")).unwrap();
    let ec = PublicKey::from_pem(&fixture("keys/K3ECDSAP256DEMO.pem")).unwrap();
    assert_eq!(rsa.algorithm(), KeyAlgorithm::Rsa);
    assert_eq!(ec.algorithm(), KeyAlgorithm::EcdsaP256);
}

#[test]
fn pkcs1_rsa_public_key_parses_and_verifies() {
    let private = PrivateKey::from_pem(&rsa_private_pem()).unwrap();
    let inner = rsa::PrivateKey::from_pkcs8_pem(&rsa_private_pem()).unwrap();
    let pkcs1 = inner.to_public_key().to_pkcs1_pem(LineEnding::LF).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    let public = PublicKey::from_pem(&pkcs1).unwrap();
    signs_and_verifies(&private, &public);
    // The same key in SPKI form is what spki_pem() hands to other crypto providers.
    assert_eq!(public.spki_pem(), private.to_public_pem().unwrap());
}

#[test]
fn pkcs1_pkcs8_and_sec1_private_keys_parse() {
    let rsa_inner = rsa::PrivateKey::from_pkcs8_pem(&rsa_private_pem()).unwrap();
    let pkcs1 = rsa_inner.to_pkcs1_pem(LineEnding::LF).unwrap();
    let from_pkcs1 = PrivateKey::from_pem(&pkcs1).unwrap();
    let from_pkcs8 = PrivateKey::from_pem(&from_pkcs1.to_pkcs8_pem().unwrap()).unwrap();
    let public = from_pkcs1.public_key().unwrap();
    signs_and_verifies(&from_pkcs8, &public);
    // PKCS#1 v1.5 is deterministic: both forms give the same signature.
    assert_eq!(
        from_pkcs1.sign(HashAlgorithm::Sha1, b"x").unwrap(),
        from_pkcs8.sign(HashAlgorithm::Sha1, b"x").unwrap()
    );

    let ec = PrivateKey::from_pem(&ec_private_pem()).unwrap();
    let secret = p256::SecretKey::from_pem(&ec_private_pem()).unwrap();
    let sec1 = secret.to_sec1_pem(LineEnding::LF).unwrap();
    assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    let from_sec1 = PrivateKey::from_pem(&sec1).unwrap();
    assert_eq!(from_sec1.algorithm(), KeyAlgorithm::EcdsaP256);
    signs_and_verifies(&from_sec1, &ec.public_key().unwrap());
}

#[test]
fn wrong_kinds_of_pem_get_clear_errors() {
    let as_public = PublicKey::from_pem(&rsa_private_pem()).unwrap_err();
    assert!(as_public.to_string().contains("private key"), "{as_public}");
    let as_private = PrivateKey::from_pem(&fixture("keys/K2JCJMDEHXQW5F.pem")).unwrap_err();
    assert!(
        as_private.to_string().contains("public key"),
        "{as_private}"
    );
    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    assert!(PrivateKey::from_pem(encrypted)
        .unwrap_err()
        .to_string()
        .contains("encrypted"));
    assert!(PublicKey::from_pem("not a pem").is_err());
    assert!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .is_err()
    );
    assert!(
        PublicKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .is_err()
    );
}

#[test]
fn an_ecdsa_signature_does_not_verify_under_an_rsa_key() {
    let ec = PrivateKey::from_pem(&ec_private_pem()).unwrap();
    let rsa = PublicKey::from_pem(&fixture("keys/K2JCJMDEHXQW5F.pem")).unwrap();
    let sig = ec.sign(HashAlgorithm::Sha1, b"m").unwrap();
    assert!(!RustCryptoVerifier.verify(&rsa, HashAlgorithm::Sha1, b"m", &sig));
}
