//! Where `/api/calls/*` goes: the embedded SFU (called in-process) or a remote Realtime
//! API (Cloudflare, or a `satsuma sfu` elsewhere). Both get `Authorization: Bearer
//! <secret>` set here, so no other code handles the secret.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use bytes::Bytes;
use tower::ServiceExt;

use satsuma_protocol::secret::Secret;
use satsuma_room::api_error::ApiError;

/// Largest upstream response body read (SDP answers with many m-lines stay far below).
const MAX_RESPONSE: usize = 4 * 1024 * 1024;
/// Upstream requests taking longer than this fail with 504.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A request for the upstream, relative to `{base}/apps/{appId}/`.
#[derive(Debug, Clone)]
pub struct UpstreamRequest {
    /// HTTP method.
    pub method: Method,
    /// Path after `apps/{appId}/`, e.g. `sessions/new`.
    pub path: String,
    /// Query string without `?`, forwarded as is.
    pub query: Option<String>,
    /// Content type to forward (JSON when absent).
    pub content_type: Option<HeaderValue>,
    /// Body bytes (empty for none).
    pub body: Bytes,
}

/// The upstream's answer.
#[derive(Debug, Clone)]
pub struct UpstreamResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Content type, if any.
    pub content_type: Option<HeaderValue>,
    /// Body bytes.
    pub body: Bytes,
}

/// The SFU behind `/api/calls/*`.
#[derive(Clone)]
pub enum Upstream {
    /// An in-process router serving `{prefix}/apps/{appId}/...` (the embedded SFU).
    Embedded {
        /// The SFU's router.
        router: Router,
        /// Path prefix of its API, e.g. `/v1`.
        prefix: String,
        /// App id (random per process).
        app_id: String,
        /// App secret (random per process).
        secret: Secret,
    },
    /// A Realtime API over HTTP(S).
    Remote {
        /// HTTP client (rustls).
        client: reqwest::Client,
        /// Base URL, e.g. `https://rtc.live.cloudflare.com/v1`.
        base_url: String,
        /// App id.
        app_id: String,
        /// App secret.
        secret: Secret,
    },
    /// No SFU: every call fails with 503 and this reason.
    Unavailable(String),
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Upstream::Embedded { prefix, .. } => write!(f, "Embedded({prefix})"),
            Upstream::Remote { base_url, .. } => write!(f, "Remote({base_url})"),
            Upstream::Unavailable(why) => write!(f, "Unavailable({why})"),
        }
    }
}

impl Upstream {
    /// A remote Realtime API at `base_url`.
    pub fn remote(base_url: &str, app_id: String, secret: Secret) -> Self {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // Never follow redirects: the Authorization header must only go to base_url.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Upstream::Remote { client, base_url: base_url.trim_end_matches('/').to_owned(), app_id, secret }
    }

    /// An in-process SFU router with a random app id and secret; returns them too so the
    /// caller can configure the SFU with the same pair.
    pub fn embedded(router: Router, prefix: &str, app_id: String, secret: Secret) -> Self {
        Upstream::Embedded { router, prefix: prefix.trim_end_matches('/').to_owned(), app_id, secret }
    }

    /// The secrets this upstream holds (for the response leak guard).
    pub fn secrets(&self) -> Vec<Secret> {
        match self {
            Upstream::Embedded { secret, .. } | Upstream::Remote { secret, .. } => {
                vec![secret.clone()]
            }
            Upstream::Unavailable(_) => Vec::new(),
        }
    }

    /// Sends `req` with the app secret.
    pub async fn call(&self, req: UpstreamRequest) -> Result<UpstreamResponse, ApiError> {
        let query = req.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
        let content_type = req.content_type.unwrap_or_else(|| HeaderValue::from_static("application/json"));
        match self {
            Upstream::Unavailable(why) => Err(ApiError::Unavailable(why.clone())),
            Upstream::Embedded { router, prefix, app_id, secret } => {
                let uri = format!("{prefix}/apps/{app_id}/{}{query}", req.path);
                let mut builder =
                    Request::builder().method(req.method).uri(uri).header(header::AUTHORIZATION, format!("Bearer {}", secret.expose()));
                if !req.body.is_empty() {
                    builder = builder.header(header::CONTENT_TYPE, content_type);
                }
                let request = builder.body(Body::from(req.body)).map_err(|_| ApiError::Unreachable)?;
                let response = tokio::time::timeout(TIMEOUT, router.clone().oneshot(request))
                    .await
                    .map_err(|_| ApiError::Timeout)?
                    .map_err(|_| ApiError::Unreachable)?;
                let status = response.status();
                let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
                let body = axum::body::to_bytes(response.into_body(), MAX_RESPONSE).await.map_err(|_| ApiError::Unreachable)?;
                Ok(UpstreamResponse { status, content_type, body })
            }
            Upstream::Remote { client, base_url, app_id, secret } => {
                let url = format!("{base_url}/apps/{app_id}/{}{query}", req.path);
                let mut builder = client.request(req.method, url).bearer_auth(secret.expose());
                if !req.body.is_empty() {
                    builder = builder.header(header::CONTENT_TYPE, content_type).body(req.body);
                }
                let response = builder.send().await.map_err(|e| {
                    // reqwest errors carry the URL, never headers; still, log only the kind.
                    tracing::warn!(timeout = e.is_timeout(), connect = e.is_connect(), "Realtime API request failed");
                    if e.is_timeout() {
                        ApiError::Timeout
                    } else {
                        ApiError::Unreachable
                    }
                })?;
                let status = response.status();
                let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
                if response.content_length().is_some_and(|n| n > MAX_RESPONSE as u64) {
                    return Err(ApiError::Unreachable);
                }
                let body = response.bytes().await.map_err(|_| ApiError::Unreachable)?;
                if body.len() > MAX_RESPONSE {
                    return Err(ApiError::Unreachable);
                }
                Ok(UpstreamResponse { status, content_type, body })
            }
        }
    }
}
