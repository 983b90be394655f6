//! `/{room}`: the prejoin page, then the call.

use leptos::prelude::*;

use super::call::Call;
use super::prejoin::Prejoin;
use crate::local_media::LocalMedia;

/// One room: prejoin until the person presses Join, then the call until they leave.
#[component]
pub fn RoomPage(
    /// A valid room name.
    room: String,
) -> impl IntoView {
    let media = LocalMedia::new();
    let joined_as = RwSignal::new(None::<String>);
    on_cleanup(move || media.stop());
    let room = StoredValue::new(room);

    move || match joined_as.get() {
        None => view! {
            <Prejoin room=room.get_value() media on_join=Callback::new(move |name| joined_as.set(Some(name))) />
        }
        .into_any(),
        Some(name) => view! {
            <Call room=room.get_value() name media on_leave=Callback::new(move |()| joined_as.set(None)) />
        }
        .into_any(),
    }
}
