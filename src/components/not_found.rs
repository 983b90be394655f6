//! Shown for paths that are not a room.

use leptos::prelude::*;

/// A friendly page for URLs that name no valid room.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="page centered">
            <h1>"Nothing here"</h1>
            <p>"Room names use lowercase letters, digits and dashes."</p>
            <a class="button primary" href="/">"Start a meeting"</a>
        </main>
    }
}
