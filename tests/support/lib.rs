//! Helpers for Signpost's end-to-end tests: build a temporary index from a corpus, drive the
//! application in-process with `oneshot`, or serve it on a real 127.0.0.1 socket.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use signpost_server::engine::{Engine, Settings};
use signpost_server::serve::ConnectionLimits;
use signpost_server::{app, AppState};
use tower::ServiceExt;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tiny fixture corpus in tests/fixtures/corpus.
pub fn fixture_corpus() -> PathBuf {
    repo_root().join("tests/fixtures/corpus")
}

/// The corpus Signpost ships.
pub fn shipped_corpus() -> PathBuf {
    repo_root().join("corpus")
}

/// An application over a temporary index. The index lives as long as this value.
pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    /// Builds an index from `corpus` into a temporary directory and loads it.
    pub fn from_corpus(corpus: &Path) -> TestApp {
        Self::with_settings(corpus, Settings::default())
    }

    pub fn with_settings(corpus: &Path, settings: Settings) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary directory");
        let index = dir.path().join("index");
        signpost_indexer::build_from_dir(corpus, &index).expect("corpus builds");
        let open = signpost_indexer::open_index(&index).expect("index opens");
        TestApp {
            state: AppState::new(Engine::new(open, settings)),
            dir,
        }
    }

    pub fn fixture() -> TestApp {
        Self::from_corpus(&fixture_corpus())
    }

    pub fn shipped() -> TestApp {
        Self::from_corpus(&shipped_corpus())
    }

    pub fn router(&self) -> Router {
        app(self.state.clone())
    }

    /// Sends one request in-process; returns the status, headers and body parsed as JSON
    /// (`Value::Null` when the body is not JSON).
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    /// A browser's CORS preflight for a JSON POST to `uri` from a page on `origin`.
    pub async fn preflight(&self, uri: &str, origin: &str) -> Reply {
        let request = Request::builder()
            .method(Method::OPTIONS)
            .uri(uri)
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    pub async fn post_json(&self, uri: &str, body: &str) -> Reply {
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// Serves the application on a real socket on 127.0.0.1; returns its address.
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        self.serve_on(listener, ConnectionLimits::default());
        addr
    }

    /// Serves on `listener` as the server does (TCP_NODELAY, the connection timeouts and cap
    /// of `limits`) until the test ends.
    pub fn serve_on(&self, listener: tokio::net::TcpListener, limits: ConnectionLimits) {
        let listener = signpost_server::http::nodelay(listener);
        let state = self.state.clone();
        tokio::spawn(async move {
            signpost_server::serve::serve_until(
                listener,
                state,
                std::future::pending(),
                std::time::Duration::from_secs(1),
                limits,
            )
            .await
            .expect("serve")
        });
    }

    /// Changes the application state (limits, admin token, reindexing) before serving.
    pub fn configure(mut self, change: impl FnOnce(AppState) -> AppState) -> TestApp {
        self.state = change(self.state);
        self
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Reply {
    /// The `error.code` of an error response.
    pub fn error_code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

/// Percent-encodes a question for a query string.
pub fn encode(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Copies a directory tree (a corpus a test wants to edit).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for item in std::fs::read_dir(from).expect("read the original") {
        let item = item.expect("directory entry");
        let target = to.join(item.file_name());
        if item.path().is_dir() {
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).expect("copy a file");
        }
    }
}

/// A response read from a raw socket.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    /// Header lines as `name: value`, names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one HTTP/1.1 response from `stream` (the server closes or sends Content-Length).
pub fn read_reply(stream: &mut std::net::TcpStream) -> RawReply {
    use std::io::Read;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    RawReply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// One request on a fresh connection (`Connection: close`), blocking; `body` is JSON.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra_headers: &[(&str, &str)],
    body: Option<&str>,
) -> RawReply {
    http_body(
        addr,
        method,
        path,
        extra_headers,
        body.map(|b| ("application/json", b)),
    )
}

/// Fields url-encoded as a form sends them: `a=1&q=two%20words`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One request on a fresh connection (`Connection: close`), blocking, with a `body` of the
/// given content type.
pub fn http_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    extra_headers: &[(&str, &str)],
    body: Option<(&str, &str)>,
) -> RawReply {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some((content_type, body)) = body {
        request.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.map_or("", |(_, body)| body));
    stream.write_all(request.as_bytes()).expect("send");
    read_reply(&mut stream)
}

/// The real `signpost-server` binary, built from this checkout for this test run.
///
/// The end-to-end tests are a package of their own, and Cargo sets `CARGO_BIN_EXE_<name>`
/// only for a package's own binaries, so the first call runs `cargo build -p signpost-server
/// --bin signpost-server` (the cargo running the tests, its target directory and profile) and
/// takes the executable's path from cargo's own report of it. A test therefore never runs a
/// binary left over from an older build: an up-to-date one costs cargo's freshness check.
pub fn server_binary() -> PathBuf {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY.get_or_init(build_server_binary).clone()
}

fn build_server_binary() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(repo_root())
        .args(["build", "--quiet", "--message-format=json"])
        .args(["-p", "signpost-server", "--bin", "signpost-server"]);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let output = command.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build -p signpost-server failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["name"] == "signpost-server")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo reports the signpost-server executable it built")
}

