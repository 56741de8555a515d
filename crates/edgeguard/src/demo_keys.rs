//! The demo keys: key pairs whose private halves are published in this repository
//! (`tests/fixtures/keys/`) so that tests and sample events carry real signatures. Anyone can
//! sign URLs with them, so a config that trusts one (the shipped `guard.toml` does) must never
//! reach the edge.
//!
//! Keys are recognised by fingerprint, whatever their Key-Pair-Id or PEM form. The check is a
//! pure function over a loaded config; the CLI's build commands (`edgeguard config compile`,
//! `edgeguard cff`, and through them every packaging script and `make deploy`) refuse such a
//! config unless the build is marked as a demo (`--allow-demo-keys`).

use crate::config::Config;
use crate::signed::PublicKey;
use sha2::{Digest, Sha256};
use std::fmt;

/// A key pair whose private half ships in this repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoKey {
    /// The file stem under `tests/fixtures/keys/` (`<name>.private.pem`) and `keys/` (`<name>.pem`).
    pub name: &'static str,
    /// [`fingerprint`] of its public key.
    pub fingerprint: &'static str,
}

/// Every demo key. `tests/demo_keys.rs` recomputes this list from the private keys in
/// `tests/fixtures/keys/` (and checks no other private key is in the repository), so it cannot
/// drift from what ships.
pub const DEMO_KEYS: [DemoKey; 2] = [
    DemoKey {
        name: "K2JCJMDEHXQW5F",
        fingerprint: "e6099d3438922791354f79afc1b5440f1af107eadd914aab68898315792f17c4",
    },
    DemoKey {
        name: "K3ECDSAP256DEMO",
        fingerprint: "8af935b449fd7883edc2cc266d33ca4f13caf28be1eadd26431a8e94d215a856",
    },
];

/// SHA-256 of the key's SubjectPublicKeyInfo DER, lower-case hex: the same value as
/// `openssl pkey -pubin -in KEY.pem -outform DER | sha256sum`, and the same for an RSA key
/// configured as PKCS#1 `RSA PUBLIC KEY` or as SPKI `PUBLIC KEY`.
pub fn fingerprint(key: &PublicKey) -> String {
    // `spki_pem` is always a PEM edgeguard encoded itself; the fallback hashes its text, which
    // then matches no demo key rather than panicking.
    let der = p256::pkcs8::der::pem::decode_vec(key.spki_pem().as_bytes())
        .map(|(_, der)| der)
        .unwrap_or_else(|_| key.spki_pem().as_bytes().to_vec());
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The demo key a public key is, if it is one.
pub fn demo_key(key: &PublicKey) -> Option<&'static DemoKey> {
    let print = fingerprint(key);
    DEMO_KEYS.iter().find(|demo| demo.fingerprint == print)
}

/// A Key-Pair-Id of a config that names a demo key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedDemoKey {
    /// The Key-Pair-Id under `[keys]`.
    pub key_id: String,
    /// Which demo key it is.
    pub demo: &'static DemoKey,
}

/// Every key of `config` whose private half is published in this repository, in `[keys]` order.
pub fn trusted_demo_keys(config: &Config) -> Vec<TrustedDemoKey> {
    config
        .keys
        .iter()
        .filter_map(|(id, key)| {
            demo_key(key).map(|demo| TrustedDemoKey {
                key_id: id.clone(),
                demo,
            })
        })
        .collect()
}

/// A config trusts demo keys: the refusal of a build command, saying how to make a real key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoKeysTrusted(pub Vec<TrustedDemoKey>);

impl fmt::Display for DemoKeysTrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.0.iter().map(|k| k.key_id.as_str()).collect();
        let (which, whose) = if ids.len() == 1 {
            ("a demo key", "whose private half is")
        } else {
            ("demo keys", "whose private halves are")
        };
        write!(
            f,
            "[keys] trusts {which} ({}) {whose} published in the edgeguard repository \
             (tests/fixtures/keys/): anyone could sign URLs for this guard. Make your own key with \
             `edgeguard keygen --algorithm rsa --out-dir keys --name mykey`, upload keys/mykey.pem \
             to CloudFront, and trust it in [keys] under the public key ID CloudFront gives it \
             (ID = {{ pem_file = \"keys/mykey.pem\" }}) instead of the demo keys. A local demo \
             build may pass --allow-demo-keys (EDGEGUARD_DEMO=1 for make and scripts/); \
             `make deploy` never does",
            ids.join(", ")
        )
    }
}

impl std::error::Error for DemoKeysTrusted {}

/// `Ok` when `config` trusts no demo key; what build commands call before writing an artefact.
pub fn refuse_demo_keys(config: &Config) -> Result<(), DemoKeysTrusted> {
    let found = trusted_demo_keys(config);
    if found.is_empty() {
        Ok(())
    } else {
        Err(DemoKeysTrusted(found))
    }
}
