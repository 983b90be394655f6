//! Harness for end-to-end tests: starts `satsuma serve` and chromedriver (or geckodriver), and
//! drives headless Chromium and Firefox sessions with fake camera and microphone.
//!
//! The tests are `#[ignore]`d in a plain `cargo test`, because they need the built app and
//! Chromium: `cargo xtask test e2e` builds both and runs them with `--ignored`.

pub mod accessibility;
pub mod api_checks;
pub mod browser;
pub mod far_server;
pub mod firefox;
pub mod freeze;
pub mod media_relay;
pub mod processes;
pub mod scripts;
pub mod whip_client;

pub use browser::Browser;
pub use processes::Harness;
