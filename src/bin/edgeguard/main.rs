//! `edgeguard`: decide synthetic requests and sample events, validate configs, and (with later
//! subcommands) sign URLs and build edge artefacts. A thin adapter over the library.

mod cff;
mod check;
mod invoke;
mod keygen;
mod serve;
mod sign;

use clap::{Parser, Subcommand};
use edgeguard::{config, Config, RawConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "edgeguard",
    version,
    about = "CloudFront viewer-request guard: Referer allow-lists and signed URL/cookie verification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide a synthetic GET of a URL. Exit 0 allow, 1 deny, 2 usage or config error.
    Check(check::Args),
    /// Run the handler on a Lambda@Edge event file and print its return value.
    Invoke(invoke::Args),
    /// Run a local CloudFront-style edge in front of a directory or an HTTP origin.
    Serve(serve::Args),
    /// Validate or compile a config file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a CloudFront signed URL (flags and output of `aws cloudfront sign`).
    Sign(sign::Args),
    /// Print CloudFront signed cookies, one Set-Cookie value per line.
    SignCookies(sign::Args),
    /// Generate a key pair for signed URLs (private key 0600, public key PEM to upload).
    Keygen(keygen::Args),
    /// Generate the CloudFront Functions (cloudfront-js-2.0) guard from a config. Exit 2 when it
    /// would exceed 10 KB or the config needs something CloudFront Functions cannot do.
    Cff(cff::Args),
    /// Decide one JSON request per stdin line (differential tests).
    #[command(hide = true)]
    DecideBatch(cff::BatchArgs),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a config and print a one-line summary. Exit 0 valid, 2 invalid.
    Check {
        /// The TOML config file.
        file: PathBuf,
    },
    /// Print the compiled JSON form (key files inlined) that edge bundles embed.
    Compile {
        /// The TOML config file.
        file: PathBuf,
    },
    /// Print the SHA-256 (hex) of what `config compile` prints: the digest an edge bundle records
    /// in manifest.json, so tools can refuse a bundle built from another config.
    Digest {
        /// The TOML config file.
        file: PathBuf,
    },
}

/// Exit code for usage and config errors.
pub const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Invoke(args) => invoke::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Cff(args) => cff::run(args),
        Command::DecideBatch(args) => cff::run_batch(args),
        Command::Config(ConfigCommand::Check { file }) => config_check(&file),
        Command::Config(ConfigCommand::Compile { file }) => config_compile(&file),
        Command::Config(ConfigCommand::Digest { file }) => config_digest(&file),
        Command::Sign(args) => sign::run_url(args),
        Command::SignCookies(args) => sign::run_cookies(args),
        Command::Keygen(args) => keygen::run(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("edgeguard: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Loads a config file or returns the error text.
pub fn load_config(path: &Path) -> Result<(RawConfig, Config), String> {
    config::load_file(path).map_err(|e| e.to_string())
}

/// `--now` if given, else the system clock.
pub fn now_or(flag: Option<i64>) -> i64 {
    flag.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    })
}

fn config_check(file: &Path) -> Result<ExitCode, String> {
    let (_, config) = load_config(file)?;
    let signed = config
        .rules
        .iter()
        .filter(|r| r.signature != config::SignatureMode::Off)
        .count();
    println!(
        "{}: ok: {} rule(s) ({} checking signatures), {} key(s), scheme {}, deny {}",
        file.display(),
        config.rules.len(),
        signed,
        config.keys.len(),
        config.scheme,
        config.deny.status
    );
    Ok(ExitCode::SUCCESS)
}

/// The compiled config exactly as `config compile` prints it (JSON and a newline), the bytes of
/// an edge bundle's config.json.
fn compiled_config(file: &Path) -> Result<String, String> {
    let (raw, _) = load_config(file)?;
    let json = serde_json::to_string(&raw).map_err(|e| e.to_string())?;
    Ok(format!("{json}\n"))
}

fn config_compile(file: &Path) -> Result<ExitCode, String> {
    print!("{}", compiled_config(file)?);
    Ok(ExitCode::SUCCESS)
}

/// The one definition of a config's digest: SHA-256 over the compiled config's bytes, in hex.
fn config_digest(file: &Path) -> Result<ExitCode, String> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(compiled_config(file)?.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    println!("{hex}");
    Ok(ExitCode::SUCCESS)
}
