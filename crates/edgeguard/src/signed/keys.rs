//! Keys and signature primitives: CloudFront public keys (RSA of any size the PEM holds, ECDSA
//! P-256), private keys for signing, the two hash algorithms, and the [`SignatureVerifier`] seam
//! through which another crypto provider (the edge host's `node:crypto`) can be plugged in.
//!
//! PEMs are parsed once, at config load; a request only pays for hashing and one verification.
//!
//! Without the `rust-crypto` feature (the edge bundle, whose host verifies with `node:crypto`)
//! a [`PublicKey`] is only its SPKI PEM, as the bundle config carries it (the CLI wrote it there
//! after RustCrypto had parsed and re-encoded the key), and nothing here does arithmetic.

#[cfg(feature = "rust-crypto")]
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
#[cfg(feature = "rust-crypto")]
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
#[cfg(feature = "rust-crypto")]
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
#[cfg(feature = "rust-crypto")]
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
#[cfg(feature = "rust-crypto")]
use rsa::{Pkcs1v15Sign, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
#[cfg(feature = "rust-crypto")]
use sha1::Sha1;
#[cfg(feature = "rust-crypto")]
use sha2::{Digest, Sha256};
use std::fmt;

/// Why a PEM could not be used as a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

fn key_error(message: impl Into<String>) -> KeyError {
    KeyError(message.into())
}

/// The digest a signature is computed over: SHA-1 unless the request says `Hash-Algorithm=SHA256`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// CloudFront's historical default.
    Sha1,
    /// Selected with `Hash-Algorithm=SHA256` / `CloudFront-Hash-Algorithm=SHA256`.
    Sha256,
}

impl HashAlgorithm {
    /// The `Hash-Algorithm` value that selects [`HashAlgorithm::Sha256`] (the only value
    /// CloudFront accepts; anything else is `hash_algorithm_unsupported`).
    pub const SHA256_NAME: &'static str = "SHA256";

    /// The digest of `message`.
    #[cfg(feature = "rust-crypto")]
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha1 => Sha1::digest(message).to_vec(),
            HashAlgorithm::Sha256 => Sha256::digest(message).to_vec(),
        }
    }

    #[cfg(feature = "rust-crypto")]
    fn pkcs1v15(self) -> Pkcs1v15Sign {
        match self {
            HashAlgorithm::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
            HashAlgorithm::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        }
    }
}

/// Which kind of key, for messages and for providers that need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA, PKCS#1 v1.5 signatures.
    Rsa,
    /// ECDSA on P-256, ASN.1 DER signatures.
    EcdsaP256,
}

#[cfg(feature = "rust-crypto")]
#[derive(Debug, Clone)]
enum PublicMaterial {
    Rsa(Box<RsaPublicKey>),
    EcdsaP256(VerifyingKey),
}

/// A trusted CloudFront public key, parsed once at config load.
#[derive(Debug, Clone)]
pub struct PublicKey {
    #[cfg(feature = "rust-crypto")]
    material: PublicMaterial,
    spki_pem: String,
}

#[cfg(feature = "rust-crypto")]
impl PublicKey {
    /// Parses a PEM public key: SPKI `PUBLIC KEY` (RSA or ECDSA P-256) or PKCS#1
    /// `RSA PUBLIC KEY`. RSA keys of 1024 to 8192 bits and any valid exponent are accepted, so
    /// that legacy and test keys verify; CloudFront itself only accepts RSA-2048 uploads.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        let material = match pem_label(pem)? {
            "PUBLIC KEY" => {
                if let Ok(key) = RsaPublicKey::from_public_key_pem(pem) {
                    PublicMaterial::Rsa(Box::new(key))
                } else {
                    let key = VerifyingKey::from_public_key_pem(pem).map_err(|e| {
                        key_error(format!(
                            "neither an RSA nor an ECDSA P-256 public key ({e})"
                        ))
                    })?;
                    PublicMaterial::EcdsaP256(key)
                }
            }
            "RSA PUBLIC KEY" => PublicMaterial::Rsa(Box::new(
                RsaPublicKey::from_pkcs1_pem(pem)
                    .map_err(|e| key_error(format!("bad PKCS#1 RSA public key ({e})")))?,
            )),
            label if label.contains("PRIVATE KEY") => return Err(key_error(
                "this is a private key; configure the PUBLIC key (edgeguard keygen writes both)",
            )),
            label => return Err(key_error(format!("unexpected PEM label {label:?}"))),
        };
        let spki_pem = spki_pem(&material)?;
        Ok(PublicKey { material, spki_pem })
    }

    /// RSA or ECDSA.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.material {
            PublicMaterial::Rsa(_) => KeyAlgorithm::Rsa,
            PublicMaterial::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
        }
    }

    /// The key as an SPKI `PUBLIC KEY` PEM, whatever form it was configured in: what other
    /// crypto providers (and CloudFront's key upload) take.
    pub fn spki_pem(&self) -> &str {
        &self.spki_pem
    }
}

