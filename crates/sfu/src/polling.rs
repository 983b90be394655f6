//! Polling sessions: each session's `Rtc` is drained of its datagrams, events and next
//! timeout on its own, so a batch of sessions can be polled on several threads at once.
//! This is where the SFU spends most of its time (payloading, SRTP, the send queues), and
//! it touches nothing but the session polled; what crosses sessions (events) is handed
//! back and dispatched on one thread, in order, by the engine. Feeding an input to a
//! session (`feed`) lives here too; the threads are in `pollers`.

use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::net::{Protocol, Receive, Transmit};
use str0m::{Event, Input, Output, Rtc, RtcError};

use crate::session::{Session, SessionKey};

/// Where datagrams go as they are polled: set by the runtime to write them to its socket
/// from whichever thread polled them; without one they queue for [`crate::Sfu::poll_transmit`].
/// Gets one session's datagrams of one poll, in order; returns how many it sent.
pub type TransmitSink = Arc<dyn Fn(&[Transmit]) -> usize + Send + Sync>;

/// A session whose `Rtc` is not alive is looked at again this much later.
const DEAD_RECHECK: Duration = Duration::from_millis(250);

/// What polling one session produced.
pub(crate) struct Polled {
    /// The session.
    pub key: SessionKey,
    /// Its next timeout, when that changed (the timer heap needs an entry).
    pub new_timeout: Option<Instant>,
    /// Datagrams not taken by a sink.
    pub transmits: Vec<Transmit>,
    /// Datagrams a sink sent.
    pub sent: usize,
    /// Its events, in order.
    pub events: Vec<Event>,
    /// The peer's new address, when media started following it (see `path`).
    pub moved_to: Option<std::net::SocketAddr>,
}

impl Polled {
    /// A poll that produced nothing (the session was not polled).
    pub(crate) fn nothing(key: SessionKey) -> Polled {
        Polled { key, new_timeout: None, transmits: Vec::new(), sent: 0, events: Vec::new(), moved_to: None }
    }
}

/// A received datagram: where from, and its bytes.
pub(crate) type Datagram<'d> = (SocketAddr, &'d [u8]);
/// Datagrams routed to each session, in the order they came.
pub(crate) type Received<'d> = Vec<(SessionKey, Vec<Datagram<'d>>)>;

/// One session's turn in a round, with what to feed it before it is polled.
pub(crate) struct Turn<'s, 'd> {
    /// The session.
    pub key: SessionKey,
    /// Its state.
    pub session: &'s mut Session,
    /// Its timer fell due, or frames were written to it.
    pub timed_out: bool,
    /// Datagrams routed to it, in the order they came.
    pub received: Vec<Datagram<'d>>,
}

/// Feeds a session its turn's datagrams (addressed to `destination`) and due timeout, then
/// drains its `Rtc` until it wants a timeout.
pub(crate) fn poll_one(turn: Turn<'_, '_>, now: Instant, destination: SocketAddr, sink: Option<&TransmitSink>) -> Polled {
    let Turn { key, session, timed_out, received } = turn;
    for (source, data) in received {
        // Routing parsed it already; this cannot fail.
        if let Ok(contents) = data.try_into() {
            feed(session, Input::Receive(now, Receive { proto: Protocol::Udp, source, destination, contents }));
        }
    }
    if timed_out {
        feed(session, Input::Timeout(now));
    }
    let mut polled = Polled::nothing(key);
    loop {
        if !session.rtc.is_alive() {
            session.next_timeout = now + DEAD_RECHECK;
            polled.new_timeout = Some(session.next_timeout);
            break;
        }
        match guarded(session, "poll", Rtc::poll_output) {
            Some(Output::Timeout(t)) => {
                if t != session.next_timeout {
                    session.next_timeout = t;
                    polled.new_timeout = Some(t);
                }
                break;
            }
            Some(Output::Transmit(mut t)) => {
                let was = session.path.moved_to();
                t.destination = session.path.route(t.destination, crate::path::is_check_answer(&t.contents), now);
                if let Some(to) = session.path.moved_to().filter(|to| Some(*to) != was) {
                    tracing::info!(parent: &session.span, %to, "the peer's address changed; media follows it");
                    polled.moved_to = Some(to);
                }
                polled.transmits.push(t);
            }
            Some(Output::Event(e)) => polled.events.push(e),
            // Disconnected: the next turn of the loop sees it.
            None => {}
        }
    }
    if let Some(sink) = sink.filter(|_| !polled.transmits.is_empty()) {
        polled.sent = sink(&polled.transmits);
        polled.transmits.clear();
    }
    polled
}

/// Feeds one input to a session's `Rtc`, disconnecting it on error or panic.
pub(crate) fn feed(session: &mut Session, input: Input) {
    if session.rtc.is_alive() {
        guarded(session, "input", |rtc| rtc.handle_input(input));
    }
}

/// Calls into a session's `Rtc`; an error (bad input, a failed transport) or a panic in
/// str0m disconnects the session, which housekeeping then collects, and gives `None`.
fn guarded<T>(session: &mut Session, call: &'static str, f: impl FnOnce(&mut Rtc) -> Result<T, RtcError>) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(|| f(&mut session.rtc))) {
        Ok(Ok(value)) => Some(value),
        Ok(Err(e)) => {
            tracing::info!(parent: &session.span, call, error = %e, "str0m refused; disconnecting");
            session.rtc.disconnect();
            None
        }
        Err(_) => {
            tracing::error!(parent: &session.span, call, "str0m panicked; disconnecting");
            session.rtc.disconnect();
            None
        }
    }
}
