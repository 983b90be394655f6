//! HTTP client for the Realtime API behind our server's `/api/calls` proxy.

use gloo_net::http::{Request, RequestBuilder};
use satsuma_protocol::calls::{
    CloseTrackObject, CloseTracksRequest, CloseTracksResponse, ErrorBody, NewSessionResponse, RenegotiateRequest, SessionDescription,
    TracksRequest, TracksResponse,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use wasm_bindgen::JsValue;

use crate::error_class::{classify, Recovery};
use crate::json;

/// A failed Realtime API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallsError {
    /// No HTTP answer at all.
    #[error("network error: {0}")]
    Network(String),
    /// A request-level error: non-2xx, or a 2xx carrying `errorCode`.
    #[error("{code} (HTTP {status}): {description}")]
    Api {
        /// HTTP status.
        status: u16,
        /// `errorCode`.
        code: String,
        /// `errorDescription`.
        description: String,
        /// `errorSubcode`, when sent.
        subcode: Option<String>,
    },
    /// The body was not what the API promises.
    #[error("unexpected response: {0}")]
    Decode(String),
}

impl CallsError {
    /// What to do about it (spec §9).
    pub fn recovery(&self) -> Recovery {
        match self {
            Self::Network(_) => Recovery::Backoff,
            Self::Api { status, code, subcode, .. } => classify(*status, code, subcode.as_deref()),
            Self::Decode(_) => Recovery::GiveUp,
        }
    }
}

/// Talks to `/api/calls/...` with the room token; the server adds the app secret.
#[derive(Debug, Clone)]
pub struct CallsClient {
    base: String,
    token: String,
}

impl CallsClient {
    /// A client for `base` (normally `/api/calls`) authenticating with the room `token`.
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self { base: base.into(), token: token.into() }
    }

    fn authorize(&self, builder: RequestBuilder) -> RequestBuilder {
        builder.header("Authorization", &format!("Bearer {}", self.token))
    }

    /// Sends `request` and returns the body of a successful answer. Not generic, so the
    /// async machinery exists once; decoding is a separate, synchronous step.
    async fn send(&self, request: Result<Request, CallsError>) -> Result<String, CallsError> {
        let request = request?;
        let response = request.send().await.map_err(network)?;
        let status = response.status();
        let text = response.text().await.map_err(network)?;
        // Errors may come as non-2xx or inside a 2xx body: check both.
        if let Ok(err) = json::from_str::<ErrorBody>(&text) {
            if !err.error_code.is_empty() || !(200..300).contains(&status) {
                return Err(CallsError::Api {
                    status,
                    code: err.error_code,
                    description: err.error_description,
                    subcode: err.error_subcode,
                });
            }
        } else if !(200..300).contains(&status) {
            return Err(CallsError::Api { status, code: String::new(), description: text, subcode: None });
        }
        Ok(text)
    }

    fn post<B: Serialize>(&self, path: &str, body: &B) -> Result<Request, CallsError> {
        with_json(self.authorize(Request::post(&format!("{}/{path}", self.base))), body)
    }

    fn put<B: Serialize>(&self, path: &str, body: &B) -> Result<Request, CallsError> {
        with_json(self.authorize(Request::put(&format!("{}/{path}", self.base))), body)
    }

    /// `POST sessions/new` without a body: returns the new session id.
    pub async fn new_session(&self) -> Result<String, CallsError> {
        let request = self.authorize(Request::post(&format!("{}/sessions/new", self.base))).build().map_err(network);
        let res: NewSessionResponse = decode(&self.send(request).await?)?;
        res.session_id.filter(|s| !s.is_empty()).ok_or_else(|| CallsError::Decode("no sessionId".into()))
    }

    /// `POST sessions/{id}/tracks/new`.
    pub async fn tracks_new(&self, session: &str, body: &TracksRequest) -> Result<TracksResponse, CallsError> {
        decode(&self.send(self.post(&format!("sessions/{session}/tracks/new"), body)).await?)
    }

    /// `PUT sessions/{id}/renegotiate` with our answer to the SFU's offer.
    pub async fn renegotiate(&self, session: &str, answer_sdp: String) -> Result<(), CallsError> {
        let body = RenegotiateRequest { session_description: Some(SessionDescription::answer(answer_sdp)) };
        self.send(self.put(&format!("sessions/{session}/renegotiate"), &body)).await?;
        Ok(())
    }

    /// `PUT sessions/{id}/tracks/close` with `force: true` (no SDP exchange).
    pub async fn close_tracks(&self, session: &str, mids: &[String]) -> Result<CloseTracksResponse, CallsError> {
        let body = CloseTracksRequest {
            tracks: Some(mids.iter().map(|mid| CloseTrackObject { mid: mid.clone(), ..Default::default() }).collect()),
            force: Some(true),
            session_description: None,
        };
        decode(&self.send(self.put(&format!("sessions/{session}/tracks/close"), &body)).await?)
    }

    /// `GET /api/turn`: the ICE servers to use, as the array `RTCConfiguration` takes.
    pub async fn ice_servers(&self) -> Result<JsValue, CallsError> {
        let request = self.authorize(Request::get("/api/turn")).build().map_err(network);
        let body = json::parse(&self.send(request).await?).map_err(|e| CallsError::Decode(e.0))?;
        let servers = js_sys::Reflect::get(&body, &"iceServers".into()).unwrap_or(JsValue::UNDEFINED);
        Ok(if js_sys::Array::is_array(&servers) { servers } else { js_sys::Array::new().into() })
    }
}

/// A successful answer's body as a `T` (an empty body reads as `{}`).
fn decode<T: DeserializeOwned>(text: &str) -> Result<T, CallsError> {
    json::from_str(if text.is_empty() { "{}" } else { text }).map_err(|e| CallsError::Decode(e.0))
}

fn network(err: gloo_net::Error) -> CallsError {
    CallsError::Network(err.to_string())
}

/// `builder` with `body` as its JSON payload.
fn with_json<B: Serialize>(builder: RequestBuilder, body: &B) -> Result<Request, CallsError> {
    let text = json::to_string(body).map_err(|e| CallsError::Decode(e.0))?;
    builder.header("Content-Type", "application/json").body(text).map_err(network)
}
