//! Cross-origin use of `/api`: the server's own origin and listed ones pass (with CORS
//! headers for the listed), others get a Calls-style 403 on every route, the room
//! WebSocket included.

mod common;

use common::*;
use satsuma_room::origins::AllowedOrigins;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const PAGES: &str = "https://satsuma.pages.dev";

async fn app_allowing_pages() -> (App, tempfile::TempDir) {
    let dist = temp_dist();
    let limits = satsuma_server::limits::Limits { allowed_origins: AllowedOrigins::parse(PAGES).unwrap(), ..test_limits() };
    (start(Mode::Embedded, limits, Fake::default(), dist.path()).await, dist)
}

#[tokio::test]
async fn a_listed_origin_gets_cors_headers_and_a_preflight_answer() {
    let (app, _dist) = app_allowing_pages().await;
    let (_ws, welcome) = join(app.addr, "cors", "Ada").await;
    let token = welcome["token"].as_str().unwrap();
    let url = format!("http://{}/api/turn", app.addr);

    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", PAGES)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], PAGES);
    assert!(preflight.headers()["access-control-allow-headers"].to_str().unwrap().contains("Authorization"));

    let res = app.http.get(&url).header("Origin", PAGES).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], PAGES);
    // Errors carry the headers too, so the page can read why it was refused.
    let res = app.http.get(&url).header("Origin", PAGES).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["access-control-allow-origin"], PAGES);
}

#[tokio::test]
async fn the_servers_own_origin_and_originless_clients_pass_without_cors_headers() {
    let (app, _dist) = app_allowing_pages().await;
    let url = format!("http://{}/api/turn", app.addr);
    for origin in [Some(format!("http://{}", app.addr)), None] {
        let mut req = app.http.get(&url);
        if let Some(o) = &origin {
            req = req.header("Origin", o);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "{origin:?}: reaches the token check");
        assert!(!res.headers().contains_key("access-control-allow-origin"));
    }
}

#[tokio::test]
async fn other_origins_are_refused_on_every_api_route() {
    let (app, _dist) = app_allowing_pages().await;
    for path in ["/api/turn", "/api/calls/sessions/new", "/api/nothing"] {
        let res = app.http.post(format!("http://{}{path}", app.addr)).header("Origin", "https://evil.example").send().await.unwrap();
        assert_eq!(res.status(), 403, "{path}");
        assert!(!res.headers().contains_key("access-control-allow-origin"));
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errorCode"], "origin_not_allowed");
        assert!(body["errorDescription"].as_str().unwrap().contains("ALLOWED_ORIGINS"));
    }
    assert!(app.fake.requests().is_empty(), "nothing reached the SFU");

    // A WebSocket from a foreign page would otherwise join rooms in the visitor's name.
    let mut req = format!("ws://{}/api/rooms/cors/ws?v=1", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("Origin", "https://evil.example".parse().unwrap());
    let refused = tokio_tungstenite::connect_async(req).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("expected a 403 handshake, got {other:?}"),
    }
    // The static app itself stays public.
    let res = app.http.get(format!("http://{}/", app.addr)).header("Origin", "https://evil.example").send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[test]
fn the_command_line_checks_each_origin() {
    use clap::Parser;
    let cli = satsuma_server::config::Cli::try_parse_from(["satsuma", "serve", "--allowed-origin", "https://a.example,https://b.example"]);
    let satsuma_server::config::Command::Serve(args) = cli.unwrap().command else { panic!("not serve") };
    assert_eq!(args.allowed_origins, ["https://a.example", "https://b.example"]);
    let spaced =
        satsuma_server::config::Cli::try_parse_from(["satsuma", "serve", "--allowed-origin", "https://a.example https://b.example"]);
    let satsuma_server::config::Command::Serve(args) = spaced.unwrap().command else { panic!("not serve") };
    let limits = satsuma_server::limits::Limits::from_args(&args);
    assert!(limits.allowed_origins.check(Some("https://b.example"), Some("api.example")).is_ok());
    let bad = satsuma_server::config::Cli::try_parse_from(["satsuma", "serve", "--allowed-origin", "a.example/path"]);
    assert!(bad.unwrap_err().to_string().contains("is not an origin"));
}

#[tokio::test]
async fn a_dns_rebinding_page_is_not_the_servers_own_origin() {
    // evil.example resolved to this loopback server: the page names its own host in both
    // `Origin` and `Host`, as a same-origin page would.
    let dist = temp_dist();
    let app = start(Mode::Embedded, test_limits(), Fake::default(), dist.path()).await;
    let port = app.addr.port();
    let url = format!("http://{}/api/turn", app.addr);
    let rebound = app
        .http
        .get(&url)
        .header("Host", format!("evil.example:{port}"))
        .header("Origin", format!("http://evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403);
    let body: Value = rebound.json().await.unwrap();
    assert_eq!(body["errorCode"], "origin_not_allowed", "{body}");
    // The same request from the loopback page itself reaches the token check.
    let own = app.http.get(&url).header("Origin", format!("http://127.0.0.1:{port}")).send().await.unwrap();
    assert_eq!(own.status(), 401);
}

#[tokio::test]
async fn a_public_origin_is_the_only_own_origin_scheme_included() {
    let dist = temp_dist();
    let public = AllowedOrigins::default().with_public("https://meet.example.com").unwrap();
    let app =
        start(Mode::Embedded, satsuma_server::limits::Limits { allowed_origins: public, ..test_limits() }, Fake::default(), dist.path())
            .await;
    let url = format!("http://{}/api/turn", app.addr);
    let loopback = format!("http://{}", app.addr);
    for (origin, expected, why) in [
        ("https://meet.example.com", 401, "behind a TLS proxy: reaches the token check"),
        ("http://meet.example.com", 403, "an http page is another origin"),
        (loopback.as_str(), 403, "a loopback page is not the public origin"),
    ] {
        let res = app.http.get(&url).header("Origin", origin).header("Host", "meet.example.com").send().await.unwrap();
        assert_eq!(res.status().as_u16(), expected, "{origin}: {why}");
    }
}
