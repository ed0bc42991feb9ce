//! Feedback and content-gap analytics through the HTTP interface: asks and feedback are
//! recorded (redacted) and show up in the token-protected `/admin` report and its CSV
//! exports; answering goes on when the store cannot be written, and `/metrics` counts it.
//!
//! Why this file is over 500 lines: one scenario per recorded behaviour, each over a real
//! socket, sharing the fixtures at the top.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request};
use serde_json::{json, Value};
use signpost_e2e::{encode, Reply, TestApp};
use signpost_server::store::{self, report, Period, Store, StoreConfig};

const TOKEN: &str = "test-admin-token-0123456789";

/// The fixture app with a store at `path` and the admin token set.
fn app_with_store(path: std::path::PathBuf) -> (TestApp, Store) {
    with_store(TestApp::fixture(), path)
}

fn with_store(mut app: TestApp, path: std::path::PathBuf) -> (TestApp, Store) {
    let store = Store::start(StoreConfig::new(path));
    app.state = app
        .state
        .clone()
        .with_store(store.clone())
        .with_admin_token(TOKEN);
    (app, store)
}

/// The fixture app with a store in its own temporary folder.
fn fixture_with_store() -> (TestApp, Store) {
    let app = TestApp::fixture();
    let path = app.dir.path().join("signpost.sqlite3");
    with_store(app, path)
}

async fn get_with(app: &TestApp, uri: &str, authorization: Option<&str>) -> Reply {
    let mut request = Request::get(uri);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

async fn admin(app: &TestApp, uri: &str) -> Reply {
    get_with(app, uri, Some(&format!("Bearer {TOKEN}"))).await
}

async fn flush(store: &Store) {
    let store = store.clone();
    let done = tokio::task::spawn_blocking(move || store.flush(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(done, "the store's writer answered the flush");
}

/// The value of one metric line, e.g. `signpost_store_errors_total{op="write"}`.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[tokio::test]
async fn asks_and_feedback_show_up_in_the_report_redacted() {
    let (app, store) = fixture_with_store();

    let answered = app
        .get(&format!(
            "/api/v1/ask?q={}&site=leeds",
            encode("is there a helpline")
        ))
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(answered.json["answer"]["id"], "faq-01");
    assert_eq!(answered.json["feedback_url"], "/api/v1/feedback");

    let private = "What is the weather tomorrow? jane.doe@example.com 07700 900123";
    for _ in 0..2 {
        let reply = app
            .post_json("/api/v1/ask", &json!({ "q": private }).to_string())
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert!(reply.json["answer"].is_null(), "{}", reply.text);
    }
    let reworded = app
        .get(&format!("/api/v1/ask?q={}", encode("Weather tomorrow??")))
        .await;
    assert!(reworded.json["answer"].is_null(), "{}", reworded.text);

    let vote = json!({
        "answer_id": "faq-01",
        "question": "is there a helpline",
        "helpful": false,
        "comment": "It did not say when it is open. Call me on 020 7946 0958",
    });
    let reply = app.post_json("/api/v1/feedback", &vote.to_string()).await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(reply.json["status"], "accepted");
    flush(&store).await;

    // The page.
    let page = admin(&app, "/admin?since=7d").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        page.headers
    );
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let html = &page.text;
    assert!(
        html.contains("What is the weather tomorrow? [email] [phone]"),
        "{html}"
    );
    assert!(
        !html.contains("jane.doe") && !html.contains("07700"),
        "nothing personal on the page"
    );
    assert!(html.contains("<svg"), "{html}");
    assert!(
        html.contains("Is there a helpline?") && html.contains("faq-01"),
        "{html}"
    );
    assert!(
        html.contains("It did not say when it is open. Call me on [phone]"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "CSP-friendly"
    );

    // The same through the report the terminal prints.
    let text =
        report::terminal(store.database(), None, Period { days: 7 }, None, 10, None).unwrap();
    assert!(
        text.contains("Questions asked: 4   answered: 1 (25%)"),
        "{text}"
    );
    assert!(text.contains("1 not helpful, 0 helpful  faq-01"), "{text}");
    let unanswered_line = text
        .lines()
        .find(|l| l.contains("weather tomorrow? [email] [phone]"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        unanswered_line.trim_start().starts_with("3 "),
        "grouped: {unanswered_line}"
    );

    // Every list exports as CSV.
    let csv = admin(&app, "/admin/export/unanswered.csv?since=7d").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let disposition = csv.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"signpost-unanswered-7d-"),
        "{disposition}"
    );
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next(),
        Some("question,times_asked,answered,similar_wordings,last_asked_utc,sites")
    );
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("What is the weather tomorrow? [email] [phone],3,0,2,"),
        "{row}"
    );
    for list in ["questions-per-day", "not-helpful", "most-asked"] {
        let reply = admin(&app, &format!("/admin/export/{list}.csv")).await;
        assert_eq!(reply.status, 200, "{list}: {}", reply.text);
        assert!(reply.text.lines().count() >= 2, "{list}: {}", reply.text);
    }
    let not_helpful = admin(&app, "/admin/export/not-helpful.csv").await;
    assert!(
        not_helpful
            .text
            .contains("faq-01,Is there a helpline?,1,0,is there a helpline,"),
        "{}",
        not_helpful.text
    );

    // Nothing personal reached the database file or its write-ahead log.
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", store.database().display());
        let bytes = std::fs::read(&path).unwrap_or_default();
        let raw = String::from_utf8_lossy(&bytes);
        for secret in ["jane.doe@example.com", "07700 900123", "020 7946 0958"] {
            assert!(!raw.contains(secret), "{secret} found in {path}");
        }
    }
}