/// The real server binary running as a child process on 127.0.0.1, its log captured.
pub struct ServerProcess {
    child: std::process::Child,
    pub addr: SocketAddr,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

/// How long a test waits for a server to say something before giving up (a hang guard,
/// not a measurement).
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Polls `done` every 20 ms until it holds and returns how long that took; a hang guard
/// fails the test once `limit` has passed, saying `what()` (read only then, so it can carry a
/// server's log).
pub fn wait_until(
    limit: std::time::Duration,
    what: impl Fn() -> String,
    mut done: impl FnMut() -> bool,
) -> std::time::Duration {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < limit,
            "not within {limit:?}: {}",
            what()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    started.elapsed()
}

impl ServerProcess {
    /// Starts the server with these environment variables (on top of a clean
    /// `SIGNPOST_ADDR=127.0.0.1:0`) through `sh -c "<prefix> exec <server>"`, so a test can
    /// set shell limits first. Returns the exit status and log when it stops before serving.
    pub fn start_with(
        prefix: &str,
        env: &[(&str, &str)],
    ) -> Result<ServerProcess, (std::process::ExitStatus, String)> {
        use std::io::BufRead;
        let script = format!("{prefix} exec \"$0\"");
        let mut command = std::process::Command::new("sh");
        command.arg("-c").arg(script).arg(server_binary());
        command
            .env("SIGNPOST_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1");
        for (name, value) in env {
            command.env(name, value);
        }
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("spawn the server");
        let stderr = child.stderr.take().expect("stderr");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("serving on http://") {
                    let rest = &line[at + "serving on http://".len()..];
                    let addr = rest.split('/').next().unwrap_or("").to_string();
                    if let (Some(tx), Ok(addr)) = (tx.take(), addr.parse::<SocketAddr>()) {
                        let _ = tx.send(addr);
                    }
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        match rx.recv_timeout(PATIENCE) {
            Ok(addr) => Ok(ServerProcess { child, addr, log }),
            Err(_) => {
                let status = match child.try_wait().expect("try_wait") {
                    Some(status) => status,
                    None => {
                        let _ = child.kill();
                        child.wait().expect("wait")
                    }
                };
                let _ = reader.join();
                let log = log.lock().unwrap().clone();
                Err((status, log))
            }
        }
    }

    pub fn start(env: &[(&str, &str)]) -> ServerProcess {
        match Self::start_with("", env) {
            Ok(server) => server,
            Err((status, log)) => panic!("the server did not start ({status}):\n{log}"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`TERM`, `HUP`, `INT`) with `kill`.
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the server did not exit:\n{}",
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle` `times` times.
    pub fn wait_for_log(&self, needle: &str, times: usize) {
        let started = std::time::Instant::now();
        while self.log().matches(needle).count() < times {
            assert!(
                started.elapsed() < PATIENCE,
                "the log never said {needle:?} {times} times:\n{}",
                self.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
