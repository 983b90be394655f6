//! The bench's peers: str0m publishers sending what a camera sends, probe subscribers that
//! decode everything and time it, and counting subscribers that only count.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use str0m::format::Codec;
use str0m::media::{Frequency, MediaTime, Mid, Rid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

/// Simulcast layers a publisher sends: RID and bytes per frame at 30 fps (about 1.2 Mbit/s,
/// 300 kbit/s and 100 kbit/s, as a browser's 720p camera with three layers).
pub const LAYERS: [(&str, usize); 3] = [("h", 5_000), ("m", 1_250), ("l", 420)];
/// Opus at 50 packets/s, about 32 kbit/s.
const AUDIO_BYTES: usize = 80;
/// A keyframe every this many frames, besides the SFU's requests.
const KEYFRAME_EVERY: u64 = 90;
/// 30 frames a second.
const VIDEO_INTERVAL: Duration = Duration::from_micros(33_333);
/// Opus's 20 ms packets.
const AUDIO_INTERVAL: Duration = Duration::from_millis(20);

/// One UDP socket on 127.0.0.1 with a full-ICE str0m `Rtc` behind it.
pub struct Peer {
    /// The peer connection.
    pub rtc: Rtc,
    socket: UdpSocket,
    addr: SocketAddr,
    /// When str0m wants time to pass next; until then, and without input, it is left alone.
    next_timeout: Instant,
    /// Input went in since the last drain.
    fed: bool,
    /// Drained only when input went in or a timeout is due (the counters, which feed
    /// str0m nothing but STUN and DTLS); the others are drained on every pump.
    lazy: bool,
}

impl Peer {
    /// A peer on a fresh loopback port.
    pub fn new() -> Peer {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        // Room for bursts while the harness thread is busy elsewhere.
        let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(4 << 20);
        let addr = socket.local_addr().expect("addr");
        let mut rtc = Rtc::builder().set_stats_interval(None).build(Instant::now());
        rtc.add_local_candidate(Candidate::host(addr, "udp").expect("candidate"));
        Peer { rtc, socket, addr, next_timeout: Instant::now(), fed: true, lazy: false }
    }

    fn feed(&mut self, source: SocketAddr, data: &[u8]) {
        let Ok(contents) = data.try_into() else { return };
        let input = Input::Receive(Instant::now(), Receive { proto: Protocol::Udp, source, destination: self.addr, contents });
        let _ = self.rtc.handle_input(input);
        self.fed = true;
    }

    /// Media was written: str0m has packets to send.
    fn wrote(&mut self) {
        self.fed = true;
    }

    /// Advances str0m's clock and sends what it wants sent; events go to `on_event`. Does
    /// nothing before str0m's next timeout unless input went in: the harness must stay
    /// cheap, as it shares the machine with the SFU it measures.
    fn drain(&mut self, mut on_event: impl FnMut(Event)) {
        let now = Instant::now();
        if !std::mem::take(&mut self.fed) && self.lazy && now < self.next_timeout {
            return;
        }
        let _ = self.rtc.handle_input(Input::Timeout(now));
        while let Ok(out) = self.rtc.poll_output() {
            match out {
                Output::Timeout(t) => {
                    self.next_timeout = t;
                    break;
                }
                Output::Transmit(t) => {
                    let _ = self.socket.send_to(&t.contents, t.destination);
                }
                Output::Event(e) => on_event(e),
            }
        }
    }
}

/// A publisher: audio and simulcast video, with a timestamp (µs since the bench's epoch) in
/// bytes 8..16 of every frame.
pub struct Publisher {
    /// Its connection.
    pub peer: Peer,
    /// Audio and video mids, once negotiated.
    pub mids: Option<(Mid, Mid)>,
    /// Video goes out in `LAYERS` (else the top layer alone, without a RID).
    pub simulcast: bool,
    next_video: Instant,
    next_audio: Instant,
    frames: u64,
    force_key: bool,
    /// Frames a subscriber gets (audio, and the top video layer) stamped in `window`.
    pub sent_in_window: u64,
    /// The measured span, µs since the epoch; frames stamped in it are counted both ends.
    pub window: Option<(u64, u64)>,
    /// How late each video frame in `window` was written, µs after it was due: the
    /// harness's own scheduling, which would bunch frames that cameras send apart.
    pub lateness: Vec<u32>,
}

impl Publisher {
    /// A publisher that sends nothing until it has mids and a connection. `phase` (0..1)
    /// places its frames within the frame interval: cameras are not in step with each
    /// other, and publishers sending in the same instant would measure the SFU's burst
    /// queue rather than what it adds to a packet.
    pub fn new(epoch: Instant, phase: f64) -> Publisher {
        let video = epoch + VIDEO_INTERVAL.mul_f64(phase);
        let audio = epoch + AUDIO_INTERVAL.mul_f64(phase);
        Publisher {
            peer: Peer::new(),
            mids: None,
            simulcast: true,
            next_video: video,
            next_audio: audio,
            frames: 0,
            force_key: false,
            sent_in_window: 0,
            window: None,
            lateness: Vec::new(),
        }
    }

    /// Receives, sends what is due, and answers keyframe requests.
    pub fn pump(&mut self, epoch: Instant) {
        let mut buf = [0u8; 2048];
        while let Ok((n, source)) = self.peer.socket.recv_from(&mut buf) {
            self.peer.feed(source, buf.get(..n).unwrap_or_default());
        }
        if self.peer.rtc.is_connected() && self.send(Instant::now(), epoch) {
            self.peer.wrote();
        }
        let mut key = false;
        self.peer.drain(|e| key |= matches!(e, Event::KeyframeRequest(_)));
        self.force_key |= key;
    }

    /// Writes what is due; whether anything was.
    fn send(&mut self, now: Instant, epoch: Instant) -> bool {
        let Some((audio, video)) = self.mids else { return false };
        let mut wrote = false;
        let micros = now.duration_since(epoch).as_micros() as u64;
        let stamp = micros.to_le_bytes();
        let counted = u64::from(self.window.is_some_and(|(from, to)| (from..to).contains(&micros)));
        if now >= self.next_audio {
            self.next_audio += AUDIO_INTERVAL;
            let mut data = vec![0xf8, 0xff, 0xfe, 0, 0, 0, 0, 0];
            data.extend_from_slice(&stamp);
            data.resize(AUDIO_BYTES, 0x42);
            let time = MediaTime::new(micros * 48 / 1000, Frequency::FORTY_EIGHT_KHZ);
            write(&mut self.peer.rtc, audio, None, Codec::Opus, now, time, data);
            self.sent_in_window += counted;
            wrote = true;
        }
        if now >= self.next_video {
            if counted == 1 {
                self.lateness.push(now.duration_since(self.next_video).as_micros() as u32);
            }
            self.next_video += VIDEO_INTERVAL;
            let key = self.force_key || self.frames.is_multiple_of(KEYFRAME_EVERY);
            let time = MediaTime::from_90khz(micros * 9 / 100);
            let layers = if self.simulcast { &LAYERS[..] } else { &LAYERS[..1] };
            for &(rid, size) in layers {
                // A VP8 frame header: a keyframe's start code, or an interframe's.
                let mut data =
                    if key { vec![0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02] } else { vec![0x51, 0x02, 0x00, 0, 0, 0, 0, 0] };
                data.extend_from_slice(&stamp);
                data.resize(size, 0x42);
                write(&mut self.peer.rtc, video, self.simulcast.then(|| Rid::from(rid)), Codec::Vp8, now, time, data);
            }
            self.frames += 1;
            self.sent_in_window += counted;
            self.force_key = false;
            wrote = true;
        }
        // A harness that fell behind (or a publisher that just connected) skips the frames it
        // missed rather than sending a burst, and keeps its phase: clamping to `now` would
        // put every publisher that waited in step, and the SFU would get all their frames
        // in the same instant, every frame interval.
        skip_missed(&mut self.next_audio, AUDIO_INTERVAL, now);
        skip_missed(&mut self.next_video, VIDEO_INTERVAL, now);
        wrote
    }
}

/// Moves `next` on by whole `interval`s until it is no more than one interval behind `now`.
fn skip_missed(next: &mut Instant, interval: Duration, now: Instant) {
    let behind = now.saturating_duration_since(*next);
    if behind > interval {
        let missed = (behind.as_nanos() / interval.as_nanos()) as u32;
        *next += interval * missed;
    }
}

fn write(rtc: &mut Rtc, mid: Mid, rid: Option<Rid>, codec: Codec, now: Instant, time: MediaTime, data: Vec<u8>) {
    let Some(w) = rtc.writer(mid) else { return };
    let w = match rid {
        Some(r) => w.rid(r),
        None => w,
    };
    let Some(pt) = w.payload_params().find(|p| p.spec().codec == codec).map(|p| p.pt()) else { return };
    let _ = w.write(pt, now, time, data);
}

/// A subscriber that decodes everything: end-to-end latency from each frame's timestamp.
pub struct Probe {
    /// Its connection.
    pub peer: Peer,
    /// Latency of each frame received while measuring, in µs.
    pub latencies: Vec<u32>,
    /// Frames received in all.
    pub frames: u64,
    /// Frames received that were stamped in `window`.
    pub received_in_window: u64,
    /// See [`Publisher::window`].
    pub window: Option<(u64, u64)>,
}

impl Probe {
    /// A probe with nothing received.
    pub fn new() -> Probe {
        Probe { peer: Peer::new(), latencies: Vec::new(), frames: 0, received_in_window: 0, window: None }
    }

    /// Receives and decodes; times frames when `measuring`.
    pub fn pump(&mut self, epoch: Instant, measuring: bool) {
        let mut buf = [0u8; 2048];
        while let Ok((n, source)) = self.peer.socket.recv_from(&mut buf) {
            self.peer.feed(source, buf.get(..n).unwrap_or_default());
        }
        let now = Instant::now();
        let (frames, latencies, in_window, window) = (&mut self.frames, &mut self.latencies, &mut self.received_in_window, self.window);
        self.peer.drain(|e| {
            let Event::MediaData(d) = e else { return };
            *frames += 1;
            let Some(stamp) = d.data.get(8..16).and_then(|b| <[u8; 8]>::try_from(b).ok()) else { return };
            let stamp_micros = u64::from_le_bytes(stamp);
            *in_window += u64::from(window.is_some_and(|(from, to)| (from..to).contains(&stamp_micros)));
            if measuring {
                let at = now.duration_since(epoch).as_micros() as u64;
                latencies.push(at.saturating_sub(u64::from_le_bytes(stamp)) as u32);
                if std::env::var_os("BENCH_DEBUG").is_some() && at.saturating_sub(stamp_micros) > 1000 {
                    eprintln!("slow {} us at {} ms, {} bytes", at - stamp_micros, at / 1000, d.data.len());
                }
            }
        });
    }
}

/// A subscriber that leaves SRTP undecrypted: str0m sees its STUN and DTLS only, and the
/// RTP headers (in the clear) are counted, with sequence gaps per SSRC as loss. Cheap
/// enough that the harness can take the SFU's whole output on the same two cores.
pub struct Counter {
    /// Its connection.
    pub peer: Peer,
    /// RTP datagrams received while measuring.
    pub received: u64,
    /// Sequence numbers skipped while measuring.
    pub missing: u64,
    last_seq: HashMap<u32, u16>,
}

impl Counter {
    /// A counter with nothing received.
    pub fn new() -> Counter {
        let mut peer = Peer::new();
        peer.lazy = true;
        Counter { peer, received: 0, missing: 0, last_seq: HashMap::new() }
    }

    /// How many RTP streams (SSRCs) have reached it.
    pub fn streams(&self) -> usize {
        self.last_seq.len()
    }

    /// Receives and counts.
    pub fn pump(&mut self, measuring: bool) {
        let mut buf = [0u8; 2048];
        while let Ok((n, source)) = self.peer.socket.recv_from(&mut buf) {
            let data = buf.get(..n).unwrap_or_default();
            match data {
                // RTP (RFC 5761: RTCP's packet types are 192..=223 in the second byte).
                [first, second, s0, s1, _, _, _, _, x0, x1, x2, x3, ..] if (128..192).contains(first) && !(192..224).contains(second) => {
                    let ssrc = u32::from_be_bytes([*x0, *x1, *x2, *x3]);
                    let seq = u16::from_be_bytes([*s0, *s1]);
                    let last = self.last_seq.insert(ssrc, seq);
                    if measuring {
                        self.received += 1;
                        let gap = last.map_or(0, |l| seq.wrapping_sub(l).wrapping_sub(1));
                        // Reordered or repeated packets show up as huge gaps; those are not loss.
                        if gap < 1_000 {
                            self.missing += u64::from(gap);
                        }
                    }
                }
                [first, ..] if (128..192).contains(first) => {}
                _ => self.peer.feed(source, data),
            }
        }
        self.peer.drain(|_| {});
    }
}
