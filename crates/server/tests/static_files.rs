//! The app's files: precompressed hashed assets, content types, cache policy, SPA fallback.

mod common;

use common::serve_app;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

const WASM: &str = "app-0123456789abcdef_bg.wasm";

fn dist_with_precompressed_wasm() -> tempfile::TempDir {
    let dir = common::temp_dist();
    // Distinct stand-ins: the test can tell which copy was sent without decoding it.
    std::fs::write(dir.path().join(WASM), b"\0asm raw").unwrap();
    std::fs::write(dir.path().join(format!("{WASM}.br")), b"brotli copy").unwrap();
    std::fs::write(dir.path().join(format!("{WASM}.gz")), b"gzip copy").unwrap();
    dir
}

async fn get(addr: std::net::SocketAddr, path: &str, accept: Option<&str>) -> reqwest::Response {
    let client = reqwest::Client::builder().no_brotli().no_gzip().build().unwrap();
    let mut request = client.get(format!("http://{addr}{path}"));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn hashed_assets_are_sent_precompressed() {
    let dist = dist_with_precompressed_wasm();
    let addr = serve_app(dist.path(), satsuma_server::upstream::Upstream::Unavailable("none".into()), None).await;

    for (accept, encoding, body) in [
        (Some("gzip, deflate, br"), Some("br"), &b"brotli copy"[..]),
        (Some("gzip"), Some("gzip"), &b"gzip copy"[..]),
        (None, None, &b"\0asm raw"[..]),
    ] {
        let res = get(addr, &format!("/{WASM}"), accept).await;
        assert_eq!(res.status(), 200, "{accept:?}");
        assert_eq!(res.headers()[CONTENT_TYPE], "application/wasm", "{accept:?}");
        assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(res.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), encoding, "{accept:?}");
        assert_eq!(&res.bytes().await.unwrap()[..], body, "{accept:?}");
    }
}

#[tokio::test]
async fn assets_without_a_copy_are_compressed_and_rooms_fall_back_to_the_app() {
    let dist = dist_with_precompressed_wasm();
    let addr = serve_app(dist.path(), satsuma_server::upstream::Upstream::Unavailable("none".into()), None).await;

    let res = get(addr, "/app-0123456789abcdef.js", Some("gzip")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");

    let res = get(addr, "/brave-otter-1234", Some("br")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CACHE_CONTROL], "no-cache");
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn pages_and_files_carry_the_security_headers() {
    let dist = dist_with_precompressed_wasm();
    std::fs::write(dist.path().join("app-0123456789abcdef.js"), b"export {}").unwrap();
    let addr = serve_app(dist.path(), satsuma_server::upstream::Upstream::Unavailable("none".into()), None).await;
    for path in ["/", "/some-room", &format!("/{WASM}"), "/app-0123456789abcdef.js"] {
        let res = get(addr, path, Some("br")).await;
        assert_eq!(res.status(), 200, "{path}");
        let headers = res.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert!(headers["permissions-policy"].to_str().unwrap().contains("camera=(self)"), "{path}");
    }
}
