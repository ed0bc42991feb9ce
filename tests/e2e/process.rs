//! The real `signpost-server` process: SIGTERM and Ctrl-C finish the requests in flight and
//! exit 0; SIGHUP rebuilds the index; a full disk during a rebuild leaves the old index
//! serving; a corrupt index is rebuilt at start, and the server refuses to start only when
//! there is no corpus to rebuild from.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;

use signpost_e2e::{
    copy_dir, fixture_corpus, http, read_reply, wait_until, ServerProcess, PATIENCE,
};

const TOKEN: &str = "process-admin-token-0123456789";

fn env<'a>(corpus: &'a Path, data: &'a Path) -> Vec<(&'static str, &'a str)> {
    vec![
        ("SIGNPOST_CORPUS", corpus.to_str().unwrap()),
        ("SIGNPOST_DATA", data.to_str().unwrap()),
    ]
}

/// Reads up to and including the blank line that ends a response head.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("read");
        assert_eq!(
            n,
            1,
            "the connection closed early: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let data = tempfile::tempdir().unwrap();
    let corpus = fixture_corpus();
    let mut vars = env(&corpus, data.path());
    vars.push(("SIGNPOST_REQUEST_TIMEOUT_MS", "600000"));
    let mut server = ServerProcess::start(&vars);
    let addr = server.addr;

    // A request whose handler is running: the server has asked for its body (100 Continue)
    // and is waiting for it.
    let body = r#"{"q": "is there a helpline"}"#;
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "POST /api/v1/ask HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    )
    .unwrap();
    let interim = read_head(&mut stream);
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");

    server.signal("TERM");
    // The listener closes: new connections are refused...
    wait_until(
        PATIENCE,
        || format!("still accepting after SIGTERM:\n{}", server.log()),
        || TcpStream::connect(addr).is_err(),
    );
    // ...but the request in flight is answered in full.
    stream.write_all(body.as_bytes()).unwrap();
    let reply = read_reply(&mut stream);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["answer"]["id"], "faq-01", "{reply:?}");
    let status = server.wait();
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    assert!(server.log().contains("shutting down"), "{}", server.log());
}

#[test]
fn a_draining_server_tells_health_checks_and_keeps_answering_until_it_stops() {
    let data = tempfile::tempdir().unwrap();
    let corpus = fixture_corpus();
    let mut settings = env(&corpus, data.path());
    settings.push(("SIGNPOST_DRAIN_SECS", "2"));
    let mut server = ServerProcess::start(&settings);
    let addr = server.addr;
    let health = http(addr, "GET", "/healthz", &[], None);
    assert_eq!(
        (health.status, health.json()["status"].clone()),
        (200, "ok".into())
    );
    // The head of an answer to a request that asks to keep its connection open.
    let kept_alive_head = || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET /api/v1/ask?q=is+there+a+helpline HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_head(&mut stream).to_ascii_lowercase()
    };
    let head = kept_alive_head();
    assert!(
        head.starts_with("http/1.1 200") && !head.contains("connection: close"),
        "{head}"
    );

    server.signal("TERM");
    let mut health = None;
    wait_until(
        PATIENCE,
        || format!("never draining:\n{}", server.log()),
        || {
            let reply = http(addr, "GET", "/healthz", &[], None);
            let draining = reply.status != 200;
            health = Some(reply);
            draining
        },
    );
    let health = health.unwrap();
    assert_eq!(health.status, 503, "{health:?}");
    assert_eq!(health.json()["status"], "draining");
    // Still answering, each answer closing its connection.
    let reply = http(addr, "GET", "/api/v1/ask?q=is+there+a+helpline", &[], None);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["answer"]["id"], "faq-01");
    let head = kept_alive_head();
    assert!(
        head.starts_with("http/1.1 200") && head.contains("connection: close"),
        "{head}"
    );
    // Then it stops as before.
    let status = server.wait();
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn ctrl_c_stops_an_idle_server_with_exit_0() {
    let data = tempfile::tempdir().unwrap();
    let corpus = fixture_corpus();
    let mut server = ServerProcess::start(&env(&corpus, data.path()));
    assert_eq!(http(server.addr, "GET", "/healthz", &[], None).status, 200);
    server.signal("INT");
    let status = server.wait();
    assert!(status.success(), "exit status {status}:\n{}", server.log());
}

