//! The security headers every host sends with the app's pages and files: `satsuma serve`
//! adds them itself, and the build writes them into `dist/_headers` for Cloudflare Pages and
//! the Worker's static assets.
//!
//! No `script-src` yet: the page boots the wasm from an inline module script, which a
//! script policy would have to name by hash. Framing, plugins, `<base>` tricks, MIME
//! sniffing, referrers and devices beyond our own origin are closed now.

/// Header name and value pairs, in the order they are sent.
pub const PAGE_HEADERS: [(&str, &str); 4] = [
    // Scripts only from our origin (the boot is a file, not inline), WebAssembly compiled
    // from them, and nothing evaluated from strings.
    ("content-security-policy", "script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("permissions-policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()"),
];

/// `dist/_headers` in the format Cloudflare Pages and Workers static assets read.
pub fn headers_file() -> String {
    let mut out = String::from("/*\n");
    for (name, value) in PAGE_HEADERS {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headers_file_lists_every_header_for_every_path() {
        let file = headers_file();
        assert!(file.starts_with("/*\n"));
        for (name, value) in PAGE_HEADERS {
            assert!(file.contains(&format!("  {name}: {value}\n")), "{file}");
        }
        assert!(PAGE_HEADERS[0].1.contains("frame-ancestors 'none'"));
        assert!(PAGE_HEADERS[0].1.contains("script-src 'self' 'wasm-unsafe-eval';"), "no inline script, no eval");
        assert!(!PAGE_HEADERS[0].1.contains("unsafe-inline") && !PAGE_HEADERS[0].1.contains("'unsafe-eval'"));
    }
}
