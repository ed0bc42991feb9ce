//! The better report (issue 16, item 4) through the HTTP interface and the real binary:
//! questions declined on purpose stand apart from genuine gaps, the most asked questions show
//! the answer they got and its confidence, confident answers voted "not helpful" are listed,
//! and every list, export and `report --site` can be narrowed to one site.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request};
use serde_json::json;
use signpost_e2e::{encode, http, shipped_corpus, Reply, ServerProcess, TestApp, PATIENCE};
use signpost_server::store::report::{self, List, CONFIDENT};
use signpost_server::store::{Period, Store, StoreConfig};

const TOKEN: &str = "report-admin-token-0123456789";

/// The shipped corpus (it has the `your-council` decline and the small-talk replies) with a
/// store and the admin token.
fn shipped_with_store() -> (TestApp, Store) {
    let mut app = TestApp::shipped();
    let store = Store::start(StoreConfig::new(app.dir.path().join("signpost.sqlite3")));
    app.state = app
        .state
        .clone()
        .with_store(store.clone())
        .with_admin_token(TOKEN);
    (app, store)
}

async fn admin(app: &TestApp, uri: &str) -> Reply {
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

async fn flush(store: &Store) {
    let store = store.clone();
    let done = tokio::task::spawn_blocking(move || store.flush(Duration::from_secs(10)))
        .await
        .unwrap();
    assert!(done, "the store's writer answered the flush");
}

async fn ask(app: &TestApp, q: &str, site: Option<&str>) -> Reply {
    let site = site.map(|s| format!("&site={s}")).unwrap_or_default();
    let reply = app.get(&format!("/api/v1/ask?q={}{site}", encode(q))).await;
    assert_eq!(reply.status, 200, "{q}: {}", reply.text);
    reply
}

/// The page's section under the heading with this id, up to the section's end.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<h2 id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id} in {html}"));
    let end = start + html[start..].find("</section>").expect("the section ends");
    &html[start..end]
}

const BINS: &str = "when is my bin collection";
const UNKNOWN: &str = "what is the airspeed velocity of an unladen swallow";
const ANSWERED: &str = "who led parsol";

