//! One negotiated `RTCDataChannel` of the room data (see `satsuma_protocol::room::data`):
//! opened on the stream id the SFU gave, its messages read and decoded here, so the engine
//! gets typed messages and never a byte over the limit.

use satsuma_client::PeerEvent;
use satsuma_protocol::room::data::{DataMessage, MAX_MESSAGE_BYTES};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, RtcDataChannel, RtcDataChannelInit, RtcPeerConnection};

/// A data channel and its callbacks (dropping it closes it).
pub struct DataChannel {
    channel: RtcDataChannel,
    _on_open: Closure<dyn FnMut(JsValue)>,
    _on_close: Closure<dyn FnMut(JsValue)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// A negotiated channel's options: the id, and the delivery the SFU said.
pub fn init(id: u16, ordered: bool, max_retransmits: Option<u32>) -> RtcDataChannelInit {
    let init = RtcDataChannelInit::new();
    init.set_negotiated(true);
    init.set_id(id);
    init.set_ordered(ordered);
    if let Some(n) = max_retransmits {
        init.set_max_retransmits(u16::try_from(n).unwrap_or(u16::MAX));
    }
    init
}

impl DataChannel {
    /// Opens channel `label` on `pc` with `init`; `report` gets its open, close and messages.
    pub fn open(pc: &RtcPeerConnection, label: &str, init: &RtcDataChannelInit, report: impl Fn(PeerEvent) + Clone + 'static) -> Self {
        let channel = pc.create_data_channel_with_data_channel_dict(label, init);
        let id = init.get_id().unwrap_or_default();
        let on_open = {
            let report = report.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| report(PeerEvent::ChannelOpen(id)))
        };
        let on_close = {
            let report = report.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |_| report(PeerEvent::ChannelClosed(id)))
        };
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            // Text only, and small: anything else is not ours to read.
            let Some(text) = event.data().as_string().filter(|t| t.len() <= MAX_MESSAGE_BYTES) else { return };
            if let Ok(message) = crate::json::from_str::<DataMessage>(&text) {
                report(PeerEvent::ChannelMessage(id, message));
            }
        });
        channel.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        channel.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Self { channel, _on_open: on_open, _on_close: on_close, _on_message: on_message }
    }

    /// Sends `message`; a channel that cannot take it now drops it (room data may be lost).
    pub fn send(&self, message: &DataMessage) {
        if let Ok(text) = crate::json::to_string(message) {
            let _ = self.channel.send_with_str(&text);
        }
    }
}

impl Drop for DataChannel {
    fn drop(&mut self) {
        self.channel.set_onopen(None);
        self.channel.set_onclose(None);
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}
