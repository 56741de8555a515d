//! The native `bootstrap` against a minimal Lambda Runtime API served on loopback: it must
//! answer each invocation with the same result as the library and log one JSON line per deny.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

struct HttpRequest {
    method: String,
    path: String,
    body: String,
}

fn read_request(stream: &mut TcpStream) -> HttpRequest {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    HttpRequest {
        method,
        path,
        body: String::from_utf8(body).unwrap(),
    }
}

fn respond(stream: &mut TcpStream, headers: &str, body: &str) {
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
}

/// Serves `events` one by one and returns the bodies the bootstrap posted back.
fn run_bootstrap(events: &[String]) -> (Vec<String>, String) {
    run_bootstrap_with("guard.toml", events)
}

/// Like [`run_bootstrap`] with `$EDGEGUARD_CONFIG` set to `config`.
fn run_bootstrap_with(config: &str, events: &[String]) -> (Vec<String>, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .env("AWS_LAMBDA_RUNTIME_API", &address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "edgeguard-test")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
        .env("EDGEGUARD_CONFIG", config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut responses = Vec::new();
    let mut next = 0;
    while responses.len() < events.len() {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let request = read_request(&mut stream);
        if request.method == "GET" && request.path.ends_with("/invocation/next") {
            let headers = format!(
                "Lambda-Runtime-Aws-Request-Id: req-{next}\r\nLambda-Runtime-Deadline-Ms: 9999999999999\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:edgeguard-test:1\r\n"
            );
            respond(&mut stream, &headers, &events[next]);
            next += 1;
        } else if request.method == "POST" && request.path.ends_with("/response") {
            responses.push(request.body);
            respond(&mut stream, "", "{}");
        } else {
            respond(&mut stream, "", "{}");
        }
    }
    child.kill().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let _ = child.wait();
    (responses, stdout)
}

#[test]
fn bootstrap_returns_the_request_on_allow_and_the_deny_response_on_deny() {
    let allowed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/referer-allowed.json"
    ))
    .unwrap();
    let foreign = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/referer-foreign.json"
    ))
    .unwrap();
    let (responses, stdout) = run_bootstrap(&[allowed.clone(), foreign]);

    let first: serde_json::Value = serde_json::from_str(&responses[0]).unwrap();
    let event: serde_json::Value = serde_json::from_str(&allowed).unwrap();
    assert_eq!(first, event["Records"][0]["cf"]["request"]);

    let second: serde_json::Value = serde_json::from_str(&responses[1]).unwrap();
    assert_eq!(second["status"], "403");

    let denies: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["decision"] == "deny")
        .collect();
    assert_eq!(denies.len(), 1, "{stdout}");
    assert_eq!(denies[0]["reason"], "referer_not_allowed");
    assert_eq!(denies[0]["uri"], "/images/cat.jpg");
    assert_eq!(denies[0]["requestId"], "edgeguard-sample-referer-foreign");
}

#[test]
fn bootstrap_denies_an_event_of_the_wrong_shape() {
    let (responses, stdout) = run_bootstrap(&["{\"hello\":\"world\"}".to_string()]);
    let response: serde_json::Value = serde_json::from_str(&responses[0]).unwrap();
    assert_eq!(response["status"], "403");
    assert!(stdout.contains("event_malformed"), "{stdout}");
}

#[test]
fn bootstrap_logs_which_field_a_malformed_event_lacks() {
    let sam = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/sam-generated-missing-querystring.json"
    ))
    .unwrap();
    let (responses, stdout) = run_bootstrap(&[sam]);
    let response: serde_json::Value = serde_json::from_str(&responses[0]).unwrap();
    assert_eq!(response["status"], "403");
    let deny: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["decision"] == "deny")
        .unwrap_or_else(|| panic!("no deny line in {stdout}"));
    assert_eq!(deny["reason"], "event_malformed");
    assert_eq!(
        deny["detail"],
        "Records[0].cf.request.querystring: missing field"
    );
    assert_eq!(deny["uri"], "/test");
}

#[test]
fn bootstrap_denies_a_dot_segment_path_before_choosing_a_rule() {
    let event = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/path-encoded-dot-segment.json"
    ))
    .unwrap();
    let (responses, stdout) = run_bootstrap(&[event]);
    let response: serde_json::Value = serde_json::from_str(&responses[0]).unwrap();
    assert_eq!(response["status"], "403");
    assert!(stdout.contains("path_not_normalized"), "{stdout}");
}

/// The repository root: the shipped config, keys and sample events live there.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[test]
fn bootstrap_in_report_mode_returns_the_request_and_logs_would_deny_with_emf() {
    let dir =
        std::env::temp_dir().join(format!("edgeguard-bootstrap-report-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    for key in ["K2JCJMDEHXQW5F.pem", "K3ECDSAP256DEMO.pem"] {
        std::fs::copy(format!("{ROOT}/keys/{key}"), dir.join("keys").join(key)).unwrap();
    }
    let config = dir.join("guard.toml");
    let shipped = std::fs::read_to_string(format!("{ROOT}/guard.toml")).unwrap();
    std::fs::write(&config, format!("mode = \"report\"\n{shipped}")).unwrap();
    let foreign = std::fs::read_to_string(format!("{ROOT}/events/referer-foreign.json")).unwrap();
    let (responses, stdout) =
        run_bootstrap_with(config.to_str().unwrap(), std::slice::from_ref(&foreign));

    let response: serde_json::Value = serde_json::from_str(&responses[0]).unwrap();
    let event: serde_json::Value = serde_json::from_str(&foreign).unwrap();
    assert_eq!(response, event["Records"][0]["cf"]["request"]);
    let line: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["decision"] == "would_deny")
        .unwrap_or_else(|| panic!("no would_deny line in {stdout}"));
    assert_eq!(line["reason"], "referer_not_allowed");
    assert_eq!(line["rule"], 1);
    assert_eq!(line["WouldDeny"], 1);
    assert!(line["_aws"]["Timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bootstrap_deny_lines_carry_the_emf_denied_metric() {
    let foreign = std::fs::read_to_string(format!("{ROOT}/events/referer-foreign.json")).unwrap();
    let (_, stdout) = run_bootstrap(&[foreign]);
    let line: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["decision"] == "deny")
        .unwrap_or_else(|| panic!("no deny line in {stdout}"));
    assert_eq!(line["Denied"], 1);
    assert_eq!(line["Reason"], "referer_not_allowed");
    assert_eq!(line["Rule"], "1");
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "edgeguard"
    );
}
