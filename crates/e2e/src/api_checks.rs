//! One set of proxy checks for every API host: ownership, the room check on pulls, and bad
//! input, each expecting the status and Calls code of `satsuma serve`. The e2e tests run
//! it against `satsuma serve` and against the Worker under `wrangler dev`, so the two are
//! held to the same answers.

use std::time::Duration;

use anyhow::{bail, ensure, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// How long one answer may take.
const T: Duration = Duration::from_secs(20);

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A participant joined over the room WebSocket, with its room token.
struct Member {
    ws: Ws,
    token: String,
}

async fn recv_type(ws: &mut Ws, ty: &str) -> anyhow::Result<Value> {
    loop {
        let frame = tokio::time::timeout(T, ws.next()).await.with_context(|| format!("no {ty} frame"))?;
        match frame {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text)?;
                if value["type"] == ty {
                    return Ok(value);
                }
                ensure!(value["type"] != "error", "the room refused: {value}");
            }
            Some(Ok(_)) => {}
            other => bail!("the socket ended waiting for {ty}: {other:?}"),
        }
    }
}

async fn join(base: &str, room: &str, name: &str) -> anyhow::Result<Member> {
    let url = format!("{}/api/rooms/{room}/ws?v=1", base.replacen("http", "ws", 1));
    let (mut ws, _) = tokio::time::timeout(T, tokio_tungstenite::connect_async(url)).await??;
    ws.send(Message::text(json!({"type": "join", "name": name}).to_string())).await?;
    let welcome = recv_type(&mut ws, "welcome").await?;
    let token = welcome["token"].as_str().context("welcome without a token")?.to_owned();
    Ok(Member { ws, token })
}

