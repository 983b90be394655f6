//! Where the API lives: this page's origin, or the `apiBase` of an optional `config.json`
//! beside `index.html`, so `dist/` can sit on any static host with the API elsewhere.

use std::cell::RefCell;

use gloo_net::http::Request;

thread_local! {
    /// `""` for this origin, else an origin such as `https://api.example.com`.
    static BASE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Reads `config.json`. A missing or unreadable file (or the SPA fallback's HTML) means
/// the page's own origin.
pub async fn load() {
    let Ok(response) = Request::get("/config.json").send().await else { return };
    if !response.ok() {
        return;
    }
    let Ok(text) = response.text().await else { return };
    let Ok(base) = crate::json::top_level_str(&text, "apiBase") else { return };
    let base = base.unwrap_or_default();
    match normalize(&base) {
        Some(base) => BASE.with(|b| *b.borrow_mut() = base),
        None if !base.is_empty() => leptos::logging::warn!("config.json: ignoring apiBase {base:?}: not an http(s) origin"),
        None => {}
    }
}

/// An `http(s)://host[:port][/path]` base without its trailing slash, or `None`.
fn normalize(base: &str) -> Option<String> {
    let trimmed = base.trim().trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"))?;
    (!rest.is_empty() && !rest.contains(char::is_whitespace)).then(|| trimmed.to_owned())
}

/// The URL of an API path such as `/api/turn`.
pub fn http_url(path: &str) -> String {
    BASE.with(|b| format!("{}{path}", b.borrow()))
}

/// The WebSocket URL of an API path, on the API's origin.
pub fn ws_url(path: &str) -> String {
    let base = BASE.with(|b| b.borrow().clone());
    if let Some(rest) = base.strip_prefix("https://") {
        return format!("wss://{rest}{path}");
    }
    if let Some(rest) = base.strip_prefix("http://") {
        return format!("ws://{rest}{path}");
    }
    let location = web_sys::window().map(|w| w.location());
    let protocol = location.as_ref().and_then(|l| l.protocol().ok()).unwrap_or_default();
    let host = location.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn only_http_origins_are_taken() {
        assert_eq!(normalize("https://api.example.com/"), Some("https://api.example.com".into()));
        assert_eq!(normalize("http://127.0.0.1:9000"), Some("http://127.0.0.1:9000".into()));
        assert_eq!(normalize("javascript:alert(1)"), None);
        assert_eq!(normalize("https://"), None);
        assert_eq!(normalize(""), None);
    }
}
