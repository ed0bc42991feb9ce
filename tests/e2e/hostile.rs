//! Hostile input: any string at all, through the answer engine and through the HTTP app, gets
//! an answer or a 4xx in the error shape — never a panic or a 5xx — and questions over the
//! limits are refused before they reach the engine.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Method, Request};
use proptest::prelude::*;
use serde_json::json;
use signpost_e2e::{encode, Reply, TestApp};
use signpost_server::engine::{AskRequest, AskResponse, Engine, Limits, Settings};
use signpost_server::http::HttpSettings;

/// The shipped corpus, built once for the whole module: a large vocabulary exercises typo
/// correction, synonyms and compounds on every generated string.
fn shipped() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(TestApp::shipped)
}

/// The same corpus with limits so high that nothing is refused for size, so the whole
/// analysis and search path sees even the 10,000-word questions.
fn unlimited() -> &'static TestApp {
    static APP: OnceLock<TestApp> = OnceLock::new();
    APP.get_or_init(|| {
        let limits = Limits {
            max_chars: 1_000_000,
            max_words: 1_000_000,
            ..Limits::default()
        };
        TestApp::with_settings(
            &signpost_e2e::shipped_corpus(),
            Settings {
                limits,
                ..Settings::default()
            },
        )
    })
}

/// What an answer must satisfy whatever the question: highlights inside their passage's
/// text (in characters), confidence and scores that are numbers in range.
fn check_answer(q: &str, response: &AskResponse) {
    if let Some(answer) = &response.answer {
        assert!(
            (0.0..=1.0).contains(&answer.confidence),
            "{q:?}: confidence {}",
            answer.confidence
        );
    }
    for passage in &response.passages {
        let chars = passage.text.chars().count();
        for [from, to] in &passage.highlights {
            assert!(
                from < to && *to <= chars,
                "{q:?}: highlight {from}..{to} outside {chars} chars in {}",
                passage.id
            );
        }
        assert!(passage.score.is_finite(), "{q:?}: score {}", passage.score);
    }
    for project in &response.projects {
        assert!(
            project.score.is_finite() && project.score >= 0.0,
            "{q:?}: project score {}",
            project.score
        );
    }
}

fn ask_engine(engine: &Engine, q: &str) {
    let request = AskRequest {
        q: q.to_string(),
        limit: None,
        context: None,
    };
    if let Ok(response) = engine.ask(&request) {
        check_answer(q, &response);
    }
}

