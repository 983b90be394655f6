//! SFU benchmark: N publishers × M subscribers with synthetic media on loopback.
//!
//! Each publisher sends VP8-shaped video (30 fps, ~1.2 kB frames) and Opus-shaped audio
//! (50 fps); each subscriber pulls every publisher's two tracks. Reports forwarded frames and
//! datagrams per second, the SFU thread's CPU time per forwarded stream, and the end-to-end
//! latency publisher write → subscriber frame, next to the same harness without the SFU (the
//! difference is what the SFU adds; the harness polls peers every ~0.1 ms).
//!
//! Usage: `cargo run -p satsuma-sfu --profile perf --example sfu_bench -- [N] [M] [SECONDS]`
//! (defaults 2 4 10).

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tower::ServiceExt;

const APP: &str = "bench";
const SECRET: &str = "bench-secret";

struct Peer {
    rtc: Rtc,
    socket: UdpSocket,
    addr: SocketAddr,
    sending: Vec<(Mid, MediaKind)>,
    next_video: Instant,
    next_audio: Instant,
    frames: u64,
    force_key: bool,
    latencies: Vec<u32>,
    received: u64,
}

impl Peer {
    fn new(epoch: Instant) -> Peer {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        let addr = socket.local_addr().expect("addr");
        let mut rtc = Rtc::builder().set_stats_interval(None).build(Instant::now());
        rtc.add_local_candidate(Candidate::host(addr, "udp").expect("candidate"));
        Peer {
            rtc,
            socket,
            addr,
            sending: vec![],
            next_video: epoch,
            next_audio: epoch,
            frames: 0,
            force_key: false,
            latencies: vec![],
            received: 0,
        }
    }

    fn pump(&mut self, epoch: Instant, measuring: bool) {
        let mut buf = [0u8; 2048];
        while let Ok((n, source)) = self.socket.recv_from(&mut buf) {
            let Ok(contents) = buf[..n].try_into() else { continue };
            let input = Input::Receive(Instant::now(), Receive { proto: Protocol::Udp, source, destination: self.addr, contents });
            let _ = self.rtc.handle_input(input);
        }
        let now = Instant::now();
        let _ = self.rtc.handle_input(Input::Timeout(now));
        if self.rtc.is_connected() {
            self.send(now, epoch);
        }
        while let Ok(out) = self.rtc.poll_output() {
            match out {
                Output::Timeout(_) => break,
                Output::Transmit(t) => {
                    let _ = self.socket.send_to(&t.contents, t.destination);
                }
                Output::Event(Event::MediaData(d)) => {
                    self.received += 1;
                    if measuring && d.data.len() >= 16 {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(&d.data[8..16]);
                        let sent = u64::from_le_bytes(b);
                        let at = now.duration_since(epoch).as_micros() as u64;
                        self.latencies.push(at.saturating_sub(sent) as u32);
                    }
                }
                Output::Event(Event::KeyframeRequest(_)) => self.force_key = true,
                Output::Event(_) => {}
            }
        }
    }

    fn send(&mut self, now: Instant, epoch: Instant) {
        let stamp = (now.duration_since(epoch).as_micros() as u64).to_le_bytes();
        let video_due = now >= self.next_video;
        let audio_due = now >= self.next_audio;
        for (mid, kind) in self.sending.clone() {
            let (due, codec, size) = match kind {
                MediaKind::Video => (video_due, Codec::Vp8, 1200),
                MediaKind::Audio => (audio_due, Codec::Opus, 80),
            };
            if !due {
                continue;
            }
            let mut data = match kind {
                MediaKind::Video if self.force_key || self.frames.is_multiple_of(90) => {
                    vec![0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02]
                }
                MediaKind::Video => vec![0x51, 0x02, 0x00, 0, 0, 0, 0, 0],
                MediaKind::Audio => vec![0xf8, 0xff, 0xfe, 0, 0, 0, 0, 0],
            };
            data.extend_from_slice(&stamp);
            data.resize(size, 0x42);
            let micros = now.duration_since(epoch).as_micros() as u64;
            let time = match kind {
                MediaKind::Video => MediaTime::from_90khz(micros * 9 / 100),
                MediaKind::Audio => MediaTime::new(micros * 48 / 1000, Frequency::FORTY_EIGHT_KHZ),
            };
            let Some(w) = self.rtc.writer(mid) else { continue };
            let Some(pt) = w.payload_params().find(|p| p.spec().codec == codec).map(|p| p.pt()) else { continue };
            if w.write(pt, now, time, data).is_ok() && kind == MediaKind::Video {
                self.force_key = false;
            }
        }
        if video_due {
            self.frames += 1;
            self.next_video = now + Duration::from_micros(33_333);
        }
        if audio_due {
            self.next_audio = now + Duration::from_millis(20);
        }
    }
}

