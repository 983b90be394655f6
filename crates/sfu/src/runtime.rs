//! The thin tokio shell around [`Sfu`]: owns the UDP socket and the clock, runs API jobs.

use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::config::SfuConfig;
use crate::engine::Sfu;
use crate::error::{ApiError, SfuError};
use crate::stats::Stats;
use crate::udp::{Buffers, MediaSocket};

type Job = Box<dyn FnOnce(&mut Sfu, Instant) + Send>;

/// A cloneable handle to a running SFU. The media task stops when the last handle is dropped.
#[derive(Clone)]
pub struct SfuHandle {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: mpsc::UnboundedSender<Job>,
    config: SfuConfig,
}

impl std::fmt::Debug for SfuHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SfuHandle").field("media_addr", &self.inner.config.media_addr).finish()
    }
}

impl SfuHandle {
    /// The configuration, with `media_addr` holding the bound port.
    pub fn config(&self) -> &SfuConfig {
        &self.inner.config
    }

    /// The UDP address media flows through.
    pub fn media_addr(&self) -> SocketAddr {
        self.inner.config.media_addr
    }

    /// Runs `f` on the SFU state inside the media task and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Sfu, Instant) -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |sfu, now| {
            let _ = tx.send(f(sfu, now));
        });
        self.inner.jobs.send(job).map_err(|_| ApiError::unavailable())?;
        rx.await.map_err(|_| ApiError::internal("The SFU failed while handling the request"))
    }

    /// A snapshot of the counters.
    pub async fn stats(&self) -> Result<Stats, ApiError> {
        self.call(|sfu, _| sfu.stats()).await
    }
}

/// Binds the media socket on exactly `config.media_addr` (port 0: ephemeral) and starts the
/// media loop on a thread of its own (`sfu-media`, with `config.media_threads − 1` pollers
/// beside it), so the media path never waits for the HTTP side or blocks it.
pub async fn start(mut config: SfuConfig) -> Result<SfuHandle, SfuError> {
    if config.media_addr.ip().is_unspecified() {
        return Err(SfuError::Unspecified(config.media_addr));
    }
    let bind_error = |addr| move |source| SfuError::Bind { addr, source };
    let socket = std::net::UdpSocket::bind(config.media_addr).map_err(bind_error(config.media_addr))?;
    config.media_addr = socket.local_addr().map_err(bind_error(config.media_addr))?;
    socket.set_nonblocking(true).map_err(bind_error(config.media_addr))?;
    size_buffers(&socket);
    tracing::info!(media = %config.media_addr, app_id = %config.app_id, threads = config.media_threads, "SFU media socket bound");
    let (jobs, rx) = mpsc::unbounded_channel();
    let sfu = Sfu::new(config.clone(), Instant::now());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(SfuError::Thread)?;
    let addr = config.media_addr;
    std::thread::Builder::new()
        .name("sfu-media".into())
        .spawn(move || {
            runtime.block_on(async move {
                match MediaSocket::new(socket) {
                    Ok(socket) => run(sfu, Arc::new(socket), rx).await,
                    Err(e) => tracing::error!(error = %e, %addr, "the media socket cannot be polled; the SFU is not running"),
                }
            })
        })
        .map_err(SfuError::Thread)?;
    Ok(SfuHandle { inner: Arc::new(Inner { jobs, config }) })
}

/// Socket buffers for bursts: publishers' frames arrive as bursts of packets (a 720p
/// keyframe is dozens), often from many publishers in the same millisecond, and the
/// kernel's default (about 200 KiB) drops them while the media loop is busy; a lost packet
/// costs a retransmission and holds the frame back. The kernel caps the sizes at
/// `net.core.rmem_max` / `wmem_max`.
fn size_buffers(socket: &std::net::UdpSocket) {
    const BUFFER: usize = 4 << 20;
    let sock = socket2::SockRef::from(socket);
    if let Err(e) = sock.set_recv_buffer_size(BUFFER).and_then(|()| sock.set_send_buffer_size(BUFFER)) {
        tracing::debug!(error = %e, "socket buffers left at the kernel's default");
    }
    tracing::debug!(recv = ?sock.recv_buffer_size().ok(), send = ?sock.send_buffer_size().ok(), "media socket buffers");
}

async fn run(mut sfu: Sfu, socket: Arc<MediaSocket>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    // str0m knows the announced address: datagrams are delivered as sent there.
    let local = sfu.config().announced();
    let log_every = sfu.config().stats_log_interval;
    let mut next_log = log_every.map(|d| Instant::now() + d);
    let mut last_logged = Stats::default();
    let mut buffers = Buffers::new(&socket);
    sfu.set_transmit_sink(socket.sink());
    loop {
        let deadline = sfu.poll_timeout().max(Instant::now());
        tokio::select! {
            job = jobs.recv() => match job {
                Some(job) => {
                    let now = Instant::now();
                    if catch_unwind(AssertUnwindSafe(|| job(&mut sfu, now))).is_err() {
                        tracing::error!("an API operation panicked; the request got 500");
                    }
                }
                None => break,
            },
            received = socket.recv(&mut buffers) => match received {
                Ok(filled) => {
                    let datagrams = buffers.datagrams(filled);
                    guarded(&mut sfu, "receive", |sfu| sfu.handle_receive_batch(Instant::now(), local, datagrams));
                }
                // ICMP errors from peers that went away surface here; they are not fatal.
                Err(e) => tracing::trace!(error = %e, "udp receive error"),
            },
            _ = tokio::time::sleep_until(deadline.into()) => guarded(&mut sfu, "timeout", |sfu| sfu.handle_timeout(Instant::now())),
        }
        let now = Instant::now();
        if sfu.poll_timeout() <= now {
            guarded(&mut sfu, "timeout", |sfu| sfu.handle_timeout(now));
        }
        if let (Some(at), Some(every)) = (next_log, log_every) {
            if now >= at {
                next_log = Some(now + every.max(Duration::from_millis(100)));
                let s = sfu.stats();
                if s != last_logged {
                    tracing::info!(
                        sessions = s.sessions,
                        published = s.published_tracks,
                        subscribed = s.subscribed_tracks,
                        media_in = s.media_in,
                        forwarded = s.media_forwarded,
                        bytes_forwarded = s.bytes_forwarded,
                        channel_messages = s.channel_messages,
                        "sfu stats"
                    );
                    last_logged = s;
                }
            }
        }
    }
    tracing::info!("SFU media task stopped");
}

/// Runs one step of the media path; a panic in it (a bug in forwarding, in a keyframe
/// request, in a DataChannel write) costs that step, not the SFU: the loop carries on with
/// every session polled afresh, and the panic is counted in the stats.
fn guarded(sfu: &mut Sfu, step: &'static str, f: impl FnOnce(&mut Sfu)) {
    if catch_unwind(AssertUnwindSafe(|| f(sfu))).is_ok() {
        return;
    }
    tracing::error!(step, "the media path panicked; carrying on with every session polled afresh");
    if catch_unwind(AssertUnwindSafe(|| sfu.recover(Instant::now()))).is_err() {
        tracing::error!("recovering from a panic panicked too; the next step tries again");
    }
}
