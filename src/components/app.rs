//! The root component: the page for the current path.

use leptos::prelude::*;

use super::landing::Landing;
use super::not_found::NotFound;
use super::room_page::RoomPage;
use super::watch_page::WatchPage;
use crate::erased::memo;
use crate::route::Route;
use crate::use_location::provide_location;

/// The whole app: `/` is the landing page, `/{room}` the room (prejoin, then call),
/// `/{room}/watch` its stage without joining.
#[component]
pub fn App() -> impl IntoView {
    let location = provide_location();
    // A memo, so the page is rebuilt only when the route changes, not on every navigation.
    let route = memo(move || Route::parse(&location.path.read()));
    move || {
        // A language switch renders the page anew (see `i18n::lang`).
        crate::i18n::lang();
        match route.get() {
            Route::Landing => view! { <Landing /> }.into_any(),
            Route::Room(room) => view! { <RoomPage room /> }.into_any(),
            Route::Watch(room) => view! { <WatchPage room /> }.into_any(),
            Route::NotFound => view! { <NotFound /> }.into_any(),
        }
    }
}
