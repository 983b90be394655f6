//! `cargo xtask`: sets up the toolchain and runs, tests and benchmarks Satsuma.
//!
//! Every command calls `setup` first, which installs only what is missing.

mod bench;
mod bundle;
mod chaos;
mod deploy;
mod fuzz;
mod index_html;
mod minify;
mod multicall;
mod process;
mod python_env;
mod run;
mod setup;
mod size;
mod test;
mod wasm_env;
mod worker;

use std::path::PathBuf;

use anyhow::bail;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup          install what is missing: Debian packages, wasm std, npm tools, the aiortc venv
  run            build the app and serve it at http://127.0.0.1:8080 (Ctrl-C stops)
  dev            `satsuma serve` for the API plus `trunk serve` with rebuild on change (:8085; installs trunk)
  test [suite…]  every test: host (fmt + clippy gates, then cargo test), browser, size, e2e
  bench [what]   benchmarks; what = sfu | join | load | size | all (default all)
  chaos          every fault scenario on a two-person call (losses, jitter, blackouts, a rebinding, a frozen machine, kill -9), with the table
  fuzz [--secs N] [target…]  cargo-fuzz targets (room messages, calls proxy), 30 s each
  worker build   the app plus the API as a Cloudflare Worker (crates/worker/build)
  worker dev [--listen 127.0.0.1:PORT] [--no-build]  build, then `wrangler dev` locally (no account), :8787
  deploy [worker|pages] [--dry-run] [--project NAME] [--api-url URL]  the wrangler commands for Cloudflare, printed or run
";

fn main() {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(tool) = argv.first().and_then(|argv0| multicall::Tool::from_argv0(std::path::Path::new(argv0))) {
        if let Err(err) = tool.run(argv) {
            eprintln!("{}: error: {err:#}", tool.name());
            std::process::exit(1);
        }
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(err) = dispatch(&args) {
        eprintln!("\nxtask: error: {err:#}");
        std::process::exit(1);
    }
}

fn dispatch(args: &[String]) -> anyhow::Result<()> {
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("setup") => setup::run(&root).and_then(|_| setup::ready()),
        Some("run") => run::run(&root),
        Some("dev") => run::dev(&root),
        Some("test") => test::run(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("chaos") => chaos::run(&root),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("worker") => worker::run(&root, &args[1..]),
        Some("deploy") => deploy::run(&root, &args[1..]),
        Some("help" | "-h" | "--help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// The repository root: xtask's manifest lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
