//! The demo keys (private halves published in tests/fixtures/keys/) are recognised by
//! fingerprint in any config, under any Key-Pair-Id and in any PEM form; the list in the library
//! is exactly the private keys the repository ships, so it cannot drift.

use edgeguard::config::{self, Config};
use edgeguard::demo_keys::{self, fingerprint, trusted_demo_keys, DEMO_KEYS};
use edgeguard::signed::{PrivateKey, PublicKey};
use p256::pkcs8::{DecodePrivateKey, LineEnding};
use rsa::pkcs1::EncodeRsaPublicKey;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{read_repo as read, repo_path as repo};

/// A config trusting the given `[keys]` lines, with one signed rule.
fn config_with_keys(keys: &str) -> Config {
    let toml =
        format!("[keys]\n{keys}\n[[rules]]\npaths = [\"/private/*\"]\nsignature = \"required\"\n");
    let dir = repo("");
    let read = move |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    config::load_toml(&toml, "test.toml", &read)
        .expect("config loads")
        .1
}

/// Fingerprints of every private key under tests/fixtures/keys/, by file stem.
fn shipped_private_keys() -> BTreeSet<(String, String)> {
    std::fs::read_dir(repo("tests/fixtures/keys"))
        .expect("tests/fixtures/keys/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".private.pem"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            let stem = name.trim_end_matches(".private.pem").to_string();
            let key = PrivateKey::from_pem(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (stem, fingerprint(&key.public_key().unwrap()))
        })
        .collect()
}

#[test]
fn the_demo_key_list_is_recomputed_from_the_private_keys_in_tests_fixtures() {
    let listed: BTreeSet<(String, String)> = DEMO_KEYS
        .iter()
        .map(|k| (k.name.to_string(), k.fingerprint.to_string()))
        .collect();
    assert_eq!(listed, shipped_private_keys());
}

#[test]
fn every_demo_public_key_in_keys_is_recognised() {
    for demo in DEMO_KEYS {
        let key = PublicKey::from_pem(&read(&format!("keys/{}.pem", demo.name))).unwrap();
        assert_eq!(
            demo_keys::demo_key(&key),
            Some(&demo),
            "keys/{}.pem",
            demo.name
        );
    }
}

/// Walks the repository (without build output and installed tools) for files holding a PEM
/// private key block.
fn files_with_private_keys(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if ![
                ".git",
                "target",
                "node_modules",
                ".venv",
                "build",
                "artifacts",
            ]
            .contains(&name.as_str())
            {
                files_with_private_keys(&path, out);
            }
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            if text.contains("PRIVATE KEY-----\n") {
                out.push(path);
            }
        }
    }
}

#[test]
fn no_other_private_key_ships_in_the_repository() {
    let mut files = Vec::new();
    files_with_private_keys(&repo(""), &mut files);
    let known: BTreeSet<&str> = DEMO_KEYS.iter().map(|k| k.fingerprint).collect();
    let mut parsed = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for block in text.split("-----BEGIN ").skip(1) {
            let pem = format!("-----BEGIN {block}");
            // Only blocks that are usable keys matter (tests also hold truncated dummies).
            if let Ok(key) = PrivateKey::from_pem(&pem) {
                let print = fingerprint(&key.public_key().unwrap());
                assert!(
                    known.contains(print.as_str()),
                    "{}: private key {print} is not in DEMO_KEYS",
                    file.display()
                );
                parsed += 1;
            }
        }
    }
    assert!(
        parsed >= DEMO_KEYS.len(),
        "found only {parsed} private keys"
    );
}

#[test]
fn the_fingerprint_is_sha256_of_the_subject_public_key_info_der() {
    // `openssl pkey -pubin -in keys/K3ECDSAP256DEMO.pem -outform DER | sha256sum`
    let key = PublicKey::from_pem(&read("keys/K3ECDSAP256DEMO.pem")).unwrap();
    assert_eq!(
        fingerprint(&key),
        "8af935b449fd7883edc2cc266d33ca4f13caf28be1eadd26431a8e94d215a856"
    );
}

#[test]
fn the_shipped_guard_toml_trusts_both_demo_keys() {
    let (_, config) = config::load_file(&repo("guard.toml")).unwrap();
    let found: Vec<(String, &str)> = trusted_demo_keys(&config)
        .into_iter()
        .map(|k| (k.key_id, k.demo.name))
        .collect();
    assert_eq!(
        found,
        [
            ("K2JCJMDEHXQW5F".to_string(), "K2JCJMDEHXQW5F"),
            ("K3ECDSAP256DEMO".to_string(), "K3ECDSAP256DEMO")
        ]
    );
}

#[test]
fn a_demo_key_under_another_key_pair_id_is_still_a_demo_key() {
    let config = config_with_keys(r#"KMYOWNKEY = { pem_file = "keys/K3ECDSAP256DEMO.pem" }"#);
    let found = trusted_demo_keys(&config);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key_id, "KMYOWNKEY");
    assert_eq!(found[0].demo.name, "K3ECDSAP256DEMO");
}

#[test]
fn the_rsa_demo_key_written_as_pkcs1_inline_is_still_a_demo_key() {
    let private =
        rsa::PrivateKey::from_pkcs8_pem(&read("tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem"))
            .unwrap();
    let pkcs1 = private
        .to_public_key()
        .to_pkcs1_pem(LineEnding::LF)
        .unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    let config = config_with_keys(&format!("KINLINE = {{ pem = \"\"\"\n{pkcs1}\"\"\" }}"));
    let found = trusted_demo_keys(&config);
    assert_eq!(found.len(), 1, "{pkcs1}");
    assert_eq!(found[0].demo.name, "K2JCJMDEHXQW5F");
}

#[test]
fn a_key_of_ones_own_is_not_a_demo_key_and_is_not_refused() {
    let own = PrivateKey::from_p256(p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap());
    let pem = own.to_public_pem().unwrap();
    let config = config_with_keys(&format!("KOWN = {{ pem = \"\"\"\n{pem}\"\"\" }}"));
    assert!(trusted_demo_keys(&config).is_empty());
    assert_eq!(demo_keys::refuse_demo_keys(&config), Ok(()));
}

#[test]
fn the_refusal_names_the_key_ids_and_how_to_make_a_key() {
    let config = config_with_keys(
        r#"KA = { pem_file = "keys/K2JCJMDEHXQW5F.pem" }
KB = { pem_file = "keys/K3ECDSAP256DEMO.pem" }"#,
    );
    let refusal = demo_keys::refuse_demo_keys(&config)
        .unwrap_err()
        .to_string();
    for needed in [
        "KA, KB",
        "tests/fixtures/keys/",
        "edgeguard keygen --algorithm rsa --out-dir keys --name mykey",
        "[keys]",
        "--allow-demo-keys",
    ] {
        assert!(refusal.contains(needed), "{needed:?} missing: {refusal}");
    }
}
