//! The accept loop's edges: one address cannot take every connection, a flood from one
//! address leaves `/healthz` answering another, and a client that trickles its headers is
//! cut.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use satsuma_protocol::secret::Secret;
use satsuma_room::connections::ConnectionCaps;
use satsuma_server::listener::{self, ListenLimits};
use satsuma_server::upstream::Upstream;
use satsuma_server::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

async fn start_with(caps: ConnectionCaps, header_timeout: Duration) -> (SocketAddr, tempfile::TempDir) {
    let dist = temp_dist();
    let upstream = Upstream::embedded(fake_router(Fake::default()), "/v1", APP_ID.into(), Secret::new(SECRET));
    let state = AppState::new(test_limits(), satsuma_server::random::token_key(), upstream, None);
    let app = satsuma_server::app(state, dist.path());
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    tokio::spawn(listener::serve(tcp, app, ListenLimits { caps, header_timeout }, std::future::pending()));
    (addr, dist)
}

/// A connection from `from` (any 127.x.y.z: each is its own address).
async fn connect_from(from: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

/// `GET path` on a fresh connection from `from`: the whole answer.
async fn get_from(from: &str, to: SocketAddr, path: &str) -> String {
    let mut stream = connect_from(from, to).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await.unwrap().unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// `GET /healthz` from `from`.
async fn healthz_from(from: &str, to: SocketAddr) -> String {
    get_from(from, to, "/healthz").await
}

#[tokio::test]
async fn one_address_gets_its_share_and_a_flood_leaves_health_answering() {
    let (addr, _dist) = start_with(ConnectionCaps { per_address: 50, total: 1_000 }, Duration::from_secs(10)).await;
    // 300 connections from one address, held open.
    let mut flood = Vec::new();
    for _ in 0..300 {
        flood.push(connect_from("127.0.0.1", addr).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = healthz_from("127.0.0.1", addr).await;
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(refused.to_ascii_lowercase().contains("retry-after: 10"), "{refused}");
    assert!(refused.contains("rate_limited"), "a Calls-style body: {refused}");
    // Another address is served at once.
    let started = Instant::now();
    let other = healthz_from("127.0.0.2", addr).await;
    assert!(other.starts_with("HTTP/1.1 200"), "{other}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // The flood's connections close; the address is served again.
    drop(flood);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(healthz_from("127.0.0.1", addr).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_full_server_says_so_with_retry_after() {
    let (addr, _dist) = start_with(ConnectionCaps { per_address: 10, total: 3 }, Duration::from_secs(10)).await;
    let _held = [connect_from("127.0.0.1", addr).await, connect_from("127.0.0.2", addr).await, connect_from("127.0.0.3", addr).await];
    tokio::time::sleep(Duration::from_millis(100)).await;
    let full = healthz_from("127.0.0.4", addr).await;
    assert!(full.starts_with("HTTP/1.1 503"), "{full}");
    assert!(full.to_ascii_lowercase().contains("retry-after: 5"), "{full}");
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut() {
    let (addr, _dist) = start_with(ConnectionCaps::default(), Duration::from_secs(1)).await;
    let mut slow = connect_from("127.0.0.1", addr).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: satsuma\r\n").await.unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            // One more header byte now and then keeps the connection busy, never complete.
            if slow.write_all(b"X").await.is_err() {
                return;
            }
            let mut buf = [0_u8; 256];
            match tokio::time::timeout(Duration::from_millis(300), slow.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return,
                Ok(Ok(n)) => rest.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the slow client was never cut");
    assert!(started.elapsed() < Duration::from_secs(5), "cut after {:?}", started.elapsed());
    // Others are served meanwhile and after.
    assert!(healthz_from("127.0.0.2", addr).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn joins_are_paced_per_address() {
    let (addr, _dist) = start_with(ConnectionCaps::default(), Duration::from_secs(10)).await;
    let burst = satsuma_room::connections::JOINS_PER_ADDRESS.burst as usize;
    let mut open = Vec::new();
    for _ in 0..burst {
        open.push(ws(addr, "paced").await);
    }
    // One more right away is refused in-band, then closed with 1008.
    let mut late = ws(addr, "paced").await;
    let frame = recv(&mut late).await;
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(frame["code"], "rate_limited", "{frame}");
    assert_eq!(recv_close(&mut late).await, Some(1008));
    // The ones admitted are real sockets: a join on one of them is welcomed.
    send(&mut open[0], serde_json::json!({"type": "join", "name": "Ada"})).await;
    assert_eq!(recv(&mut open[0]).await["type"], "welcome");
}

/// `GET /api/rooms/paced` from `from`.
async fn peek_from(from: &str, to: SocketAddr) -> String {
    get_from(from, to, "/api/rooms/paced").await
}

#[tokio::test]
async fn api_requests_are_paced_per_address() {
    let (addr, _dist) = start_with(ConnectionCaps::default(), Duration::from_secs(10)).await;
    let burst = satsuma_room::connections::API_REQUESTS_PER_ADDRESS.burst as usize;
    let mut refused = None;
    // The burst and then some, faster than the pace refills.
    for _ in 0..burst + 20 {
        let answer = peek_from("127.0.0.3", addr).await;
        if !answer.starts_with("HTTP/1.1 200") {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("a flood of API requests was never refused");
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(refused.to_ascii_lowercase().contains("retry-after: 1"), "{refused}");
    assert!(refused.contains(r#""errorCode":"rate_limited""#), "{refused}");
    // Another address, and health, are untouched.
    assert!(peek_from("127.0.0.4", addr).await.starts_with("HTTP/1.1 200"));
    assert!(healthz_from("127.0.0.3", addr).await.starts_with("HTTP/1.1 200"));
}
