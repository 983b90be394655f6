//! The in-call view: a responsive grid of tiles and the toolbar.

use leptos::prelude::*;

use satsuma_protocol::room::{Participant, TrackKind};
use web_sys::{MediaStream, MediaStreamTrack};

use super::call_toolbar::CallToolbar;
use super::chat_panel::{ChatDraft, ChatPanel};
use super::participant_tile::{ParticipantTile, TileState};
use super::participants_panel::ParticipantsPanel;
use super::settings_panel::SettingsPanel;
use super::side_panel::{Panel, Panels};
use super::stats_panel::StatsPanel;
use crate::call::{CallStatus, Conference};
use crate::erased::{derive, derive_local, effect, memo};
use crate::i18n::{failure_words, fill, t};
use crate::local_media::{LocalMedia, Source};
use crate::media::first_track;
use crate::use_media_query::use_media_query;
use crate::use_speaking::use_speaking;

/// Tiles per page on a small window; beyond that the grid paginates.
const PAGE_SIZE: usize = 9;
/// The most tiles a desktop window shows at once (5 × 5), however big the room.
const DESKTOP_MAX_TILES: usize = 25;
/// Tiles per page on screens under 600 px.
const NARROW_PAGE_SIZE: usize = 4;

/// Grid columns for `n` tiles, chosen so 16:9 tiles fill a landscape viewport.
pub fn columns(n: usize, narrow: bool) -> usize {
    match (narrow, n) {
        (true, 0..=2) => 1,
        (true, _) => 2,
        (false, 0..=1) => 1,
        (false, 2..=4) => 2,
        (false, 5..=9) => 3,
        (false, 10..=16) => 4,
        (false, _) => 5,
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
    provide_context(media);
    let panels = Panels(RwSignal::new(None));
    provide_context(panels);
    provide_context(ChatDraft::new(conference));
    on_cleanup(move || conference.leave());
    let page_hide = window_event_listener(leptos::ev::pagehide, move |_| conference.on_page_hide());
    on_cleanup(move || page_hide.remove());
    let speaking = use_speaking(media.audio_track.into(), media.mic_on.into());
    effect(move || conference.set_speaking(speaking.get()));
    warn_when_muted(media, conference);
    effect(move || match media.unplugged.get() {
        Some(Source::Mic) => conference.notify(t().mic_unplugged.to_owned()),
        Some(Source::Camera) => conference.notify(t().camera_unplugged.to_owned()),
        None => {}
    });

    let leave = Callback::new(move |()| {
        conference.leave();
        on_leave.run(());
    });
    let narrow = use_media_query("(max-width: 600px)");
    let page = RwSignal::new(0_usize);
    let pinned = RwSignal::new(None::<String>);
    // A desktop window (1280×720 and up: its page is about 1280×600 under the browser's
    // own bars) shows the whole room, as Meet's and Jitsi's tile views do; small tiles take
    // the low simulcast layer, which keeps it cheap. One more tile for a share.
    let desktop = use_media_query("(min-width: 1280px) and (min-height: 560px)");
    let room_size = move || conference.view.with(|v| v.settings.max_participants as usize + 1);
    let page_size = move || match (narrow.get(), desktop.get()) {
        (true, _) => NARROW_PAGE_SIZE,
        (false, true) => room_size().clamp(PAGE_SIZE, DESKTOP_MAX_TILES),
        (false, false) => PAGE_SIZE,
    };
    let me_id = move || conference.view.with(|v| v.me.clone());
    let all = memo(move || {
        conference.view.with(|v| {
            let me = v.myself().cloned();
            tiles(me.into_iter().chain(v.others().cloned()).collect(), v.me.as_deref())
        })
    });
    let stage = memo(move || all.with(|all| stage_of(all, pinned.get().as_deref())));
    // The stage first, so it is on every page.
    let everyone = memo(move || {
        let stage = stage.get();
        let mut all = all.get();
        if let Some(i) = all.iter().position(|p| Some(&p.id) == stage.as_ref()) {
            let tile = all.remove(i);
            all.insert(0, tile);
        }
        all
    });
    let pages = move || everyone.with(Vec::len).div_ceil(page_size()).max(1);
    effect(move || {
        let last = pages() - 1;
        if page.get_untracked() > last {
            page.set(last);
        }
    });
    let visible = move || {
        let size = page_size();
        everyone.with(|all| all.iter().skip(page.get() * size).take(size).cloned().collect::<Vec<_>>())
    };
    let grid_style = move || {
        let n = visible().len().max(1);
        let cols = columns(n, narrow.get());
        format!("--cols: {cols}; --rows: {}; --strip: {}", n.div_ceil(cols), (n - 1).max(1))
    };
    let show = move || (stage, pinned);

    view! {
        <main class="page call">
            // The page's one heading, for screen readers: the video grid is the visible title.
            <h1 class="visually-hidden">{fill(t().call_in, &room)}</h1>
            <StatusBanner status=conference.status on_leave=leave />
            <div class="notice" role="status" aria-live="polite">
                {move || conference.notice.get().map(|n| view! { <p class="banner">{n.text}</p> })}
            </div>
            <div class="stage-row">
                <section class="grid" style=grid_style aria-label=t().participants>
                    <For each=visible key=|p| p.id.clone() let(p)>
                        {tile(p, me_id(), media, name.clone(), show())}
                    </For>
                </section>
                <Show when=move || panels.is_open(Panel::Chat)><ChatPanel /></Show>
                <Show when=move || panels.is_open(Panel::People)><ParticipantsPanel /></Show>
                <Show when=move || panels.is_open(Panel::Settings)><SettingsPanel /></Show>
                <Show when=move || panels.is_open(Panel::Stats)><StatsPanel /></Show>
            </div>
            <Show when=move || { pages() > 1 }>
                <nav class="pager" aria-label=t().pages>
                    <button type="button" class="button" aria-label=t().previous_page
                        disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"‹"</button>
                    <span>{move || format!("{} / {}", page.get() + 1, pages())}</span>
                    <button type="button" class="button" aria-label=t().next_page
                        disabled=move || { page.get() + 1 >= pages() } on:click=move |_| page.update(|p| *p += 1)>"›"</button>
                </nav>
            </Show>
            <CallToolbar media on_leave=leave />
        </main>
    }
}

/// The tile on the stage: the pinned one while it is there, else the first screen share.
pub fn stage_of(tiles: &[Participant], pinned: Option<&str>) -> Option<String> {
    let pinned = pinned.filter(|id| tiles.iter().any(|p| p.id == *id));
    pinned.map(str::to_owned).or_else(|| tiles.iter().find(|p| sharer(&p.id).is_some()).map(|p| p.id.clone()))
}

/// Says "You are muted" when the microphone hears speech while muted. The muted track
/// sends silence, so a clone of it, live only while muted, is what listens.
fn warn_when_muted(media: LocalMedia, conference: Conference) {
    let probe = RwSignal::new_local(None::<MediaStreamTrack>);
    let stop = move || {
        if let Some(old) = probe.try_get_untracked().flatten() {
            old.stop();
        }
    };
    effect(move || {
        let muted = !media.mic_on.get();
        let track = media.audio_track.get();
        stop();
        probe.set(track.filter(|_| muted).map(|t| {
            let listener = MediaStreamTrack::clone(&t);
            listener.set_enabled(true);
            listener
        }));
    });
    on_cleanup(stop);
    let talking = use_speaking(probe.into(), derive(|| true));
    let last = StoredValue::new(f64::NEG_INFINITY);
    effect(move || {
        let now = js_sys::Date::now();
        if talking.get() && now - last.get_value() > MUTED_REPEAT_MS {
            last.set_value(now);
            conference.notify(t().you_are_muted.to_owned());
        }
    });
}

/// "You are muted" comes back at most this often.
const MUTED_REPEAT_MS: f64 = 30_000.0;

/// What a share tile's id adds to its sharer's (server ids never hold a `#`).
const SCREEN: &str = "#screen";

/// The sharer, when `id` is a share tile's.
pub fn sharer(id: &str) -> Option<&str> {
    id.strip_suffix(SCREEN)
}

/// The tiles for `people` (us first): a tile per person, and before them one per screen
/// share of the others, with the sharer's record under the id `<id>#screen`, once the room
/// lists its track. Ours is not shown back to us: the browser already marks what we share.
pub fn tiles(people: Vec<Participant>, me: Option<&str>) -> Vec<Participant> {
    let shares = people.iter().filter(|p| Some(p.id.as_str()) != me && p.screen && p.tracks.iter().any(|t| t.kind == TrackKind::Screen));
    let shares: Vec<Participant> = shares.map(|p| Participant { id: format!("{}{SCREEN}", p.id), ..p.clone() }).collect();
    shares.into_iter().chain(people).collect()
}

fn tile(
    p: Participant,
    me: Option<String>,
    media: LocalMedia,
    my_name: String,
    (stage, pinned): (Memo<Option<String>>, RwSignal<Option<String>>),
) -> AnyView {
    let conference = expect_context::<Conference>();
    let screen = sharer(&p.id).is_some();
    let tile_id = p.id.clone();
    let id = sharer(&p.id).unwrap_or(&p.id).to_owned();
    let is_self = me.as_deref() == Some(id.as_str());
    let person = {
        let id = id.clone();
        memo(move || conference.view.with(|v| v.participants.iter().find(|q| q.id == id).cloned()))
    };
    let flag = move |f: fn(&Participant) -> bool| derive(move || person.with(|p| p.as_ref().is_some_and(f)));
    let track_of = move |kind: TrackKind| {
        derive_local(move || {
            let track = person.with(|p| p.as_ref()?.tracks.iter().find(|t| t.kind == kind).map(|t| t.track.clone()))?;
            conference.remote.with(|m| m.get(&track).cloned())
        })
    };
    let name = if is_self { my_name } else { p.name.clone() };
    let on = derive(|| true);
    let off = derive(|| false);
    let reaction = {
        let id = id.clone();
        derive(move || {
            if screen {
                None
            } else {
                conference.reactions.with(|all| all.iter().find(|r| r.from == id).map(|r| (r.emoji.clone(), r.via.as_str())))
            }
        })
    };
    let on_stage = {
        let tile_id = tile_id.clone();
        move || stage.with(|s| s.as_ref() == Some(&tile_id))
    };
    let is_pinned = {
        let tile_id = tile_id.clone();
        derive(move || pinned.with(|p| p.as_ref() == Some(&tile_id)))
    };
    let on_pin = Callback::new(move |()| pinned.update(|p| *p = if p.as_ref() == Some(&tile_id) { None } else { Some(tile_id.clone()) }));
    // One tile call site for all kinds: each would otherwise be code of its own.
    let (video, audio, mic_on, camera_on, speaking, hand) = if screen {
        (track_of(TrackKind::Screen), Some(track_of(TrackKind::ScreenAudio)), on, on, off, off)
    } else if is_self {
        let camera = derive(move || media.video_track.with(Option::is_some));
        (media.preview.into(), None, media.mic_on.into(), camera, Signal::from(conference.speaking), flag(|p| p.hand))
    } else {
        let audio = track_of(TrackKind::Mic);
        // Measured from the audio we receive, not from what the sender says of itself.
        let voice = derive_local(move || audio.with(|s| s.as_ref().and_then(|s: &MediaStream| first_track(s, "audio"))));
        let speaking = use_speaking(voice, on);
        (track_of(TrackKind::Camera), Some(audio), flag(|p| p.mic), flag(|p| p.camera), Signal::from(speaking), flag(|p| p.hand))
    };
    // The grade of what we receive of them: their camera's, or their voice's without one.
    let refs = move || {
        person.with(|p| {
            let track = |kind| p.as_ref()?.tracks.iter().find(|t| t.kind == kind).map(|t| t.track.clone());
            [track(TrackKind::Camera), track(TrackKind::Mic)]
        })
    };
    let quality = derive(move || {
        if screen || is_self {
            return None;
        }
        let refs = refs();
        conference
            .stats
            .with(|rows| refs.iter().flatten().find_map(|r| rows.iter().find(|s| s.track_ref.as_ref() == Some(r)).map(|s| s.quality)))
    });
    let state = TileState { mic_on, camera_on, speaking, hand, reaction, pinned: is_pinned, quality };
    view! {
        <div class="cell" class:focus=on_stage><ParticipantTile name is_self screen video audio state on_pin /></div>
    }
    .into_any()
}

/// "Joining…", "Reconnecting…" or a failure with a way out.
#[component]
fn StatusBanner(status: ReadSignal<CallStatus>, on_leave: Callback<()>) -> impl IntoView {
    move || match status.get() {
        CallStatus::Joining => view! { <div class="banner" role="status">{t().joining}</div> }.into_any(),
        CallStatus::Reconnecting => view! { <div class="banner warn" role="status">{t().reconnecting}</div> }.into_any(),
        CallStatus::Failed(why) => view! {
            <div class="banner error" role="alert">
                <span>{failure_words(&why)}</span>
                <button type="button" class="button" on:click=move |_| on_leave.run(())>{t().back}</button>
            </div>
        }
        .into_any(),
        CallStatus::Connected | CallStatus::Left => ().into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use satsuma_protocol::room::PublishedTrack;

    fn person(id: &str, sharing: bool, listed: bool) -> Participant {
        let tracks = if listed { vec![PublishedTrack { track: format!("{id}/screen"), kind: TrackKind::Screen }] } else { Vec::new() };
        Participant { id: id.into(), screen: sharing, tracks, ..Participant::default() }
    }

    #[test]
    fn others_shares_get_a_tile_first() {
        let people = vec![person("me", true, true), person("ann", true, true), person("bo", false, false), person("cy", true, false)];
        let all = tiles(people, Some("me"));
        let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        // Ours is not shown back to us; Cy's share waits for its track.
        assert_eq!(ids, ["ann#screen", "me", "ann", "bo", "cy"]);
        assert_eq!(sharer(&all[0].id), Some("ann"));
        assert!(all[1..].iter().all(|p| sharer(&p.id).is_none()));
    }

    #[test]
    fn a_pin_takes_the_stage_from_a_share_while_its_tile_exists() {
        let people = tiles(vec![person("me", false, false), person("ann", true, true), person("bo", false, false)], Some("me"));
        assert_eq!(stage_of(&people, None).as_deref(), Some("ann#screen"));
        assert_eq!(stage_of(&people, Some("bo")).as_deref(), Some("bo"));
        assert_eq!(stage_of(&people, Some("ann#screen")).as_deref(), Some("ann#screen"));
        // Pinned someone who left: the share has the stage again.
        assert_eq!(stage_of(&people, Some("cy")).as_deref(), Some("ann#screen"));
        let plain = tiles(vec![person("me", false, false), person("bo", false, false)], Some("me"));
        assert_eq!(stage_of(&plain, None), None);
    }

    #[test]
    fn phones_get_one_column_then_two() {
        assert_eq!(columns(2, true), 1);
        assert_eq!(columns(3, true), 2);
        assert_eq!(columns(4, false), 2);
        assert_eq!(columns(9, false), 3);
        assert_eq!(columns(16, false), 4, "a 16-person room in a 4 × 4 grid");
        assert_eq!(columns(17, false), 5);
    }
}
