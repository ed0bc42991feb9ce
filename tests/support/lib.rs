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
        let router = self.router();
        let listener = signpost_server::http::nodelay(listener);
        tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
        addr
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
