//! The room WebSocket (`/api/rooms/{room}/ws?v=1`) with typed messages.

use satsuma_protocol::room::{BodyDecoder, ClientMessage, ServerMessage, PROTOCOL_VERSION};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::json::JsonError;

/// A WebSocket failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocketError {
    /// The socket could not be created (bad URL, blocked).
    #[error("cannot open the room connection: {0}")]
    Open(String),
    /// Sending failed (the socket is closing or closed).
    #[error("cannot send on the room connection: {0}")]
    Send(String),
}

/// What the socket reports.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketEvent {
    /// Connected; send `join` now.
    Open,
    /// A server message.
    Message(ServerMessage),
    /// A frame we could not decode (ignored, logged).
    Malformed(String),
    /// Closed, with the close code.
    Closed(u16),
}

/// A frame's text, whose body is decoded once its `type` is known.
struct TextBody<'a>(&'a str);

impl BodyDecoder for TextBody<'_> {
    type Error = JsonError;
    fn decode<T: serde::de::DeserializeOwned>(self) -> Result<T, JsonError> {
        crate::json::from_str(self.0)
    }
}

/// Reads `type` first, then only that variant's body: no buffering of the whole frame.
fn decode(text: &str) -> Result<ServerMessage, JsonError> {
    let tag = crate::json::top_level_str(text, "type")?.ok_or_else(|| JsonError("no `type`".into()))?;
    ServerMessage::from_tagged(&tag, TextBody(text))?.ok_or_else(|| JsonError(format!("unknown type `{tag}`")))
}

/// One WebSocket connection to a room. Dropping it closes the socket.
pub struct RoomSocket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(JsValue)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

/// The WebSocket URL of `room` on the API's origin.
pub fn room_url(room: &str) -> String {
    crate::api_base::ws_url(&format!("/api/rooms/{room}/ws?v={PROTOCOL_VERSION}"))
}

impl RoomSocket {
    /// Connects to `url`; every event goes to `on_event`.
    pub fn connect(url: &str, on_event: impl FnMut(SocketEvent) + 'static) -> Result<Self, SocketError> {
        let ws = WebSocket::new(url).map_err(|e| SocketError::Open(crate::json::js_message(&e)))?;
        let on_event = std::rc::Rc::new(std::cell::RefCell::new(on_event));

        let handler = on_event.clone();
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| (handler.borrow_mut())(SocketEvent::Open));
        let handler = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let event = match event.data().as_string() {
                Some(text) => match decode(&text) {
                    Ok(message) => SocketEvent::Message(message),
                    Err(err) => SocketEvent::Malformed(format!("{err}: {text}")),
                },
                None => SocketEvent::Malformed("binary frame".into()),
            };
            (handler.borrow_mut())(event);
        });
        let handler = on_event;
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            (handler.borrow_mut())(SocketEvent::Closed(event.code()));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self { ws, _on_open: on_open, _on_message: on_message, _on_close: on_close })
    }

    /// Sends one message.
    pub fn send(&self, message: &ClientMessage) -> Result<(), SocketError> {
        let text = crate::json::to_string(message).map_err(|e| SocketError::Send(e.0))?;
        self.ws.send_with_str(&text).map_err(|e| SocketError::Send(crate::json::js_message(&e)))
    }

    /// Whether the socket is open.
    pub fn is_open(&self) -> bool {
        self.ws.ready_state() == WebSocket::OPEN
    }

    /// Closes quietly: no further events are delivered.
    pub fn close(&self) {
        self.ws.set_onclose(None);
        self.ws.set_onmessage(None);
        self.ws.set_onopen(None);
        let _ = self.ws.close_with_code(1000);
    }
}

impl Drop for RoomSocket {
    fn drop(&mut self) {
        self.close();
    }
}
