//! How the widget and the demo page are served: content types, the short-lived `/widget.js`
//! with its ETag and 304, the year-long immutable `/widget/<hash>.js`, gzip, CORS for the
//! script and for the answer endpoint the widget calls from council sites, and the demo page's
//! strict CSP and snippet.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use signpost_e2e::{Reply, TestApp};
use signpost_server::http::pages::{widget_path, IMMUTABLE_CACHE, SHORT_CACHE, WIDGET_JS};

async fn get_with(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[tokio::test]
async fn widget_js_is_javascript_revalidated_with_an_etag() {
    let app = TestApp::fixture();
    let reply = app.get("/widget.js").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        header(&reply, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&reply, "cache-control"), SHORT_CACHE);
    assert_eq!(header(&reply, "access-control-allow-origin"), "*");
    assert_eq!(
        header(&reply, "cross-origin-resource-policy"),
        "cross-origin"
    );
    assert_eq!(header(&reply, "x-content-type-options"), "nosniff");
    assert_eq!(reply.text, *WIDGET_JS);
    let etag = header(&reply, "etag").to_owned();
    assert!(etag.starts_with("W/\"") && etag.len() == 20, "{etag}");

    let again = get_with(&app, "/widget.js", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.text, "");
    assert_eq!(header(&again, "etag"), etag);
    assert_eq!(header(&again, "cache-control"), SHORT_CACHE);

    let stale = get_with(
        &app,
        "/widget.js",
        &[("if-none-match", "W/\"0000000000000000\"")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::OK);
}

#[tokio::test]
async fn the_hashed_widget_url_is_immutable_and_old_hashes_still_work() {
    let app = TestApp::fixture();
    let path = widget_path();
    let reply = app.get(&path).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header(&reply, "cache-control"), IMMUTABLE_CACHE);
    assert_eq!(
        header(&reply, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&reply, "access-control-allow-origin"), "*");
    assert_eq!(reply.text, *WIDGET_JS);
    // The hash in the URL is the one in the ETag: both name these bytes.
    let hash = path.trim_start_matches("/widget/").trim_end_matches(".js");
    assert_eq!(header(&reply, "etag"), format!("W/\"{hash}\""));

    let old = app.get("/widget/0123456789abcdef.js").await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(header(&old, "cache-control"), "no-cache");

    for missing in [
        "/widget/evil.js",
        "/widget/0123.css",
        "/widget/.js",
        "/widget/",
    ] {
        let reply = app.get(missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(reply.error_code(), "not_found", "{missing}");
    }
}

#[tokio::test]
async fn the_widget_is_gzipped_for_clients_that_ask() {
    let app = TestApp::fixture();
    let reply = get_with(&app, "/widget.js", &[("accept-encoding", "gzip")]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header(&reply, "content-encoding"), "gzip");
    assert!(header(&reply, "vary")
        .to_ascii_lowercase()
        .contains("accept-encoding"));
    let plain = app.get("/widget.js").await;
    assert_eq!(header(&plain, "content-encoding"), "");
}

#[tokio::test]
async fn the_demo_page_is_strict_and_shows_both_modes_and_the_snippet() {
    let app = TestApp::fixture();
    let reply = get_with(
        &app,
        "/",
        &[
            ("host", "ask.example.gov.uk"),
            ("x-forwarded-proto", "https"),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header(&reply, "content-type"), "text/html; charset=utf-8");
    let csp = header(&reply, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "require-trusted-types-for 'script'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    let page = &reply.text;
    assert!(
        page.contains(&format!(
            "<script src=\"{}\" defer></script>",
            widget_path()
        )),
        "{page}"
    );
    assert!(page.contains("<signpost-chat heading="), "inline mode");
    assert!(
        page.contains("<signpost-chat mode=\"launcher\">"),
        "launcher mode"
    );
    assert!(
        page.contains(
            "&lt;script src=\"https://ask.example.gov.uk/widget.js\" defer&gt;&lt;/script&gt;"
        ),
        "{page}"
    );
    assert!(!page.contains("{{"), "every placeholder is filled");
    assert!(
        !page.contains("style="),
        "no inline styles under style-src 'self'"
    );

    let hostile = get_with(&app, "/", &[("host", "x\"><script>alert(1)</script>")]).await;
    assert!(
        !hostile.text.contains("alert(1)"),
        "a hostile Host header never reaches the page"
    );

    let css = app.get("/demo.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(header(&css, "content-type"), "text/css; charset=utf-8");
}

#[tokio::test]
async fn council_sites_may_ask_across_origins() {
    let app = TestApp::fixture();
    let reply = app
        .preflight("/api/v1/ask", "https://www.exampleton.gov.uk")
        .await;
    assert!(reply.status.is_success(), "{}", reply.status);
    assert_eq!(header(&reply, "access-control-allow-origin"), "*");
    assert!(header(&reply, "access-control-allow-methods").contains("POST"));
    assert!(header(&reply, "access-control-allow-headers")
        .to_ascii_lowercase()
        .contains("content-type"));
    assert_eq!(header(&reply, "access-control-allow-credentials"), "");

    let ask = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/ask")
        .header(header::ORIGIN, "https://www.exampleton.gov.uk")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"q":"is there a helpline"}"#))
        .unwrap();
    let reply = app.send(ask).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(header(&reply, "access-control-allow-origin"), "*");
    assert!(header(&reply, "access-control-expose-headers")
        .to_ascii_lowercase()
        .contains("retry-after"));
}
