//! Shrinks the app's wasm and JS glue beyond what wasm-bindgen and wasm-opt do: short names
//! between the two, and a minified glue; content hashes and integrity values for the names.
//!
//! wasm-bindgen names every import after the web API and a 16-digit hash
//! (`__wbg_setRemoteDescription_<hash>`), and every closure export after its full Rust
//! type. Those names sit in the wasm and again in the JS, some 220 of them, and the hashes
//! do not compress. binaryen renames them to one or two letters and reports the mapping;
//! the glue is rewritten to match.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use base64::Engine as _;
use sha2::{Digest, Sha384};
use wasmparser::{Parser, Payload};

use crate::process;
use crate::wasm_env::TOOLS_BIN;

/// Renames the app's imports and exports in `wasm` and rewrites and minifies its JS glue
/// `js` to match, both in place.
pub fn shorten(root: &Path, js: &Path, wasm: &Path) -> anyhow::Result<()> {
    let (js_before, wasm_before) = (std::fs::metadata(js)?.len(), std::fs::metadata(wasm)?.len());
    let names = minify_wasm_names(root, wasm)?;
    let glue = rename_in_glue(&std::fs::read_to_string(js)?, &names)?;
    std::fs::write(js, glue)?;
    let minified = js.with_extension("min.js");
    let esbuild = root.join(TOOLS_BIN).join("esbuild");
    process::run(
        Command::new(esbuild)
            .arg(js)
            .args(["--minify", "--format=esm", "--log-level=warning"])
            .arg(format!("--outfile={}", minified.display())),
    )?;
    std::fs::rename(&minified, js)?;
    for (path, before) in [(js, js_before), (wasm, wasm_before)] {
        let after = std::fs::metadata(path)?.len();
        println!("    {}: {before} → {after} B", path.file_name().unwrap_or_default().to_string_lossy());
    }
    Ok(())
}

/// `<name>-<16 hex>`: the start of the SHA-384 of `contents`, so that a name changes
/// whenever the bytes do (a browser holding a cached copy under the old name would fail
/// its integrity check), in the `-<16 hex>` form the server caches as immutable.
pub fn hashed_stem(name: &str, contents: &[&[u8]]) -> String {
    let mut digest = Sha384::new();
    for bytes in contents {
        digest.update(bytes);
    }
    let hex: String = digest.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{name}-{hex}")
}

/// What binaryen renamed: import names, export names, and the one import module.
#[derive(Debug, Default, PartialEq)]
pub struct Names {
    /// The import module before (wasm-bindgen's `./<name>_bg.js`) and after.
    pub module: (String, String),
    /// Old import name to new.
    pub imports: HashMap<String, String>,
    /// Old export name to new.
    pub exports: HashMap<String, String>,
}

/// What the wasm may use: rustc's wasm32 defaults, as trunk's own wasm-opt pass sees them.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-multivalue",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
    // binaryen 132 writes imports of one module in the compact encoding unless told not
    // to, and browsers refuse to compile that yet.
    "--disable-compact-imports",
];

