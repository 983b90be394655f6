//! `cargo xtask test`: host tests (after the rustfmt and clippy gates), browser tests and
//! end-to-end tests, then a summary.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::process;
use crate::run::{build_app, build_server, target_dir};
use crate::setup;
use crate::size;

/// Which suites `cargo xtask test [suite…]` can run.
const SUITES: &[&str] = &["host", "browser", "size", "e2e"];

/// Runs the requested suites (all by default) and fails if any failed.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let wanted: Vec<&str> = if args.is_empty() { SUITES.to_vec() } else { args.iter().map(String::as_str).collect() };
    if let Some(bad) = wanted.iter().find(|s| !SUITES.contains(s)) {
        bail!("unknown suite `{bad}`; expected one of {SUITES:?}");
    }
    let route = setup::run(root)?;
    let has_e2e = root.join("crates/e2e/Cargo.toml").is_file();
    let mut results: Vec<(&str, f64, anyhow::Result<()>)> = Vec::new();
    let mut suite = |name: &'static str, f: &mut dyn FnMut() -> anyhow::Result<()>| {
        if wanted.contains(&name) {
            println!("\n==> {name} tests");
            let start = Instant::now();
            let result = f();
            results.push((name, start.elapsed().as_secs_f64(), result));
        }
    };

    suite("host", &mut || {
        gates()?;
        let mut cmd = Command::new("cargo");
        // Setup installed aiortc, so its interop test must run, not skip. The fuzz harness
        // bodies run on their seeds here too.
        cmd.args(["test", "--workspace", "--features", "satsuma-room/fuzzing"]).env("SATSUMA_REQUIRE_AIORTC", "1");
        if has_e2e {
            cmd.args(["--exclude", "satsuma-e2e"]);
        }
        process::run(&mut cmd)
    });
    suite("browser", &mut || {
        // wasm-bindgen-test-runner drives headless Chromium with the flags in webdriver.json.
        process::run(route.command("cargo").args(["test", "--target", "wasm32-unknown-unknown", "-p", "satsuma-app"]))
    });
    suite("size", &mut || {
        // Size is deterministic, so the budget is a test: the release bundle, as shipped.
        build_app(route)?;
        size::gate(&root.join("dist"), Some(&size::raw_wasm(&target_dir(root))))
    });
    suite("e2e", &mut || {
        if !has_e2e {
            bail!("crates/e2e is missing");
        }
        build_app(route)?;
        let satsuma = build_server(root)?;
        process::run(
            Command::new("cargo")
                .args(["test", "-p", "satsuma-e2e", "--", "--ignored", "--test-threads=1"])
                .env("SATSUMA_BIN", satsuma)
                .env("SATSUMA_DIST", root.join("dist")),
        )
    });

    println!("\n==> summary");
    let mut failed = 0;
    for (name, secs, result) in &results {
        match result {
            Ok(()) => println!("    {name:<8} ok      {secs:>7.1} s"),
            Err(err) => {
                failed += 1;
                println!("    {name:<8} FAILED  {secs:>7.1} s  {err:#}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} test suite(s) failed");
    }
    Ok(())
}

/// The code gates of the host suite, before any test: rustfmt and clippy must be clean.
/// `--all-features` lints the feature-gated fuzz harness too.
fn gates() -> anyhow::Result<()> {
    process::run(Command::new("cargo").args(["fmt", "--all", "--check"]))
        .context("format gate: `cargo fmt --all --check` found unformatted code; run `cargo fmt --all`")?;
    process::run(Command::new("cargo").args(["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"]))
        .context("lint gate: `cargo clippy --workspace --all-targets -- -D warnings` found warnings (missing docs included); fix them")?;
    Ok(())
}
