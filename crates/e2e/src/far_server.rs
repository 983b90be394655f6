//! A room server "far away": a TCP proxy on loopback that holds every chunk for a fixed time
//! in each direction, so that a test can put the room server (its pages, API and WebSocket)
//! at a distance while the SFU, reached over UDP on its own port, stays near, as with a
//! Durable Object in one place and Cloudflare's SFU at every edge. Userspace, because this
//! kernel has no netem; order within a connection is kept.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The proxy; dropping it stops it and every connection through it.
#[derive(Debug)]
pub struct FarServer {
    /// `http://127.0.0.1:<port>`: open pages here instead of the harness' own URL.
    pub url: String,
    accept: JoinHandle<()>,
    /// While set, nothing moves either way (a blackout; TCP holds what was sent).
    paused: Arc<AtomicBool>,
}

impl FarServer {
    /// Proxies `upstream` (`http://host:port`) with `one_way` of delay each way.
    pub async fn start(upstream: &str, one_way: Duration) -> anyhow::Result<Self> {
        let target: SocketAddr = upstream.trim_start_matches("http://").trim_end_matches('/').parse().context("upstream host:port")?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let paused = Arc::new(AtomicBool::new(false));
        let held = paused.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let held = held.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else { return };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(carry(client_read, server_write, one_way, held.clone()), carry(server_read, client_write, one_way, held));
                });
            }
        });
        Ok(Self { url, accept, paused })
    }

    /// Holds everything (both ways, every connection) while `on`, as a cut network does to TCP.
    pub fn set_blackout(&self, on: bool) {
        self.paused.store(on, Ordering::Relaxed);
    }
}

impl Drop for FarServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies `from` to `to`, each chunk `delay` after it was read; ends when either side does.
async fn carry(mut from: impl AsyncReadExt + Unpin, mut to: impl AsyncWriteExt + Unpin, delay: Duration, paused: Arc<AtomicBool>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut buf).await {
            let chunk = buf.get(..n).unwrap_or_default();
            if chunk.is_empty() || tx.send((Instant::now() + delay, chunk.to_vec())).is_err() {
                break;
            }
        }
    };
    let writer = async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            while paused.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            if to.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}
