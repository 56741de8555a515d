//! `edgeguard keygen`: a key pair for CloudFront signed URLs: the private key (PKCS#8 PEM,
//! mode 0600) to sign with, and the public key (SPKI PEM) to upload to CloudFront and to name
//! in `[keys]`. The only place edgeguard uses random numbers (the operating system's RNG).

use edgeguard::signed::PrivateKey;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Flags of `edgeguard keygen`.
#[derive(clap::Args)]
pub struct Args {
    /// rsa (2048-bit, what CloudFront accepts) or ecdsa (P-256: shorter URLs).
    #[arg(long, value_parser = ["rsa", "ecdsa"])]
    algorithm: String,
    /// Directory to write `<name>.private.pem` and `<name>.pem` into (created if missing).
    #[arg(long)]
    out_dir: PathBuf,
    /// File name stem; use the CloudFront public key ID once you have it.
    #[arg(long, default_value = "cloudfront-key")]
    name: String,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    if args.name.is_empty() || args.name.contains(['/', '\\']) || args.name.starts_with('.') {
        return Err(format!("--name {:?} must be a plain file name", args.name));
    }
    let key = generate(&args.algorithm)?;
    let private_pem = key.to_pkcs8_pem().map_err(|e| e.to_string())?;
    let public_pem = key.to_public_pem().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| format!("--out-dir {}: {e}", args.out_dir.display()))?;
    let private_path = args.out_dir.join(format!("{}.private.pem", args.name));
    let public_path = args.out_dir.join(format!("{}.pem", args.name));
    for path in [&private_path, &public_path] {
        if path.exists() {
            return Err(format!(
                "{} exists; refusing to overwrite a key",
                path.display()
            ));
        }
    }
    write_new(&private_path, &private_pem, 0o600)?;
    write_new(&public_path, &public_pem, 0o644)?;
    println!(
        "private key (keep secret, mode 0600): {}",
        private_path.display()
    );
    println!(
        "public key (upload to CloudFront, add to [keys]): {}",
        public_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn generate(algorithm: &str) -> Result<PrivateKey, String> {
    let mut rng = getrandom::SysRng;
    match algorithm {
        "rsa" => rsa::PrivateKey::new(&mut rng, 2048)
            .map(PrivateKey::from_rsa)
            .map_err(|e| format!("RSA key generation failed: {e}")),
        _ => {
            use rsa::Generate;
            p256::ecdsa::SigningKey::try_generate_from_rng(&mut rng)
                .map(PrivateKey::from_p256)
                .map_err(|e| format!("ECDSA key generation failed: {e}"))
        }
    }
}

/// Creates `path` (never overwriting) with `mode` from the start, so a private key is never
/// readable by others, not even briefly.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}
