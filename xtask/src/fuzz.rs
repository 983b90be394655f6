//! `cargo xtask fuzz [--minutes N | --secs N] [target…]`: runs every cargo-fuzz target in
//! `fuzz/` for a bounded time (30 s each by default) on the nightly toolchain, installing
//! cargo-fuzz (and nightly) when missing, then prints each target's executions. Any crash,
//! panic, leak or timeout fails the run and names the artifact libFuzzer saved under
//! `fuzz/artifacts/<target>/`; the crashing input then belongs in `fuzz/seeds/<target>/`
//! and a host test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

/// Seconds each target runs when `--secs` is not given.
const DEFAULT_SECS: u64 = 30;

/// Entry point called from xtask's `main`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let root = root();
    let (secs, wanted) = parse_args(args)?;
    ensure_nightly()?;
    ensure_cargo_fuzz()?;
    let all = targets(&root.join("fuzz"))?;
    let targets: Vec<String> = if wanted.is_empty() {
        all
    } else {
        for t in &wanted {
            if !all.contains(t) {
                bail!("unknown fuzz target `{t}` (have: {})", all.join(", "));
            }
        }
        wanted
    };
    let mut summary = Vec::new();
    for target in &targets {
        let corpus = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus).with_context(|| format!("cannot create {}", corpus.display()))?;
        let seeds = root.join("fuzz/seeds").join(target);
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&root).args(["+nightly", "fuzz", "run", "--fuzz-dir"]).arg(root.join("fuzz")).arg(target).arg(&corpus);
        if seeds.is_dir() {
            cmd.arg(&seeds);
        }
        cmd.args(["--", &format!("-max_total_time={secs}"), "-max_len=4096", "-rss_limit_mb=2048", "-timeout=10", "-print_final_stats=1"]);
        println!("==> fuzz {target} for {secs} s");
        let runs = run_counting(&mut cmd)
            .with_context(|| format!("fuzz target `{target}` failed (a crashing input is saved under fuzz/artifacts/{target}/)"))?;
        println!("    fuzz {target}: ok, no crash in {secs} s, {runs} executions");
        summary.push(format!("{target}: {secs} s, {runs} executions ({} per second), no crash", runs / secs));
    }
    println!("\nfuzzing summary:");
    for line in summary {
        println!("  {line}");
    }
    Ok(())
}

/// Runs a libFuzzer command, passing its output through; the executions it reports.
fn run_counting(cmd: &mut Command) -> anyhow::Result<u64> {
    let line = describe(cmd);
    println!("  $ {line}");
    let mut child = cmd.stderr(Stdio::piped()).spawn().with_context(|| format!("cannot start `{line}`"))?;
    let mut runs = 0;
    if let Some(stderr) = child.stderr.take() {
        for text in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{text}");
            if let Some(n) = text.strip_prefix("stat::number_of_executed_units:") {
                runs = n.trim().parse().unwrap_or(runs);
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(runs)
}

fn parse_args(args: &[String]) -> anyhow::Result<(u64, Vec<String>)> {
    let mut secs = DEFAULT_SECS;
    let mut wanted = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--secs" => {
                let v = it.next().context("--secs needs a number")?;
                secs = v.parse().with_context(|| format!("--secs {v}: not a number"))?;
            }
            s if s.starts_with("--secs=") => {
                secs = s["--secs=".len()..].parse().with_context(|| format!("{s}: not a number"))?;
            }
            "--minutes" => {
                let v = it.next().context("--minutes needs a number")?;
                secs = v.parse::<u64>().with_context(|| format!("--minutes {v}: not a number"))?.saturating_mul(60);
            }
            s if s.starts_with("--minutes=") => {
                let minutes: u64 = s["--minutes=".len()..].parse().with_context(|| format!("{s}: not a number"))?;
                secs = minutes.saturating_mul(60);
            }
            s if s.starts_with('-') => {
                bail!("unknown option `{s}`; usage: cargo xtask fuzz [--minutes N | --secs N] [target…]")
            }
            t => wanted.push(t.to_owned()),
        }
    }
    if secs == 0 {
        bail!("--secs must be at least 1");
    }
    Ok((secs, wanted))
}

/// The repository root (xtask lives one level below it).
fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Target names: the files of `fuzz/fuzz_targets/`.
fn targets(fuzz_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = fuzz_dir.join("fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let p = e.path();
            (p.extension().is_some_and(|x| x == "rs")).then(|| p.file_stem()?.to_str().map(str::to_owned)).flatten()
        })
        .collect();
    names.sort();
    if names.is_empty() {
        bail!("no fuzz targets in {}", dir.display());
    }
    Ok(names)
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn ensure_nightly() -> anyhow::Result<()> {
    if succeeds(Command::new("cargo").args(["+nightly", "--version"])) {
        return Ok(());
    }
    echo_and_run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))
}

fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    if succeeds(Command::new("cargo").args(["fuzz", "--version"])) {
        return Ok(());
    }
    echo_and_run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))
}

fn describe(cmd: &Command) -> String {
    let line: Vec<String> = std::iter::once(cmd.get_program()).chain(cmd.get_args()).map(|s| s.to_string_lossy().into_owned()).collect();
    line.join(" ")
}

fn echo_and_run(cmd: &mut Command) -> anyhow::Result<()> {
    let line = describe(cmd);
    println!("  $ {line}");
    let status = cmd.status().with_context(|| format!("cannot start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args() {
        assert_eq!(parse_args(&[]).unwrap(), (DEFAULT_SECS, vec![]));
        let a: Vec<String> = ["--secs", "5", "ws_message"].iter().map(|s| s.to_string()).collect();
        assert_eq!(parse_args(&a).unwrap(), (5, vec!["ws_message".to_owned()]));
        assert!(parse_args(&["--secs=0".to_owned()]).is_err());
        assert!(parse_args(&["--bogus".to_owned()]).is_err());
        assert_eq!(parse_args(&["--minutes".to_owned(), "10".to_owned()]).unwrap(), (600, vec![]));
        assert_eq!(parse_args(&["--minutes=2".to_owned()]).unwrap(), (120, vec![]));
    }

    #[test]
    fn finds_the_targets() {
        let t = targets(&root().join("fuzz")).unwrap();
        for name in ["ws_message", "calls_request", "room_host", "edge", "sfu_api"] {
            assert!(t.contains(&name.to_owned()), "{t:?}");
        }
    }
}
