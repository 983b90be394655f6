//! Requests per client address on the Worker, through Cloudflare's rate limiting bindings
//! (`JOIN_LIMIT`, `API_LIMIT` in wrangler.toml): the paces of `satsuma serve`, from
//! `satsuma_room::connections`, counted per address (IPv6 per /64) at Cloudflare's edge.

use std::net::IpAddr;

use satsuma_room::connections::address_key;
use worker::{Env, Request};

/// Which pace a request counts against.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Room WebSocket joins.
    Join,
    /// Every other `/api` request.
    Api,
}

impl Pace {
    fn binding(self) -> &'static str {
        match self {
            Pace::Join => "JOIN_LIMIT",
            Pace::Api => "API_LIMIT",
        }
    }
}

/// True when the request's address is within `pace`. Without the binding (a deployment
/// that removed it) or when the limiter fails, the request goes through: the room and
/// proxy limits still hold, and refusing everyone would be worse.
pub async fn admit(req: &Request, env: &Env, pace: Pace) -> bool {
    let Ok(limiter) = env.rate_limiter(pace.binding()) else {
        return true;
    };
    match limiter.limit(client_key(req)).await {
        Ok(outcome) => outcome.success,
        Err(err) => {
            worker::console_warn!("rate limiter {} failed: {err}", pace.binding());
            true
        }
    }
}

/// The client's address as a limiter key, IPv6 cut to its /64.
fn client_key(req: &Request) -> String {
    let header = req.headers().get("CF-Connecting-IP").ok().flatten().unwrap_or_default();
    match header.trim().parse::<IpAddr>() {
        Ok(ip) => address_key(ip).to_string(),
        // Cloudflare always sets it; anything else shares one bucket.
        Err(_) => "unknown".into(),
    }
}
