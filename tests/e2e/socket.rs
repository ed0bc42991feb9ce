//! A real server on a real socket: ask over HTTP/1.1 with a plain TCP client.

use std::io::{Read, Write};

use signpost_e2e::TestApp;

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_over_http_on_127_0_0_1() {
    let app = TestApp::fixture();
    let addr = app.serve().await;
    let response =
        tokio::task::spawn_blocking(move || http_get(addr, "/api/v1/ask?q=is+there+a+helpline"))
            .await
            .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"id\":\"faq-01\""), "{response}");
    let page = tokio::task::spawn_blocking(move || http_get(addr, "/"))
        .await
        .unwrap();
    assert!(page.contains("<signpost-chat"), "{page}");
    let script = tokio::task::spawn_blocking(move || http_get(addr, "/widget.js"))
        .await
        .unwrap();
    assert!(
        script
            .to_lowercase()
            .contains("content-type: text/javascript"),
        "{script}"
    );
}