/// The key as the edge bundle holds it: the SPKI PEM handed to the host's verifier.
#[cfg(not(feature = "rust-crypto"))]
impl PublicKey {
    /// Takes an SPKI `PUBLIC KEY` PEM as it is; without RustCrypto there is no parser to check
    /// more than its armour. The bundle config only carries PEMs the CLI parsed and re-encoded,
    /// and a key the host cannot read verifies no signature (the guard then denies).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        match pem_label(pem)? {
            "PUBLIC KEY" if pem.ends_with("-----END PUBLIC KEY-----") => Ok(PublicKey {
                spki_pem: format!("{pem}\n"),
            }),
            "PUBLIC KEY" => Err(key_error("not PEM: no -----END PUBLIC KEY----- line")),
            label => Err(key_error(format!(
                "{label:?}: this build (the edge bundle) reads only the SPKI `PUBLIC KEY` PEMs \
                 `edgeguard config compile` writes"
            ))),
        }
    }

    /// The key as an SPKI `PUBLIC KEY` PEM: what the host's crypto provider parses.
    pub fn spki_pem(&self) -> &str {
        &self.spki_pem
    }
}

#[cfg(feature = "rust-crypto")]
fn spki_pem(material: &PublicMaterial) -> Result<String, KeyError> {
    match material {
        PublicMaterial::Rsa(k) => k.to_public_key_pem(LineEnding::LF),
        PublicMaterial::EcdsaP256(k) => k.to_public_key_pem(LineEnding::LF),
    }
    .map_err(|e| key_error(format!("cannot encode public key ({e})")))
}

/// The label between `-----BEGIN ` and `-----` of the first PEM block.
fn pem_label(pem: &str) -> Result<&str, KeyError> {
    let rest = pem
        .strip_prefix("-----BEGIN ")
        .ok_or_else(|| key_error("not PEM: expected a line -----BEGIN ...-----"))?;
    let end = rest
        .find("-----")
        .ok_or_else(|| key_error("not PEM: unterminated BEGIN line"))?;
    Ok(&rest[..end])
}

/// Checks a signature over a message with a public key. An object-safe seam so that the
/// WebAssembly adapter can hand verification to the host (`node:crypto`) instead of RustCrypto.
pub trait SignatureVerifier {
    /// Whether `signature` (raw bytes, already base64-decoded) is a valid signature of
    /// `message` under `key` with `hash`. RSA: PKCS#1 v1.5; ECDSA: ASN.1 DER.
    fn verify(
        &self,
        key: &PublicKey,
        hash: HashAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool;
}

/// The default verifier: pure-Rust RustCrypto, available on every target.
#[cfg(feature = "rust-crypto")]
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCryptoVerifier;

#[cfg(feature = "rust-crypto")]
impl SignatureVerifier for RustCryptoVerifier {
    fn verify(
        &self,
        key: &PublicKey,
        hash: HashAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let digest = hash.digest(message);
        match &key.material {
            PublicMaterial::Rsa(k) => k.verify(hash.pkcs1v15(), &digest, signature).is_ok(),
            PublicMaterial::EcdsaP256(k) => match DerSignature::from_bytes(signature) {
                Ok(sig) => k.verify_prehash(&digest, &sig).is_ok(),
                Err(_) => false,
            },
        }
    }
}

#[cfg(feature = "rust-crypto")]
#[derive(Clone)]
enum PrivateMaterial {
    Rsa(Box<RsaPrivateKey>),
    EcdsaP256(SigningKey),
}

/// A private key for signing URLs and cookies (CLI and tests; never needed at the edge).
#[cfg(feature = "rust-crypto")]
#[derive(Clone)]
pub struct PrivateKey {
    material: PrivateMaterial,
}

#[cfg(feature = "rust-crypto")]
impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?}, redacted)", self.algorithm())
    }
}

