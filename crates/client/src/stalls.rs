//! Frozen tracks: a pulled microphone or camera that stops receiving while its publisher
//! still says it is on (a forwarding hiccup, a lost keyframe chain, an SFU that dropped
//! the subscription) freezes a tile until someone leaves. The host reports from its
//! statistics whether bytes arrive; a track still for [`STALL_MS`] is closed and pulled
//! again, at most once per [`STALL_MS`].

use satsuma_protocol::room::TrackKind;

use crate::call::Call;
use crate::ids::TrackRef;
use crate::io::Event;
use crate::pulls::PullState;

/// How long a live track may receive nothing while its publisher sends before it is
/// pulled again.
pub const STALL_MS: u64 = 4_000;

impl Call {
    /// The host's report: which pulled tracks received bytes since the last one.
    pub(crate) fn on_flow(&mut self, flows: Vec<(String, bool)>) {
        let now = self.now;
        // Only what its publisher says it sends can be frozen: a muted microphone or a
        // camera turned off is silent on purpose.
        let sending = |r: &TrackRef, kind: TrackKind| {
            self.room.participants.iter().any(|p| {
                p.tracks.iter().any(|t| t.kind == kind && TrackRef::parse(&t.track).as_ref() == Some(r))
                    && match kind {
                        TrackKind::Mic => p.mic,
                        TrackKind::Camera => p.camera,
                        _ => false,
                    }
            })
        };
        let Some(session) = self.session.as_ref() else { return };
        let watched: Vec<(TrackRef, bool)> = flows
            .into_iter()
            .filter_map(|(r, flowing)| {
                let r = TrackRef::parse(&r)?;
                let pull = session.pulls.get(&r)?;
                (pull.live_mid().is_some() && sending(&r, pull.kind)).then_some((r, flowing))
            })
            .collect();
        let mut stalled = Vec::new();
        let Some(session) = self.session.as_mut() else { return };
        for (r, flowing) in watched {
            let Some(pull) = session.pulls.get_mut(&r) else { continue };
            match (flowing, pull.still_since) {
                (true, _) => pull.still_since = None,
                (false, None) => pull.still_since = Some(now),
                (false, Some(since)) if now.saturating_sub(since) >= STALL_MS => {
                    if let PullState::Live(mid) = pull.state.clone() {
                        pull.state = PullState::Requested;
                        pull.still_since = None;
                        stalled.push((r, mid));
                    }
                }
                (false, Some(_)) => {}
            }
        }
        for (r, mid) in stalled {
            self.warn(format!("{r} received nothing for {STALL_MS} ms while its publisher sends: pulling it again"));
            self.event(Event::TrackRemoved(r.to_string()));
            self.queue.close([mid]);
            self.queue.pull([r]);
        }
        self.pump();
    }
}
