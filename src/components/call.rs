//! The in-call view: a responsive grid of tiles and the toolbar.

use leptos::prelude::*;
use satsuma_protocol::room::{Participant, TrackKind};

use super::call_toolbar::CallToolbar;
use super::participant_tile::ParticipantTile;
use crate::audio_level::SpeakingDetector;
use crate::call::{CallStatus, Conference};
use crate::local_media::LocalMedia;
use crate::mic_level::use_mic_level;
use crate::use_media_query::use_media_query;

/// Tiles per page on a normal screen; beyond that the grid paginates.
const PAGE_SIZE: usize = 9;
/// Tiles per page on screens under 600 px.
const NARROW_PAGE_SIZE: usize = 4;

/// Grid columns for `n` tiles, chosen so 16:9 tiles fill a landscape viewport.
pub fn columns(n: usize, narrow: bool) -> usize {
    match (narrow, n) {
        (true, 0..=2) => 1,
        (true, _) => 2,
        (false, 0..=1) => 1,
        (false, 2..=4) => 2,
        (false, _) => 3,
    }
}

/// The call: joins on mount, leaves on unmount or on Leave.
#[component]
pub fn Call(
    /// Room name.
    room: String,
    /// Our display name.
    name: String,
    /// Local devices.
    media: LocalMedia,
    /// Called after leaving.
    on_leave: Callback<()>,
) -> impl IntoView {
    let conference = Conference::start(room.clone(), name.clone(), media);
    provide_context(conference);
    on_cleanup(move || conference.leave());
    let page_hide = window_event_listener(leptos::ev::pagehide, move |_| conference.on_page_hide());
    on_cleanup(move || page_hide.remove());
    detect_speaking(media, conference);

    let leave = Callback::new(move |()| {
        conference.leave();
        on_leave.run(());
    });
    let narrow = use_media_query("(max-width: 600px)");
    let page = RwSignal::new(0_usize);
    let page_size = move || if narrow.get() { NARROW_PAGE_SIZE } else { PAGE_SIZE };
    let everyone = Memo::new(move |_| {
        conference.view.with(|v| {
            let me = v.myself().cloned();
            me.into_iter().chain(v.others().cloned()).collect::<Vec<Participant>>()
        })
    });
    let pages = move || everyone.with(Vec::len).div_ceil(page_size()).max(1);
    Effect::new(move |_| {
        let last = pages() - 1;
        if page.get_untracked() > last {
            page.set(last);
        }
    });
    let visible = move || {
        let size = page_size();
        everyone.with(|all| all.iter().skip(page.get() * size).take(size).cloned().collect::<Vec<_>>())
    };
    let me_id = move || conference.view.with(|v| v.me.clone());
    let grid_style = move || {
        let n = visible().len().max(1);
        let cols = columns(n, narrow.get());
        format!("--cols: {cols}; --rows: {}", n.div_ceil(cols))
    };

    view! {
        <main class="page call">
            // The page's one heading, for screen readers: the video grid is the visible title.
            <h1 class="visually-hidden">{format!("Call in {room}")}</h1>
            <StatusBanner status=conference.status on_leave=leave />
            <section class="grid" style=grid_style aria-label="Participants">
                <For each=visible key=|p| p.id.clone() let(p)>
                    <div class="cell">{tile(p, me_id(), media, name.clone())}</div>
                </For>
            </section>
            <Show when=move || { pages() > 1 }>
                <nav class="pager" aria-label="Pages">
                    <button type="button" class="button" aria-label="Previous page"
                        disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"‹"</button>
                    <span>{move || format!("{} / {}", page.get() + 1, pages())}</span>
                    <button type="button" class="button" aria-label="Next page"
                        disabled=move || { page.get() + 1 >= pages() } on:click=move |_| page.update(|p| *p += 1)>"›"</button>
                </nav>
            </Show>
            <CallToolbar media on_leave=leave participants=Signal::derive(move || everyone.with(Vec::len)) />
        </main>
    }
}

fn tile(p: Participant, me: Option<String>, media: LocalMedia, my_name: String) -> AnyView {
    let conference = expect_context::<Conference>();
    if me.as_deref() == Some(p.id.as_str()) {
        return view! {
            <ParticipantTile name=my_name is_self=true video=media.preview
                mic_on=media.mic_on
                camera_on=Signal::derive(move || media.video_track.with(Option::is_some))
                speaking=conference.speaking />
        }
        .into_any();
    }
    let id = p.id.clone();
    let person = move || conference.view.with(|v| v.participants.iter().find(|q| q.id == id).cloned());
    let person = Memo::new(move |_| person());
    let track_of = move |kind: TrackKind| {
        Signal::derive_local(move || {
            let track = person.with(|p| p.as_ref()?.tracks.iter().find(|t| t.kind == kind).map(|t| t.track.clone()))?;
            conference.remote.with(|m| m.get(&track).cloned())
        })
    };
    view! {
        <ParticipantTile name=p.name.clone()
            video=track_of(TrackKind::Camera)
            audio=track_of(TrackKind::Mic)
            mic_on=Signal::derive(move || person.with(|p| p.as_ref().is_some_and(|p| p.mic)))
            camera_on=Signal::derive(move || person.with(|p| p.as_ref().is_some_and(|p| p.camera)))
            speaking=Signal::derive(move || person.with(|p| p.as_ref().is_some_and(|p| p.speaking))) />
    }
    .into_any()
}

/// Feeds our microphone level into the speaking flag others see as a ring.
fn detect_speaking(media: LocalMedia, conference: Conference) {
    let level = use_mic_level(media.audio_track.into(), media.mic_on.into(), 100);
    let detector = StoredValue::new(SpeakingDetector::default());
    Effect::new(move |_| {
        let level = level.get();
        let speaking = detector.try_update_value(|d| d.update(level, js_sys::Date::now())).unwrap_or(false);
        conference.set_speaking(speaking);
    });
}

/// "Joining…", "Reconnecting…" or a failure with a way out.
#[component]
fn StatusBanner(status: ReadSignal<CallStatus>, on_leave: Callback<()>) -> impl IntoView {
    move || match status.get() {
        CallStatus::Joining => view! { <div class="banner" role="status">"Joining…"</div> }.into_any(),
        CallStatus::Reconnecting => view! { <div class="banner warn" role="status">"Reconnecting…"</div> }.into_any(),
        CallStatus::Failed(why) => view! {
            <div class="banner error" role="alert">
                <span>{why}</span>
                <button type="button" class="button" on:click=move |_| on_leave.run(())>"Back"</button>
            </div>
        }
        .into_any(),
        CallStatus::Connected | CallStatus::Left => ().into_any(),
    }
}
