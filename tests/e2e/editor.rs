//! The editors' loop over a real socket: a question Signpost could not answer, taught as a
//! phrasing of the right entry through the admin endpoints, is answered right on the next
//! ask with no restart, survives a reindex and a restart, and undo restores the old answer;
//! out-of-scope fixes decline; a fix that breaks a right answer needs a second confirmation;
//! cross-site writes and writes without a form token are refused and change nothing; two
//! editors' fixes are both kept; bad input gets a 4xx JSON error.
//!
//! Why this file is over 500 lines: the editor loop's scenarios share the fixture at the top (a
//! served app over a copied corpus and a store).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use signpost_e2e::{
    copy_dir, encode, form_body, http_body, repo_root, shipped_corpus, RawReply, TestApp,
};
use signpost_server::config::Config;
use signpost_server::engine::Engine;
use signpost_server::http::csrf;
use signpost_server::index_setup::ensure_index_with;
use signpost_server::store::{learned, now_unix, Database, Store};
use signpost_server::AppState;

const TOKEN: &str = "editor-test-admin-token-0123";
/// Nothing in the shipped corpus answers it; FAQ 5 (where to start, who to ask) should.
const GAP: &str = "our parish council wants to join in with the shared toolkits";

struct Editor {
    /// Kept: the server it serves runs while it lives.
    _app: TestApp,
    addr: SocketAddr,
    store: Store,
    corpus: PathBuf,
    index: PathBuf,
    store_path: PathBuf,
    _dirs: tempfile::TempDir,
}

/// A server on the shipped corpus (copied) with a store, the admin token and reindexing,
/// its previews checking the dev set.
async fn editor() -> Editor {
    let dirs = tempfile::tempdir().unwrap();
    let corpus = dirs.path().join("corpus");
    copy_dir(&shipped_corpus(), &corpus);
    let index = dirs.path().join("data/index");
    let store_path = dirs.path().join("data/signpost.sqlite3");
    let (app, store) = app_on(&corpus, &index, &store_path);
    let addr = app.serve().await;
    Editor {
        _app: app,
        addr,
        store,
        corpus,
        index,
        store_path,
        _dirs: dirs,
    }
}

/// The app as the server starts it (`AppState::from_config`, as `main` does): what was
/// learned applied over the corpus.
fn app_on(corpus: &Path, index: &Path, store_path: &Path) -> (TestApp, Store) {
    let dev = repo_root().join("tests/data/dev.jsonl");
    let args = [
        Path::new("signpost-server"),
        Path::new("--corpus"),
        corpus,
        Path::new("--index"),
        index,
        Path::new("--store"),
        store_path,
        Path::new("--admin-token"),
        Path::new(TOKEN),
        Path::new("--preview-sets"),
        &dev,
    ];
    let config = Config::from_args(args).unwrap();
    let database = Database::Sqlite(store_path.to_path_buf());
    let overlay = learned::read_overlay(&database).unwrap();
    let open = ensure_index_with(corpus, index, &overlay).unwrap();
    let state = AppState::from_config(&config, Engine::new(open, config.settings), Some(database));
    let store = state.store().cloned().expect("the store is on");
    let app = TestApp {
        state,
        dir: tempfile::tempdir().unwrap(),
    };
    (app, store)
}

