//! Serving the built `dist/`: SPA fallback, precompressed assets, cache and security headers.

use std::path::Path;

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

/// Cache policy for files trunk names with a content hash (`app-0123abcd…_bg.wasm`).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `index.html` must be revalidated, or clients keep loading stale bundle names.
const NO_CACHE: &str = "no-cache";
/// Everything else (favicon, unhashed assets).
const SHORT: &str = "public, max-age=3600";

/// A router that serves `dist` with every unknown path falling back to `index.html`.
pub fn router(dist: &Path) -> Router {
    let index = dist.join("index.html");
    // The build writes `.br` and `.gz` beside hashed assets; others are compressed per request.
    let files =
        ServeDir::new(dist).precompressed_br().precompressed_gzip().append_index_html_on_directories(true).fallback(ServeFile::new(index));
    Router::new().fallback_service(files).layer(middleware::from_fn(cache_and_security_headers))
}

async fn cache_and_security_headers(req: Request, next: Next) -> Response {
    let hashed = has_content_hash(req.uri().path());
    let mut res = next.run(req).await;
    let is_html = res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    let policy = if is_html {
        NO_CACHE
    } else if hashed && res.status().is_success() {
        IMMUTABLE
    } else {
        SHORT
    };
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    for (name, value) in satsuma_room::page_headers::PAGE_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    res
}

/// True when the last path segment carries trunk's `-<16 hex>` content hash.
pub fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split(['-', '_', '.']).any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::has_content_hash;

    #[test]
    fn recognises_trunk_hashes() {
        assert!(has_content_hash("/satsuma-app-4f2b9c1d0e8a7b6c_bg.wasm"));
        assert!(has_content_hash("/main-0123456789abcdef.css"));
        assert!(!has_content_hash("/index.html"));
        assert!(!has_content_hash("/demo"));
        assert!(!has_content_hash("/favicon.svg"));
    }
}
