//! The environment for wasm builds: rustup's wasm32 target when installed, otherwise
//! Debian's `rustc-web` building std with `-Zbuild-std`.

use std::path::Path;
use std::process::Command;

use crate::process;

/// How this machine builds for `wasm32-unknown-unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmRoute {
    /// rustup's own `wasm32-unknown-unknown` target is installed.
    Rustup,
    /// Debian's compiler (linked into rustup as `debian`) with `-Zbuild-std`.
    DebianBuildStd,
}

/// Where `cargo xtask setup` installs npm tools (wasm-opt), relative to the repository root.
pub const TOOLS_BIN: &str = ".tools/node_modules/.bin";

/// Name of the rustup toolchain that points at Debian's `/usr` compiler.
pub const DEBIAN_TOOLCHAIN: &str = "debian";

impl WasmRoute {
    /// Detects whether rustup's default toolchain already has a wasm32 std.
    pub fn detect() -> Self {
        let sysroot = process::output(Command::new("rustc").args(["--print", "sysroot"]));
        match sysroot {
            Some(root) if Path::new(&root).join("lib/rustlib/wasm32-unknown-unknown/lib").is_dir() => Self::Rustup,
            _ => Self::DebianBuildStd,
        }
    }

    /// Applies the variables every wasm cargo/trunk/test command needs.
    pub fn apply(self, cmd: &mut Command) -> &mut Command {
        // Our wasm-bindgen (this binary) and wasm-opt (npm binaryen) come first: trunk and
        // cargo's runner take the first ones on PATH.
        let root = std::env::current_dir().unwrap_or_default();
        let tools = [root.join(crate::multicall::BIN_DIR), root.join(TOOLS_BIN)];
        let path = std::env::var_os("PATH").unwrap_or_default();
        let paths = tools.into_iter().chain(std::env::split_paths(&path));
        if let Ok(joined) = std::env::join_paths(paths) {
            cmd.env("PATH", joined);
        }
        cmd.env("TRUNK_SKIP_VERSION_CHECK", "true")
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            // `cargo run` hands these to us; they would point wasm builds at the host toolchain.
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
            .env_remove("CARGO");
        if self == Self::DebianBuildStd {
            // Scoped to wasm commands: in .cargo/config.toml it would rebuild std for host builds too.
            cmd.env("RUSTUP_TOOLCHAIN", DEBIAN_TOOLCHAIN).env("RUSTC_BOOTSTRAP", "1").env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort");
        }
        cmd
    }

    /// A `Command` for `program` with the wasm environment applied.
    pub fn command(self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        self.apply(&mut cmd);
        cmd
    }
}
