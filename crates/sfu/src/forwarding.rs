//! Relaying: media frames and keyframe requests between publishers and subscribers,
//! DataChannel messages between publishers and subscribers.

use std::time::{Duration, Instant};

use str0m::channel::{ChannelData, ChannelId};
use str0m::media::{KeyframeRequest, KeyframeRequestKind, MediaData, MediaKind, Mid, Rid};

use crate::engine::Sfu;
use crate::session::{SessionKey, TrackRole};

/// Keyframe requests to one publisher track are spaced at least this far apart.
const KEYFRAME_THROTTLE: Duration = Duration::from_millis(200);
/// No request this soon after a keyframe: libwebrtc encoders ignore requests within ~300 ms
/// of their last keyframe, so an early one would be wasted and delay the next.
const KEYFRAME_QUIET: Duration = Duration::from_millis(300);

impl Sfu {
    /// Forwards a frame from a publisher to every subscriber of that track. Video goes
    /// through each subscription's [`Selector`](crate::layers::Selector): it picks the
    /// simulcast layer and holds frames back until a keyframe starts (or switches) the stream.
    pub(crate) fn forward_media(&mut self, now: Instant, key: SessionKey, data: MediaData) {
        self.stats.media_in += 1;
        let Some(publisher) = self.sessions.get_mut(&key) else { return };
        let Some(track) = publisher.local_on_mid(data.mid) else { return };
        let kind = track.kind;
        let TrackRole::Local(publication) = &mut track.role else { return };
        publication.last_media = Some(now);
        let video = kind == MediaKind::Video;
        let keyframe = video && data.is_keyframe();
        if video {
            publication.on_video_frame(now, data.rid, keyframe);
        }
        // The selectors need the layers while the subscriber sessions are borrowed.
        let layers = if video && data.rid.is_some() { publication.layers.clone() } else { Vec::new() };
        let name = publication.name.clone();
        let pub_id = publisher.id.clone();
        if video && !data.contiguous {
            self.request_keyframe(now, key, data.mid, data.rid);
        }

        let mut wanted_keyframes: Vec<Option<Rid>> = Vec::new();
        let mut touched = Vec::new();
        let subscribers = self.fanout.subscribers(&self.sessions, &self.by_id, key, &name);
        for &(sub_key, mid) in subscribers.iter() {
            let Some(sub) = self.sessions.get_mut(&sub_key) else { continue };
            if !sub.connected || !sub.rtc.is_connected() {
                // str0m drops media written before the transport is up.
                continue;
            }
            // The index may be older than the last close or collection: check the entry.
            let Some(t) = sub.tracks.iter_mut().find(|t| t.mid == mid && t.active && t.negotiated) else { continue };
            let TrackRole::Remote(s) = &mut t.role else { continue };
            if s.session_id != pub_id || s.track_name != name {
                continue;
            }
            let time = if video {
                let d = s.selector.on_frame(now, &layers, data.rid, keyframe);
                if let Some(rid) = d.keyframe_for.filter(|r| !wanted_keyframes.contains(r)) {
                    wanted_keyframes.push(rid);
                }
                if !d.forward {
                    continue;
                }
                if d.switched {
                    tracing::debug!(session = %sub.id, mid = %t.mid, track = %name, rid = ?data.rid, "keyframe starts the stream");
                }
                s.selector.out_time(now, data.time, d.switched)
            } else {
                data.time
            };
            let Some(writer) = sub.rtc.writer(t.mid) else { continue };
            let Some(pt) = writer.match_params(data.params) else { continue };
            match writer.write(pt, data.network_time, time, data.data.clone()) {
                Ok(()) => {
                    self.stats.media_forwarded += 1;
                    self.stats.bytes_forwarded += data.data.len() as u64;
                    touched.push(sub_key);
                }
                Err(e) => tracing::debug!(error = %e, "write to subscriber failed"),
            }
        }
        for k in touched {
            // str0m packetizes written frames on a timeout: polling with one sends them in
            // the round it is polled in, now or at the flush.
            if self.flush.written(k, now) {
                self.timed_out.insert(k);
                self.touch(k);
            }
        }
        for rid in wanted_keyframes {
            self.request_keyframe(now, key, data.mid, rid);
        }
    }

    /// A subscriber asked for a keyframe on one of its mids: ask the publisher, for the
    /// layer being switched to if a switch is pending (its keyframe completes the switch).
    pub(crate) fn forward_keyframe_request(&mut self, now: Instant, key: SessionKey, req: KeyframeRequest) {
        let Some(sub) = self.sessions.get_mut(&key) else { return };
        let Some(track) = sub.remote_on_mid(req.mid) else { return };
        let TrackRole::Remote(s) = &track.role else { return };
        let rid = s.selector.target.or(s.selector.current);
        let (pub_id, name) = (s.session_id.clone(), s.track_name.clone());
        if let Some((pub_key, pub_mid)) = self.find_publication(&pub_id, &name) {
            self.request_keyframe(now, pub_key, pub_mid, rid);
        }
    }

