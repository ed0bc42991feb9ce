//! Bad input gets a clear 4xx in the one JSON error shape, and the server keeps serving.

use axum::body::Body;
use axum::http::{header, Method, Request};
use signpost_e2e::TestApp;

/// Method, URI, content type, body, expected status and error code.
type Case<'a> = (
    Method,
    String,
    Option<&'a str>,
    Option<String>,
    u16,
    &'a str,
);

#[tokio::test]
async fn error_table() {
    let app = TestApp::fixture();
    let long = "a".repeat(501);
    let cases: Vec<Case> = vec![
        (
            Method::GET,
            "/api/v1/ask".into(),
            None,
            None,
            400,
            "empty_question",
        ),
        (
            Method::GET,
            "/api/v1/ask?q=%20%20".into(),
            None,
            None,
            400,
            "empty_question",
        ),
        (
            Method::GET,
            format!("/api/v1/ask?q={long}"),
            None,
            None,
            400,
            "question_too_long",
        ),
        (
            Method::GET,
            "/api/v1/ask?q=hi&limit=0".into(),
            None,
            None,
            400,
            "bad_limit",
        ),
        (
            Method::GET,
            "/api/v1/ask?q=hi&limit=abc".into(),
            None,
            None,
            400,
            "bad_query_string",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("application/json"),
            Some("{not json".into()),
            400,
            "malformed_json",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("application/json"),
            Some(r#"{"q": 5}"#.into()),
            400,
            "malformed_json",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("application/json"),
            Some(r#"{"q": ""}"#.into()),
            400,
            "empty_question",
        ),
        // A context is an object or null: serde alone would take an array of its fields.
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("application/json"),
            Some(r#"{"q": "who led it", "context": []}"#.into()),
            400,
            "malformed_json",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("application/json"),
            Some(r#"{"q": "who led it", "context": ["parsol", []]}"#.into()),
            400,
            "malformed_json",
        ),
        // So is a body.
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("application/json"),
            Some(r#"["is there a helpline"]"#.into()),
            400,
            "malformed_json",
        ),
        (
            Method::POST,
            "/api/v1/feedback".into(),
            Some("application/json"),
            Some(r#"["faq-01", "is there a helpline", true]"#.into()),
            400,
            "malformed_json",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("text/plain"),
            Some(r#"{"q": "hi"}"#.into()),
            415,
            "unsupported_media_type",
        ),
        (
            Method::POST,
            "/api/v1/ask".into(),
            Some("application/json"),
            Some(format!(r#"{{"q": "{}"}}"#, "x".repeat(20_000))),
            413,
            "payload_too_large",
        ),
        (
            Method::DELETE,
            "/api/v1/ask".into(),
            None,
            None,
            405,
            "method_not_allowed",
        ),
        (
            Method::GET,
            "/api/v1/projects/nope".into(),
            None,
            None,
            404,
            "unknown_project",
        ),
        (
            Method::GET,
            "/api/v1/nothing-here".into(),
            None,
            None,
            404,
            "not_found",
        ),
    ];
    for (method, uri, content_type, body, status, code) in cases {
        let mut request = Request::builder().method(method.clone()).uri(&uri);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        let reply = app.send(request).await;
        let shown = &uri[..uri.len().min(60)];
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{method} {shown}: {}",
            reply.text
        );
        assert_eq!(reply.error_code(), code, "{method} {shown}: {}", reply.text);
        assert!(
            reply.json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{method} {shown}"
        );
    }
    // Still serving after all that.
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn hostile_strings_never_cause_a_server_error() {
    let app = TestApp::fixture();
    let nasty = [
        "- *",
        "\"unbalanced",
        "(((",
        "title:helpline",
        "+",
        "-",
        "AND OR NOT",
        "\u{202e}evil",
        "\u{0}nul",
        "🙂🙂🙂",
        "body:[a TO z]",
        "*",
        "~2",
        "\\",
        "' OR 1=1 --",
        "%00",
        "e-",
        "-e",
        "---",
    ];
    for q in nasty {
        let body = serde_json::json!({ "q": q }).to_string();
        let reply = app.post_json("/api/v1/ask", &body).await;
        assert!(
            reply.status == 200 || reply.status.is_client_error(),
            "{q:?} → {}",
            reply.status
        );
        assert!(reply.json.is_object(), "{q:?} → {}", reply.text);
    }
}

/// Issue 17: a path parameter that does not decode answered `400 text/plain`. Under `/api/`,
/// `/admin/export/` and the widget's files it is the JSON shape; on a page, the site's error
/// page.
#[tokio::test]
async fn undecodable_path_parameters_get_the_one_error_shape() {
    const TOKEN: &str = "test-admin-token-0123456789";
    let app = TestApp::fixture().configure(|s| s.with_admin_token(TOKEN));
    for uri in [
        "/api/v1/projects/%FF",
        "/widget/%c0%ae.js",
        "/admin/export/%FF.csv",
    ] {
        let request = Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, 400, "{uri}: {}", reply.text);
        assert_eq!(reply.error_code(), "bad_path", "{uri}: {}", reply.text);
        assert_eq!(
            reply.headers[header::CONTENT_TYPE],
            "application/json",
            "{uri}"
        );
    }
    let reply = app.get("/projects/%FF").await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert!(
        reply.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        reply.headers
    );
    assert!(
        reply.text.contains("<h1>Request not understood</h1>"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("href=\"/lookup\""), "{}", reply.text);
    // And the server keeps serving.
    assert_eq!(app.get("/api/v1/projects/planit").await.status, 200);
}

/// Issue 17: `/api/v1/ask` accepted a NUL inside a question.
#[tokio::test]
async fn a_nul_in_a_question_is_400() {
    let app = TestApp::fixture();
    let reply = app.get("/api/v1/ask?q=is%20there%00a%20helpline").await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (400, "control_characters"),
        "{}",
        reply.text
    );
    let reply = app
        .post_json("/api/v1/ask", r#"{"q": "is there\u0000 a helpline"}"#)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let reply = app.get("/lookup?q=helpline%00").await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(app.get("/api/v1/ask?q=helpline").await.status, 200);
}
