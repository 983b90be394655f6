//! Cloudflare Realtime (Calls) HTTP API v1 types.
