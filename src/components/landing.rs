//! The landing page: start a new meeting or join one by name.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::erased::memo;
use crate::room_name;
use crate::route::Route;
use crate::use_location::use_location;

/// `/`: creates a room with a random readable name, or opens a named one.
#[component]
pub fn Landing() -> impl IntoView {
    let location = use_location();
    let (typed, set_typed) = signal(String::new());
    let normalized = memo(move || room_name::normalize(&typed.read()));

    let go = move |room: String| location.navigate(&Route::Room(room).path());
    let new_meeting = move |_| go(room_name::random());
    let join = move |ev: SubmitEvent| {
        ev.prevent_default();
        if let Some(room) = normalized.get_untracked() {
            go(room);
        }
    };

    view! {
        <main class="page centered landing">
            <h1 class="brand">"Satsuma"</h1>
            <p class="tagline">"Video meetings that open in a browser tab. No account, no install."</p>
            <button type="button" class="button primary large" on:click=new_meeting>
                "New meeting"
            </button>
            <form class="join-form" on:submit=join>
                <label for="room-name">"Or join a room by name"</label>
                <div class="row">
                    <input
                        id="room-name"
                        type="text"
                        placeholder="e.g. team-sync"
                        autocomplete="off"
                        maxlength="64"
                        prop:value=typed
                        on:input=move |ev| set_typed.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button" disabled=move || normalized.get().is_none()>
                        "Open room"
                    </button>
                </div>
                <Show when=move || { normalized.get().is_some_and(|n| n != typed.get()) }>
                    <p class="hint">"Opens " <code>{move || format!("/{}", normalized.get().unwrap_or_default())}</code></p>
                </Show>
            </form>
        </main>
    }
}
