//! `GET /api/v1/suggest`: prefixes, typos, the helpline, limits, and every bad or hostile input
//! answered with a 400 in the one JSON error shape. Plus an ignored latency report.

use signpost_e2e::{encode, TestApp};

async fn suggestions(app: &TestApp, q: &str) -> Vec<serde_json::Value> {
    let reply = app.get(&format!("/api/v1/suggest?q={}", encode(q))).await;
    assert_eq!(reply.status, 200, "{q:?}: {}", reply.text);
    assert_eq!(reply.json["query"], q.trim(), "{q:?}");
    reply.json["suggestions"]
        .as_array()
        .expect("a list")
        .clone()
}

/// The characters of `text` inside `ranges`, as the client would bold them.
fn bolded(s: &serde_json::Value) -> Vec<String> {
    let chars: Vec<char> = s["text"].as_str().unwrap().chars().collect();
    s["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let (a, b) = (
                r[0].as_u64().unwrap() as usize,
                r[1].as_u64().unwrap() as usize,
            );
            chars[a..b].iter().collect()
        })
        .collect()
}

#[tokio::test]
async fn a_prefix_completes_a_project_name() {
    let app = TestApp::shipped();
    let found = suggestions(&app, "parso").await;
    let first = &found[0];
    assert_eq!(first["kind"], "project");
    assert_eq!(first["id"], "parsol");
    assert_eq!(first["text"], "PARSOL");
    assert_eq!(first["url"], "/projects/parsol");
    assert_eq!(bolded(first), ["PARSO"]);
    // One suggestion per entry, even though PARSOL has several matching names.
    assert_eq!(found.iter().filter(|s| s["id"] == "parsol").count(), 1);
}

#[tokio::test]
async fn a_prefix_of_helpline_finds_the_faq_that_gives_the_number() {
    let app = TestApp::shipped();
    let first = suggestions(&app, "helpl").await.remove(0);
    assert_eq!(first["kind"], "faq");
    assert_eq!(first["id"], "faq-05");
    assert_eq!(
        first["title"],
        "I don't know where to start - there are so many projects and products - can you help?"
    );
    assert!(
        first["text"].as_str().unwrap().contains("0870 777 0011"),
        "{first}"
    );
    assert_eq!(bolded(&first), ["Helpl"]);

    // In the fixture corpus the helpline question is itself titled so.
    let fixture = TestApp::fixture();
    let first = suggestions(&fixture, "helpl").await.remove(0);
    assert_eq!(first["id"], "faq-01");
    assert_eq!(first["title"], "Is there a helpline?");
}

#[tokio::test]
async fn a_typo_in_a_longer_word_is_forgiven() {
    let app = TestApp::shipped();
    // The project's real name, as the corpus gives it.
    let project = app.get("/api/v1/projects/smartcards").await;
    let name = project.json["name"].as_str().unwrap().to_string();
    assert_eq!(name, "National Smart Card Project");

    let first = suggestions(&app, "smrt card").await.remove(0);
    assert_eq!(first["id"], "smartcards");
    assert_eq!(first["text"], name.as_str());
    assert_eq!(bolded(&first), ["Smart", "Card"]);

    let first = suggestions(&app, "parsl").await.remove(0);
    assert_eq!(first["id"], "parsol");
    // Short words are not guessed at: three letters are too few.
    assert!(suggestions(&app, "smr").await.is_empty());
}

#[tokio::test]
async fn limit_caps_the_list_at_eight() {
    let app = TestApp::shipped();
    // "pr" starts words in many entries: projects, products, procurement…
    assert_eq!(suggestions(&app, "pr").await.len(), 8);
    for limit in [1, 3, 8] {
        let reply = app
            .get(&format!("/api/v1/suggest?q=pr&limit={limit}"))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json["suggestions"].as_array().unwrap().len(), limit);
    }
}