/// A 200 with an answer, or a 4xx in the error shape.
fn assert_answered_or_refused(what: &str, reply: &Reply) {
    let status = reply.status.as_u16();
    match status {
        200 => assert!(
            reply.json.get("answer").is_some(),
            "{what}: 200 without an answer: {}",
            reply.text
        ),
        400..=499 => {
            let code = reply.json["error"]["code"].as_str().unwrap_or("");
            assert!(
                !code.is_empty(),
                "{what}: {status} without the error shape: {}",
                reply.text
            );
        }
        _ => panic!("{what}: status {status}: {}", reply.text),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn ask_http(app: &TestApp, q: &str) {
    let shown: String = q.chars().take(40).collect();
    let body = json!({ "q": q }).to_string();
    assert_answered_or_refused(
        &format!("POST {shown:?}"),
        &app.post_json("/api/v1/ask", &body).await,
    );
    assert_answered_or_refused(
        &format!("GET {shown:?}"),
        &app.get(&format!("/api/v1/ask?q={}", encode(q))).await,
    );
}

/// Strings built from the pieces query parsers and analyzers trip over, mixed with words the
/// corpus knows and arbitrary characters.
fn tricky_question() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("-".to_string()),
        Just("+".to_string()),
        Just("*".to_string()),
        Just("\"".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just(":".to_string()),
        Just("~".to_string()),
        Just("^2".to_string()),
        Just("\\".to_string()),
        Just("AND".to_string()),
        Just("OR".to_string()),
        Just("NOT".to_string()),
        Just("title:".to_string()),
        Just("e-".to_string()),
        Just("planning".to_string()),
        Just("parsol".to_string()),
        Just("helpline".to_string()),
        Just("e gov".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{200d}".to_string()),
        Just("\u{301}".to_string()),
        Just("🙂".to_string()),
        Just(" ".to_string()),
        any::<char>().prop_map(String::from),
        "[a-z]{1,12}",
    ];
    prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_answers_or_refuses_any_unicode_string(q in any::<String>()) {
        ask_engine(&shipped().state.engine(), &q);
    }

    #[test]
    fn the_engine_answers_or_refuses_query_syntax_soup(q in tricky_question()) {
        ask_engine(&shipped().state.engine(), &q);
    }

}

proptest! {
    // Each case is a long search; a few dozen cover the shapes.
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Long strings, searched in full with the limits lifted.
    #[test]
    fn the_engine_searches_long_strings_without_limits(q in prop::collection::vec(tricky_question(), 1..8).prop_map(|v| v.join(" "))) {
        ask_engine(&unlimited().state.engine(), &q);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_http_app_answers_200_or_4xx_for_any_unicode_string(q in any::<String>()) {
        runtime().block_on(ask_http(shipped(), &q));
    }

    #[test]
    fn the_http_app_answers_200_or_4xx_for_query_syntax_soup(q in tricky_question()) {
        runtime().block_on(ask_http(shipped(), &q));
    }
}

/// Strings that have broken search front ends before, kept as named regressions.
fn regressions() -> Vec<(&'static str, String)> {
    let words = |n: usize| vec!["planning"; n].join(" ");
    vec![
        ("tantivy parse_query panic", "- *".into()),
        ("lone star", "*".into()),
        ("unbalanced quote", "\"planning permission".into()),
        ("unbalanced quotes", "\"\"\"".into()),
        ("unbalanced brackets", "((planning]".into()),
        ("closing brackets", ")))]]]}}}".into()),
        ("range syntax", "body:[a TO z]".into()),
        ("field query", "title:helpline".into()),
        ("unknown field", "nosuchfield:value".into()),
        ("empty field", "title:".into()),
        ("lone plus", "+".into()),
        ("lone minus", "-".into()),
        ("only operators", "AND OR NOT".into()),
        ("fuzzy and boost", "planing~2^3".into()),
        ("backslashes", "\\\\\\".into()),
        ("sql", "' OR 1=1 --".into()),
        ("html", "<script>alert(1)</script>".into()),
        ("percent", "%00%ff".into()),
        ("10,000 words", words(10_000)),
        (
            "10,000 distinct words",
            (0..10_000)
                .map(|i| format!("w{i}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("one 20,000-letter word", "a".repeat(20_000)),
        ("nul bytes", "planning\u{0}permission\u{0}".into()),
        ("only nul bytes", "\u{0}\u{0}\u{0}".into()),
        ("control characters", "\u{1}\u{7}\u{1b}[31m planning".into()),
        (
            "right-to-left override",
            "\u{202e}gninnalp\u{202c} permission".into(),
        ),
        ("bidi isolates", "\u{2067}planning\u{2069}".into()),
        ("emoji", "🙂🏛️📞 helpline?".into()),
        ("emoji zwj sequence", "👩‍👩‍👧‍👦👩‍👩‍👧‍👦".into()),
        ("flags", "🇬🇧🇬🇧".into()),
        ("combining marks", format!("e{}", "\u{301}".repeat(2_000))),
        ("zero-width joiners", "plan\u{200d}ning\u{200b}".into()),
        ("byte order mark", "\u{feff}helpline".into()),
        ("ligatures and full width", "ﬁnd ｐｌａｎｎｉｎｇ".into()),
        ("turkish dotted i", "İSTANBUL ıi".into()),
        ("ß expanding on case fold", "ẞẞẞ straße".into()),
        ("greek final sigma", "ΟΔΥΣΣΕΥΣ".into()),
        ("cjk", "規劃許可".into()),
        (
            "private use and noncharacters",
            "\u{e000}\u{fdd0}\u{ffff}\u{10ffff}".into(),
        ),
        ("newlines and tabs", "planning\n\n\tpermission\r\n".into()),
        ("hyphen runs", "e---gov----".into()),
        ("apostrophes", "'''council's''".into()),
    ]
}

#[test]
fn regression_strings_through_the_engine() {
    for (name, q) in regressions() {
        let engine = shipped().state.engine();
        let request = AskRequest {
            q: q.clone(),
            limit: None,
            context: None,
        };
        match engine.ask(&request) {
            Ok(response) => check_answer(name, &response),
            Err(err) => assert!(
                q.chars().count() > 500
                    || q.split_whitespace().count() > 80
                    || q.trim()
                        .chars()
                        .all(|c| c.is_control() || c.is_whitespace()),
                "{name}: refused: {err}"
            ),
        }
        // With the limits lifted, every one of them is searched and answered.
        let response = unlimited().state.engine().ask(&request);
        match response {
            Ok(response) => check_answer(name, &response),
            Err(err) => assert!(
                q.trim()
                    .chars()
                    .all(|c| c.is_control() || c.is_whitespace()),
                "{name}: refused: {err}"
            ),
        }
    }
}

#[tokio::test]
async fn regression_strings_through_http() {
    let app = shipped();
    for (name, q) in regressions() {
        let body = json!({ "q": q }).to_string();
        let posted = app.post_json("/api/v1/ask", &body).await;
        assert_answered_or_refused(name, &posted);
        if body.len() > 16 * 1024 {
            assert_eq!(posted.error_code(), "payload_too_large", "{name}");
        }
        // A request line is at most 64 KiB (hyper answers a bare 414 beyond; see limits.rs).
        let uri = format!("/api/v1/ask?q={}", encode(&q));
        if uri.len() < 60 * 1024 {
            assert_answered_or_refused(name, &app.get(&uri).await);
        }
    }
}

#[tokio::test]
async fn malformed_bytes_get_the_error_shape() {
    let app = TestApp::fixture();
    let raw: Vec<(&str, Vec<u8>)> = vec![
        ("invalid utf-8 in JSON", b"{\"q\": \"\xff\xfe\"}".to_vec()),
        ("lone surrogate escape", br#"{"q": "\ud800"}"#.to_vec()),
        ("nul in JSON", b"{\"q\": \"a\0b\"}".to_vec()),
        (
            "deeply nested",
            format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
        ),
        ("q is an object", br#"{"q": {"$ne": null}}"#.to_vec()),
        ("q is null", br#"{"q": null}"#.to_vec()),
        (
            "limit is negative",
            br#"{"q": "helpline", "limit": -1}"#.to_vec(),
        ),
        (
            "limit is huge",
            br#"{"q": "helpline", "limit": 1e400}"#.to_vec(),
        ),
        (
            "context is a string",
            br#"{"q": "helpline", "context": "x"}"#.to_vec(),
        ),
        ("empty body", Vec::new()),
    ];
    for (name, body) in raw {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/ask")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.text);
        assert!(
            matches!(reply.error_code(), "malformed_json" | "empty_question"),
            "{name}: {}",
            reply.text
        );
    }
    for query in [
        "q=%ff%fe",
        "q=%00",
        "q=a&q=b",
        "q=helpline&limit=99999999999999999999999",
        "q=helpline&limit=-3",
        "%zz=1",
        "q=helpline&site=%ff",
    ] {
        let reply = app.get(&format!("/api/v1/ask?{query}")).await;
        assert_answered_or_refused(query, &reply);
    }
}

/// Every search place is taken, so a question that reached the engine would be told `busy`:
/// the questions over the limits are refused with their own 4xx instead.
#[tokio::test]
async fn over_limit_requests_never_reach_the_engine() {
    let app = TestApp::fixture().configure(|s| {
        s.with_http(HttpSettings {
            max_concurrent_searches: 1,
            ..HttpSettings::default()
        })
    });
    let _all_places = app.state.search_permit().expect("the one place");
    let long = "a".repeat(501);
    let many = vec!["word"; 81].join(" ");
    let cases: Vec<(Method, String, Option<String>, u16, &str)> = vec![
        (
            Method::GET,
            format!("/api/v1/ask?q={long}"),
            None,
            400,
            "question_too_long",
        ),
        (
            Method::GET,
            format!("/api/v1/ask?q={}", encode(&many)),
            None,
            400,
            "too_many_words",
        ),
        (
            Method::GET,
            "/api/v1/ask?q=helpline&limit=21".into(),
            None,
            400,
            "bad_limit",
        ),
        (
            Method::GET,
            "/api/v1/ask?q=%00%20".into(),
            None,
            400,
            "empty_question",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some(json!({ "q": "x".repeat(17_000) }).to_string()),
            413,
            "payload_too_large",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some(json!({ "q": long }).to_string()),
            400,
            "question_too_long",
        ),
        // A question within the limits does reach for a search place, and finds none.
        (
            Method::GET,
            "/api/v1/ask?q=helpline".into(),
            None,
            503,
            "busy",
        ),
    ];
    for (method, uri, body, status, code) in cases {
        let mut request = Request::builder().method(method.clone()).uri(&uri);
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let reply = app
            .send(
                request
                    .body(body.map(Body::from).unwrap_or_else(Body::empty))
                    .unwrap(),
            )
            .await;
        let shown = &uri[..uri.len().min(50)];
        assert_eq!(
            (reply.status.as_u16(), reply.error_code()),
            (status, code),
            "{method} {shown}: {}",
            reply.text
        );
    }
}
