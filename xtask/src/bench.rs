//! `cargo xtask bench`: SFU throughput, join latency and bundle size.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

use crate::process;
use crate::run::{build_app, build_server};
use crate::setup;

/// Runs the requested benchmark (all by default) and prints its figures.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let what = args.first().map_or("all", String::as_str);
    let route = setup::run(root)?;
    if !matches!(what, "size" | "sfu" | "join" | "all") {
        bail!("unknown benchmark `{what}`; expected sfu, join, size or all");
    }
    if matches!(what, "size" | "all") {
        build_app(route)?;
        bundle_size(&root.join("dist"))?;
    }
    if matches!(what, "sfu" | "all") {
        process::run(
            Command::new("cargo")
                .args(["run", "--quiet", "-p", "satsuma-sfu", "--profile", "perf", "--example", "sfu_bench", "--"])
                .args(args.iter().skip(1)),
        )?;
    }
    if matches!(what, "join" | "all") {
        if !matches!(what, "all") {
            build_app(route)?;
        }
        let satsuma = build_server(root)?;
        process::run(
            Command::new("cargo")
                .args(["run", "--quiet", "-p", "satsuma-e2e", "--example", "join_bench", "--"])
                .args(args.iter().skip(1))
                .env("SATSUMA_BIN", satsuma)
                .env("SATSUMA_DIST", root.join("dist")),
        )?;
    }
    Ok(())
}

/// Prints raw, gzip and brotli sizes of everything in `dist/`.
pub fn bundle_size(dist: &Path) -> anyhow::Result<()> {
    println!("\n  bundle in {} (bytes)", dist.display());
    println!("  {:<44} {:>10} {:>10} {:>10}", "file", "raw", "gzip -9", "brotli");
    let mut total = [0u64; 3];
    let mut entries: Vec<_> = std::fs::read_dir(dist).context("dist/ is missing")?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let raw = entry.metadata()?.len();
        let gz = compressed_len("gzip", &["-9", "-c"], &path)?;
        let br = compressed_len("brotli", &["-q", "11", "-c"], &path)?;
        for (t, v) in total.iter_mut().zip([raw, gz, br]) {
            *t += v;
        }
        println!("  {:<44} {raw:>10} {gz:>10} {br:>10}", entry.file_name().to_string_lossy());
    }
    println!("  {:<44} {:>10} {:>10} {:>10}", "total", total[0], total[1], total[2]);
    Ok(())
}

fn compressed_len(tool: &str, args: &[&str], path: &Path) -> anyhow::Result<u64> {
    let out = Command::new(tool).args(args).arg(path).output().with_context(|| format!("{tool} is missing"))?;
    if !out.status.success() {
        bail!("{tool} failed on {}", path.display());
    }
    Ok(out.stdout.len() as u64)
}
