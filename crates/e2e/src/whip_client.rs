//! The independent WHIP publisher of the tests (aiortc, `crates/e2e/whip/whip_client.py`),
//! as OBS would publish: a moving pattern and a tone for a while, then its `DELETE`.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{ensure, Context};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// A running publisher.
pub struct WhipClient {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl WhipClient {
    /// Publishes to `url` (`…/api/whip/ROOM?name=…`) with `key` for `seconds`.
    pub fn start(url: &str, key: &str, seconds: u32) -> anyhow::Result<Self> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join("../../.tools/venv/bin/python");
        ensure!(python.exists(), "{} is missing: run `cargo xtask setup`", python.display());
        let mut child = Command::new(&python)
            .arg(root.join("whip/whip_client.py"))
            .args([url, key, &seconds.to_string()])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the WHIP client")?;
        let lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
        Ok(Self { child, lines })
    }

    /// Waits for it to end well, with everything it said, `deleted 200` among it.
    pub async fn finish(mut self, limit: Duration) -> anyhow::Result<Vec<String>> {
        let mut said = Vec::new();
        while let Some(line) = tokio::time::timeout(limit, self.lines.next_line()).await?? {
            said.push(line);
        }
        let status = self.child.wait().await?;
        ensure!(status.success(), "the WHIP client failed: {said:?}");
        ensure!(said.iter().any(|l| l == "deleted 200"), "the WHIP client said {said:?}");
        Ok(said)
    }
}