#[tokio::test]
async fn declined_questions_and_gaps_land_in_different_lists() {
    let (app, store) = shipped_with_store();

    let declined = ask(&app, BINS, Some("leeds")).await;
    assert!(declined.json["answer"].is_null(), "{}", declined.text);
    let unknown = ask(&app, UNKNOWN, Some("york")).await;
    assert!(unknown.json["answer"].is_null(), "{}", unknown.text);
    let hello = ask(&app, "hello", Some("leeds")).await;
    assert_eq!(hello.json["answer"]["kind"], "assistant", "{}", hello.text);
    let answered = ask(&app, ANSWERED, None).await;
    assert_eq!(answered.json["answer"]["id"], "parsol", "{}", answered.text);
    let confidence = answered.json["answer"]["confidence"].as_f64().unwrap();
    ask(&app, ANSWERED, Some("leeds")).await;
    flush(&store).await;

    let page = admin(&app, "/admin?since=7d").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "CSP-friendly"
    );

    // The summary: answered, declined on purpose (small talk included), unanswered.
    let summary = section(html, "summary");
    assert!(
        summary.contains("<dt>Answered</dt><dd>40%<span class=\"detail\"> (2 of 5)"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "<dt>Declined on purpose</dt><dd>2<span class=\"detail\"> (1 small talk)</span>"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("<dt>Unanswered</dt><dd>1</dd>"),
        "{summary}"
    );

    let gaps = section(html, "unanswered");
    assert!(gaps.contains(UNKNOWN), "{gaps}");
    assert!(
        !gaps.contains(BINS),
        "a deliberate decline is not a gap: {gaps}"
    );
    assert!(!gaps.contains("hello"), "small talk is not a gap: {gaps}");
    assert!(
        gaps.contains("<li>york (1)</li>"),
        "the site column: {gaps}"
    );

    let declines = section(html, "declined");
    assert!(declines.contains(BINS), "{declines}");
    assert!(
        declines.contains("Declined: your-council<span class=\"id\">1 of 1</span>"),
        "which decline it got: {declines}"
    );
    assert!(declines.contains("Reply: greeting"), "{declines}");
    assert!(!declines.contains(UNKNOWN), "{declines}");
    assert!(declines.contains("<li>leeds (1)</li>"), "{declines}");

    // The answer and its mean confidence next to the most asked question.
    let most = section(html, "most-asked");
    assert!(
        most.contains("<th scope=\"col\" class=\"num\">Mean confidence</th>"),
        "{most}"
    );
    let row = most
        .lines()
        .find(|l| l.contains(&format!("<td>{ANSWERED}</td>")))
        .unwrap_or_else(|| panic!("{most}"));
    assert!(
        row.contains("<span class=\"id\">parsol · 2 of 2</span>"),
        "{row}"
    );
    assert!(
        row.contains(&format!("<td class=\"num\">{confidence:.2}</td>")),
        "{row}"
    );
    assert!(
        row.contains("<li>leeds (1)</li><li>no site (1)</li>"),
        "{row}"
    );

    // The same split in the exports and the terminal report.
    let csv = admin(&app, "/admin/export/declined.csv?since=7d").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(csv.text.contains(&format!("{BINS},1,0,1,")), "{}", csv.text);
    assert!(
        csv.text
            .contains(",leeds (1),your-council,your-council,declined,1,\r\n"),
        "{}",
        csv.text
    );
    let csv = admin(&app, "/admin/export/unanswered.csv?since=7d").await;
    assert!(csv.text.contains(UNKNOWN), "{}", csv.text);
    assert!(!csv.text.contains(BINS), "{}", csv.text);
    let text =
        report::terminal(store.database(), None, Period { days: 7 }, None, 10, None).unwrap();
    assert!(
        text.contains("answered: 2 (40%)   declined on purpose: 2 (1 small talk)   unanswered: 1"),
        "{text}"
    );
    assert!(text.contains("declined your-council (1 of 1)"), "{text}");
}

#[tokio::test]
async fn a_confident_answer_voted_not_helpful_is_listed() {
    let (app, store) = shipped_with_store();
    let answered = ask(&app, ANSWERED, Some("leeds")).await;
    let confidence = answered.json["answer"]["confidence"].as_f64().unwrap();
    assert!(
        confidence >= f64::from(CONFIDENT),
        "the test needs a confident answer: {}",
        answered.text
    );
    let vote = json!({
        "answer_id": "parsol",
        "question": "Who led PARSOL?",
        "helpful": false,
        "comment": "I meant a different project",
        "site": "leeds",
    });
    let reply = app.post_json("/api/v1/feedback", &vote.to_string()).await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    flush(&store).await;

    let page = admin(&app, "/admin?since=7d").await;
    let list = section(&page.text, "confident-not-helpful");
    assert!(list.contains("<span class=\"id\">parsol</span>"), "{list}");
    assert!(list.contains("I meant a different project"), "{list}");
    assert!(list.contains("<li>leeds (1)</li>"), "{list}");
    let csv = admin(&app, "/admin/export/confident-not-helpful.csv").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let row = csv
        .text
        .lines()
        .find(|l| l.starts_with("parsol,"))
        .unwrap_or_else(|| panic!("{}", csv.text));
    assert!(
        row.ends_with(&format!(
            ",1,{confidence:.2},Who led PARSOL?,I meant a different project,leeds (1)"
        )),
        "{row}"
    );
    // The vote's site is counted for its site.
    let sites = admin(&app, "/admin/export/sites.csv").await;
    assert!(
        sites.text.contains("\r\nleeds,1,1,1.000,0,0,0,1\r\n"),
        "{}",
        sites.text
    );
}

