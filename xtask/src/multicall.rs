//! xtask is also `wasm-bindgen` and `wasm-bindgen-test-runner`: setup links those names to
//! this binary in `.tools/bin`, and the name it is started under picks the tool. That
//! saves two `cargo install`s (minutes on a fresh machine) of what the library does.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Where setup links the tool names, relative to the repository root.
pub const BIN_DIR: &str = ".tools/bin";

/// The tools this binary can be, by the file name it is started under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `wasm-bindgen`: the bundle build and `trunk serve` call it.
    WasmBindgen,
    /// `wasm-bindgen-test-runner`: cargo's runner for `--target wasm32-unknown-unknown`.
    TestRunner,
}

impl Tool {
    const ALL: [Tool; 2] = [Tool::WasmBindgen, Tool::TestRunner];

    /// The executable name the tool answers to.
    pub fn name(self) -> &'static str {
        match self {
            Tool::WasmBindgen => "wasm-bindgen",
            Tool::TestRunner => "wasm-bindgen-test-runner",
        }
    }

    /// The tool `argv0` names, if any.
    pub fn from_argv0(argv0: &Path) -> Option<Tool> {
        let name = argv0.file_name()?.to_str()?;
        Tool::ALL.into_iter().find(|tool| tool.name() == name)
    }

    /// Runs the tool with its full argument list (`args[0]` is the program name).
    pub fn run(self, args: Vec<OsString>) -> anyhow::Result<()> {
        match self {
            Tool::WasmBindgen => wasm_bindgen_cli::wasm_bindgen::run_cli_with_args(args),
            Tool::TestRunner => wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(args),
        }
    }

    /// The tool's path in `.tools/bin` (linked by [`link_all`]).
    pub fn path(self, root: &Path) -> PathBuf {
        root.join(BIN_DIR).join(self.name())
    }
}

/// Links every tool name to the running xtask binary, replacing stale links.
pub fn link_all(root: &Path) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    std::fs::create_dir_all(root.join(BIN_DIR))?;
    for tool in Tool::ALL {
        let link = tool.path(root);
        if std::fs::read_link(&link).is_ok_and(|target| target == exe) {
            continue;
        }
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&exe, &link).with_context(|| format!("cannot link {}", link.display()))?;
    }
    println!("    {} → {}", root.join(BIN_DIR).display(), exe.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_name_picks_the_tool() {
        assert_eq!(Tool::from_argv0(Path::new("/x/.tools/bin/wasm-bindgen")), Some(Tool::WasmBindgen));
        assert_eq!(Tool::from_argv0(Path::new("wasm-bindgen-test-runner")), Some(Tool::TestRunner));
        assert_eq!(Tool::from_argv0(Path::new("/x/target/debug/xtask")), None);
    }
}
