//! Runs the engine's peer operations on one `RTCPeerConnection`.

use satsuma_client::vec_map::VecMap;
use std::cell::RefCell;
use std::rc::Rc;

use leptos::task::spawn_local;
use satsuma_client::{camera_encodings, Input, MediaKind, PeerEvent};
use satsuma_protocol::room::data::{self, DataMessage};
use satsuma_protocol::room::RoomSettings;
use wasm_bindgen::JsValue;
use web_sys::{MediaStreamTrack, RtcRtpTransceiver};

use super::driver::Driver;
use crate::data_channel::{init, DataChannel};
use crate::peer::{Peer, PeerError};

/// The connection of one generation, its two senders, and the tracks it received by mid.
pub struct PeerHost {
    generation: u32,
    peer: Rc<Peer>,
    /// Always present, even before the microphone opens: its track is swapped in later.
    pub audio: RtcRtpTransceiver,
    /// Carries the camera, or the placeholder while the camera is off.
    pub video: RtcRtpTransceiver,
    /// Carries the screen share's video while one is on; idle otherwise.
    pub screen: RtcRtpTransceiver,
    /// Carries the screen share's audio, when it has some.
    pub screen_audio: RtcRtpTransceiver,
    received: Rc<RefCell<VecMap<String, MediaStreamTrack>>>,
    /// Room data channels by stream id; the first is the bootstrap one, never used.
    channels: RefCell<VecMap<u16, DataChannel>>,
}

impl PeerHost {
    /// Opens the connection with `ice_servers`, sending `tracks`: mic, camera (or its
    /// placeholder), screen and screen audio.
    pub fn open(
        driver: &Driver,
        generation: u32,
        ice_servers: &JsValue,
        tracks: [Option<MediaStreamTrack>; 4],
        settings: &RoomSettings,
    ) -> Result<Self, PeerError> {
        let received: Rc<RefCell<VecMap<String, MediaStreamTrack>>> = Rc::default();
        let (on_track, on_state) = (driver.clone(), driver.clone());
        let store = received.clone();
        let peer = Peer::new(
            ice_servers,
            move |mid, track| {
                store.borrow_mut().insert(mid.clone(), track);
                on_track.input(Input::Peer(generation, PeerEvent::Track(mid)));
            },
            move |state| on_state.input(Input::Peer(generation, PeerEvent::State(state))),
        )?;
        let [mic, video, screen, screen_audio] = tracks;
        let audio = peer.add_sender("audio", mic.as_ref(), None);
        let video = peer.add_sender("video", video.as_ref(), Some(&simulcast(settings)));
        let screen = peer.add_sender("video", screen.as_ref(), None);
        let screen_audio = peer.add_sender("audio", screen_audio.as_ref(), None);
        // Declared before the first offer, so that it brings up SCTP for the room's data.
        let bootstrap = peer.data_channel(data::BOOTSTRAP_CHANNEL, &init(data::BOOTSTRAP_ID, true, None), |_| {});
        let mut channels = VecMap::default();
        channels.insert(data::BOOTSTRAP_ID, bootstrap);
        Ok(Self { generation, peer: Rc::new(peer), audio, video, screen, screen_audio, received, channels: RefCell::new(channels) })
    }

    /// The track received on `mid`, once it arrived.
    pub fn received(&self, mid: &str) -> Option<MediaStreamTrack> {
        self.received.borrow().get(mid).cloned()
    }

    /// Adds receivers, creates and sets the offer, and reports it.
    pub fn offer(&self, driver: &Driver, receivers: &[MediaKind]) {
        let added: Vec<RtcRtpTransceiver> = receivers.iter().map(|kind| self.peer.add_receiver(kind.as_str())).collect();
        let senders = [&self.audio, &self.video, &self.screen, &self.screen_audio].map(|t| t.clone());
        let (peer, generation, driver) = (self.peer.clone(), self.generation, driver.clone());
        spawn_local(async move {
            let event = match peer.create_offer().await {
                Ok(sdp) => {
                    let receiver_mids = added.iter().filter_map(RtcRtpTransceiver::mid).collect();
                    let [audio_mid, video_mid, screen_mid, screen_audio_mid] = senders.map(|t| t.mid());
                    PeerEvent::Offer { sdp, audio_mid, video_mid, screen_mid, screen_audio_mid, receiver_mids }
                }
                Err(err) => PeerEvent::Error(err.to_string()),
            };
            driver.input(Input::Peer(generation, event));
        });
    }

    /// Applies the SFU's answer and reports it.
    pub fn answer(&self, driver: &Driver, sdp: String) {
        let (peer, generation, driver) = (self.peer.clone(), self.generation, driver.clone());
        spawn_local(async move {
            let event = match peer.set_remote(false, &sdp).await {
                Ok(()) => PeerEvent::AnswerApplied,
                Err(err) => PeerEvent::Error(err.to_string()),
            };
            driver.input(Input::Peer(generation, event));
        });
    }

    /// Opens the room data channel `id`, reporting its open, close and messages.
    pub fn open_channel(&self, driver: &Driver, id: u16, ordered: bool, max_retransmits: Option<u32>) {
        let (generation, driver) = (self.generation, driver.clone());
        let channel = self.peer.data_channel(data::CHANNEL, &init(id, ordered, max_retransmits), move |event| {
            driver.input(Input::Peer(generation, event));
        });
        self.channels.borrow_mut().insert(id, channel);
    }

    /// Sends on data channel `id`.
    pub fn send_data(&self, id: u16, message: &DataMessage) {
        if let Some(channel) = self.channels.borrow().get(&id) {
            channel.send(message);
        }
    }

    /// Closes data channel `id`.
    pub fn close_channel(&self, id: u16) {
        self.channels.borrow_mut().remove(&id);
    }

    /// The connection's statistics, once read.
    pub fn stats(&self) -> js_sys::Promise {
        self.peer.stats()
    }

    /// Closes the connection; no more events come from it.
    pub fn close(&self) {
        self.peer.close();
    }
}

/// The camera's simulcast encodings, as `sendEncodings` takes them.
fn simulcast(settings: &RoomSettings) -> JsValue {
    let list = js_sys::Array::new();
    for e in camera_encodings(settings) {
        let o = js_sys::Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = js_sys::Reflect::set(&o, &key.into(), &value);
        };
        set("rid", e.layer.rid().into());
        set("scaleResolutionDownBy", f64::from(e.scale_down).into());
        set("maxBitrate", f64::from(e.max_bitrate).into());
        set("maxFramerate", f64::from(e.max_framerate).into());
        list.push(&o);
    }
    list.into()
}

/// Swaps what a sender transmits, in the background; a failure only costs that switch.
pub fn swap_track(transceiver: RtcRtpTransceiver, track: Option<MediaStreamTrack>) {
    spawn_local(async move {
        if let Err(err) = Peer::replace_track(&transceiver, track.as_ref()).await {
            leptos::logging::warn!("{err}");
        }
    });
}
