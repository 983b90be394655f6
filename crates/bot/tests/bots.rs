//! Bots in a real room: `satsuma serve`'s router and embedded SFU in-process, bots over
//! loopback WebSocket, HTTP and UDP.

use std::time::{Duration, Instant};

use clap::Parser;
use satsuma_bot::{BotConfig, BotReport, Bots, LoopConfig};
use satsuma_protocol::secret::Secret;
use satsuma_server::config::{Cli, Command};
use satsuma_server::upstream::Upstream;
use satsuma_server::AppState;

/// `satsuma serve` on 127.0.0.1 without the app's files: returns its base URL.
async fn serve() -> String {
    let Command::Serve(args) = Cli::parse_from(["satsuma", "serve", "--listen", "127.0.0.1:0"]).command else { panic!("not serve") };
    let mut config = satsuma_sfu::SfuConfig::new("bots-app", "bots-secret", "127.0.0.1:0".parse().expect("addr"));
    config.stats_log_interval = None;
    let sfu = satsuma_sfu::start(config).await.expect("sfu starts");
    let upstream = Upstream::embedded(satsuma_sfu::http::router(sfu), "/v1", "bots-app".into(), Secret::new("bots-secret"));
    // No app files: the API is all the bots use.
    let app = satsuma_server::app(AppState::from_args(&args, upstream).expect("no token key set"), &std::env::temp_dir());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn config(server: &str, room: &str, count: usize, prefix: &str, subscribe: bool) -> BotConfig {
    BotConfig { server: server.into(), room: room.into(), count, name_prefix: prefix.into(), subscribe, media: LoopConfig::default() }
}

/// Polls `bots` until `done` holds for their reports, or panics after `timeout`.
async fn wait_until(bots: &Bots, what: &str, timeout: Duration, done: impl Fn(&[BotReport]) -> bool) {
    let start = Instant::now();
    loop {
        let reports = bots.reports();
        if done(&reports) {
            return;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}: {reports:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Frames received on the tracks whose name ends with `name` (`mic` or `camera`).
fn frames(report: &BotReport, name: &str) -> Vec<u64> {
    report.received.iter().filter(|(r, _)| r.ends_with(&format!("/{name}"))).map(|(_, n)| *n).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_bots_receive_each_other_and_leave_within_a_second() {
    let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_test_writer().try_init();
    let server = serve().await;
    let bots = Bots::start(config(&server, "three", 3, "Bot", true)).await.expect("bots start");
    let start = Instant::now();
    wait_until(&bots, "every bot to receive both others' camera and mic", Duration::from_secs(20), |reports| {
        reports.iter().all(|r| {
            let (video, audio) = (frames(r, "camera"), frames(r, "mic"));
            video.len() == 2 && audio.len() == 2 && video.iter().all(|n| *n >= 15) && audio.iter().all(|n| *n >= 25)
        })
    })
    .await;
    eprintln!("3 bots: every one received 15 video and 25 audio frames from both others {:?} after start", start.elapsed());
    for r in bots.reports() {
        assert!(r.connected && r.failure.is_none(), "{r:?}");
        assert!(r.video_sent >= 15 && r.audio_sent >= 25, "{r:?}");
    }

    let leaving = Instant::now();
    let reports = bots.leave(Duration::from_secs(5)).await;
    let took = leaving.elapsed();
    eprintln!("3 bots left in {took:?}");
    assert!(reports.iter().all(|r| r.left), "{reports:#?}");
    assert!(took <= Duration::from_secs(1), "leaving took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_without_subscribe_publishes_but_pulls_nothing() {
    let server = serve().await;
    let quiet = Bots::start(config(&server, "quiet", 1, "Quiet", false)).await.expect("quiet bot starts");
    let loud = Bots::start(config(&server, "quiet", 1, "Loud", true)).await.expect("loud bot starts");
    wait_until(&loud, "the subscribing bot to receive the quiet one's camera", Duration::from_secs(20), |reports| {
        reports.iter().all(|r| frames(r, "camera").iter().any(|n| *n >= 15))
    })
    .await;
    // Give the quiet bot every chance to pull, had it wanted to.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let reports = quiet.reports();
    assert!(reports[0].connected && reports[0].video_sent > 0, "{reports:?}");
    assert!(reports[0].received.is_empty(), "pulled although --no-subscribe: {reports:?}");
    let (quiet, loud) = tokio::join!(quiet.leave(Duration::from_secs(5)), loud.leave(Duration::from_secs(5)));
    assert!(quiet.iter().chain(&loud).all(|r| r.left), "{quiet:?} {loud:?}");
}
