//! The accept loop of `satsuma serve`, in place of `axum::serve`: each connection is
//! counted by the shared caps of `satsuma_room::connections` (a refused one gets its
//! 429/503 with `Retry-After` and is closed), request headers must arrive within a deadline
//! (a slow-loris client is cut), and on shutdown the open connections finish gracefully.

use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use satsuma_room::connections::{ConnectionCaps, ConnectionRefusal, Connections};
use tokio::net::TcpListener;

use crate::error::{ApiError, Failure};
use crate::sync::lock;

/// How long open connections get to finish after shutdown began.
const DRAIN: Duration = Duration::from_secs(5);

/// What the loop enforces.
#[derive(Debug, Clone, Copy)]
pub struct ListenLimits {
    /// Connections per address and in all.
    pub caps: ConnectionCaps,
    /// A request's headers must be in within this long.
    pub header_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting and gives
/// the open connections [`DRAIN`] to finish.
pub async fn serve(listener: TcpListener, app: Router, limits: ListenLimits, shutdown: impl Future<Output = ()>) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let connections = Arc::new(Mutex::new(Connections::new(limits.caps)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait for some to close rather than spin.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let admitted = lock(&connections).admit(peer.ip());
        let service = match admitted {
            Ok(()) => app.clone().layer(Extension(ConnectInfo(peer))),
            Err(refusal) => {
                tracing::info!(%peer, ?refusal, "connection refused");
                Router::new().fallback(move || async move { refused(refusal) })
            }
        };
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service)).into_owned();
        let connection = graceful.watch(connection);
        let connections = connections.clone();
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%peer, %err, "connection ended with an error");
            }
            if admitted.is_ok() {
                release(&connections, peer.ip());
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after {DRAIN:?}; exiting anyway");
    }
}

fn release(connections: &Mutex<Connections>, ip: IpAddr) {
    lock(connections).release(ip);
}

/// The answer to a connection over the caps; the connection closes after it.
fn refused(refusal: ConnectionRefusal) -> Response {
    let error = match refusal {
        ConnectionRefusal::Address => ApiError::RateLimited(refusal.reason().into()),
        ConnectionRefusal::Full => ApiError::Unavailable(refusal.reason().into()),
    };
    let mut response = Failure(error).into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(refusal.retry_after_secs()));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