fn write_marker(corpus: &Path, word: &str) {
    let text = format!("---\nid: faq-09\ntitle: What is the release marker?\n---\nThe release marker of this corpus is {word}.\n");
    std::fs::write(corpus.join("faq/faq-09.md"), text).unwrap();
}

fn marker(addr: std::net::SocketAddr) -> (u16, String, String) {
    let reply = http(
        addr,
        "GET",
        "/api/v1/ask?q=what+is+the+release+marker",
        &[],
        None,
    );
    let text = reply.json()["answer"]["text"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (
        reply.status,
        reply
            .header("x-signpost-index-generation")
            .unwrap_or("")
            .to_string(),
        text,
    )
}

#[test]
fn sighup_rebuilds_the_index_and_a_broken_corpus_leaves_the_old_one() {
    let dirs = tempfile::tempdir().unwrap();
    let corpus = dirs.path().join("corpus");
    let data = dirs.path().join("data");
    copy_dir(&fixture_corpus(), &corpus);
    write_marker(&corpus, "amber");
    let server = ServerProcess::start(&env(&corpus, &data));
    let (status, generation, text) = marker(server.addr);
    assert_eq!((status, generation.as_str()), (200, "0"));
    assert!(text.contains("amber"), "{text}");

    write_marker(&corpus, "birch");
    server.signal("HUP");
    server.wait_for_log("reindex: generation 1 is serving", 1);
    let (status, generation, text) = marker(server.addr);
    assert_eq!((status, generation.as_str()), (200, "1"));
    assert!(text.contains("birch"), "{text}");

    std::fs::write(
        corpus.join("faq/faq-10.md"),
        "---\nid: faq-10\n---\nNo title.\n",
    )
    .unwrap();
    write_marker(&corpus, "cedar");
    server.signal("HUP");
    server.wait_for_log("reindex failed", 1);
    let (status, generation, text) = marker(server.addr);
    assert_eq!(
        (status, generation.as_str()),
        (200, "1"),
        "{}",
        server.log()
    );
    assert!(text.contains("birch"), "{text}");
    assert!(
        server.log().contains("faq/faq-10.md"),
        "the log names the broken file:\n{}",
        server.log()
    );
}

#[test]
fn a_full_disk_during_reindex_leaves_the_old_index_serving() {
    let dirs = tempfile::tempdir().unwrap();
    let corpus = dirs.path().join("corpus");
    let data = dirs.path().join("data");
    copy_dir(&fixture_corpus(), &corpus);
    // Enough text that the index files outgrow the limit below.
    let long =
        "The fixture programme published many notes about neighbourhood services. ".repeat(200);
    std::fs::write(
        corpus.join("faq/faq-11.md"),
        format!("---\nid: faq-11\ntitle: What did the notes say?\n---\n{long}\n"),
    )
    .unwrap();
    signpost_indexer::build_from_dir(&corpus, &data.join("index")).unwrap();
    let mut vars = env(&corpus, &data);
    vars.push(("SIGNPOST_ADMIN_TOKEN", TOKEN));
    // Only the index is written to in this test.
    vars.push(("SIGNPOST_STORE", "off"));
    // Files may grow to 8 blocks and no further, as on a full disk: writes fail with EFBIG
    // (SIGXFSZ is ignored, so the process is not killed for it).
    let server = match ServerProcess::start_with("trap '' XFSZ; ulimit -f 8;", &vars) {
        Ok(server) => server,
        Err((status, log)) => panic!("did not start ({status}):\n{log}"),
    };
    let auth = format!("Bearer {TOKEN}");
    let issued = http(
        server.addr,
        "GET",
        "/admin/form-token",
        &[("Authorization", &auth)],
        None,
    );
    let form_token = issued.json()["form_token"].as_str().unwrap().to_string();
    let reply = http(
        server.addr,
        "POST",
        "/admin/reindex",
        &[
            ("Authorization", &auth),
            ("x-signpost-form-token", &form_token),
        ],
        None,
    );
    assert_eq!(reply.status, 500, "{reply:?}");
    assert_eq!(reply.json()["error"]["code"], "reindex_failed", "{reply:?}");
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("previous one is still serving"),
        "{message}"
    );
    assert!(
        !message.contains(data.to_str().unwrap()) && !message.contains("os error"),
        "no server paths or system errors: {message}"
    );
    assert!(message.contains("writing the index failed"), "{message}");
    // The log has the whole error.
    server.wait_for_log("reindex failed", 1);
    assert!(
        server.log().contains("detail=") && server.log().contains("writing the index"),
        "{}",
        server.log()
    );
    let health = http(server.addr, "GET", "/healthz", &[], None);
    assert_eq!(
        (health.status, health.header("x-signpost-index-generation")),
        (200, Some("0"))
    );
    let ask = http(
        server.addr,
        "GET",
        "/api/v1/ask?q=is+there+a+helpline",
        &[],
        None,
    );
    assert_eq!(ask.status, 200, "{ask:?}");
    assert_eq!(ask.json()["answer"]["id"], "faq-01");
    // Nothing half-written is left behind.
    let names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["index"], "{names:?}");
}

