//! SFU benchmark: publishers sending what a camera sends, subscribers pulling all of it, on
//! loopback through real str0m peers.
//!
//! Each publisher sends Opus (50 packets/s) and VP8 in three simulcast layers (about 1.2
//! Mbit/s, 300 and 100 kbit/s at 30 fps, so several packets per frame on the top layer), and
//! answers the SFU's RTCP. Each subscriber pulls every publisher's audio and video; the SFU
//! forwards it the top layer. Two subscribers are probes that decrypt and decode everything
//! and time each frame; the rest count RTP headers without decrypting (see `peers`), so the
//! harness can take the SFU's whole output on the same machine.
//!
//! Reports the datagrams the SFU sends per second, its CPU (all its threads, from
//! `/proc/self/task/*/schedstat`), datagrams per busy core, the latency the SFU adds (probe
//! latency minus the same harness wired straight through), and loss (RTP sequence gaps at
//! the counting subscribers, and the kernel's UDP receive-buffer drops).
//!
//! Usage: `cargo xtask bench sfu [STREAMS|PxS ...] [--secs S] [--threads N[,N…]]`, where a
//! stream is one track forwarded to one subscriber: 192 (6 publishers × 16 subscribers),
//! 512 (16 × 16) and 1024 (16 × 32) are the presets and the default, each with one and
//! with two media threads unless `--threads` says otherwise.

mod peers;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use str0m::change::{SdpAnswer, SdpOffer};
use str0m::media::{Direction, MediaKind, Simulcast, SimulcastLayer};
use tower::ServiceExt;

use peers::{Counter, Probe, Publisher, LAYERS};

/// The allocator `satsuma` runs with, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const APP: &str = "bench";
const SECRET: &str = "bench-secret";
/// Subscribers that decode everything (the rest only count).
const PROBES: usize = 2;

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

/// One harness polling interval: a short blocking sleep, so the harness adds ~0.1 ms.
fn tick() {
    std::thread::sleep(Duration::from_micros(100));
}

/// CPU time of this process's threads whose name starts with `prefix`, and the time they
/// were ready to run but waited for a core.
fn threads_cpu(prefix: &str) -> (Duration, Duration) {
    let (mut total, mut waited) = (Duration::ZERO, Duration::ZERO);
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let (ran, wait) = schedstat(&task.path().join("schedstat"));
        total += ran;
        waited += wait;
    }
    (total, waited)
}

/// A thread's `schedstat`: its time on a core, and its time ready to run but waiting.
fn schedstat(path: &std::path::Path) -> (Duration, Duration) {
    let sched = std::fs::read_to_string(path).unwrap_or_default();
    let mut fields = sched.split_whitespace().map(|v| Duration::from_nanos(v.parse().unwrap_or(0)));
    (fields.next().unwrap_or_default(), fields.next().unwrap_or_default())
}

/// The kernel's count of UDP datagrams dropped for a full receive buffer (all sockets).
fn udp_drops() -> u64 {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut lines = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else { return 0 };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(n, _)| *n == "RcvbufErrors")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).map_or(f64::NAN, |v| *v as f64 / 1000.0)
}

/// CPU time of the calling thread.
fn own_cpu() -> Duration {
    schedstat(std::path::Path::new("/proc/thread-self/schedstat")).0
}

/// Pumps `work` on its own thread until `until`, measuring from `from`; returns it and the
/// thread's CPU time while measuring.
fn pump_thread<T: Send + 'static>(
    name: &str,
    mut work: T,
    from: Instant,
    until: Instant,
    mut step: impl FnMut(&mut T, bool) + Send + 'static,
) -> std::thread::JoinHandle<(T, Duration)> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let mut cpu0 = None;
            while Instant::now() < until {
                let measuring = Instant::now() >= from;
                if measuring && cpu0.is_none() {
                    cpu0 = Some(own_cpu());
                }
                step(&mut work, measuring);
                tick();
            }
            let cpu = own_cpu().saturating_sub(cpu0.unwrap_or_default());
            (work, cpu)
        })
        .expect("thread")
}

