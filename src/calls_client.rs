//! HTTP client for the Realtime API behind our server's `/api/calls` proxy.

use gloo_net::http::{Request, RequestBuilder};
use satsuma_client::{ApiCall, ApiError as CallsError, ApiResponse};
use satsuma_protocol::calls::{ErrorBody, NewSessionResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

use wasm_bindgen::JsValue;

use crate::json;

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

    /// Makes one of the engine's calls; `/api/turn` goes through [`Self::ice_servers`].
    pub async fn execute(&self, call: &ApiCall) -> Result<ApiResponse, CallsError> {
        match call {
            ApiCall::IceServers => Err(CallsError::Decode("ice servers are fetched apart".into())),
            ApiCall::NewSession => {
                let request = self.authorize(Request::post(&format!("{}/sessions/new", self.base))).build().map_err(network);
                let res: NewSessionResponse = decode(&self.send(request).await?)?;
                let id = res.session_id.filter(|s| !s.is_empty()).ok_or_else(|| CallsError::Decode("no sessionId".into()))?;
                Ok(ApiResponse::Session(id))
            }
            ApiCall::TracksNew { session, body } => {
                Ok(ApiResponse::Tracks(decode(&self.send(self.post(&format!("sessions/{session}/tracks/new"), body)).await?)?))
            }
            ApiCall::TracksUpdate { session, body } => {
                Ok(ApiResponse::Tracks(decode(&self.send(self.put(&format!("sessions/{session}/tracks/update"), body)).await?)?))
            }
            ApiCall::CloseTracks { session, body } => {
                Ok(ApiResponse::Closed(decode(&self.send(self.put(&format!("sessions/{session}/tracks/close"), body)).await?)?))
            }
            ApiCall::DataChannelsNew { session, body } => {
                Ok(ApiResponse::DataChannels(decode(&self.send(self.post(&format!("sessions/{session}/datachannels/new"), body)).await?)?))
            }
            ApiCall::DataChannelsClose { session, body } => {
                Ok(ApiResponse::DataChannels(decode(&self.send(self.put(&format!("sessions/{session}/datachannels/close"), body)).await?)?))
            }
        }
    }

    /// `GET /api/turn`: the ICE servers to use, as the array `RTCConfiguration` takes.
    pub async fn ice_servers(&self) -> Result<JsValue, CallsError> {
        let request = self.authorize(Request::get(&crate::api_base::http_url("/api/turn"))).build().map_err(network);
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
    // Not `err.to_string()`: gloo's `Display` covers its serde_json variant, whose texts
    // and io error names would ship in the bundle, while gloo parses no JSON for us.
    CallsError::Network(match err {
        gloo_net::Error::JsError(js) => js.message,
        gloo_net::Error::GlooError(text) => text,
        _ => "the request failed".to_owned(),
    })
}

/// `builder` with `body` as its JSON payload.
fn with_json<B: Serialize>(builder: RequestBuilder, body: &B) -> Result<Request, CallsError> {
    let text = json::to_string(body).map_err(|e| CallsError::Decode(e.0))?;
    builder.header("Content-Type", "application/json").body(text).map_err(network)
}
