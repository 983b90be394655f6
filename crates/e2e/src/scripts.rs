//! Page scripts the tests poll. "Playing" always means frames or packets that arrive:
//! a WebRTC `<video>`'s `currentTime` keeps advancing after its frames stop, so it proves
//! nothing.

/// Run before Join: records every `RTCPeerConnection` the app creates (`window.__pcs`, for
/// inbound stats), every API call (`window.__apiCalls`), every WebSocket (`window.__sockets`, to drop one), every API answer of 400 or more (`window.__apiErrors`) and every unhandled
/// promise rejection (`window.__unhandled`). wasm-bindgen looks `RTCPeerConnection` and
/// `fetch` up when it calls them, so wrapping them here is enough.
pub const INSTRUMENT: &str = r#"
if (!window.__pcs) {
  const OriginalPc = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends OriginalPc {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
  window.__apiErrors = [];
  const originalFetch = window.fetch.bind(window);
  window.__apiCalls = [];
  window.fetch = (input, init) => originalFetch(input, init).then(res => {
    window.__apiCalls.push(((init && init.method) || 'GET') + ' ' + (input.url || input));
    if (res.status >= 400) window.__apiErrors.push(res.status + ' ' + (input.url || input));
    return res;
  });
  window.__sockets = [];
  const OriginalWs = window.WebSocket;
  window.WebSocket = class extends OriginalWs {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
  window.__unhandled = [];
  window.addEventListener('unhandledrejection', e => window.__unhandled.push(String(e.reason)));
}
return true;"#;

/// What went wrong on the page so far: API errors and unhandled rejections, as a JSON array.
pub const PAGE_ERRORS: &str = "return JSON.stringify([...(window.__apiErrors || []), ...(window.__unhandled || [])]);";

/// True once `n` videos matching `selector` have a size and have presented new frames
/// (counted with `requestVideoFrameCallback`) since the previous poll.
pub fn videos_presenting(selector: &str, n: usize) -> String {
    let selector = serde_json::to_string(selector).unwrap_or_default();
    format!(
        r#"const vs = [...document.querySelectorAll({selector})];
const frames = window.__frames || (window.__frames = new WeakMap());
for (const v of vs) {{
  if (frames.has(v)) continue;
  const count = {{ n: 0 }};
  frames.set(v, count);
  const tick = () => {{ count.n++; v.requestVideoFrameCallback(tick); }};
  v.requestVideoFrameCallback(tick);
}}
const key = 'prev' + {selector};
const prev = window[key] || new Map();
const now = new Map(vs.map(v => [v, frames.get(v).n]));
window[key] = now;
return vs.filter(v => v.videoWidth > 0 && prev.has(v) && prev.get(v) < now.get(v)).length >= {n};"#
    )
}

/// True once `n` remote videos in the call grid present new frames.
pub fn remote_videos_presenting(n: usize) -> String {
    videos_presenting("figure.participant video:not(.mirrored)", n)
}

/// True once at least `n` inbound audio streams have received new packets since the previous
/// poll (needs [`INSTRUMENT`] before Join). Resolves a promise: WebDriver waits.
pub fn remote_audio_flowing(n: usize) -> String {
    format!(
        r#"const pcs = (window.__pcs || []).filter(pc => pc.connectionState !== 'closed');
return Promise.all(pcs.map(pc => pc.getStats())).then(reports => {{
  const now = {{}};
  reports.forEach((report, i) => report.forEach(s => {{
    if (s.type === 'inbound-rtp' && s.kind === 'audio') now[i + '/' + s.mid + '/' + s.ssrc] = s.packetsReceived || 0;
  }}));
  const prev = window.__audioPrev || {{}};
  window.__audioPrev = now;
  return Object.keys(now).filter(k => now[k] > 0 && k in prev && prev[k] < now[k]).length >= {n};
}});"#
    )
}

/// What each person's tile receives, by name: `{ "Ada": { "h": frameHeight, "bytes":
/// bytesReceived, "frames": framesDecoded } }` from the inbound stats of the video track
/// the tile shows (needs [`INSTRUMENT`] before Join). Resolves a promise.
pub const TILE_VIDEO_STATS: &str = r#"const pcs = (window.__pcs || []).filter(pc => pc.connectionState !== 'closed');
return Promise.all(pcs.map(pc => pc.getStats())).then(reports => {
  const byTrack = {};
  reports.forEach(r => r.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') byTrack[s.trackIdentifier] = s; }));
  const out = {};
  for (const f of document.querySelectorAll('figure.participant')) {
    const v = f.querySelector('video');
    const t = v && v.srcObject && v.srcObject.getVideoTracks()[0];
    const s = t && byTrack[t.id];
    if (s) out[f.dataset.name] = { h: s.frameHeight || 0, bytes: s.bytesReceived || 0, frames: s.framesDecoded || 0 };
  }
  return out;
});"#;

/// Bytes of inbound video received so far, over all of the page's peer connections.
pub const INBOUND_VIDEO_BYTES: &str = "return Promise.all((window.__pcs || []).map(pc => pc.getStats())).then(reports => {
  let bytes = 0;
  reports.forEach(r => r.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') bytes += s.bytesReceived || 0; }));
  return bytes;
});";

/// True when exactly `n` people's tiles show.
pub fn tiles(n: usize) -> String {
    format!("return document.querySelectorAll('figure.participant').length === {n};")
}
