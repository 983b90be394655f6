//! `/api/turn`, and the leak test: with `CALLS_APP_SECRET` and `TURN_SERVICE_TOKEN` set to
//! sentinels, no byte of any response (the app's `dist/` included) contains them.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn turn_returns_cloudflare_ice_servers_without_port_53() {
    let dist = temp_dist();
    let app = start(Mode::Remote, test_limits(), Fake::default(), dist.path()).await;
    let (_a, wa) = join(app.addr, "turn", "Ada").await;
    let token = wa["token"].as_str().unwrap();
    let res = app.http.get(format!("http://{}/api/turn", app.addr)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app.http.get(format!("http://{}/api/turn", app.addr)).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"iceServers": [
            {"urls": ["stun:stun.cloudflare.com:3478"]},
            {"urls": ["turn:turn.cloudflare.com:3478?transport=udp", "turns:turn.cloudflare.com:443?transport=tcp"],
             "username": "user-hex", "credential": "cred-hex"}
        ]})
    );
    let reqs = app.fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].uri, "/v1/turn/keys/turn-key/credentials/generate-ice-servers");
    assert_eq!(reqs[0].authorization.as_deref(), Some(format!("Bearer {TURN_TOKEN}").as_str()));
    assert_eq!(serde_json::from_str::<Value>(&reqs[0].body).unwrap(), json!({"ttl": 3600}));
}

#[tokio::test]
async fn turn_without_a_key_returns_an_empty_list() {
    let dist = temp_dist();
    let addr = serve_app(dist.path(), satsuma_server::upstream::Upstream::Unavailable("none".into()), None).await;
    let (_a, wa) = join(addr, "noturn", "Ada").await;
    let res =
        reqwest::Client::new().get(format!("http://{addr}/api/turn")).bearer_auth(wa["token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"iceServers": []}));
}

/// The workspace's `dist/` when the app has been built, else a stand-in.
fn dist_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist");
    if real.join("index.html").is_file() {
        (real, None)
    } else {
        let tmp = temp_dist();
        (tmp.path().to_owned(), Some(tmp))
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn leaks(bytes: &[u8]) -> bool {
    [SECRET, TURN_TOKEN].iter().any(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
}

async fn collect(res: reqwest::Response, seen: &mut Vec<(String, Vec<u8>)>, what: String) {
    let mut bytes = format!("{:?}", res.headers()).into_bytes();
    bytes.extend_from_slice(&res.bytes().await.unwrap());
    seen.push((what, bytes));
}

async fn leak_free(fake: Fake) {
    let (dist, _tmp) = dist_dir();
    let app = start(Mode::Remote, test_limits(), fake, &dist).await;
    let base = format!("http://{}", app.addr);
    let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
    let (mut ws, welcome) = join(app.addr, "leak", "Ada").await;
    seen.push(("welcome".into(), welcome.to_string().into_bytes()));
    let token = welcome["token"].as_str().unwrap().to_owned();

    // Every file of dist/, through the server.
    let mut all = Vec::new();
    files(&dist, &mut all);
    for f in &all {
        let rel = f.strip_prefix(&dist).unwrap().to_string_lossy().replace('\\', "/");
        let res = app.http.get(format!("{base}/{rel}")).send().await.unwrap();
        collect(res, &mut seen, rel).await;
    }
    for path in ["/", "/some/room", "/healthz", "/api/nope", "/api/turn", "/api/calls/sessions/new"] {
        collect(app.http.get(format!("{base}{path}")).send().await.unwrap(), &mut seen, path.into()).await;
    }
    collect(app.http.get(format!("{base}/api/turn")).bearer_auth(&token).send().await.unwrap(), &mut seen, "turn".into()).await;
    let res = app.http.post(format!("{base}/api/calls/sessions/new")).bearer_auth(&token).send().await.unwrap();
    let text = res.text().await.unwrap();
    seen.push(("sessions/new".into(), text.clone().into_bytes()));
    if let Some(sid) = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["sessionId"].as_str().map(str::to_owned)) {
        for (m, p) in [("GET", format!("sessions/{sid}")), ("PUT", format!("sessions/{sid}/renegotiate"))] {
            let res =
                app.http.request(m.parse().unwrap(), format!("{base}/api/calls/{p}")).bearer_auth(&token).body("{}").send().await.unwrap();
            collect(res, &mut seen, p).await;
        }
    }
    // Error frames on the socket.
    ws.send(Message::text("nonsense")).await.unwrap();
    seen.push(("ws error".into(), recv(&mut ws).await.to_string().into_bytes()));
    send(&mut ws, json!({"type": "ping"})).await;
    seen.push(("ws pong".into(), recv(&mut ws).await.to_string().into_bytes()));

    assert!(seen.len() >= 10);
    for (what, bytes) in &seen {
        assert!(!leaks(bytes), "{what} leaks a secret: {}", String::from_utf8_lossy(bytes));
    }
    // And the files themselves.
    for f in &all {
        assert!(!leaks(&std::fs::read(f).unwrap()), "{} contains a secret", f.display());
    }
}

#[tokio::test]
async fn no_response_contains_the_secrets() {
    leak_free(Fake::default()).await;
}

#[tokio::test]
async fn an_upstream_echoing_credentials_is_withheld() {
    // This upstream puts the Authorization header it received into its answers.
    leak_free(Fake { echo_headers: true, ..Fake::default() }).await;
}

#[test]
fn help_and_errors_do_not_print_secrets() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_satsuma"))
        .args(["serve", "--help"])
        .env("CALLS_APP_SECRET", SECRET)
        .env("TURN_SERVICE_TOKEN", TURN_TOKEN)
        .env("SATSUMA_TOKEN_KEY", SECRET)
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut all = out.stdout.clone();
    all.extend_from_slice(&out.stderr);
    assert!(!leaks(&all), "{}", String::from_utf8_lossy(&all));
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in ["--calls-app-secret", "--turn-service-token", "--max-participants", "--max-ws-message", "--calls-rate"] {
        assert!(help.contains(opt), "{opt} undocumented");
    }
}

#[tokio::test]
async fn turn_failures_are_502_without_details() {
    let fake = Fake::default();
    let fake_addr = serve(fake_router(fake.clone())).await;
    let dist = temp_dist();
    let turn = satsuma_server::config::TurnConfig {
        base_url: format!("http://{fake_addr}/v1"),
        key_id: "turn-key".into(),
        // The fake refuses this token with 401.
        token: satsuma_protocol::secret::Secret::new("wrong-token"),
        ttl_secs: 60,
    };
    let addr = serve_app(dist.path(), satsuma_server::upstream::Upstream::Unavailable("no SFU here".into()), Some(turn)).await;
    let (_a, wa) = join(addr, "turnfail", "Ada").await;
    let token = wa["token"].as_str().unwrap();
    let http = reqwest::Client::new();
    let res = http.get(format!("http://{addr}/api/turn")).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 502);
    let body = res.text().await.unwrap();
    assert!(body.contains("backend_error") && !body.contains("wrong-token"), "{body}");
    // And without an SFU, /api/calls says so in Calls style.
    let res = http.post(format!("http://{addr}/api/calls/sessions/new")).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<Value>().await.unwrap()["errorCode"], "temporarily_unavailable_error");
}

