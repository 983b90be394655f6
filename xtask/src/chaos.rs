//! `cargo xtask chaos`: the full fault set of `crates/e2e/tests/chaos.rs` (losses, jitter,
//! blackouts, a rebinding, a frozen machine, a `kill -9`), with its table; `cargo xtask
//! test` runs only its smoke set.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::run::target_dir;
use crate::{bundle, process, setup, test};

/// Builds what the scenarios need and runs them all.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let route = setup::run(root)?;
    bundle::build(root, route)?;
    setup::ready()?;
    let chaos = test::e2e_binaries(root)?
        .into_iter()
        .find(|t| t.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("chaos-")))
        .context("the e2e build has no chaos test")?;
    process::run(
        Command::new(chaos)
            .args(["--ignored", "--test-threads=1", "--nocapture"])
            .current_dir(root.join("crates/e2e"))
            .env("SATSUMA_CHAOS", "full")
            .env("SATSUMA_BIN", target_dir(root).join("debug/satsuma"))
            .env("SATSUMA_DIST", root.join("dist")),
    )
}
