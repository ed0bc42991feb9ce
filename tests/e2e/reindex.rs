//! Reindexing while serving: `POST /admin/reindex` behind the admin token builds a new
//! generation and swaps it in atomically — questions asked throughout never fail and each
//! answer matches the generation its header names — and a failed build leaves the old index
//! serving.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use signpost_e2e::{copy_dir, fixture_corpus, Reply, TestApp};
use signpost_server::engine::{Engine, Settings};
use signpost_server::index_setup::{ensure_index, IndexLayout};
use signpost_server::reindex::Reindexer;
use signpost_server::store::now_unix;
use signpost_server::AppState;

const TOKEN: &str = "test-admin-token-0123456789";

/// A word that names each generation; generation N's corpus says the marker is `MARKERS[N]`.
const MARKERS: [&str; 8] = [
    "amber", "birch", "cedar", "damson", "elder", "fennel", "ginger", "hazel",
];

const MARKER_QUESTION: &str = "/api/v1/ask?q=what+is+the+release+marker";

fn write_marker(corpus: &Path, generation: usize) {
    let text = format!(
        "---\nid: faq-09\ntitle: What is the release marker?\n---\nThe release marker of this corpus is {}.\n",
        MARKERS[generation]
    );
    std::fs::write(corpus.join("faq/faq-09.md"), text).unwrap();
}

/// A server over a corpus copy the test may edit, with reindexing on.
struct Fixture {
    app: TestApp,
    corpus: PathBuf,
    index: PathBuf,
    _dirs: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dirs = tempfile::tempdir().unwrap();
    let corpus = dirs.path().join("corpus");
    copy_dir(&fixture_corpus(), &corpus);
    write_marker(&corpus, 0);
    let index = dirs.path().join("data/index");
    let open = ensure_index(&corpus, &index).unwrap();
    let state = AppState::new(Engine::new(open, Settings::default()))
        .with_admin_token(TOKEN)
        .with_reindexer(Reindexer::new(&corpus, &index));
    let app = TestApp {
        state,
        dir: tempfile::tempdir().unwrap(),
    };
    Fixture {
        app,
        corpus,
        index,
        _dirs: dirs,
    }
}

async fn reindex(app: &TestApp, token: Option<&str>) -> Reply {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/admin/reindex");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    // An admin write needs a form token the server issued (under the right admin token).
    let form_token = signpost_server::http::csrf::issue(TOKEN.as_bytes(), now_unix());
    request = request.header(signpost_server::http::csrf::HEADER, form_token);
    app.send(request.body(Body::empty()).unwrap()).await
}

