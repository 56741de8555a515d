//! `edgeguard migrate`: an S3 bucket policy's `aws:Referer` conditions to `guard.toml`, plus the
//! policy without them and a report. The translation is `edgeguard::adopt::bucket_policy`.

use edgeguard::adopt::bucket_policy;
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `edgeguard migrate`.
#[derive(clap::Args)]
pub struct Args {
    /// The bucket policy (JSON, as `aws s3api get-bucket-policy --query Policy --output text` prints it).
    #[arg(long)]
    bucket_policy: PathBuf,
    /// Write the generated guard.toml here instead of to stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the bucket policy without its aws:Referer conditions here.
    #[arg(long)]
    policy_out: Option<PathBuf>,
    /// Also write the report (printed on stderr) to this file.
    #[arg(long)]
    report: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let path = &args.bucket_policy;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let migration = bucket_policy::migrate(&text, &path.display().to_string())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut report: Vec<String> = migration.report.iter().map(|l| l.to_string()).collect();
    match &args.policy_out {
        Some(out) => std::fs::write(out, migration.policy_json())
            .map_err(|e| format!("{}: {e}", out.display()))?,
        None => report.push(
            "policy: note: the new bucket policy was not written (give --policy-out FILE)".into(),
        ),
    }
    match &args.out {
        Some(out) => std::fs::write(out, &migration.guard_toml)
            .map_err(|e| format!("{}: {e}", out.display()))?,
        None => print!("{}", migration.guard_toml),
    }
    for line in &report {
        eprintln!("edgeguard migrate: {line}");
    }
    if let Some(file) = &args.report {
        let mut text = report.join("\n");
        text.push('\n');
        std::fs::write(file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
