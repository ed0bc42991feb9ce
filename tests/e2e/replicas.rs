//! Two real servers sharing one PostgreSQL store (issue 20): a vote taken by one is in the
//! other's report; a phrasing taught on one is served by the other; the database stopped
//! under traffic costs no answer, the lost records are counted, and recording resumes when it
//! is back. Runs when `SIGNPOST_TEST_POSTGRES` names a database (the test command starts a
//! throwaway cluster and sets it); `SIGNPOST_TEST_PG_SCRIPT` and `SIGNPOST_TEST_PG_DATA`
//! let the test stop and start that cluster.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::json;
use signpost_e2e::{
    encode, form_body, http, http_body, shipped_corpus, wait_until, RawReply, ServerProcess,
};
use signpost_server::http::csrf;
use signpost_server::store::now_unix;
use signpost_server::store::testing::TestStore;

const TOKEN: &str = "replicas-test-admin-token-0123";
/// A question the shipped corpus does not answer until an editor teaches it (faq-05).
const GAP: &str = "our parish council wants to join in with the shared toolkits";
/// What the issue allows between a change on one replica and the other serving it.
const PROPAGATION: Duration = Duration::from_secs(5);

fn admin_headers() -> Vec<(&'static str, String)> {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("jo:{TOKEN}"));
    vec![
        ("Authorization", format!("Basic {basic}")),
        ("Accept", "application/json".into()),
    ]
}

fn get(addr: SocketAddr, path: &str, headers: &[(&str, String)]) -> RawReply {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    http(addr, "GET", path, &headers, None)
}

fn answer_id(addr: SocketAddr, q: &str) -> Option<String> {
    let reply = get(addr, &format!("/api/v1/ask?q={}", encode(q)), &[]);
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json()["answer"]["id"].as_str().map(str::to_string)
}

/// A form POST as an admin script sends it.
fn post_form(addr: SocketAddr, path: &str, fields: &[(&str, &str)]) -> RawReply {
    let token = csrf::issue(TOKEN.as_bytes(), now_unix());
    let mut fields = fields.to_vec();
    fields.push((csrf::FIELD, &token));
    let body = form_body(&fields);
    let headers = admin_headers();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    http_body(
        addr,
        "POST",
        path,
        &headers,
        Some(("application/x-www-form-urlencoded", &body)),
    )
}

/// A metric's value from `/metrics` (0 when absent).
fn metric(addr: SocketAddr, line_start: &str) -> u64 {
    let reply = get(addr, "/metrics", &[]);
    reply
        .body
        .lines()
        .find_map(|l| l.strip_prefix(line_start))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn replica(store_url: &str, data: &std::path::Path) -> ServerProcess {
    let corpus = shipped_corpus();
    ServerProcess::start(&[
        ("SIGNPOST_CORPUS", corpus.to_str().unwrap()),
        ("SIGNPOST_DATA", data.to_str().unwrap()),
        ("SIGNPOST_STORE", store_url),
        ("SIGNPOST_ADMIN_TOKEN", TOKEN),
        ("SIGNPOST_RATE_LIMIT_PER_MINUTE", "0"),
    ])
}

#[test]
fn two_replicas_share_one_postgres_store() {
    let Some(store) = TestStore::postgres() else {
        eprintln!("SIGNPOST_TEST_POSTGRES is not set: the two-replica test is skipped");
        return;
    };
    let url = store.url.clone().unwrap();
    let dirs = tempfile::tempdir().unwrap();
    let a = replica(&url, &dirs.path().join("a"));
    let b = replica(&url, &dirs.path().join("b"));
    b.wait_for_log("listening for other replicas' changes", 1);
    let (a, b) = (a.addr, b.addr);

    // A vote taken by A is in B's report.
    let vote = json!({
        "answer_id": "faq-01",
        "question": "is there a helpline",
        "helpful": false,
        "comment": "replica A took this vote",
    });
    let reply = http(a, "POST", "/api/v1/feedback", &[], Some(&vote.to_string()));
    assert_eq!(reply.status, 202, "{reply:?}");
    wait_until(
        Duration::from_secs(30),
        || "the vote in B's report".into(),
        || {
            let csv = get(
                b,
                "/admin/export/not-helpful.csv?since=7d",
                &admin_headers(),
            );
            assert_eq!(csv.status, 200, "{csv:?}");
            csv.body.contains("replica A took this vote")
        },
    );

    // A phrasing taught on A is served by B.
    assert_eq!(answer_id(a, GAP), None);
    assert_eq!(answer_id(b, GAP), None);
    let taught = post_form(
        a,
        "/admin/fixes",
        &[
            ("action", "phrasing"),
            ("entry", "faq-05"),
            ("question", GAP),
        ],
    );
    assert_eq!(taught.status, 200, "{taught:?}");
    assert_eq!(
        answer_id(a, GAP).as_deref(),
        Some("faq-05"),
        "A serves it at once"
    );
    wait_until(
        PROPAGATION,
        || "B serving A's phrasing".into(),
        || answer_id(b, GAP).as_deref() == Some("faq-05"),
    );
    // Undone on B, it goes from A.
    let id = taught.json()["id"].as_i64().unwrap();
    let undone = post_form(b, &format!("/admin/learned/{id}/undo"), &[]);
    assert_eq!(undone.status, 200, "{undone:?}");
    assert_eq!(answer_id(b, GAP), None);
    wait_until(
        PROPAGATION,
        || "A dropping the phrasing B undid".into(),
        || answer_id(a, GAP).is_none(),
    );

    // The database stopped under traffic: every ask answered, the losses counted, and
    // recording back once it is.
    let (Ok(script), Ok(cluster)) = (
        std::env::var("SIGNPOST_TEST_PG_SCRIPT"),
        std::env::var("SIGNPOST_TEST_PG_DATA"),
    ) else {
        eprintln!("SIGNPOST_TEST_PG_SCRIPT/DATA are not set: the database is not stopped");
        return;
    };
    let pg = |action: &str| {
        let status = std::process::Command::new("bash")
            .args([script.as_str(), action, cluster.as_str()])
            .status()
            .unwrap();
        assert!(status.success(), "pg.sh {action}");
    };
    let written = "signpost_store_records_written_total{kind=\"ask\"} ";
    let lost = |addr| {
        metric(addr, "signpost_store_errors_total{op=\"write\"} ")
            + metric(addr, "signpost_store_dropped_total ")
    };
    let asked_before = metric(a, written);
    let traffic = std::thread::spawn(move || {
        let mut statuses = Vec::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(4) {
            let reply = get(
                a,
                &format!("/api/v1/ask?q={}", encode("who led parsol")),
                &[],
            );
            statuses.push((reply.status, reply.json()["answer"]["id"].clone()));
        }
        statuses
    });
    std::thread::sleep(Duration::from_millis(500));
    pg("stop");
    std::thread::sleep(Duration::from_secs(2));
    let statuses = traffic.join().unwrap();
    assert!(statuses.len() > 10, "{}", statuses.len());
    assert!(
        statuses
            .iter()
            .all(|(status, id)| *status == 200 && id.as_str() == Some("parsol")),
        "every ask answered while the database was down: {statuses:?}"
    );
    wait_until(
        Duration::from_secs(30),
        || "the losses counted".into(),
        || lost(a) > 0,
    );
    pg("start");
    let after_restart = metric(a, written);
    wait_until(
        Duration::from_secs(30),
        || "recording resumed".into(),
        || {
            assert_eq!(answer_id(a, "who led parsol").as_deref(), Some("parsol"));
            metric(a, written) > after_restart
        },
    );
    assert!(metric(a, written) > asked_before);
    drop(store);
}
