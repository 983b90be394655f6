//! Test helpers: an in-process SFU behind its router, and str0m peers acting as browsers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::channel::{ChannelConfig, ChannelId};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tower::ServiceExt;

pub const APP: &str = "testapp";
pub const SECRET: &str = "testsecret";

/// An SFU on 127.0.0.1 with its router.
pub struct TestSfu {
    pub handle: satsuma_sfu::SfuHandle,
    pub router: Router,
}

impl TestSfu {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut satsuma_sfu::SfuConfig)) -> Self {
        let mut config = satsuma_sfu::SfuConfig::new(APP, SECRET, "127.0.0.1:0".parse().unwrap());
        config.stats_log_interval = None;
        // Two pollers, as on a small server: every test crosses the parallel path.
        config.media_threads = 2;
        tune(&mut config);
        let handle = satsuma_sfu::start(config).await.expect("sfu starts");
        let router = satsuma_sfu::http::router(handle.clone());
        Self { handle, router }
    }

    /// Sends a request; returns status, headers and the JSON body (`Null` if none).
    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
        let resp = tokio::time::timeout(Duration::from_secs(15), self.router.clone().oneshot(req))
            .await
            .expect("request finished in time")
            .expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("body");
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        (status, headers, body)
    }

    /// An authorized call to `/v1/apps/{APP}/{path}`.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(format!("/v1/apps/{APP}/{path}"))
            .header("authorization", format!("Bearer {SECRET}"))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty))
            .unwrap();
        let (s, _, v) = self.raw(req).await;
        (s, v)
    }

    pub async fn new_session(&self) -> String {
        let (s, v) = self.call("POST", "sessions/new", None).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["sessionId"].as_str().expect("sessionId").to_owned()
    }
}

/// What a peer has received.
#[derive(Debug, Default, Clone)]
pub struct Received {
    pub frames: HashMap<Mid, u64>,
    pub keyframes: HashMap<Mid, u64>,
    pub first_keyframe: HashMap<Mid, Instant>,
    pub kinds: HashMap<Mid, MediaKind>,
    pub channel_messages: Vec<(ChannelId, Vec<u8>)>,
    pub open_channels: Vec<ChannelId>,
    pub keyframe_requests: u64,
    pub connected: bool,
    /// Layer marker (byte 10 of the frame) of the last video frame per mid.
    pub last_marker: HashMap<Mid, u8>,
    /// Every video frame received, in order.
    pub seen: Vec<Seen>,
}

/// One received video frame.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub mid: Mid,
    /// Layer marker: the RID's first letter, `-` without simulcast.
    pub marker: u8,
    pub keyframe: bool,
    pub at: Instant,
    /// The publisher's frame counter modulo 251 (byte 11), the same on every layer.
    pub count: u8,
    /// RTP time as the subscriber received it, in seconds.
    pub time: f64,
}

/// A str0m peer acting as a browser: one UDP socket on 127.0.0.1, full ICE.
pub struct Peer {
    pub rtc: Rtc,
    socket: UdpSocket,
    addr: SocketAddr,
    pub rx: Received,
    /// Mids this peer sends synthetic media on.
    pub sending: Vec<(Mid, MediaKind)>,
    /// Send a keyframe every this many video frames.
    pub keyframe_every: u64,
    /// Simulcast RIDs to send video on (empty: no simulcast).
    pub simulcast: Vec<&'static str>,
    next_video: Instant,
    next_audio: Instant,
    video_count: u64,
    audio_count: u64,
    force_keyframe: bool,
    start: Instant,
}

pub type SharedPeer = Arc<Mutex<Peer>>;