/// Runs binaryen's `--minify-imports-and-exports-and-modules` on `wasm` in place.
fn minify_wasm_names(root: &Path, wasm: &Path) -> anyhow::Result<Names> {
    let wasm_opt = root.join(TOOLS_BIN).join("wasm-opt");
    let out = wasm.with_extension("names.wasm");
    let output = Command::new(&wasm_opt)
        .arg(wasm)
        .args(WASM_FEATURES)
        // Custom sections no browser reads: `producers` and `target_features` are metadata.
        .args(["--minify-imports-and-exports-and-modules", "--strip-producers", "--strip-target-features", "-o"])
        .arg(&out)
        .output()
        .with_context(|| format!("cannot run {}", wasm_opt.display()))?;
    if !output.status.success() {
        bail!("wasm-opt failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let bytes = std::fs::read(&out)?;
    std::fs::rename(&out, wasm)?;
    let mut names = parse_mapping(&String::from_utf8_lossy(&output.stdout))?;
    names.module.1 = single_import_module(&bytes)?;
    Ok(names)
}

/// binaryen's mapping: `{"imports": [[module, old, new], …], "exports": [[old, new], …]}`.
pub fn parse_mapping(json: &str) -> anyhow::Result<Names> {
    let value: serde_json::Value = serde_json::from_str(json).context("wasm-opt printed no mapping")?;
    let rows = |key: &str| value[key].as_array().cloned().unwrap_or_default();
    let text = |row: &serde_json::Value, i: usize| row[i].as_str().map(str::to_owned).with_context(|| format!("bad mapping row {row}"));
    let mut names = Names::default();
    for row in rows("imports") {
        let module = text(&row, 0)?;
        if names.module.0.is_empty() {
            names.module.0 = module;
        } else if names.module.0 != module {
            bail!("imports from two modules, {} and {module}: the glue rewrite expects one", names.module.0);
        }
        names.imports.insert(text(&row, 1)?, text(&row, 2)?);
    }
    for row in rows("exports") {
        names.exports.insert(text(&row, 0)?, text(&row, 1)?);
    }
    if names.imports.is_empty() {
        bail!("wasm-opt renamed no imports");
    }
    Ok(names)
}

/// The module every import of the renamed wasm comes from.
fn single_import_module(wasm: &[u8]) -> anyhow::Result<String> {
    let mut modules = Vec::<String>::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::ImportSection(reader) = payload? {
            for import in reader.into_imports() {
                let module = import?.module.to_owned();
                if !modules.contains(&module) {
                    modules.push(module);
                }
            }
        }
    }
    match modules.as_slice() {
        [one] => Ok(one.clone()),
        _ => bail!("the renamed wasm imports from {modules:?}, expected one module"),
    }
}

/// The glue with every import key, the module key and every `wasm.<export>` renamed.
/// Fails when an old name is left, or when the glue uses an export the mapping lacks.
pub fn rename_in_glue(glue: &str, names: &Names) -> anyhow::Result<String> {
    let (old_module, new_module) = &names.module;
    let quoted = format!("\"{old_module}\"");
    if !glue.contains(&quoted) {
        bail!("the glue never names the import module {quoted}");
    }
    let glue = glue.replace(&quoted, &format!("\"{new_module}\""));
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue.as_str();
    while let Some(start) = rest.find(is_ident) {
        let len = rest[start..].find(|c| !is_ident(c)).unwrap_or(rest.len() - start);
        let (before, token) = (&rest[..start], &rest[start..start + len]);
        out.push_str(before);
        let export_access = out.ends_with("wasm.");
        match (names.imports.get(token), names.exports.get(token)) {
            (_, Some(new)) if export_access => out.push_str(new),
            (Some(new), _) if !export_access => out.push_str(new),
            _ if export_access && !names.exports.values().any(|n| n == token) => {
                bail!("the glue uses the export `{token}`, which the renamed wasm does not have")
            }
            _ => out.push_str(token),
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    if let Some(old) = names.imports.keys().find(|old| out.contains(old.as_str())) {
        bail!("the import `{old}` is still in the glue after renaming");
    }
    Ok(out)
}

/// A subresource `integrity` value: `sha384-` and the base64 digest.
pub fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = r#"{
 "imports": [
  ["./app_bg.js", "__wbg_log_0123456789abcdef", "a"],
  ["./app_bg.js", "__wbg_now_fedcba9876543210", "b"]
 ],
"exports": [
  ["memory", "c"], ["__wbindgen_malloc", "d"]
 ]
}"#;

    const GLUE: &str = r#"function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_log_0123456789abcdef: function(arg0) { console.log(arg0); },
        __wbg_now_fedcba9876543210: function() { return Date.now(); },
    };
    return { __proto__: null, "./app_bg.js": import0 };
}
function alloc(n) { const memory = 1; return wasm.__wbindgen_malloc(n) + wasm.memory.buffer.byteLength + memory; }
"#;

    fn names() -> Names {
        let mut names = parse_mapping(MAPPING).expect("mapping");
        names.module.1 = "a".to_owned();
        names
    }

    #[test]
    fn parses_binaryens_mapping() {
        let names = names();
        assert_eq!(names.module, ("./app_bg.js".to_owned(), "a".to_owned()));
        assert_eq!(names.imports["__wbg_now_fedcba9876543210"], "b");
        assert_eq!(names.exports["memory"], "c");
    }

    #[test]
    fn renames_import_keys_the_module_and_export_accesses_only() {
        let glue = rename_in_glue(GLUE, &names()).expect("renamed");
        assert!(glue.contains("        a: function(arg0)"), "{glue}");
        assert!(glue.contains("        b: function()"), "{glue}");
        assert!(glue.contains(r#""a": import0"#), "{glue}");
        // `memory` the local variable keeps its name; `wasm.memory` the export is renamed.
        assert!(glue.contains("return wasm.d(n) + wasm.c.buffer.byteLength + memory;"), "{glue}");
    }

    #[test]
    fn refuses_a_glue_that_uses_an_unmapped_export() {
        let glue = GLUE.replace("wasm.memory", "wasm.__wbindgen_free");
        let err = rename_in_glue(&glue, &names()).expect_err("unmapped export");
        assert!(err.to_string().contains("__wbindgen_free"), "{err}");
    }

    #[test]
    fn refuses_a_mapping_from_two_modules() {
        let mapping = MAPPING.replacen("./app_bg.js", "./other.js", 1);
        assert!(parse_mapping(&mapping).is_err());
    }

    #[test]
    fn hashed_stems_follow_the_contents() {
        let a = hashed_stem("satsuma-app", &[b"js", b"wasm"]);
        assert!(a.starts_with("satsuma-app-") && a.len() == "satsuma-app-".len() + 16, "{a}");
        assert_eq!(a, hashed_stem("satsuma-app", &[b"js", b"wasm"]));
        assert_ne!(a, hashed_stem("satsuma-app", &[b"js", b"wasm!"]));
    }

    #[test]
    fn integrity_is_sha384_in_standard_base64() {
        // `printf abc | openssl dgst -sha384 -binary | base64`
        assert_eq!(integrity(b"abc"), "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn");
    }
}
