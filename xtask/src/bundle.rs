//! `dist/`: the app as shipped, built the way `trunk build --release` builds it but driven
//! from here, so that `run` and `test` need no trunk: cargo (the `bundle` profile),
//! wasm-bindgen (the library, see `multicall`), `wasm-opt -Oz`, short names and esbuild
//! for the glue, lightningcss for the CSS, content-hashed names, subresource integrity, and brotli and
//! gzip copies. `index.html` stays trunk's template, so `trunk serve` reads the same file.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use crate::index_html::{self, Node, Tag};
use crate::minify::{hashed_stem, integrity};
use crate::multicall::Tool;
use crate::process::{self, step};
use crate::run::target_dir;
use crate::wasm_env::{WasmRoute, TOOLS_BIN};

/// The cargo profile of the shipped wasm (Cargo.toml): small over fast.
pub const PROFILE: &str = "bundle";

/// rustc flags for the shipped bundle on the build-std route.
/// Besides the panic strategy: `Debug` impls and panic locations compile to nothing, and
/// Leptos erases component types (less monomorphised view code). Each was measured; see
/// the README's bundle table.
pub const WASM_RELEASE_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none --cfg erase_components";

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Builds `dist/` from `index.html`, replacing what was there.
pub fn build(root: &Path, route: WasmRoute) -> anyhow::Result<()> {
    let dist = root.join("dist");
    let stage = root.join(".dist-stage");
    let _ = std::fs::remove_dir_all(&stage);
    std::fs::create_dir_all(&stage)?;
    let template = std::fs::read_to_string(root.join("index.html")).context("index.html is missing")?;
    let nodes = index_html::parse(&template)?;
    // The long step first, while setup's npm installs finish on their thread.
    for node in &nodes {
        if let Node::Tag(tag) = node {
            if tag.is_trunk_link() && tag.attr("rel") == Some("rust") {
                compile(route, tag.attr("data-bin").context("the rust link needs data-bin")?)?;
            }
        }
    }
    crate::setup::ready()?;
    let mut page = Vec::new();
    for node in nodes {
        match node {
            Node::Tag(tag) if tag.is_trunk_link() => page.extend(asset(root, &tag, &stage)?),
            other => page.push(other),
        }
    }
    std::fs::write(stage.join("index.html"), index_html::render(&page))?;
    // The headers `satsuma serve` adds itself, for static hosts (Pages, Workers assets).
    std::fs::write(stage.join("_headers"), satsuma_room::page_headers::headers_file())?;
    step("precompressed assets (brotli, gzip)", || precompress(&stage))?;
    publish(&stage, &dist)
}

/// wasm-bindgen's output before wasm-opt: the shipped code, with its `name` section.
pub fn raw_wasm(root: &Path) -> PathBuf {
    target_dir(root).join("wasm-bindgen").join(PROFILE).join("satsuma-app_bg.wasm")
}

/// The tags that replace one `<link data-trunk …>`, after building what it names.
fn asset(root: &Path, link: &Tag, stage: &Path) -> anyhow::Result<Vec<Node>> {
    let href = || link.attr("href").context("a data-trunk link without href");
    match link.attr("rel") {
        Some("icon") => {
            let path = root.join(href()?);
            let name = copy_hashed(&path, &std::fs::read(&path)?, stage)?;
            Ok(vec![integrity_link("icon", &name, &[], stage)?])
        }
        Some("css") => {
            let path = root.join(href()?);
            let name = copy_hashed(&path, &minify_css(root, &path)?, stage)?;
            Ok(vec![integrity_link("stylesheet", &name, &[], stage)?])
        }
        Some("rust") => {
            let bin = link.attr("data-bin").context("the rust link needs data-bin")?;
            let opt = link.attr("data-wasm-opt").unwrap_or("z");
            let (js, wasm) = app(root, bin, opt, stage)?;
            // The boot is a file of its own, not an inline script: the pages' CSP allows
            // scripts from our origin only (`satsuma_room::page_headers`).
            let boot = format!("import init from\"/{js}\";init({{module_or_path:\"/{wasm}\"}})");
            let boot = copy_hashed(Path::new("boot.js"), boot.as_bytes(), stage)?;
            let attr = |k: &str, v: Option<String>| (k.to_owned(), v);
            let script = Tag {
                name: "script".to_owned(),
                attrs: vec![
                    attr("type", Some("module".to_owned())),
                    attr("src", Some(format!("/{boot}"))),
                    attr("crossorigin", None),
                    attr("integrity", Some(integrity(&std::fs::read(stage.join(&boot))?))),
                ],
            };
            Ok(vec![
                integrity_link("modulepreload", &js, &[("crossorigin", None)], stage)?,
                integrity_link(
                    "preload",
                    &wasm,
                    &[("as", Some("fetch")), ("type", Some("application/wasm")), ("crossorigin", None)],
                    stage,
                )?,
                Node::Tag(script),
                Node::Tag(Tag { name: "/script".to_owned(), attrs: Vec::new() }),
            ])
        }
        other => bail!("index.html: unsupported data-trunk link rel={other:?}"),
    }
}

