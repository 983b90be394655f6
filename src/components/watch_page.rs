//! `/{room}/watch`: the room's stage, played without joining (WHEP). Until someone shows a
//! camera or a screen it says so and tries again; the server switches what it plays as the
//! stage changes, so the page never renegotiates. A connection that fails (the server
//! restarted, the network went) is noticed and started again.

use std::cell::RefCell;
use std::rc::Rc;

use std::cell::Cell;

use gloo_timers::future::TimeoutFuture;
use leptos::html::Video;
use leptos::prelude::*;
use satsuma_client::PeerState;
use web_sys::MediaStream;

use crate::i18n::{fill, t};
use crate::whep_client::{self, Watch, WatchError};

/// What the page tells the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Connecting,
    NothingYet,
    NotAllowed,
    BadLink,
    Playing,
    Reconnecting,
}

/// How long to wait before asking again when there is nothing to watch.
const RETRY_MS: u32 = 3_000;
/// How long a connection may stay disconnected before it counts as lost (browsers take
/// much longer to call it failed).
const LOST_AFTER_MS: u32 = 2_000;
/// How often the connection's state is looked at while playing.
const LOOK_EVERY_MS: u32 = 500;

/// Returns once the connection is lost: failed, or disconnected for [`LOST_AFTER_MS`], or
/// the page is going.
async fn lost(state: &Cell<PeerState>, alive: &Cell<bool>) {
    let mut disconnected_for = 0;
    while alive.get() {
        TimeoutFuture::new(LOOK_EVERY_MS).await;
        match state.get() {
            PeerState::Failed => return,
            PeerState::Disconnected => disconnected_for += LOOK_EVERY_MS,
            PeerState::Connecting | PeerState::Connected => disconnected_for = 0,
        }
        if disconnected_for >= LOST_AFTER_MS {
            return;
        }
    }
}

/// The watch page of `room`.
#[component]
pub fn WatchPage(
    /// The room watched.
    room: String,
) -> impl IntoView {
    let status = RwSignal::new(Status::Connecting);
    // The browser may refuse to start sound without a gesture: then the Play button shows.
    let paused = RwSignal::new(true);
    let video = NodeRef::<Video>::new();
    let stream = MediaStream::new().ok();
    let running: Rc<RefCell<Option<Watch>>> = Rc::default();
    let alive = Rc::new(Cell::new(true));
    let key = web_sys::window().and_then(|w| w.location().hash().ok()).and_then(|h| whep_client::key_from_hash(&h));

    {
        let (room, running, alive, stream) = (room.clone(), running.clone(), alive.clone(), stream.clone());
        wasm_bindgen_futures::spawn_local(async move {
            while alive.get() {
                let sink = stream.clone();
                let on_track = move |_mid: String, track: web_sys::MediaStreamTrack| {
                    if let Some(s) = &sink {
                        s.add_track(&track);
                    }
                    if let (Some(el), Some(s)) = (video.get_untracked(), &sink) {
                        crate::media_element::show_stream(&el, Some(s));
                    }
                };
                let state = Rc::new(Cell::new(PeerState::Connecting));
                let on_state = {
                    let state = state.clone();
                    move |now| state.set(now)
                };
                match whep_client::start(&room, key.as_deref(), on_track, on_state).await {
                    Ok(watch) if alive.get() => {
                        *running.borrow_mut() = Some(watch);
                        status.set(Status::Playing);
                        lost(&state, &alive).await;
                        let Some(watch) = running.borrow_mut().take() else { return };
                        watch.stop();
                        if let Some(s) = &stream {
                            s.get_tracks().for_each(&mut |track, _, _| s.remove_track(&track.into()));
                        }
                        status.set(Status::Reconnecting);
                        continue;
                    }
                    Ok(watch) => return watch.stop(),
                    Err(WatchError::BadLink) => return status.set(Status::BadLink),
                    Err(WatchError::NotYet) => status.set(Status::NothingYet),
                    Err(WatchError::NotAllowed) => status.set(Status::NotAllowed),
                    Err(WatchError::Failed(why)) => {
                        leptos::logging::warn!("watching: {why}");
                        status.set(Status::NothingYet);
                    }
                }
                TimeoutFuture::new(RETRY_MS).await;
            }
        });
    }
    // The page's state lives on the one browser thread; the wrapper satisfies the bound.
    let held = send_wrapper::SendWrapper::new((alive, running));
    on_cleanup(move || {
        let (alive, running) = &*held;
        alive.set(false);
        if let Some(watch) = running.borrow_mut().take() {
            watch.stop();
        }
    });

    let message = move || match status.get() {
        Status::Connecting => t().watch_connecting,
        Status::NothingYet => t().watch_nothing_yet,
        Status::NotAllowed => t().watch_not_allowed,
        Status::BadLink => t().watch_bad_link,
        Status::Reconnecting => t().watch_reconnecting,
        Status::Playing => "",
    };
    let play = move |_| {
        if let Some(el) = video.get_untracked() {
            let _ = el.play();
        }
    };
    view! {
        <main class="page watch">
            <h1>{fill(t().watching, &room)}</h1>
            <video
                node_ref=video
                class="stage"
                autoplay
                playsinline
                aria-label=t().stage
                on:play=move |_| paused.set(false)
                on:pause=move |_| paused.set(true)
            ></video>
            <p role="status">{message}</p>
            {move || {
                (status.get() == Status::Playing && paused.get())
                    .then(|| view! { <button type="button" class="button primary" on:click=play>{t().play}</button> })
            }}
        </main>
    }
}
