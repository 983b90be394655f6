//! One record per pulled track: where its pull stands, its retries and its layer.

use satsuma_protocol::room::TrackKind;

use crate::ids::{Mid, TrackRef};
use crate::layers::{Layer, LayerState};
use crate::vec_map::VecMap;

/// Where a pull stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PullState {
    /// Queued, or waiting for a retry.
    Requested,
    /// In a `tracks/new` exchange that receives it on this mid.
    Negotiating(Mid),
    /// Receiving on this mid.
    Live(Mid),
    /// Given up on: pulled again only if its publisher publishes it anew.
    Abandoned,
}

/// A track of someone else's that we pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pull {
    pub kind: TrackKind,
    pub state: PullState,
    /// Failed attempts so far.
    pub attempts: u32,
    pub layer: LayerState,
    /// Since when the host has seen no new bytes on it while live (see `stalls`).
    pub still_since: Option<u64>,
}

impl Pull {
    /// A pull just asked for; cameras start on `layer`.
    pub fn new(kind: TrackKind, layer: Layer) -> Self {
        let layer = if kind == TrackKind::Camera { LayerState::chosen(layer) } else { LayerState::Fixed };
        Self { kind, state: PullState::Requested, attempts: 0, layer, still_since: None }
    }

    /// The mid it is (or is about to be) received on.
    pub fn mid(&self) -> Option<&Mid> {
        match &self.state {
            PullState::Negotiating(mid) | PullState::Live(mid) => Some(mid),
            PullState::Requested | PullState::Abandoned => None,
        }
    }

    /// Its live mid.
    pub fn live_mid(&self) -> Option<&Mid> {
        match &self.state {
            PullState::Live(mid) => Some(mid),
            _ => None,
        }
    }
}

/// The pulls of one session, in the order they were first asked for.
pub(crate) type Pulls = VecMap<TrackRef, Pull>;

/// The pull received on `mid`.
pub(crate) fn by_mid<'a>(pulls: &'a Pulls, mid: &Mid) -> Option<(&'a TrackRef, &'a Pull)> {
    pulls.iter().find(|(_, p)| p.mid() == Some(mid))
}