#[tokio::test]
async fn a_site_filter_narrows_the_page_and_the_exports() {
    let (app, store) = shipped_with_store();
    ask(&app, BINS, Some("leeds")).await;
    ask(&app, UNKNOWN, Some("leeds")).await;
    ask(&app, UNKNOWN, Some("york")).await;
    let other = ask(&app, "how do penguins keep warm in winter", Some("york")).await;
    assert!(other.json["answer"].is_null(), "{}", other.text);
    ask(&app, ANSWERED, None).await;
    flush(&store).await;

    let all = admin(&app, "/admin?since=7d").await;
    let sites = section(&all.text, "sites");
    for row in [
        "<th scope=\"row\"><a href=\"/admin?since=7d&amp;site=leeds\">leeds</a></th><td class=\"num\">2</td>",
        "<th scope=\"row\"><a href=\"/admin?since=7d&amp;site=york\">york</a></th><td class=\"num\">2</td>",
        "<th scope=\"row\">No site</th><td class=\"num\">1</td>",
    ] {
        assert!(sites.contains(row), "{row} in {sites}");
    }
    assert!(all
        .text
        .contains("<form class=\"site-picker\" method=\"get\" action=\"/admin\">"));
    assert!(all.text.contains("<option value=\"leeds\">leeds</option>"));

    let leeds = admin(&app, "/admin?since=7d&site=leeds").await;
    assert_eq!(leeds.status, 200, "{}", leeds.text);
    let html = &leeds.text;
    assert!(html.contains("site <strong>leeds</strong>"), "{html}");
    assert!(
        html.contains("<option value=\"leeds\" selected>leeds</option>"),
        "{html}"
    );
    assert!(
        section(html, "summary").contains("<dt>Questions asked</dt><dd>2</dd>"),
        "{html}"
    );
    let gaps = section(html, "unanswered");
    assert!(gaps.contains(UNKNOWN), "{gaps}");
    assert!(!gaps.contains("penguins"), "york's question: {gaps}");
    assert!(
        gaps.contains("<td class=\"num\">1</td>"),
        "only leeds's ask counted: {gaps}"
    );
    assert!(html.contains("href=\"/admin/export/unanswered.csv?since=7d&amp;site=leeds\""));
    assert!(!section(html, "most-asked").contains(ANSWERED), "{html}");

    let csv = admin(&app, "/admin/export/unanswered.csv?since=7d&site=york").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let disposition = csv.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"signpost-unanswered-york-7d-"),
        "{disposition}"
    );
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next(),
        Some("question,times_asked,answered,similar_wordings,last_asked_utc,sites")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{}", csv.text);
    assert!(rows.iter().all(|r| r.ends_with(",york (1)")), "{rows:?}");
    let csv = admin(&app, "/admin/export/sites.csv?since=7d&site=leeds").await;
    assert_eq!(
        csv.text,
        "site,questions,answered,answered_share,declined,unanswered,helpful,not_helpful\r\n\
         leeds,2,0,0.000,1,1,0,0\r\n"
    );
    let nobody = admin(&app, "/admin?site=bath").await;
    assert_eq!(
        nobody.status, 200,
        "a site nobody asked from has no matches"
    );
    assert!(section(&nobody.text, "summary").contains("<dt>Questions asked</dt><dd>0</dd>"));
}

#[tokio::test]
async fn a_hostile_site_parameter_is_refused_with_400_never_500() {
    let (app, _store) = shipped_with_store();
    let long = "x".repeat(65);
    for bad in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "leeds%20council",
        "%00",
        "%E2%80%AEevil",
        "a%40b.com",
        "'%20OR%201%3D1%20--",
        long.as_str(),
    ] {
        for uri in [
            format!("/admin?site={bad}"),
            format!("/admin/export/sites.csv?since=30d&site={bad}"),
        ] {
            let reply = admin(&app, &uri).await;
            assert_eq!(reply.status, 400, "{uri}: {}", reply.text);
            assert_eq!(reply.error_code(), "bad_query_string", "{uri}");
            assert!(!reply.text.contains("<script"), "{}", reply.text);
        }
    }
    // Empty means every site; a stranger learns nothing from a bad site.
    assert_eq!(admin(&app, "/admin?site=").await.status, 200);
    let stranger = app.get("/admin?site=%3Cscript%3E").await;
    assert_eq!(stranger.status, 401);
}