/// Something done to a built index.
type Damage = fn(&Path);

/// Builds an index for the fixture corpus into `data/index`, then damages it with `damage`.
fn damaged_index(data: &Path, damage: impl FnOnce(&Path)) {
    let index = data.join("index");
    signpost_indexer::build_from_dir(&fixture_corpus(), &index).unwrap();
    damage(&index);
}

fn garbage_meta(index: &Path) {
    std::fs::write(index.join("meta.json"), "{ this is not json").unwrap();
}

/// Overwrites bytes in the middle of the largest segment file: it still opens, but its
/// checksum no longer matches.
fn flipped_segment_bytes(index: &Path) {
    let largest = std::fs::read_dir(index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|x| x != "json" && x != "txt")
                && !p.file_name().unwrap().to_string_lossy().starts_with('.')
        })
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut bytes = std::fs::read(&largest).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle.saturating_sub(8)..middle + 8] {
        *b ^= 0xA5;
    }
    std::fs::write(&largest, bytes).unwrap();
}

/// Cuts the passage texts file short, inside its last text.
fn truncated_texts(index: &Path) {
    let path = index.join(signpost_indexer::texts::TEXTS_FILE);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
}

#[test]
fn a_corrupt_index_is_rebuilt_at_start_and_the_log_says_so() {
    for (name, damage) in [
        ("garbage meta.json", garbage_meta as fn(&Path)),
        ("flipped segment bytes", flipped_segment_bytes),
        ("passage texts cut short", truncated_texts),
    ] {
        let data = tempfile::tempdir().unwrap();
        damaged_index(data.path(), damage);
        let corpus = fixture_corpus();
        let server = ServerProcess::start(&env(&corpus, data.path()));
        let log = server.log();
        assert!(
            log.contains("building the index because generation 0 could not be opened"),
            "{name}:\n{log}"
        );
        let ask = http(
            server.addr,
            "GET",
            "/api/v1/ask?q=is+there+a+helpline",
            &[],
            None,
        );
        assert_eq!(ask.status, 200, "{name}: {ask:?}");
        assert_eq!(ask.json()["answer"]["id"], "faq-01", "{name}");
        assert_eq!(
            ask.header("x-signpost-index-generation"),
            Some("1"),
            "{name}"
        );
    }
}

#[test]
fn without_a_corpus_the_server_refuses_a_corrupt_or_missing_index_but_serves_a_good_one() {
    let nowhere = tempfile::tempdir().unwrap();
    let no_corpus = nowhere.path().join("no-corpus");
    let cases: [(&str, Option<Damage>); 2] = [
        ("missing index", None),
        ("corrupt index", Some(garbage_meta)),
    ];
    for (name, damage) in cases {
        let data = tempfile::tempdir().unwrap();
        if let Some(damage) = damage {
            damaged_index(data.path(), damage);
        }
        let Err((status, log)) = ServerProcess::start_with("", &env(&no_corpus, data.path()))
        else {
            panic!("{name}: the server started without a usable index");
        };
        assert!(!status.success(), "{name}: {status}");
        assert!(
            log.contains("no usable index") && log.contains("no corpus"),
            "{name}:\n{log}"
        );
    }
    let data = tempfile::tempdir().unwrap();
    damaged_index(data.path(), |_| {});
    let server = ServerProcess::start(&env(&no_corpus, data.path()));
    assert!(
        server.log().contains("corpus folder not found"),
        "{}",
        server.log()
    );
    assert_eq!(
        http(
            server.addr,
            "GET",
            "/api/v1/ask?q=is+there+a+helpline",
            &[],
            None
        )
        .status,
        200
    );
}
