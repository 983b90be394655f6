//! The `satsuma` server: serves the built app and, under `/api`, everything the browser
//! needs to hold a meeting. The binary in `main.rs` only parses the command line.

pub mod api;
pub mod auth_token;
pub mod calls_proxy;
pub mod config;
pub mod http;
pub mod random;
pub mod rate_limit;
pub mod rooms_ws;
pub mod shutdown;
pub mod static_files;
pub mod turn;
pub mod upstream;
