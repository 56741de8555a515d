//! `edgeguard`: decide synthetic requests and sample events, validate configs, and (with later
//! subcommands) sign URLs and build edge artefacts. A thin adapter over the library.

mod attach;
mod cff;
mod check;
mod invoke;
mod keygen;
mod migrate;
mod replay;
mod serve;
mod sign;

use clap::{Parser, Subcommand};
use edgeguard::{config, demo_keys, Config, RawConfig};
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
    /// Decide a synthetic GET of a URL. Exit 0 allow (or would deny, in report mode: the
    /// request goes on), 1 deny, 2 usage or config error.
    Check(check::Args),
    /// Run the handler on a Lambda@Edge event file and print its return value.
    Invoke(invoke::Args),
    /// Decide every request of CloudFront standard access logs with a config and report what it
    /// would deny (per rule and reason, top hosts and paths, served then but denied now).
    Replay(replay::Args),
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
    /// would exceed 10 KB, the config needs something CloudFront Functions cannot do, or it
    /// trusts a demo key (unless --allow-demo-keys).
    Cff(cff::Args),
    /// Translate an S3 bucket policy's aws:Referer conditions into guard.toml rules, write the
    /// policy without them, and report where edgeguard decides differently from IAM.
    Migrate(migrate::Args),
    /// Attach the guard to behaviors of an existing distribution (offline: reads the output of
    /// `aws cloudfront get-distribution-config`, writes the config for `update-distribution`).
    Attach(attach::Args),
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
    /// Print the bundle config: the JSON form (key files inlined) that edge bundles embed as
    /// config.json. Exit 2 when the config trusts a demo key (its private half is in the edgeguard repository).
    Compile {
        /// The TOML config file.
        file: PathBuf,
        /// Build a demo: accept demo keys (see `edgeguard keygen` for a real one).
        #[arg(long)]
        allow_demo_keys: bool,
    },
    /// Print the SHA-256 (hex) of what `config compile` prints: the digest an edge bundle records
    /// in manifest.json, so tools can refuse a bundle built from another config.
    Digest {
        /// The TOML config file.
        file: PathBuf,
    },
    /// Print the cargo features of the edge bundle's wasm (crate edgeguard-wasm) this config
    /// needs, comma-separated (empty when none): `make package` builds exactly these, so the
    /// module carries nothing the config does not use (`regex` only for `~REGEX` patterns).
    EdgeFeatures {
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
        Command::Replay(args) => replay::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Cff(args) => cff::run(args),
        Command::DecideBatch(args) => cff::run_batch(args),
        Command::Config(ConfigCommand::Check { file }) => config_check(&file),
        Command::Config(ConfigCommand::Compile {
            file,
            allow_demo_keys,
        }) => config_compile(&file, allow_demo_keys),
        Command::Config(ConfigCommand::Digest { file }) => config_digest(&file),
        Command::Config(ConfigCommand::EdgeFeatures { file }) => config_edge_features(&file),
        Command::Sign(args) => sign::run_url(args),
        Command::SignCookies(args) => sign::run_cookies(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Attach(args) => attach::run(args),
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

/// What build commands (artefacts that reach the edge) run after loading a config: an error
/// when it trusts a demo key, unless `allow_demo_keys` marks the build as a demo; then only a
/// warning on stderr.
pub fn refuse_demo_keys(file: &Path, config: &Config, allow_demo_keys: bool) -> Result<(), String> {
    match demo_keys::refuse_demo_keys(config) {
        Ok(()) => Ok(()),
        Err(found) if allow_demo_keys => {
            eprintln!("{}", demo_build_warning(file, &found));
            Ok(())
        }
        Err(found) => Err(format!("{}: {found}", file.display())),
    }
}

/// Warns (stderr) that a config trusts demo keys; local commands still run on it.
pub fn warn_demo_keys(file: &Path, config: &Config) {
    if let Err(found) = demo_keys::refuse_demo_keys(config) {
        eprintln!(
            "edgeguard: warning: {}: {}; build commands refuse it",
            file.display(),
            demo_key_summary(&found)
        );
    }
}

fn demo_build_warning(file: &Path, found: &demo_keys::DemoKeysTrusted) -> String {
    format!(
        "edgeguard: demo build (--allow-demo-keys): {}: {}; never deploy it",
        file.display(),
        demo_key_summary(found)
    )
}

fn demo_key_summary(found: &demo_keys::DemoKeysTrusted) -> String {
    let ids: Vec<&str> = found.0.iter().map(|k| k.key_id.as_str()).collect();
    format!(
        "trusts demo key(s) {} whose private halves are public (tests/fixtures/keys/)",
        ids.join(", ")
    )
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

/// The clock in epoch milliseconds (log timestamps): `--now` seconds at `.000`, else the
/// system clock.
pub fn now_ms_or(flag: Option<i64>) -> i64 {
    match flag {
        Some(seconds) => seconds.saturating_mul(1000),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0),
    }
}

fn config_check(file: &Path) -> Result<ExitCode, String> {
    let (_, config) = load_config(file)?;
    warn_demo_keys(file, &config);
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
        config.deny_status
    );
    Ok(ExitCode::SUCCESS)
}

/// The bundle config exactly as `config compile` prints it (JSON and a newline), the bytes of
/// an edge bundle's config.json.
fn bundle_config(file: &Path) -> Result<String, String> {
    let (raw, config) = load_config(file)?;
    let json = serde_json::to_string(&raw.with_spki_keys(&config)).map_err(|e| e.to_string())?;
    Ok(format!("{json}\n"))
}

fn config_compile(file: &Path, allow_demo_keys: bool) -> Result<ExitCode, String> {
    let (_, config) = load_config(file)?;
    refuse_demo_keys(file, &config, allow_demo_keys)?;
    print!("{}", bundle_config(file)?);
    Ok(ExitCode::SUCCESS)
}

fn config_edge_features(file: &Path) -> Result<ExitCode, String> {
    let (_, config) = load_config(file)?;
    println!("{}", config.edge_features().join(","));
    Ok(ExitCode::SUCCESS)
}

/// The one definition of a config's digest: SHA-256 over the bundle config's bytes, in hex.
fn config_digest(file: &Path) -> Result<ExitCode, String> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bundle_config(file)?.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    println!("{hex}");
    Ok(ExitCode::SUCCESS)
}
