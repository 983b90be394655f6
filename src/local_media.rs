//! The local camera and microphone as reactive state, shared by the prejoin page and the call.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MediaStream, MediaStreamTrack};

use crate::media::{self, AudioProcessing, DeviceList, MediaError, MediaRequest};
use crate::screen_share::ScreenShare;

/// Reactive handle on the local devices. `Copy`, so components can share it freely.
#[derive(Clone, Copy)]
pub struct LocalMedia {
    /// The current microphone track, kept (and only disabled) while muted.
    pub audio_track: RwSignal<Option<MediaStreamTrack>, LocalStorage>,
    /// The current camera track; `None` while the camera is off, so its light goes out.
    pub video_track: RwSignal<Option<MediaStreamTrack>, LocalStorage>,
    /// A stream holding the current tracks, for the self view.
    pub preview: RwSignal<Option<MediaStream>, LocalStorage>,
    /// Whether the microphone is unmuted.
    pub mic_on: RwSignal<bool>,
    /// Whether the camera is on.
    pub camera_on: RwSignal<bool>,
    /// The chosen microphone (`deviceId`), if any.
    pub mic_device: RwSignal<Option<String>>,
    /// The chosen camera (`deviceId`), if any.
    pub camera_device: RwSignal<Option<String>>,
    /// Why the microphone is unavailable.
    pub audio_error: RwSignal<Option<MediaError>>,
    /// Why the camera is unavailable.
    pub video_error: RwSignal<Option<MediaError>>,
    /// Known devices, refreshed after each successful open.
    pub devices: RwSignal<DeviceList>,
    /// True while a `getUserMedia` request is outstanding.
    pub busy: RwSignal<bool>,
    /// The screen share, in the call.
    pub screen: ScreenShare,
    /// The chosen speaker (`deviceId` for `setSinkId`); `None` is the system's default.
    pub speaker: RwSignal<Option<String>>,
    /// The browser's voice processing for the microphone.
    pub processing: RwSignal<AudioProcessing>,
    /// A device that went away (unplugged): set each time, for a notice.
    pub unplugged: RwSignal<Option<Source>>,
}

/// One of the two devices we capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The microphone.
    Mic,
    /// The camera.
    Camera,
}

impl Default for LocalMedia {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalMedia {
    /// Creates the state with the microphone and camera wanted on, nothing opened yet.
    pub fn new() -> Self {
        Self {
            audio_track: RwSignal::new_local(None),
            video_track: RwSignal::new_local(None),
            preview: RwSignal::new_local(None),
            mic_on: RwSignal::new(true),
            camera_on: RwSignal::new(true),
            mic_device: RwSignal::new(None),
            camera_device: RwSignal::new(None),
            audio_error: RwSignal::new(None),
            video_error: RwSignal::new(None),
            devices: RwSignal::new(DeviceList::default()),
            busy: RwSignal::new(false),
            screen: ScreenShare::new(),
            speaker: RwSignal::new(None),
            processing: RwSignal::new(AudioProcessing::default()),
            unplugged: RwSignal::new(None),
        }
    }

    /// Opens whatever is wanted and not open yet.
    pub fn start(self) {
        let want_audio = self.audio_track.with_untracked(Option::is_none);
        let want_video = self.camera_on.get_untracked() && self.video_track.with_untracked(Option::is_none);
        self.open(want_audio, want_video);
    }

    fn open(self, audio: bool, video: bool) {
        if !audio && !video {
            return;
        }
        let request = MediaRequest {
            audio,
            video,
            audio_device: self.mic_device.get_untracked(),
            video_device: self.camera_device.get_untracked(),
            processing: self.processing.get_untracked(),
        };
        self.busy.set(true);
        spawn_local(async move {
            let opened = media::open_local_media(&request).await;
            if audio {
                // A failed switch leaves no stopped track behind in the slot.
                let track = opened.stream.as_ref().and_then(|s| media::first_track(s, "audio"));
                if let Some(track) = &track {
                    track.set_enabled(self.mic_on.get_untracked());
                }
                self.replace_track(Source::Mic, track);
            }
            if let Some(stream) = &opened.stream {
                if video {
                    // The camera may have been switched off while the request was pending.
                    let track = media::first_track(stream, "video");
                    if self.camera_on.get_untracked() {
                        self.replace_track(Source::Camera, track);
                    } else if let Some(track) = track {
                        track.stop();
                    }
                }
            }
            if audio {
                self.audio_error.set(opened.audio_error);
            }
            if video {
                self.video_error.set(opened.video_error);
            }
            self.rebuild_preview();
            self.busy.set(false);
            if let Ok(list) = media::list_devices().await {
                self.devices.set(list);
            }
        });
    }