fn basic(user: &str) -> String {
    let pair = format!("{user}:{TOKEN}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// One request on a fresh connection; `form` is sent url-encoded.
async fn call(
    addr: SocketAddr,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    form: Option<Vec<(&'static str, String)>>,
) -> RawReply {
    tokio::task::spawn_blocking(move || {
        let fields: Vec<(&str, &str)> = form
            .iter()
            .flatten()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let body = form_body(&fields);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let body =
            (method == "POST").then_some(("application/x-www-form-urlencoded", body.as_str()));
        http_body(addr, method, &path, &headers, body)
    })
    .await
    .unwrap()
}

impl Editor {
    async fn ask(&self, q: &str) -> Value {
        let reply = call(
            self.addr,
            "GET",
            format!("/api/v1/ask?q={}", encode(q)),
            vec![],
            None,
        )
        .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json()
    }

    async fn answer_id(&self, q: &str) -> Option<String> {
        self.ask(q).await["answer"]["id"]
            .as_str()
            .map(str::to_string)
    }

    async fn flush(&self) {
        let store = self.store.clone();
        let done = tokio::task::spawn_blocking(move || store.flush(Duration::from_secs(10)))
            .await
            .unwrap();
        assert!(done);
    }

    async fn get_admin(&self, path: &str) -> RawReply {
        call(
            self.addr,
            "GET",
            path.to_string(),
            vec![("Authorization", basic("jo"))],
            None,
        )
        .await
    }

    /// An admin write as a script sends it: Basic auth, JSON wanted, a fresh form token.
    async fn post(&self, path: &str, fields: &[(&'static str, &str)]) -> RawReply {
        self.post_with(path, fields, vec![], true).await
    }

    async fn post_with(
        &self,
        path: &str,
        fields: &[(&'static str, &str)],
        extra: Vec<(&'static str, String)>,
        with_token: bool,
    ) -> RawReply {
        let mut form: Vec<(&'static str, String)> =
            fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if with_token {
            form.push((csrf::FIELD, csrf::issue(TOKEN.as_bytes(), now_unix())));
        }
        let mut headers = vec![
            ("Authorization", basic("jo")),
            ("Accept", "application/json".to_string()),
        ];
        headers.extend(extra);
        call(self.addr, "POST", path.to_string(), headers, Some(form)).await
    }

    fn learned_in_force(&self) -> usize {
        learned::read_overlay(&Database::Sqlite(self.store_path.clone()))
            .unwrap()
            .phrasings
            .len()
    }
}

fn fix<'a>(action: &'a str, entry: &'a str, question: &'a str) -> [(&'static str, &'a str); 3] {
    [("action", action), ("entry", entry), ("question", question)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_taught_as_a_phrasing_is_answered_at_once_and_undo_restores_it() {
    let editor = editor().await;
    assert_eq!(editor.answer_id(GAP).await, None, "a gap to start with");
    editor.flush().await;

    // The report leads to the queue: report, queue, "This means", "Apply fix" is three clicks.
    let report = editor.get_admin("/admin").await;
    assert!(
        report.body.contains("href=\"/admin/queue\""),
        "{}",
        report.body
    );
    // The queue lists it, with the engine's candidates and a way to pick FAQ 5.
    let queue = editor.get_admin("/admin/queue").await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains(GAP), "{}", queue.body);
    assert!(queue.body.contains("This means:"));
    assert!(queue.body.contains("name=\"form_token\""));
    assert!(queue.body.contains("value=\"faq-05\""));

    // The preview says it gets fixed, and nothing else in the dev set breaks.
    let preview = editor
        .post("/admin/preview", &fix("phrasing", "faq-05", GAP))
        .await;
    assert_eq!(preview.status, 200, "{preview:?}");
    let changes = preview.json()["changes"].as_array().unwrap().clone();
    assert_eq!(changes[0]["source"], "this-fix");
    assert_eq!(changes[0]["verdict"], "fixed");
    assert_eq!(changes[0]["after"]["entry_id"], "faq-05");
    assert!(
        preview.json()["checked"].as_u64().unwrap() > 40,
        "the dev set was asked"
    );
    assert_eq!(preview.json()["sets"], serde_json::json!(["dev.jsonl"]));
    assert!(
        changes.iter().all(|c| c["verdict"] != "broken"),
        "{changes:?}"
    );
    assert_eq!(
        editor.answer_id(GAP).await,
        None,
        "a preview changes nothing"
    );

    let applied = editor
        .post("/admin/fixes", &fix("phrasing", "faq-05", GAP))
        .await;
    assert_eq!(applied.status, 200, "{applied:?}");
    let id = applied.json()["id"].as_i64().unwrap();
    assert_eq!(
        editor.answer_id(GAP).await.as_deref(),
        Some("faq-05"),
        "live, no restart"
    );

    // Out of the queue, on the learned page with who taught it, audited.
    let queue = editor.get_admin("/admin/queue").await;
    assert!(!queue.body.contains(&format!("“{GAP}”")), "{}", queue.body);
    let page = editor.get_admin("/admin/learned").await;
    assert!(
        page.body.contains(GAP) && page.body.contains("by jo"),
        "{}",
        page.body
    );
    let exported = editor.get_admin("/admin/learned.json").await.json();
    assert_eq!(exported["phrasings"][0]["entry_id"], "faq-05");
    let conn = signpost_server::store::open_read_only(&editor.store_path).unwrap();
    let audit = learned::audit_log(&conn, 10).unwrap();
    assert_eq!(audit[0].editor, "jo");
    assert_eq!(audit[0].request_id.as_deref(), Some("POST /admin/fixes"));
    assert_eq!(audit[0].action, "learn");

    // The undo's preview: the phrasing goes back to no answer; nothing changes yet.
    let preview = editor
        .post(&format!("/admin/learned/{id}/preview"), &[])
        .await;
    assert_eq!(preview.status, 200, "{preview:?}");
    let undone_row = &preview.json()["changes"][0];
    assert_eq!(undone_row["source"], "this-undo", "{preview:?}");
    assert_eq!(undone_row["before"]["entry_id"], "faq-05");
    assert_eq!(undone_row["after"]["entry_id"], Value::Null);
    assert_eq!(editor.answer_id(GAP).await.as_deref(), Some("faq-05"));
    let page = editor.get_admin("/admin/learned").await;
    assert!(page
        .body
        .contains(&format!("action=\"/admin/learned/{id}/preview\"")));

    // Undo: the old answer is back, at once.
    let undone = editor.post(&format!("/admin/learned/{id}/undo"), &[]).await;
    assert_eq!(undone.status, 200, "{undone:?}");
    assert_eq!(editor.answer_id(GAP).await, None);
    assert_eq!(editor.learned_in_force(), 0);
    let again = editor.post(&format!("/admin/learned/{id}/undo"), &[]).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.json()["error"]["code"], "nothing_to_undo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_learned_survives_a_reindex_and_a_restart() {
    let editor = editor().await;
    let applied = editor
        .post("/admin/fixes", &fix("phrasing", "faq-05", GAP))
        .await;
    assert_eq!(applied.status, 200, "{applied:?}");
    let form_token = csrf::issue(TOKEN.as_bytes(), now_unix());
    let reindexed = editor
        .post_with(
            "/admin/reindex",
            &[],
            vec![(csrf::HEADER, form_token)],
            false,
        )
        .await;
    assert_eq!(reindexed.status, 200, "{reindexed:?}");
    assert_eq!(editor.answer_id(GAP).await.as_deref(), Some("faq-05"));

    // A restart: a new app opens the same index folder and store.
    let (restarted, _store) = app_on(&editor.corpus, &editor.index, &editor.store_path);
    let reply = restarted
        .get(&format!("/api/v1/ask?q={}", encode(GAP)))
        .await;
    assert_eq!(reply.json["answer"]["id"], "faq-05");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_scope_fixes_decline_and_a_fix_that_breaks_a_right_answer_needs_confirming() {
    let editor = editor().await;
    // Answered, wrongly, from the ODPM's name: not something Signpost knows.
    let bus = "who is the prime minister";
    let declined = editor
        .post("/admin/fixes", &fix("decline", "out-of-scope", bus))
        .await;
    assert_eq!(declined.status, 200, "{declined:?}");
    let reply = editor.ask(bus).await;
    assert_eq!(reply["answer"], Value::Null, "{reply}");
    assert!(reply["fallback"]["message"]
        .as_str()
        .unwrap()
        .contains("outside what I know"));

    // "PARSOL" is answered right in the dev set: declining it breaks that.
    let parsol = "PARSOL";
    let preview = editor
        .post("/admin/preview", &fix("decline", "your-council", parsol))
        .await;
    let broken = preview.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "broken")
        .count();
    assert!(broken > 0, "{preview:?}");
    let refused = editor
        .post("/admin/fixes", &fix("decline", "your-council", parsol))
        .await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert_eq!(refused.json()["error"]["code"], "confirm_breaks");
    assert_eq!(editor.answer_id(parsol).await.as_deref(), Some("parsol"));
    assert_eq!(editor.learned_in_force(), 1, "only the bus question");

    let mut confirmed = fix("decline", "your-council", parsol).to_vec();
    confirmed.push(("confirm_breaks", "yes"));
    let applied = editor.post("/admin/fixes", &confirmed).await;
    assert_eq!(applied.status, 200, "{applied:?}");
    assert_eq!(editor.answer_id(parsol).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_writes_and_writes_without_a_form_token_change_nothing() {
    let editor = editor().await;
    let form = fix("phrasing", "faq-05", GAP);
    let attempts = [
        (
            vec![("Origin", "https://evil.example".to_string())],
            true,
            "cross_site_write",
        ),
        (
            vec![("Sec-Fetch-Site", "cross-site".to_string())],
            true,
            "cross_site_write",
        ),
        (
            vec![("Origin", "null".to_string())],
            true,
            "cross_site_write",
        ),
        (vec![], false, "bad_form_token"),
    ];
    for (headers, with_token, code) in attempts {
        for path in ["/admin/fixes", "/admin/dismiss", "/admin/reindex"] {
            let reply = editor
                .post_with(path, &form, headers.clone(), with_token)
                .await;
            assert_eq!(reply.status, 403, "{path} {headers:?}: {reply:?}");
            assert_eq!(reply.json()["error"]["code"], code, "{path}");
        }
    }
    // A token issued under another admin token, or out of date, is no token.
    let mut forged = form.to_vec();
    let other = csrf::issue(b"some-other-admin-token-xyz", now_unix());
    forged.push((csrf::FIELD, other.as_str()));
    let reply = editor
        .post_with("/admin/fixes", &forged, vec![], false)
        .await;
    assert_eq!(reply.json()["error"]["code"], "bad_form_token");
    let mut stale = form.to_vec();
    let old = csrf::issue(TOKEN.as_bytes(), now_unix() - csrf::TOKEN_LIFETIME_SECS - 5);
    stale.push((csrf::FIELD, old.as_str()));
    let reply = editor
        .post_with("/admin/fixes", &stale, vec![], false)
        .await;
    assert_eq!(reply.json()["error"]["code"], "bad_form_token");
    // The same origin passes.
    let same = vec![("Origin", format!("http://{}", editor.addr))];
    let reply = editor.post_with("/admin/preview", &form, same, true).await;
    assert_eq!(reply.status, 200, "{reply:?}");

    assert_eq!(editor.answer_id(GAP).await, None);
    assert_eq!(editor.learned_in_force(), 0);
    let conn = signpost_server::store::open_read_only(&editor.store_path);
    if let Ok(conn) = conn {
        assert!(learned::audit_log(&conn, 10).unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_fixes_get_a_json_error_and_the_server_keeps_serving() {
    let editor = editor().await;
    let cases: [(&[(&'static str, &str)], &str); 7] = [
        (&fix("phrasing", "no-such-entry", GAP), "bad_fix"),
        (&fix("rewrite", "faq-05", GAP), "bad_fix"),
        (&fix("phrasing", "faq-05", "   "), "bad_fix"),
        (&fix("phrasing", "your-council", GAP), "bad_fix"),
        (&fix("decline", "faq-05", GAP), "bad_fix"),
        (
            &fix("phrasing", "faq-05", "Is there a helpline I can call?"),
            "bad_fix",
        ),
        (
            &fix("phrasing", "faq-05", "nul \u{0} inside"),
            "control_characters",
        ),
    ];
    for (form, code) in cases {
        for path in ["/admin/preview", "/admin/fixes"] {
            let reply = editor.post(path, form).await;
            assert_eq!(reply.status, 400, "{path} {form:?}: {reply:?}");
            assert_eq!(reply.json()["error"]["code"], code, "{path} {form:?}");
        }
    }
    let undo = editor.post("/admin/learned/not-a-number/undo", &[]).await;
    assert_eq!(undo.status, 400, "{undo:?}");
    let undo = editor.post("/admin/learned/9999/undo", &[]).await;
    assert_eq!(undo.status, 404, "{undo:?}");
    let no_auth = call(
        editor.addr,
        "POST",
        "/admin/fixes".into(),
        vec![],
        Some(vec![("action", "phrasing".into())]),
    )
    .await;
    assert_eq!(no_auth.status, 401);
    assert_eq!(editor.learned_in_force(), 0);
    assert_eq!(editor.ask("who led parsol").await["answer"]["id"], "parsol");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_editors_fixing_at_once_both_keep_their_change_and_dismiss_hides_a_group() {
    let editor = editor().await;
    let other = "is there any help for small district councils getting started";
    let (first, second) = (
        fix("phrasing", "faq-05", GAP),
        fix("phrasing", "faq-05", other),
    );
    let (a, b) = tokio::join!(
        editor.post("/admin/fixes", &first),
        editor.post("/admin/fixes", &second),
    );
    assert_eq!((a.status, b.status), (200, 200), "{a:?} {b:?}");
    assert_eq!(editor.learned_in_force(), 2);
    assert_eq!(editor.answer_id(GAP).await.as_deref(), Some("faq-05"));
    assert_eq!(editor.answer_id(other).await.as_deref(), Some("faq-05"));

    let gap = "how many wombats live in the programme office";
    editor.ask(gap).await;
    editor.flush().await;
    assert!(editor.get_admin("/admin/queue").await.body.contains(gap));
    let dismissed = editor.post("/admin/dismiss", &[("question", gap)]).await;
    assert_eq!(dismissed.status, 200, "{dismissed:?}");
    assert!(!editor.get_admin("/admin/queue").await.body.contains(gap));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learned_phrasings_exported_fold_into_the_corpus_files_with_the_indexer() {
    let editor = editor().await;
    let applied = editor
        .post("/admin/fixes", &fix("phrasing", "faq-05", GAP))
        .await;
    assert_eq!(applied.status, 200, "{applied:?}");
    let exported = editor.get_admin("/admin/learned.json").await;
    assert_eq!(exported.status, 200);
    let learned_file = editor.corpus.with_file_name("learned.json");
    std::fs::write(&learned_file, &exported.body).unwrap();

    let corpus = editor.corpus.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO"))
            .args(["run", "--quiet", "-p", "signpost-indexer", "--", "fold"])
            .arg(&learned_file)
            .arg("--corpus")
            .arg(&corpus)
            .current_dir(repo_root())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("wrote 1 learned phrasings into 1 files"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(editor.corpus.join("faq/faq-05.md")).unwrap();
    assert!(text.contains(&format!("  - {GAP}\n")), "{text}");

    // The corpus alone, with nothing learned, now answers it.
    let folded = TestApp::from_corpus(&editor.corpus);
    let reply = folded.get(&format!("/api/v1/ask?q={}", encode(GAP))).await;
    assert_eq!(reply.json["answer"]["id"], "faq-05");
}