/// Negotiates a publisher: audio, and video in `LAYERS`.
async fn publish(router: &axum::Router, p: &mut Publisher, i: usize) -> String {
    let sid = call(router, "POST", "sessions/new", None).await["sessionId"].as_str().expect("sid").to_owned();
    let mut simulcast = Simulcast::new();
    for (rid, _) in LAYERS {
        simulcast.add_send_layer(SimulcastLayer::new(rid));
    }
    let mut api = p.peer.rtc.sdp_api();
    let a = api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    let v = api.add_media(MediaKind::Video, Direction::SendOnly, None, None, Some(simulcast));
    let (offer, pending) = api.apply().expect("offer");
    let body = json!({"sessionDescription": {"type": "offer", "sdp": offer.to_sdp_string()},
        "tracks": [{"location": "local", "mid": a.to_string(), "trackName": format!("a{i}")},
                   {"location": "local", "mid": v.to_string(), "trackName": format!("v{i}")}]});
    let r = call(router, "POST", &format!("sessions/{sid}/tracks/new"), Some(body)).await;
    let answer = SdpAnswer::from_sdp_string(r["sessionDescription"]["sdp"].as_str().expect("answer")).expect("answer");
    p.peer.rtc.sdp_api().accept_answer(pending, answer).expect("accept");
    p.mids = Some((a, v));
    sid
}

/// Pulls every publisher's two tracks into `rtc`'s session.
async fn subscribe(router: &axum::Router, rtc: &mut str0m::Rtc, publishers: &[String]) {
    let sid = call(router, "POST", "sessions/new", None).await["sessionId"].as_str().expect("sid").to_owned();
    let tracks: Vec<Value> = publishers
        .iter()
        .enumerate()
        .flat_map(|(i, psid)| {
            [
                json!({"location": "remote", "sessionId": psid, "trackName": format!("a{i}")}),
                json!({"location": "remote", "sessionId": psid, "trackName": format!("v{i}")}),
            ]
        })
        .collect();
    let r = call(router, "POST", &format!("sessions/{sid}/tracks/new"), Some(json!({"tracks": tracks}))).await;
    let offer = SdpOffer::from_sdp_string(r["sessionDescription"]["sdp"].as_str().expect("offer")).expect("offer");
    let answer = rtc.sdp_api().accept_offer(offer).expect("answer");
    let body = json!({"sessionDescription": {"type": "answer", "sdp": answer.to_sdp_string()}});
    call(router, "PUT", &format!("sessions/{sid}/renegotiate"), Some(body)).await;
}

/// The control pair: one publisher (its top layer only) wired straight into one probe, run
/// on the same threads as the rest while the SFU is measured, so its latency is the
/// harness's own under the same load; what the SFU adds is the difference.
fn direct_pair(epoch: Instant) -> (Publisher, Probe) {
    let mut p = Publisher::new(epoch, 0.5);
    p.simulcast = false;
    let mut s = Probe::new();
    let mut api = p.peer.rtc.sdp_api();
    let a = api.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    let v = api.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
    let (offer, pending) = api.apply().expect("offer");
    let answer = s.peer.rtc.sdp_api().accept_offer(offer).expect("answer");
    p.peer.rtc.sdp_api().accept_answer(pending, answer).expect("accept");
    p.mids = Some((a, v));
    (p, s)
}

struct Options {
    shapes: Vec<(usize, usize)>,
    secs: u64,
    threads: Vec<usize>,
}

fn options() -> Options {
    let mut o = Options { shapes: Vec::new(), secs: 10, threads: Vec::new() };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--secs" => o.secs = args.next().and_then(|v| v.parse().ok()).unwrap_or(o.secs),
            "--threads" => {
                o.threads = args.next().unwrap_or_default().split(',').filter_map(|v| v.parse().ok()).filter(|n| *n > 0).collect()
            }
            "192" => o.shapes.push((6, 16)),
            "512" => o.shapes.push((16, 16)),
            "1024" => o.shapes.push((16, 32)),
            other => match other.split_once('x').and_then(|(p, s)| Some((p.parse().ok()?, s.parse().ok()?))) {
                Some(shape) => o.shapes.push(shape),
                None => eprintln!("ignored argument `{other}` (expected 192, 512, 1024, PxS, --secs S or --threads N)"),
            },
        }
    }
    if o.shapes.is_empty() {
        o.shapes = vec![(6, 16), (16, 16), (16, 32)];
    }
    if o.threads.is_empty() {
        o.threads = vec![1, 2];
    }
    o
}