#[tokio::test]
async fn without_a_store_nothing_is_recorded_and_feedback_is_off() {
    let app = TestApp::fixture();
    let reply = app.get("/api/v1/ask?q=is+there+a+helpline").await;
    assert_eq!(reply.status, 200);
    assert!(reply.json["feedback_url"].is_null(), "{}", reply.text);
    let vote = json!({ "answer_id": "faq-01", "question": "helpline?", "helpful": true });
    let reply = app.post_json("/api/v1/feedback", &vote.to_string()).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "feedback_disabled");
}

#[tokio::test]
async fn feedback_is_validated_with_the_one_error_shape() {
    let (app, _store) = fixture_with_store();
    let long = "x".repeat(store::MAX_COMMENT_CHARS + 1);
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({ "question": "q", "helpful": true }),
            400,
            "invalid_feedback",
        ),
        (
            json!({ "answer_id": "", "question": "q", "helpful": true }),
            400,
            "invalid_feedback",
        ),
        (
            json!({ "answer_id": "no-such-answer", "question": "q", "helpful": true }),
            400,
            "unknown_answer",
        ),
        (
            json!({ "answer_id": "x".repeat(5000), "question": "q", "helpful": true }),
            400,
            "unknown_answer",
        ),
        (
            json!({ "answer_id": "faq-01", "helpful": true }),
            400,
            "empty_question",
        ),
        (
            json!({ "answer_id": "faq-01", "question": "   ", "helpful": true }),
            400,
            "empty_question",
        ),
        (
            json!({ "answer_id": "faq-01", "question": "q".repeat(501), "helpful": true }),
            400,
            "question_too_long",
        ),
        (
            json!({ "answer_id": "faq-01", "question": "is there\u{0} a helpline", "helpful": true }),
            400,
            "control_characters",
        ),
        (
            json!({ "answer_id": "faq-01", "question": "q" }),
            400,
            "invalid_feedback",
        ),
        (
            json!({ "answer_id": "faq-01", "question": "q", "helpful": "yes" }),
            400,
            "malformed_json",
        ),
        (
            json!({ "answer_id": "faq-01", "question": "q", "helpful": false, "comment": long }),
            400,
            "comment_too_long",
        ),
        (
            json!({ "answer_id": "faq-01", "question": "q", "helpful": false, "comment": "short" }),
            202,
            "",
        ),
        (
            json!({ "answer_id": "bins", "question": "q", "helpful": true, "comment": null }),
            202,
            "",
        ),
    ];
    for (body, status, code) in cases {
        let reply = app.post_json("/api/v1/feedback", &body.to_string()).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text);
        if status >= 400 {
            assert_eq!(reply.error_code(), code, "{body}: {}", reply.text);
            assert!(reply.json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
        }
    }
    let reply = app.post_json("/api/v1/feedback", "{not json").await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (400, "malformed_json")
    );
    let plain = Request::post("/api/v1/feedback")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let reply = app.send(plain).await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (415, "unsupported_media_type")
    );
    let reply = app.get("/api/v1/feedback").await;
    assert_eq!(reply.status, 405);
}

