//! Cross-origin use of the API, by the shared rule of `satsuma_room::origins`: the page's
//! own origin and listed origins (`ALLOWED_ORIGINS`) may call it; any other origin gets
//! a 403 before a handler runs, the room WebSocket included.

use satsuma_room::origins::{OriginVerdict, ALLOW_HEADERS, ALLOW_METHODS, PREFLIGHT_MAX_AGE};
use worker::{Env, Headers, Request, Response, Result};

use crate::error::Failure;

/// What the request's `Origin` means here, or the refusal to send.
pub fn verdict(req: &Request, env: &Env) -> std::result::Result<OriginVerdict, Failure> {
    let origins = crate::config::allowed_origins(env)?;
    let origin = req.headers().get("Origin")?;
    let url = req.url().ok();
    // Cloudflare routes by the request URL's host, so it is the Worker's own origin unless
    // one is configured (no DNS rebinding reaches a Worker).
    let own = url.as_ref().map(|u| u.origin().ascii_serialization());
    let by_url = match own.filter(|_| !origins.has_public()) {
        Some(own) => origins.clone().with_public(&own).unwrap_or_else(|_| origins.clone()),
        None => origins.clone(),
    }
    .check(origin.as_deref(), url.as_ref().map(authority).as_deref());
    // `Host` is the fallback, should a proxy in front (wrangler dev's, say) have rewritten
    // the URL; without a configured origin it passes only for an IP address or localhost.
    match by_url {
        Err(_) => Ok(origins.check(origin.as_deref(), req.headers().get("Host")?.as_deref())?),
        verdict => Ok(verdict?),
    }
}

fn authority(url: &worker::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    url.port().map_or_else(|| host.to_owned(), |port| format!("{host}:{port}"))
}

/// True for a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`).
pub fn is_preflight(req: &Request) -> bool {
    req.method() == worker::Method::Options && req.headers().has("Access-Control-Request-Method").unwrap_or(false)
}

/// The answer to an allowed preflight.
pub fn preflight(verdict: &OriginVerdict) -> Result<Response> {
    let headers = Headers::new();
    allow(&headers, verdict)?;
    headers.set("Access-Control-Allow-Methods", ALLOW_METHODS)?;
    headers.set("Access-Control-Allow-Headers", ALLOW_HEADERS)?;
    headers.set("Access-Control-Max-Age", PREFLIGHT_MAX_AGE)?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

/// `response` with the CORS headers a listed origin needs. Headers of a fetched response
/// are immutable, so they are copied into a new set.
pub fn decorate(response: Response, verdict: &OriginVerdict) -> Result<Response> {
    if matches!(verdict, OriginVerdict::Own) || response.status_code() == 101 {
        return Ok(response);
    }
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        headers.append(&name, &value)?;
    }
    allow(&headers, verdict)?;
    Ok(response.with_headers(headers))
}

fn allow(headers: &Headers, verdict: &OriginVerdict) -> Result<()> {
    if let OriginVerdict::Allowed(origin) = verdict {
        headers.set("Access-Control-Allow-Origin", origin)?;
    }
    headers.set("Vary", "Origin, Authorization")
}
