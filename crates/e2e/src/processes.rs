//! The processes a test needs: `satsuma serve` and chromedriver, stopped on drop.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::browser::Browser;

/// A running `satsuma serve` plus a chromedriver, both killed when dropped.
pub struct Harness {
    server: Child,
    driver: Child,
    /// `http://127.0.0.1:<port>` of the app.
    pub base_url: String,
    driver_url: String,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn env_path(name: &str) -> anyhow::Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set: run the end-to-end tests with `cargo xtask test e2e`"))
}

async fn wait_for_http(url: &str, what: &str, child: &mut Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let authority = url.trim_start_matches("http://").split('/').next().unwrap_or_default().to_owned();
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("{what} exited early ({status})");
        }
        if tokio::net::TcpStream::connect(&authority).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{what} did not listen on {authority} within 30 s")
}

impl Harness {
    /// Starts both processes on free ports and waits until they accept connections.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(&[]).await
    }

    /// Like [`Harness::start`], with extra `satsuma serve` options (e.g. lower limits).
    pub async fn start_with(server_args: &[&str]) -> anyhow::Result<Self> {
        let bin = env_path("SATSUMA_BIN")?;
        let dist = env_path("SATSUMA_DIST")?;
        if !dist.join("index.html").is_file() {
            bail!("{} has no index.html: build the app first", dist.display());
        }
        let port = free_port()?;
        let mut server = Command::new(&bin)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--dist"])
            .arg(&dist)
            .args(server_args)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .env_remove("CALLS_APP_ID")
            .env_remove("CALLS_APP_SECRET")
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let base_url = format!("http://127.0.0.1:{port}");
        wait_for_http(&base_url, "satsuma serve", &mut server).await?;

        let driver_port = free_port()?;
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let mut driver = Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            // Its own process group, with the Chromiums it starts: a failed test kills the
            // whole group, so no browser outlives it to slow the next test.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {chromedriver} (cargo xtask setup installs it)"))?;
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        wait_for_http(&driver_url, "chromedriver", &mut driver).await?;
        Ok(Self { server, driver, base_url, driver_url })
    }

    /// The process id of `satsuma serve`, e.g. to read its CPU time.
    pub fn server_pid(&self) -> u32 {
        self.server.id()
    }

    /// Opens a new headless Chromium (fresh profile, fake devices).
    pub async fn browser(&self) -> anyhow::Result<Browser> {
        Browser::launch(&self.driver_url, &self.base_url).await
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Ok(group) = i32::try_from(self.driver.id()) {
            // SAFETY: kill(2) on a process group we created; it touches no memory.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
        for child in [&mut self.server, &mut self.driver] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