#[tokio::test]
async fn admin_is_404_when_no_token_is_configured() {
    let mut app = TestApp::fixture();
    let dir = tempfile::tempdir().unwrap();
    app.state = app
        .state
        .clone()
        .with_store(Store::start(StoreConfig::new(dir.path().join("s.sqlite3"))));
    for uri in ["/admin", "/admin/admin.css", "/admin/export/unanswered.csv"] {
        let reply = get_with(&app, uri, Some(&format!("Bearer {TOKEN}"))).await;
        assert_eq!(reply.status, 404, "{uri}");
        assert_eq!(reply.error_code(), "not_found", "{uri}");
    }
}

#[tokio::test]
async fn admin_needs_the_right_token() {
    let (app, _store) = fixture_with_store();
    let basic = |user_and_password: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_and_password)
        )
    };
    let cases: Vec<(Option<String>, u16, &str)> = vec![
        (None, 401, "unauthorized"),
        (Some("Bearer".into()), 401, "unauthorized"),
        (Some(format!("Token {TOKEN}")), 401, "unauthorized"),
        (
            Some("Bearer wrong-token-0123456789abc".into()),
            403,
            "forbidden",
        ),
        (Some(format!("Bearer {TOKEN}x")), 403, "forbidden"),
        (
            Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
            403,
            "forbidden",
        ),
        (Some(basic("editor:not-the-token")), 403, "forbidden"),
        (Some(format!("Bearer {TOKEN}")), 200, ""),
        (Some(format!("bearer {TOKEN}")), 200, ""),
        (Some(basic(&format!("editor:{TOKEN}"))), 200, ""),
    ];
    for uri in ["/admin", "/admin/export/most-asked.csv"] {
        for (authorization, status, code) in &cases {
            let reply = get_with(&app, uri, authorization.as_deref()).await;
            assert_eq!(
                reply.status, *status,
                "{uri} with {authorization:?}: {}",
                reply.text
            );
            if *status >= 400 {
                assert_eq!(reply.error_code(), *code, "{uri} with {authorization:?}");
            }
            if *status == 401 {
                let challenges: Vec<_> = reply
                    .headers
                    .get_all(header::WWW_AUTHENTICATE)
                    .iter()
                    .collect();
                assert_eq!(challenges.len(), 2, "{uri}: {challenges:?}");
            }
        }
    }
    // The stylesheet holds nothing secret: served without the token when admin is on.
    let css = app.get("/admin/admin.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");

    let reply = admin(&app, "/admin?since=forever").await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (400, "bad_period")
    );
    let reply = admin(&app, "/admin/export/secrets.csv").await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (404, "unknown_export")
    );
    let reply = admin(&app, "/admin/export/unanswered.json").await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (404, "unknown_export")
    );
    // Authentication comes before input checks: a stranger learns nothing from a bad period.
    let reply = app.get("/admin?since=forever").await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn answers_still_arrive_when_the_store_file_is_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("signpost.sqlite3");
    drop(store::open_for_writing(&path, Duration::from_secs(1)).unwrap());
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).unwrap();

    let (app, store) = app_with_store(path.clone());
    for _ in 0..3 {
        let reply = app.get("/api/v1/ask?q=is+there+a+helpline").await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json["answer"]["id"], "faq-01");
    }
    let vote = json!({ "answer_id": "faq-01", "question": "helpline", "helpful": true });
    assert_eq!(
        app.post_json("/api/v1/feedback", &vote.to_string())
            .await
            .status,
        202
    );
    flush(&store).await;

    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert_eq!(
        metric(&metrics.text, "signpost_store_errors_total{op=\"write\"}"),
        4.0
    );
    assert_eq!(
        metric(
            &metrics.text,
            "signpost_store_records_written_total{kind=\"ask\"}"
        ),
        0.0
    );
    assert_eq!(
        metric(
            &metrics.text,
            "signpost_answers_total{outcome=\"answered\"}"
        ),
        3.0
    );
    // The file really was not written, and the report still reads it.
    let report = store
        .report(Period { days: 7 }, store::now_unix(), 10)
        .unwrap();
    assert_eq!(report.questions, 0);
}

