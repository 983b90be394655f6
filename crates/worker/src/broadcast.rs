//! WHIP ingest and WHEP viewing on the Worker, by the rules `satsuma serve` follows
//! (`satsuma_room::whip`, `satsuma_room::whep`): the edge checks the path and the body's
//! size and hands the request to the room's Durable Object, which holds the room, makes
//! the Realtime API calls and keeps each stream and viewer as a record
//! (`satsuma_room::broadcasts`). With no tasks to poll, the object moves viewers after the
//! room's events and looks at the sessions on its alarm ([`tend`]).

use satsuma_protocol::calls::{NewSessionResponse, TracksResponse};
use satsuma_room::broadcasts::{Gone, StreamRecord, ViewerRecord};
use satsuma_room::limits::valid_room_name;
use satsuma_room::{whep, whip};
use worker::{Env, Headers, Method, Request, RequestInit, Response, Result};

use crate::auth::now_ms;
use crate::config::{self, Upstream};
use crate::error::{ApiError, Failure};
use crate::room_object::{RoomObject, ROOM_BINDING, ROOM_HEADER};
use crate::upstream::{self, UpstreamRequest};

/// Path prefix of WHIP and WHEP requests inside a room's Durable Object.
pub const INTERNAL_PREFIX: &str = "/internal/broadcast/";

/// Which protocol a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Whip,
    Whep,
}

/// `whip/{room}[/{id}]` or `whep/{room}[/{id}]` of `/api/…`: the kind, room and resource.
fn parse(api: &str) -> Option<(Kind, &str, Option<&str>)> {
    let (kind, rest) = match api.split_once('/')? {
        ("whip", rest) => (Kind::Whip, rest),
        ("whep", rest) => (Kind::Whep, rest),
        _ => return None,
    };
    let mut parts = rest.split('/');
    let room = parts.next().filter(|r| valid_room_name(r))?;
    let id = parts.next();
    if parts.next().is_some() || id.is_some_and(str::is_empty) {
        return None;
    }
    Some((kind, room, id))
}

/// Whether `/api/{api}` is a WHIP or WHEP path.
pub fn is_broadcast(api: &str) -> bool {
    api.starts_with("whip/") || api.starts_with("whep/")
}

/// At the edge: the path and the body's size, then the room's object does the rest.
pub async fn forward(mut req: Request, env: &Env, api: &str) -> std::result::Result<Response, Failure> {
    let (_, room, _) = parse(api).ok_or(ApiError::NotFound)?;
    let declared = req.headers().get("Content-Length")?.and_then(|n| n.parse::<usize>().ok());
    if declared.is_some_and(|n| n > whip::MAX_OFFER) {
        return Err(ApiError::PayloadTooLarge(whip::MAX_OFFER).into());
    }
    let body = req.bytes().await?;
    if body.len() > whip::MAX_OFFER {
        return Err(ApiError::PayloadTooLarge(whip::MAX_OFFER).into());
    }
    let headers = Headers::new();
    headers.set(ROOM_HEADER, room)?;
    for name in ["Authorization", "Content-Type"] {
        if let Some(value) = req.headers().get(name)? {
            headers.set(name, &value)?;
        }
    }
    let query = req.url()?.query().filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
    let mut init = RequestInit::new();
    init.with_method(req.method()).with_headers(headers);
    if !body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    let stub = env.durable_object(ROOM_BINDING)?.get_by_name(room)?;
    let url = format!("https://room{INTERNAL_PREFIX}{api}{query}");
    Ok(stub.fetch_with_request(Request::new_with_init(&url, &init)?).await?)
}

/// Inside the room's object: answers a forwarded WHIP or WHEP request.
pub async fn handle(obj: &RoomObject, req: Request) -> Result<Response> {
    match serve(obj, req).await {
        Ok(response) => Ok(response),
        Err(Failure(err)) if err.status() == 405 => {
            let response = Failure(err).into_response()?;
            let headers = response.headers().clone();
            headers.set("Allow", "DELETE")?;
            Ok(response.with_headers(headers))
        }
        Err(err) => err.into_response(),
    }
}

