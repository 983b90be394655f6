//! Join latency: from the click on Join to the first frame of every remote video, in ms.
//!
//! `cargo xtask bench join` runs it with the built app. For each room size N (default 2, 8
//! and 16), N-1 bots (`satsuma_bot`) publish and subscribe in the room, and one Chromium
//! joins and leaves 10 times (a reload between runs), until every remote video on the first
//! page of the grid shows a frame. At the largest size it also reads
//! `satsuma serve`'s CPU time while everyone receives everyone.

use std::time::{Duration, Instant};

use anyhow::Context;
use satsuma_bot::{BotConfig, Bots, LoopConfig};
use satsuma_e2e::{Browser, Harness};

const RUNS: usize = 10;
/// Tiles on the call page's first page at the harness' 1280×800 window (the app's
/// `PAGE_SIZE`): in bigger rooms the others are received but shown on later pages.
const FIRST_PAGE_TILES: usize = 9;
/// How long the server's CPU time is sampled.
const CPU_WINDOW: Duration = Duration::from_secs(10);

/// Records the click time and when `expected` remote videos have all shown a frame.
fn watch(expected: usize) -> String {
    format!(
        r#"
const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Join');
window.__joinAt = null; window.__firstFrameAt = null; window.__allFramesAt = null;
button.addEventListener('click', () => {{
  window.__joinAt = performance.now();
  const tick = () => {{
    const shown = [...document.querySelectorAll('figure.participant video:not(.mirrored)')].filter(v => v.videoWidth > 0).length;
    if (shown > 0 && window.__firstFrameAt === null) window.__firstFrameAt = performance.now();
    if (shown >= {expected}) {{ window.__allFramesAt = performance.now(); }} else {{ requestAnimationFrame(tick); }}
  }};
  requestAnimationFrame(tick);
}}, {{ capture: true }});
return true;
"#
    )
}

/// One join: (first remote frame, every remote video's first frame), in ms after the click.
async fn one_join(joiner: &Browser, room: &str, expected: usize) -> anyhow::Result<(f64, f64)> {
    joiner.open(&format!("/{room}")).await?;
    joiner
        .wait_for(
            "the Join button",
            Duration::from_secs(20),
            "return [...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Join');",
        )
        .await?;
    joiner.eval(&watch(expected)).await?;
    joiner.join_here("Joiner").await?;
    joiner.wait_for("every remote video's first frame", Duration::from_secs(60), "return window.__allFramesAt !== null;").await?;
    if std::env::var_os("JOIN_BENCH_VERBOSE").is_some() {
        let calls = joiner
            .eval("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/') && e.startTime >= window.__joinAt).map(e => [e.name.split('/api/')[1].slice(0, 60), Math.round(e.startTime - window.__joinAt), Math.round(e.duration)]);")
            .await?;
        println!("  api calls [path, start ms after Join, duration ms]: {calls}");
    }
    let first = joiner.eval("return window.__firstFrameAt - window.__joinAt;").await?.as_f64().context("no timing")?;
    let all = joiner.eval("return window.__allFramesAt - window.__joinAt;").await?.as_f64().context("no timing")?;
    Ok((first, all))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// User plus system CPU time of a process, from `/proc/{pid}/stat`.
fn cpu_time(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).context("odd /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields
        .get(11)
        .zip(fields.get(12))
        .and_then(|(u, s)| Some(u.parse::<u64>().ok()? + s.parse::<u64>().ok()?))
        .context("no cpu fields")?;
    // USER_HZ is 100 on Linux.
    Ok(Duration::from_millis(ticks * 10))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![2, 8, 16] } else { sizes };
    let largest = sizes.iter().copied().max().unwrap_or(2);
    let harness = Harness::start().await?;
    println!("\n  join -> first frame of every remote video (ms), {RUNS} runs each; N-1 bots wait in the room");
    println!("  {:>12} {:>8} {:>8} {:>8} {:>8} {:>10}", "participants", "p50", "p90", "min", "max", "first p50");
    for n in sizes {
        let room = format!("bench-{n}");
        let config = BotConfig {
            server: harness.base_url.clone(),
            room: room.clone(),
            count: n - 1,
            name_prefix: "Peer".into(),
            subscribe: true,
            media: LoopConfig::default(),
        };
        let bots = Bots::start(config).await?;
        // Let the bots finish publishing and pulling each other before timing anything.
        let settle = Instant::now();
        while !bots.reports().iter().all(|r| r.received.len() >= 2 * (n - 2)) && settle.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let joiner = harness.browser().await?;
        let (mut all, mut first) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let (f, a) = one_join(&joiner, &room, n.min(FIRST_PAGE_TILES) - 1).await?;
            first.push(f);
            all.push(a);
        }
        all.sort_by(f64::total_cmp);
        first.sort_by(f64::total_cmp);
        println!(
            "  {n:>12} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>10.0}",
            percentile(&all, 0.5),
            percentile(&all, 0.9),
            all[0],
            all[all.len() - 1],
            percentile(&first, 0.5)
        );
        if n == largest {
            // The joiner is still in the room from its last run: everyone receives everyone.
            let streams = n * (n - 1) * 2;
            let before = cpu_time(harness.server_pid())?;
            tokio::time::sleep(CPU_WINDOW).await;
            let used = cpu_time(harness.server_pid())? - before;
            let share = used.as_secs_f64() / CPU_WINDOW.as_secs_f64();
            println!(
                "  satsuma serve at {n}: {:.0}% of a core for {streams} forwarded streams = {:.2}% of a core per stream",
                share * 100.0,
                share * 100.0 / streams as f64
            );
        }
        joiner.close().await?;
        bots.leave(Duration::from_secs(5)).await;
    }
    Ok(())
}
