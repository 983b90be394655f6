//! `cargo xtask worker build|dev`: the API as a Cloudflare Worker (crates/worker) with the
//! app as its static assets, built with worker-build and run locally by `wrangler dev`.
//!
//! The worker's tools are installed here, on first use, not by the default `setup` that
//! CI runs: worker-build (crates.io) and wrangler + esbuild (npm, into `.tools/`).
//! worker-build must never download anything, so `WASM_BINDGEN_BIN`, `WASM_OPT_BIN` and
//! `ESBUILD_BIN` point at what setup installed.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::bundle;
use crate::process::{self, step};
use crate::run::{supervise, target_dir};
use crate::setup;
use crate::wasm_env::{WasmRoute, TOOLS_BIN};

/// worker-build's version: it must match the `worker` crate's minor version.
const WORKER_BUILD_VERSION: &str = "0.8.7";
/// wrangler 4.86 still runs on Node 20.
const WRANGLER: &str = "wrangler@4.86.0";
/// The worker crate, relative to the repository root.
const CRATE_DIR: &str = "crates/worker";
/// Where `wrangler dev` listens unless `--listen` says otherwise.
pub const DEV_LISTEN: &str = "127.0.0.1:8787";
/// How long `wrangler dev` may take to answer `/healthz`.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Settings passed from the environment to the Worker (`.dev.vars`), when set.
const DEV_VARS: &[&str] = &[
    "CALLS_APP_ID",
    "CALLS_APP_SECRET",
    "CALLS_API_URL",
    "TURN_SERVICE_ID",
    "TURN_SERVICE_TOKEN",
    "TURN_API_URL",
    "SATSUMA_TOKEN_KEY",
    "SATSUMA_INGEST_KEY",
    "SATSUMA_VIEW_KEY",
    "ALLOWED_ORIGINS",
];

/// How `worker dev` is called.
const DEV_USAGE: &str = "cargo xtask worker dev [--listen 127.0.0.1:PORT] [--no-build]";

/// Runs `cargo xtask worker <build|dev> [--listen ADDR]`.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("build") => build(root, setup_worker(root)?).map(drop),
        Some("dev") => {
            let (mut listen, mut fresh_build) = (DEV_LISTEN.to_owned(), true);
            let mut rest = args[1..].iter();
            while let Some(arg) = rest.next() {
                match (arg.as_str(), rest.clone().next()) {
                    ("--listen", Some(addr)) => {
                        listen = addr.clone();
                        rest.next();
                    }
                    ("--no-build", _) => fresh_build = false,
                    _ => bail!("unexpected argument {arg:?}; usage: {DEV_USAGE}"),
                }
            }
            dev(root, &listen, fresh_build)
        }
        _ => bail!("usage: cargo xtask worker build | {DEV_USAGE}"),
    }
}

/// The default setup plus the worker's own tools.
pub fn setup_worker(root: &Path) -> anyhow::Result<WasmRoute> {
    let route = setup::run(root)?;
    step("worker-build", || setup::cargo_install("worker-build", "worker-build", WORKER_BUILD_VERSION, true))?;
    step("wrangler (npm)", || setup::npm_tool(root, WRANGLER, "wrangler", "4.86.0"))?;
    if route == WasmRoute::DebianBuildStd {
        step("wasm32 libdir for worker-build", wasm32_libdir)?;
    }
    setup::ready()?;
    Ok(route)
}

/// worker-build refuses to build unless rustc's wasm32 target libdir exists; with
/// `-Zbuild-std` std comes from source, so an empty directory satisfies it.
fn wasm32_libdir() -> anyhow::Result<()> {
    let dir = process::output(WasmRoute::DebianBuildStd.command("rustc").args([
        "--target",
        "wasm32-unknown-unknown",
        "--print",
        "target-libdir",
    ]))
    .context("cannot ask Debian's rustc for its wasm32 libdir")?;
    if Path::new(&dir).is_dir() {
        println!("    {dir} present");
        return Ok(());
    }
    if std::fs::create_dir_all(&dir).is_ok() {
        return Ok(());
    }
    process::run(Command::new("sudo").args(["-n", "mkdir", "-p", &dir])).with_context(|| format!("create {dir} as root: `mkdir -p {dir}`"))
}

/// Builds `dist/` and the worker into `crates/worker/build/`; returns the wasm's path.
fn build(root: &Path, route: WasmRoute) -> anyhow::Result<PathBuf> {
    bundle::build(root, route)?;
    build_worker(root, route)
}

