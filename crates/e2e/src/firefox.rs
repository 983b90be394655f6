//! Headless Firefox (Debian's `firefox-esr`) through a geckodriver of its own (one session
//! each): fake camera and microphone, autoplay, and a stored camera and microphone permission
//! for the app's origin, without which Firefox offers no usable host candidate on a
//! loopback-only machine (`webrtc-notes.md`).

use std::path::Path;

use serde_json::{json, Map, Value};

/// Where Debian installs Firefox ESR.
pub const FIREFOX_BINARY: &str = "/usr/bin/firefox-esr";

/// The geckodriver to start: `$GECKODRIVER`, else the one on `PATH` (`cargo xtask setup`
/// installs it from crates.io).
pub fn geckodriver() -> String {
    std::env::var("GECKODRIVER").unwrap_or_else(|_| "geckodriver".to_owned())
}

/// The permission file Firefox reads at start (`permissions.manager.defaultsUrl`): camera
/// and microphone allowed for `origin`.
pub fn permissions(origin: &str) -> String {
    ["camera", "microphone"].iter().map(|what| format!("origin\t{what}\t1\t{origin}\n")).collect()
}

/// WebDriver capabilities for a headless Firefox with fake media that reads its stored
/// permissions from `permissions_file`.
pub fn capabilities(permissions_file: &Path) -> Map<String, Value> {
    let prefs = json!({
        "media.navigator.streams.fake": true,
        "media.navigator.permission.disabled": true,
        "media.peerconnection.ice.loopback": true,
        "media.autoplay.default": 0,
        "media.autoplay.blocking_policy": 0,
        "permissions.manager.defaultsUrl": format!("file://{}", permissions_file.display()),
        // No updates, telemetry or first-run pages: the machine has no internet.
        "app.update.disabledForTesting": true,
        "browser.shell.checkDefaultBrowser": false,
        "datareporting.policy.dataSubmissionEnabled": false,
        "toolkit.telemetry.reportingpolicy.firstRun": false,
    });
    let mut caps = Map::new();
    caps.insert("browserName".into(), json!("firefox"));
    caps.insert(
        "moz:firefoxOptions".into(),
        json!({ "binary": FIREFOX_BINARY, "args": ["-headless", "-width=1280", "-height=800"], "prefs": prefs }),
    );
    caps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_name_the_origin_for_camera_and_microphone() {
        assert_eq!(
            permissions("http://127.0.0.1:4000"),
            "origin\tcamera\t1\thttp://127.0.0.1:4000\norigin\tmicrophone\t1\thttp://127.0.0.1:4000\n"
        );
    }
}
