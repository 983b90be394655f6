//! Join latency: from the click on Join to the first remote video frame, in ms.
//!
//! `cargo xtask bench join` runs it with the built app. For each room size N (default 2 and 6),
//! N-1 browsers wait in the room and the N-th joins and leaves 10 times (a reload between runs).

use std::time::Duration;

use anyhow::Context;
use satsuma_e2e::{Browser, Harness};

const RUNS: usize = 10;

/// Records the click time and the first frame of any remote video, in page time.
const WATCH: &str = r#"
const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Join');
window.__joinAt = null; window.__firstFrameAt = null;
button.addEventListener('click', () => {
  window.__joinAt = performance.now();
  const tick = () => {
    const v = [...document.querySelectorAll('figure.participant video:not(.mirrored)')].find(v => v.videoWidth > 0);
    if (v) { window.__firstFrameAt = performance.now(); } else { requestAnimationFrame(tick); }
  };
  requestAnimationFrame(tick);
}, { capture: true });
return true;
"#;

async fn one_join(joiner: &Browser, room: &str) -> anyhow::Result<f64> {
    joiner.open(&format!("/{room}")).await?;
    joiner
        .wait_for(
            "the Join button",
            Duration::from_secs(20),
            "return [...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Join');",
        )
        .await?;
    joiner.eval(WATCH).await?;
    joiner.join_here("Joiner").await?;
    joiner.wait_for("the first remote frame", Duration::from_secs(30), "return window.__firstFrameAt !== null;").await?;
    if std::env::var_os("JOIN_BENCH_VERBOSE").is_some() {
        let calls = joiner
            .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/') && e.startTime >= window.__joinAt).map(e => [e.name.split('/api/')[1].slice(0, 60), Math.round(e.startTime - window.__joinAt), Math.round(e.duration)]);")
            .await?;
        println!("  api calls [path, start ms after Join, duration ms]: {calls}");
    }
    let ms = joiner.eval("return window.__firstFrameAt - window.__joinAt;").await?;
    ms.as_f64().context("no timing")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![2, 6] } else { sizes };
    let harness = Harness::start().await?;
    println!("\n  join -> first remote frame (ms), {RUNS} runs each");
    println!("  {:>12} {:>8} {:>8} {:>8} {:>8}", "participants", "p50", "p90", "min", "max");
    for n in sizes {
        let room = format!("bench-{n}");
        let mut waiting = Vec::new();
        for i in 1..n {
            let b = harness.browser().await?;
            b.join(&room, &format!("Peer {i}")).await?;
            waiting.push(b);
        }
        // Let the waiting peers finish publishing before timing anything.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let joiner = harness.browser().await?;
        let mut samples = Vec::new();
        for _ in 0..RUNS {
            samples.push(one_join(&joiner, &room).await?);
        }
        samples.sort_by(f64::total_cmp);
        println!(
            "  {n:>12} {:>8.0} {:>8.0} {:>8.0} {:>8.0}",
            percentile(&samples, 0.5),
            percentile(&samples, 0.9),
            samples[0],
            samples[samples.len() - 1]
        );
        joiner.close().await?;
        for b in waiting {
            b.close().await?;
        }
    }
    Ok(())
}
