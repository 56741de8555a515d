//! Replays every input the fuzzers kept (`fuzz/corpus/<target>/`) and every crash they found
//! (`fuzz/regressions/<target>/`) through the same harness functions the fuzz targets run, so CI
//! on stable keeps them all as regression tests without running a fuzzer.

use crate::fuzz_harness;
use std::path::PathBuf;

/// A harness body: raw fuzzer bytes in, panic on a broken invariant.
type Harness = fn(&[u8]);

/// Fuzz target name -> harness body. Must list every directory under fuzz/corpus.
const TARGETS: &[(&str, Harness)] = &[
    ("event_json", fuzz_harness::event_json),
    ("request", fuzz_harness::request),
    ("referer", fuzz_harness::referer),
    ("referer_pattern", fuzz_harness::referer_pattern),
    ("path_glob", fuzz_harness::path_glob),
    ("signed_params", fuzz_harness::signed_params),
    ("policy", fuzz_harness::policy),
    ("http_request", fuzz_harness::http_request),
];

fn fuzz_dir() -> PathBuf {
    crate::support::repo_path("fuzz")
}

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every kept input of one target; reports all failing files at once.
fn replay(target: &str) -> usize {
    let (_, harness) = TARGETS.iter().find(|(name, _)| *name == target).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for kind in ["corpus", "regressions"] {
        for path in inputs(kind, target) {
            let data = std::fs::read(&path).unwrap();
            count += 1;
            if std::panic::catch_unwind(|| harness(&data)).is_err() {
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "failing inputs: {failures:#?}");
    count
}

#[test]
fn every_corpus_directory_belongs_to_a_known_target() {
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "fuzz/{kind}/{name} has no harness in tests/fuzz_corpus.rs"
            );
        }
    }
}

#[test]
fn event_json_corpus_replays_clean() {
    assert!(replay("event_json") > 0, "empty corpus");
}

#[test]
fn request_corpus_replays_clean() {
    assert!(replay("request") > 0, "empty corpus");
}

#[test]
fn referer_corpus_replays_clean() {
    assert!(replay("referer") > 0, "empty corpus");
}

#[test]
fn referer_pattern_corpus_replays_clean() {
    assert!(replay("referer_pattern") > 0, "empty corpus");
}

#[test]
fn path_glob_corpus_replays_clean() {
    assert!(replay("path_glob") > 0, "empty corpus");
}

#[test]
fn signed_params_corpus_replays_clean() {
    assert!(replay("signed_params") > 0, "empty corpus");
}

#[test]
fn policy_corpus_replays_clean() {
    assert!(replay("policy") > 0, "empty corpus");
}

#[test]
fn http_request_corpus_replays_clean() {
    assert!(replay("http_request") > 0, "empty corpus");
}

#[test]
fn reference_glob_is_a_correct_oracle() {
    use crate::fuzz_harness::reference_glob;
    assert!(reference_glob("/a*b", "/axxb"));
    assert!(reference_glob("/a?b", "/aéb"));
    assert!(!reference_glob("/a?b", "/ab"));
    assert!(reference_glob("*", ""));
    assert!(!reference_glob("/a", "/ab"));
}

#[test]
fn the_request_oracle_catches_a_foreign_referer() {
    // The harness itself must be able to fail: an allow list that admits evil.com under a
    // guard whose rule claims `example.com` only would trip it. Checked here on the oracle.
    let o = fuzz_harness::oracle_host("https://EVIL.com./x").unwrap();
    assert_eq!(o.host, "evil.com");
    assert!(fuzz_harness::oracle_host("https://u:p@example.com/").is_none());
}
