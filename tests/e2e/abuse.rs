//! Abuse and overload: per-client rate limits that a spoofed `X-Forwarded-For` cannot get
//! round, a cap on concurrent searches answered with a fast 503, and `/healthz` answering
//! throughout.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use signpost_e2e::{Reply, TestApp};
use signpost_server::http::ratelimit::{ForwardedHeader, RateLimit};
use signpost_server::http::HttpSettings;

fn limited(burst: u32, trusted_proxies: &[&str]) -> TestApp {
    let http = HttpSettings {
        // One request a minute refills: within a test only the burst counts.
        rate_limit: Some(RateLimit {
            per_minute: 1,
            burst,
        }),
        trusted_proxies: trusted_proxies.iter().map(|p| p.parse().unwrap()).collect(),
        ..HttpSettings::default()
    };
    TestApp::fixture().configure(|s| s.with_http(http))
}

/// A request as it would arrive on a socket from `peer`, with extra headers.
async fn get_from(app: &TestApp, uri: &str, peer: Option<&str>, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        let addr: SocketAddr = format!("{peer}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
    }
    app.send(request).await
}

const ASK: &str = "/api/v1/ask?q=helpline";

fn assert_limited(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 429, "{what}: {}", reply.text);
    assert_eq!(reply.error_code(), "rate_limited", "{what}");
    let wait: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{what}: Retry-After {wait}");
}

#[tokio::test]
async fn a_client_gets_its_burst_then_429_with_retry_after() {
    let app = limited(3, &[]);
    for i in 0..3 {
        assert_eq!(
            get_from(&app, ASK, Some("203.0.113.5"), &[]).await.status,
            200,
            "request {i}"
        );
    }
    assert_limited(
        &get_from(&app, ASK, Some("203.0.113.5"), &[]).await,
        "fourth",
    );
    // Other API endpoints share the allowance; another client has its own.
    assert_limited(
        &get_from(&app, "/api/v1/projects", Some("203.0.113.5"), &[]).await,
        "projects",
    );
    assert_eq!(
        get_from(&app, ASK, Some("203.0.113.6"), &[]).await.status,
        200
    );
    // Health, pages and the widget are not limited.
    for uri in ["/healthz", "/", "/widget.js"] {
        assert_eq!(
            get_from(&app, uri, Some("203.0.113.5"), &[]).await.status,
            200,
            "{uri}"
        );
    }
    // The 429 carries the generation header and CORS, so the widget can read it.
    let reply = get_from(
        &app,
        ASK,
        Some("203.0.113.5"),
        &[("origin", "https://council.example")],
    )
    .await;
    assert_limited(&reply, "from a page");
    assert!(
        reply.headers.contains_key("access-control-allow-origin"),
        "{:?}",
        reply.headers
    );
    assert!(reply.headers.contains_key("x-signpost-index-generation"));
}

