//! `edgeguard invoke`: run the handler on an event file, exactly as Lambda@Edge would.

use crate::{load_config, now_ms_or, now_or};
use edgeguard::{handle_event_json, Guard};
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `edgeguard invoke`.
#[derive(clap::Args)]
pub struct Args {
    /// The TOML config file.
    #[arg(long)]
    config: PathBuf,
    /// The clock, in epoch seconds.
    #[arg(long, allow_negative_numbers = true)]
    now: Option<i64>,
    /// Also print the decision and reason to stderr.
    #[arg(long)]
    explain: bool,
    /// Print the whole outcome (decision, reason, rule, uri, requestId, result) instead of
    /// only the handler's return value.
    #[arg(long)]
    outcome: bool,
    /// The event JSON file.
    event: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let (_, config) = load_config(&args.config)?;
    let guard = Guard::new(config);
    let text = std::fs::read_to_string(&args.event)
        .map_err(|e| format!("{}: {e}", args.event.display()))?;
    let now = now_or(args.now);
    let now_ms = now_ms_or(args.now);
    let outcome = handle_event_json(&guard, &text, now)
        .map_err(|e| format!("{}: {e}", args.event.display()))?
        .logged(now_ms);
    if args.explain {
        eprintln!("{}", outcome.log_line(now_ms));
    }
    let json = if args.outcome {
        serde_json::to_string(&outcome)
    } else {
        serde_json::to_string(&outcome.result)
    }
    .map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}
