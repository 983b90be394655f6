//! `cargo xtask test`: host tests (after the rustfmt and clippy gates), browser tests and
//! end-to-end tests, then a summary.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};

use crate::bundle;
use crate::process;
use crate::run::target_dir;
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
        setup::ready()?;
        // Setup installed aiortc, so its interop test must run, not skip. The e2e crate builds
        // here too (its tests are ignored until the e2e suite), so both suites share one build.
        process::run(workspace("test").env("SATSUMA_REQUIRE_AIORTC", "1"))
    });
    suite("browser", &mut || {
        // The Worker only builds for wasm32: its lint gate runs there (the app's code is
        // linted by the host build, where it compiles too).
        process::run(route.command("cargo").args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "satsuma-worker",
            "--",
            "-D",
            "warnings",
        ]))?;
        // wasm-bindgen-test-runner drives headless Chromium with the flags in webdriver.json.
        // Without DWARF: it would make each test wasm tens of MB for the linker and
        // wasm-bindgen to carry, and wasm panics report through the panic hook anyway.
        process::run(
            route
                .command("cargo")
                .args(["test", "--target", "wasm32-unknown-unknown", "-p", "satsuma-app"])
                .env("CARGO_PROFILE_DEV_DEBUG", "0"),
        )
    });
    suite("size", &mut || {
        // Size is deterministic, so the budget is a test: the release bundle, as shipped.
        bundle::build(root, route)?;
        size::gate(&root.join("dist"), Some(&bundle::raw_wasm(root)))
    });
    suite("e2e", &mut || {
        if !has_e2e {
            bail!("crates/e2e is missing");
        }
        bundle::build(root, route)?;
        setup::ready()?;
        process::step("geckodriver (for the Firefox tests)", || {
            setup::cargo_install("geckodriver", "geckodriver", setup::GECKODRIVER_VERSION, true)
        })?;
        // The Worker's test runs `cargo xtask worker dev --no-build` on this build of it.
        crate::worker::build_worker(root, crate::worker::setup_worker(root)?)?;
        // The host suite's build, asked again with the same features, builds nothing new. Its
        // e2e test binaries run directly: a `--test` filter would resolve features anew and
        // rebuild half the workspace.
        let mut failed = Vec::new();
        for test in e2e_binaries(root)? {
            let run = process::run(
                Command::new(&test)
                    .args(["--ignored", "--test-threads=1"])
                    // Where cargo would run it.
                    .current_dir(root.join("crates/e2e"))
                    .env("SATSUMA_BIN", target_dir(root).join("debug/satsuma"))
                    .env("SATSUMA_DIST", root.join("dist")),
            );
            if run.is_err() {
                failed.extend(test.file_name().map(|n| n.to_string_lossy().into_owned()));
            }
        }
        if !failed.is_empty() {
            bail!("e2e tests failed: {}", failed.join(", "));
        }
        Ok(())
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

/// `cargo <sub> --workspace` with the features every host build uses, so that the server
/// `run` starts, the host tests and the e2e tests agree on one feature set and share build
/// scripts and artifacts (`-p` or `--exclude` would unify features differently and rebuild).
///
/// Our crates are compiled by clippy-driver (as `cargo clippy` does, but with code
/// generation): the same build is the lint gate, and dependencies are compiled once, not
/// once checked for clippy and once more for the tests. Lints stay warnings here, so that
/// `run` works on a work in progress; [`gates`] refuses any.
pub fn workspace(sub: &str) -> Command {
    let mut cmd = Command::new("cargo");
    // The fuzz harness bodies run on their seeds in the host tests, and get linted; the
    // room's serde form (the Worker's storage) is tested on the host too.
    cmd.args([sub, "--workspace", "--features", "satsuma-room/fuzzing,satsuma-room/serde,satsuma-sfu/fuzzing"])
        .env("RUSTC_WORKSPACE_WRAPPER", "clippy-driver");
    cmd
}

/// Runs a cargo build with `--message-format=json` (added here); its exit status and every
/// JSON message it printed. Cargo's own progress still goes to the terminal.
fn cargo_messages(mut cargo: Command) -> anyhow::Result<(std::process::ExitStatus, Vec<serde_json::Value>)> {
    cargo.arg("--message-format=json");
    println!("  $ {}", process::describe(&cargo));
    let out = cargo.stderr(std::process::Stdio::inherit()).output().context("cannot run cargo")?;
    let messages = String::from_utf8_lossy(&out.stdout).lines().filter_map(|line| serde_json::from_str(line).ok()).collect();
    Ok((out.status, messages))
}

/// The e2e crate's test executables, from the host build (built now if it is not).
pub fn e2e_binaries(root: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let manifest = root.join("crates/e2e/Cargo.toml");
    let mut build = workspace("test");
    build.arg("--no-run");
    let (status, messages) = cargo_messages(build)?;
    if !status.success() {
        bail!("`cargo test --no-run` failed ({status})");
    }
    let mut tests = Vec::new();
    for msg in messages {
        let is_e2e_test = msg["reason"] == "compiler-artifact"
            && msg["manifest_path"].as_str().is_some_and(|m| Path::new(m) == manifest)
            && msg["target"]["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "test"));
        if let (true, Some(exe)) = (is_e2e_test, msg["executable"].as_str()) {
            tests.push(exe.into());
        }
    }
    if tests.is_empty() {
        bail!("the host build produced no e2e test binaries");
    }
    tests.sort();
    Ok(tests)
}

/// The code gates of the host suite, before any test: rustfmt must be clean, and building
/// every target of every crate (lib, bins, tests, examples) must print no warning, from
/// rustc or clippy (missing docs included). Cargo replays a cached crate's warnings, so an
/// earlier build does not hide them.
fn gates() -> anyhow::Result<()> {
    process::run(Command::new("cargo").args(["fmt", "--all", "--check"]))
        .context("format gate: `cargo fmt --all --check` found unformatted code; run `cargo fmt --all`")?;
    let mut build = workspace("test");
    build.args(["--all-targets", "--no-run"]);
    let (status, messages) = cargo_messages(build)?;
    let mut warnings = 0;
    for msg in messages {
        let diagnostic = &msg["message"];
        // rustc's own "N warnings emitted" summaries have no code location.
        let is_summary = diagnostic["spans"].as_array().is_some_and(Vec::is_empty);
        if msg["reason"] == "compiler-message" && !is_summary && matches!(diagnostic["level"].as_str(), Some("warning" | "error")) {
            warnings += 1;
            print!("{}", diagnostic["rendered"].as_str().unwrap_or_default());
        }
    }
    if !status.success() {
        bail!("the host build failed ({status})");
    }
    if warnings > 0 {
        bail!("lint gate: the build printed {warnings} warning(s) from rustc or clippy (missing docs included); fix them");
    }
    Ok(())
}