impl Peer {
    /// A peer whose I/O runs in a background task until the returned handle is dropped.
    pub fn spawn() -> SharedPeer {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let addr = socket.local_addr().unwrap();
        let now = Instant::now();
        let mut rtc = Rtc::builder().set_stats_interval(None).build(now);
        rtc.add_local_candidate(Candidate::host(addr, "udp").unwrap());
        let peer = Arc::new(Mutex::new(Peer {
            rtc,
            socket,
            addr,
            rx: Received::default(),
            sending: vec![],
            keyframe_every: 30,
            simulcast: vec![],
            next_video: now,
            next_audio: now,
            video_count: 0,
            audio_count: 0,
            force_keyframe: false,
            start: now,
        }));
        let weak = Arc::downgrade(&peer);
        tokio::spawn(async move {
            while let Some(p) = weak.upgrade() {
                if let Ok(mut p) = p.lock() {
                    p.pump();
                }
                drop(p);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        peer
    }

    /// A NAT rebinding: from now on this peer's datagrams leave from a new port and what
    /// is sent to the old one is lost. The peer itself (its ICE agent) knows nothing of it.
    pub fn rebind(&mut self) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        let new = socket.local_addr().unwrap();
        self.socket = socket;
        new
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 2048];
        while let Ok((n, source)) = self.socket.recv_from(&mut buf) {
            let Ok(contents) = buf[..n].try_into() else { continue };
            let input = Input::Receive(Instant::now(), Receive { proto: Protocol::Udp, source, destination: self.addr, contents });
            if self.rtc.handle_input(input).is_err() {
                return;
            }
        }
        let now = Instant::now();
        if self.rtc.handle_input(Input::Timeout(now)).is_err() {
            return;
        }
        self.send_media(now);
        self.drain();
    }

    fn drain(&mut self) {
        while self.rtc.is_alive() {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(_)) => break,
                Ok(Output::Transmit(t)) => {
                    let _ = self.socket.send_to(&t.contents, t.destination);
                }
                Ok(Output::Event(e)) => self.on_event(e),
                Err(_) => break,
            }
        }
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::Connected => self.rx.connected = true,
            Event::MediaData(d) => {
                *self.rx.frames.entry(d.mid).or_default() += 1;
                if d.data.len() > 10 {
                    self.rx.last_marker.insert(d.mid, d.data[10]);
                    let seen = Seen {
                        mid: d.mid,
                        marker: d.data[10],
                        keyframe: d.is_keyframe(),
                        at: Instant::now(),
                        count: d.data.get(11).copied().unwrap_or(0),
                        time: d.time.as_seconds(),
                    };
                    self.rx.seen.push(seen);
                }
                if d.is_keyframe() {
                    *self.rx.keyframes.entry(d.mid).or_default() += 1;
                    self.rx.first_keyframe.entry(d.mid).or_insert_with(Instant::now);
                }
            }
            Event::MediaAdded(m) => {
                self.rx.kinds.insert(m.mid, m.kind);
            }
            Event::KeyframeRequest(_) => {
                self.rx.keyframe_requests += 1;
                self.force_keyframe = true;
            }
            Event::ChannelOpen(id, _) => self.rx.open_channels.push(id),
            Event::ChannelData(d) => self.rx.channel_messages.push((d.id, d.data)),
            _ => {}
        }
    }

    /// Synthetic VP8 at 30 fps and Opus at 50 fps on the `sending` mids.
    fn send_media(&mut self, now: Instant) {
        if !self.rtc.is_connected() {
            return;
        }
        let sending = self.sending.clone();
        for (mid, kind) in sending {
            match kind {
                MediaKind::Video if now >= self.next_video => {
                    let key = self.force_keyframe || self.video_count.is_multiple_of(self.keyframe_every.max(1));
                    let t = MediaTime::from_90khz(now.duration_since(self.start).as_micros() as u64 * 9 / 100);
                    let layers: Vec<Option<&str>> =
                        if self.simulcast.is_empty() { vec![None] } else { self.simulcast.iter().map(|r| Some(*r)).collect() };
                    for rid in layers {
                        let mut frame = vp8_frame(key, self.video_count);
                        frame[10] = rid.map_or(b'-', |r| r.as_bytes()[0]);
                        let Some(w) = self.rtc.writer(mid) else { continue };
                        let w = match rid {
                            Some(r) => w.rid(str0m::media::Rid::from(r)),
                            None => w,
                        };
                        let pt = w.payload_params().find(|p| p.spec().codec == Codec::Vp8).map(|p| p.pt());
                        if let Some(pt) = pt {
                            if w.write(pt, now, t, frame).is_ok() && key {
                                self.force_keyframe = false;
                            }
                        }
                    }
                }
                MediaKind::Audio if now >= self.next_audio => {
                    let t = MediaTime::new(
                        now.duration_since(self.start).as_micros() as u64 * 48 / 1000,
                        str0m::media::Frequency::FORTY_EIGHT_KHZ,
                    );
                    if let Some(w) = self.rtc.writer(mid) {
                        let pt = w.payload_params().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt());
                        if let Some(pt) = pt {
                            let _ = w.write(pt, now, t, vec![0xf8, 0xff, 0xfe]);
                        }
                    }
                }
                _ => {}
            }
        }
        if now >= self.next_video {
            self.video_count += 1;
            self.next_video = now + Duration::from_millis(33);
        }
        if now >= self.next_audio {
            self.audio_count += 1;
            self.next_audio = now + Duration::from_millis(20);
        }
    }
}

