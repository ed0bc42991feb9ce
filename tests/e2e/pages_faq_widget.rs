//! The pages added for readers and webmasters: `/faq/{id}` (each FAQ question on a page of its
//! own, the address the API's `url` gives), `/widget` (widget/README.md rendered for this
//! server, with the live preview) and the favicon every page names.

use axum::body::Body;
use axum::http::Request;
use signpost_e2e::{encode, repo_root, TestApp};

use crate::pages_lookup::assert_page;

#[tokio::test]
async fn an_faq_question_has_its_own_page_and_the_api_points_at_it() {
    let app = TestApp::fixture();
    let reply = app.get("/faq/faq-01").await;
    assert_page(&reply, 200);
    let text = &reply.text;
    assert!(text.contains("<h1>Is there a helpline?</h1>"), "{text}");
    assert!(
        text.contains("(tel: <a href=\"tel:+448001234567\">0800 123 4567</a>)"),
        "the number is a tel: link: {text}"
    );
    assert!(text.contains("<li>Who can I phone?</li>"), "alternates");
    assert!(text.contains("href=\"/faq/faq-02\""), "related FAQ");
    assert!(text.contains("href=\"/lookup?q=Is+there+a+helpline%3F&amp;id=faq-01\""));
    assert!(text.contains("<title>Is there a helpline? — FAQ — Signpost</title>"));

    // Every `url` the API gives for an FAQ entry is that page.
    let ask = app.get("/api/v1/ask?q=is+there+a+helpline").await.json;
    assert_eq!(ask["answer"]["kind"], "faq");
    assert_eq!(ask["answer"]["url"], "/faq/faq-01");
    assert_eq!(ask["passages"][0]["url"], "/faq/faq-01");
    let suggest = app.get("/api/v1/suggest?q=helpl").await.json;
    assert_eq!(suggest["suggestions"][0]["url"], "/faq/faq-01");
    // Assistant replies still have none.
    let hello = app.get("/api/v1/ask?q=hello").await.json;
    assert_eq!(hello["answer"]["kind"], "assistant", "{hello}");
    assert!(hello["answer"]["url"].is_null(), "{hello}");
}

#[tokio::test]
async fn an_faq_page_escapes_the_corpus_and_refuses_unknown_ids() {
    let app = TestApp::fixture();
    let reply = app.get("/faq/faq-02").await;
    assert_page(&reply, 200);
    assert!(!reply.text.contains("<img"), "{}", reply.text);
    assert!(
        reply.text.contains("&lt;img src=x onerror="),
        "{}",
        reply.text
    );

    let nasty = "\"><script>alert(1)</script>";
    for id in ["nope", "parsol", "planit", "greeting", nasty] {
        let reply = app.get(&format!("/faq/{}", encode(id))).await;
        assert_page(&reply, 404);
        assert!(
            reply.text.contains("No FAQ question at this address"),
            "{id}"
        );
        assert!(!reply.text.contains("<script>alert"), "{id}");
    }
}

#[tokio::test]
async fn the_widget_page_is_the_readme_for_this_server() {
    let app = TestApp::fixture();
    let request = Request::get("/widget")
        .header("host", "ask.example.gov.uk")
        .body(Body::empty())
        .unwrap();
    let reply = app.send(request).await;
    assert_page(&reply, 200);
    let page = &reply.text;
    let readme = std::fs::read_to_string(repo_root().join("widget/README.md")).unwrap();

    // Every heading, attribute, text key and custom property the README documents is on the
    // page, so the two cannot drift apart.
    let mut documented = 0;
    for line in readme.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            assert!(
                page.contains(&format!(">{heading}</h2>")),
                "heading {heading}"
            );
            documented += 1;
        }
    }
    for word in readme.split('`').skip(1).step_by(2) {
        if word.starts_with("--signpost-") || word.starts_with("text-") || word.starts_with("data-")
        {
            assert!(page.contains(&format!("<code>{word}</code>")), "{word}");
            documented += 1;
        }
    }
    assert!(documented > 60, "{documented} items checked");

    // The snippet and the CSP lines carry this server's address, not the placeholder.
    assert!(!page.contains("signpost.example"), "{page}");
    assert!(
        page.contains("&lt;script src=\"http://ask.example.gov.uk/widget.js\" defer&gt;"),
        "{page}"
    );
    assert!(
        page.contains("script-src 'self' http://ask.example.gov.uk;"),
        "{page}"
    );
    assert!(page.contains("accessibility statement"));
    // The live preview: its form, the widget from this build, and its script.
    assert!(page.contains("id=\"try-form\""));
    assert!(page.contains("<script src=\"/widget/"));
    assert!(page.contains("<script src=\"/widget-page.js\" defer></script>"));
    let script = app.get("/widget-page.js").await;
    assert_eq!(script.status, 200);
    assert_eq!(
        script.headers["content-type"],
        "text/javascript; charset=utf-8"
    );

    // The demo page links to it.
    let demo = app.get("/").await;
    assert!(demo.text.contains("<a href=\"/widget\">"), "{}", demo.text);
}

#[tokio::test]
async fn every_page_names_a_favicon_that_exists() {
    let app = TestApp::fixture();
    for uri in ["/favicon.ico", "/favicon.svg"] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, 200, "{uri}");
        assert_eq!(reply.headers["content-type"], "image/svg+xml", "{uri}");
        assert!(reply.text.starts_with("<svg"), "{uri}");
    }
    for uri in [
        "/",
        "/lookup",
        "/projects",
        "/projects/planit",
        "/faq/faq-01",
        "/widget",
    ] {
        let reply = app.get(uri).await;
        assert!(
            reply
                .text
                .contains("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">"),
            "{uri}"
        );
    }
}
