//! Helpers every test area shares: the repository's files, the shipped config and guard, and
//! the demo keys (the private halves are published in `tests/fixtures/keys/` on purpose).

use edgeguard::cloudfront::Request;
use edgeguard::config::{self, Config};
use edgeguard::http_event::{viewer_request, HttpRequestParts};
use edgeguard::signed::{KeySet, PrivateKey, PublicKey};
use edgeguard::Guard;
use std::path::{Path, PathBuf};

/// The RSA-2048 demo key's Key-Pair-Id.
pub const RSA_DEMO_ID: &str = "K2JCJMDEHXQW5F";
/// The ECDSA P-256 demo key's Key-Pair-Id.
pub const EC_DEMO_ID: &str = "K3ECDSAP256DEMO";

/// A path inside the repository (the workspace runs each crate's tests in the crate's folder).
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(rel)
}

/// The text of a repository file, or a panic naming it.
pub fn read_repo(rel: &str) -> String {
    std::fs::read_to_string(repo_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The shipped `guard.toml`, compiled, its key files read from the repository.
pub fn shipped_config() -> Config {
    config::load_file(&repo_path("guard.toml"))
        .expect("guard.toml loads")
        .1
}

/// The guard of the shipped `guard.toml`.
pub fn shipped_guard() -> Guard {
    Guard::new(shipped_config())
}

/// The guard of a TOML config whose `pem_file`s are repository paths.
pub fn guard_from(toml: &str) -> Guard {
    let read = |rel: &str| std::fs::read_to_string(repo_path(rel)).map_err(|e| e.to_string());
    Guard::new(
        config::load_toml(toml, "test.toml", &read)
            .expect("config")
            .1,
    )
}

/// The private half of a demo key, by Key-Pair-Id.
pub fn private_key(id: &str) -> PrivateKey {
    PrivateKey::from_pem(&read_repo(&format!("tests/fixtures/keys/{id}.private.pem")))
        .expect("demo private key parses")
}

/// Both demo public keys (`keys/*.pem`), as `guard.toml` trusts them.
pub fn demo_public_keys() -> KeySet {
    let mut set = KeySet::new();
    for id in [RSA_DEMO_ID, EC_DEMO_ID] {
        set.insert(
            id.into(),
            PublicKey::from_pem(&read_repo(&format!("keys/{id}.pem")))
                .expect("demo public key parses"),
        );
    }
    set
}

/// The viewer-request `Request` for `GET uri?query` from `203.0.113.5` with these headers
/// (name, value; a repeated name is a repeated header, in order), built by the library's
/// `http_event::viewer_request` as `serve` builds one: a test states only what it varies.
pub fn request(uri: &str, query: &str, headers: &[(&str, &str)]) -> Request {
    viewer_request(
        HttpRequestParts {
            method: "GET",
            path: uri,
            query: Some(query),
            client_ip: "203.0.113.5",
            host_override: None,
        },
        headers
            .iter()
            .map(|&(name, value)| (name, value.as_bytes())),
    )
}

mod table;
pub(crate) use table::table_tests;
