//! `cargo xtask run` and `cargo xtask dev`.

use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::process::{self, step};
use crate::setup;

/// Address `satsuma serve` listens on.
pub const LISTEN: &str = "127.0.0.1:8080";

/// The server's integration test that runs the `satsuma` binary (crates/server/tests).
const SERVER_BINARY_TEST: &str = "binary";

/// Builds the `satsuma` binary and returns its path.
pub fn build_server(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    // Built exactly as the host tests build it, so that the binary and every dependency are
    // compiled once for both: the workspace's features (`-p` would resolve them anew), and
    // dev-dependencies' features too, which cargo adds only when a test target is built. The
    // server's test of the binary is that target; building it builds `satsuma`.
    step("server (cargo test --no-run --test binary)", || {
        process::run(crate::test::workspace("test").args(["--no-run", "--test", SERVER_BINARY_TEST]))
    })?;
    Ok(target_dir(root).join("debug/satsuma"))
}

/// Cargo's target directory.
pub fn target_dir(root: &Path) -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into)
}

/// `cargo xtask run`: setup, build, serve, print a fresh room's URL, stop on Ctrl-C.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let route = setup::run(root)?;
    // Two builds at once: the bundle's last steps (LTO, wasm-opt) use one core each.
    let server = std::thread::spawn({
        let root = root.to_path_buf();
        move || build_server(&root)
    });
    let app = crate::bundle::build(root, route);
    let satsuma = server.join().map_err(|_| anyhow::anyhow!("the server build panicked"))??;
    app?;
    let child = Command::new(&satsuma)
        .args(["serve", "--listen", LISTEN, "--dist"])
        .arg(root.join("dist"))
        .spawn()
        .with_context(|| format!("cannot start {}", satsuma.display()))?;
    println!("\n  Satsuma is running. Open a fresh room:\n\n    http://{LISTEN}/{}\n\n  Ctrl-C stops it.\n", fresh_room());
    supervise(vec![child])
}

/// `cargo xtask dev`: the API server plus `trunk serve`, which rebuilds the app on change.
pub fn dev(root: &Path) -> anyhow::Result<()> {
    let route = setup::run(root)?;
    step("trunk", || setup::cargo_install("trunk", "trunk", setup::TRUNK_VERSION, true))?;
    let satsuma = build_server(root)?;
    // Trunk's proxy may pass the page's origin (:8085) on to the API (:8080).
    let server = Command::new(&satsuma)
        .args(["serve", "--listen", LISTEN, "--allowed-origin", "http://127.0.0.1:8085", "--dist"])
        .arg(root.join("dist"))
        .spawn()
        .with_context(|| format!("cannot start {}", satsuma.display()))?;
    let trunk = route.command("trunk").arg("serve").spawn().context("cannot start trunk serve")?;
    println!("\n  Dev server: http://127.0.0.1:8085/{} (API on {LISTEN}). Ctrl-C stops both.\n", fresh_room());
    supervise(vec![server, trunk])
}

/// Waits until Ctrl-C/SIGTERM or a child exits, then stops the others.
pub fn supervise(mut children: Vec<Child>) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).context("cannot install Ctrl-C handler")?;
    let mut failure = None;
    while !stop.load(Ordering::SeqCst) && failure.is_none() {
        for child in &mut children {
            if let Ok(Some(status)) = child.try_wait() {
                failure = Some(status);
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    for child in &mut children {
        terminate(child);
    }
    match failure {
        Some(status) if !stop.load(Ordering::SeqCst) => anyhow::bail!("a process exited early ({status})"),
        _ => {
            println!("stopped");
            Ok(())
        }
    }
}

/// SIGTERM, a grace period for graceful shutdown, then SIGKILL.
pub fn terminate(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    for _ in 0..50 {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A readable room name that is unlikely to be taken.
pub fn fresh_room() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    let n = hasher.finish();
    const WORDS: &[&str] = &["amber", "brave", "calm", "swift", "sunny", "lucky", "merry", "vivid"];
    const NOUNS: &[&str] = &["otter", "falcon", "maple", "river", "comet", "harbor", "meadow", "satsuma"];
    format!("{}-{}-{}", WORDS[(n % 8) as usize], NOUNS[((n >> 8) % 8) as usize], 1000 + (n >> 16) % 9000)
}