/// One request: method, path under `/api/`, token, body; the status and JSON body back.
async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> anyhow::Result<(u16, Value)> {
    let method = reqwest::Method::from_bytes(method.as_bytes())?;
    let mut req = http.request(method, format!("{base}/api/{path}"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.header("Content-Type", "application/json").body(body);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let text = res.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

/// Expects `status` and `errorCode` `code`; `what` names the case in the failure.
fn expect(what: &str, got: (u16, Value), status: u16, code: &str) -> anyhow::Result<()> {
    let (got_status, body) = got;
    ensure!(got_status == status && body["errorCode"] == code, "{what}: expected {status} {code}, got {got_status} {body}");
    ensure!(body["errorDescription"].as_str().is_some_and(|d| !d.is_empty()), "{what}: no errorDescription in {body}");
    Ok(())
}

fn pull(session: &str, track: &str) -> String {
    json!({"tracks": [{"location": "remote", "sessionId": session, "trackName": track}]}).to_string()
}

/// Runs every check against the API at `base` (`http://host:port`); rooms are named
/// after `prefix`. `refused_origin` is an origin the host must refuse.
pub async fn run(base: &str, prefix: &str, refused_origin: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().timeout(T).build()?;
    let (room, other_room) = (format!("{prefix}-a"), format!("{prefix}-b"));

    expect("no token", call(&http, base, "POST", "calls/sessions/new", None, None).await?, 401, "unauthorized")?;
    expect("a forged token", call(&http, base, "POST", "calls/sessions/new", Some("e30.AAAA"), None).await?, 401, "unauthorized")?;
    expect("turn without a token", call(&http, base, "GET", "turn", None, None).await?, 401, "unauthorized")?;
    expect("an unknown API path", call(&http, base, "GET", "nothing/here", None, None).await?, 404, "not_found")?;

    let mut ada = join(base, &room, "Ada").await?;
    let bo = join(base, &room, "Bo").await?;
    let eve = join(base, &other_room, "Eve").await?;
    let session_of = |got: (u16, Value), who: &str| -> anyhow::Result<String> {
        ensure!((200..300).contains(&got.0), "{who}'s sessions/new: {} {}", got.0, got.1);
        Ok(got.1["sessionId"].as_str().context("no sessionId")?.to_owned())
    };
    let sa = session_of(call(&http, base, "POST", "calls/sessions/new", Some(&ada.token), None).await?, "Ada")?;
    let sb = session_of(call(&http, base, "POST", "calls/sessions/new", Some(&bo.token), None).await?, "Bo")?;
    let se = session_of(call(&http, base, "POST", "calls/sessions/new", Some(&eve.token), None).await?, "Eve")?;
    // Ada announces a camera in her room, so a pull of it is the room check's to decide.
    let track = format!("{sa}/cam");
    ada.ws.send(Message::text(json!({"type": "publish", "tracks": [{"track": track, "kind": "camera"}]}).to_string())).await?;
    recv_type(&mut ada.ws, "participantUpdated").await?;

    let tracks_new = |sid: &str| format!("calls/sessions/{sid}/tracks/new");
    expect("the wrong method", call(&http, base, "GET", "calls/sessions/new", Some(&ada.token), None).await?, 405, "method_not_allowed")?;
    expect("an unknown Realtime path", call(&http, base, "POST", "calls/apps/x", Some(&ada.token), None).await?, 404, "not_found")?;
    expect(
        "another participant's session",
        call(&http, base, "POST", &tracks_new(&sa), Some(&bo.token), Some(pull(&sb, "x"))).await?,
        403,
        "forbidden",
    )?;
    expect(
        "a session nobody created here",
        call(&http, base, "GET", "calls/sessions/0123456789abcdef0123456789abcdef", Some(&bo.token), None).await?,
        403,
        "forbidden",
    )?;
    expect(
        "a track not published in the room",
        call(&http, base, "POST", &tracks_new(&sb), Some(&bo.token), Some(pull(&sa, "mic"))).await?,
        403,
        "forbidden",
    )?;
    expect(
        "a track of another room",
        call(&http, base, "POST", &tracks_new(&se), Some(&eve.token), Some(pull(&sa, "cam"))).await?,
        403,
        "forbidden",
    )?;
    expect(
        "malformed JSON",
        call(&http, base, "POST", &tracks_new(&sb), Some(&bo.token), Some("{\"tracks\": [".into())).await?,
        400,
        "decoding_error",
    )?;
    let huge = format!("{{\"tracks\": [], \"pad\": \"{}\"}}", "x".repeat(300 * 1024));
    expect("an oversized body", call(&http, base, "POST", &tracks_new(&sb), Some(&bo.token), Some(huge)).await?, 413, "payload_too_large")?;
    // The same session still works after all of that: nothing above cost state.
    let (status, body) = call(&http, base, "GET", &format!("calls/sessions/{sb}"), Some(&bo.token), None).await?;
    ensure!(status == 200, "Bo's own session after the refusals: {status} {body}");

    let res = http.post(format!("{base}/api/calls/sessions/new")).header("Origin", refused_origin).bearer_auth(&ada.token).send().await?;
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or_default();
    expect("a refused origin", (status, body), 403, "origin_not_allowed")?;
    drop((ada, bo, eve));
    Ok(())
}

/// Liveness on a host without WebSocket pings (the Worker): a socket that keeps sending
/// `ping` gets `pong` and stays past `stale_after`, while a silent one is dropped after it
/// and the others are told. On the Worker the runtime answers the pings itself, so this
/// proves that the room reads those answers before it judges anyone silent.
pub async fn heartbeats(base: &str, room: &str, stale_after: Duration) -> anyhow::Result<()> {
    let mut ada = join(base, room, "Ada").await?;
    let mut quiet = join(base, room, "Quiet").await?;
    let start = std::time::Instant::now();
    let ping = Message::text(satsuma_protocol::room::PING_FRAME);
    // Ada beats every 5 s, as browsers do every 10 s, until well past the stale limit.
    let mut heard = Vec::new();
    while start.elapsed() < stale_after + Duration::from_secs(8) {
        ada.ws.send(ping.clone()).await?;
        loop {
            let frame = tokio::time::timeout(T, ada.ws.next()).await.context("no pong")?;
            let Some(Ok(Message::Text(text))) = frame else { bail!("Ada's socket ended after {:?}: {frame:?}", start.elapsed()) };
            let value: Value = serde_json::from_str(&text)?;
            if value == json!({"type": "pong"}) {
                break;
            }
            heard.push(value);
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    // Quiet never beat: it is gone, Ada was told so while she waited, and she is still in.
    let left = heard.iter().find(|v| v["type"] == "participantLeft");
    ensure!(left.is_some_and(|l| l["reason"] == "timeout"), "Quiet did not time out; Ada heard {heard:?}");
    ada.ws.send(Message::text(json!({"type": "chat", "text": "still here"}).to_string())).await?;
    let chat = recv_type(&mut ada.ws, "chat").await?;
    ensure!(chat["message"]["text"] == "still here", "Ada's chat after {:?}: {chat}", start.elapsed());
    let closed = tokio::time::timeout(T, async {
        loop {
            match quiet.ws.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    })
    .await?;
    ensure!(closed == Some(satsuma_protocol::room::close_code::STALE), "Quiet's socket ended with {closed:?}");
    Ok(())
}

/// One address over its paces: joins beyond the burst are refused in-band (`rate_limited`,
/// 1008), other `/api` requests get 429 with `Retry-After`, and `/healthz` still answers.
/// Run it last against a host: the address is then out of joins for a while.
pub async fn address_pace(base: &str, room: &str) -> anyhow::Result<()> {
    use satsuma_room::connections::{API_REQUESTS_PER_ADDRESS, JOINS_PER_ADDRESS};
    let mut held = Vec::new();
    let mut refusal = None;
    for i in 0..JOINS_PER_ADDRESS.burst * 2 {
        // A room each, so no room fills first.
        let url = format!("{}/api/rooms/{room}-{i}/ws?v=1", base.replacen("http", "ws", 1));
        let (mut ws, _) = tokio::time::timeout(T, tokio_tungstenite::connect_async(&url)).await??;
        ws.send(Message::text(json!({"type": "join", "name": "Flood"}).to_string())).await?;
        let frame = tokio::time::timeout(T, ws.next()).await?;
        let Some(Ok(Message::Text(text))) = frame else { bail!("a join got {frame:?}") };
        let value: Value = serde_json::from_str(&text)?;
        if value["type"] == "error" {
            let close = tokio::time::timeout(T, ws.next()).await?;
            refusal = Some((value, close));
            break;
        }
        held.push(ws);
    }
    let (error, close) = refusal.context("joins from one address were never paced")?;
    ensure!(error["code"] == "rate_limited", "the refusal: {error}");
    let Some(Ok(Message::Close(Some(frame)))) = close else { bail!("the refused socket ended with {close:?}") };
    ensure!(u16::from(frame.code) == 1008, "the refused socket closed with {frame:?}");
    println!("joins from one address: {} admitted, then refused", held.len());

    let http = reqwest::Client::builder().timeout(T).build()?;
    let mut limited = None;
    for i in 0..API_REQUESTS_PER_ADDRESS.burst * 2 {
        let res = http.get(format!("{base}/api/rooms/{room}")).send().await?;
        if res.status() == 429 {
            limited = Some((i, res));
            break;
        }
    }
    let (admitted, res) = limited.context("API requests from one address were never paced")?;
    ensure!(res.headers().contains_key("retry-after"), "a 429 without Retry-After");
    let body: Value = res.json().await?;
    ensure!(body["errorCode"] == "rate_limited", "the 429's body: {body}");
    println!("API requests from one address: {admitted} admitted, then 429");
    let health = http.get(format!("{base}/healthz")).send().await?.status();
    ensure!(health == 200, "/healthz during the flood: {health}");
    drop(held);
    Ok(())
}
