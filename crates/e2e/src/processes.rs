//! The processes a test needs, stopped on drop: the API (`satsuma serve`, or the Worker
//! under `wrangler dev` with `satsuma sfu` behind it), static sites, and chromedriver.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::Value;

use crate::browser::Browser;

/// How long `wrangler dev` may take to answer `/healthz` (it starts workerd and loads the
/// wasm; a cold machine takes tens of seconds).
const WORKER_READY: Duration = Duration::from_secs(180);
/// App id and secret the Worker uses with `satsuma sfu`.
const SFU_APP: (&str, &str) = ("e2e-app", "e2e-secret-not-for-production");
/// The Worker's WHIP ingest key under [`Harness::on_worker`].
pub const WORKER_INGEST_KEY: &str = "an-ingest-key-for-the-worker";
/// The Worker's WHEP view key under [`Harness::on_worker`].
pub const WORKER_VIEW_KEY: &str = "a-view-key-for-the-worker";

/// The API, any static sites and a chromedriver, all killed when dropped.
pub struct Harness {
    /// Each in its own process group, killed as a group.
    children: Vec<Child>,
    server_pid: u32,
    /// `http://127.0.0.1:<port>` of the app.
    pub base_url: String,
    /// `http://127.0.0.1:<port>` of the API (the app's origin unless cross-origin).
    pub api_url: String,
    driver_url: String,
    scratch: Vec<TempDir>,
    /// `http://127.0.0.1:<port>` of a standalone `satsuma sfu` behind the proxy, when there is one.
    sfu_url: Option<String>,
    /// The options of a `satsuma serve` started by [`Harness::start_with`], to restart it.
    serve_args: Option<Vec<String>>,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn env_path(name: &str) -> anyhow::Result<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .with_context(|| format!("{name} is not set: run the end-to-end tests with `cargo xtask test e2e`"))
}

/// Starts `cmd` in its own process group, so a drop kills what it started too.
fn spawn(mut cmd: Command, what: &str) -> anyhow::Result<Child> {
    cmd.process_group(0).stdin(Stdio::null()).spawn().with_context(|| format!("cannot start {what}"))
}

async fn wait_for_port(url: &str, what: &str, child: &mut Child, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let authority = url.split("://").nth(1).unwrap_or(url).split('/').next().unwrap_or_default().to_owned();
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("{what} exited early ({status})");
        }
        if tokio::net::TcpStream::connect(&authority).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{what} did not listen on {authority} within {timeout:?}")
}

/// Waits until `GET {base}/healthz` answers 200 (a port alone says little of wrangler).
async fn wait_healthy(base: &str, what: &str, child: &mut Child, timeout: Duration) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    while start.elapsed() < timeout {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("{what} exited early ({status})");
        }
        if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bail!("{what} did not answer {base}/healthz within {timeout:?}")
}

/// The repository root (the e2e crate sits at `crates/e2e`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dist() -> anyhow::Result<PathBuf> {
    let dist = env_path("SATSUMA_DIST")?;
    if !dist.join("index.html").is_file() {
        bail!("{} has no index.html: build the app first", dist.display());
    }
    Ok(dist)
}

/// `satsuma serve` on a free port with `args`, the embedded SFU behind it.
async fn start_serve(args: &[&str]) -> anyhow::Result<(Child, String)> {
    start_serve_on(free_port()?, args).await
}

async fn start_serve_on(port: u16, args: &[&str]) -> anyhow::Result<(Child, String)> {
    let bin = env_path("SATSUMA_BIN")?;
    let mut cmd = Command::new(&bin);
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--dist"])
        .arg(dist()?)
        .args(args)
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .env_remove("CALLS_APP_ID")
        .env_remove("CALLS_APP_SECRET")
        .env_remove("ALLOWED_ORIGINS");
    let mut server = spawn(cmd, &format!("{}", bin.display()))?;
    let url = format!("http://127.0.0.1:{port}");
    wait_for_port(&url, "satsuma serve", &mut server, Duration::from_secs(30)).await?;
    Ok((server, url))
}