#[tokio::test]
async fn feedback_takes_an_optional_site_cleaned_as_an_asks() {
    let (app, store) = shipped_with_store();
    for (site, status) in [
        (json!("leeds"), 202),
        (json!(" jane@example.com "), 202),
        (json!(null), 202),
        (json!("<b>"), 202),
        (json!(7), 400),
    ] {
        let vote = json!({ "answer_id": "parsol", "question": "who led parsol", "helpful": true, "site": site });
        let reply = app.post_json("/api/v1/feedback", &vote.to_string()).await;
        assert_eq!(reply.status, status, "{site}: {}", reply.text);
    }
    flush(&store).await;
    let csv = admin(&app, "/admin/export/sites.csv").await;
    let rows: Vec<&str> = csv.text.lines().skip(1).collect();
    assert_eq!(
        rows,
        [
            "b,0,0,0.000,0,0,1,0",
            "email,0,0,0.000,0,0,1,0",
            "leeds,0,0,0.000,0,0,1,0",
            ",0,0,0.000,0,0,1,0",
        ],
        "{}",
        csv.text
    );
}

/// The real binary: questions and votes over HTTP, the page and exports filtered by site,
/// then `signpost-server report --site` on the same store.
#[test]
fn the_real_server_and_the_report_command_filter_by_site() {
    let data = tempfile::tempdir().unwrap();
    let corpus = shipped_corpus();
    let env = [
        ("SIGNPOST_CORPUS", corpus.to_str().unwrap()),
        ("SIGNPOST_DATA", data.path().to_str().unwrap()),
        ("SIGNPOST_ADMIN_TOKEN", TOKEN),
    ];
    let server = ServerProcess::start(&env);
    let get = |path: &str| {
        let auth = format!("Bearer {TOKEN}");
        http(server.addr, "GET", path, &[("Authorization", &auth)], None)
    };
    for (q, site) in [(BINS, "leeds"), (UNKNOWN, "leeds"), (UNKNOWN, "york")] {
        let reply = get(&format!("/api/v1/ask?q={}&site={site}", encode(q)));
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let vote =
        r#"{"answer_id":"parsol","question":"who led parsol","helpful":false,"site":"york"}"#;
    let reply = http(server.addr, "POST", "/api/v1/feedback", &[], Some(vote));
    assert_eq!(reply.status, 202, "{}", reply.body);

    // The writer batches: wait until the store holds all four records.
    let started = std::time::Instant::now();
    let sites = loop {
        let reply = get("/admin/export/sites.csv?since=7d");
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body.contains("york,1,0,0.000,0,1,0,1") && reply.body.contains("leeds,2,") {
            break reply.body;
        }
        assert!(started.elapsed() < PATIENCE, "{}", reply.body);
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(sites.contains("\r\nleeds,2,0,0.000,1,1,0,0\r\n"), "{sites}");

    let page = get("/admin?since=7d&site=york");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("site <strong>york</strong>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(BINS), "leeds's question: {}", page.body);
    let bad = get("/admin?site=%3Cx%3E");
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("bad_query_string"), "{}", bad.body);

    let report = |args: &[&str]| {
        let mut command = std::process::Command::new(signpost_e2e::server_binary());
        command.arg("report").args(args);
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run signpost-server report")
    };
    let out = report(&["--since", "7d", "--site", "leeds"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("site leeds"), "{text}");
    assert!(text.contains("Questions asked: 2"), "{text}");
    assert!(text.contains("declined your-council"), "{text}");
    let out = report(&["--site", "leeds", "--csv", "declined"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{csv}");
    assert!(csv.contains(&format!("{BINS},1,0,1,")), "{csv}");
    assert!(csv.contains(",leeds (1),your-council,"), "{csv}");
    let out = report(&["--site", "<script>"]);
    assert!(!out.status.success(), "a bad site is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a site id"), "{err}");
    assert_eq!(List::from_name("sites"), Some(List::Sites));
}