/// A minimal VP8 frame: a keyframe header (with start code and size) or an interframe.
pub fn vp8_frame(key: bool, n: u64) -> Vec<u8> {
    let mut f = if key { vec![0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01] } else { vec![0x51, 0x02, 0x00] };
    f.extend(std::iter::repeat_n((n % 251) as u8, 600));
    f
}

/// Adds send-only transceivers (video with the peer's simulcast layers) and makes an offer.
pub fn offer_sending(peer: &SharedPeer, kinds: &[MediaKind]) -> (SdpOffer, SdpPendingOffer, Vec<Mid>) {
    let mut p = peer.lock().unwrap();
    let simulcast = (!p.simulcast.is_empty()).then(|| {
        let mut s = str0m::media::Simulcast::new();
        for r in &p.simulcast {
            s.add_send_layer(str0m::media::SimulcastLayer::new(r));
        }
        s
    });
    let mut api = p.rtc.sdp_api();
    let mids: Vec<Mid> = kinds
        .iter()
        .map(|k| {
            let sim = if *k == MediaKind::Video { simulcast.clone() } else { None };
            api.add_media(*k, Direction::SendOnly, Some("s".into()), None, sim)
        })
        .collect();
    let (offer, pending) = api.apply().expect("changes");
    (offer, pending, mids)
}

pub fn accept_answer(peer: &SharedPeer, pending: SdpPendingOffer, sdp: &Value) {
    let answer = SdpAnswer::from_sdp_string(sdp["sdp"].as_str().expect("answer sdp")).expect("parse answer");
    assert_eq!(sdp["type"], "answer");
    peer.lock().unwrap().rtc.sdp_api().accept_answer(pending, answer).expect("accept answer");
}

/// Applies an SFU offer; returns the answer as JSON `{type, sdp}`.
pub fn answer_offer(peer: &SharedPeer, sdp: &Value) -> Value {
    assert_eq!(sdp["type"], "offer");
    let offer = SdpOffer::from_sdp_string(sdp["sdp"].as_str().expect("offer sdp")).expect("parse offer");
    let answer = peer.lock().unwrap().rtc.sdp_api().accept_offer(offer).expect("accept offer");
    json!({"type": "answer", "sdp": answer.to_sdp_string()})
}

