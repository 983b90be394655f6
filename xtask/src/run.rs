//! `cargo xtask run` and `cargo xtask dev`.

use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::process::{self, step};
use crate::setup;
use crate::wasm_env::WasmRoute;

/// Address `satsuma serve` listens on.
pub const LISTEN: &str = "127.0.0.1:8080";

/// Builds the release bundle into `dist/`, then writes brotli and gzip copies of its hashed
/// assets so that `satsuma serve` sends them as they are instead of compressing per request.
pub fn build_app(route: WasmRoute) -> anyhow::Result<()> {
    let root = std::env::current_dir()?;
    step("app (trunk build --release)", || {
        let mut trunk = route.command("trunk");
        trunk.args(["build", "--release"]);
        if route == WasmRoute::DebianBuildStd {
            // Panics abort at once, without formatting a message: no panic machinery in the
            // bundle. Only on the build-std route (std must be built with the same strategy),
            // and only here: tests keep their panic messages.
            trunk.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", WASM_RELEASE_RUSTFLAGS);
            trunk.env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size");
        }
        process::run(&mut trunk)
    })?;
    // trunk minifies HTML and CSS but ships wasm-bindgen's names and JS as written.
    step("short wasm names, minified JS glue", || crate::minify::minify(&root, Path::new("dist")))?;
    step("precompressed assets (brotli, gzip)", || precompress(Path::new("dist")))
}

/// rustc flags for the shipped bundle on the build-std route.
/// Besides the panic strategy: `Debug` impls and panic locations compile to nothing, and
/// Leptos erases component types (less monomorphised view code). Each was measured; see
/// the README's bundle table.
pub const WASM_RELEASE_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none --cfg erase_components";

/// Writes `<file>.br` and `<file>.gz` beside every hashed `.wasm`, `.js` and `.css`.
fn precompress(dist: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dist).context("dist/ is missing")?.flatten() {
        let path = entry.path();
        if !crate::size::is_shipped_code(&entry.file_name().to_string_lossy()) {
            continue;
        }
        process::run(Command::new("brotli").args(["-q", "11", "-f", "-k"]).arg(&path))?;
        process::run(Command::new("gzip").args(["-9", "-n", "-f", "-k"]).arg(&path))?;
    }
    Ok(())
}

/// Builds the `satsuma` binary and returns its path.
pub fn build_server(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    step("server (cargo build -p satsuma-server)", || {
        process::run(Command::new("cargo").args(["build", "--quiet", "-p", "satsuma-server"]))
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
    build_app(route)?;
    let satsuma = build_server(root)?;
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