#[tokio::test]
async fn empty_short_and_hostile_input_get_a_400_in_the_one_shape() {
    let app = TestApp::shipped();
    let long = "a".repeat(101);
    let many = "ab ".repeat(13);
    let cases: Vec<(String, &str)> = vec![
        ("/api/v1/suggest".into(), "empty_query"),
        ("/api/v1/suggest?q=".into(), "empty_query"),
        ("/api/v1/suggest?q=%20%20%20".into(), "empty_query"),
        ("/api/v1/suggest?q=p".into(), "query_too_short"),
        ("/api/v1/suggest?q=%21%3F".into(), "query_too_short"),
        ("/api/v1/suggest?q=%3C%3E%22%27".into(), "query_too_short"),
        (format!("/api/v1/suggest?q={long}"), "query_too_long"),
        (
            format!("/api/v1/suggest?q={}", encode(&many)),
            "too_many_words",
        ),
        ("/api/v1/suggest?q=pa%00rsol".into(), "control_characters"),
        ("/api/v1/suggest?q=pa%1B%5B2J".into(), "control_characters"),
        ("/api/v1/suggest?q=pa%0Drsol".into(), "control_characters"),
        ("/api/v1/suggest?q=parsol&limit=0".into(), "bad_limit"),
        ("/api/v1/suggest?q=parsol&limit=9".into(), "bad_limit"),
        (
            "/api/v1/suggest?q=parsol&limit=-1".into(),
            "bad_query_string",
        ),
        (
            "/api/v1/suggest?q=parsol&limit=abc".into(),
            "bad_query_string",
        ),
        ("/api/v1/suggest?q=a&q=b".into(), "bad_query_string"),
    ];
    for (uri, code) in cases {
        let reply = app.get(&uri).await;
        let shown = &uri[..uri.len().min(60)];
        assert_eq!(reply.status, 400, "{shown}: {}", reply.text);
        assert_eq!(reply.error_code(), code, "{shown}: {}", reply.text);
        let message = reply.json["error"]["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "{shown}");
        let content_type = reply.headers["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("application/json"),
            "{shown}: {content_type}"
        );
    }
    let reply = app.post_json("/api/v1/suggest", r#"{"q":"parsol"}"#).await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.error_code(), "method_not_allowed");
}

#[tokio::test]
async fn hostile_text_that_passes_validation_is_only_ever_text() {
    let app = TestApp::shipped();
    for q in [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' OR 1=1 --",
        "title:parsol",
        "par* ~2",
        "\u{202e}parsol",
        "🙂🙂 parsol",
        "PARSOL PARSOL PARSOL",
        "ﬁnancial", // a ligature folds to "financial"
    ] {
        let reply = app.get(&format!("/api/v1/suggest?q={}", encode(q))).await;
        assert_eq!(reply.status, 200, "{q:?}: {}", reply.text);
        assert!(reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        for s in reply.json["suggestions"].as_array().unwrap() {
            // Ranges always fall inside the text they mark.
            let len = s["text"].as_str().unwrap().chars().count() as u64;
            for r in s["highlights"].as_array().unwrap() {
                assert!(
                    r[0].as_u64().unwrap() < r[1].as_u64().unwrap(),
                    "{q:?}: {s}"
                );
                assert!(r[1].as_u64().unwrap() <= len, "{q:?}: {s}");
            }
        }
    }
    assert!(suggestions(&app, "<script>alert(1)</script>")
        .await
        .is_empty());
    assert_eq!(suggestions(&app, "🙂🙂 parsol").await[0]["id"], "parsol");
    // Still serving.
    assert_eq!(app.get("/healthz").await.status, 200);
}

/// A quick latency report for `Engine::suggest`, keystroke by keystroke (the criterion
/// benchmarks are the real measurement). Run with
/// `cargo test --release --test e2e suggest_latency -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test: run it by name with --ignored --nocapture"]
fn suggest_latency_report() {
    let app = TestApp::shipped();
    let engine = app.state.engine();
    let phrases = [
        "parsol",
        "helpline",
        "smrt card",
        "who led the national smart card project",
        "planning applications online",
        "e-government standards",
        "xyzzy nothing matches",
    ];
    let keystrokes: Vec<String> = phrases
        .iter()
        .flat_map(|p| {
            let chars: Vec<char> = p.chars().collect();
            (2..=chars.len()).map(move |n| chars[..n].iter().collect::<String>())
        })
        .collect();
    let rounds = 200;
    let mut times = Vec::with_capacity(keystrokes.len() * rounds);
    for _ in 0..rounds {
        for q in &keystrokes {
            let start = std::time::Instant::now();
            let result = engine.suggest(q, None);
            times.push(start.elapsed());
            std::hint::black_box(result.ok());
        }
    }
    times.sort_unstable();
    let at = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    let mean = times.iter().sum::<std::time::Duration>() / times.len() as u32;
    println!(
        "suggest over {} keystrokes × {rounds}: mean {mean:?}, p50 {:?}, p99 {:?}, max {:?}",
        keystrokes.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
