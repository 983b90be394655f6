//! The `satsuma` server: serves the built app and, under `/api`, everything the browser
//! needs to hold a meeting. The binary in `main.rs` only parses the command line.

pub mod config;
pub mod http;
pub mod shutdown;
pub mod static_files;
