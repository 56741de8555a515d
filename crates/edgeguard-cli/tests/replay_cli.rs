//! The `edgeguard replay` command line: inputs (files, directories, gzip or plain whatever the
//! name, many gzip members), malformed lines and unreadable files reported with their line
//! numbers without stopping, the `--json` document's field names, `--top`, and exit codes.

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FIELDS: &str =
    "#Version: 1.0\n#Fields: date time c-ip sc-status cs-uri-stem cs-uri-query cs(Referer)\n";

/// A record of the short layout above.
fn line(time: &str, status: &str, uri: &str, referer: &str) -> String {
    format!("2026-01-01\t{time}\t192.0.2.1\t{status}\t{uri}\t-\t{referer}\n")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("replay-cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(text).unwrap();
    gz.finish().unwrap()
}

fn replay(args: &[&Path], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["replay", "--config", "guard.toml"])
        .args(extra)
        .args(args)
        .output()
        .expect("edgeguard runs")
}

fn json(args: &[&Path]) -> Value {
    let out = replay(args, &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn json_document_has_the_documented_field_names() {
    let dir = scratch("json");
    let log = dir.join("a");
    let text = format!(
        "{FIELDS}{}{}",
        line("00:00:01", "200", "/images/a.jpg", "https://evil.test/"),
        line("00:00:02", "200", "/public/app.css", "-"),
    );
    std::fs::write(&log, text).unwrap();
    let r = json(&[&log]);
    assert_eq!(
        keys(&r),
        [
            "format",
            "files",
            "lines",
            "requests",
            "allowed",
            "denied",
            "rules",
            "top_denied_referer_hosts",
            "top_denied_paths",
            "served_then_denied_now",
            "malformed",
            "read_errors"
        ]
    );
    assert_eq!(r["format"], "edgeguard-replay/1");
    assert_eq!(
        keys(&r["rules"][0]),
        [
            "rule",
            "paths",
            "requests",
            "allowed",
            "denied",
            "denied_by_reason",
            "would_deny"
        ]
    );
    assert_eq!(
        r["rules"][1]["paths"],
        serde_json::json!(["/images/*", "/media/*"])
    );
    assert_eq!(
        r["rules"][3]["rule"],
        Value::Null,
        "the no-rule bucket comes last"
    );
    assert_eq!(
        keys(&r["top_denied_referer_hosts"]),
        ["entries", "other", "exact", "max_undercount"]
    );
    assert_eq!(keys(&r["top_denied_paths"]["entries"][0]), ["key", "count"]);
    assert_eq!(
        keys(&r["served_then_denied_now"]),
        ["count", "status_logged", "by_reason", "examples"]
    );
    assert_eq!(
        keys(&r["served_then_denied_now"]["examples"][0]),
        ["file", "line", "time", "uri", "referer", "status", "reason", "rule"]
    );
    assert_eq!(keys(&r["malformed"]), ["count", "listed", "unlisted"]);
    assert_eq!(r["served_then_denied_now"]["examples"][0]["line"], 3);
    assert_eq!(
        r["served_then_denied_now"]["examples"][0]["reason"],
        "referer_not_allowed"
    );
}

#[test]
fn malformed_lines_are_counted_and_listed_with_file_and_line_and_the_rest_is_decided() {
    let dir = scratch("malformed");
    let log = dir.join("broken.log");
    let mut bytes =
        format!("{FIELDS}{}", line("00:00:01", "200", "/public/a.css", "-")).into_bytes();
    bytes.extend_from_slice(b"2026-01-01\t00:00:02\t192.0.2.1\t200\t/public/b.css\n"); // line 4: 5 fields
    bytes.extend_from_slice(line("25:00:00", "200", "/public/c.css", "-").as_bytes()); // line 5
    bytes.extend_from_slice(b"2026-01-01\t00:00:03\t192.0.2.1\t200\t/public/\xff.css\t-\t-\n"); // line 6
    bytes.extend_from_slice(line("00:00:04", "200", "/public/d.css", "-").as_bytes());
    std::fs::write(&log, bytes).unwrap();
    let r = json(&[&log]);
    assert_eq!(
        (r["lines"].as_u64(), r["requests"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(r["malformed"]["count"], 3);
    let listed = r["malformed"]["listed"].as_array().unwrap();
    let at: Vec<(String, u64)> = listed
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap().to_string(),
                p["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let name = log.display().to_string();
    assert_eq!(at, [(name.clone(), 4), (name.clone(), 5), (name, 6)]);
    assert!(listed[0]["error"]
        .as_str()
        .unwrap()
        .contains("5 fields, the #Fields line names 7"));
    assert!(listed[1]["error"]
        .as_str()
        .unwrap()
        .contains("time \"25:00:00\""));
    assert!(listed[2]["error"].as_str().unwrap().contains("byte 0xFF"));
}

#[test]
fn malformed_lines_appear_in_the_text_report_with_file_and_line() {
    let dir = scratch("malformed-text");
    let log = dir.join("x.log");
    std::fs::write(&log, "2026-01-01\t00:00:00\t192.0.2.1\n").unwrap();
    let out = replay(&[&log], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "{}:1: record before any #Fields line",
            log.display()
        )),
        "{text}"
    );
}

#[test]
fn directories_are_read_recursively_and_gzip_is_told_by_its_bytes_not_its_name() {
    let dir = scratch("dirs");
    std::fs::create_dir_all(dir.join("2026/01/01")).unwrap();
    let plain = format!("{FIELDS}{}", line("00:00:01", "200", "/public/1", "-"));
    let zipped = format!("{FIELDS}{}", line("00:00:02", "200", "/public/2", "-"));
    // Plain text named .gz, gzip named .txt: both are read for what they are.
    std::fs::write(dir.join("2026/01/01/E.2026-01-01-00.a.gz"), &plain).unwrap();
    std::fs::write(
        dir.join("2026/01/01/E.2026-01-01-01.b.txt"),
        gzip(zipped.as_bytes()),
    )
    .unwrap();
    // Two gzip members in one file (concatenated .gz files) are one stream.
    let mut two = gzip(format!("{FIELDS}{}", line("00:00:03", "200", "/public/3", "-")).as_bytes());
    two.extend(gzip(line("00:00:04", "200", "/public/4", "-").as_bytes()));
    std::fs::write(dir.join("2026/01/E.2026-01-01-02.c.gz"), two).unwrap();
    let r = json(&[&dir]);
    assert_eq!(r["files"], 3);
    assert_eq!(r["requests"], 4);
    assert_eq!(r["allowed"], 4);
    assert_eq!(r["malformed"]["count"], 0);
}

#[test]
fn files_and_directories_can_be_mixed_on_the_command_line() {
    let dir = scratch("mixed-args");
    std::fs::create_dir_all(dir.join("d")).unwrap();
    let one = format!("{FIELDS}{}", line("00:00:01", "200", "/x", "-"));
    std::fs::write(dir.join("one"), &one).unwrap();
    std::fs::write(dir.join("d/two.gz"), gzip(one.as_bytes())).unwrap();
    let r = json(&[&dir.join("one"), &dir.join("d")]);
    assert_eq!(
        (r["files"].as_u64(), r["requests"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(r["rules"][3]["denied_by_reason"]["no_rule"], 2);
}

#[test]
fn a_corrupt_gzip_file_is_a_read_error_and_the_other_files_are_still_replayed() {
    let dir = scratch("corrupt");
    let good = format!("{FIELDS}{}", line("00:00:01", "200", "/public/a", "-"));
    std::fs::write(dir.join("a.gz"), gzip(good.as_bytes())).unwrap();
    let mut bad = gzip(
        format!("{FIELDS}{}", line("00:00:01", "200", "/public/b", "-"))
            .repeat(50)
            .as_bytes(),
    );
    let len = bad.len();
    bad.truncate(len / 2);
    std::fs::write(dir.join("b.gz"), bad).unwrap();
    std::fs::write(dir.join("c.gz"), gzip(good.as_bytes())).unwrap();
    let r = json(&[&dir]);
    assert_eq!(r["files"], 3);
    assert_eq!(r["read_errors"]["count"], 1);
    let problem = &r["read_errors"]["listed"][0];
    assert!(problem["file"].as_str().unwrap().ends_with("b.gz"));
    assert!(
        r["requests"].as_u64().unwrap() >= 2,
        "a.gz and c.gz, plus what b.gz had"
    );
}

#[test]
fn a_later_fields_line_in_the_same_file_switches_the_layout() {
    let dir = scratch("switch");
    let log = dir.join("switch");
    let text = format!(
        "{FIELDS}{}#Fields: cs(Referer) cs-uri-stem cs-uri-query c-ip time date\nhttps://www.example.com/\t/images/a.jpg\t-\t192.0.2.9\t00:00:02\t2026-01-01\n",
        line("00:00:01", "200", "/images/a.jpg", "https://www.example.com/"),
    );
    std::fs::write(&log, text).unwrap();
    let r = json(&[&log]);
    assert_eq!(r["rules"][1]["allowed"], 2);
    assert_eq!(
        r["served_then_denied_now"]["status_logged"], 1,
        "the second layout has no sc-status"
    );
}

#[test]
fn top_limits_the_lists() {
    let dir = scratch("top");
    let log = dir.join("top");
    let mut text = FIELDS.to_string();
    for i in 0..5 {
        text.push_str(&line(
            "00:00:01",
            "200",
            &format!("/nothing/{i}"),
            &format!("https://h{i}.test/"),
        ));
    }
    std::fs::write(&log, text).unwrap();
    let out = replay(&[&log], &["--json", "--top", "2"]);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["top_denied_paths"]["entries"].as_array().unwrap().len(),
        2
    );
    assert_eq!(r["top_denied_paths"]["other"], 3);
    assert_eq!(
        r["top_denied_referer_hosts"]["entries"][0]["key"],
        "h0.test"
    );
}

#[test]
fn the_text_report_has_rules_served_then_denied_and_top_lists() {
    let out = replay(
        &[Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/replay/documented-format.txt"
        ))],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "14 requests from 1 file(s): 7 allowed, 7 denied (0 malformed line(s))",
        "/private/*",
        "expired 1, signature_invalid 1, signature_missing 1",
        "(no rule matched)",
        "served then, denied now: 3 request(s)",
        "documented-format.txt:4",
        "top denied Referer hosts",
        "top denied paths",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    assert!(
        out.stderr.is_empty(),
        "no progress bar when stderr is not a terminal"
    );
}

#[test]
fn a_missing_path_or_config_is_a_usage_error() {
    let out = replay(&[Path::new("no/such/logs")], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/logs"));
    let out = Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args([
            "replay",
            "--config",
            "missing.toml",
            "tests/replay/documented-format.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["replay", "--config", "guard.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "at least one LOG");
}

#[test]
fn an_overlong_line_is_malformed_and_the_next_line_is_still_read() {
    let dir = scratch("long");
    let log = dir.join("long");
    let mut text = FIELDS.to_string();
    text.push_str(&"x".repeat(edgeguard::replay::MAX_LINE + 10));
    text.push('\n');
    text.push_str(&line("00:00:01", "200", "/public/a", "-"));
    std::fs::write(&log, text).unwrap();
    let r = json(&[&log]);
    assert_eq!(r["malformed"]["count"], 1);
    assert_eq!(r["malformed"]["listed"][0]["line"], 3);
    assert!(r["malformed"]["listed"][0]["error"]
        .as_str()
        .unwrap()
        .contains("longer than"));
    assert_eq!(r["requests"], 1);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_in_a_directory_does_not_hang_the_walk() {
    let dir = scratch("symlink");
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        dir.join("logs/a"),
        format!("{FIELDS}{}", line("00:00:01", "200", "/public/a", "-")),
    )
    .unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("logs/loop")).unwrap();
    let r = json(&[&dir.join("logs")]);
    assert_eq!(
        (r["files"].as_u64(), r["requests"].as_u64()),
        (Some(1), Some(1))
    );
}

/// The repository root: fixtures, keys and the shipped config live there.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[test]
fn a_replay_with_a_report_mode_config_counts_the_denies_as_would_deny_per_rule() {
    let dir = std::env::temp_dir().join(format!("edgeguard-replay-report-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    for key in ["K2JCJMDEHXQW5F.pem", "K3ECDSAP256DEMO.pem"] {
        std::fs::copy(format!("{ROOT}/keys/{key}"), dir.join("keys").join(key)).unwrap();
    }
    let config = dir.join("guard.toml");
    let shipped = std::fs::read_to_string(format!("{ROOT}/guard.toml")).unwrap();
    std::fs::write(&config, format!("mode = \"report\"\n{shipped}")).unwrap();
    let run = |config: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_edgeguard"))
            .current_dir(ROOT)
            .args(["replay", "--json", "--config"])
            .arg(config)
            .arg("tests/replay/documented-format.txt")
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let report = run(&config);
    let enforce = run(Path::new("guard.toml"));
    assert_eq!(
        report["denied"], enforce["denied"],
        "denied = what enforcing would deny"
    );
    assert_eq!(
        report["served_then_denied_now"]["count"],
        enforce["served_then_denied_now"]["count"]
    );
    for (r, e) in report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .zip(enforce["rules"].as_array().unwrap())
    {
        assert_eq!(r["would_deny"], r["denied"], "{r}");
        assert_eq!(e["would_deny"], 0, "{e}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
