//! What shows for a moment and goes: reactions on tiles, and notices such as a refused
//! message or speaking while muted.

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use satsuma_client::{Notice, Via};
use satsuma_protocol::room::TrackKind;

use crate::i18n::{fill, t};

/// How long a reaction stays on its sender's tile.
pub const REACTION_MS: u32 = 4_000;
/// How long a notice stays.
pub const NOTICE_MS: u32 = 5_000;

/// A reaction on show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// Tells this showing from the next of the same person.
    pub seq: u32,
    /// Who reacted.
    pub from: String,
    /// The emoji.
    pub emoji: String,
    /// How it came (the tile says it in `data-via`, for tests and for debugging).
    pub via: Via,
}

/// A notice on show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// Tells this notice from the next one with the same words.
    pub seq: u32,
    /// The words, already in the page's language.
    pub text: String,
}

thread_local! {
    static SEQ: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

fn next_seq() -> u32 {
    SEQ.with(|s| {
        s.set(s.get().wrapping_add(1));
        s.get()
    })
}

/// Shows `emoji` on `from`'s tile, replacing their previous one, for [`REACTION_MS`].
pub fn show_reaction(reactions: RwSignal<Vec<Reaction>>, from: String, emoji: String, via: Via) {
    let seq = next_seq();
    reactions.try_update(|all| {
        all.retain(|r| r.from != from);
        all.push(Reaction { seq, from, emoji, via });
    });
    Timeout::new(REACTION_MS, move || {
        reactions.try_update(|all| all.retain(|r| r.seq != seq));
    })
    .forget();
}

/// Shows `text` for [`NOTICE_MS`], unless a newer notice replaced it.
pub fn flash(notice: RwSignal<Option<Flash>>, text: String) {
    let seq = next_seq();
    notice.try_set(Some(Flash { seq, text }));
    Timeout::new(NOTICE_MS, move || {
        if notice.try_with_untracked(|n| n.as_ref().is_some_and(|n| n.seq == seq)) == Some(true) {
            notice.try_set(None);
        }
    })
    .forget();
}

/// A refusal in the page's language.
pub fn words(notice: Notice) -> String {
    let t = t();
    match notice {
        Notice::TooFast => t.too_fast.to_owned(),
        Notice::ChatRefused(max) => fill(t.chat_too_long, max),
        Notice::TooLarge => t.not_sent.to_owned(),
        Notice::NotSent(TrackKind::Mic) => t.mic_not_sent.to_owned(),
        Notice::NotSent(TrackKind::Camera) => t.camera_not_sent.to_owned(),
        Notice::NotSent(_) => t.screen_not_sent.to_owned(),
        // The driver names whose with [`not_received_words`].
        Notice::NotReceived(_) => t.not_received.to_owned(),
    }
}

/// "Alice's video could not be received", in the page's language.
pub fn not_received_words(name: &str, kind: TrackKind) -> String {
    let t = t();
    let template = match kind {
        TrackKind::Mic | TrackKind::ScreenAudio => t.audio_not_received,
        // Data is never pulled as a track, so it never comes here.
        TrackKind::Camera | TrackKind::Screen | TrackKind::Data => t.video_not_received,
    };
    fill(template, name)
}
