//! The Python environment for the aiortc interop test (`crates/sfu/tests/aiortc.rs`):
//! a venv in `.tools/venv` with aiortc from PyPI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;

use crate::process;

/// The aiortc release the interop test is written against.
pub const AIORTC: &str = "aiortc==1.16.0";

/// Where the venv lives, relative to the repository root (the SFU test looks there too).
pub const VENV: &str = ".tools/venv";

/// The venv's interpreter.
pub fn venv_python(root: &Path) -> PathBuf {
    root.join(VENV).join("bin/python")
}

/// Creates `.tools/venv` and installs aiortc into it, unless `import aiortc` already works there.
pub fn install_aiortc(root: &Path) -> anyhow::Result<()> {
    let python = venv_python(root);
    if process::output(Command::new(&python).args(["-c", "import aiortc"])).is_some() {
        println!("    {AIORTC} present in {VENV}");
        return Ok(());
    }
    let start = Instant::now();
    if !python.exists() {
        std::fs::create_dir_all(root.join(".tools"))?;
        process::run(Command::new("python3").args(["-m", "venv"]).arg(root.join(VENV)))
            .context("could not create a Python venv (needs python3 with the venv module: apt-get install python3-venv)")?;
    }
    process::run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", AIORTC]))
        .with_context(|| format!("could not install {AIORTC} from PyPI"))?;
    println!("    {AIORTC} installed in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
