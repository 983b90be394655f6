//! Calls to the Realtime API with the app secret: only this module handles it.

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use crate::config::Upstream;
use crate::error::{ApiError, Failure};

/// Upstream requests taking longer than this fail with 504, as in `satsuma serve`.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Largest upstream response body forwarded.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;

/// A request for `{base}/apps/{appId}/<path>?<query>`.
#[derive(Debug)]
pub struct UpstreamRequest {
    /// HTTP method.
    pub method: Method,
    /// Path after `apps/{appId}/`, e.g. `sessions/new`.
    pub path: String,
    /// Query string without `?`.
    pub query: Option<String>,
    /// Content type to forward (JSON when absent).
    pub content_type: Option<String>,
    /// Body bytes (empty for none).
    pub body: Vec<u8>,
}

/// The upstream's answer: only status, content type and body come back to the browser.
#[derive(Debug)]
pub struct UpstreamResponse {
    /// HTTP status.
    pub status: u16,
    /// Content type, if any.
    pub content_type: Option<String>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// Sends `req` to `upstream` with `Authorization: Bearer <app secret>`.
pub async fn call(upstream: &Upstream, req: UpstreamRequest) -> Result<UpstreamResponse, Failure> {
    let query = req.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("{}/apps/{}/{}{query}", upstream.base_url, upstream.app_id, req.path);
    let headers = Headers::new();
    headers.set("Authorization", &format!("Bearer {}", upstream.secret.expose()))?;
    let mut init = RequestInit::new();
    // Never follow redirects: the Authorization header must only go to the base URL.
    init.with_method(req.method).with_redirect(RequestRedirect::Manual);
    if !req.body.is_empty() {
        headers.set("Content-Type", req.content_type.as_deref().unwrap_or("application/json"))?;
        init.with_body(Some(js_sys::Uint8Array::from(req.body.as_slice()).into()));
    }
    init.with_headers(headers);
    let request = Request::new_with_init(&url, &init)?;
    let fetch = Fetch::Request(request);
    let sent = std::pin::pin!(fetch.send());
    let timeout = std::pin::pin!(Delay::from(TIMEOUT));
    let mut response = match select(sent, timeout).await {
        Either::Left((Ok(response), _)) => response,
        Either::Left((Err(err), _)) => {
            // The error names the URL at most; log only that it failed.
            worker::console_warn!("Realtime API request failed: {err}");
            return Err(ApiError::Unreachable.into());
        }
        Either::Right(_) => return Err(ApiError::Timeout.into()),
    };
    let status = response.status_code();
    let content_type = response.headers().get("Content-Type").ok().flatten();
    let body = response.bytes().await.map_err(|_| Failure(ApiError::Unreachable))?;
    if body.len() > MAX_RESPONSE {
        return Err(ApiError::Unreachable.into());
    }
    Ok(UpstreamResponse { status, content_type, body })
}