fn generation(reply: &Reply) -> usize {
    reply.headers["x-signpost-index-generation"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn marker_of(reply: &Reply) -> &str {
    let text = reply.json["answer"]["text"].as_str().unwrap_or("");
    MARKERS
        .iter()
        .find(|m| text.contains(*m))
        .copied()
        .unwrap_or("none")
}

#[tokio::test]
async fn reindexing_needs_the_admin_token() {
    let f = fixture();
    // Without a token configured, /admin does not exist.
    let off = AppState::new(Engine::new(
        signpost_indexer::open_index(&IndexLayout::new(&f.index).dir(0)).unwrap(),
        Settings::default(),
    ))
    .with_reindexer(Reindexer::new(&f.corpus, &f.index));
    let off = TestApp {
        state: off,
        dir: tempfile::tempdir().unwrap(),
    };
    let reply = reindex(&off, Some(TOKEN)).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (404, "not_found")
    );
    let reply = reindex(&f.app, None).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (401, "unauthorized")
    );
    assert!(reply.headers.contains_key("www-authenticate"));
    for token in [
        "wrong",
        "test-admin-token-012345678",
        "test-admin-token-01234567890",
    ] {
        let reply = reindex(&f.app, Some(token)).await;
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (403, "forbidden"),
            "{token:?}"
        );
    }
    let reply = f
        .app
        .send(Request::get("/admin/reindex").body(Body::empty()).unwrap())
        .await;
    assert_eq!(reply.status, 405);
    assert_eq!(
        generation(&f.app.get("/healthz").await),
        0,
        "nothing was rebuilt"
    );
    let reply = reindex(&f.app, Some(TOKEN)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["generation"], 1);
    assert_eq!(reply.json["previous_generation"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_reindexes_under_continuous_questions_lose_nothing() {
    let f = fixture();
    let before = f.app.get(MARKER_QUESTION).await;
    assert_eq!(
        (generation(&before), marker_of(&before)),
        (0, MARKERS[0]),
        "{}",
        before.text
    );

    let stop = Arc::new(AtomicBool::new(false));
    let mut askers = Vec::new();
    for _ in 0..4 {
        let state = f.app.state.clone();
        let stop = stop.clone();
        askers.push(tokio::spawn(async move {
            let app = TestApp {
                state,
                dir: tempfile::tempdir().unwrap(),
            };
            let mut seen: Vec<(u16, usize, String)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let reply = app.get(MARKER_QUESTION).await;
                seen.push((
                    reply.status.as_u16(),
                    generation(&reply),
                    marker_of(&reply).to_string(),
                ));
            }
            seen
        }));
    }
    for n in 1..=5 {
        write_marker(&f.corpus, n);
        let reply = reindex(&f.app, Some(TOKEN)).await;
        assert_eq!(reply.status, 200, "reindex {n}: {}", reply.text);
        assert_eq!(reply.json["generation"], n, "{}", reply.text);
        // Keep asking for a moment on each generation.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    let mut generations_seen = std::collections::BTreeSet::new();
    for asker in askers {
        for (status, generation, marker) in asker.await.unwrap() {
            total += 1;
            assert_eq!(status, 200, "a question failed during reindexing");
            assert_eq!(
                marker, MARKERS[generation],
                "generation {generation} answered with another generation's text"
            );
            generations_seen.insert(generation);
        }
    }
    assert!(total > 20, "only {total} questions were asked");
    assert!(generations_seen.contains(&5), "{generations_seen:?}");
    let after = f.app.get(MARKER_QUESTION).await;
    assert_eq!((generation(&after), marker_of(&after)), (5, MARKERS[5]));
    assert_eq!(f.app.get("/healthz").await.json["generation"], 5);
    // The one serving and the one just retired are kept; older ones, the first included, are gone.
    assert_eq!(IndexLayout::new(&f.index).generations().unwrap(), [4, 5]);
}

#[tokio::test]
async fn an_invalid_corpus_leaves_the_old_index_serving_and_says_why() {
    let f = fixture();
    write_marker(&f.corpus, 1);
    assert_eq!(reindex(&f.app, Some(TOKEN)).await.status, 200);
    std::fs::write(
        f.corpus.join("faq/faq-10.md"),
        "---\nid: faq-10\ntitel: Misspelt key\n---\nText.\n",
    )
    .unwrap();
    write_marker(&f.corpus, 2);
    let reply = reindex(&f.app, Some(TOKEN)).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (422, "corpus_invalid"),
        "{}",
        reply.text
    );
    let message = reply.json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("faq/faq-10.md:3"),
        "names the file and line: {message}"
    );
    assert!(
        !message.contains(f.corpus.to_str().unwrap()),
        "no server paths: {message}"
    );
    let still = f.app.get(MARKER_QUESTION).await;
    assert_eq!(
        (still.status.as_u16(), generation(&still), marker_of(&still)),
        (200, 1, MARKERS[1])
    );
    // Fixed, it goes through.
    std::fs::remove_file(f.corpus.join("faq/faq-10.md")).unwrap();
    let reply = reindex(&f.app, Some(TOKEN)).await;
    assert_eq!(reply.json["generation"], 2, "{}", reply.text);
    assert_eq!(marker_of(&f.app.get(MARKER_QUESTION).await), MARKERS[2]);
}

#[tokio::test]
async fn a_missing_corpus_leaves_the_old_index_serving() {
    let f = fixture();
    std::fs::rename(&f.corpus, f.corpus.with_file_name("moved")).unwrap();
    let reply = reindex(&f.app, Some(TOKEN)).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (422, "corpus_invalid"),
        "{}",
        reply.text
    );
    assert_eq!(f.app.get(MARKER_QUESTION).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reindex_while_one_runs_is_refused_not_queued() {
    let f = fixture();
    let (a, b) = tokio::join!(reindex(&f.app, Some(TOKEN)), reindex(&f.app, Some(TOKEN)));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", a.text, b.text);
    let refused = if a.status == 409 { &a } else { &b };
    assert_eq!(refused.error_code(), "reindex_in_progress");
}
