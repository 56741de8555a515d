//! `edgeguard serve` process behaviour: startup errors and graceful shutdown.

use crate::serve_support::{echo_origin, request, scratch, wait_bounded, write_config, Server};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn taken_port_exits_2_with_a_clear_error() {
    let dir = scratch("life-port");
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = holder.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["serve", "--config"])
        .arg(write_config(&dir))
        .args(["--origin", dir.to_str().unwrap(), "--listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_bounded(&mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains(&addr), "{stderr}");
    assert!(stderr.contains("address already in use"), "{stderr}");
}

#[test]
fn missing_origin_directory_exits_2() {
    let dir = scratch("life-origin");
    let output = Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(["serve", "--config"])
        .arg(write_config(&dir))
        .args([
            "--origin",
            dir.join("absent").to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("absent"));
}

#[test]
fn sigterm_finishes_the_in_flight_request_then_exits_0() {
    let dir = scratch("life-term");
    let (origin, _seen) = echo_origin(Duration::from_millis(700));
    let mut server = Server::start(&write_config(&dir), &format!("http://{origin}"), &[]);
    let addr = server.addr.clone();
    let in_flight = std::thread::spawn(move || request(&addr, "GET", "/open/slow", &[], b""));
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    let response = in_flight.join().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-origin"), Some("echo"));
    assert_eq!(server.wait_exit().code(), Some(0));
}

#[test]
fn sigint_exits_0() {
    let dir = scratch("life-int");
    let mut server = Server::start(&write_config(&dir), dir.to_str().unwrap(), &[]);
    assert_eq!(server.get("/open/x", &[]).status, 404);
    server.signal("INT");
    assert_eq!(server.wait_exit().code(), Some(0));
}

#[test]
fn no_new_connections_are_accepted_after_sigterm() {
    let dir = scratch("life-closed");
    let mut server = Server::start(&write_config(&dir), dir.to_str().unwrap(), &[]);
    let addr = server.addr.clone();
    server.signal("TERM");
    assert_eq!(server.wait_exit().code(), Some(0));
    assert!(std::net::TcpStream::connect(addr).is_err());
}
