//! Limits are configurable and enforced: body size, question length and words, `limit`, and
//! the per-request timeout, each answered in the one error shape; the README's error table
//! lists every code the API can answer with.

use std::io::Write;
use std::time::Duration;

use serde_json::json;
use signpost_e2e::{encode, read_reply, TestApp};
use signpost_server::engine::{Limits, Settings};
use signpost_server::http::error::ApiError;
use signpost_server::http::HttpSettings;

#[tokio::test]
async fn question_limits_follow_the_settings() {
    let limits = Limits {
        max_chars: 20,
        max_words: 3,
        default_results: 1,
        max_results: 2,
    };
    let app = TestApp::with_settings(
        &signpost_e2e::fixture_corpus(),
        Settings {
            limits,
            ..Settings::default()
        },
    );
    let cases = [
        ("phone line", 200, ""),
        ("is there a helpline", 400, "too_many_words"),
        ("helplinehelplinehelpline", 400, "question_too_long"),
    ];
    for (q, status, code) in cases {
        let reply = app.get(&format!("/api/v1/ask?q={}", encode(q))).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (status, code),
            "{q}: {}",
            reply.text
        );
    }
    let reply = app.get("/api/v1/ask?q=helpline").await;
    assert!(
        reply.json["passages"].as_array().unwrap().len() <= 1,
        "default_results: {}",
        reply.text
    );
    let reply = app.get("/api/v1/ask?q=helpline&limit=3").await;
    assert_eq!(reply.error_code(), "bad_limit");
    assert!(
        reply.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("between 1 and 2"),
        "{}",
        reply.text
    );
    let reply = app.get("/api/v1/ask?q=helpline&limit=2").await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn the_body_limit_follows_the_settings() {
    let app = TestApp::fixture().configure(|s| {
        s.with_http(HttpSettings {
            body_limit: 1024,
            ..HttpSettings::default()
        })
    });
    let small = json!({ "q": "is there a helpline", "site": "x".repeat(900) }).to_string();
    assert!(small.len() < 1024);
    assert_eq!(app.post_json("/api/v1/ask", &small).await.status, 200);
    let large = json!({ "q": "is there a helpline", "site": "x".repeat(1100) }).to_string();
    let reply = app.post_json("/api/v1/ask", &large).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (413, "payload_too_large"),
        "{}",
        reply.text
    );
}

/// Sends the head of a POST whose body never arrives in full, and reads what comes back.
fn post_and_stall(
    addr: std::net::SocketAddr,
    content_length: usize,
    sent: &str,
) -> signpost_e2e::RawReply {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(signpost_e2e::PATIENCE))
        .unwrap();
    write!(
        stream,
        "POST /api/v1/ask HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\n\r\n{sent}"
    )
    .unwrap();
    read_reply(&mut stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_takes_too_long_gets_408_in_the_error_shape() {
    let app = TestApp::fixture().configure(|s| {
        s.with_http(HttpSettings {
            request_timeout: Duration::from_millis(300),
            ..HttpSettings::default()
        })
    });
    let addr = app.serve().await;
    let reply = tokio::task::spawn_blocking(move || post_and_stall(addr, 100, r#"{"q": "is th"#))
        .await
        .unwrap();
    assert_eq!(reply.status, 408, "{reply:?}");
    assert_eq!(
        reply.json()["error"]["code"],
        "request_timeout",
        "{reply:?}"
    );
    // And the server goes on answering.
    let ok = tokio::task::spawn_blocking(move || {
        signpost_e2e::http(addr, "GET", "/api/v1/ask?q=helpline", &[], None)
    })
    .await
    .unwrap();
    assert_eq!(ok.status, 200, "{ok:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announced_oversized_body_is_refused_without_being_read() {
    let app = TestApp::fixture();
    let addr = app.serve().await;
    // Ten megabytes announced, none sent: the answer comes at once, not after a timeout.
    let reply = tokio::task::spawn_blocking(move || post_and_stall(addr, 10_000_000, ""))
        .await
        .unwrap();
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_eq!(
        reply.json()["error"]["code"],
        "payload_too_large",
        "{reply:?}"
    );
}

/// Up to hyper's own bound on a request line, a long query string is Signpost's to refuse,
/// in the error shape; past it (64 KiB) hyper answers a bare 414 before any handler runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_query_string_is_refused_cleanly() {
    let app = TestApp::fixture();
    let addr = app.serve().await;
    let get = move |len: usize| {
        tokio::task::spawn_blocking(move || {
            signpost_e2e::http(
                addr,
                "GET",
                &format!("/api/v1/ask?q={}", "a".repeat(len)),
                &[],
                None,
            )
        })
    };
    let reply = get(60 * 1024).await.unwrap();
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.json()["error"]["code"], "question_too_long");
    let reply = get(70 * 1024).await.unwrap();
    assert_eq!(reply.status, 414, "{reply:?}");
    let reply = get(10).await.unwrap();
    assert_eq!(reply.status, 200, "still serving: {reply:?}");
}

#[test]
fn every_error_code_is_in_the_readme_table() {
    let readme =
        std::fs::read_to_string(signpost_e2e::repo_root().join("README.md")).expect("README.md");
    let table = ApiError::markdown_table();
    assert!(
        readme.contains(table.trim()),
        "README.md's error table is out of date; replace it with:\n\n{table}"
    );
}