    /// Makes a subscriber's video (all of it when `mids` is `None`) wait for a keyframe: it
    /// just connected or got new tracks, and its decoder needs one to start. The next frame
    /// from each publisher asks for it, for whichever layer the subscription picks.
    pub(crate) fn restart_video_for_subscriber(&mut self, key: SessionKey, mids: Option<&[Mid]>) {
        let Some(sub) = self.sessions.get_mut(&key) else { return };
        if !sub.connected {
            // A keyframe now would arrive before the transport can carry it; `Connected` asks again.
            return;
        }
        for t in sub.tracks.iter_mut().filter(|t| t.active && t.negotiated && t.kind == MediaKind::Video) {
            if mids.is_some_and(|m| !m.contains(&t.mid)) {
                continue;
            }
            if let TrackRole::Remote(s) = &mut t.role {
                s.selector.restart();
            }
        }
    }

    /// The session key and mid of the active publication `(session id, track name)`.
    pub(crate) fn find_publication(&self, session_id: &str, name: &str) -> Option<(SessionKey, Mid)> {
        let key = self.session_key(session_id).ok()?;
        let track = self.sessions.get(&key)?.publication(name)?;
        Some((key, track.mid))
    }

    /// Sends a throttled PLI to a publisher's track.
    pub(crate) fn request_keyframe(&mut self, now: Instant, key: SessionKey, mid: Mid, rid: Option<Rid>) {
        let Some(publisher) = self.sessions.get_mut(&key) else { return };
        if !publisher.connected {
            return;
        }
        let Some(track) = publisher.local_on_mid(mid) else { return };
        if track.kind != MediaKind::Video {
            return;
        }
        let TrackRole::Local(p) = &mut track.role else { return };
        // Simulcast layers are separate encoders: each has its own keyframe timing.
        let (last_request, last_keyframe) = match p.layers.iter_mut().find(|l| rid.is_some_and(|r| l.rid == r)) {
            Some(l) => (&mut l.last_keyframe_request, l.last_keyframe),
            None => (&mut p.last_keyframe_request, p.last_keyframe),
        };
        if last_request.is_some_and(|t| now.saturating_duration_since(t) < KEYFRAME_THROTTLE)
            || last_keyframe.is_some_and(|t| now.saturating_duration_since(t) < KEYFRAME_QUIET)
        {
            return;
        }
        *last_request = Some(now);
        let Some(mut writer) = publisher.rtc.writer(mid) else { return };
        let kind =
            if writer.is_request_keyframe_possible(KeyframeRequestKind::Pli) { KeyframeRequestKind::Pli } else { KeyframeRequestKind::Fir };
        match writer.request_keyframe(rid, kind) {
            Ok(()) => {
                tracing::debug!(parent: &publisher.span, %mid, ?rid, "keyframe requested");
                self.stats.keyframe_requests += 1;
                self.touch(key);
            }
            Err(e) => tracing::debug!(error = %e, "keyframe request not possible yet"),
        }
    }

    pub(crate) fn on_channel_open(&mut self, key: SessionKey, id: ChannelId) {
        if let Some(s) = self.sessions.get_mut(&key) {
            if let Some(c) = s.channels.iter_mut().find(|c| c.channel == id && c.active) {
                c.open = true;
            }
        }
    }

    pub(crate) fn on_channel_close(&mut self, key: SessionKey, id: ChannelId) {
        if let Some(s) = self.sessions.get_mut(&key) {
            if let Some(c) = s.channels.iter_mut().find(|c| c.channel == id && c.active) {
                c.open = false;
            }
        }
    }

    /// Relays a message: publisher → every subscriber, or a `canReply` subscriber → publisher.
    pub(crate) fn relay_channel_data(&mut self, key: SessionKey, data: ChannelData) {
        let Some(origin) = self.sessions.get_mut(&key) else { return };
        let origin_id = origin.id.clone();
        let Some(chan) = origin.channels.iter_mut().find(|c| c.channel == data.id && c.active) else { return };
        let name = chan.name.clone();
        let mut targets: Vec<(SessionKey, ChannelId)> = Vec::new();
        match &mut chan.source {
            None if !chan.remote => {
                for (k, s) in &self.sessions {
                    for c in s.channels.iter().filter(|c| c.active && c.name == name) {
                        if c.source.as_ref().is_some_and(|src| src.session_id == origin_id && (src.acked || !src.wait_for_ack)) {
                            targets.push((*k, c.channel));
                        }
                    }
                }
            }
            None => return,
            Some(src) if src.wait_for_ack && !src.acked => {
                // The subscriber's first message is the ack the publisher is waiting for.
                src.acked = true;
                return;
            }
            Some(src) if src.can_reply => {
                let pub_id = src.session_id.clone();
                let Ok(pub_key) = self.session_key(&pub_id) else { return };
                if let Some(s) = self.sessions.get(&pub_key) {
                    if let Some(c) = s.channels.iter().find(|c| c.active && c.source.is_none() && !c.remote && c.name == name) {
                        targets.push((pub_key, c.channel));
                    }
                }
            }
            Some(_) => return,
        }
        for (k, cid) in targets {
            let Some(s) = self.sessions.get_mut(&k) else { continue };
            let Some(mut ch) = s.rtc.channel(cid) else { continue };
            if ch.write(data.binary, &data.data).is_ok() {
                self.stats.channel_messages += 1;
                self.touch(k);
            }
        }
    }
}
