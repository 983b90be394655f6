//! The room token: `/api/calls/*` and `/api/turn` only answer a participant holding a
//! valid `Authorization: Bearer <token>` from its `welcome`.

use satsuma_room::auth_token::{Claims, TokenKey};
use satsuma_room::calls_guard;
use worker::{Date, Request};

use crate::error::Failure;

/// Verifies the request's bearer token with the Worker's key.
pub fn claims(req: &Request, key: &TokenKey) -> Result<Claims, Failure> {
    let header = req.headers().get("Authorization").ok().flatten();
    Ok(calls_guard::bearer_claims(header.as_deref(), key, now_ms() / 1000)?)
}

/// Milliseconds since the Unix epoch, as the runtime's clock reads.
pub fn now_ms() -> u64 {
    Date::now().as_millis()
}
