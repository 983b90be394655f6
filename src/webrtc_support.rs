//! Whether this browser can make calls at all: some (WebKitGTK builds, locked-down
//! embeds) have `getUserMedia` but no `RTCPeerConnection`.

/// True when `window.RTCPeerConnection` is a constructor.
pub fn has_webrtc() -> bool {
    let Some(window) = web_sys::window() else { return false };
    js_sys::Reflect::get(&window, &"RTCPeerConnection".into()).is_ok_and(|pc| pc.is_function())
}
