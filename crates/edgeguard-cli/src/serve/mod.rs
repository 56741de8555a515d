//! `edgeguard serve`: a local CloudFront-style edge. Each HTTP request becomes the viewer-request
//! event CloudFront would build, goes through the same `Guard`, and is either answered with the
//! generated response or served from the origin (a directory or an upstream HTTP server).
//!
//! Prints `listening on http://ADDR` on stdout once bound (tests read it), one JSON access-log
//! line per request on stderr, and exits 0 after finishing in-flight requests on SIGINT/SIGTERM.

mod files;
#[cfg(test)]
mod served_paths;
mod upstream;

use crate::now_or;
use edgeguard::cloudfront::{self, HandlerResult};
use edgeguard::config;
use edgeguard::guard::Responded;
use edgeguard::http_event::{viewer_request, HttpRequestParts};
use edgeguard::{Decision, Guard, Verdict};
use files::DirOrigin;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use upstream::UpstreamOrigin;

/// Error type of response bodies (file reads, upstream streams).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Every response body the server sends: generated text, a file stream, or an upstream stream.
pub type ResponseBody = http_body_util::combinators::BoxBody<Bytes, BoxError>;

/// How long in-flight requests may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Slow-header guard: a client must send its request head within this time.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Flags of `edgeguard serve`.
#[derive(clap::Args)]
pub struct Args {
    /// The TOML config file.
    #[arg(long)]
    config: PathBuf,
    /// A directory to serve files from, or an `http://host:port[/prefix]` upstream.
    #[arg(long)]
    origin: String,
    /// Address to listen on; port 0 picks a free port (printed on startup).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Present this Host to the guard instead of the request's own (e.g. your distribution's
    /// domain, so that URLs signed for it verify locally).
    #[arg(long, value_name = "NAME")]
    host_header: Option<String>,
    /// Override the config's `scheme` (used to rebuild signed-URL resources), e.g. `http` to
    /// sign URLs for this local server.
    #[arg(long, value_parser = ["http", "https"])]
    scheme: Option<String>,
    /// Fixed clock in epoch seconds for signature checks (tests); default: the system clock.
    #[arg(long, allow_negative_numbers = true)]
    now: Option<i64>,
    /// Do not print access-log lines (for load tests).
    #[arg(long)]
    quiet: bool,
}

/// Where allowed requests go.
#[derive(Debug)]
enum Origin {
    Dir(DirOrigin),
    Upstream(UpstreamOrigin),
}

impl Origin {
    fn parse(value: &str) -> Result<Self, String> {
        if value.contains("://") {
            UpstreamOrigin::new(value).map(Origin::Upstream)
        } else {
            DirOrigin::new(value.as_ref()).map(Origin::Dir)
        }
    }

    fn describe(&self) -> String {
        match self {
            Origin::Dir(d) => format!("directory {}", d.root().display()),
            Origin::Upstream(u) => format!("http://{}", u.authority()),
        }
    }
}

/// What every connection shares.
struct State {
    guard: Guard,
    origin: Origin,
    host_header: Option<String>,
    now: Option<i64>,
    quiet: bool,
}

