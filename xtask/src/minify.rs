//! Minifies the wasm-bindgen JS glue that trunk ships as it is, and keeps index.html's
//! subresource-integrity hash for it true.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use base64::Engine as _;
use sha2::{Digest, Sha384};

use crate::process;
use crate::wasm_env::TOOLS_BIN;

/// Minifies every hashed `.js` in `dist` in place with esbuild, then swaps its `sha384-…`
/// integrity value in `index.html` for the new one.
pub fn minify_js(root: &Path, dist: &Path) -> anyhow::Result<()> {
    let index_path = dist.join("index.html");
    let mut index = std::fs::read_to_string(&index_path).context("dist/index.html is missing")?;
    let esbuild = root.join(TOOLS_BIN).join("esbuild");
    for entry in std::fs::read_dir(dist)?.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "js") {
            continue;
        }
        let before = std::fs::read(&path)?;
        let minified = path.with_extension("min.js");
        process::run(
            Command::new(&esbuild)
                .arg(&path)
                .args(["--minify", "--format=esm", "--log-level=warning"])
                .arg(format!("--outfile={}", minified.display())),
        )?;
        std::fs::rename(&minified, &path)?;
        let after = std::fs::read(&path)?;
        let (old, new) = (integrity(&before), integrity(&after));
        if !index.contains(&old) {
            bail!("index.html has no integrity {old} for {}", path.display());
        }
        index = index.replace(&old, &new);
        println!("    {}: {} → {} B", entry.file_name().to_string_lossy(), before.len(), after.len());
    }
    std::fs::write(&index_path, index)?;
    Ok(())
}

/// The `integrity` attribute value trunk writes: `sha384-` and the base64 digest.
fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::integrity;

    #[test]
    fn integrity_is_sha384_in_standard_base64() {
        // `printf abc | openssl dgst -sha384 -binary | base64`
        assert_eq!(integrity(b"abc"), "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn");
    }
}
