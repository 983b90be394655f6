//! `/{room}`: the prejoin page, then the call.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::call::Call;
use super::not_found::NotFound;
use super::prejoin::Prejoin;
use crate::local_media::LocalMedia;
use crate::room_name;

/// Reads the room from the URL and shows the room, or a not-found page for invalid names.
#[component]
pub fn RoomRoute() -> impl IntoView {
    let params = use_params_map();
    let room = move || params.read().get("room").filter(|r| room_name::is_valid(r));
    move || match room() {
        Some(room) => view! { <RoomPage room /> }.into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
}

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
