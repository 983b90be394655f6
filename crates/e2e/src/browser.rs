//! One headless browser (Chromium, or Firefox through `firefox`), driven through WebDriver,
//! with helpers for Satsuma's pages.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Flags for headless Chromium as root with fake media, verified on this machine type.
const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--window-size=1280,800",
];

/// A wait longer than this is reported, even when it ends well.
const SLOW_STEP: Duration = Duration::from_secs(3);

/// A browser session.
pub struct Browser {
    client: Client,
    base_url: String,
}

impl Browser {
    /// Starts a Chromium through the chromedriver at `driver_url`.
    pub async fn launch(driver_url: &str, base_url: &str) -> anyhow::Result<Self> {
        Self::launch_in(driver_url, base_url, None).await
    }

    /// Starts a Chromium whose language (`navigator.language`) is `lang`, e.g. `ja`.
    pub async fn launch_in(driver_url: &str, base_url: &str, lang: Option<&str>) -> anyhow::Result<Self> {
        Self::launch_with(driver_url, base_url, lang, 1).await
    }

    /// Starts a Chromium in `lang` with `devices` fake cameras, microphones and speakers.
    pub async fn launch_with(driver_url: &str, base_url: &str, lang: Option<&str>, devices: u32) -> anyhow::Result<Self> {
        Self::launch_full(driver_url, base_url, lang, devices, None).await
    }

    /// Starts a Chromium whose profile is `profile`, so that its processes can be found
    /// (see [`crate::freeze`]).
    pub async fn launch_in_profile(driver_url: &str, base_url: &str, profile: &std::path::Path) -> anyhow::Result<Self> {
        Self::launch_full(driver_url, base_url, None, 1, Some(profile)).await
    }

