//! Accessibility checks with axe-core (npm, installed by `cargo xtask setup`), run inside
//! the page under test.

use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::browser::Browser;

/// Runs axe in the page, and hands its violations to the WebDriver callback as plain data.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(
  r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' ')) }))),
  e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));
"#;

/// axe-core's browser build: `SATSUMA_AXE`, or the copy setup installs in `.tools/`.
fn axe_source() -> anyhow::Result<&'static str> {
    static SOURCE: OnceLock<String> = OnceLock::new();
    if let Some(source) = SOURCE.get() {
        return Ok(source);
    }
    let path = std::env::var_os("SATSUMA_AXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/node_modules/axe-core/axe.min.js"));
    let source =
        std::fs::read_to_string(&path).with_context(|| format!("axe-core is missing at {} (run `cargo xtask setup`)", path.display()))?;
    Ok(SOURCE.get_or_init(|| source))
}

impl Browser {
    /// Fails, listing each rule and element, when axe-core finds any violation on the page
    /// as it is now (its default rules: WCAG 2 A and AA, and best practices).
    pub async fn assert_accessible(&self, page: &str) -> anyhow::Result<()> {
        self.eval(&format!("{}\nreturn typeof axe === 'object';", axe_source()?)).await?;
        let violations = self.eval_async(RUN_AXE).await?;
        let list = violations.as_array().cloned().unwrap_or_default();
        if list.is_empty() {
            return Ok(());
        }
        let text: Vec<String> = list.iter().map(describe).collect();
        bail!("{page}: axe-core found {} violation(s):\n{}", list.len(), text.join("\n"))
    }
}

/// One violation: rule, impact, help text and the first elements it names.
fn describe(violation: &Value) -> String {
    let field = |key: &str| violation[key].as_str().unwrap_or("?").to_owned();
    let nodes: Vec<String> =
        violation["nodes"].as_array().into_iter().flatten().filter_map(|n| n.as_str().map(|n| format!("    {n}"))).collect();
    format!("  {} ({}): {}\n{}", field("id"), field("impact"), field("help"), nodes.join("\n"))
}
