//! `RTCPeerConnection` wrapper with typed errors.

use js_sys::Reflect;
use satsuma_client::PeerState;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MediaStreamTrack, RtcBundlePolicy, RtcConfiguration, RtcPeerConnection, RtcPeerConnectionState, RtcRtpTransceiver,
    RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType, RtcSessionDescriptionInit, RtcTrackEvent,
};

/// A failed peer-connection operation, with the browser's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("peer connection: {0}")]
pub struct PeerError(pub String);

impl PeerError {
    fn from_js(context: &str, value: JsValue) -> Self {
        Self(format!("{context}: {}", crate::json::js_message(&value)))
    }
}

/// One `RTCPeerConnection` to the SFU, bundled, with callbacks for tracks and state.
pub struct Peer {
    pc: RtcPeerConnection,
    _on_track: Closure<dyn FnMut(RtcTrackEvent)>,
    _on_state: Closure<dyn FnMut(JsValue)>,
}

impl Peer {
    /// Creates the connection. `on_track` gets `(mid, track)` for every incoming track.
    pub fn new(
        ice_servers: &JsValue,
        mut on_track: impl FnMut(String, MediaStreamTrack) + 'static,
        mut on_state: impl FnMut(PeerState) + 'static,
    ) -> Result<Self, PeerError> {
        let config = RtcConfiguration::new();
        config.set_bundle_policy(RtcBundlePolicy::MaxBundle);
        config.set_ice_servers(ice_servers);
        let pc = RtcPeerConnection::new_with_configuration(&config).map_err(|e| PeerError::from_js("create", e))?;

        let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new(move |event: RtcTrackEvent| {
            if let Some(mid) = event.transceiver().mid() {
                on_track(mid, event.track());
            }
        });
        pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));

        let pc_for_state = pc.clone();
        let on_state = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            on_state(match pc_for_state.connection_state() {
                RtcPeerConnectionState::Connected => PeerState::Connected,
                RtcPeerConnectionState::Disconnected => PeerState::Disconnected,
                RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed => PeerState::Failed,
                _ => PeerState::Connecting,
            });
        });
        pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
        Ok(Self { pc, _on_track: on_track, _on_state: on_state })
    }

    /// Adds a send-only transceiver of `kind` (`"audio"`/`"video"`) carrying `track`, in
    /// the simulcast `encodings` given (an array of `RTCRtpEncodingParameters`).
    pub fn add_sender(&self, kind: &str, track: Option<&MediaStreamTrack>, encodings: Option<&JsValue>) -> RtcRtpTransceiver {
        let init = RtcRtpTransceiverInit::new();
        init.set_direction(RtcRtpTransceiverDirection::Sendonly);
        if let Some(encodings) = encodings {
            init.set_send_encodings(encodings);
        }
        let transceiver = self.pc.add_transceiver_with_str_and_init(kind, &init);
        if let Some(track) = track {
            let _ = transceiver.sender().replace_track(Some(track));
        }
        transceiver
    }

    /// Adds a receive-only transceiver of `kind`, for pulling a track with our own offer.
    pub fn add_receiver(&self, kind: &str) -> RtcRtpTransceiver {
        let init = RtcRtpTransceiverInit::new();
        init.set_direction(RtcRtpTransceiverDirection::Recvonly);
        self.pc.add_transceiver_with_str_and_init(kind, &init)
    }

    /// Swaps the track a transceiver sends without renegotiating (mute, device switch).
    pub async fn replace_track(transceiver: &RtcRtpTransceiver, track: Option<&MediaStreamTrack>) -> Result<(), PeerError> {
        JsFuture::from(transceiver.sender().replace_track(track)).await.map(drop).map_err(|e| PeerError::from_js("replaceTrack", e))
    }

    /// createOffer + setLocalDescription; returns the offer's SDP.
    pub async fn create_offer(&self) -> Result<String, PeerError> {
        let offer = JsFuture::from(self.pc.create_offer()).await.map_err(|e| PeerError::from_js("createOffer", e))?;
        self.set_local(RtcSdpType::Offer, &sdp_of(&offer)?).await
    }

    async fn set_local(&self, kind: RtcSdpType, sdp: &str) -> Result<String, PeerError> {
        let init = RtcSessionDescriptionInit::new(kind);
        init.set_sdp(sdp);
        JsFuture::from(self.pc.set_local_description(&init)).await.map_err(|e| PeerError::from_js("setLocalDescription", e))?;
        Ok(self.pc.local_description().map(|d| d.sdp()).unwrap_or_else(|| sdp.to_owned()))
    }

    /// Applies the SFU's offer or answer.
    pub async fn set_remote(&self, offer: bool, sdp: &str) -> Result<(), PeerError> {
        let init = RtcSessionDescriptionInit::new(if offer { RtcSdpType::Offer } else { RtcSdpType::Answer });
        init.set_sdp(sdp);
        JsFuture::from(self.pc.set_remote_description(&init)).await.map(drop).map_err(|e| PeerError::from_js("setRemoteDescription", e))
    }

    /// Opens a negotiated data channel (see [`crate::data_channel`]).
    pub fn data_channel(
        &self,
        label: &str,
        init: &web_sys::RtcDataChannelInit,
        report: impl Fn(satsuma_client::PeerEvent) + Clone + 'static,
    ) -> crate::data_channel::DataChannel {
        crate::data_channel::DataChannel::open(&self.pc, label, init, report)
    }

    /// `getStats()`: the promise of an `RTCStatsReport`.
    pub fn stats(&self) -> js_sys::Promise {
        self.pc.get_stats()
    }

    /// Closes the connection; callbacks stop.
    pub fn close(&self) {
        self.pc.set_ontrack(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.close();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.close();
    }
}

fn sdp_of(description: &JsValue) -> Result<String, PeerError> {
    Reflect::get(description, &"sdp".into()).ok().and_then(|v| v.as_string()).ok_or_else(|| PeerError("description without sdp".into()))
}
