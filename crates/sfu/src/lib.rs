//! Realtime-API-compatible SFU.