async fn serve(obj: &RoomObject, mut req: Request) -> std::result::Result<Response, Failure> {
    let url = req.url()?;
    let api = url.path().strip_prefix(INTERNAL_PREFIX).unwrap_or_default().to_owned();
    let (kind, room, id) = parse(&api).ok_or(ApiError::NotFound)?;
    let authorization = req.headers().get("Authorization")?;
    let content_type = req.headers().get("Content-Type")?;
    let method = req.method();
    match (kind, id) {
        (Kind::Whip, None) if method == Method::Post => {
            check_key(obj.env(), "SATSUMA_INGEST_KEY", authorization.as_deref())?;
            let offer = whip::offer(content_type.as_deref(), &req.bytes().await?)?;
            let name = url.query_pairs().find(|(k, _)| k == "name").map(|(_, v)| v.into_owned());
            publish(obj, room, offer, whip::stream_name(name.as_deref())).await
        }
        (Kind::Whip, Some(id)) => {
            check_key(obj.env(), "SATSUMA_INGEST_KEY", authorization.as_deref())?;
            if method != Method::Delete {
                return Err(whip::method_not_allowed().into());
            }
            let key = obj.key()?;
            let ended = obj.with_host(|h| h.end_stream(id, &key, now_ms())).map(|r| (r.session_id, r.mids));
            ended_resource(obj, ended).await
        }
        (Kind::Whep, None) if method == Method::Post => {
            let view_key = config::setting(obj.env(), "SATSUMA_VIEW_KEY");
            let watchable = obj.with_host(|h| (!h.snap.room.is_empty()).then(|| h.snap.room.is_watchable()));
            let keyless = whep::admit(view_key.as_deref(), authorization.as_deref(), watchable)?;
            let offer = whip::offer(content_type.as_deref(), &req.bytes().await?)?;
            watch(obj, room, offer, keyless).await
        }
        (Kind::Whep, Some(id)) => {
            // The resource id is the viewer's own secret; a keyless viewer has no key to send.
            if authorization.is_some() {
                check_key(obj.env(), "SATSUMA_VIEW_KEY", authorization.as_deref())?;
            }
            if method != Method::Delete {
                return Err(whip::method_not_allowed().into());
            }
            let key = obj.key()?;
            let ended = obj.with_host(|h| h.take_viewer(id, &key, now_ms())).map(|r| (r.session_id.clone(), r.mids()));
            ended_resource(obj, ended).await
        }
        (_, None) => Err(whip::method_not_allowed().into()),
    }
}

/// The answer to a stream's or viewer's `DELETE`: 404 for one already gone, else its record
/// is stored as gone and its tracks (`session`, `mids`) closed on the SFU.
async fn ended_resource(obj: &RoomObject, ended: Option<(String, Vec<String>)>) -> std::result::Result<Response, Failure> {
    let (session_id, mids) = ended.ok_or(ApiError::NotFound)?;
    obj.commit().await?;
    close_tracks(obj.env(), &session_id, &mids).await;
    Ok(Response::empty()?.with_status(200))
}

fn check_key(env: &Env, name: &str, authorization: Option<&str>) -> std::result::Result<(), Failure> {
    Ok(whip::check_key(config::setting(env, name).as_deref(), authorization)?)
}

/// A WHIP offer into `room`: a session, its tracks, and a participant for everyone to pull.
async fn publish(obj: &RoomObject, room: &str, offer: String, name: String) -> std::result::Result<Response, Failure> {
    obj.with_host(|h| h.stream_door())?;
    let upstream = Upstream::from_env(obj.env())?;
    let session: NewSessionResponse = call(&upstream, Method::Post, "sessions/new".into(), Vec::new()).await?;
    let session_id = session.session_id.ok_or(ApiError::Backend("the SFU sent no session id"))?;
    let request = serde_json::to_vec(&whip::tracks_request(offer.clone())).map_err(|_| ApiError::Backend("cannot encode"))?;
    let answered: TracksResponse = call(&upstream, Method::Post, format!("sessions/{session_id}/tracks/new"), request).await?;
    let (answer, tracks) = whip::published(&session_id, &offer, &answered)?;
    let mids: Vec<String> = answered.tracks.iter().flatten().filter_map(|t| t.mid.clone()).collect();
    let id = crate::random::hex_id();
    let key = obj.key()?;
    let record = StreamRecord { session_id: session_id.clone(), mids: mids.clone() };
    let started = obj.with_host(|h| h.start_stream(&id, &name, tracks, record, &key, now_ms()));
    if let Err(refused) = started {
        // The room filled up meanwhile: what the SFU just took is let go.
        close_tracks(obj.env(), &session_id, &mids).await;
        return Err(whip::refused(refused).into());
    }
    obj.commit().await?;
    created(answer, &format!("/api/whip/{room}/{id}"))
}

