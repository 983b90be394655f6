//! `cargo xtask setup`: installs what is missing, and nothing else.
//!
//! Debian's packages come first (the compilers and C libraries every build needs); the npm
//! tools and the Python venv install on a thread meanwhile, while the first compile runs,
//! and [`ready`] waits for them where they are used.

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::thread::JoinHandle;

use anyhow::Context;

use crate::process::{self, step};
use crate::wasm_env::{WasmRoute, DEBIAN_TOOLCHAIN};

/// trunk's version: 0.22 needs a newer rustc than rustup's stable here. Only `cargo xtask
/// dev` installs it; the bundle is built without it (`bundle`).
pub const TRUNK_VERSION: &str = "0.21.14";

/// Debian packages for the browser tests and the bundle's precompressed copies.
const BROWSER_PACKAGES: &[&str] = &["chromium", "chromium-driver", "firefox-esr", "brotli"];
/// geckodriver, Mozilla's WebDriver server for Firefox (crates.io): the Firefox e2e tests.
pub const GECKODRIVER_VERSION: &str = "0.37.1";
/// Debian packages for `satsuma bot`: the `opus` crate links the system libopus, found
/// with pkg-config (openh264 builds its bundled source with the C compiler).
const BOT_PACKAGES: &[&str] = &["libopus-dev", "pkg-config"];
/// Debian packages for the server: jemalloc, its allocator, builds with make.
const SERVER_PACKAGES: &[&str] = &["make"];
/// binaryen from npm: Debian's wasm-opt 108 corrupts the externref table of our bundle
/// ("WebAssembly.Table.set(): Argument 1 is invalid"), 132 does not.
const BINARYEN: &str = "binaryen@132.0.0";
/// esbuild from npm: minifies the app's JS glue, and worker-build 0.8.7 was made with it.
pub const ESBUILD: &str = "esbuild@0.28.2";
/// lightningcss from npm (a prebuilt binary): minifies the CSS as trunk 0.21 does (the
/// same output, byte for byte, once its trailing newline is dropped).
pub const LIGHTNINGCSS: &str = "lightningcss-cli@1.30.2";
/// axe-core from npm: the e2e tests check every page with it.
const AXE_CORE: &str = "axe-core@4.14.1";
/// Debian packages for building std for wasm32 when rustup has no wasm32 target.
/// `rust-web-llvm` holds the `rust-lld` link, which needs `lld-22` to resolve.
const WASM_STD_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "rust-web-llvm", "lld-22", "rust-web-clippy"];

/// Installs everything and returns how wasm is built here.
pub fn run(root: &Path) -> anyhow::Result<WasmRoute> {
    let route = WasmRoute::detect();
    println!("==> setup (wasm std: {route:?})");
    let mut packages: Vec<&str> = BROWSER_PACKAGES.to_vec();
    packages.extend_from_slice(BOT_PACKAGES);
    packages.extend_from_slice(SERVER_PACKAGES);
    if route == WasmRoute::DebianBuildStd {
        packages.extend_from_slice(WASM_STD_PACKAGES);
    }
    step("debian packages", || apt_install(&packages))?;
    if route == WasmRoute::DebianBuildStd {
        step("rustup toolchain `debian`", link_debian_toolchain)?;
    }
    step("wasm-bindgen and its test runner (this binary)", || crate::multicall::link_all(root))?;
    let tools = root.to_path_buf();
    let installs = std::thread::spawn(move || -> anyhow::Result<()> {
        step("wasm-opt (npm binaryen)", || npm_tool(&tools, BINARYEN, "wasm-opt", "version 132"))?;
        step("esbuild (npm)", || npm_tool(&tools, ESBUILD, "esbuild", "0.28.2"))?;
        step("lightningcss (npm)", || npm_tool(&tools, LIGHTNINGCSS, "lightningcss", "1.0.0-alpha.68"))?;
        step("axe-core (npm, for the accessibility checks)", || npm_package(&tools, AXE_CORE))?;
        step("aiortc (python venv for the SFU interop test)", || crate::python_env::install_aiortc(&tools))
    });
    if let Ok(mut pending) = PENDING.lock() {
        *pending = Some(installs);
    }
    step("crates for wasm32 (cargo fetch)", || {
        // trunk builds offline; build-std also needs std's own crates.io dependencies.
        process::run(route.command("cargo").args(["fetch", "--quiet", "--target", "wasm32-unknown-unknown"]))
    })?;
    Ok(route)
}