/// Publishes audio+video under `names` from a fresh session; returns the session id.
pub async fn publish(sfu: &TestSfu, peer: &SharedPeer, names: [&str; 2]) -> String {
    let sid = sfu.new_session().await;
    let (offer, pending, mids) = offer_sending(peer, &[MediaKind::Audio, MediaKind::Video]);
    let body = json!({
        "sessionDescription": {"type": "offer", "sdp": offer.to_sdp_string()},
        "tracks": [
            {"location": "local", "mid": mids[0].to_string(), "trackName": names[0]},
            {"location": "local", "mid": mids[1].to_string(), "trackName": names[1]},
        ]
    });
    let (s, v) = sfu.call("POST", &format!("sessions/{sid}/tracks/new"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["requiresImmediateRenegotiation"], false);
    accept_answer(peer, pending, &v["sessionDescription"]);
    peer.lock().unwrap().sending = vec![(mids[0], MediaKind::Audio), (mids[1], MediaKind::Video)];
    sid
}

/// Pulls tracks into `sid` and completes the SFU offer; returns the response tracks.
pub async fn pull(sfu: &TestSfu, peer: &SharedPeer, sid: &str, tracks: Value) -> Vec<Value> {
    let (s, v) = sfu.call("POST", &format!("sessions/{sid}/tracks/new"), Some(json!({"tracks": tracks}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["requiresImmediateRenegotiation"], true, "{v}");
    let answer = answer_offer(peer, &v["sessionDescription"]);
    let (s, r) = sfu.call("PUT", &format!("sessions/{sid}/renegotiate"), Some(json!({"sessionDescription": answer}))).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    v["tracks"].as_array().cloned().unwrap_or_default()
}

/// A new subscriber with its own session, pulling `pub_sid`'s `cam` with the given
/// `simulcast` preferences (none when `Value::Null`).
pub async fn subscribe_to_cam(sfu: &TestSfu, pub_sid: &str, simulcast: Value) -> (SharedPeer, String, Vec<Value>) {
    let peer = Peer::spawn();
    let sid = sfu.new_session().await;
    let mut track = json!({"location": "remote", "sessionId": pub_sid, "trackName": "cam"});
    if !simulcast.is_null() {
        track["simulcast"] = simulcast;
    }
    let tracks = pull(sfu, &peer, &sid, json!([track])).await;
    (peer, sid, tracks)
}

/// Waits until `cond` holds on the peer, or panics after `limit`.
pub async fn wait_for(peer: &SharedPeer, limit: Duration, what: &str, cond: impl Fn(&Received) -> bool) {
    let deadline = Instant::now() + limit;
    loop {
        if cond(&peer.lock().unwrap().rx) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {:?}", peer.lock().unwrap().rx);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub fn mid_of(v: &Value) -> Mid {
    Mid::from(v["mid"].as_str().expect("mid"))
}

pub fn create_negotiated_channel(peer: &SharedPeer, label: &str, id: u16) -> ChannelId {
    let config = ChannelConfig { label: label.into(), negotiated: Some(id), ..Default::default() };
    peer.lock().unwrap().rtc.direct_api().create_data_channel(config)
}

/// A call where Alice publishes mic and camera and Bob pulls her camera.
pub struct CameraCall {
    pub sfu: TestSfu,
    pub alice: SharedPeer,
    pub bob: SharedPeer,
    /// The camera's mid on Bob's side.
    pub video: Mid,
    pub pub_sid: String,
    pub sub_sid: String,
}

/// Alice publishes mic and camera, Bob pulls her camera and has 30 frames of it.
pub async fn camera_call() -> CameraCall {
    let sfu = TestSfu::start().await;
    let alice = Peer::spawn();
    let pub_sid = publish(&sfu, &alice, ["mic", "cam"]).await;
    let bob = Peer::spawn();
    let sub_sid = sfu.new_session().await;
    let tracks = pull(&sfu, &bob, &sub_sid, json!([{"location": "remote", "sessionId": pub_sid, "trackName": "cam"}])).await;
    let video = mid_of(&tracks[0]);
    wait_for(&bob, Duration::from_secs(10), "30 video frames", |rx| rx.frames.get(&video).copied().unwrap_or(0) >= 30).await;
    CameraCall { sfu, alice, bob, video, pub_sid, sub_sid }
}

/// Until `peer` has received `more` frames on `mid` beyond what it has now.
pub async fn more_frames(peer: &SharedPeer, mid: Mid, more: u64, limit: Duration, what: &str) {
    let before = peer.lock().unwrap().rx.frames.get(&mid).copied().unwrap_or(0);
    wait_for(peer, limit, what, |rx| rx.frames.get(&mid).copied().unwrap_or(0) >= before + more).await;
}
