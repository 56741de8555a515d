//! Throughput of `edgeguard replay` (not pass/fail; the numbers go to BENCHMARKS.md, "Replay").
//!
//! Generates a day of CloudFront standard access logs with the tests' generator
//! (tests/replay_support: every documented field, the same mix of Referer checks, unknown
//! paths and signed URLs and cookies, 24 files, most gzip), runs the release binary once over
//! the directory, checks that every line was decided, and prints lines per minute of wall time
//! and of CPU time (the replay is single-threaded: one core). A second run replays lines that
//! each carry a distinct RSA-signed URL, the worst case (no signature is ever seen twice).
//!
//!     cargo bench --bench replay                          # 1,000,000 lines + 5,000 distinct
//!     REPLAY_LINES=200000 REPLAY_DISTINCT=1000 cargo bench --bench replay
//!
//! Under `cargo test --all-targets` (no `--bench` flag) it only checks that both cases run, on
//! a few hundred lines, and prints no throughput claim worth recording.

#[path = "../tests/replay_support/mod.rs"]
mod replay_support;

use edgeguard::replay::log::{encode_value, DOCUMENTED_FIELDS};
use edgeguard::signed::{sign_url, HashAlgorithm, PrivateKey, SignOptions};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat
/// (`cutime`, `cstime`, in USER_HZ = 100 ticks per second on Linux).
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // Fields 16 and 17 of the full line; the slice starts at field 3.
    let cutime: f64 = fields.get(13)?.parse().ok()?;
    let cstime: f64 = fields.get(14)?.parse().ok()?;
    Some((cutime + cstime) / 100.0)
}

/// Runs `edgeguard replay --json DIR`, checks the request count, prints the throughput.
fn measure(label: &str, dir: &Path, lines: usize, bytes: u64) {
    let cpu_before = children_cpu_seconds();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["replay", "--config", "guard.toml", "--json"])
        .arg(dir)
        .output()
        .expect("edgeguard runs");
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu_before, children_cpu_seconds()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["requests"], lines, "every line decided");
    let per_minute = |seconds: f64| lines as f64 / seconds * 60.0;
    println!(
        "replay/{label}: {lines} lines, {:.1} MB on disk, {wall:.2} s wall = {:.0} lines/minute",
        bytes as f64 / 1e6,
        per_minute(wall)
    );
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        println!(
            "replay/{label}: {cpu:.2} s CPU = {:.0} lines/minute per core ({:.1} us/line)",
            per_minute(cpu),
            cpu / lines as f64 * 1e6
        );
    }
}

/// The generated day: realistic mix, credentials reused as players and sessions reuse them.
fn typical_day(lines: usize) {
    let dir = scratch("replay-bench-day");
    let (files, _) = replay_support::day(lines, 24);
    replay_support::write(&dir, &files);
    let bytes = files.iter().map(|f| f.bytes.len() as u64).sum();
    measure("day", &dir, lines, bytes);
}

/// Every line a signed download with its own RSA-2048 signature: no result can be reused.
fn distinct_signatures(lines: usize) {
    let dir = scratch("replay-bench-distinct");
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem"
    ))
    .expect("demo key");
    let key = PrivateKey::from_pem(&pem).expect("demo key");
    let mut text = format!("#Version: 1.0\n#Fields: {}\n", DOCUMENTED_FIELDS.join(" "));
    for i in 0..lines {
        let path = format!("/private/file-{i}.bin");
        let url = format!("https://{}{path}", replay_support::HOST);
        let signed = sign_url(
            &SignOptions {
                url: &url,
                key_pair_id: "K2JCJMDEHXQW5F",
                date_less_than: replay_support::DAY + 86_400,
                date_greater_than: None,
                ip_address: None,
                policy_resource: None,
                hash: HashAlgorithm::Sha1,
            },
            &key,
        )
        .expect("signs");
        let query = signed.split_once('?').map(|(_, q)| q).unwrap_or("");
        let seconds = i * 86_400 / lines;
        let values: Vec<String> = DOCUMENTED_FIELDS
            .iter()
            .map(|f| match *f {
                "date" => "2026-01-01".into(),
                "time" => format!(
                    "{:02}:{:02}:{:02}",
                    seconds / 3600,
                    seconds / 60 % 60,
                    seconds % 60
                ),
                "c-ip" => "198.51.100.7".into(),
                "cs-method" => "GET".into(),
                "cs(Host)" => replay_support::DISTRIBUTION.into(),
                "x-host-header" => replay_support::HOST.into(),
                "cs-uri-stem" => encode_value(path.as_bytes()),
                "cs-uri-query" => encode_value(query.as_bytes()),
                "sc-status" => "200".into(),
                _ => "-".into(),
            })
            .collect();
        text.push_str(&values.join("\t"));
        text.push('\n');
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(text.as_bytes()).expect("in memory");
    let bytes = gz.finish().expect("in memory");
    std::fs::write(dir.join("distinct.gz"), &bytes).expect("write");
    measure("distinct-rsa", &dir, lines, bytes.len() as u64);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this as a smoke test.
    let benchmarking = args.iter().any(|a| a == "--bench");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let (lines, distinct) = if benchmarking {
        (1_000_000, 5_000)
    } else {
        (500, 5)
    };
    if wanted("day") {
        typical_day(env_count("REPLAY_LINES", lines));
    }
    if wanted("distinct") {
        distinct_signatures(env_count("REPLAY_DISTINCT", distinct));
    }
}