/// A plain static file server (Python's) for `dir` on `port`: no SPA fallback, no API.
async fn start_static(dir: &Path, port: u16) -> anyhow::Result<(Child, String)> {
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut site = spawn(cmd, "python3 -m http.server")?;
    let url = format!("http://127.0.0.1:{port}");
    wait_for_port(&url, "the static site", &mut site, Duration::from_secs(30)).await?;
    Ok((site, url))
}

/// A copy of `dist/` with a `config.json` that points the app at `api`.
fn site_dir(api: &str) -> anyhow::Result<TempDir> {
    let dir = std::env::temp_dir().join(format!("satsuma-e2e-site-{}-{}", std::process::id(), free_port()?));
    std::fs::create_dir_all(&dir)?;
    let scratch = TempDir(dir);
    for entry in std::fs::read_dir(dist()?)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), scratch.0.join(entry.file_name()))?;
        }
    }
    std::fs::write(scratch.0.join("config.json"), serde_json::json!({ "apiBase": api }).to_string())?;
    Ok(scratch)
}

async fn start_driver() -> anyhow::Result<(Child, String)> {
    let port = free_port()?;
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let mut cmd = Command::new(&chromedriver);
    // The Chromiums it starts share its process group, so none outlives a failed test.
    cmd.arg(format!("--port={port}")).stdout(Stdio::null());
    let mut driver = spawn(cmd, &format!("{chromedriver} (cargo xtask setup installs it)"))?;
    let url = format!("http://127.0.0.1:{port}");
    wait_for_port(&url, "chromedriver", &mut driver, Duration::from_secs(30)).await?;
    Ok((driver, url))
}

