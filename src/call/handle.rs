//! The call as the components see it: read-only signals and a few commands.

use rustc_hash::FxHashMap;

use leptos::prelude::*;
use satsuma_client::room_view::RoomView;
use satsuma_client::{CallConfig, CallStatus, Input, Intent, MediaState};
use web_sys::MediaStream;

use super::driver::{Driver, Outlets};
use crate::local_media::LocalMedia;

/// Reactive handle on the call, `Copy`, provided as context by the call page.
#[derive(Clone, Copy)]
pub struct Conference {
    /// The room as the server describes it.
    pub view: ReadSignal<RoomView>,
    /// Pulled tracks by `sessionId/trackName`, each in its own stream for a media element.
    pub remote: ReadSignal<FxHashMap<String, MediaStream>, LocalStorage>,
    /// Connection status.
    pub status: ReadSignal<CallStatus>,
    /// Whether we are speaking, as measured here.
    pub speaking: ReadSignal<bool>,
    set_speaking: WriteSignal<bool>,
    driver: StoredValue<Driver, LocalStorage>,
}

fn media_state(media: LocalMedia) -> MediaState {
    MediaState {
        mic: media.mic_on.get_untracked() && media.audio_track.with_untracked(Option::is_some),
        camera: media.video_track.with_untracked(Option::is_some),
    }
}

impl Conference {
    /// Joins `room` as `name`, publishing `media`.
    pub fn start(room: String, name: String, media: LocalMedia) -> Self {
        let (view, remote, status) =
            (RwSignal::new(RoomView::default()), RwSignal::new_local(FxHashMap::default()), RwSignal::new(CallStatus::Joining));
        let (speaking, set_speaking) = signal(false);
        // Spreads the retries of clients that failed together; not a secret.
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let config = CallConfig { name, media: media_state(media), subscribe: true, seed };
        let driver = Driver::start(room, config, media, Outlets { view, remote, status });
        let this = Self {
            view: view.read_only(),
            remote: remote.read_only(),
            status: status.read_only(),
            speaking,
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
        Effect::new(move |previous: Option<()>| {
            let track = media.video_track.get();
            if previous.is_some() {
                if let Some(driver) = self.driver.try_get_value() {
                    driver.swap_video(track);
                }
            }
        });
        Effect::new(move |previous: Option<()>| {
            let track = media.audio_track.get();
            if previous.is_some() {
                if let Some(driver) = self.driver.try_get_value() {
                    driver.swap_audio(track);
                }
            }
        });
        Effect::new(move |_| {
            // Tracked: any of these changes what the room shows.
            media.mic_on.track();
            media.audio_track.track();
            media.video_track.track();
            self.input(Input::Intent(Intent::Media(media_state(media))));
        });
        Effect::new(move |_| {
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

    /// Leaves: media stops at once; the engine closes our tracks, then says `leave`.
    pub fn leave(self) {
        self.input(Input::Intent(Intent::Leave));
    }

    /// Best effort on tab close: tell the room right away.
    pub fn on_page_hide(self) {
        self.input(Input::Intent(Intent::PageHide));
    }
}
