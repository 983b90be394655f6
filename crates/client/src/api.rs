//! The Realtime API calls the engine asks its host to make, and their results.

use satsuma_protocol::calls::{
    CloseTracksRequest, CloseTracksResponse, DataChannelsRequest, DataChannelsResponse, TracksRequest, TracksResponse, UpdateTracksRequest,
};

use crate::recovery::{classify, Recovery};

/// Names one API request, so its result can be matched when it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// A request to make with `Authorization: Bearer <token>` against the room's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// Echo it back in [`crate::Input::Api`].
    pub id: RequestId,
    /// The room token from `welcome`.
    pub token: String,
    /// What to call.
    pub call: ApiCall,
}

/// One call: the proxy's `/api/calls/...` routes and `/api/turn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiCall {
    /// `GET /api/turn`. The host keeps the servers for the next [`crate::PeerOp::Open`]:
    /// they are the host's own type, and a failure just means no TURN.
    IceServers,
    /// `POST sessions/new`.
    NewSession,
    /// `POST sessions/{session}/tracks/new`.
    TracksNew {
        /// Session id.
        session: String,
        /// Body.
        body: TracksRequest,
    },
    /// `PUT sessions/{session}/tracks/update`: answered with [`ApiResponse::Tracks`].
    TracksUpdate {
        /// Session id.
        session: String,
        /// Body.
        body: UpdateTracksRequest,
    },
    /// `PUT sessions/{session}/tracks/close`.
    CloseTracks {
        /// Session id.
        session: String,
        /// Body.
        body: CloseTracksRequest,
    },
    /// `POST sessions/{session}/datachannels/new`: answered with [`ApiResponse::DataChannels`].
    DataChannelsNew {
        /// Session id.
        session: String,
        /// Body.
        body: DataChannelsRequest,
    },
    /// `PUT sessions/{session}/datachannels/close`: answered with [`ApiResponse::DataChannels`].
    DataChannelsClose {
        /// Session id.
        session: String,
        /// Body.
        body: DataChannelsRequest,
    },
}

impl ApiCall {
    /// The call's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::IceServers => "turn",
            Self::NewSession => "sessions/new",
            Self::TracksNew { .. } => "tracks/new",
            Self::TracksUpdate { .. } => "tracks/update",
            Self::CloseTracks { .. } => "tracks/close",
            Self::DataChannelsNew { .. } => "datachannels/new",
            Self::DataChannelsClose { .. } => "datachannels/close",
        }
    }
}

/// A successful result, one variant per [`ApiCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiResponse {
    /// The host has stored the ICE servers.
    IceServers,
    /// The new session's id.
    Session(String),
    /// `tracks/new`'s body.
    Tracks(TracksResponse),
    /// `tracks/close`'s body.
    Closed(CloseTracksResponse),
    /// `datachannels/new`'s or `datachannels/close`'s body.
    DataChannels(DataChannelsResponse),
}

/// A failed Realtime API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
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

impl ApiError {
    /// What to do about it (spec §9).
    pub fn recovery(&self) -> Recovery {
        match self {
            Self::Network(_) => Recovery::Backoff,
            Self::Api { status, code, subcode, .. } => classify(*status, code, subcode.as_deref()),
            Self::Decode(_) => Recovery::GiveUp,
        }
    }
}