impl Harness {
    /// `satsuma serve` and chromedriver on free ports, ready for connections.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(&[]).await
    }

    /// Like [`Harness::start`], with extra `satsuma serve` options (e.g. lower limits).
    pub async fn start_with(server_args: &[&str]) -> anyhow::Result<Self> {
        let (server, url) = start_serve(server_args).await?;
        let mut harness = Self::finish(vec![server], url.clone(), url, Vec::new()).await?;
        harness.serve_args = Some(server_args.iter().map(|a| (*a).to_owned()).collect());
        Ok(harness)
    }

    /// Kills `satsuma serve` (SIGKILL, like a crash) and starts it again on the same port
    /// with the same options: rooms, sessions and the embedded SFU's media are gone.
    pub async fn restart_server(&mut self) -> anyhow::Result<()> {
        let args = self.serve_args.clone().context("only a harness from `start`/`start_with` restarts its server")?;
        let port: u16 = self.base_url.rsplit(':').next().and_then(|p| p.parse().ok()).context("the server's port")?;
        let server = self.children.first_mut().context("no server")?;
        kill_group(server);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (restarted, _) = start_serve_on(port, &args).await?;
        self.server_pid = restarted.id();
        if let Some(slot) = self.children.first_mut() {
            *slot = restarted;
        }
        Ok(())
    }

    /// Kills the standalone `satsuma sfu` of a [`Harness::proxied`] (SIGKILL) and starts it
    /// again on the same port: every media session is gone, `satsuma serve` stays.
    pub async fn restart_sfu(&mut self) -> anyhow::Result<()> {
        let url = self.sfu_url.clone().context("only a proxied harness has a standalone SFU")?;
        let sfu = self.children.get_mut(1).context("no SFU process")?;
        kill_group(sfu);
        let (app_id, secret) = SFU_APP;
        let listen = url.trim_start_matches("http://").to_owned();
        let mut cmd = Command::new(env_path("SATSUMA_BIN")?);
        cmd.args(["sfu", "--listen", &listen, "--app-id", app_id, "--app-secret", secret])
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()));
        let mut restarted = spawn(cmd, "satsuma sfu")?;
        wait_for_port(&url, "satsuma sfu", &mut restarted, Duration::from_secs(30)).await?;
        if let Some(slot) = self.children.get_mut(1) {
            *slot = restarted;
        }
        Ok(())
    }

    /// `satsuma serve` proxying the Realtime API to a standalone `satsuma sfu`, as it does to
    /// Cloudflare's, so a test can read the SFU's own state ([`Harness::sfu_session`]).
    pub async fn proxied() -> anyhow::Result<Self> {
        let bin = env_path("SATSUMA_BIN")?;
        let sfu_port = free_port()?;
        let (app_id, secret) = SFU_APP;
        let mut cmd = Command::new(&bin);
        cmd.args(["sfu", "--listen", &format!("127.0.0.1:{sfu_port}"), "--app-id", app_id, "--app-secret", secret])
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()));
        let mut sfu = spawn(cmd, "satsuma sfu")?;
        let sfu_url = format!("http://127.0.0.1:{sfu_port}");
        wait_for_port(&sfu_url, "satsuma sfu", &mut sfu, Duration::from_secs(30)).await?;
        let api = format!("{sfu_url}/v1");
        let served = start_serve(&["--calls-app-id", app_id, "--calls-app-secret", secret, "--calls-api-url", &api]).await;
        let (server, url) = match served {
            Ok(started) => started,
            Err(err) => {
                kill_group(&mut sfu);
                return Err(err);
            }
        };
        let mut harness = Self::finish(vec![server, sfu], url.clone(), url, Vec::new()).await?;
        harness.sfu_url = Some(sfu_url);
        Ok(harness)
    }

    /// The SFU's `GET sessions/{id}`: its status and body (needs [`Harness::proxied`]).
    pub async fn sfu_session(&self, id: &str) -> anyhow::Result<(u16, Value)> {
        let Some(sfu) = &self.sfu_url else { bail!("no standalone SFU: start the harness with Harness::proxied") };
        let (app_id, secret) = SFU_APP;
        let response = reqwest::Client::new().get(format!("{sfu}/v1/apps/{app_id}/sessions/{id}")).bearer_auth(secret).send().await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// The app on a plain static site whose `config.json` points at `satsuma serve` on
    /// another origin, which allows the site's origin and no other.
    pub async fn cross_origin() -> anyhow::Result<Self> {
        // The site's port must be known before the server starts: reserve it first.
        let site_port = free_port()?;
        let site_origin = format!("http://127.0.0.1:{site_port}");
        let (server, api) = start_serve(&["--allowed-origin", &site_origin]).await?;
        let dir = site_dir(&api)?;
        let (site, _) = start_static(&dir.0, site_port).await?;
        Self::finish(vec![server, site], site_origin, api, vec![dir]).await
    }

    /// Another static copy of the app pointing at this harness's API, on an origin the
    /// API does not allow; the URL of its landing page.
    pub async fn foreign_site(&mut self) -> anyhow::Result<String> {
        let dir = site_dir(&self.api_url)?;
        let (site, url) = start_static(&dir.0, free_port()?).await?;
        self.children.push(site);
        self.scratch.push(dir);
        Ok(url)
    }

    /// The Worker under `cargo xtask worker dev --no-build`, with `satsuma sfu` as its
    /// Realtime API: the app and the API on the Worker's origin, media through the SFU.
    /// `cargo xtask test e2e` builds the Worker first.
    pub async fn on_worker() -> anyhow::Result<Self> {
        let bin = env_path("SATSUMA_BIN")?;
        let sfu_port = free_port()?;
        let (app_id, secret) = SFU_APP;
        let mut cmd = Command::new(&bin);
        cmd.args(["sfu", "--listen", &format!("127.0.0.1:{sfu_port}"), "--app-id", app_id, "--app-secret", secret]);
        let mut sfu = spawn(cmd, "satsuma sfu")?;
        let sfu_url = format!("http://127.0.0.1:{sfu_port}");
        wait_for_port(&sfu_url, "satsuma sfu", &mut sfu, Duration::from_secs(30)).await?;

        let port = free_port()?;
        let mut cmd = Command::new("cargo");
        cmd.args(["xtask", "worker", "dev", "--no-build", "--listen", &format!("127.0.0.1:{port}")])
            .current_dir(repo_root())
            .env("CALLS_API_URL", format!("{sfu_url}/v1"))
            .env("CALLS_APP_ID", app_id)
            .env("CALLS_APP_SECRET", secret)
            .env("SATSUMA_INGEST_KEY", WORKER_INGEST_KEY)
            .env("SATSUMA_VIEW_KEY", WORKER_VIEW_KEY)
            .env_remove("ALLOWED_ORIGINS")
            .env_remove("TURN_SERVICE_ID")
            .env_remove("TURN_SERVICE_TOKEN");
        let mut worker = spawn(cmd, "cargo xtask worker dev")?;
        let url = format!("http://127.0.0.1:{port}");
        let waited = match wait_healthy(&url, "cargo xtask worker dev", &mut worker, WORKER_READY).await {
            Ok(waited) => waited,
            Err(err) => {
                kill_group(&mut sfu);
                kill_group(&mut worker);
                return Err(err);
            }
        };
        println!("the Worker answered /healthz {waited:.1?} after start");
        Self::finish(vec![sfu, worker], url.clone(), url, Vec::new()).await
    }

    async fn finish(mut children: Vec<Child>, base_url: String, api_url: String, scratch: Vec<TempDir>) -> anyhow::Result<Self> {
        let server_pid = children.first().map_or(0, Child::id);
        let (driver, driver_url) = match start_driver().await {
            Ok(started) => started,
            Err(err) => {
                children.iter_mut().for_each(kill_group);
                return Err(err);
            }
        };
        children.push(driver);
        Ok(Self { children, server_pid, base_url, api_url, driver_url, scratch, sfu_url: None, serve_args: None })
    }

    /// The WebDriver server's URL, to start browsers of one's own.
    pub fn driver_url(&self) -> &str {
        &self.driver_url
    }

    /// The process id of the API server, e.g. to read its CPU time.
    pub fn server_pid(&self) -> u32 {
        self.server_pid
    }

    /// Opens a new headless Chromium (fresh profile, fake devices) on the app.
    pub async fn browser(&self) -> anyhow::Result<Browser> {
        Browser::launch(&self.driver_url, &self.base_url).await
    }

    /// Opens a new headless Chromium in its own `profile` directory, so that a test can
    /// find and freeze its processes (`crate::freeze`).
    pub async fn browser_in_profile(&self, profile: &Path) -> anyhow::Result<Browser> {
        Browser::launch_in_profile(&self.driver_url, &self.base_url, profile).await
    }

    /// Opens a new headless Chromium with `devices` fake cameras, microphones and speakers.
    pub async fn browser_with_devices(&self, devices: u32) -> anyhow::Result<Browser> {
        Browser::launch_with(&self.driver_url, &self.base_url, None, devices).await
    }

    /// Opens a new headless Chromium whose language is `lang` (e.g. `ja`) on the app.
    pub async fn browser_in(&self, lang: &str) -> anyhow::Result<Browser> {
        Browser::launch_in(&self.driver_url, &self.base_url, Some(lang)).await
    }

    /// Opens a new headless Firefox (fake devices, camera and microphone allowed for the app)
    /// on the app, through a geckodriver of its own.
    pub async fn firefox(&mut self) -> anyhow::Result<Browser> {
        let scratch = TempDir(std::env::temp_dir().join(format!("satsuma-e2e-firefox-{}", free_port()?)));
        std::fs::create_dir_all(&scratch.0)?;
        let permissions = scratch.0.join("permissions.txt");
        std::fs::write(&permissions, crate::firefox::permissions(&self.base_url))?;
        let port = free_port()?;
        let geckodriver = crate::firefox::geckodriver();
        let mut cmd = Command::new(&geckodriver);
        cmd.args(["--port", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null());
        let mut driver = spawn(cmd, &format!("{geckodriver} (cargo xtask setup installs it)"))?;
        let url = format!("http://127.0.0.1:{port}");
        let ready = wait_for_port(&url, "geckodriver", &mut driver, Duration::from_secs(30)).await;
        self.children.push(driver);
        self.scratch.push(scratch);
        ready?;
        Browser::connect(&url, &self.base_url, crate::firefox::capabilities(&permissions))
            .await
            .context("cannot start Firefox through geckodriver")
    }

    /// Opens a new headless Chromium on another site, e.g. a [`Harness::foreign_site`].
    pub async fn browser_at(&self, base_url: &str) -> anyhow::Result<Browser> {
        Browser::launch(&self.driver_url, base_url).await
    }
}

fn kill_group(child: &mut Child) {
    if let Ok(group) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on a process group we created; it touches no memory.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.children.iter_mut().for_each(kill_group);
    }
}