/// Runs the server until SIGINT/SIGTERM. Exit 2 on a config, origin or listen error.
pub fn run(args: Args) -> Result<ExitCode, String> {
    // `--scheme` overrides the file's value before the config is compiled (and validated).
    let scheme = args.scheme.clone();
    let (_, config) = config::load_file_with(&args.config, |raw| {
        if let Some(scheme) = scheme {
            raw.scheme = scheme;
        }
    })
    .map_err(|e| e.to_string())?;
    let state = Arc::new(State {
        guard: Guard::new(config),
        origin: Origin::parse(&args.origin)?,
        host_header: args.host_header,
        now: args.now,
        quiet: args.quiet,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(serve(state, args.listen, args.config))
}

async fn serve(state: Arc<State>, listen: SocketAddr, config: PathBuf) -> Result<ExitCode, String> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {listen}: address already in use (another server holds the port; \
             pick another with --listen)"
        ),
            _ => format!("cannot listen on {listen}: {e}"),
        })?;
    let mut shutdown = std::pin::pin!(shutdown_signal()?);
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    println!(
        "edgeguard serve: listening on http://{local} (config {}, origin {})",
        config.display(),
        state.origin.describe()
    );
    let _ = std::io::stdout().flush();

    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    let service = service_fn(move |req| handle(state.clone(), req, peer));
                    let connection = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(HEADER_READ_TIMEOUT)
                        .serve_connection(TokioIo::new(stream), service);
                    let connection = graceful.watch(connection);
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
                Err(e) => {
                    // Usually EMFILE under load: back off instead of spinning.
                    eprintln!("edgeguard serve: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            signal = &mut shutdown => {
                eprintln!("edgeguard serve: {signal}, finishing in-flight requests");
                break;
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => eprintln!("edgeguard serve: stopped"),
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            eprintln!("edgeguard serve: in-flight requests still running after {SHUTDOWN_GRACE:?}, stopping anyway");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves with the signal's name on SIGINT or SIGTERM. Installed before the address is printed
/// so that a signal sent right after startup is never lost.
fn shutdown_signal() -> Result<impl std::future::Future<Output = &'static str>, String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    })
}

/// One request: event, decision, origin or generated response, access-log line.
async fn handle(
    state: Arc<State>,
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
) -> Result<Response<ResponseBody>, Infallible> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let client_ip = peer.ip().to_canonical().to_string();
    let event = viewer_request(
        HttpRequestParts {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            client_ip: &client_ip,
            host_override: state.host_header.as_deref(),
        },
        parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    );
    let Responded {
        verdict,
        result,
        query_stripped,
    } = state.guard.respond_detailed(event, now_or(state.now));
    let response = match result {
        HandlerResult::Response(generated) => {
            generated_response(state.guard.config().deny_status, &generated)
        }
        HandlerResult::Request(allowed) => match &state.origin {
            Origin::Dir(dir) => dir.serve(&allowed).await,
            Origin::Upstream(up) => up.serve(&allowed, query_stripped, body).await,
        },
    };
    if !state.quiet {
        access_log(&parts, &verdict, response.status(), started.elapsed());
    }
    Ok(response)
}

/// The generated response (the config's deny, whose typed status is `status`) as CloudFront
/// would send it. A response CloudFront would reject (status outside 200-599, invalid header,
/// base64 body we cannot decode) becomes a 502, as at the edge.
fn generated_response(status: u16, generated: &cloudfront::Response) -> Response<ResponseBody> {
    let status = Some(status)
        .filter(|s| (200..=599).contains(s))
        .and_then(|s| StatusCode::from_u16(s).ok());
    let Some(status) = status else {
        return text_response(StatusCode::BAD_GATEWAY, "Bad Gateway\n");
    };
    if generated.body_encoding.as_deref() == Some("base64") {
        return text_response(StatusCode::BAD_GATEWAY, "Bad Gateway\n");
    }
    let body = generated.body.clone().unwrap_or_default();
    let mut response = Response::new(full_body(body));
    *response.status_mut() = status;
    for (name, values) in &generated.headers {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            return text_response(StatusCode::BAD_GATEWAY, "Bad Gateway\n");
        };
        for header in values {
            let Ok(value) = HeaderValue::from_str(&header.value) else {
                return text_response(StatusCode::BAD_GATEWAY, "Bad Gateway\n");
            };
            response.headers_mut().append(name.clone(), value);
        }
    }
    response
}

/// One JSON line on stderr: method, uri, status, decision, reason, rule, latency (µs, until the
/// response head is ready; bodies stream afterwards), client. `decision` is `would_deny` for
/// a deny in report mode (the request was served).
fn access_log(
    parts: &hyper::http::request::Parts,
    verdict: &Verdict,
    status: StatusCode,
    latency: Duration,
) {
    let label = verdict.label().code();
    let (reason, rule) = match verdict.decision {
        Decision::Allow { rule, .. } => (None, Some(rule)),
        Decision::Deny { rule, reason } => (Some(reason.code()), rule),
    };
    let uri = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |p| p.as_str().to_string());
    let line = json!({
        "method": parts.method.as_str(),
        "uri": uri,
        "status": status.as_u16(),
        "decision": label,
        "reason": reason,
        "rule": rule,
        "latency_us": u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
    });
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A small plain-text response for origin-side errors (404, 502, ...), never cached.
pub fn text_response(status: StatusCode, body: &'static str) -> Response<ResponseBody> {
    let mut response = Response::new(full_body(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    response
}

fn full_body(body: impl Into<Bytes>) -> ResponseBody {
    Full::new(body.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A body with no bytes (HEAD responses).
pub fn empty_body() -> ResponseBody {
    Empty::new().map_err(|never| match never {}).boxed()
}