#[tokio::test]
async fn shutdown_closes_sockets_with_1001() {
    let dist = temp_dist();
    let app = start(Mode::Remote, test_limits(), Fake::default(), dist.path()).await;
    let (mut a, _) = join(app.addr, "bye", "Ada").await;
    app.state.close_all_sockets();
    assert_eq!(recv_close(&mut a).await, Some(1001));
}

#[test]
fn a_short_token_key_is_refused_at_start_without_printing_it() {
    let key = "short-key-SENTINEL";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_satsuma"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SATSUMA_TOKEN_KEY", key)
        .env_remove("CALLS_APP_ID")
        .env_remove("CALLS_APP_SECRET")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a guessable key must not start a server");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("at least 32"), "{text}");
    assert!(!text.contains(key), "the key itself is never printed: {text}");
}

#[tokio::test]
async fn turn_is_only_for_people_in_the_room_and_at_a_pace() {
    let dist = temp_dist();
    let app = start(Mode::Remote, test_limits(), Fake::default(), dist.path()).await;
    let (mut ada, welcome) = join(app.addr, "turn-pace", "Ada").await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    let url = format!("http://{}/api/turn", app.addr);
    let get = || app.http.get(&url).bearer_auth(&token).send();
    // The new-session pace: a burst of twice the rate per second, then 429.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(get().await.unwrap().status().as_u16());
    }
    assert!(statuses.starts_with(&[200, 200]), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let refused: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(refused["errorCode"], "rate_limited", "{refused}");

    // After leaving, the token (still unexpired) gets no credentials.
    ada.send(Message::text(r#"{"type":"leave"}"#)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let res = get().await.unwrap();
    assert_eq!(res.status(), 401, "a participant who left");
    let calls_before = app.fake.requests().len();
    assert!(calls_before <= 4, "no TURN API call beyond the admitted ones: {calls_before}");
}
