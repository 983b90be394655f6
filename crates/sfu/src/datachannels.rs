//! DataChannel operations: `datachannels/establish`, `/new`, `/update`, `/close`.

use std::time::Instant;

use satsuma_protocol::calls::{
    DataChannelObject, DataChannelsRequest, DataChannelsResponse, ErrorCode, EstablishDataChannelRequest, EstablishDataChannelResponse,
    Location, SessionDescription,
};
use str0m::channel::{ChannelConfig, Reliability};

use crate::engine::Sfu;
use crate::error::ApiError;
use crate::negotiation::{apply_offer, MAX_TRACKS_PER_REQUEST};
use crate::sdp_candidates;
use crate::session::{ChannelSource, DataChannel, Delivery, PendingOffer};

/// The only channel `establish` accepts; it always gets stream id 0.
pub const SERVER_EVENTS: &str = "server-events";

impl Sfu {
    /// `POST datachannels/establish`: bring up SCTP, answering the client's offer or offering.
    pub fn datachannels_establish(
        &mut self,
        now: Instant,
        session_id: &str,
        req: EstablishDataChannelRequest,
    ) -> Result<EstablishDataChannelResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let name = req.data_channel.as_ref().and_then(|d| d.data_channel_name.clone());
        if name.as_deref() != Some(SERVER_EVENTS) {
            return Err(ApiError::invalid_params("dataChannel.dataChannelName must be \"server-events\""));
        }
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        if session.pending.is_some() {
            return Err(ApiError::not_stable());
        }
        if session.sctp {
            return Err(ApiError::decoding("A DataChannel transport is already established on this session"));
        }
        let config = ChannelConfig { label: SERVER_EVENTS.into(), negotiated: Some(0), ..Default::default() };
        let (sd, renegotiate) = match req.session_description {
            Some(offer) => {
                if !crate::sdp_scan::has_application(&offer.sdp) {
                    return Err(ApiError::invalid_sdp("The offer has no m=application section"));
                }
                let answer = apply_offer(session, &offer)?;
                let channel = session.rtc.direct_api().create_data_channel(config);
                push_server_events(&mut session.channels, channel);
                (answer, false)
            }
            None => {
                let mut api = session.rtc.sdp_api();
                let channel = api.add_channel_with_config(config);
                let Some((offer, pending)) = api.apply() else {
                    return Err(ApiError::internal("no SDP change for the DataChannel transport"));
                };
                session.pending = Some(PendingOffer { offer: pending, created: now, adds_sctp: true });
                push_server_events(&mut session.channels, channel);
                (SessionDescription::offer(sdp_candidates::spread_candidates(&offer.to_sdp_string())), true)
            }
        };
        self.api_changed(key, now);
        Ok(EstablishDataChannelResponse {
            requires_immediate_renegotiation: Some(renegotiate),
            session_description: Some(sd),
            data_channel: Some(DataChannelObject {
                location: Some(Location::Remote),
                data_channel_name: Some(SERVER_EVENTS.into()),
                id: Some(0),
                ..Default::default()
            }),
        })
    }

    /// Whether a DataChannel operation on `session_id` must wait for its transport to connect.
    pub fn datachannels_waiting(&self, session_id: &str) -> bool {
        let Ok(key) = self.session_key(session_id) else { return false };
        self.sessions.get(&key).is_some_and(|s| s.sctp && !s.connected)
    }

    /// `POST datachannels/new`: publish (local) or subscribe (remote) channels.
    pub fn datachannels_new(&mut self, now: Instant, session_id: &str, req: DataChannelsRequest) -> Result<DataChannelsResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let items = check_batch(req)?;
        let local = items.iter().filter(|d| d.location == Some(Location::Local)).count();
        let remote = items.iter().filter(|d| d.location == Some(Location::Remote)).count();
        if local + remote != items.len() || (local > 0 && remote > 0) {
            return Err(ApiError::invalid_params("DataChannels must be all local or all remote"));
        }
        if items.iter().any(|d| d.data_channel_name.as_deref().is_none_or(str::is_empty)) {
            return Err(ApiError::invalid_params("Every DataChannel needs a dataChannelName"));
        }
        // Each subscription's publication, by its delivery policy (which a subscriber that
        // names none takes on).
        let sources: Vec<Option<Delivery>> = items
            .iter()
            .map(|d| {
                let k = self.session_key(d.session_id.as_deref()?).ok()?;
                let s = self.sessions.get(&k)?;
                s.channels.iter().find(|c| c.active && !c.remote && Some(&c.name) == d.data_channel_name.as_ref()).map(|c| c.delivery)
            })
            .collect();
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        if session.pending.is_some() {
            return Err(ApiError::not_stable());
        }
        if !session.sctp {
            return Err(ApiError::invalid_params("No DataChannel transport on this session: call datachannels/establish first"));
        }
        if !session.connected {
            return Err(ApiError::not_connected());
        }
        let mut results = Vec::new();
        for (d, source) in items.into_iter().zip(sources) {
            let name = d.data_channel_name.clone().unwrap_or_default();
            let is_remote = d.location == Some(Location::Remote);
            let duplicate = session.channels.iter().any(|c| {
                c.active
                    && c.name == name
                    && c.remote == is_remote
                    && c.source.as_ref().map(|s| &s.session_id) == d.session_id.as_ref().filter(|_| is_remote)
            });
            if duplicate {
                results.push(dc_error(d, ErrorCode::RepeatedLocalTrackError, "This DataChannel already exists on the session"));
                continue;
            }
            if is_remote && source.is_none() {
                results.push(dc_error(d, ErrorCode::NotFoundTrackError, "DataChannel not found on remote peer"));
                continue;
            }
            if d.max_retransmits.is_some() && d.max_packet_life_time.is_some() {
                results.push(dc_error(d, ErrorCode::InvalidParams, "maxRetransmits and maxPacketLifeTime exclude each other"));
                continue;
            }
            let named = d.ordered.is_some() || d.max_retransmits.is_some() || d.max_packet_life_time.is_some();
            let delivery = match source {
                Some(publisher) if !named => publisher,
                _ => Delivery {
                    ordered: d.ordered.unwrap_or(true),
                    max_retransmits: d.max_retransmits,
                    max_packet_life_time: d.max_packet_life_time,
                },
            };
            let Some(stream_id) = session.next_stream_id() else {
                results.push(dc_error(d, ErrorCode::InvalidParams, "No free SCTP stream id"));
                continue;
            };
            let reliability = match (delivery.max_retransmits, delivery.max_packet_life_time) {
                (Some(r), _) => Reliability::MaxRetransmits { retransmits: u16::try_from(r).unwrap_or(u16::MAX) },
                (None, Some(l)) => Reliability::MaxPacketLifetime { lifetime: u16::try_from(l).unwrap_or(u16::MAX) },
                (None, None) => Reliability::Reliable,
            };
            let config = ChannelConfig {
                label: name.clone(),
                ordered: delivery.ordered,
                reliability,
                negotiated: Some(stream_id),
                protocol: String::new(),
            };
            let channel = session.rtc.direct_api().create_data_channel(config);
            let source = is_remote.then(|| ChannelSource {
                session_id: d.session_id.clone().unwrap_or_default(),
                wait_for_ack: d.wait_for_ack == Some(true),
                acked: false,
                can_reply: d.can_reply == Some(true),
            });
            tracing::info!(parent: &session.span, %name, stream_id, remote = is_remote, "datachannel added");
            session.channels.push(DataChannel { name, stream_id, channel, source, remote: is_remote, open: false, active: true, delivery });
            // The answer says the policy in force, so the client opens its side alike.
            results.push(DataChannelObject {
                id: Some(stream_id),
                status: None,
                ordered: Some(delivery.ordered),
                max_retransmits: delivery.max_retransmits,
                max_packet_life_time: delivery.max_packet_life_time,
                ..d
            });
        }
        self.api_changed(key, now);
        Ok(DataChannelsResponse { data_channels: Some(results) })
    }

    /// `PUT datachannels/update`: grant or revoke `canReply` on subscribed channels.
    pub fn datachannels_update(&mut self, session_id: &str, req: DataChannelsRequest) -> Result<DataChannelsResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let items = check_batch(req)?;
        let mut results = Vec::new();
        let mut grants = Vec::new();
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        for d in items {
            let found = session.channels.iter_mut().find(|c| {
                c.active
                    && c.source.as_ref().is_some_and(|s| Some(&s.session_id) == d.session_id.as_ref())
                    && Some(&c.name) == d.data_channel_name.as_ref()
            });
            match found {
                Some(c) => {
                    let grant = d.can_reply == Some(true);
                    if let Some(src) = &mut c.source {
                        src.can_reply = grant;
                        if grant {
                            grants.push((src.session_id.clone(), c.name.clone(), c.channel));
                        }
                    }
                    results.push(DataChannelObject { id: Some(c.stream_id), ..d });
                }
                None => results.push(dc_error(d, ErrorCode::NotFoundTrackError, "No such subscribed DataChannel")),
            }
        }
        // At most one subscriber may reply to a publisher's channel: a new grant revokes the others.
        for (pub_id, name, granted) in grants {
            for s in self.sessions.values_mut() {
                let own = s.id == session_id;
                for c in s.channels.iter_mut().filter(|c| c.name == name && !(own && c.channel == granted)) {
                    if let Some(src) = c.source.as_mut().filter(|src| src.session_id == pub_id) {
                        src.can_reply = false;
                    }
                }
            }
        }
        Ok(DataChannelsResponse { data_channels: Some(results) })
    }

    /// `PUT datachannels/close`: close channels by their id on this session.
    pub fn datachannels_close(
        &mut self,
        now: Instant,
        session_id: &str,
        req: DataChannelsRequest,
    ) -> Result<DataChannelsResponse, ApiError> {
        let key = self.session_key(session_id)?;
        let items = check_batch(req)?;
        let session = self.sessions.get_mut(&key).ok_or_else(ApiError::session_gone)?;
        let mut results = Vec::new();
        for d in items {
            let found = session.channels.iter_mut().find(|c| c.active && Some(c.stream_id) == d.id);
            match found {
                Some(c) => {
                    c.active = false;
                    c.open = false;
                    let channel = c.channel;
                    let out = DataChannelObject {
                        location: Some(if c.remote { Location::Remote } else { Location::Local }),
                        session_id: c.source.as_ref().map(|s| s.session_id.clone()),
                        data_channel_name: Some(c.name.clone()),
                        id: Some(c.stream_id),
                        ..Default::default()
                    };
                    session.rtc.direct_api().close_data_channel(channel);
                    results.push(out);
                }
                None => results.push(dc_error(d, ErrorCode::CloseTrackError, "DataChannel doesn't exist or was already closed")),
            }
        }
        self.api_changed(key, now);
        Ok(DataChannelsResponse { data_channels: Some(results) })
    }
}

fn check_batch(req: DataChannelsRequest) -> Result<Vec<DataChannelObject>, ApiError> {
    let items = req.data_channels.unwrap_or_default();
    if items.is_empty() || items.len() > MAX_TRACKS_PER_REQUEST {
        return Err(ApiError::invalid_params(format!("dataChannels must hold 1 to {MAX_TRACKS_PER_REQUEST} entries")));
    }
    Ok(items)
}

fn push_server_events(channels: &mut Vec<DataChannel>, channel: str0m::channel::ChannelId) {
    let delivery = Delivery::default();
    channels.push(DataChannel {
        name: SERVER_EVENTS.into(),
        stream_id: 0,
        channel,
        source: None,
        remote: true,
        open: false,
        active: true,
        delivery,
    });
}

fn dc_error(d: DataChannelObject, code: ErrorCode, description: &str) -> DataChannelObject {
    DataChannelObject { error_code: Some(code.as_str().into()), error_description: Some(description.into()), status: None, ..d }
}