/// Builds the worker alone (its assets are whatever `dist/` holds); returns the wasm's path.
pub fn build_worker(root: &Path, route: WasmRoute) -> anyhow::Result<PathBuf> {
    let tools = root.join(TOOLS_BIN);
    let bindgen = crate::multicall::Tool::WasmBindgen.path(root);
    step("worker (worker-build --release)", || {
        let mut cmd = route.command("worker-build");
        cmd.arg("--release")
            .current_dir(root.join(CRATE_DIR))
            .env("WASM_BINDGEN_BIN", bindgen)
            .env("WASM_OPT_BIN", tools.join("wasm-opt"))
            .env("ESBUILD_BIN", tools.join("esbuild"))
            // worker-build asks for `release`, which is tuned for the server; the Worker's
            // wasm is shipped, so it is built like the app's (Cargo.toml's `bundle`).
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
            .env("CARGO_PROFILE_RELEASE_LTO", "true")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
            // Its own target dir: worker-build sets variables for wasm-bindgen's macro that
            // the app's build does not, and the two would otherwise rebuild each other.
            .env("CARGO_TARGET_DIR", target_dir(root).join("worker"));
        process::run(&mut cmd)
    })?;
    let wasm = root.join(CRATE_DIR).join("build/index_bg.wasm");
    let raw = std::fs::metadata(&wasm).with_context(|| format!("{} is missing", wasm.display()))?.len();
    let gz = gzip_len(&wasm)?;
    println!("    worker wasm: {raw} bytes, {gz} gzip -9");
    Ok(wasm)
}

/// `cargo xtask worker dev`: build (unless `--no-build`: the tests build once and start
/// many), then `wrangler dev` on `listen` with the settings from the environment, until
/// Ctrl-C.
fn dev(root: &Path, listen: &str, fresh_build: bool) -> anyhow::Result<()> {
    let (host, port) = listen.rsplit_once(':').context("--listen wants HOST:PORT")?;
    if fresh_build {
        build(root, setup_worker(root)?)?;
    } else if !root.join(CRATE_DIR).join("build/index.js").is_file() {
        bail!("--no-build, but the worker is not built: run `cargo xtask worker build`");
    }
    // Outside the repository, so secrets are never committed; wrangler's local state too.
    let scratch = std::env::temp_dir().join(format!("satsuma-worker-dev-{port}"));
    std::fs::create_dir_all(&scratch)?;
    let vars = scratch.join(".dev.vars");
    std::fs::write(&vars, dev_vars())?;
    let mut cmd = Command::new(root.join(TOOLS_BIN).join("wrangler"));
    cmd.args(["dev", "--local", "--ip", host, "--port", port, "--show-interactive-dev-session=false", "--env-file"])
        .arg(&vars)
        .arg("--persist-to")
        .arg(scratch.join("state"))
        .current_dir(root.join(CRATE_DIR))
        .env("WRANGLER_SEND_METRICS", "false");
    println!("  $ {}", process::describe(&cmd));
    let child = cmd.spawn().context("cannot start wrangler dev")?;
    let mut children = vec![child];
    if let Err(err) = wait_healthy(listen, READY_TIMEOUT) {
        for child in &mut children {
            crate::run::terminate(child);
        }
        return Err(err);
    }
    println!("\n  Worker ready: http://{listen}/{} (wrangler dev). Ctrl-C stops it.\n", crate::run::fresh_room());
    supervise(children)
}

/// `.dev.vars` content: every setting that is set here, plus a fresh token key if none.
fn dev_vars() -> String {
    let mut out = String::new();
    for name in DEV_VARS {
        if let Ok(value) = std::env::var(name) {
            out.push_str(&format!("{name}={}\n", quote(&value)));
        }
    }
    if std::env::var_os("SATSUMA_TOKEN_KEY").is_none() {
        out.push_str(&format!("SATSUMA_TOKEN_KEY={}\n", random_key()));
    }
    out
}

/// A dotenv value in double quotes.
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// 32 random bytes as hex, from the OS.
fn random_key() -> String {
    let mut buf = [0u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
    if read.is_err() {
        // Only for local development: a per-run key from the clock is good enough here.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        buf[..16].copy_from_slice(&nanos.to_le_bytes());
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Polls `GET /healthz` until it answers 200.
pub fn wait_healthy(listen: &str, timeout: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if healthz(listen).unwrap_or(false) {
            println!("    /healthz answered after {:.1} s", start.elapsed().as_secs_f64());
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    bail!("{listen}/healthz did not answer within {} s", timeout.as_secs())
}

/// One plain HTTP/1.1 `GET /healthz`; true on a 200.
fn healthz(listen: &str) -> std::io::Result<bool> {
    use std::io::Write;
    let mut stream = TcpStream::connect(listen)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    Ok(head.starts_with(b"HTTP/1.1 200"))
}

/// Size of `path` after `gzip -9`.
fn gzip_len(path: &Path) -> anyhow::Result<u64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().context("cannot run gzip")?;
    Ok(out.stdout.len() as u64)
}
