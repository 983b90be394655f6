//! The threads beside the media thread that poll sessions (`media_threads − 1` of them).
//! A round's sessions are handed over by value into a lane per thread (a session keeps its
//! thread from round to round, and that thread's caches); each thread takes from its own
//! lane, then from the others, so a poller that is late to wake (or waiting for a core)
//! delays nothing — the media thread takes its share — and an idle poller sleeps on a
//! condition variable instead of spinning. (A rayon pool did the same with work stealing,
//! but its idle threads yield in a loop before they sleep: 23 000 `sched_yield` calls a
//! second at 512 streams.)

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::polling::{poll_one, Polled, TransmitSink, Turn};
use crate::session::{Session, SessionKey};

/// A session handed over for one poll, with what its turn needs.
pub(crate) struct Job {
    /// Its place in the round, so results can be put back in order.
    pub index: usize,
    /// The session.
    pub key: SessionKey,
    /// Its state, out of the engine's map until the round ends.
    pub session: Box<Session>,
    /// Its timer fell due, or frames were written to it.
    pub timed_out: bool,
}

/// A polled job: the session, to go back into the map, and what polling it produced.
pub(crate) struct Done {
    /// The job's place in the round.
    pub index: usize,
    /// The session.
    pub session: Box<Session>,
    /// What polling it produced.
    pub polled: Polled,
}

struct Round {
    now: Instant,
    destination: SocketAddr,
    sink: Option<TransmitSink>,
}

struct Queue {
    /// One lane per thread (the media thread's first): a session goes to the same thread
    /// every round, whose caches hold its state, unless another thread runs out of work.
    lanes: Vec<VecDeque<Job>>,
    round: Option<Arc<Round>>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    work: Condvar,
}

impl Queue {
    /// The next job for the thread of `lane`: its own, else the last of the longest lane.
    fn next(&mut self, lane: usize) -> Option<(Job, Arc<Round>)> {
        let round = self.round.clone()?;
        if let Some(job) = self.lanes.get_mut(lane).and_then(VecDeque::pop_front) {
            return Some((job, round));
        }
        let longest = self.lanes.iter_mut().max_by_key(|l| l.len())?;
        longest.pop_back().map(|job| (job, round))
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // A poller never panics while holding the lock (polling runs outside it).
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The media thread's next job and its round, if any is queued.
    fn take(&self) -> Option<(Job, Arc<Round>)> {
        let mut q = self.lock();
        q.next(0)
    }
}

/// The poller threads and the channel their results come back on.
pub(crate) struct Pollers {
    shared: Arc<Shared>,
    done: mpsc::Receiver<Done>,
    threads: Vec<JoinHandle<()>>,
}

impl Pollers {
    /// `count` poller threads (`sfu-poll-N`); `None` for none, or when none could start.
    pub(crate) fn start(count: usize) -> Option<Pollers> {
        if count == 0 {
            return None;
        }
        let shared = Arc::new(Shared { queue: Mutex::new(Queue { lanes: Vec::new(), round: None, closed: false }), work: Condvar::new() });
        let (tx, done) = mpsc::channel();
        let mut threads = Vec::new();
        for i in 1..=count {
            let (shared, tx) = (Arc::clone(&shared), tx.clone());
            match std::thread::Builder::new().name(format!("sfu-poll-{i}")).spawn(move || work(&shared, &tx, i)) {
                Ok(t) => threads.push(t),
                Err(e) => tracing::warn!(error = %e, "a media poller thread did not start"),
            }
        }
        shared.lock().lanes.resize_with(threads.len() + 1, VecDeque::new);
        let pollers = Pollers { shared, done, threads };
        (!pollers.threads.is_empty()).then_some(pollers)
    }

