#!/usr/bin/env python3
"""aiortc against the Satsuma SFU: push, pull with an SFU offer, renegotiate, media, forced close.

Usage: interop.py BASE_URL APP_SECRET
  BASE_URL is the app's API root, e.g. http://127.0.0.1:PORT/v1/apps/APP.

Two aiortc peers with bundlePolicy max-bundle (what every official client uses): a publisher
(audio + video, client offer, `tracks/new`) and a subscriber (SFU offers, client answers
through `PUT renegotiate`). Prints one JSON line of measurements and exits 0, or prints
`FAIL: ...` to stderr and exits 1. Run by crates/sfu/tests/aiortc.rs.
"""

import asyncio
import json
import sys
import time
import urllib.error
import urllib.request

import aioice.ice

# aioice leaves 127.0.0.1 out of its host candidates, and the SFU listens on loopback only.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import (  # noqa: E402 (the patch above must come first)
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack  # noqa: E402

# No iceServers at all: an empty RTCConfiguration would make aiortc add a Google STUN server.
CONFIG = RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


class Failure(Exception):
    pass


class Api:
    """The Realtime API over plain urllib (aiortc brings no HTTP client)."""

    def __init__(self, base, secret):
        self.base = base.rstrip("/")
        self.secret = secret

    def _call(self, method, path, body):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.base}/{path}", data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.secret}")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    async def call(self, method, path, body=None, expect=200):
        status, value = await asyncio.to_thread(self._call, method, path, body)
        if status != expect or (isinstance(value, dict) and value.get("errorCode")):
            raise Failure(f"{method} {path}: HTTP {status} {value}")
        return value


def candidates_per_section(sdp):
    """(port, a=candidate count, has a=end-of-candidates) for each m-section."""
    sections = []
    for line in sdp.splitlines():
        if line.startswith("m="):
            sections.append([line.split()[1], 0, False])
        elif sections and line.startswith("a=candidate:"):
            sections[-1][1] += 1
        elif sections and line == "a=end-of-candidates":
            sections[-1][2] = True
    return sections


def check_candidates(sdp, what):
    # aiortc with max-bundle uses the candidates of the *last* bundled section.
    for port, count, end in candidates_per_section(sdp):
        if port != "0" and (count == 0 or not end):
            raise Failure(f"{what}: a bundled m-section without candidates:\n{sdp}")
        if port == "0" and count:
            raise Failure(f"{what}: a candidate in a rejected m-section:\n{sdp}")


async def connected(pc, what, timeout=10.0):
    start = time.monotonic()
    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed") or time.monotonic() - start > timeout:
            raise Failure(f"{what}: connection {pc.connectionState}, ICE {pc.iceConnectionState}")
        await asyncio.sleep(0.01)
    return round(time.monotonic() - start, 3)


class Counter:
    """Counts decoded frames of a received track in the background."""

    def __init__(self, track):
        self.frames = 0
        self.size = None
        self.first_at = None
        self.task = asyncio.ensure_future(self._run(track))

    async def _run(self, track):
        try:
            while True:
                frame = await track.recv()
                self.frames += 1
                self.first_at = self.first_at or time.monotonic()
                if hasattr(frame, "width"):
                    self.size = (frame.width, frame.height)
        except MediaStreamError:
            pass


