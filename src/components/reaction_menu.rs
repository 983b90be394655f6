//! The React button and its menu of the room's reactions.

use leptos::prelude::*;
use satsuma_protocol::room::REACTIONS;

use crate::call::Conference;
use crate::i18n::t;

/// React: opens a row of emoji; picking one shows it on our tile for everyone.
#[component]
pub fn ReactionMenu() -> impl IntoView {
    let conference = expect_context::<Conference>();
    let open = RwSignal::new(false);
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    });
    on_cleanup(move || keys.remove());
    view! {
        <div class="reaction-menu">
            <button type="button" class="button" aria-haspopup="true" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {t().react}
            </button>
            <Show when=move || open.get()>
                <div class="reaction-choices" role="group" aria-label=t().react>
                    {REACTIONS.map(|emoji| view! {
                        <button type="button" class="button emoji" on:click=move |_| {
                            conference.react(emoji);
                            open.set(false);
                        }>{emoji}</button>
                    }).collect_view()}
                </div>
            </Show>
        </div>
    }
}