#[tokio::test]
async fn a_spoofed_forwarded_header_from_a_non_proxy_gets_no_fresh_allowance() {
    let app = limited(2, &["10.0.0.1"]);
    for i in 0..2 {
        let reply = get_from(
            &app,
            ASK,
            Some("203.0.113.5"),
            &[("x-forwarded-for", &format!("198.51.100.{i}"))],
        )
        .await;
        assert_eq!(reply.status, 200);
    }
    for (i, header) in ["x-forwarded-for", "forwarded", "x-forwarded-for"]
        .iter()
        .enumerate()
    {
        let value = if *header == "forwarded" {
            format!("for=192.0.2.{i}")
        } else {
            format!("192.0.2.{i}")
        };
        let reply = get_from(&app, ASK, Some("203.0.113.5"), &[(header, &value)]).await;
        assert_limited(&reply, &format!("spoofed {header}: {value}"));
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let app = limited(2, &["10.0.0.1"]);
    let via_proxy = |xff: &'static str| (Some("10.0.0.1"), [("x-forwarded-for", xff)]);
    for _ in 0..2 {
        let (peer, headers) = via_proxy("198.51.100.7");
        assert_eq!(get_from(&app, ASK, peer, &headers).await.status, 200);
    }
    let (peer, headers) = via_proxy("198.51.100.7");
    assert_limited(
        &get_from(&app, ASK, peer, &headers).await,
        "third through the proxy",
    );
    // A client that prepends its own X-Forwarded-For is still counted by the address the
    // proxy saw, the rightmost one.
    let (peer, headers) = via_proxy("1.2.3.4, 198.51.100.7");
    assert_limited(
        &get_from(&app, ASK, peer, &headers).await,
        "spoof behind the proxy",
    );
    // A different client behind the same proxy is not held back.
    let (peer, headers) = via_proxy("198.51.100.8");
    assert_eq!(get_from(&app, ASK, peer, &headers).await.status, 200);
}

/// Issue 17: behind nginx (which appends X-Forwarded-For and passes a client's own
/// `Forwarded` through), 30 requests with `X-Forwarded-For: 5.5.5.5` and a made-up
/// `Forwarded: for=10.0.0.N` each got 200; the client is 5.5.5.5 every time.
#[tokio::test]
async fn a_clients_own_forwarded_header_behind_nginx_buys_no_allowance() {
    let app = limited(5, &["127.0.0.1"]);
    let mut statuses = Vec::new();
    for n in 0..30 {
        let forwarded = format!("for=10.0.0.{n}");
        let reply = get_from(
            &app,
            ASK,
            Some("127.0.0.1"),
            &[("x-forwarded-for", "5.5.5.5"), ("forwarded", &forwarded)],
        )
        .await;
        statuses.push(reply.status.as_u16());
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(ok, 5, "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
}

/// A proxy set up to write RFC 7239 `Forwarded` (SIGNPOST_FORWARDED_HEADER=forwarded): each
/// client behind it has its own allowance, and a client's own X-Forwarded-For is ignored.
#[tokio::test]
async fn behind_a_proxy_writing_forwarded_each_client_has_its_own_allowance() {
    let http = HttpSettings {
        rate_limit: Some(RateLimit {
            per_minute: 1,
            burst: 2,
        }),
        trusted_proxies: vec!["10.0.0.1".parse().unwrap()],
        forwarded_header: ForwardedHeader::Forwarded,
        ..HttpSettings::default()
    };
    let app = TestApp::fixture().configure(|s| s.with_http(http));
    let from = |client: &'static str, spoof: &'static str| {
        [("forwarded", client), ("x-forwarded-for", spoof)]
    };
    for spoof in ["1.1.1.1", "2.2.2.2"] {
        let headers = from("for=\"[2001:db8::1]:1234\"", spoof);
        assert_eq!(
            get_from(&app, ASK, Some("10.0.0.1"), &headers).await.status,
            200
        );
    }
    let headers = from("for=\"[2001:db8::1]:1234\"", "3.3.3.3");
    assert_limited(
        &get_from(&app, ASK, Some("10.0.0.1"), &headers).await,
        "third from one client",
    );
    let headers = from("for=192.0.2.9", "3.3.3.3");
    assert_eq!(
        get_from(&app, ASK, Some("10.0.0.1"), &headers).await.status,
        200
    );
}

#[tokio::test]
async fn in_process_requests_without_a_socket_count_as_one_local_client() {
    let app = limited(2, &[]);
    assert_eq!(get_from(&app, ASK, None, &[]).await.status, 200);
    assert_eq!(
        get_from(&app, ASK, None, &[("x-forwarded-for", "1.1.1.1")])
            .await
            .status,
        200
    );
    assert_limited(
        &get_from(&app, ASK, None, &[("x-forwarded-for", "2.2.2.2")]).await,
        "third",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_real_socket_the_peer_address_is_what_counts() {
    let app = limited(2, &[]);
    let addr = app.serve().await;
    let statuses = tokio::task::spawn_blocking(move || {
        (0..3)
            .map(|i| {
                let spoof = format!("198.51.100.{i}");
                signpost_e2e::http(addr, "GET", ASK, &[("X-Forwarded-For", &spoof)], None)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(
        statuses.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 200, 429],
        "{statuses:?}"
    );
    let last = &statuses[2];
    assert_eq!(last.json()["error"]["code"], "rate_limited");
    assert!(last.header("retry-after").is_some(), "{last:?}");
}

#[tokio::test]
async fn beyond_the_search_cap_a_fast_503_and_health_still_answers() {
    let app = TestApp::fixture().configure(|s| {
        s.with_http(HttpSettings {
            max_concurrent_searches: 2,
            ..HttpSettings::default()
        })
    });
    let first = app.state.search_permit().expect("place 1");
    let _second = app.state.search_permit().expect("place 2");
    let reply = app.get(ASK).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (503, "busy"),
        "{}",
        reply.text
    );
    assert_eq!(reply.headers["retry-after"], "1");
    // Everything that is not a search keeps answering.
    let health = app.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json["status"], "ok");
    assert_eq!(app.get("/api/v1/projects").await.status, 200);
    // A place comes free: searching again.
    drop(first);
    assert_eq!(app.get(ASK).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_flood_every_ask_is_answered_or_refused_busy_and_health_keeps_answering() {
    let app = TestApp::shipped().configure(|s| {
        s.with_http(HttpSettings {
            max_concurrent_searches: 2,
            ..HttpSettings::default()
        })
    });
    let addr = app.serve().await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut flood = Vec::new();
    for t in 0..16 {
        let stop = stop.clone();
        flood.push(std::thread::spawn(move || {
            let mut statuses = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && i < 200 {
                let q = [
                    "planning+permission+online",
                    "is+there+a+helpline",
                    "who+led+parsol",
                    "benefits+claims",
                ][(t + i) % 4];
                let reply =
                    signpost_e2e::http(addr, "GET", &format!("/api/v1/ask?q={q}"), &[], None);
                statuses.push((
                    reply.status,
                    reply.json()["error"]["code"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                ));
                i += 1;
            }
            statuses
        }));
    }
    let health = tokio::task::spawn_blocking(move || {
        (0..50)
            .map(|_| signpost_e2e::http(addr, "GET", "/healthz", &[], None).status)
            .collect::<Vec<_>>()
    });
    let health = health.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut answered = 0;
    for thread in flood {
        for (status, code) in thread.join().unwrap() {
            match status {
                200 => answered += 1,
                503 => assert_eq!(code, "busy"),
                other => panic!("status {other} ({code}) under load"),
            }
        }
    }
    assert!(health.iter().all(|s| *s == 200), "health: {health:?}");
    assert!(answered > 0);
}

/// Issue 17: `/lookup?q=` bypassed both the search cap and the rate limit, and
/// `/projects?q=` searched on the async threads outside both. Every route that searches now
/// takes a search place and counts against the client's allowance; pages show refusals as the
/// site's error page.
#[tokio::test]
async fn every_route_that_searches_takes_a_search_place() {
    let app = TestApp::fixture().configure(|s| {
        s.with_http(HttpSettings {
            max_concurrent_searches: 1,
            ..HttpSettings::default()
        })
    });
    let held = app.state.search_permit().expect("the one place");
    for uri in [ASK, "/api/v1/suggest?q=help"] {
        let reply = app.get(uri).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (503, "busy"),
            "{uri}"
        );
    }
    for uri in ["/lookup?q=helpline", "/projects?q=planning"] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, 503, "{uri}: {}", reply.text);
        assert_eq!(reply.headers["retry-after"], "1", "{uri}");
        assert!(
            reply.text.contains("<h1>Busy right now</h1>"),
            "{uri}: {}",
            reply.text
        );
    }
    // Pages that do not search are not held back.
    for uri in ["/lookup", "/projects", "/projects/planit", "/healthz"] {
        assert_eq!(app.get(uri).await.status, 200, "{uri}");
    }
    drop(held);
    for uri in [
        "/lookup?q=helpline",
        "/projects?q=planning",
        "/api/v1/suggest?q=help",
    ] {
        assert_eq!(app.get(uri).await.status, 200, "{uri}");
    }
}

#[tokio::test]
async fn a_client_over_its_allowance_is_refused_on_every_route_that_searches() {
    let app = limited(2, &[]);
    for _ in 0..2 {
        assert_eq!(
            get_from(&app, ASK, Some("203.0.113.5"), &[]).await.status,
            200
        );
    }
    assert_limited(
        &get_from(&app, "/api/v1/suggest?q=help", Some("203.0.113.5"), &[]).await,
        "suggest",
    );
    for uri in ["/lookup?q=helpline", "/projects?q=planning"] {
        let reply = get_from(&app, uri, Some("203.0.113.5"), &[]).await;
        assert_eq!(reply.status, 429, "{uri}: {}", reply.text);
        assert!(reply.headers.contains_key("retry-after"), "{uri}");
        assert!(reply.text.contains("<h1>Too many requests</h1>"), "{uri}");
    }
    // Another client is not held back.
    let reply = get_from(&app, "/lookup?q=helpline", Some("203.0.113.6"), &[]).await;
    assert_eq!(reply.status, 200);
}
