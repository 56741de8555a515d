//! `edgeguard config digest`: the one definition of "which config an edge bundle was built from".
//! It is the SHA-256 of exactly what `config compile` prints (the bundle's config.json bytes), so
//! it names the bundle config (keys inlined), not the TOML text it came from.

use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

fn edgeguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(args)
        .output()
        .expect("edgeguard runs")
}

fn stdout_of(args: &[&str]) -> String {
    let out = edgeguard(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "edgeguard {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn digest_of(config: &Path) -> String {
    let path = config.to_str().expect("UTF-8 path");
    stdout_of(&["config", "digest", path])
        .trim_end()
        .to_string()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A config with one signature rule whose key file is `pem`, written into `dir`.
fn config_with_key(dir: &Path, pem: &str, comment: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("signer.pem"), pem).unwrap();
    let toml = format!(
        "# {comment}\n[keys]\nKSIGNER = {{ pem_file = \"signer.pem\" }}\n\n[[rules]]\npaths = [\"/private/*\"]\nsignature = \"required\"\n"
    );
    let path = dir.join("guard.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn demo_key(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("keys")
            .join(name),
    )
    .unwrap()
}

#[test]
fn digest_is_the_sha256_of_what_config_compile_prints() {
    let bundle = stdout_of(&["config", "compile", "--allow-demo-keys", "guard.toml"]);
    assert_eq!(
        digest_of(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../guard.toml"
        ))),
        sha256_hex(bundle.as_bytes())
    );
}

#[test]
fn digest_is_64_lowercase_hex_digits_and_a_newline() {
    let out = stdout_of(&["config", "digest", "guard.toml"]);
    let hex = out.strip_suffix('\n').expect("ends with a newline");
    assert_eq!(hex.len(), 64, "{out:?}");
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{out:?}"
    );
}

#[test]
fn comments_and_layout_of_the_toml_do_not_change_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = demo_key("K2JCJMDEHXQW5F.pem");
    let first = digest_of(&config_with_key(dir.path(), &rsa, "first wording"));
    let second = digest_of(&config_with_key(dir.path(), &rsa, "another comment"));
    assert_eq!(first, second);
}

#[test]
fn another_public_key_in_the_same_key_file_changes_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_key(dir.path(), &demo_key("K2JCJMDEHXQW5F.pem"), "same");
    let with_rsa = digest_of(&config);
    let config = config_with_key(dir.path(), &demo_key("K3ECDSAP256DEMO.pem"), "same");
    assert_ne!(with_rsa, digest_of(&config));
}

#[test]
fn digest_of_an_invalid_config_exits_2_with_the_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[[rules]]\npaths = [\"/a b\"]\n").unwrap();
    let out = edgeguard(&["config", "digest", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:2: rules[0].paths[0]"), "{err}");
}

#[test]
fn bundle_config_carries_a_pkcs1_key_as_the_spki_pem_the_edge_reads() {
    // The edge bundle has no key parser (its host, node:crypto, verifies): `config compile`
    // writes every key in the one form it hands over, whatever form the key file is in.
    use rsa::pkcs1::{EncodeRsaPublicKey, LineEnding};
    use rsa::pkcs8::DecodePrivateKey;
    let private = rsa::PrivateKey::from_pkcs8_pem(
        &std::fs::read_to_string(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join("tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem"),
        )
        .unwrap(),
    )
    .unwrap();
    let pkcs1 = private
        .to_public_key()
        .to_pkcs1_pem(LineEnding::LF)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_key(dir.path(), &pkcs1, "a PKCS#1 key file");
    let bundle: serde_json::Value = serde_json::from_str(&stdout_of(&[
        "config",
        "compile",
        "--allow-demo-keys",
        config.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(
        bundle["keys"]["KSIGNER"]["pem"].as_str(),
        Some(demo_key("K2JCJMDEHXQW5F.pem").as_str()),
        "the SPKI form of the same key"
    );
}