/// One measured run: a fresh SFU with `threads` media threads, `n` publishers, `m` subscribers.
fn run(n: usize, m: usize, threads: usize, o: &Options, epoch: Instant) -> String {
    // A runtime for `start` to be called in; the SFU's own threads are named `sfu-`, so
    // their CPU can be read.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("bench-sfu-host".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let mut config = satsuma_sfu::SfuConfig::new(APP, SECRET, "127.0.0.1:0".parse().expect("addr"));
                config.stats_log_interval = None;
                config.media_threads = threads;
                let handle = satsuma_sfu::start(config).await.expect("sfu");
                let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
                let _ = tx.send((handle, stop));
                let _ = stopped.await;
            });
        })
        .expect("sfu thread");
    let (handle, stop) = rx.recv().expect("sfu handle");
    let router = satsuma_sfu::http::router(handle.clone());
    if std::env::var_os("BENCH_DEBUG").is_some() {
        eprintln!("SFU media on {}", handle.media_addr());
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");

    let mut pubs: Vec<Publisher> = (0..n).map(|i| Publisher::new(epoch, i as f64 / n as f64)).collect();
    let mut probes: Vec<Probe> = (0..PROBES.min(m)).map(|_| Probe::new()).collect();
    let mut counters: Vec<Counter> = (0..m.saturating_sub(PROBES)).map(|_| Counter::new()).collect();
    let settle = |pubs: &mut Vec<Publisher>, probes: &mut Vec<Probe>, counters: &mut Vec<Counter>, d: Duration| {
        let until = Instant::now() + d;
        while Instant::now() < until {
            pubs.iter_mut().for_each(|p| p.pump(epoch));
            probes.iter_mut().for_each(|p| p.pump(epoch, false));
            counters.iter_mut().for_each(|c| c.pump(false));
            tick();
        }
    };
    let mut ids = Vec::new();
    for (i, p) in pubs.iter_mut().enumerate() {
        ids.push(rt.block_on(publish(&router, p, i)));
    }
    // Publishers connect and send before anyone pulls.
    settle(&mut pubs, &mut probes, &mut counters, Duration::from_millis(1500));
    for p in &mut probes {
        rt.block_on(subscribe(&router, &mut p.peer.rtc, &ids));
    }
    for c in &mut counters {
        rt.block_on(subscribe(&router, &mut c.peer.rtc, &ids));
    }
    // The control pair joins the pumps last, so it is the last publisher and probe.
    let (control_pub, control_probe) = direct_pair(epoch);
    pubs.push(control_pub);
    probes.push(control_probe);
    // Connections, keyframes, and the layers' liveness settle; then every counter must be
    // getting every publisher's audio and video (a subscriber that connected late would
    // otherwise start inside the measurement, waiting for its first keyframes).
    settle(&mut pubs, &mut probes, &mut counters, Duration::from_secs(3));
    let deadline = Instant::now() + Duration::from_secs(15);
    while counters.iter().any(|c| c.streams() < 2 * n) && Instant::now() < deadline {
        settle(&mut pubs, &mut probes, &mut counters, Duration::from_millis(200));
    }
    let short = counters.iter().filter(|c| c.streams() < 2 * n).count();
    if short > 0 {
        eprintln!("  {n}×{m}: {short} counting subscribers still miss streams after 18 s");
    }

    let from = Instant::now() + Duration::from_millis(200);
    let until = from + Duration::from_secs(o.secs);
    // Frames stamped in this span are counted when sent and when received; it ends early
    // enough for the last of them to arrive before the pumps stop.
    let micros = |t: Instant| t.duration_since(epoch).as_micros() as u64;
    let window = Some((micros(from), micros(until - Duration::from_millis(500))));
    pubs.iter_mut().for_each(|p| p.window = window);
    probes.iter_mut().for_each(|p| p.window = window);
    let senders = pump_thread("bench-pub", pubs, from, until, move |pubs, _| pubs.iter_mut().for_each(|p| p.pump(epoch)));
    let probing =
        pump_thread("bench-probe", probes, from, until, move |probes, measuring| probes.iter_mut().for_each(|p| p.pump(epoch, measuring)));
    let counting =
        pump_thread("bench-count", counters, from, until, |counters, measuring| counters.iter_mut().for_each(|c| c.pump(measuring)));
    std::thread::sleep(from.saturating_duration_since(Instant::now()));
    let (stats0, cpu0, drops0, t0) = (rt.block_on(handle.stats()).expect("stats"), threads_cpu("sfu-"), udp_drops(), Instant::now());
    std::thread::sleep(until.saturating_duration_since(Instant::now()));
    let (stats1, cpu1, drops1) = (rt.block_on(handle.stats()).expect("stats"), threads_cpu("sfu-"), udp_drops());
    let elapsed = t0.elapsed().as_secs_f64();
    let (mut pubs, pub_cpu) = senders.join().expect("publishers");
    let (mut probes, probe_cpu) = probing.join().expect("probes");
    let mut late: Vec<u32> = pubs.iter().flat_map(|p| p.lateness.iter().copied()).collect();
    late.sort_unstable();
    let (_, mut control) = (pubs.pop(), probes.pop().expect("control probe"));
    control.latencies.sort_unstable();
    let (base50, base99) = (percentile(&control.latencies, 0.5), percentile(&control.latencies, 0.99));
    let expected = pubs.iter().map(|p| p.sent_in_window).sum::<u64>() * probes.len() as u64;
    let got = probes.iter().map(|p| p.received_in_window).sum::<u64>();
    let frame_loss = 100.0 - got as f64 * 100.0 / expected.max(1) as f64;
    let (counters, count_cpu) = counting.join().expect("counters");
    let _ = stop.send(());

    let streams = n * 2 * m;
    let datagrams = (stats1.datagrams_out - stats0.datagrams_out) as f64 / elapsed;
    let bits = (stats1.bytes_forwarded - stats0.bytes_forwarded) as f64 * 8.0 / elapsed;
    let cpu = (cpu1.0 - cpu0.0).as_secs_f64() / elapsed;
    let waited = (cpu1.1 - cpu0.1).as_secs_f64() / elapsed;
    let mut lat: Vec<u32> = probes.iter().flat_map(|p| p.latencies.iter().copied()).collect();
    lat.sort_unstable();
    let (received, missing) = counters.iter().fold((0, 0), |(r, m), c| (r + c.received, m + c.missing));
    let gaps = missing as f64 * 100.0 / (received + missing).max(1) as f64;
    let per_counter = (counters.iter().map(|c| c.received).min().unwrap_or(0), counters.iter().map(|c| c.received).max().unwrap_or(0));
    eprintln!(
        "  {n}×{m}: harness CPU {:.0} % publishing, {:.0} % probing, {:.0} % counting; probes saw {} frames; {received} RTP datagrams counted ({} to {} per counter); SFU path p50 {:.2} ms, p99 {:.2} ms; control pair p50 {base50:.2} ms, p99 {base99:.2} ms; SFU threads waited for a core {:.1} % of the time; frames written late by p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pub_cpu.as_secs_f64() * 100.0 / elapsed,
        probe_cpu.as_secs_f64() * 100.0 / elapsed,
        count_cpu.as_secs_f64() * 100.0 / elapsed,
        probes.iter().map(|p| p.frames).sum::<u64>(),
        per_counter.0,
        per_counter.1,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        waited * 100.0,
        percentile(&late, 0.5),
        percentile(&late, 0.99),
        percentile(&late, 1.0),
    );
    format!(
        "| {n}×{m} | {streams} | {threads} | {datagrams:.0} | {:.1} | {:.1} % | {:.0} | {:.2} / {:.2} ms | {frame_loss:.2} % | {gaps:.3} % | {} |",
        bits / 1e6,
        cpu * 100.0,
        datagrams / cpu.max(1e-9),
        percentile(&lat, 0.5) - base50,
        percentile(&lat, 0.99) - base99,
        drops1 - drops0,
    )
}

fn main() {
    let o = options();
    // Every peer's timestamps count from here.
    let epoch = Instant::now();
    println!("| publishers × subscribers | streams | media threads | datagrams/s out | Mbit/s forwarded | SFU CPU | datagrams/s per busy core | added latency p50 / p99 | frames lost | RTP gaps | kernel drops |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &threads in &o.threads {
        for &(n, m) in &o.shapes {
            println!("{}", run(n, m, threads, &o, epoch));
        }
    }
}
