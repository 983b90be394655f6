//! Running child processes with echoed command lines and useful errors.

use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};

/// Prints and runs `cmd`, failing with its exit status.
pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    println!("  $ {}", describe(cmd));
    let status = cmd.status().with_context(|| format!("cannot start `{}`", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its trimmed stdout, or `None` if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The command line, for logs.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program()).chain(cmd.get_args()).map(|s| s.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
}

/// Runs `f` as a named step, printing its duration.
pub fn step<T>(name: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    println!("==> {name}");
    let start = Instant::now();
    let result = f().with_context(|| format!("step `{name}` failed"));
    let secs = start.elapsed().as_secs_f64();
    match &result {
        Ok(_) => println!("    {name}: ok ({secs:.1} s)"),
        Err(_) => println!("    {name}: FAILED ({secs:.1} s)"),
    }
    result
}