    async fn launch_full(
        driver_url: &str,
        base_url: &str,
        lang: Option<&str>,
        devices: u32,
        profile: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let mut caps = serde_json::Map::new();
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| (*a).to_owned()).collect();
        if let Some(profile) = profile {
            args.push(format!("--user-data-dir={}", profile.display()));
        }
        if devices > 1 {
            for arg in &mut args {
                if arg == "--use-fake-device-for-media-stream" {
                    *arg = format!("{arg}=device-count={devices}");
                }
            }
        }
        let mut options = json!({ "binary": "/usr/bin/chromium" });
        if let Some(lang) = lang {
            args.push(format!("--lang={lang}"));
            options["prefs"] = json!({ "intl.accept_languages": lang });
        }
        options["args"] = json!(args);
        caps.insert("goog:chromeOptions".into(), options);
        Self::connect(driver_url, base_url, caps).await.context("cannot start Chromium through chromedriver")
    }

    /// A session with `caps` through the WebDriver server at `driver_url`.
    pub async fn connect(driver_url: &str, base_url: &str, caps: serde_json::Map<String, Value>) -> anyhow::Result<Self> {
        satsuma_bot::http::install_tls_provider();
        let client = ClientBuilder::rustls().context("TLS setup")?.capabilities(caps).connect(driver_url).await?;
        Ok(Self { client, base_url: base_url.to_owned() })
    }

    /// Navigates to a path of the app, e.g. `/demo`.
    pub async fn open(&self, path: &str) -> anyhow::Result<()> {
        self.client.goto(&format!("{}{path}", self.base_url)).await?;
        Ok(())
    }

    /// Reloads the current page.
    pub async fn reload(&self) -> anyhow::Result<()> {
        self.client.refresh().await?;
        Ok(())
    }

    /// Runs a script (with `return`) and gives back its JSON value.
    pub async fn eval(&self, script: &str) -> anyhow::Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Runs an asynchronous script, which calls its last argument with the result.
    pub async fn eval_async(&self, script: &str) -> anyhow::Result<Value> {
        Ok(self.client.execute_async(script, vec![]).await?)
    }

    /// Polls `script` until it returns `true`, or fails after `timeout` with `what`.
    pub async fn wait_for(&self, what: &str, timeout: Duration, script: &str) -> anyhow::Result<Duration> {
        let start = Instant::now();
        loop {
            if self.eval(script).await?.as_bool() == Some(true) {
                let waited = start.elapsed();
                // A slow step is worth a line in the log even when it passes.
                if waited > SLOW_STEP {
                    eprintln!("slow: waited {waited:.1?} for {what}");
                }
                return Ok(waited);
            }
            if start.elapsed() > timeout {
                let dom = self.eval("return document.body.innerText").await.unwrap_or_default();
                bail!("timed out after {timeout:?} waiting for {what}; page text: {dom}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens `/room`, types `name` into the field labelled "Your name" and presses Join.
    pub async fn join(&self, room: &str, name: &str) -> anyhow::Result<()> {
        self.open(&format!("/{room}")).await?;
        self.join_here(name).await
    }

    /// Opens the landing page, types `room` into "Or join a room by name" and opens it:
    /// the way in on a static host without an SPA fallback.
    pub async fn open_room_from_landing(&self, room: &str) -> anyhow::Result<()> {
        self.open("/").await?;
        let input = self.labelled("Or join a room by name").await?;
        input.send_keys(room).await?;
        self.button("Open room").await?.click().await?;
        Ok(())
    }

    /// The form field whose `<label>` reads `label`.
    async fn labelled(&self, label: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let xpath = format!("//label[normalize-space()='{label}']");
        let label_el = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::XPath(&xpath))
            .await
            .with_context(|| format!("no field labelled {label:?}"))?;
        let id = label_el.attr("for").await?.context("the label has no `for`")?;
        Ok(self.client.find(Locator::Id(&id)).await?)
    }

    /// On the prejoin page already open: types `name` and presses Join.
    pub async fn join_here(&self, name: &str) -> anyhow::Result<()> {
        let input = self.labelled("Your name").await?;
        input.clear().await?;
        input.send_keys(name).await?;
        self.eval(crate::scripts::INSTRUMENT).await?;
        self.button("Join").await?.click().await?;
        Ok(())
    }

    /// The `<button>` whose accessible name (aria-label or text) is `name`.
    pub async fn button(&self, name: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let xpath = format!("//button[@aria-label='{name}' or normalize-space()='{name}']");
        self.button_where(&xpath, &format!("named {name:?}")).await
    }

    /// The `<button>` whose accessible name starts with `prefix` ("Participants 3", "Chat 2").
    pub async fn button_starting(&self, prefix: &str) -> anyhow::Result<fantoccini::elements::Element> {
        let xpath = format!("//button[starts-with(@aria-label, '{prefix}') or starts-with(normalize-space(), '{prefix}')]");
        self.button_where(&xpath, &format!("whose name starts with {prefix:?}")).await
    }

    async fn button_where(&self, xpath: &str, what: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::XPath(xpath))
            .await
            .with_context(|| format!("no button {what}"))
    }

    /// Types `text` into the field whose accessible name (aria-label) is `label`, then Enter.
    pub async fn type_and_enter(&self, label: &str, text: &str) -> anyhow::Result<()> {
        let field = self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(&format!("[aria-label='{label}']")))
            .await
            .with_context(|| format!("no field named {label:?}"))?;
        field.send_keys(&format!("{text}\u{E007}")).await?;
        Ok(())
    }

    /// Fails when the page saw an API error or an unhandled promise rejection since Join.
    pub async fn assert_no_page_errors(&self, who: &str) -> anyhow::Result<()> {
        let errors = self.eval(crate::scripts::PAGE_ERRORS).await?;
        let errors = errors.as_str().unwrap_or("[]");
        if errors != "[]" {
            bail!("{who}'s page saw errors: {errors}");
        }
        Ok(())
    }

    /// Resizes the window, e.g. to a phone's 390×844.
    pub async fn set_window_size(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.client.set_window_size(width, height).await?;
        Ok(())
    }

    /// Saves a PNG screenshot.
    pub async fn screenshot(&self, path: &std::path::Path) -> anyhow::Result<()> {
        std::fs::write(path, self.client.screenshot().await?)?;
        Ok(())
    }

    /// Closes the browser.
    pub async fn close(self) -> anyhow::Result<()> {
        self.client.close().await?;
        Ok(())
    }
}
