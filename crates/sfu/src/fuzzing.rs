//! The fuzz harness body of the SFU (feature `fuzzing`), kept here so host tests run it
//! with seeds while `fuzz/` only wraps it. Input reaches the SFU as the HTTP layer hands it
//! over: a JSON body decoded into the Calls request types (an empty body as `{}`), then the
//! operation, whose SDP goes through our scanners and str0m; and datagrams on the media
//! socket. Nothing may panic; every refusal is a Calls error.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use satsuma_protocol::calls::{
    CloseTracksRequest, DataChannelsRequest, EstablishDataChannelRequest, NewSessionRequest, RenegotiateRequest, TracksRequest,
    UpdateTracksRequest,
};
use serde::de::DeserializeOwned;

use crate::config::SfuConfig;
use crate::engine::Sfu;
use crate::error::ApiError;

/// Decodes a body as the HTTP layer does.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.is_empty() { &b"{}"[..] } else { body };
    serde_json::from_slice(body).map_err(|e| ApiError::decoding(format!("Invalid request body: {e}")))
}

/// Operations separated by NUL bytes: the first byte picks the operation, the second the
/// session (among those created so far), the rest is the body, in which `$S0`…`$S3` stand
/// for the ids of the sessions created so far.
pub fn api(data: &[u8]) {
    let media: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 9));
    let peer: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 7));
    let mut now = Instant::now();
    let mut sfu = Sfu::new(SfuConfig::new("app", "secret", media), now);
    let mut ids: Vec<String> = Vec::new();
    for op in data.split(|b| *b == 0) {
        let (Some(&code), pick) = (op.first(), op.get(1).copied().unwrap_or(0)) else { continue };
        let raw = op.get(2..).unwrap_or_default();
        let mut text = String::from_utf8_lossy(raw).into_owned();
        for (i, id) in ids.iter().enumerate().take(4) {
            text = text.replace(&format!("$S{i}"), id);
        }
        let body = text.as_bytes();
        let sid = ids.get(usize::from(pick) % ids.len().max(1)).cloned().unwrap_or_else(|| text.chars().take(40).collect());
        let outcome: Result<(), ApiError> = match code % 12 {
            0 => decode::<NewSessionRequest>(body).and_then(|r| sfu.new_session(now, r.session_description)).map(|r| {
                if let Some(id) = r.session_id {
                    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "session id {id}");
                    ids.push(id);
                }
            }),
            1 => decode::<TracksRequest>(body).and_then(|r| sfu.tracks_new(now, &sid, r)).map(drop),
            2 => decode::<RenegotiateRequest>(body).and_then(|r| sfu.renegotiate(now, &sid, r)).map(drop),
            3 => decode::<CloseTracksRequest>(body).and_then(|r| sfu.tracks_close(now, &sid, r)).map(drop),
            4 => decode::<UpdateTracksRequest>(body).and_then(|r| sfu.tracks_update(now, &sid, r)).map(drop),
            5 => decode::<EstablishDataChannelRequest>(body).and_then(|r| sfu.datachannels_establish(now, &sid, r)).map(drop),
            6 => decode::<DataChannelsRequest>(body).and_then(|r| sfu.datachannels_new(now, &sid, r)).map(drop),
            7 => decode::<DataChannelsRequest>(body).and_then(|r| sfu.datachannels_update(&sid, r)).map(drop),
            8 => decode::<DataChannelsRequest>(body).and_then(|r| sfu.datachannels_close(now, &sid, r)).map(drop),
            9 => sfu.session_state(&sid).map(drop),
            10 => {
                // Our own SDP passes over whatever text came in.
                let _ = crate::sdp_scan::sections(&text);
                let _ = crate::sdp_scan::has_application(&text);
                let spread = crate::sdp_candidates::spread_candidates(&text);
                let _ = crate::sdp_bitrate::with_start_bitrate(&spread, u32::from(pick) * 10);
                sfu.handle_receive(now, peer, media, raw);
                Ok(())
            }
            _ => {
                now += Duration::from_millis(u64::from(pick) * 20);
                sfu.handle_timeout(now);
                Ok(())
            }
        };
        if let Err(e) = outcome {
            let status = e.status;
            assert!((400..600).contains(&status), "status {status}");
        }
        while sfu.poll_transmit().is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds() {
        api(b"");
        api(b"\x00\x00\x00\x09\x00\x00\x01\x00{\"tracks\":[{\"location\":\"local\",\"mid\":\"0\",\"trackName\":\"a\"}]}");
        api(b"\x00\x00{\"sessionDescription\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\n\"}}");
        api(b"\x00\x00\x00\x01\x00{\"tracks\":[{\"location\":\"remote\",\"sessionId\":\"$S0\",\"trackName\":\"x\"}]}\x00\x0b\xff");
        api(b"\x0a\x03m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=candidate:1 1 udp 1 1.2.3.4 5 typ host\r\n");
        api("\x00\x00{\"é\":\"\u{1F600}\"}\x00\x04\x00{\"tracks\":7}".as_bytes());
    }
}
