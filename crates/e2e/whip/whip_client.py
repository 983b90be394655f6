#!/usr/bin/env python3
"""A WHIP publisher (RFC 9725) on aiortc, standing in for OBS: a moving test pattern and a
440 Hz tone.

Usage: whip_client.py URL KEY SECONDS

POSTs its offer to URL with `Authorization: Bearer KEY`, applies the answer, streams for
SECONDS (or until SIGTERM), then DELETEs the resource. Prints `created MS` after the 201
(milliseconds since start), `connected MS` once ICE and DTLS are up, `deleted STATUS` at the
end; on failure prints `FAIL: ...` to stderr and exits 1. Run by crates/e2e/tests/whip.rs.
"""

import array
import asyncio
import math
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import aioice.ice

# aioice leaves 127.0.0.1 out of its host candidates, and the test server is on loopback.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack  # noqa: E402

CONFIG = RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
START = time.monotonic()


def ms():
    return int((time.monotonic() - START) * 1000)


class Pattern(VideoStreamTrack):
    """A bright bar sweeping across a dark frame, so every frame differs."""

    def __init__(self):
        super().__init__()
        self.n = 0

    async def recv(self):
        frame = await super().recv()
        luma = frame.planes[0]
        width = luma.line_size
        rows = luma.buffer_size // width
        x = (self.n * 8) % max(1, frame.width - 40)
        row = bytes([16] * x + [235] * 40 + [16] * (width - x - 40))
        luma.update(row * rows)
        for chroma in frame.planes[1:]:
            chroma.update(bytes([128]) * chroma.buffer_size)
        self.n += 1
        return frame


class Tone(AudioStreamTrack):
    """A 440 Hz sine at a quarter of full scale."""

    def __init__(self):
        super().__init__()
        self.t = 0

    async def recv(self):
        frame = await super().recv()
        rate = frame.sample_rate
        samples = array.array(
            "h", (int(8000 * math.sin(2 * math.pi * 440 * (self.t + i) / rate)) for i in range(frame.samples))
        )
        self.t += frame.samples
        frame.planes[0].update(samples.tobytes())
        return frame


def http(method, url, key, body=None, content_type=None):
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


async def main(url, key, seconds):
    pc = RTCPeerConnection(CONFIG)
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    def on_state():
        if pc.connectionState == "connected":
            print(f"connected {ms()}", flush=True)
            connected.set()

    pc.addTransceiver(Tone(), direction="sendonly")
    pc.addTransceiver(Pattern(), direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    status, headers, body = await asyncio.to_thread(
        http, "POST", url, key, pc.localDescription.sdp.encode(), "application/sdp"
    )
    if status != 201:
        raise RuntimeError(f"POST answered {status}: {body[:300]!r}")
    location = urllib.parse.urljoin(url, headers.get("Location") or headers.get("location") or "")
    print(f"created {ms()}", flush=True)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body.decode(), type="answer"))
    await asyncio.wait_for(connected.wait(), 15)

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        pass
    status, _, _ = await asyncio.to_thread(http, "DELETE", location, key)
    print(f"deleted {status}", flush=True)
    await pc.close()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
    except Exception as e:  # one line for the test's failure message
        print(f"FAIL: {e!r}", file=sys.stderr)
        sys.exit(1)
