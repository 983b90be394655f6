//! The landing page: start a new meeting or join one by name.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::erased::memo;
use crate::i18n::{lang, set_lang, t, Lang};
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

    // `aria-pressed` for the button of `l`.
    let pressed = move |l: Lang| move || if lang() == l { "true" } else { "false" };

    view! {
        <main class="page centered landing">
            <h1 class="brand">"Satsuma"</h1>
            <p class="tagline">{t().tagline}</p>
            <button type="button" class="button primary large" on:click=new_meeting>
                {t().new_meeting}
            </button>
            <form class="join-form" on:submit=join>
                <label for="room-name">{t().join_by_name}</label>
                <div class="row">
                    <input
                        id="room-name"
                        type="text"
                        placeholder=t().room_placeholder
                        autocomplete="off"
                        maxlength="64"
                        prop:value=typed
                        on:input=move |ev| set_typed.set(event_target_value(&ev))
                    />
                    <button type="submit" class="button" disabled=move || normalized.get().is_none()>
                        {t().open_room}
                    </button>
                </div>
                <Show when=move || { normalized.get().is_some_and(|n| n != typed.get()) }>
                    <p class="hint">{t().opens} " " <code>{move || format!("/{}", normalized.get().unwrap_or_default())}</code></p>
                </Show>
            </form>
            // Each language names itself, so these two labels are not translated.
            <div role="group" aria-label=t().language>
                <button type="button" class="button" lang="en" aria-pressed=pressed(Lang::En) on:click=move |_| set_lang(Lang::En)>
                    "English"
                </button>
                <button type="button" class="button" lang="ja" aria-pressed=pressed(Lang::Ja) on:click=move |_| set_lang(Lang::Ja)>
                    "日本語"
                </button>
            </div>
        </main>
    }
}
