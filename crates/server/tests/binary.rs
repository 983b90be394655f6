//! The real `satsuma serve` binary with its embedded SFU: join a room, create an SFU session
//! through the proxy, and shut down cleanly on SIGTERM (sockets closed with 1001).
#![cfg(unix)]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Kills the child if the test fails midway.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn serve_embedded_sfu_and_sigterm() {
    let dist = temp_dist();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_satsuma"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--dist")
        .arg(dist.path())
        .env_remove("CALLS_APP_ID")
        .env_remove("CALLS_APP_SECRET")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let http = reqwest::Client::builder().timeout(T).build().unwrap();
    let started = Instant::now();
    loop {
        if http.get(format!("http://{addr}/healthz")).send().await.is_ok() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "satsuma serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut ws, welcome) = join(addr, "bin", "Ada").await;
    let token = welcome["token"].as_str().unwrap();
    let sid = create_session(&http, addr, token).await;
    assert_eq!(sid.len(), 32);
    let res = http.get(format!("http://{addr}/api/calls/sessions/{sid}")).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = http.get(format!("http://{addr}/api/turn")).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["iceServers"], serde_json::json!([]));

    let status = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert_eq!(recv_close(&mut ws).await, Some(1001));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "satsuma serve did not exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_token_key_comes_from_a_file_and_a_short_one_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let run = |key: &str| {
        let file = dir.path().join("token-key");
        std::fs::write(&file, key).unwrap();
        Command::new(env!("CARGO_BIN_EXE_satsuma"))
            .args(["serve", "--listen", "127.0.0.1:0", "--token-key-file"])
            .arg(&file)
            .arg("--dist")
            .arg(dir.path())
            .env_remove("SATSUMA_TOKEN_KEY")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
    };
    // A 31-byte key (its newline is not part of it) is refused with a clear word.
    let short = run(&format!("{}\n", "k".repeat(31))).unwrap();
    assert!(!short.status.success());
    let said = String::from_utf8_lossy(&short.stderr);
    assert!(said.contains("32"), "{said}");
    // Both forms at once are a usage error, not a silent choice.
    let both =
        Command::new(env!("CARGO_BIN_EXE_satsuma")).args(["serve", "--token-key", "x", "--token-key-file", "/dev/null"]).output().unwrap();
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"), "{}", String::from_utf8_lossy(&both.stderr));
}

/// `satsuma serve --data-dir DIR` on `port`, answering `/healthz`.
async fn serve_with_data(dir: &std::path::Path, dist: &std::path::Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_satsuma"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--dist")
        .arg(dist)
        .arg("--data-dir")
        .arg(dir)
        .env("SATSUMA_TOKEN_KEY", "a-fixed-token-key-of-at-least-32-bytes")
        .env_remove("CALLS_APP_ID")
        .env_remove("CALLS_APP_SECRET")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let http = reqwest::Client::builder().timeout(T).build().unwrap();
    let started = Instant::now();
    while http.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "satsuma serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

#[tokio::test]
async fn with_a_data_dir_a_kill_9_loses_no_one_and_no_chat() {
    let (data, dist) = (tempfile::tempdir().unwrap(), temp_dist());
    let port = free_port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut server = serve_with_data(data.path(), dist.path(), port).await;
    let (mut ada, welcome) = join(addr, "kept", "Ada").await;
    let (id, resume) = (welcome["participantId"].clone(), welcome["resumeToken"].as_str().unwrap().to_owned());
    send(&mut ada, serde_json::json!({"type": "update", "hand": true})).await;
    recv_type(&mut ada, "participantUpdated").await;
    send(&mut ada, serde_json::json!({"type": "chat", "text": "before the crash"})).await;
    recv_type(&mut ada, "chat").await;
    // The store commits off the rooms' lock, within milliseconds.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    drop(ada);

    let _server = serve_with_data(data.path(), dist.path(), port).await;
    let mut back = ws(addr, "kept").await;
    send(&mut back, serde_json::json!({"type": "join", "name": "Ada", "resumeToken": resume})).await;
    let welcome = recv_type(&mut back, "welcome").await;
    assert_eq!(welcome["participantId"], id, "Ada came back as someone else: {welcome}");
    let state = &welcome["state"];
    assert_eq!(state["chat"][0]["text"], "before the crash", "{state}");
    assert_eq!(state["participants"][0]["hand"], true, "{state}");
}