/// The npm and Python installs that `run` started and nobody has waited for yet.
static PENDING: Mutex<Option<JoinHandle<anyhow::Result<()>>>> = Mutex::new(None);

/// Waits for the installs that [`run`] started on a thread; their error, if any.
pub fn ready() -> anyhow::Result<()> {
    let pending = PENDING.lock().map_err(|_| anyhow::anyhow!("setup state poisoned"))?.take();
    match pending {
        Some(handle) => handle.join().map_err(|_| anyhow::anyhow!("the npm and venv installs panicked"))?,
        None => Ok(()),
    }
}

/// `npm install` into `.tools/` unless `binary --version` already contains `version`.
pub fn npm_tool(root: &Path, package: &str, binary: &str, version: &str) -> anyhow::Result<()> {
    let bin = root.join(crate::wasm_env::TOOLS_BIN).join(binary);
    let current = process::output(Command::new(&bin).arg("--version")).unwrap_or_default();
    if current.contains(version) {
        println!("    {binary} ({version}) present");
        return Ok(());
    }
    npm_install(root, package)
}

/// `npm install` of a library (no binary) into `.tools/` unless that version is there.
fn npm_package(root: &Path, package: &str) -> anyhow::Result<()> {
    let (name, version) = package.rsplit_once('@').context("package without a version")?;
    let manifest = root.join(".tools/node_modules").join(name).join("package.json");
    let current = std::fs::read_to_string(&manifest).unwrap_or_default();
    if current.contains(&format!("\"version\": \"{version}\"")) {
        println!("    {package} present");
        return Ok(());
    }
    npm_install(root, package)
}

/// `npm install <package>` into `.tools/`.
fn npm_install(root: &Path, package: &str) -> anyhow::Result<()> {
    let tools = root.join(".tools");
    std::fs::create_dir_all(&tools)?;
    process::run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"]).arg(&tools).arg(package))
        .with_context(|| format!("could not install {package} from the npm registry (needs Node.js and npm)"))
}

fn is_installed(package: &str) -> bool {
    process::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package])).is_some_and(|s| s.ends_with("install ok installed"))
}

fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !is_installed(p)).collect();
    if missing.is_empty() {
        println!("    all present: {}", packages.join(" "));
        return Ok(());
    }
    let is_root = process::output(Command::new("id").arg("-u")).as_deref() == Some("0");
    let apt = |args: &[&str]| {
        let mut cmd = if is_root { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root {
            cmd.args(["-n", "apt-get"]);
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    let result = process::run(&mut apt(&["update", "-q"])).and_then(|()| {
        let mut cmd = apt(&["install", "-y", "-q", "--no-install-recommends"]);
        cmd.args(&missing);
        process::run(&mut cmd)
    });
    result.with_context(|| {
        format!("could not install Debian packages: {}. Install them as root: `apt-get install {}`", missing.join(" "), missing.join(" "))
    })
}

fn link_debian_toolchain() -> anyhow::Result<()> {
    let list = process::output(Command::new("rustup").args(["toolchain", "list"]))
        .context("rustup is required to select Debian's compiler for wasm builds")?;
    if list.lines().any(|l| l.split_whitespace().next() == Some(DEBIAN_TOOLCHAIN)) {
        println!("    already linked");
        return Ok(());
    }
    process::run(Command::new("rustup").args(["toolchain", "link", DEBIAN_TOOLCHAIN, "/usr"]))
}

/// `cargo install` unless `binary --version` already reports `version`.
pub fn cargo_install(package: &str, binary: &str, version: &str, locked: bool) -> anyhow::Result<()> {
    let current = process::output(Command::new(binary).arg("--version")).unwrap_or_default();
    if current.split_whitespace().any(|word| word == version) {
        println!("    {binary} {version} present");
        return Ok(());
    }
    let mut cmd = Command::new("cargo");
    // `--debug`: these tools only drive other programs, and an unoptimised build of one
    // takes a fraction of the time (the same for each, whether trunk or worker-build).
    cmd.args(["install", package, "--version", version, "--debug"]).env_remove("RUSTUP_TOOLCHAIN");
    if locked {
        cmd.arg("--locked");
    }
    process::run(&mut cmd).with_context(|| format!("could not install {package} {version} from crates.io"))
}