    /// Polls `jobs` on the pollers and this thread; `local` runs on this thread first (the
    /// sessions that cannot be handed over). Returns what `local` returned, or its panic,
    /// and every job's result in `index` order: a panic in `local` still waits for every
    /// session to come back, so none is lost.
    pub(crate) fn poll<R>(
        &self,
        jobs: Vec<Job>,
        now: Instant,
        destination: SocketAddr,
        sink: Option<&TransmitSink>,
        local: impl FnOnce() -> R,
    ) -> (std::thread::Result<R>, Vec<Done>) {
        let count = jobs.len();
        let round = Arc::new(Round { now, destination, sink: sink.cloned() });
        {
            let mut q = self.shared.lock();
            let lanes = q.lanes.len().max(1) as u64;
            for job in jobs {
                let lane = (job.key % lanes) as usize;
                if let Some(l) = q.lanes.get_mut(lane) {
                    l.push_back(job);
                }
            }
            q.round = Some(round);
        }
        self.shared.work.notify_all();
        let mine = catch_unwind(AssertUnwindSafe(local));
        let mut done = Vec::with_capacity(count);
        while let Some((job, round)) = self.shared.take() {
            done.push(run(job, &round));
        }
        // The rest are being polled on the pollers right now.
        while done.len() < count {
            match self.done.recv() {
                Ok(d) => done.push(d),
                // Every poller is gone; nothing more can come.
                Err(_) => break,
            }
        }
        self.shared.lock().round = None;
        done.sort_unstable_by_key(|d| d.index);
        (mine, done)
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.work.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A poller: takes jobs until the pollers close.
fn work(shared: &Shared, done: &mpsc::Sender<Done>, lane: usize) {
    loop {
        let next = {
            let mut q = shared.lock();
            loop {
                if q.closed {
                    return;
                }
                if let Some(next) = q.next(lane) {
                    break next;
                }
                q = shared.work.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
        };
        if done.send(run(next.0, &next.1)).is_err() {
            return;
        }
    }
}

/// Polls one job. A panic in our own polling code costs the session its connection (as a
/// panic in str0m does), not the round: the session still comes back.
fn run(job: Job, round: &Round) -> Done {
    let Job { index, key, mut session, timed_out } = job;
    let polled = catch_unwind(AssertUnwindSafe(|| {
        let turn = Turn { key, session: &mut session, timed_out, received: Vec::new() };
        poll_one(turn, round.now, round.destination, round.sink.as_ref())
    }));
    let polled = polled.unwrap_or_else(|_| {
        tracing::error!(parent: &session.span, "polling panicked; disconnecting");
        session.rtc.disconnect();
        Polled::nothing(key)
    });
    Done { index, session, polled }
}

#[cfg(test)]
mod tests {
    use str0m::Rtc;

    use super::*;

    fn jobs(now: Instant) -> Vec<Job> {
        (0..16)
            .map(|i| Job {
                index: i,
                key: i as SessionKey + 1,
                session: Box::new(Session::new(format!("s{i}"), Rtc::new(now), now)),
                timed_out: true,
            })
            .collect()
    }

    #[test]
    fn a_round_comes_back_whole_and_in_order() {
        let now = Instant::now();
        let destination: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let pollers = Pollers::start(1).expect("a poller");
        for round in 0..3 {
            let jobs = jobs(now);
            let (local, done) = pollers.poll(jobs, now, destination, None, || round * 2);
            assert_eq!(local.ok(), Some(round * 2), "round {round}: the media thread's own turns ran");
            assert_eq!(done.iter().map(|d| d.index).collect::<Vec<_>>(), (0..16).collect::<Vec<_>>());
            assert!(done.iter().all(|d| d.polled.key == d.index as SessionKey + 1 && d.session.id == format!("s{}", d.index)));
            assert!(done.iter().all(|d| d.session.next_timeout > now), "every session was polled to its next timeout");
        }
    }

    #[test]
    fn a_panic_on_the_media_thread_still_gets_every_session_back() {
        let now = Instant::now();
        let destination: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        let pollers = Pollers::start(1).expect("a poller");
        let (local, done) = pollers.poll(jobs(now), now, destination, None, || panic!("a bug in local polling"));
        assert!(local.is_err(), "the panic is handed back");
        assert_eq!(done.len(), 16, "every handed-over session came back");
        let (local, done) = pollers.poll(jobs(now), now, destination, None, || ());
        assert!(local.is_ok() && done.len() == 16, "the next round is whole");
    }

    #[test]
    fn a_large_round_through_the_engine_puts_every_session_back() {
        let now = Instant::now();
        let mut config = crate::SfuConfig::new("app", "secret", "127.0.0.1:9".parse().expect("addr"));
        config.media_threads = 2;
        let mut sfu = crate::Sfu::new(config, now);
        let keys: Vec<SessionKey> = (0..40).map(|_| sfu.create_session(now).expect("session")).collect();
        // Every new session's timer is due at once: one round of 40, handed to the poller.
        sfu.handle_timeout(now);
        assert!(keys.iter().all(|k| sfu.sessions.get(k).is_some_and(|s| s.next_timeout > now)), "each polled and back");
        assert_eq!(sfu.sessions.len(), 40);
    }

    #[test]
    fn no_pollers_for_one_media_thread() {
        assert!(Pollers::start(0).is_none());
    }
}