async def until(cond, what, timeout=10.0):
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            raise Failure(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
    return round(time.monotonic() - start, 3)


async def answer_sfu_offer(api, pc, sid, response):
    if response.get("requiresImmediateRenegotiation") is not True:
        raise Failure(f"expected an SFU offer: {response}")
    offer = response["sessionDescription"]
    if offer["type"] != "offer":
        raise Failure(f"expected an offer: {offer['type']}")
    check_candidates(offer["sdp"], "SFU offer")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    body = {"sessionDescription": {"type": "answer", "sdp": pc.localDescription.sdp}}
    await api.call("PUT", f"sessions/{sid}/renegotiate", body)


async def run(api):
    out = {}
    t0 = time.monotonic()

    # Push: the client offers audio + video, tracks/new answers (variant A).
    pub = RTCPeerConnection(CONFIG)
    pub.addTransceiver(AudioStreamTrack(), direction="sendonly")
    pub.addTransceiver(VideoStreamTrack(), direction="sendonly")
    await pub.setLocalDescription(await pub.createOffer())
    mids = [t.mid for t in pub.getTransceivers()]
    pub_sid = (await api.call("POST", "sessions/new", expect=201))["sessionId"]
    body = {
        "sessionDescription": {"type": "offer", "sdp": pub.localDescription.sdp},
        "tracks": [
            {"location": "local", "mid": mids[0], "trackName": "mic"},
            {"location": "local", "mid": mids[1], "trackName": "cam"},
        ],
    }
    r = await api.call("POST", f"sessions/{pub_sid}/tracks/new", body)
    answer = r["sessionDescription"]
    out["push_answer_candidates"] = candidates_per_section(answer["sdp"])
    await pub.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    out["push_connected_s"] = await connected(pub, "publisher")

    # Pull with an SFU offer (variant C) on a fresh session.
    sub = RTCPeerConnection(CONFIG)
    counters = {}

    @sub.on("track")
    def on_track(track):
        mid = next(t.mid for t in sub.getTransceivers() if t.receiver.track is track)
        counters[mid] = Counter(track)

    sub_sid = (await api.call("POST", "sessions/new", expect=201))["sessionId"]
    body = {"tracks": [{"location": "remote", "sessionId": pub_sid, "trackName": "cam"}]}
    r = await api.call("POST", f"sessions/{sub_sid}/tracks/new", body)
    video_mid = r["tracks"][0]["mid"]
    pulled = time.monotonic()
    await answer_sfu_offer(api, sub, sub_sid, r)
    out["pull_connected_s"] = await connected(sub, "subscriber")
    await until(lambda: video_mid in counters and counters[video_mid].frames >= 30, "30 decoded video frames")
    video = counters[video_mid]
    out["pull_first_frame_s"] = round(video.first_at - pulled, 3)
    out["video_size"] = video.size
    if video.size != (640, 480):
        raise Failure(f"decoded video is {video.size}, not 640x480")

    # Renegotiate: pull the microphone too; the SFU offers again with both sections.
    body = {"tracks": [{"location": "remote", "sessionId": pub_sid, "trackName": "mic"}]}
    r = await api.call("POST", f"sessions/{sub_sid}/tracks/new", body)
    audio_mid = r["tracks"][0]["mid"]
    await answer_sfu_offer(api, sub, sub_sid, r)
    out["renegotiated_audio_s"] = await until(
        lambda: audio_mid in counters and counters[audio_mid].frames >= 25, "25 decoded audio frames"
    )

    # Forced close of the video: it stops, the audio keeps flowing.
    body = {"tracks": [{"mid": video_mid}], "force": True}
    r = await api.call("PUT", f"sessions/{sub_sid}/tracks/close", body)
    if any(t.get("errorCode") for t in r.get("tracks", [])) or r.get("sessionDescription"):
        raise Failure(f"forced close: {r}")
    await asyncio.sleep(0.5)
    video_before, audio_before = video.frames, counters[audio_mid].frames
    await asyncio.sleep(1.0)
    out["video_frames_after_close"] = video.frames - video_before
    if video.frames != video_before:
        raise Failure(f"{video.frames - video_before} video frames after the forced close")
    if counters[audio_mid].frames <= audio_before:
        raise Failure("audio stopped with the video")
    state = await api.call("GET", f"sessions/{sub_sid}")
    status = {t["mid"]: t["status"] for t in state["tracks"]}
    if status.get(video_mid) != "inactive" or status.get(audio_mid) != "active":
        raise Failure(f"session state after close: {state}")

    out["video_frames"] = video.frames
    out["audio_frames"] = counters[audio_mid].frames
    out["total_s"] = round(time.monotonic() - t0, 3)
    for pc in (sub, pub):
        await pc.close()
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        out = asyncio.run(asyncio.wait_for(run(Api(sys.argv[1], sys.argv[2])), 60))
    except (Failure, asyncio.TimeoutError) as e:
        print(f"FAIL: {e!r}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