#[tokio::test]
async fn answers_still_arrive_when_the_store_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    // The store's folder is a file, which stops root as well as anyone else.
    std::fs::write(dir.path().join("data"), "not a folder").unwrap();
    let (app, store) = app_with_store(dir.path().join("data/signpost.sqlite3"));
    let reply = app.get("/api/v1/ask?q=is+there+a+helpline").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["answer"]["id"], "faq-01");
    flush(&store).await;
    let metrics = app.get("/metrics").await.text;
    assert!(
        metric(&metrics, "signpost_store_errors_total{op=\"open\"}") >= 1.0,
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "signpost_store_errors_total{op=\"write\"}"),
        1.0
    );
    // The report warns that it is incomplete; no path reaches the page.
    let reply = admin(&app, "/admin").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(
        reply.text.contains("1 records could not be written"),
        "{}",
        reply.text
    );
    assert!(
        !reply.text.contains(dir.path().to_str().unwrap()),
        "no paths reach a client"
    );
}

#[tokio::test]
async fn metrics_count_routes_statuses_answers_and_feedback() {
    let (app, store) = fixture_with_store();
    app.get("/api/v1/ask?q=is+there+a+helpline").await;
    app.get("/api/v1/ask?q=is+there+a+helpline").await;
    app.get("/api/v1/ask?q=what+is+the+weather+tomorrow").await;
    app.get("/api/v1/ask?q=").await;
    app.get("/api/v1/projects/no-such-project").await;
    app.get("/no/such/page/12345").await;
    let vote = json!({ "answer_id": "faq-01", "question": "helpline", "helpful": false });
    app.post_json("/api/v1/feedback", &vote.to_string()).await;
    flush(&store).await;

    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert!(reply.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let m = &reply.text;
    assert_eq!(
        metric(
            m,
            "signpost_http_requests_total{route=\"/api/v1/ask\",status=\"200\"}"
        ),
        3.0
    );
    assert_eq!(
        metric(
            m,
            "signpost_http_requests_total{route=\"/api/v1/ask\",status=\"400\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            m,
            "signpost_http_requests_total{route=\"/api/v1/projects/{slug}\",status=\"404\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            m,
            "signpost_http_requests_total{route=\"unmatched\",status=\"404\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            m,
            "signpost_http_requests_total{route=\"/api/v1/feedback\",status=\"202\"}"
        ),
        1.0
    );
    assert!(!m.contains("12345"), "unmatched paths never become labels");
    assert_eq!(
        metric(m, "signpost_answers_total{outcome=\"answered\"}"),
        2.0
    );
    assert_eq!(
        metric(m, "signpost_answers_total{outcome=\"unanswered\"}"),
        1.0
    );
    assert_eq!(metric(m, "signpost_answer_duration_seconds_count"), 3.0);
    assert_eq!(
        metric(m, "signpost_answer_duration_seconds_bucket{le=\"+Inf\"}"),
        3.0
    );
    assert_eq!(metric(m, "signpost_feedback_total{helpful=\"false\"}"), 1.0);
    assert_eq!(
        metric(m, "signpost_store_records_written_total{kind=\"ask\"}"),
        3.0
    );
    assert_eq!(
        metric(m, "signpost_store_records_written_total{kind=\"feedback\"}"),
        1.0
    );
    assert_eq!(metric(m, "signpost_store_errors_total{op=\"write\"}"), 0.0);
}

#[tokio::test]
async fn the_widget_may_send_feedback_from_a_council_site() {
    let (app, _store) = fixture_with_store();
    let reply = app
        .preflight("/api/v1/feedback", "https://www.exampleton.gov.uk")
        .await;
    assert!(reply.status.is_success(), "{}", reply.status);
    assert_eq!(reply.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(reply
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
        .is_none());

    let vote = Request::post("/api/v1/feedback")
        .header(header::ORIGIN, "https://www.exampleton.gov.uk")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"answer_id":"faq-01","question":"helpline?","helpful":true}"#,
        ))
        .unwrap();
    let reply = app.send(vote).await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(reply.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    // The report is not for other sites.
    let page = Request::get("/admin")
        .header(header::ORIGIN, "https://www.exampleton.gov.uk")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let reply = app.send(page).await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}
