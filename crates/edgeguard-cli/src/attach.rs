//! `edgeguard attach`: the guard's viewer-request association on behaviors of an existing
//! distribution, from `aws cloudfront get-distribution-config` output. The logic is
//! `edgeguard::adopt::distribution`.

use edgeguard::adopt::distribution::{self, AttachOptions, EdgeFunction};
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `edgeguard attach`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("function").required(true).args(["lambda_arn", "function_arn"])))]
pub struct Args {
    /// The output of `aws cloudfront get-distribution-config --id ID` (ETag and DistributionConfig).
    #[arg(long)]
    distribution_config: PathBuf,
    /// Behaviors to guard: `default` and/or path patterns, comma-separated (`default,/images/*`).
    #[arg(long)]
    behaviors: String,
    /// A numbered Lambda@Edge version ARN (us-east-1), e.g. the GuardFunctionVersionArn output.
    #[arg(long)]
    lambda_arn: Option<String>,
    /// A CloudFront Function ARN (the `edgeguard cff` variant, published to LIVE).
    #[arg(long)]
    function_arn: Option<String>,
    /// Replace an existing viewer-request association instead of refusing.
    #[arg(long)]
    replace: bool,
    /// Write the updated DistributionConfig here instead of to stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The distribution ID, to print a ready-to-run update command.
    #[arg(long)]
    id: Option<String>,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let function = match (&args.lambda_arn, &args.function_arn) {
        (Some(arn), None) => EdgeFunction::lambda(arn),
        (None, Some(arn)) => EdgeFunction::cloudfront_function(arn),
        _ => return Err("give exactly one of --lambda-arn and --function-arn".into()),
    }
    .map_err(|e| e.to_string())?;
    let behaviors = distribution::parse_behaviors(&args.behaviors).map_err(|e| e.to_string())?;
    let path = &args.distribution_config;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let options = AttachOptions {
        behaviors,
        function,
        replace: args.replace,
    };
    let attached =
        distribution::attach(&text, &options).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = match &args.out {
        Some(out) => {
            std::fs::write(out, attached.config_json())
                .map_err(|e| format!("{}: {e}", out.display()))?;
            out.display().to_string()
        }
        None => {
            print!("{}", attached.config_json());
            "updated.json".to_string()
        }
    };
    for note in &attached.notes {
        eprintln!("edgeguard attach: {note}");
    }
    let after = match options.function {
        EdgeFunction::LambdaEdge(_) => "Lambda@Edge replicates the function to the edge locations in a few minutes after the update",
        EdgeFunction::CloudFrontFunction(_) => "the CloudFront Function must be published (LIVE stage) before the update",
    };
    eprintln!("edgeguard attach: {after}. Apply with:");
    eprintln!(
        "{}",
        distribution::update_command(args.id.as_deref(), &attached.etag, &file)
    );
    Ok(ExitCode::SUCCESS)
}
