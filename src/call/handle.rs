//! The call as the components see it: read-only signals and a few commands.

use satsuma_client::vec_map::VecMap;

use leptos::prelude::*;
use satsuma_client::room_view::RoomView;
use satsuma_client::{CallConfig, CallStatus, Input, Intent, MediaState, Receive};
use web_sys::MediaStream;

use super::driver::{Driver, Outlets};
use super::flash::{flash, Flash, Reaction};
use super::stats::TrackStats;
use crate::erased::{effect, on_change};
use crate::local_media::LocalMedia;

/// Reactive handle on the call, `Copy`, provided as context by the call page.
#[derive(Clone, Copy)]
pub struct Conference {
    /// The room as the server describes it.
    pub view: ReadSignal<RoomView>,
    /// Pulled tracks by `sessionId/trackName`, each in its own stream for a media element.
    pub remote: ReadSignal<VecMap<String, MediaStream>, LocalStorage>,
    /// Connection status.
    pub status: ReadSignal<CallStatus>,
    /// Whether we are speaking, as measured here.
    pub speaking: ReadSignal<bool>,
    /// Reactions on show, one per person at most.
    pub reactions: ReadSignal<Vec<Reaction>>,
    /// The notice on show.
    pub notice: ReadSignal<Option<Flash>>,
    /// The media statistics of the last read (every few seconds).
    pub stats: ReadSignal<Vec<TrackStats>>,
    /// Data saver's step: cameras at their lowest layer, or none (remembered between visits).
    pub receive: ReadSignal<Receive>,
    set_receive: WriteSignal<Receive>,
    notice_out: RwSignal<Option<Flash>>,
    set_speaking: WriteSignal<bool>,
    driver: StoredValue<Driver, LocalStorage>,
}

fn media_state(media: LocalMedia) -> MediaState {
    MediaState {
        mic: media.mic_on.get_untracked() && media.audio_track.with_untracked(Option::is_some),
        camera: media.video_track.with_untracked(Option::is_some),
        screen: media.screen.video.with_untracked(Option::is_some),
        screen_audio: media.screen.audio.with_untracked(Option::is_some),
    }
}

impl Conference {
    /// Joins `room` as `name`, publishing `media`, receiving as last time (Data saver).
    pub fn start(room: String, name: String, media: LocalMedia) -> Self {
        Self::start_receiving(room, name, media, crate::prefs::saved_receive())
    }

    /// Joins `room` as `name`, publishing `media` and receiving `receive` of the others.
    pub fn start_receiving(room: String, name: String, media: LocalMedia, receive: Receive) -> Self {
        let (view, remote, status) =
            (RwSignal::new(RoomView::default()), RwSignal::new_local(VecMap::default()), RwSignal::new(CallStatus::Joining));
        let (reactions, notice, stats) = (RwSignal::new(Vec::new()), RwSignal::new(None), RwSignal::new(Vec::new()));
        let (speaking, set_speaking) = signal(false);
        // Spreads the retries of clients that failed together; not a secret.
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let (receive, set_receive) = signal(receive);
        let config = CallConfig {
            name,
            media: media_state(media),
            receive: receive.get_untracked(),
            seed,
            channels: crate::prefs::room_data_channels(),
        };
        let driver = Driver::start(room, config, media, Outlets { view, remote, status, reactions, notice, stats });
        let this = Self {
            view: view.read_only(),
            remote: remote.read_only(),
            status: status.read_only(),
            speaking,
            reactions: reactions.read_only(),
            notice: notice.read_only(),
            notice_out: notice,
            stats: stats.read_only(),
            receive,
            set_receive,
            set_speaking,
            driver: StoredValue::new_local(driver),
        };
        this.follow_media(media);
        this
    }

    fn input(self, input: Input) {
        if let Some(driver) = self.driver.try_get_value() {
            driver.input(input);
        }
    }

    /// Swaps tracks as devices change and tells the engine what the room should show.
    fn follow_media(self, media: LocalMedia) {
        let driver = move || self.driver.try_get_value();
        on_change(
            move || {
                if let Some(d) = driver() {
                    d.swap_video(media.video_track.get_untracked());
                }
            },
            move || media.video_track.track(),
        );
        on_change(
            move || {
                if let Some(d) = driver() {
                    d.swap_audio(media.audio_track.get_untracked());
                }
            },
            move || media.audio_track.track(),
        );
        let screen = media.screen;
        on_change(
            move || {
                if let Some(d) = driver() {
                    d.swap_screen(screen.video.get_untracked(), screen.audio.get_untracked());
                }
            },
            move || {
                screen.video.track();
                screen.audio.track();
            },
        );
        effect(move || {
            // Tracked: any of these changes what the room shows.
            media.mic_on.track();
            media.audio_track.track();
            media.video_track.track();
            screen.video.track();
            screen.audio.track();
            self.input(Input::Intent(Intent::Media(media_state(media))));
        });
        effect(move || {
            let speaking = self.speaking.get();
            self.input(Input::Intent(Intent::Speaking(speaking)));
        });
    }

    /// Our measured speaking state.
    pub fn set_speaking(self, speaking: bool) {
        if self.speaking.get_untracked() != speaking {
            self.set_speaking.try_set(speaking);
        }
    }

    /// Sets Data saver's step, and remembers it.
    pub fn set_receive(self, receive: Receive) {
        self.set_receive.try_set(receive);
        crate::prefs::save_receive(receive);
        self.input(Input::Intent(Intent::Receive(receive)));
    }

    /// Raises or lowers our hand.
    pub fn raise_hand(self, up: bool) {
        self.input(Input::Intent(Intent::Hand(up)));
    }

    /// Sends a chat message (the engine checks it first and says so if it cannot go).
    pub fn chat(self, text: String) {
        self.input(Input::Intent(Intent::Chat(text)));
    }

    /// Shows `emoji` on our tile for everyone.
    pub fn react(self, emoji: &str) {
        self.input(Input::Intent(Intent::React(emoji.to_owned())));
    }

    /// Lets people watch the room without joining, or stops it, for everyone.
    pub fn set_watchable(self, allowed: bool) {
        self.input(Input::Intent(Intent::Watchable(allowed)));
    }

    /// Shows `text` as a notice for a few seconds.
    pub fn notify(self, text: String) {
        flash(self.notice_out, text);
    }

    /// Leaves: media stops at once; the engine closes our tracks, then says `leave`.
    pub fn leave(self) {
        self.input(Input::Intent(Intent::Leave));
    }

    /// Best effort on tab close: tell the room right away.
    pub fn on_page_hide(self) {
        self.input(Input::Intent(Intent::PageHide));
    }
}
