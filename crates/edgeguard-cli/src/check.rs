//! `edgeguard check`: decide a synthetic GET, for trying rules from the shell.

use crate::{load_config, now_or};
use edgeguard::cloudfront::{HandlerResult, Request};
use edgeguard::http_event::{viewer_request, HttpRequestParts};
use edgeguard::{Decision, Guard, Label};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

/// Flags of `edgeguard check`.
#[derive(clap::Args)]
pub struct Args {
    /// The TOML config file.
    #[arg(long)]
    config: PathBuf,
    /// The URL requested (its host becomes the Host header).
    #[arg(long)]
    url: String,
    /// A Referer header; repeat for several headers.
    #[arg(long)]
    referer: Vec<String>,
    /// A Cookie header value, e.g. 'a=b; c=d'.
    #[arg(long)]
    cookie: Option<String>,
    /// The viewer IP.
    #[arg(long, default_value = "203.0.113.10")]
    client_ip: String,
    /// The clock, in epoch seconds.
    #[arg(long, allow_negative_numbers = true)]
    now: Option<i64>,
    /// Print one JSON line instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, String> {
    let (_, config) = load_config(&args.config)?;
    let guard = Guard::new(config);
    let request = synthetic_request(&args)?;
    let (verdict, result) = guard.respond(request, now_or(args.now));
    let status = match &result {
        HandlerResult::Response(_) => Some(guard.config().deny_status),
        HandlerResult::Request(_) => None,
    };
    let label = verdict.label();
    let (reason, rule) = match verdict.decision {
        Decision::Allow { rule, .. } => (None, Some(rule)),
        Decision::Deny { rule, reason } => (Some(reason.code()), rule),
    };
    if args.json {
        let forwarded = match &result {
            HandlerResult::Request(r) => Some(r.querystring.clone()),
            HandlerResult::Response(_) => None,
        };
        let mut line = json!({"decision": label, "reason": reason, "rule": rule});
        if let Some(s) = status {
            line["status"] = json!(s);
        }
        if let Some(q) = forwarded {
            line["querystring"] = json!(q);
        }
        println!("{line}");
    } else {
        match (label, reason, status) {
            (Label::Deny, Some(reason), Some(status)) => println!("deny ({reason}): {status}"),
            (Label::WouldDeny, Some(reason), _) => println!(
                "would deny ({reason}, {}): report mode, the request goes on",
                rule.map_or_else(|| "no rule".to_string(), |r| format!("rule {r}"))
            ),
            _ => println!("allow (rule {})", rule.unwrap_or(0)),
        }
    }
    // The exit status says what the edge does: a would-deny goes on (0).
    Ok(if verdict.passes() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn synthetic_request(args: &Args) -> Result<Request, String> {
    let url = url::Url::parse(&args.url).map_err(|e| format!("--url {}: {e}", args.url))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("--url {} has no host", args.url))?;
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    Ok(synthetic_get(
        url.path(),
        url.query().unwrap_or(""),
        &authority,
        &args.referer,
        args.cookie.as_deref(),
        &args.client_ip,
    ))
}

/// A GET as a browser would send it: Host, one Referer header per value, an optional Cookie.
/// Built by the same mapping `edgeguard serve` uses, so synthetic requests match real ones.
pub fn synthetic_get(
    path: &str,
    query: &str,
    host: &str,
    referers: &[String],
    cookie: Option<&str>,
    client_ip: &str,
) -> Request {
    let headers = std::iter::once(("Host", host.as_bytes()))
        .chain(referers.iter().map(|r| ("Referer", r.as_bytes())))
        .chain(cookie.map(|c| ("Cookie", c.as_bytes())));
    viewer_request(
        HttpRequestParts {
            method: "GET",
            path,
            query: Some(query),
            client_ip,
            host_override: None,
        },
        headers,
    )
}