/// A WHEP offer for `room`'s stage: a session pulling it, counted for the room's people.
async fn watch(obj: &RoomObject, room: &str, offer: String, keyless: bool) -> std::result::Result<Response, Failure> {
    let stage = obj.with_host(|h| h.snap.room.stage()).ok_or_else(whep::nothing_to_watch)?;
    let upstream = Upstream::from_env(obj.env())?;
    let session: NewSessionResponse = call(&upstream, Method::Post, "sessions/new".into(), Vec::new()).await?;
    let session_id = session.session_id.ok_or(ApiError::Backend("the SFU sent no session id"))?;
    let request = serde_json::to_vec(&whep::pull_request(offer, &stage)).map_err(|_| ApiError::Backend("cannot encode"))?;
    let answered: TracksResponse = call(&upstream, Method::Post, format!("sessions/{session_id}/tracks/new"), request).await?;
    let (answer, receivers) = whep::pulled(&answered)?;
    let id = crate::random::hex_id();
    let key = obj.key()?;
    let record = ViewerRecord { session_id, receivers, stage, keyless };
    obj.with_host(|h| h.add_viewer(&id, record, &key, now_ms()));
    obj.commit().await?;
    created(answer, &format!("/api/whep/{room}/{id}"))
}

/// `201 Created` with the SDP answer and the resource's `Location`.
fn created(answer: String, location: &str) -> std::result::Result<Response, Failure> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/sdp")?;
    headers.set("Location", location)?;
    headers.set("Access-Control-Expose-Headers", "Location")?;
    headers.set("Cache-Control", "no-store")?;
    Ok(Response::ok(answer)?.with_status(201).with_headers(headers))
}

/// What the room's streams and viewers need now: keyless viewers cut off when watching
/// stops, viewers moved to a new stage, and (every `WATCH_INTERVAL_MS`) sessions the SFU
/// no longer has let go. Cheap when there are none.
pub async fn tend(obj: &RoomObject) -> Result<()> {
    if obj.with_host(|h| h.snap.broadcasts.is_empty()) {
        return Ok(());
    }
    let key = obj.key()?;
    let now = now_ms();
    let (cut, moves, due) = obj.with_host(|h| {
        let cut = h.cut_keyless(&key, now);
        let moves = h.snap.broadcasts.moves(&h.snap.room);
        (cut, moves, h.snap.broadcasts.sessions_due(now))
    });
    let env = obj.env();
    for viewer in cut {
        close_tracks(env, &viewer.session_id, &viewer.mids()).await;
    }
    let Ok(upstream) = Upstream::from_env(env) else { return obj.commit().await };
    for m in moves {
        let body = serde_json::to_vec(&m.update).unwrap_or_default();
        let path = format!("sessions/{}/tracks/update", m.session_id);
        if call::<TracksResponse>(&upstream, Method::Put, path, body).await.is_ok() {
            obj.with_host(|h| h.snap.broadcasts.moved(&m.viewer, m.stage));
        }
    }
    for session_id in due {
        let is_stream = obj.with_host(|h| h.snap.broadcasts.streams.values().any(|s| s.session_id == session_id));
        let request = UpstreamRequest {
            method: Method::Get,
            path: format!("sessions/{session_id}"),
            query: None,
            content_type: None,
            body: Vec::new(),
        };
        let answer = upstream::call(&upstream, request).await.ok();
        let alive = whip::still_there(answer.as_ref().map(|r| (r.status, r.body.as_slice())), is_stream);
        if !alive {
            if let Gone::Stream(_, record) = obj.with_host(|h| h.session_gone(&session_id, &key, now_ms())) {
                close_tracks(env, &record.session_id, &record.mids).await;
            }
        }
    }
    obj.commit().await
}

/// A Realtime API call with its JSON answer decoded; the SFU's refusals in its own words.
async fn call<T: serde::de::DeserializeOwned>(
    upstream: &Upstream,
    method: Method,
    path: String,
    body: Vec<u8>,
) -> std::result::Result<T, Failure> {
    let request = UpstreamRequest { method, path, query: None, content_type: None, body };
    let response = upstream::call(upstream, request).await?;
    if !(200..300).contains(&response.status) {
        return Err(whip::sfu_refused(response.status, &response.body).into());
    }
    serde_json::from_slice(&response.body).map_err(|_| ApiError::Backend("the SFU answered badly").into())
}

/// Closes `mids` of `session_id` (a stream or viewer that ended); failures only cost a log.
async fn close_tracks(env: &Env, session_id: &str, mids: &[String]) {
    let Ok(upstream) = Upstream::from_env(env) else { return };
    let tracks: Vec<_> = mids.iter().map(|mid| serde_json::json!({ "mid": mid })).collect();
    let body = serde_json::json!({ "tracks": tracks, "force": true }).to_string().into_bytes();
    let path = format!("sessions/{session_id}/tracks/close");
    if call::<serde_json::Value>(&upstream, Method::Put, path, body).await.is_err() {
        worker::console_warn!("closing the tracks of an ended stream or viewer failed");
    }
}