/// `<link rel=REL href=/NAME …extra integrity=…>` for a file of the stage.
fn integrity_link(rel: &str, name: &str, extra: &[(&str, Option<&str>)], stage: &Path) -> anyhow::Result<Node> {
    let mut attrs = vec![("rel".to_owned(), Some(rel.to_owned())), ("href".to_owned(), Some(format!("/{name}")))];
    attrs.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned))));
    attrs.push(("integrity".to_owned(), Some(integrity(&std::fs::read(stage.join(name))?))));
    Ok(Node::Tag(Tag { name: "link".to_owned(), attrs }))
}

/// Writes `bytes` into the stage as `<stem>-<hash>.<ext>` of `source`'s name; returns the name.
fn copy_hashed(source: &Path, bytes: &[u8], stage: &Path) -> anyhow::Result<String> {
    let stem = source.file_stem().and_then(|s| s.to_str()).context("an asset without a name")?;
    let ext = source.extension().and_then(|s| s.to_str()).context("an asset without an extension")?;
    let name = format!("{}.{ext}", hashed_stem(stem, &[bytes]));
    std::fs::write(stage.join(&name), bytes)?;
    Ok(name)
}

/// The stylesheet, minified by lightningcss.
fn minify_css(root: &Path, css: &Path) -> anyhow::Result<Vec<u8>> {
    let out = Command::new(root.join(TOOLS_BIN).join("lightningcss"))
        .arg("--minify")
        .arg(css)
        .output()
        .context("cannot run lightningcss (run `cargo xtask setup`)")?;
    if !out.status.success() {
        bail!("lightningcss failed on {}: {}", css.display(), String::from_utf8_lossy(&out.stderr));
    }
    let mut bytes = out.stdout;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    Ok(bytes)
}

/// Compiles the app's wasm (`cargo build --profile bundle`).
fn compile(route: WasmRoute, bin: &str) -> anyhow::Result<()> {
    step(&format!("app wasm (cargo build --profile {PROFILE})"), || {
        let mut cargo = route.command("cargo");
        cargo.args(["build", "--target", WASM_TARGET, "--profile", PROFILE, "-p", "satsuma-app", "--bin", bin]);
        if route == WasmRoute::DebianBuildStd {
            // Panics abort at once, without formatting a message: no panic machinery in the
            // bundle. Only on the build-std route (std must be built with the same strategy),
            // and only here: tests keep their panic messages.
            cargo.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", WASM_RELEASE_RUSTFLAGS);
            cargo.env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size");
        }
        process::run(&mut cargo)
    })
}

/// The compiled app's wasm and glue, bound, optimised and minified into the stage; returns
/// their file names.
fn app(root: &Path, bin: &str, opt: &str, stage: &Path) -> anyhow::Result<(String, String)> {
    let built = target_dir(root).join(WASM_TARGET).join(PROFILE).join(format!("{bin}.wasm"));
    let bindgen_out = raw_wasm(root).parent().map(Path::to_path_buf).context("no wasm-bindgen directory")?;
    step("wasm-bindgen", || {
        let mut args: Vec<std::ffi::OsString> =
            ["wasm-bindgen", "--target=web", "--no-typescript", &format!("--out-name={bin}")].map(Into::into).into();
        args.push(format!("--out-dir={}", bindgen_out.display()).into());
        args.push(built.clone().into());
        Tool::WasmBindgen.run(args)
    })?;
    let (js, wasm) = (stage.join(format!("{bin}.js")), stage.join(format!("{bin}_bg.wasm")));
    std::fs::copy(bindgen_out.join(format!("{bin}.js")), &js)?;
    step(&format!("wasm-opt -O{opt}"), || {
        process::run(
            Command::new(root.join(TOOLS_BIN).join("wasm-opt"))
                .arg(bindgen_out.join(format!("{bin}_bg.wasm")))
                .arg(format!("-O{opt}"))
                .arg("-o")
                .arg(&wasm),
        )
    })?;
    step("short wasm names, minified JS glue", || crate::minify::shorten(root, &js, &wasm))?;
    let (js_bytes, wasm_bytes) = (std::fs::read(&js)?, std::fs::read(&wasm)?);
    let stem = hashed_stem(bin, &[&js_bytes, &wasm_bytes]);
    let names = (format!("{stem}.js"), format!("{stem}_bg.wasm"));
    std::fs::rename(&js, stage.join(&names.0))?;
    std::fs::rename(&wasm, stage.join(&names.1))?;
    Ok(names)
}

/// Writes `<file>.br` and `<file>.gz` beside every hashed `.wasm`, `.js` and `.css`, so
/// that `satsuma serve` sends them as they are instead of compressing per request.
fn precompress(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)?.flatten() {
        let path = entry.path();
        if !crate::size::is_shipped_code(&entry.file_name().to_string_lossy()) {
            continue;
        }
        process::run(Command::new("brotli").args(["-q", "11", "-f", "-k"]).arg(&path))?;
        process::run(Command::new("gzip").args(["-9", "-n", "-f", "-k"]).arg(&path))?;
    }
    Ok(())
}

/// Replaces `dist` with `stage` (a sibling, so the renames stay on one file system).
fn publish(stage: &Path, dist: &Path) -> anyhow::Result<()> {
    let old = dist.with_file_name(".dist-old");
    let _ = std::fs::remove_dir_all(&old);
    if dist.exists() {
        std::fs::rename(dist, &old).with_context(|| format!("cannot move {} aside", dist.display()))?;
    }
    std::fs::rename(stage, dist).with_context(|| format!("cannot move the new bundle to {}", dist.display()))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}