    fn slot(self, source: Source) -> RwSignal<Option<MediaStreamTrack>, LocalStorage> {
        match source {
            Source::Mic => self.audio_track,
            Source::Camera => self.video_track,
        }
    }

    fn replace_track(self, source: Source, track: Option<MediaStreamTrack>) {
        let slot = self.slot(source);
        if let Some(old) = slot.get_untracked() {
            old.stop();
        }
        if let Some(track) = &track {
            self.watch_unplug(source, track);
        }
        slot.set(track);
    }

    /// When `track` ends on its own (the device was unplugged or taken away; `stop()`
    /// fires no `ended`), falls back to the default device and says so.
    fn watch_unplug(self, source: Source, track: &MediaStreamTrack) {
        let watched = track.id();
        let on_ended = Closure::once_into_js(move || {
            // By id: the slot's track is the one that ended unless a switch replaced it.
            let current = self.slot(source).try_with_untracked(|t| t.as_ref().map(MediaStreamTrack::id));
            if current.flatten().as_deref() != Some(watched.as_str()) {
                return;
            }
            match source {
                Source::Mic => self.mic_device.set(None),
                Source::Camera => self.camera_device.set(None),
            }
            self.unplugged.set(Some(source));
            self.open(source == Source::Mic, source == Source::Camera);
        });
        track.set_onended(Some(on_ended.unchecked_ref()));
    }

    fn rebuild_preview(self) {
        let tracks = js_sys::Array::new();
        for track in [self.video_track.get_untracked(), self.audio_track.get_untracked()].into_iter().flatten() {
            tracks.push(&track);
        }
        let stream = if tracks.length() == 0 { None } else { MediaStream::new_with_tracks(&tracks).ok() };
        self.preview.set(stream);
    }

    /// Mutes or unmutes the microphone without releasing it, so unmuting is instant.
    pub fn set_mic(self, on: bool) {
        self.mic_on.set(on);
        match self.audio_track.get_untracked() {
            Some(track) => track.set_enabled(on),
            None if on => self.open(true, false),
            None => {}
        }
    }

    /// Turns the camera on (opening it) or off (releasing it).
    pub fn set_camera(self, on: bool) {
        self.camera_on.set(on);
        if on {
            if self.video_track.with_untracked(Option::is_none) {
                self.open(false, true);
            }
        } else {
            self.replace_track(Source::Camera, None);
            self.rebuild_preview();
        }
    }

    /// Switches to another microphone (or reopens it with new processing).
    pub fn select_mic(self, device: String) {
        self.mic_device.set(Some(device).filter(|d| !d.is_empty()));
        self.switch(Source::Mic);
    }

    /// Switches to another camera.
    pub fn select_camera(self, device: String) {
        self.camera_device.set(Some(device));
        if self.camera_on.get_untracked() {
            self.switch(Source::Camera);
        }
    }

    /// Turns one of the browser's voice processings on or off: the microphone reopens
    /// with it (not every browser applies these to a live track).
    pub fn set_processing(self, processing: AudioProcessing) {
        self.processing.set(processing);
        self.switch(Source::Mic);
    }

    /// Reopens `source` with the current choices. The old device is released first (a
    /// phone cannot open two cameras) but stays in its slot until the new one replaces it,
    /// so a call sees one switch of the sent track, not the camera going off and on.
    fn switch(self, source: Source) {
        if let Some(old) = self.slot(source).get_untracked() {
            old.stop();
        }
        self.open(source == Source::Mic, source == Source::Camera);
    }

    /// Releases both devices.
    pub fn stop(self) {
        self.replace_track(Source::Mic, None);
        self.replace_track(Source::Camera, None);
        self.preview.set(None);
        self.screen.stop();
    }
}
