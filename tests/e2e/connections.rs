//! Connections that send nothing, trickle their headers or idle after an answer are closed;
//! at the cap below the file limit the server keeps answering and says so in its log; a
//! client that never finished its headers does not hold up shutdown; the soft open-file limit
//! is raised at start. How fast any of it is belongs to `bench/attack.sh`: these tests bound
//! only how long they are willing to wait.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use signpost_e2e::{fixture_corpus, http, ServerProcess, TestApp, PATIENCE};
use signpost_server::serve::ConnectionLimits;

/// Whether the server has closed `stream`, reading (and discarding) whatever it sent first.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    stream.set_nonblocking(true).expect("non-blocking");
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

/// Waits (up to PATIENCE) until the server closes `stream`; returns false if it never does.
fn waits_until_closed(stream: &mut TcpStream) -> bool {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if closed_by_server(stream) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

async fn served(limits: ConnectionLimits) -> (TestApp, SocketAddr) {
    let app = TestApp::fixture();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    app.serve_on(listener, limits);
    (app, addr)
}

fn short_limits() -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_millis(400),
        keep_alive_timeout: Duration::from_millis(300),
        max_connections: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_read_timeout() {
    let (_app, addr) = served(short_limits()).await;
    let closed = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        waits_until_closed(&mut stream)
    })
    .await
    .unwrap();
    assert!(closed, "an idle new connection stayed open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_its_headers_is_cut_off() {
    let (_app, addr) = served(short_limits()).await;
    let (sent_all, closed) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        let head = format!(
            "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}\r\n\r\n",
            "x".repeat(200)
        );
        let mut sent_all = true;
        for byte in head.bytes() {
            if stream.write_all(&[byte]).is_err() || closed_by_server(&mut stream) {
                sent_all = false;
                break;
            }
            stream.set_nonblocking(false).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        (sent_all, waits_until_closed(&mut stream))
    })
    .await
    .unwrap();
    assert!(!sent_all, "a head trickled over 5 s was read to the end");
    assert!(closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_is_closed_when_idle_and_serves_until_then() {
    let (_app, addr) = served(short_limits()).await;
    let closed = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        for _ in 0..3 {
            write!(stream, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 1024];
            while !String::from_utf8_lossy(&seen).contains("\"status\":\"ok\"") {
                let n = stream.read(&mut buf).expect("an answer");
                assert!(n > 0, "closed while answering");
                seen.extend_from_slice(&buf[..n]);
            }
        }
        waits_until_closed(&mut stream)
    })
    .await
    .unwrap();
    assert!(closed, "an idle kept-alive connection stayed open");
}

/// Issue 17: one half-sent request made SIGTERM wait the whole shutdown timeout.
#[test]
fn shutdown_does_not_wait_for_a_client_that_never_finished_its_headers() {
    let data = tempfile::tempdir().unwrap();
    let corpus = fixture_corpus();
    let server = ServerProcess::start(&[
        ("SIGNPOST_CORPUS", corpus.to_str().unwrap()),
        ("SIGNPOST_DATA", data.path().to_str().unwrap()),
        // Neither timeout may be what ends the wait: the test gives up long before either.
        ("SIGNPOST_SHUTDOWN_TIMEOUT_SECS", "600"),
        ("SIGNPOST_HEADER_READ_TIMEOUT_MS", "600000"),
        ("SIGNPOST_KEEP_ALIVE_TIMEOUT_MS", "600000"),
    ]);
    let mut server = server;
    let mut half = TcpStream::connect(server.addr).unwrap();
    write!(half, "GET /healthz HTTP/1.1\r\nHo").unwrap();
    // The server has accepted it once another connection has been answered.
    assert_eq!(http(server.addr, "GET", "/healthz", &[], None).status, 200);
    server.signal("TERM");
    let status = server.wait();
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    drop(half);
}

#[test]
fn the_soft_open_file_limit_is_raised_to_the_hard_limit() {
    let hard = std::process::Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .expect("sh");
    let hard = String::from_utf8_lossy(&hard.stdout).trim().to_string();
    if hard != "unlimited" && hard.parse::<u64>().unwrap_or(0) <= 1024 {
        eprintln!("the hard open-file limit is {hard}: nothing to raise to");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let corpus = fixture_corpus();
    let server = ServerProcess::start_with(
        "ulimit -Sn 256;",
        &[
            ("SIGNPOST_CORPUS", corpus.to_str().unwrap()),
            ("SIGNPOST_DATA", data.path().to_str().unwrap()),
        ],
    )
    .unwrap_or_else(|(status, log)| panic!("did not start ({status}):\n{log}"));
    server.wait_for_log("accepting up to", 1);
    let log = server.log();
    assert!(log.contains("open-file limit raised from 256 to"), "{log}");
    let cap: usize = log
        .split("accepting up to ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no cap in the log:\n{log}"));
    assert!(cap > 500, "cap {cap}:\n{log}");
}

/// Issue 17: with the file limit at 64, sixty idle sockets took the server offline. Here the
/// limit is 256 (so the cap, 128, bites) and 500 connections sit idle or trickle a header byte
/// a second for 30 s; then `/healthz` answers and asks succeed. The timing is in
/// `bench/attack.sh`'s output, not asserted here.
#[test]
fn five_hundred_idle_or_trickling_connections_do_not_take_the_server_offline() {
    let data = tempfile::tempdir().unwrap();
    let corpus = fixture_corpus();
    let server = ServerProcess::start_with(
        "ulimit -n 256;",
        &[
            ("SIGNPOST_CORPUS", corpus.to_str().unwrap()),
            ("SIGNPOST_DATA", data.path().to_str().unwrap()),
            ("SIGNPOST_RATE_LIMIT_PER_MINUTE", "0"),
        ],
    )
    .unwrap_or_else(|(status, log)| panic!("did not start ({status}):\n{log}"));
    let addr = server.addr;
    let mut idle = Vec::new();
    let mut trickling = Vec::new();
    for i in 0..500 {
        let stream = TcpStream::connect(addr).expect("the backlog takes the connection");
        if i % 2 == 0 {
            idle.push(stream);
        } else {
            trickling.push((stream, 0usize));
        }
    }
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}\r\n\r\n",
        "x".repeat(64)
    );
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        for (stream, sent) in trickling.iter_mut() {
            if *sent < head.len() && stream.write(&head.as_bytes()[*sent..=*sent]).is_ok() {
                *sent += 1;
            }
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let closed = idle
        .iter_mut()
        .chain(trickling.iter_mut().map(|(s, _)| s))
        .map(closed_by_server)
        .filter(|closed| *closed)
        .count();
    // Still serving: health, then real questions.
    let health = http(addr, "GET", "/healthz", &[], None);
    assert_eq!(health.status, 200, "{health:?}\n{}", server.log());
    for q in ["is+there+a+helpline", "who+runs+planit"] {
        let ask = http(addr, "GET", &format!("/api/v1/ask?q={q}"), &[], None);
        assert_eq!(ask.status, 200, "{ask:?}");
    }
    assert!(
        closed >= 490,
        "only {closed} of 500 idle or trickling connections were closed by the server"
    );
    let log = server.log();
    assert!(
        log.contains("connections are open, the most allowed"),
        "{log}"
    );
    assert!(!log.contains("Too many open files"), "{log}");
}
