//! The in-call view.

use leptos::prelude::*;

use super::video_view::VideoView;
use crate::local_media::LocalMedia;

/// The call: video grid and toolbar.
#[component]
pub fn Call(
    /// Room name.
    room: String,
    /// Our display name.
    name: String,
    /// Local devices.
    media: LocalMedia,
    /// Called after leaving.
    on_leave: Callback<()>,
) -> impl IntoView {
    view! {
        <main class="page call" aria-label=format!("Call in {room}")>
            <div class="grid">
                <figure class="tile self">
                    <VideoView stream=media.preview mirrored=true label="You" />
                    <figcaption class="name">{name}</figcaption>
                </figure>
            </div>
            <div class="toolbar">
                <button type="button" class="button danger" on:click=move |_| on_leave.run(())>"Leave"</button>
            </div>
        </main>
    }
}
