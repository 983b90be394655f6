//! A bad network for media, in userspace (this kernel has no netem): a UDP relay at the
//! address the SFU announces (`satsuma serve --media-announce`), forwarding to where the SFU
//! is bound. Each client address gets its own upstream socket, as behind a NAT. It can lose
//! a share of the datagrams, delay them by a random jitter, drop everything (a blackout) and
//! give every client a new upstream port (a NAT rebinding: the client's address changes
//! under it, as the SFU sees it).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// What the relay does to datagrams now.
#[derive(Debug, Default)]
struct Conditions {
    /// Datagrams lost, per thousand.
    loss_per_mille: AtomicU32,
    /// Each datagram waits a random 0..=jitter ms.
    jitter_ms: AtomicU32,
    /// Everything is lost.
    blackout: AtomicBool,
    /// Bumped by a rebinding: mappings of an older one are replaced.
    generation: AtomicU32,
    /// xorshift state: losses and delays need no cryptography.
    rng: AtomicU64,
}

impl Conditions {
    fn random(&self) -> u64 {
        let mut x = self.rng.load(Ordering::Relaxed) | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.store(x, Ordering::Relaxed);
        x
    }

    fn dropped(&self) -> bool {
        self.blackout.load(Ordering::Relaxed) || self.random() % 1000 < u64::from(self.loss_per_mille.load(Ordering::Relaxed))
    }

    fn delay(&self) -> Option<Duration> {
        let jitter = u64::from(self.jitter_ms.load(Ordering::Relaxed));
        (jitter > 0).then(|| Duration::from_millis(self.random() % (jitter + 1)))
    }
}

/// One client's way up: its socket toward the SFU, and the task bringing answers back.
struct Mapping {
    upstream: Arc<UdpSocket>,
    generation: u32,
    reader: JoinHandle<()>,
}

/// The relay; dropping it stops it.
pub struct MediaRelay {
    /// Where clients send media: give it to `satsuma serve --media-announce`.
    pub addr: SocketAddr,
    conditions: Arc<Conditions>,
    task: JoinHandle<()>,
    mappings: Arc<Mutex<HashMap<SocketAddr, Mapping>>>,
}

/// Sends `data` from `socket` to `to`, after the jitter if there is one.
fn send_later(socket: Arc<UdpSocket>, to: SocketAddr, data: Vec<u8>, delay: Option<Duration>) {
    match delay {
        None => {
            let _ = socket.try_send_to(&data, to);
        }
        Some(delay) => {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = socket.send_to(&data, to).await;
            });
        }
    }
}

impl MediaRelay {
    /// A relay on a free loopback port toward the SFU bound at `upstream`.
    pub async fn start(upstream: SocketAddr) -> anyhow::Result<Self> {
        let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
        let addr = front.local_addr()?;
        let conditions = Arc::new(Conditions { rng: AtomicU64::new(0x9E37_79B9_7F4A_7C15), ..Conditions::default() });
        let mappings: Arc<Mutex<HashMap<SocketAddr, Mapping>>> = Arc::default();
        let (c, m) = (conditions.clone(), mappings.clone());
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            while let Ok((n, client)) = front.recv_from(&mut buf).await {
                if c.dropped() {
                    continue;
                }
                let data = buf.get(..n).unwrap_or_default().to_vec();
                let Ok(upstream_socket) = Self::mapping(&m, &front, &c, client).await else { continue };
                send_later(upstream_socket, upstream, data, c.delay());
            }
        });
        Ok(Self { addr, conditions, task, mappings })
    }

    /// The upstream socket of `client`, made (or remade after a rebinding) as needed.
    async fn mapping(
        mappings: &Arc<Mutex<HashMap<SocketAddr, Mapping>>>,
        front: &Arc<UdpSocket>,
        conditions: &Arc<Conditions>,
        client: SocketAddr,
    ) -> anyhow::Result<Arc<UdpSocket>> {
        let generation = conditions.generation.load(Ordering::Relaxed);
        if let Some(m) = mappings.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.get(&client).filter(|m| m.generation == generation) {
            return Ok(m.upstream.clone());
        }
        let upstream = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
        let (socket, front, c) = (upstream.clone(), front.clone(), conditions.clone());
        let reader = tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            while let Ok(n) = socket.recv(&mut buf).await {
                if c.dropped() {
                    continue;
                }
                let data = buf.get(..n).unwrap_or_default().to_vec();
                send_later(front.clone(), client, data, c.delay());
            }
        });
        let old = mappings
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .insert(client, Mapping { upstream: upstream.clone(), generation, reader });
        if let Some(old) = old {
            old.reader.abort();
        }
        Ok(upstream)
    }

    /// Loses `percent` of the datagrams each way.
    pub fn set_loss(&self, percent: u32) {
        self.conditions.loss_per_mille.store(percent.min(100) * 10, Ordering::Relaxed);
    }

    /// Delays each datagram by a random 0..=`ms`.
    pub fn set_jitter(&self, ms: u32) {
        self.conditions.jitter_ms.store(ms, Ordering::Relaxed);
    }

    /// Drops everything while `on`.
    pub fn set_blackout(&self, on: bool) {
        self.conditions.blackout.store(on, Ordering::Relaxed);
    }

    /// Every client's datagrams leave from a new port from now on (answers to the old one
    /// are lost): a NAT rebinding.
    pub fn rebind(&self) {
        self.conditions.generation.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut mappings) = self.mappings.lock() {
            for (_, m) in mappings.drain() {
                m.reader.abort();
            }
        }
    }
}

impl Drop for MediaRelay {
    fn drop(&mut self) {
        self.task.abort();
        if let Ok(mappings) = self.mappings.lock() {
            for m in mappings.values() {
                m.reader.abort();
            }
        }
    }
}
