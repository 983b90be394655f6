//! The engine's API requests over HTTP: `{server}/api/calls/...` and `{server}/api/turn`,
//! with the room token as the bearer.

use satsuma_client::{ApiCall, ApiError, ApiRequest, ApiResponse};
use satsuma_protocol::calls::{CloseTracksResponse, DataChannelsResponse, ErrorBody, NewSessionResponse, TracksResponse};
use serde::de::DeserializeOwned;

/// Names ring as the process's rustls provider. A process that links more than one (the e2e
/// tests do, through the WebDriver client) must name one before any TLS client is built;
/// an earlier choice stands.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One HTTP client shared by every bot (one connection pool).
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    /// `http://host:port`, without a trailing slash.
    base: String,
}

impl Http {
    /// A client for the server at `base`.
    pub fn new(base: &str) -> Self {
        install_tls_provider();
        Self { client: reqwest::Client::new(), base: base.trim_end_matches('/').to_owned() }
    }

    /// Makes the request and reads its answer as the engine expects it.
    pub async fn call(&self, request: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let calls = format!("{}/api/calls", self.base);
        let builder = match &request.call {
            ApiCall::IceServers => self.client.get(format!("{}/api/turn", self.base)),
            ApiCall::NewSession => self.client.post(format!("{calls}/sessions/new")),
            ApiCall::TracksNew { session, body } => self.client.post(format!("{calls}/sessions/{session}/tracks/new")).json(body),
            ApiCall::TracksUpdate { session, body } => self.client.put(format!("{calls}/sessions/{session}/tracks/update")).json(body),
            ApiCall::CloseTracks { session, body } => self.client.put(format!("{calls}/sessions/{session}/tracks/close")).json(body),
            ApiCall::DataChannelsNew { session, body } => {
                self.client.post(format!("{calls}/sessions/{session}/datachannels/new")).json(body)
            }
            ApiCall::DataChannelsClose { session, body } => {
                self.client.put(format!("{calls}/sessions/{session}/datachannels/close")).json(body)
            }
        };
        let response = builder.bearer_auth(&request.token).send().await.map_err(|e| ApiError::Network(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
        check(status, &text)?;
        match &request.call {
            // The bots use no TURN: they run beside the SFU.
            ApiCall::IceServers => Ok(ApiResponse::IceServers),
            ApiCall::NewSession => {
                let body: NewSessionResponse = decode(&text)?;
                body.session_id.filter(|s| !s.is_empty()).map(ApiResponse::Session).ok_or_else(|| ApiError::Decode("no sessionId".into()))
            }
            ApiCall::TracksNew { .. } | ApiCall::TracksUpdate { .. } => decode::<TracksResponse>(&text).map(ApiResponse::Tracks),
            ApiCall::CloseTracks { .. } => decode::<CloseTracksResponse>(&text).map(ApiResponse::Closed),
            ApiCall::DataChannelsNew { .. } | ApiCall::DataChannelsClose { .. } => {
                decode::<DataChannelsResponse>(&text).map(ApiResponse::DataChannels)
            }
        }
    }
}

/// Errors come as non-2xx or as a 2xx whose body carries `errorCode`: check both.
fn check(status: u16, text: &str) -> Result<(), ApiError> {
    let ok = (200..300).contains(&status);
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(err) if !err.error_code.is_empty() || !ok => {
            Err(ApiError::Api { status, code: err.error_code, description: err.error_description, subcode: err.error_subcode })
        }
        Err(_) if !ok => Err(ApiError::Api { status, code: String::new(), description: text.chars().take(200).collect(), subcode: None }),
        _ => Ok(()),
    }
}

/// A successful body as `T`; an empty body reads as `{}`.
fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(if text.trim().is_empty() { "{}" } else { text }).map_err(|e| ApiError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_from_the_status_and_from_a_2xx_body() {
        assert!(check(200, r#"{"sessionId":"x"}"#).is_ok());
        assert!(check(201, "").is_ok());
        let in_body = check(200, r#"{"errorCode":"not_found","errorDescription":"gone"}"#);
        assert!(matches!(in_body, Err(ApiError::Api { status: 200, ref code, .. }) if code == "not_found"));
        assert!(matches!(check(502, "<html>bad gateway</html>"), Err(ApiError::Api { status: 502, .. })));
    }
}
