//! Before joining: how many people a room has. A busy room starts the newcomer muted (the
//! rule is the protocol's), and the prejoin says so; the person can turn the mic back on.

use leptos::prelude::*;
use leptos::task::spawn_local;
use satsuma_protocol::room::{joins_muted, RoomPeek};

use crate::local_media::LocalMedia;

/// Asks the server about `room`; when it is busy, turns the microphone off and returns how
/// many people are there (for the prejoin's words). A server without the endpoint, or an
/// error, changes nothing.
pub fn quiet_in_busy_room(room: &str, media: LocalMedia) -> ReadSignal<Option<usize>> {
    let (busy, set_busy) = signal(None);
    let url = crate::api_base::http_url(&format!("/api/rooms/{room}"));
    spawn_local(async move {
        let Some(peek) = fetch(&url).await else { return };
        if joins_muted(peek.participants) {
            media.set_mic(false);
            set_busy.try_set(Some(peek.participants));
        }
    });
    busy
}

async fn fetch(url: &str) -> Option<RoomPeek> {
    let response = gloo_net::http::Request::get(url).send().await.ok().filter(|r| r.ok())?;
    crate::json::from_str(&response.text().await.ok()?).ok()
}
