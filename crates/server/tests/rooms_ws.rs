//! Room presence over real WebSockets (tokio-tungstenite clients against the real router).

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

async fn app(limits: satsuma_server::limits::Limits) -> (App, tempfile::TempDir) {
    let dist = temp_dist();
    let app = start(Mode::Remote, limits, Fake::default(), dist.path()).await;
    (app, dist)
}

#[tokio::test]
async fn join_welcome_and_presence() {
    let (app, _d) = app(test_limits()).await;
    let (mut a, wa) = join(app.addr, "standup", "Ada").await;
    let a_id = wa["participantId"].as_str().unwrap().to_owned();
    assert!(wa["token"].as_str().unwrap().len() > 20);
    assert!(wa["resumeToken"].as_str().unwrap().len() >= 32);
    assert_eq!(wa["state"]["room"], "standup");
    assert_eq!(wa["state"]["participants"].as_array().unwrap().len(), 1);

    let (mut b, wb) = join(app.addr, "standup", "Bob").await;
    let b_id = wb["participantId"].as_str().unwrap().to_owned();
    assert_ne!(a_id, b_id);
    let names: Vec<_> = wb["state"]["participants"].as_array().unwrap().iter().map(|p| p["name"].clone()).collect();
    assert_eq!(names, vec![json!("Ada"), json!("Bob")]);
    let joined = recv_type(&mut a, "participantJoined").await;
    assert_eq!(joined["participant"]["id"], b_id.as_str());

    // Mute state and hand reach everyone, the sender included.
    send(&mut b, json!({"type": "update", "mic": true, "camera": false, "hand": true})).await;
    for ws in [&mut a, &mut b] {
        let upd = recv_type(ws, "participantUpdated").await;
        assert_eq!(upd["participant"]["mic"], true);
        assert_eq!(upd["participant"]["hand"], true);
        assert_eq!(upd["participant"]["speaking"], false);
    }

    // Ping/pong at the application level.
    send(&mut a, json!({"type": "ping"})).await;
    recv_type(&mut a, "pong").await;

    // Other rooms are separate.
    let (_c, wc) = join(app.addr, "other", "Cy").await;
    assert_eq!(wc["state"]["participants"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn closed_socket_leaves_within_a_second() {
    let (app, _d) = app(test_limits()).await;
    let (mut a, _) = join(app.addr, "r1", "Ada").await;
    let (b, wb) = join(app.addr, "r1", "Bob").await;
    recv_type(&mut a, "participantJoined").await;
    let started = Instant::now();
    drop(b); // TCP close without a close frame
    let left = recv_type(&mut a, "participantLeft").await;
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert_eq!(left["participantId"], wb["participantId"]);
    assert_eq!(left["reason"], "closed");
}

#[tokio::test]
async fn leave_message_removes_and_closes_normally() {
    let (app, _d) = app(test_limits()).await;
    let (mut a, _) = join(app.addr, "r2", "Ada").await;
    let (mut b, _) = join(app.addr, "r2", "Bob").await;
    send(&mut b, json!({"type": "leave"})).await;
    assert_eq!(recv_close(&mut b).await, Some(1000));
    let left = recv_type(&mut a, "participantLeft").await;
    assert_eq!(left["reason"], "left");
}

#[tokio::test]
async fn half_open_socket_is_removed_after_the_stale_timeout() {
    let mut limits = test_limits();
    limits.room.stale_after_ms = 2000;
    limits.ping_interval = Duration::from_millis(200);
    let (app, _d) = app(limits).await;
    let (mut a, _) = join(app.addr, "r3", "Ada").await;
    // Bob stops reading: his client never answers the server's pings (a half-open socket).
    let (_b, wb) = join(app.addr, "r3", "Bob").await;
    let started = Instant::now();
    // Ada keeps reading, so her client answers pings and stays.
    let left = recv_type(&mut a, "participantLeft").await;
    assert_eq!(left["participantId"], wb["participantId"]);
    assert_eq!(left["reason"], "timeout");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1800) && took < Duration::from_secs(8), "took {took:?}");
    send(&mut a, json!({"type": "ping"})).await;
    recv_type(&mut a, "pong").await;
}

#[tokio::test]
async fn resume_keeps_participant_and_tracks() {
    let (app, _d) = app(test_limits()).await;
    let (mut a, _) = join(app.addr, "r4", "Ada").await;
    let (mut b, wb) = join(app.addr, "r4", "Bob").await;
    let token = wb["token"].as_str().unwrap().to_owned();
    // Bob creates an SFU session through the proxy, then publishes a track of it.
    let res = app.http.post(format!("http://{}/api/calls/sessions/new", app.addr)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let sid = res.json::<serde_json::Value>().await.unwrap()["sessionId"].as_str().unwrap().to_owned();
    let track = format!("{sid}/mic-1");
    send(&mut b, json!({"type": "publish", "tracks": [{"track": track, "kind": "mic"}]})).await;
    let upd = recv_type(&mut a, "participantUpdated").await;
    assert_eq!(upd["participant"]["tracks"][0]["track"], track.as_str());

    drop(b);
    recv_type(&mut a, "participantLeft").await;

    let mut b2 = ws(app.addr, "r4").await;
    send(&mut b2, json!({"type": "join", "name": "Bob", "resumeToken": wb["resumeToken"]})).await;
    let w2 = recv_type(&mut b2, "welcome").await;
    assert_eq!(w2["participantId"], wb["participantId"]);
    let back = recv_type(&mut a, "participantJoined").await;
    assert_eq!(back["participant"]["id"], wb["participantId"]);
    assert_eq!(back["participant"]["tracks"][0]["track"], track.as_str());
}

#[tokio::test]
async fn publishing_someone_elses_session_is_refused() {
    let (app, _d) = app(test_limits()).await;
    let (mut a, _) = join(app.addr, "r5", "Ada").await;
    send(&mut a, json!({"type": "publish", "tracks": [{"track": "deadbeef/mic", "kind": "mic"}]})).await;
    let err = recv_type(&mut a, "error").await;
    assert_eq!(err["code"], "bad_track");
}

#[tokio::test]
async fn room_full_is_a_clear_error() {
    let mut limits = test_limits();
    limits.room.max_participants = 2;
    let (app, _d) = app(limits).await;
    let (_a, _) = join(app.addr, "small", "A").await;
    let (_b, _) = join(app.addr, "small", "B").await;
    let mut c = ws(app.addr, "small").await;
    send(&mut c, json!({"type": "join", "name": "C"})).await;
    let err = recv(&mut c).await;
    assert_eq!(err["type"], "error");
    assert_eq!(err["code"], "room_full");
    assert_eq!(recv_close(&mut c).await, Some(4001));
}

#[tokio::test]
async fn bad_room_and_bad_version_are_refused_in_band() {
    let (app, _d) = app(test_limits()).await;
    for room in ["UPPER", "a_b", &"x".repeat(65)] {
        let mut s = ws(app.addr, room).await;
        let err = recv(&mut s).await;
        assert_eq!(err["code"], "bad_room", "{room}");
        assert_eq!(recv_close(&mut s).await, Some(4004));
    }
    let url = format!("ws://{}/api/rooms/ok/ws?v=2", app.addr);
    let (mut s, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    assert_eq!(recv(&mut s).await["code"], "bad_version");
}

#[tokio::test]
async fn malformed_messages_get_errors_and_the_socket_stays_open() {
    let mut limits = test_limits();
    limits.max_ws_message = 1024;
    let (app, _d) = app(limits).await;
    let mut s = ws(app.addr, "r6").await;
    send(&mut s, json!({"type": "chat", "text": "hi"})).await;
    assert_eq!(recv(&mut s).await["code"], "not_joined");
    send_raw(&mut s, "{not json").await;
    assert_eq!(recv(&mut s).await["code"], "bad_message");
    send_raw(&mut s, r#"{"type":"explode"}"#).await;
    assert_eq!(recv(&mut s).await["code"], "bad_message");
    // serde's error quotes the unknown type; its 200th byte falls inside the `é`. This frame
    // once killed the socket's task (a panic on a cut inside a character), leaving a ghost.
    for pad in [181, 182, 183] {
        send_raw(&mut s, &format!(r#"{{"type":"{}é"}}"#, "a".repeat(pad))).await;
        assert_eq!(recv(&mut s).await["code"], "bad_message");
    }
    send_raw(&mut s, r#"{"type":"join","name":42}"#).await;
    assert_eq!(recv(&mut s).await["code"], "bad_message");
    send(&mut s, json!({"type": "join", "name": "bad\u{0007}name"})).await;
    assert_eq!(recv(&mut s).await["code"], "bad_name");
    send(&mut s, json!({"type": "join", "name": "n".repeat(65)})).await;
    assert_eq!(recv(&mut s).await["code"], "bad_name");
    send_raw(&mut s, &format!(r#"{{"type":"chat","text":"{}"}}"#, "x".repeat(2000))).await;
    assert_eq!(recv(&mut s).await["code"], "message_too_large");
    s.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(recv(&mut s).await["code"], "bad_message");
    // Still usable.
    send(&mut s, json!({"type": "join", "name": "Fine"})).await;
    recv_type(&mut s, "welcome").await;
    send(&mut s, json!({"type": "join", "name": "Again"})).await;
    assert_eq!(recv(&mut s).await["code"], "already_joined");
}

#[tokio::test]
async fn oversized_frames_close_with_1009() {
    let mut limits = test_limits();
    limits.max_ws_message = 1024;
    let (app, _d) = app(limits).await;
    let mut s = ws(app.addr, "r7").await;
    let _ = s.send(Message::text("x".repeat(8 * 1024))).await;
    // The server either sends a 1009 close or drops the connection.
    let code = recv_close(&mut s).await;
    assert!(code.is_none() || code == Some(1009), "{code:?}");
}

#[tokio::test]
async fn a_flood_closes_the_socket_with_1008() {
    let mut limits = test_limits();
    limits.ws_rate = 5;
    limits.ws_flood = 10;
    let (app, _d) = app(limits).await;
    let (mut a, _) = join(app.addr, "r8", "Ada").await;
    let mut saw_rate_limited = false;
    for _ in 0..200 {
        if a.send(Message::text(r#"{"type":"ping"}"#)).await.is_err() {
            break;
        }
    }
    let code = loop {
        match next_frame(&mut a).await {
            Frame::Json(v) => saw_rate_limited |= v["code"] == "rate_limited",
            Frame::Close(code) => break code,
            Frame::Ended => break None,
        }
    };
    assert!(saw_rate_limited);
    assert_eq!(code, Some(1008));
}

#[tokio::test]
async fn chat_reaches_everyone_and_late_joiners_get_history() {
    let (app, _d) = app(test_limits()).await;
    let (mut a, wa) = join(app.addr, "r9", "Ada").await;
    send(&mut a, json!({"type": "chat", "text": "hello"})).await;
    let echo = recv_type(&mut a, "chat").await;
    assert_eq!(echo["message"]["text"], "hello");
    assert_eq!(echo["message"]["from"], wa["participantId"]);
    send(&mut a, json!({"type": "chat", "text": ""})).await;
    assert_eq!(recv_type(&mut a, "error").await["code"], "bad_chat");
    let (_b, wb) = join(app.addr, "r9", "Bob").await;
    assert_eq!(wb["state"]["chat"][0]["text"], "hello");
    assert_eq!(wb["state"]["chat"][0]["name"], "Ada");
}

#[tokio::test]
async fn three_people_see_each_others_tracks_and_mute_state() {
    let (app, _d) = app(test_limits()).await;
    let names = ["Ada", "Bob", "Cy"];
    let mut sockets = Vec::new();
    let mut sessions = Vec::new();
    for name in names {
        let (mut s, w) = join(app.addr, "trio", name).await;
        let token = w["token"].as_str().unwrap().to_owned();
        let res = app.http.post(format!("http://{}/api/calls/sessions/new", app.addr)).bearer_auth(&token).send().await.unwrap();
        let sid = res.json::<serde_json::Value>().await.unwrap()["sessionId"].as_str().unwrap().to_owned();
        let tracks = json!([{"track": format!("{sid}/mic"), "kind": "mic"}, {"track": format!("{sid}/cam"), "kind": "camera"}]);
        send(&mut s, json!({"type": "publish", "tracks": tracks})).await;
        send(&mut s, json!({"type": "update", "mic": name != "Bob", "camera": true})).await;
        // Both changes come back to the sender once applied.
        recv_type(&mut s, "participantUpdated").await;
        recv_type(&mut s, "participantUpdated").await;
        sessions.push((sid, token));
        sockets.push(s);
    }
    // A late joiner's welcome shows everyone with tracks and flags.
    let (_d4, w4) = join(app.addr, "trio", "Dee").await;
    let ps = w4["state"]["participants"].as_array().unwrap();
    assert_eq!(ps.len(), 4);
    for (p, name) in ps.iter().zip(names) {
        assert_eq!(p["name"], name);
        assert_eq!(p["tracks"].as_array().unwrap().len(), 2);
        assert_eq!(p["mic"], name != "Bob");
        assert_eq!(p["camera"], true);
    }
    // Everyone may pull everyone else's tracks in one batch.
    for (i, (sid, token)) in sessions.iter().enumerate() {
        let others: Vec<_> = sessions
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .flat_map(|(_, (s, _))| {
                [
                    json!({"location": "remote", "sessionId": s, "trackName": "mic"}),
                    json!({"location": "remote", "sessionId": s, "trackName": "cam"}),
                ]
            })
            .collect();
        let res = app
            .http
            .post(format!("http://{}/api/calls/sessions/{sid}/tracks/new", app.addr))
            .bearer_auth(token)
            .json(&json!({"tracks": others}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}

#[tokio::test]
async fn sockets_per_room_are_capped() {
    let mut limits = test_limits();
    limits.room.max_participants = 1;
    let (app, _d) = app(limits).await;
    // 1 * 2 + 16 sockets may wait unjoined; the next one is refused.
    let mut open = Vec::new();
    for _ in 0..18 {
        open.push(ws(app.addr, "busy").await);
    }
    // Make sure the server registered them all before the extra one.
    for s in &mut open {
        send(s, json!({"type": "ping"})).await;
        recv_type(s, "pong").await;
    }
    let mut extra = ws(app.addr, "busy").await;
    assert_eq!(recv(&mut extra).await["code"], "room_full");
    assert_eq!(recv_close(&mut extra).await, Some(4001));
}

#[tokio::test]
async fn the_prejoin_peek_counts_people_and_refuses_bad_names() {
    let (app, _d) = app(test_limits()).await;
    let http = reqwest::Client::new();
    let peek = |room: &str| {
        let (http, url) = (http.clone(), format!("http://{}/api/rooms/{room}", app.addr));
        async move { http.get(url).send().await.unwrap() }
    };
    let empty: Value = peek("peeked").await.json().await.unwrap();
    assert_eq!(empty, json!({ "participants": 0 }));
    let (_a, _) = join(app.addr, "peeked", "Ada").await;
    let (_b, _) = join(app.addr, "peeked", "Bob").await;
    let two = peek("peeked").await;
    assert_eq!(two.headers()["cache-control"], "no-store");
    assert_eq!(two.json::<Value>().await.unwrap(), json!({ "participants": 2 }));
    // Peeking opens no room.
    assert_eq!(peek("never-joined").await.json::<Value>().await.unwrap(), json!({ "participants": 0 }));
    let bad = peek("Bad%20Room").await;
    assert_eq!(bad.status(), 404);
    assert_eq!(bad.json::<Value>().await.unwrap()["errorCode"], "not_found");
}
