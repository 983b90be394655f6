//! The root component: routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use super::landing::Landing;
use super::not_found::NotFound;
use super::room_page::RoomRoute;

/// The whole app: `/` is the landing page, `/{room}` the room (prejoin, then call).
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Landing />
                <Route path=path!("/:room") view=RoomRoute />
            </Routes>
        </Router>
    }
}
