//! Interop with aiortc (Python): the script in `tests/aiortc/interop.py` talks to the SFU over
//! real HTTP and UDP on 127.0.0.1 and covers push, pull with an SFU offer, renegotiation,
//! decoded media and a forced close. Its peers use max-bundle, so they only connect when
//! every bundled m-section carries the SFU's candidates.
//!
//! Python: `.tools/venv/bin/python` (made by `cargo xtask setup`) when present, else
//! `python3`. Without an importable aiortc the test is skipped with a message, unless
//! `SATSUMA_REQUIRE_AIORTC` is set (to anything but `0`), which turns that into a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

/// The interpreter to use, or `None` to skip (after saying why).
fn python_with_aiortc() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = root.join(".tools/venv/bin/python");
    let python = if venv.exists() { venv } else { PathBuf::from("python3") };
    let importable = Command::new(&python).args(["-c", "import aiortc"]).output().is_ok_and(|o| o.status.success());
    if importable {
        return Some(python);
    }
    let required = std::env::var("SATSUMA_REQUIRE_AIORTC").is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(!required, "SATSUMA_REQUIRE_AIORTC is set but `{} -c 'import aiortc'` fails: run `cargo xtask setup`", python.display());
    eprintln!(
        "SKIPPED aiortc interop test: aiortc is not importable with {} \
         (run `cargo xtask setup`, or set SATSUMA_REQUIRE_AIORTC=1 to fail instead)",
        python.display()
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aiortc_push_pull_renegotiate_and_forced_close() {
    let Some(python) = python_with_aiortc() else { return };
    let sfu = TestSfu::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind http");
    let addr = listener.local_addr().expect("http addr");
    let router = sfu.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/aiortc/interop.py");
    let started = Instant::now();
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(format!("http://{addr}/v1/apps/{APP}"))
        .arg(SECRET)
        .kill_on_drop(true)
        .output();
    let out =
        tokio::time::timeout(Duration::from_secs(90), run).await.expect("the aiortc script finished within 90 s").expect("python starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("aiortc script ({:?}): {stdout}", started.elapsed());
    assert!(out.status.success(), "aiortc script failed ({}):\n{stderr}\n{stdout}", out.status);

    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(summary["video_frames_after_close"], 0, "{summary}");
    assert!(summary["video_frames"].as_u64().unwrap_or(0) >= 30, "{summary}");
    let stats = sfu.handle.stats().await.expect("stats");
    assert!(stats.media_forwarded >= 55, "{stats:?}");
}
