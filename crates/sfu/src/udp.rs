//! The media socket's batched IO, through `quinn-udp`: datagrams are received many per
//! system call (`recvmmsg`, and GRO where the kernel merges a flow's datagrams), and a
//! session's run of equal-sized datagrams to one peer (a video frame's packets) leaves in
//! one `sendmsg` with UDP GSO, which the kernel splits late. Sends happen on whichever
//! thread polled the session.

use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::sync::Arc;

use quinn_udp::{RecvMeta, Transmit as Datagrams, UdpSockRef, UdpSocketState, BATCH_SIZE};
use str0m::net::Transmit;
use tokio::io::Interest;
use tokio::net::UdpSocket;

use crate::polling::TransmitSink;

/// A GSO send stays under this many bytes (the IP datagram limit, less headers).
const GSO_MAX_BYTES: usize = 64_000;
/// Attempts at a send the kernel refuses for a full buffer before the datagram is dropped.
const SEND_TRIES: usize = 3;

/// The bound media socket and what `quinn-udp` learnt of the kernel's offloads.
pub(crate) struct MediaSocket {
    socket: UdpSocket,
    state: UdpSocketState,
}

impl MediaSocket {
    /// Wraps a bound, non-blocking socket (inside the runtime that will poll it).
    pub(crate) fn new(socket: std::net::UdpSocket) -> io::Result<Self> {
        let state = UdpSocketState::new(UdpSockRef::from(&socket))?;
        Ok(Self { socket: UdpSocket::from_std(socket)?, state })
    }

    /// Waits for datagrams and reads a batch into `buffers`; returns how many buffers filled.
    pub(crate) async fn recv(&self, buffers: &mut Buffers) -> io::Result<usize> {
        loop {
            self.socket.readable().await?;
            let mut slices: Vec<IoSliceMut<'_>> = buffers.data.chunks_mut(buffers.size).map(IoSliceMut::new).collect();
            let read =
                self.socket.try_io(Interest::READABLE, || self.state.recv(UdpSockRef::from(&self.socket), &mut slices, &mut buffers.meta));
            match read {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                other => return other,
            }
        }
    }

    /// A sink for the engine that writes each session's datagrams here, coalesced.
    pub(crate) fn sink(self: &Arc<Self>) -> TransmitSink {
        let me = Arc::clone(self);
        Arc::new(move |transmits: &[Transmit]| me.send(transmits))
    }

    /// Sends `transmits` in order, runs of equal size to one destination as one GSO send;
    /// returns how many datagrams went out.
    fn send(&self, transmits: &[Transmit]) -> usize {
        let max_segments = self.state.max_gso_segments().max(1);
        let mut sent = 0;
        let mut rest = transmits;
        let mut scratch = Vec::new();
        while let Some(first) = rest.first() {
            let size = first.contents.len();
            let run = gso_run(rest, max_segments);
            let Some((group, tail)) = rest.split_at_checked(run) else { break };
            rest = tail;
            let contents: &[u8] = if run == 1 {
                &first.contents
            } else {
                scratch.clear();
                group.iter().for_each(|t| scratch.extend_from_slice(&t.contents));
                &scratch
            };
            if self.send_one(first.destination, contents, (run > 1).then_some(size)) {
                sent += run;
            }
        }
        sent
    }

    fn send_one(&self, destination: SocketAddr, contents: &[u8], segment_size: Option<usize>) -> bool {
        let datagrams = Datagrams { destination, ecn: None, contents, segment_size, src_ip: None };
        for _ in 0..SEND_TRIES {
            match self.state.send(UdpSockRef::from(&self.socket), &datagrams) {
                Ok(()) => return true,
                // The socket's buffer is full: the kernel drains it in microseconds.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::yield_now(),
                Err(e) => {
                    tracing::trace!(error = %e, dest = %destination, "udp send error");
                    return false;
                }
            }
        }
        tracing::trace!(dest = %destination, "send buffer full; datagrams dropped");
        false
    }
}

/// How many of `transmits`, from the first, can leave as one GSO send: same destination,
/// every segment the first one's size but the last, which may be shorter, at most
/// `max_segments` and [`GSO_MAX_BYTES`] in all.
fn gso_run(transmits: &[Transmit], max_segments: usize) -> usize {
    let Some(first) = transmits.first() else { return 0 };
    let size = first.contents.len();
    let mut run = 1;
    while run < max_segments && (run + 1) * size <= GSO_MAX_BYTES {
        match transmits.get(run) {
            Some(t) if t.destination == first.destination && t.contents.len() <= size => {
                run += 1;
                if t.contents.len() < size {
                    break;
                }
            }
            _ => break,
        }
    }
    run
}

/// Receive buffers for one batch, each large enough for a GRO-merged run.
pub(crate) struct Buffers {
    data: Vec<u8>,
    size: usize,
    meta: [RecvMeta; BATCH_SIZE],
}

impl Buffers {
    /// Buffers for `socket`'s batches.
    pub(crate) fn new(socket: &MediaSocket) -> Self {
        let size = 2048 * socket.state.gro_segments().max(1);
        Self { data: vec![0; size * BATCH_SIZE], size, meta: [RecvMeta::default(); BATCH_SIZE] }
    }

    /// The datagrams of the first `filled` buffers, split at GRO's strides, with their sources.
    pub(crate) fn datagrams(&self, filled: usize) -> impl Iterator<Item = (SocketAddr, &[u8])> {
        self.meta.iter().zip(self.data.chunks(self.size)).take(filled).flat_map(|(meta, buf)| {
            let data = buf.get(..meta.len).unwrap_or_default();
            data.chunks(meta.stride.max(1)).map(move |d| (meta.addr, d))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use str0m::net::Protocol;

    fn datagram(to: u16, len: usize) -> Transmit {
        let addr = |port| SocketAddr::from(([127, 0, 0, 1], port));
        Transmit { proto: Protocol::Udp, source: addr(1), destination: addr(to), contents: vec![0; len].into() }
    }

    fn runs(transmits: &[Transmit], max_segments: usize) -> Vec<usize> {
        let mut rest = transmits;
        let mut out = Vec::new();
        while !rest.is_empty() {
            let run = gso_run(rest, max_segments);
            out.push(run);
            rest = &rest[run..];
        }
        out
    }

    #[test]
    fn a_frame_to_one_peer_is_one_send() {
        let frame = [datagram(5, 1200), datagram(5, 1200), datagram(5, 1200), datagram(5, 700)];
        assert_eq!(runs(&frame, 64), vec![4]);
    }

    #[test]
    fn runs_break_at_a_new_peer_a_larger_datagram_and_after_a_shorter_one() {
        let mixed = [
            datagram(5, 1200),
            datagram(5, 1200),
            datagram(6, 1200), // another peer
            datagram(6, 300),  // shorter: ends the run
            datagram(6, 300),
            datagram(6, 900), // larger than the run's size
        ];
        assert_eq!(runs(&mixed, 64), vec![2, 2, 1, 1]);
    }

    #[test]
    fn runs_respect_the_kernel_limits() {
        let many: Vec<Transmit> = (0..10).map(|_| datagram(5, 1200)).collect();
        assert_eq!(runs(&many, 4), vec![4, 4, 2]);
        assert_eq!(runs(&many, 1), vec![1; 10]);
        let big: Vec<Transmit> = (0..60).map(|_| datagram(5, 1400)).collect();
        assert!(runs(&big, 64).iter().all(|r| r * 1400 <= GSO_MAX_BYTES));
    }
}
