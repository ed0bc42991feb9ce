//! CORS and security headers: the read API and the widget from any origin without
//! credentials, write endpoints only from configured origins, admin endpoints from none; a
//! CSP, `nosniff` and `Referrer-Policy` on Signpost's own pages; the index generation on every
//! response.

use axum::body::Body;
use axum::http::{Method, Request};
use signpost_e2e::{Reply, TestApp};
use signpost_server::http::pages::DEMO_HTML;
use signpost_server::http::HttpSettings;

async fn with_origin(
    app: &TestApp,
    method: Method,
    uri: &str,
    origin: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("origin", origin);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn allowed_origin(reply: &Reply) -> Option<&str> {
    reply
        .headers
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn the_read_api_and_the_widget_may_be_called_from_any_origin() {
    let app = TestApp::fixture();
    for uri in [
        "/api/v1/ask?q=helpline",
        "/api/v1/projects",
        "/api/v1/faq",
        "/widget.js",
    ] {
        let reply = with_origin(
            &app,
            Method::GET,
            uri,
            "https://www.some-council.gov.uk",
            &[],
        )
        .await;
        assert_eq!(reply.status, 200, "{uri}");
        let allowed = allowed_origin(&reply);
        assert!(
            matches!(allowed, Some("*" | "https://www.some-council.gov.uk")),
            "{uri}: {allowed:?}"
        );
        assert_eq!(
            reply
                .headers
                .get_all("access-control-allow-origin")
                .iter()
                .count(),
            1,
            "{uri}: one Access-Control-Allow-Origin"
        );
        assert!(
            !reply
                .headers
                .contains_key("access-control-allow-credentials"),
            "{uri}: no credentials"
        );
        if uri.starts_with("/api/") {
            let exposed = reply
                .headers
                .get("access-control-expose-headers")
                .map(|v| v.to_str().unwrap().to_lowercase())
                .unwrap_or_default();
            assert!(
                exposed.contains("retry-after") && exposed.contains("x-signpost-index-generation"),
                "{uri}: {exposed}"
            );
        }
    }
    let reply = app
        .preflight("/api/v1/ask", "https://www.some-council.gov.uk")
        .await;
    assert!(reply.status.is_success(), "{}", reply.status);
    assert_eq!(allowed_origin(&reply), Some("*"));
    let methods = reply.headers["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let headers = reply.headers["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(headers.contains("content-type"), "{headers}");
}

#[tokio::test]
async fn admin_endpoints_and_pages_grant_no_origin() {
    let app = TestApp::fixture().configure(|s| s.with_admin_token("a-long-enough-admin-token"));
    for uri in ["/admin/reindex", "/healthz", "/"] {
        let reply = app.preflight(uri, "https://evil.example").await;
        assert_eq!(allowed_origin(&reply), None, "preflight {uri}");
    }
    let reply = with_origin(&app, Method::GET, "/", "https://evil.example", &[]).await;
    assert_eq!(allowed_origin(&reply), None);
}

#[tokio::test]
async fn write_endpoints_only_from_the_configured_origins() {
    let council = "https://www.some-council.gov.uk";
    let app = TestApp::fixture().configure(|s| {
        s.with_http(HttpSettings {
            write_origins: vec![council.into()],
            ..HttpSettings::default()
        })
    });
    let reply = app.preflight("/api/v1/feedback", council).await;
    assert_eq!(allowed_origin(&reply), Some(council));
    let reply = app
        .preflight("/api/v1/feedback", "https://evil.example")
        .await;
    assert_eq!(allowed_origin(&reply), None);
    // CORS alone would only stop the browser reading the reply; the write itself is refused.
    let post = |origin: &'static str| {
        let request = Request::post("/api/v1/feedback")
            .header("origin", origin)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        app.send(request)
    };
    let reply = post("https://evil.example").await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_code()),
        (403, "origin_not_allowed"),
        "{}",
        reply.text
    );
    let reply = post(council).await;
    assert_ne!(reply.error_code(), "origin_not_allowed", "{}", reply.text);
    // Reading stays open to everyone.
    let reply = with_origin(
        &app,
        Method::GET,
        "/api/v1/ask?q=helpline",
        "https://evil.example",
        &[],
    )
    .await;
    assert_eq!(allowed_origin(&reply), Some("*"));
    // Without a list, any origin may write.
    let open = TestApp::fixture();
    let reply = open
        .preflight("/api/v1/feedback", "https://anywhere.example")
        .await;
    assert_eq!(allowed_origin(&reply), Some("*"));
}

#[tokio::test]
async fn pages_carry_a_strict_csp_and_every_response_nosniff_and_referrer_policy() {
    let app = TestApp::fixture();
    let page = app.get("/").await;
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") || csp.contains("default-src 'none'"),
        "{csp}"
    );
    for directive in [
        "script-src 'self'",
        "style-src 'self'",
        "base-uri",
        "frame-ancestors",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    for uri in [
        "/",
        "/widget.js",
        "/api/v1/ask?q=helpline",
        "/api/v1/nothing",
        "/healthz",
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{uri}");
        assert!(reply.headers.contains_key("referrer-policy"), "{uri}");
        assert_eq!(reply.headers["x-signpost-index-generation"], "0", "{uri}");
    }
    // The widget is meant to be embedded elsewhere.
    let widget = app.get("/widget.js").await;
    assert_eq!(
        widget.headers["cross-origin-resource-policy"],
        "cross-origin"
    );
    assert!(!widget.headers.contains_key("content-security-policy"));
}

/// The CSP forbids inline scripts and styles, so the page must not have any.
#[test]
fn the_demo_page_has_no_inline_script_or_style() {
    let html = DEMO_HTML.to_lowercase();
    for (at, _) in html.match_indices("<script") {
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        assert!(tag.contains(" src="), "inline script: {tag}");
    }
    assert!(!html.contains("<style"), "inline <style>");
    assert!(!html.contains(" style="), "inline style attribute");
    assert!(
        !html.contains(" onclick=") && !html.contains(" onload="),
        "inline handler"
    );
}
