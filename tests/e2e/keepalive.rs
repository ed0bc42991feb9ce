//! A kept-alive connection serves question after question: twenty asks over ONE TCP
//! connection all succeed, the server accepted exactly one connection, and the server's end
//! of it has TCP_NODELAY set (without it each answer's second write waits for the client's
//! delayed ACK). How fast that is belongs to the benchmarks (bench/load.sh), not to a test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::serve::ListenerExt;
use signpost_e2e::{encode, TestApp};

/// Reads one HTTP/1.1 response with a Content-Length body; returns (status line, headers, body).
fn read_response(reader: &mut BufReader<TcpStream>) -> (String, Vec<String>, String) {
    let mut status = String::new();
    reader.read_line(&mut status).expect("a status line");
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a header line");
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        headers.push(line.to_ascii_lowercase());
    }
    let length: usize = headers
        .iter()
        .find_map(|h| h.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().expect("a number"))
        .expect("answers carry a Content-Length");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the whole body");
    (
        status.trim_end().to_string(),
        headers,
        String::from_utf8(body).expect("UTF-8"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_asks_on_one_kept_alive_connection() {
    let app = TestApp::fixture();
    let accepted = Arc::new(AtomicUsize::new(0));
    let nodelay = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    // The server's own listener, with a tap that records what it accepted.
    let (counter, flags) = (accepted.clone(), nodelay.clone());
    let listener = signpost_server::http::nodelay(listener).tap_io(move |stream| {
        counter.fetch_add(1, Ordering::SeqCst);
        flags
            .lock()
            .unwrap()
            .push(stream.nodelay().unwrap_or(false));
    });
    let state = app.state.clone();
    tokio::spawn(async move {
        signpost_server::serve::serve_until(
            listener,
            state,
            std::future::pending(),
            std::time::Duration::from_secs(1),
            Default::default(),
        )
        .await
        .expect("serve")
    });

    let answers = tokio::task::spawn_blocking(move || {
        let stream = TcpStream::connect(addr).expect("connect");
        let local = stream.local_addr().expect("client address");
        let mut writer = stream.try_clone().expect("a second handle");
        let mut reader = BufReader::new(stream);
        let questions = [
            "is there a helpline",
            "who runs the planning project",
            "hello",
        ];
        let mut answers = Vec::new();
        for i in 0..20 {
            let q = encode(questions[i % questions.len()]);
            write!(
                writer,
                "GET /api/v1/ask?q={q} HTTP/1.1\r\nHost: {addr}\r\n\r\n"
            )
            .expect("send");
            let (status, headers, body) = read_response(&mut reader);
            assert_eq!(status, "HTTP/1.1 200 OK", "ask {i}: {body}");
            assert!(
                !headers.iter().any(|h| h == "connection: close"),
                "ask {i} closed the connection"
            );
            let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            assert!(json.get("answer").is_some(), "ask {i}: {body}");
            answers.push(json);
        }
        // Still the same connection from the same client port.
        assert_eq!(
            reader.get_ref().local_addr().expect("client address"),
            local
        );
        answers
    })
    .await
    .expect("the client ran");

    assert_eq!(answers.len(), 20);
    assert_eq!(answers[0]["answer"]["id"], "faq-01", "{}", answers[0]);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "every ask reused the one connection"
    );
    assert_eq!(
        *nodelay.lock().unwrap(),
        [true],
        "TCP_NODELAY on the accepted socket"
    );
}
