//! Shared helpers for the `edgeguard serve` tests: start the real binary on a free loopback port,
//! talk plain HTTP/1.1 to it over a `TcpStream`, and run tiny origin servers. Every wait is
//! bounded so a broken server fails a test instead of hanging CI.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Longest any single step (startup, a request, shutdown) may take.
pub const STEP: Duration = Duration::from_secs(10);

/// A fresh scratch directory in the system temp dir, removed with everything in it (symlinks
/// removed, never followed) when dropped, so no test leaves files behind: a symlink loop left in
/// `target/` once broke `sam build`, which walks the source tree.
pub struct Scratch(tempfile::TempDir);

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// A new, empty [`Scratch`] directory named after the test.
pub fn scratch(name: &str) -> Scratch {
    let dir = tempfile::Builder::new()
        .prefix(&format!("edgeguard-serve-{name}-"))
        .tempdir()
        .unwrap();
    Scratch(dir)
}

/// The config the serve tests use: images need an example.com Referer, /open/* is public,
/// /private/* requires a signature (demo key K2JCJMDEHXQW5F), anything else matches no rule.
pub const CONFIG: &str = r#"
scheme = "https"

[keys]
K2JCJMDEHXQW5F = { pem_file = "@KEYS@/K2JCJMDEHXQW5F.pem" }

[[rules]]
paths = ["/images/*"]
referer = { allow = ["example.com", "*.example.com"], missing = "deny" }
signature = "off"

[[rules]]
paths = ["/open/*"]
signature = "off"

[[rules]]
paths = ["/private/*"]
signature = "required"

[deny]
status = 403
body = "Hotlinking denied"
content_type = "text/plain; charset=utf-8"
"#;

/// Writes `CONFIG` into `dir` and returns its path.
pub fn write_config(dir: &Path) -> PathBuf {
    let path = dir.join("guard.toml");
    let keys = concat!(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."), "/keys");
    std::fs::write(&path, CONFIG.replace("@KEYS@", keys)).unwrap();
    path
}

/// The example config printed in the README's "Configuration" section (`/images/*` and
/// `/media/*` need an example.com Referer, `/*` is open), written into `dir` with its key path
/// made absolute; returns the config's path.
pub fn write_readme_config(dir: &Path) -> PathBuf {
    let readme = std::fs::read_to_string(concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        "/README.md"
    ))
    .unwrap();
    let section = &readme[readme.find("## Configuration (`guard.toml`)").unwrap()..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let toml = &section[start..start + section[start..].find("```").unwrap()];
    let keys = concat!(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."), "/keys/");
    let path = dir.join("readme-guard.toml");
    std::fs::write(&path, toml.replace("\"keys/", &format!("\"{keys}"))).unwrap();
    path
}

/// A running `edgeguard serve`, killed on drop.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`
    pub addr: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `edgeguard serve --config CONFIG --origin ORIGIN --listen 127.0.0.1:0 EXTRA...` and
    /// waits for its "listening on" line.
    pub fn start(config: &Path, origin: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_edgeguard"))
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .args(["serve", "--config"])
            .arg(config)
            .args(["--origin", origin, "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = collect_lines(child.stderr.take().unwrap());
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(STEP) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "server printed no address; stderr: {:?}",
                    stderr.lock().unwrap()
                );
            }
        };
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| {
                panic!(
                    "no address in startup line {line:?}; stderr: {:?}",
                    stderr.lock().unwrap()
                )
            })
            .to_string();
        Server {
            child,
            addr,
            stderr,
        }
    }

    /// `GET path` with extra headers.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
        request(&self.addr, "GET", path, headers, b"")
    }

    /// Lines the server wrote to stderr so far (access log and diagnostics).
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Access-log lines (JSON) seen so far.
    pub fn access_log(&self) -> Vec<serde_json::Value> {
        self.stderr_lines()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Sends a signal by name (`TERM`, `INT`) with the system `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        wait_bounded(&mut self.child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a child for at most `STEP`, killing it (and failing) if it does not exit.
pub fn wait_bounded(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + STEP;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("process did not exit within {STEP:?}");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Collects a pipe's lines in the background.
pub fn collect_lines(pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request with `Connection: close`; the target is sent byte for byte (no
/// normalisation, so traversal attempts reach the server as written).
pub fn request(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(STEP)).unwrap();
    stream.set_write_timeout(Some(STEP)).unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head_only: bool) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked && !head_only {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// What a test origin saw: the raw request head and body of each request.
pub type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A tiny HTTP origin on a free loopback port that records every request and answers 200 with
/// `x-origin: echo` after `delay`, echoing the request head in the body.
pub fn echo_origin(delay: Duration) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let record = record.clone();
            thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(STEP));
                // One request per connection is enough for these tests.
                let mut buf = Vec::new();
                let mut byte = [0u8; 1];
                while !buf.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut byte) {
                        Ok(1) => buf.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let length: usize = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0u8; length];
                let _ = stream.read_exact(&mut body);
                record.lock().unwrap().push((head.clone(), body.clone()));
                thread::sleep(delay);
                let mut reply = head.into_bytes();
                reply.extend_from_slice(&body);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Origin: echo\r\nKeep-Alive: timeout=5\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.len()
                );
                let _ = stream.write_all(answer.as_bytes());
                let _ = stream.write_all(&reply);
            });
        }
    });
    (addr, seen)
}
