//! `cargo xtask bench`: SFU throughput, join latency, load on one server and bundle size.

use std::path::Path;
use std::process::Command;

use anyhow::bail;

use crate::bundle;
use crate::process;
use crate::run::target_dir;
use crate::setup;
use crate::size;
use crate::test;

/// Runs the requested benchmark (all by default) and prints its figures.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let what = args.first().map_or("all", String::as_str);
    let route = setup::run(root)?;
    if !matches!(what, "size" | "sfu" | "join" | "load" | "all") {
        bail!("unknown benchmark `{what}`; expected sfu, join, load, size or all");
    }
    if matches!(what, "size" | "all") {
        bundle::build(root, route)?;
        bundle_size(root)?;
    }
    if matches!(what, "sfu" | "all") {
        process::run(
            Command::new("cargo")
                .args(["run", "--quiet", "-p", "satsuma-sfu", "--release", "--example", "sfu_bench", "--"])
                .args(args.iter().skip(1)),
        )?;
    }
    for (name, example) in [("join", "join_bench"), ("load", "load_bench")] {
        if !matches!(what, "all") && what != name {
            continue;
        }
        if !matches!(what, "all") {
            bundle::build(root, route)?;
        }
        // The host tests' build (same features) holds the server and the examples already.
        process::run(test::workspace("test").arg("--no-run"))?;
        let target = target_dir(root).join("debug");
        process::run(
            Command::new(target.join("examples").join(example))
                .args(args.iter().skip(1))
                .current_dir(root.join("crates/e2e"))
                .env("SATSUMA_BIN", target.join("satsuma"))
                .env("SATSUMA_DIST", root.join("dist")),
        )?;
    }
    Ok(())
}

/// Prints every file's raw, gzip and brotli size, the gate's verdict, and where the wasm's
/// bytes go (by section, crate and function group).
pub fn bundle_size(root: &Path) -> anyhow::Result<()> {
    let dist = root.join("dist");
    let (text, gated) = size::table(&size::measure(&dist)?);
    println!("\n  bundle in {} (bytes)\n{text}", dist.display());
    println!("  {}\n", size::verdict(gated));
    let raw = bundle::raw_wasm(root);
    println!("  {} (uncompressed, before wasm-bindgen and wasm-opt):", raw.display());
    // SATSUMA_SIZE_TOP=N lists more of each table.
    let top = std::env::var("SATSUMA_SIZE_TOP").ok().and_then(|n| n.parse().ok()).unwrap_or(25);
    print!("{}", size::analyze(&raw)?.report(top));
    Ok(())
}