#[cfg(feature = "rust-crypto")]
impl PrivateKey {
    /// Parses a PEM private key: PKCS#1 `RSA PRIVATE KEY`, PKCS#8 `PRIVATE KEY` (RSA or
    /// P-256) or SEC1 `EC PRIVATE KEY` (P-256). Encrypted keys are refused.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        let material = match pem_label(pem)? {
            "RSA PRIVATE KEY" => PrivateMaterial::Rsa(Box::new(
                RsaPrivateKey::from_pkcs1_pem(pem)
                    .map_err(|e| key_error(format!("bad PKCS#1 RSA private key ({e})")))?,
            )),
            "PRIVATE KEY" => {
                if let Ok(key) = RsaPrivateKey::from_pkcs8_pem(pem) {
                    PrivateMaterial::Rsa(Box::new(key))
                } else {
                    let key = SigningKey::from_pkcs8_pem(pem).map_err(|e| {
                        key_error(format!(
                            "neither an RSA nor an ECDSA P-256 PKCS#8 private key ({e})"
                        ))
                    })?;
                    PrivateMaterial::EcdsaP256(key)
                }
            }
            "EC PRIVATE KEY" => {
                let secret = p256::SecretKey::from_pem(pem)
                    .map_err(|e| key_error(format!("bad SEC1 P-256 private key ({e})")))?;
                PrivateMaterial::EcdsaP256(SigningKey::from(&secret))
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(key_error(
                    "encrypted private keys are not supported; decrypt it first (openssl pkey -in KEY -out PLAIN)",
                ))
            }
            label if label.contains("PUBLIC KEY") => {
                return Err(key_error("this is a public key; signing needs the private key"))
            }
            label => return Err(key_error(format!("unexpected PEM label {label:?}"))),
        };
        Ok(PrivateKey { material })
    }

    /// Wraps a freshly generated RSA key.
    pub fn from_rsa(key: RsaPrivateKey) -> Self {
        PrivateKey {
            material: PrivateMaterial::Rsa(Box::new(key)),
        }
    }

    /// Wraps a freshly generated P-256 key.
    pub fn from_p256(key: SigningKey) -> Self {
        PrivateKey {
            material: PrivateMaterial::EcdsaP256(key),
        }
    }

    /// RSA or ECDSA.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.material {
            PrivateMaterial::Rsa(_) => KeyAlgorithm::Rsa,
            PrivateMaterial::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
        }
    }

    /// The matching public key, as the verifier will hold it.
    pub fn public_key(&self) -> Result<PublicKey, KeyError> {
        let material = match &self.material {
            PrivateMaterial::Rsa(k) => PublicMaterial::Rsa(Box::new(k.to_public_key())),
            PrivateMaterial::EcdsaP256(k) => PublicMaterial::EcdsaP256(*k.verifying_key()),
        };
        let spki_pem = spki_pem(&material)?;
        Ok(PublicKey { material, spki_pem })
    }

    /// The public key as SPKI PEM, the form CloudFront's key upload takes.
    pub fn to_public_pem(&self) -> Result<String, KeyError> {
        Ok(self.public_key()?.spki_pem)
    }

    /// The private key as unencrypted PKCS#8 PEM (what `edgeguard keygen` writes).
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let pem = match &self.material {
            PrivateMaterial::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateMaterial::EcdsaP256(k) => k.to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(|e| key_error(format!("cannot encode private key ({e})")))?;
        Ok(pem.to_string())
    }

    /// Signs `message`: RSA PKCS#1 v1.5, or deterministic (RFC 6979) ECDSA in ASN.1 DER.
    /// Needs no random numbers, so it also works where none are available.
    pub fn sign(&self, hash: HashAlgorithm, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let digest = hash.digest(message);
        match &self.material {
            PrivateMaterial::Rsa(k) => k
                .sign(hash.pkcs1v15(), &digest)
                .map_err(|e| key_error(format!("RSA signing failed ({e})"))),
            PrivateMaterial::EcdsaP256(k) => {
                let sig: DerSignature = k
                    .sign_prehash(&digest)
                    .map_err(|e| key_error(format!("ECDSA signing failed ({e})")))?;
                Ok(sig.to_bytes().to_vec())
            }
        }
    }
}
