//! Shown for paths that are not a room.

use leptos::prelude::*;

use crate::i18n::t;

/// A friendly page for URLs that name no valid room.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="page centered">
            <h1>{t().nothing_here}</h1>
            <p>{t().room_rule}</p>
            <a class="button primary" href="/">{t().start_meeting}</a>
        </main>
    }
}
