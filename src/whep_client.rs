//! Watching a room's stage without joining it: a receive-only peer connection whose offer
//! goes to `/api/whep/{room}` (WHEP), with the view key when the watch link has one
//! (`#key=`); without one the room's people must have allowed watching.

use gloo_net::http::Request;
use satsuma_client::PeerState;
use web_sys::MediaStreamTrack;

use crate::peer::Peer;

/// Why watching did not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchError {
    /// Nobody shows anything yet, or nobody is in the room: try again shortly.
    NotYet,
    /// Nobody in the room allowed watching (and the link has no key): try again later.
    NotAllowed,
    /// The link's key is refused, or watching is off on this server.
    BadLink,
    /// Anything else (network, browser), with its words.
    Failed(String),
}

/// A running player: its connection and the resource to `DELETE` when done.
pub struct Watch {
    peer: Peer,
    location: Option<String>,
    key: Option<String>,
}

/// The view key in a watch link's fragment (`#key=…`).
pub fn key_from_hash(hash: &str) -> Option<String> {
    let fragment = hash.strip_prefix('#').unwrap_or(hash);
    fragment.split('&').find_map(|pair| pair.strip_prefix("key=")).filter(|k| !k.is_empty()).map(str::to_owned)
}

/// Starts watching `room`, with the link's key if it has one; every incoming track goes
/// to `on_track`, and every change of the connection's state to `on_state`.
pub async fn start(
    room: &str,
    key: Option<&str>,
    on_track: impl FnMut(String, MediaStreamTrack) + 'static,
    on_state: impl FnMut(PeerState) + 'static,
) -> Result<Watch, WatchError> {
    let failed = |e: crate::peer::PeerError| WatchError::Failed(e.to_string());
    let peer = Peer::new(&js_sys::Array::new().into(), on_track, on_state).map_err(failed)?;
    peer.add_receiver("video");
    peer.add_receiver("audio");
    let offer = peer.create_offer().await.map_err(failed)?;
    let url = crate::api_base::http_url(&format!("/api/whep/{room}"));
    let mut request = Request::post(&url).header("Content-Type", "application/sdp");
    if let Some(key) = key {
        request = request.header("Authorization", &format!("Bearer {key}"));
    }
    let request = request.body(offer).map_err(|e| WatchError::Failed(e.to_string()))?;
    let response = request.send().await.map_err(|e| WatchError::Failed(e.to_string()))?;
    match response.status() {
        201 => {}
        401 => return Err(WatchError::BadLink),
        403 => return Err(WatchError::NotAllowed),
        404 if response.text().await.unwrap_or_default().contains("unknown_room") => return Err(WatchError::NotYet),
        404 => return Err(WatchError::BadLink),
        409 => return Err(WatchError::NotYet),
        status => return Err(WatchError::Failed(format!("the server answered {status}"))),
    }
    let location = response.headers().get("Location");
    let answer = response.text().await.map_err(|e| WatchError::Failed(e.to_string()))?;
    peer.set_remote(false, &answer).await.map_err(failed)?;
    Ok(Watch { peer, location, key: key.map(str::to_owned) })
}

impl Watch {
    /// Stops: the connection closes and the server forgets the viewer.
    pub fn stop(self) {
        self.peer.close();
        let Some(location) = self.location else { return };
        let url = crate::api_base::http_url(&location);
        let key = self.key;
        wasm_bindgen_futures::spawn_local(async move {
            // Best effort: the server also drops viewers whose connection died.
            let mut request = Request::delete(&url);
            if let Some(key) = key {
                request = request.header("Authorization", &format!("Bearer {key}"));
            }
            let _ = request.send().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::key_from_hash;

    #[test]
    fn the_key_comes_from_the_fragment() {
        assert_eq!(key_from_hash("#key=abc"), Some("abc".into()));
        assert_eq!(key_from_hash("#x=1&key=abc"), Some("abc".into()));
        assert_eq!(key_from_hash("#key="), None);
        assert_eq!(key_from_hash(""), None);
    }
}
