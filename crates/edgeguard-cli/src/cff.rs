//! `edgeguard cff`: generate the CloudFront Functions (cloudfront-js-2.0) guard from a config.
//! Also the hidden `decide-batch` used by the differential tests in tests/cff/.

use crate::{load_config, now_or, refuse_demo_keys};
use edgeguard::cff::{self, CffOptions};
use edgeguard::cloudfront::{HandlerResult, Request};
use edgeguard::{Guard, Reason};
use serde::Deserialize;
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `edgeguard cff`.
#[derive(clap::Args)]
pub struct Args {
    /// The TOML config file.
    #[arg(long)]
    config: PathBuf,
    /// Write the function here instead of to stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Read plain host patterns from the function's KeyValueStore instead of embedding them.
    #[arg(long)]
    kvs: bool,
    /// With --kvs: also write the KeyValueStore import file (JSON) for this config here.
    #[arg(long, requires = "kvs")]
    kvs_data: Option<PathBuf>,
    /// Build a demo: accept a config that trusts demo keys (their private halves are public).
    #[arg(long)]
    allow_demo_keys: bool,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let (_, config) = load_config(&args.config)?;
    refuse_demo_keys(&args.config, &config, args.allow_demo_keys)?;
    let function = cff::generate(&config, CffOptions { kvs: args.kvs })
        .map_err(|e| format!("{}: {e}", args.config.display()))?;
    for note in &function.notes {
        eprintln!("edgeguard cff: note: {note}");
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, &function.code).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => print!("{}", function.code),
    }
    if let Some(path) = &args.kvs_data {
        std::fs::write(path, function.kvs_import_json())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    eprintln!(
        "edgeguard cff: {} bytes of {} allowed{}",
        function.code.len(),
        cff::MAX_FUNCTION_BYTES,
        if args.kvs {
            format!(", {} KeyValueStore key(s)", function.kvs_keys.len())
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Flags of the hidden `edgeguard decide-batch`.
#[derive(clap::Args)]
pub struct BatchArgs {
    /// The TOML config file.
    #[arg(long)]
    config: PathBuf,
    /// The clock, in epoch seconds.
    #[arg(long, allow_negative_numbers = true)]
    now: Option<i64>,
}

/// One synthetic request per input line.
#[derive(Deserialize)]
struct BatchRequest {
    uri: String,
    #[serde(default)]
    querystring: String,
    #[serde(default)]
    referer: Vec<String>,
    #[serde(default)]
    cookie: Option<String>,
}

/// Decides one JSON request per stdin line (`{"uri":..,"referer":[..]}`) and prints one JSON
/// line each (`{"decision","reason","status"}`): thousands of decisions in one process.
pub fn run_batch(args: BatchArgs) -> Result<ExitCode, String> {
    let (_, config) = load_config(&args.config)?;
    let guard = Guard::new(config);
    let now = now_or(args.now);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let input: BatchRequest =
            serde_json::from_str(&line).map_err(|e| format!("stdin line {}: {e}", n + 1))?;
        let (verdict, result) = guard.respond(request(input), now);
        let status = match &result {
            HandlerResult::Response(_) => Some(guard.config().deny_status),
            HandlerResult::Request(_) => None,
        };
        let label = verdict.label().code();
        let reason = verdict.decision.reason().map(Reason::code);
        writeln!(
            out,
            "{}",
            json!({"decision": label, "reason": reason, "status": status})
        )
        .map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn request(input: BatchRequest) -> Request {
    crate::check::synthetic_get(
        &input.uri,
        &input.querystring,
        "d111111abcdef8.cloudfront.net",
        &input.referer,
        input.cookie.as_deref(),
        "203.0.113.10",
    )
}