async fn call(router: &axum::Router, method: &str, path: &str, body: Option<Value>) -> Value {
    let req = Request::builder()
        .method(method)
        .uri(format!("/v1/apps/{APP}/{path}"))
        .header("authorization", format!("Bearer {SECRET}"))
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty))
        .expect("request");
    let resp = router.clone().oneshot(req).await.expect("infallible");
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22).await.expect("body");
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// One harness polling interval. A short blocking sleep instead of tokio's 1 ms timer wheel,
/// so the harness's own polling adds ~0.1 ms rather than ~1-2 ms to each hop it observes.
fn tick() {
    std::thread::sleep(Duration::from_micros(100));
}

/// CPU time (user + system) of the calling thread.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0) + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// Latency of the same harness without the SFU: one publisher wired straight to one
/// subscriber. Subtracting it from the SFU figures gives what the SFU adds.
async fn direct_baseline(epoch: Instant, secs: u64) -> (f64, f64) {
    let mut p = Peer::new(epoch);
    let mut s = Peer::new(epoch);
    let mut api = p.rtc.sdp_api();
    let a = api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    let v = api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
    let (offer, pending) = api.apply().expect("offer");
    let answer = s.rtc.sdp_api().accept_offer(offer).expect("answer");
    p.rtc.sdp_api().accept_answer(pending, answer).expect("accept");
    p.sending = vec![(a, MediaKind::Audio), (v, MediaKind::Video)];
    let warm = Instant::now() + Duration::from_secs(1);
    let until = warm + Duration::from_secs(secs);
    while Instant::now() < until {
        let measuring = Instant::now() >= warm;
        p.pump(epoch, measuring);
        s.pump(epoch, measuring);
        tick();
    }
    s.latencies.sort_unstable();
    (percentile(&s.latencies, 0.5), percentile(&s.latencies, 0.99))
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (n, m, secs) = (args.first().copied().unwrap_or(2), args.get(1).copied().unwrap_or(4), args.get(2).copied().unwrap_or(10));

    // The SFU gets its own thread and runtime, so its CPU time can be read on its own.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let mut config = satsuma_sfu::SfuConfig::new(APP, SECRET, "127.0.0.1:0".parse().expect("addr"));
            config.stats_log_interval = None;
            let handle = satsuma_sfu::start(config).await.expect("sfu");
            let _ = tx.send(handle);
            std::future::pending::<()>().await;
        });
    });
    let handle = rx.recv().expect("sfu handle");
    let router = satsuma_sfu::http::router(handle.clone());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let epoch = Instant::now();

    rt.block_on(async move {
        let mut pubs: Vec<(Peer, String)> = Vec::new();
        let mut subs: Vec<Peer> = Vec::new();
        let all_pump = |pubs: &mut Vec<(Peer, String)>, subs: &mut Vec<Peer>, measuring: bool| {
            for (p, _) in pubs.iter_mut() {
                p.pump(epoch, measuring);
            }
            for s in subs.iter_mut() {
                s.pump(epoch, measuring);
            }
        };
        for i in 0..n {
            let mut p = Peer::new(epoch);
            let sid = call(&router, "POST", "sessions/new", None).await["sessionId"].as_str().expect("sid").to_owned();
            let mut api = p.rtc.sdp_api();
            let a = api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
            let v = api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
            let (offer, pending) = api.apply().expect("offer");
            let body = json!({"sessionDescription": {"type": "offer", "sdp": offer.to_sdp_string()},
                "tracks": [{"location": "local", "mid": a.to_string(), "trackName": format!("a{i}")},
                           {"location": "local", "mid": v.to_string(), "trackName": format!("v{i}")}]});
            let r = call(&router, "POST", &format!("sessions/{sid}/tracks/new"), Some(body)).await;
            let answer = SdpAnswer::from_sdp_string(r["sessionDescription"]["sdp"].as_str().expect("answer")).expect("answer");
            p.rtc.sdp_api().accept_answer(pending, answer).expect("accept");
            p.sending = vec![(a, MediaKind::Audio), (v, MediaKind::Video)];
            pubs.push((p, sid));
        }
        // Let publishers connect and start sending before anyone pulls.
        let until = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < until {
            all_pump(&mut pubs, &mut subs, false);
            tick();
        }
        for _ in 0..m {
            let mut s = Peer::new(epoch);
            let sid = call(&router, "POST", "sessions/new", None).await["sessionId"].as_str().expect("sid").to_owned();
            let tracks: Vec<Value> = pubs
                .iter()
                .enumerate()
                .flat_map(|(i, (_, psid))| {
                    [json!({"location": "remote", "sessionId": psid, "trackName": format!("a{i}")}),
                     json!({"location": "remote", "sessionId": psid, "trackName": format!("v{i}")})]
                })
                .collect();
            let r = call(&router, "POST", &format!("sessions/{sid}/tracks/new"), Some(json!({"tracks": tracks}))).await;
            if std::env::var_os("BENCH_DEBUG").is_some() {
                eprintln!("pull: {}", r["tracks"]);
                eprintln!("publishers connected: {:?}", pubs.iter().map(|(p, _)| p.rtc.is_connected()).collect::<Vec<_>>());
            }
            let offer = SdpOffer::from_sdp_string(r["sessionDescription"]["sdp"].as_str().expect("offer")).expect("offer");
            let answer = s.rtc.sdp_api().accept_offer(offer).expect("answer");
            let body = json!({"sessionDescription": {"type": "answer", "sdp": answer.to_sdp_string()}});
            call(&router, "PUT", &format!("sessions/{sid}/renegotiate"), Some(body)).await;
            subs.push(s);
            all_pump(&mut pubs, &mut subs, false);
        }
        // Warm up, then measure.
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            all_pump(&mut pubs, &mut subs, false);
            tick();
        }
        let stats0 = handle.stats().await.expect("stats");
        let cpu0 = handle.call(|_, _| thread_cpu()).await.expect("cpu");
        let t0 = Instant::now();
        let until = t0 + Duration::from_secs(secs);
        while Instant::now() < until {
            all_pump(&mut pubs, &mut subs, true);
            tick();
        }
        let elapsed = t0.elapsed().as_secs_f64();
        let stats1 = handle.stats().await.expect("stats");
        let cpu1 = handle.call(|_, _| thread_cpu()).await.expect("cpu");

        let streams = (n * 2 * m) as f64;
        let frames = (stats1.media_forwarded - stats0.media_forwarded) as f64 / elapsed;
        let datagrams = (stats1.datagrams_out - stats0.datagrams_out) as f64 / elapsed;
        let bytes = (stats1.bytes_forwarded - stats0.bytes_forwarded) as f64 / elapsed;
        let cpu = (cpu1 - cpu0).as_secs_f64() / elapsed;
        let mut lat: Vec<u32> = subs.iter().flat_map(|s| s.latencies.iter().copied()).collect();
        lat.sort_unstable();
        let received: u64 = subs.iter().map(|s| s.received).sum();

        let (base50, base99) = direct_baseline(epoch, secs.min(5)).await;
        println!("| N pub | M sub | streams | fwd frames/s | out datagrams/s | fwd Mbit/s | SFU CPU (core) | CPU per stream | latency p50 | latency p99 | frames seen |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        println!(
            "| {n} | {m} | {streams} | {frames:.0} | {datagrams:.0} | {:.2} | {:.1}% | {:.3}% | {:.2} ms | {:.2} ms | {received} |",
            bytes * 8.0 / 1e6,
            cpu * 100.0,
            cpu * 100.0 / streams.max(1.0),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
        );
        println!(
            "\nSame harness without the SFU (1 publisher -> 1 subscriber direct): p50 {base50:.2} ms, p99 {base99:.2} ms.\n\
             Added by the SFU: p50 {:.2} ms, p99 {:.2} ms.",
            percentile(&lat, 0.5) - base50,
            percentile(&lat, 0.99) - base99,
        );
    });
}
