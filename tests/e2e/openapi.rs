//! The OpenAPI description at `/api/v1/openapi.json`: it covers every public endpoint, every
//! reference in it resolves, and its question schema accepts exactly the questions the server
//! accepts. (`scripts/test.sh` also runs schemathesis against it on a real server.)

use proptest::prelude::*;
use regex::{Regex, RegexBuilder};
use serde_json::Value;
use signpost_e2e::{encode, TestApp};
use signpost_server::engine::{question, Limits};
use signpost_server::http::openapi::{
    question_schema, words_pattern, NO_NUL_PATTERN, VISIBLE_PATTERN,
};

/// Every public operation: the JSON API and health. Pages, the widget's files, `/metrics`
/// and `/admin` are not part of the public API description.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/api/v1/ask"),
    ("post", "/api/v1/ask"),
    ("get", "/api/v1/suggest"),
    ("post", "/api/v1/feedback"),
    ("get", "/api/v1/projects"),
    ("get", "/api/v1/projects/{slug}"),
    ("get", "/api/v1/faq"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/healthz"),
];

fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => out.push(target),
                    _ => refs(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_description_covers_every_public_endpoint_and_resolves() {
    let app = TestApp::fixture();
    let reply = app.get("/api/v1/openapi.json").await;
    assert_eq!(reply.status, 200);
    let doc = &reply.json;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = PUBLIC
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);
    // Each documented operation answers (no 404/405 from the router) with what it documents.
    for (method, path) in PUBLIC {
        let operation = &paths[*path][*method];
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} documents no success"
        );
        let uri = path.replace("{slug}", "planit");
        let reply = match *method {
            "get" if uri == "/api/v1/ask" => app.get("/api/v1/ask?q=helpline").await,
            "get" if uri == "/api/v1/suggest" => app.get("/api/v1/suggest?q=plan").await,
            "get" => app.get(&uri).await,
            _ => app.post_json(&uri, "{}").await,
        };
        assert!(
            responses.contains_key(reply.status.as_str()),
            "{method} {path}: {} is not documented",
            reply.status
        );
    }
    let mut targets = Vec::new();
    refs(doc, &mut targets);
    assert!(!targets.is_empty());
    for target in targets {
        let pointer = target.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
}

#[tokio::test]
async fn the_description_carries_the_configured_limits_and_real_answer_ids() {
    let limits = Limits {
        max_chars: 120,
        max_words: 9,
        default_results: 2,
        max_results: 7,
    };
    let settings = signpost_server::engine::Settings {
        limits,
        ..Default::default()
    };
    let app = TestApp::with_settings(&signpost_e2e::fixture_corpus(), settings);
    let doc = app.get("/api/v1/openapi.json").await.json;
    let q = doc["paths"]["/api/v1/ask"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "q")
        .unwrap()
        .clone();
    assert_eq!(q["required"], true);
    assert_eq!(q["schema"]["maxLength"], 120);
    assert!(q["schema"]["pattern"].as_str().unwrap().ends_with("{1,9}$"));
    assert_eq!(
        doc["components"]["schemas"]["AskBody"]["properties"]["limit"]["maximum"],
        7
    );
    let ids = &doc["components"]["schemas"]["FeedbackBody"]["properties"]["answer_id"]["enum"];
    for id in ["faq-01", "planit"] {
        assert!(
            ids.as_array().unwrap().iter().any(|v| v == id),
            "{id} in {ids}"
        );
    }
}

/// What the description says about a question: a JSON Schema validator's view of
/// `question_schema`, with Rust's regex engine standing in for the validator's.
struct Described {
    words: Regex,
    visible: Regex,
    no_nul: Regex,
    max_chars: usize,
}

impl Described {
    fn new(limits: &Limits) -> Described {
        let schema = question_schema(limits);
        assert_eq!(schema["pattern"], words_pattern(limits.max_words));
        assert_eq!(schema["allOf"][0]["pattern"], VISIBLE_PATTERN);
        assert_eq!(schema["allOf"][1]["pattern"], NO_NUL_PATTERN);
        let build = |p: &str| RegexBuilder::new(p).size_limit(64 << 20).build().unwrap();
        Described {
            words: build(&words_pattern(limits.max_words)),
            visible: build(VISIBLE_PATTERN),
            no_nul: build(NO_NUL_PATTERN),
            max_chars: limits.max_chars,
        }
    }

    fn accepts(&self, q: &str) -> bool {
        let chars = q.chars().count();
        (1..=self.max_chars).contains(&chars)
            && self.words.is_match(q)
            && self.visible.is_match(q)
            && self.no_nul.is_match(q)
    }
}

/// What the server accepts: the HTTP layer's length check on the text as sent, the engine's
/// own validation, then the HTTP layer's refusal of a NUL.
fn served(q: &str, limits: &Limits) -> bool {
    q.chars().count() <= limits.max_chars
        && question::validate(q, limits).is_ok()
        && !q.contains('\0')
}

fn limits() -> Limits {
    Limits {
        max_chars: 60,
        max_words: 5,
        ..Limits::default()
    }
}

fn described() -> &'static Described {
    static DESCRIBED: std::sync::OnceLock<Described> = std::sync::OnceLock::new();
    DESCRIBED.get_or_init(|| Described::new(&limits()))
}

#[test]
fn the_question_schema_accepts_exactly_what_the_server_accepts() {
    let limits = limits();
    let described = described();
    let table = [
        "helpline",
        " helpline ",
        "",
        " ",
        "\t\n",
        "\u{0}",
        "\u{0}a",
        "a\u{0}",
        "\u{1}\u{2}",
        "\u{85}",
        "\u{a0}x",
        "\u{2003}",
        "\u{3000}a\u{3000}",
        "\u{200b}",
        "\u{feff}",
        "one two three four five",
        "one two three four five six",
        " one two three four five ",
        "one\u{a0}two\u{2009}three\u{3000}four\u{85}five\u{2028}six",
        "a\u{1c}b c d e f",
        "a\u{b}b\u{c}c",
        "🙂",
        "- *",
        &"x".repeat(60),
        &"x".repeat(61),
        &format!(" {}", "x".repeat(59)),
        &format!("{} ", "x".repeat(60)),
    ];
    for q in table {
        assert_eq!(described.accepts(q), served(q, &limits), "{q:?}");
    }
}

/// Characters around the edges of whitespace and control, mixed with ordinary ones.
fn edgy_text() -> impl Strategy<Value = String> {
    let edge = prop_oneof![
        Just('\u{0}'),
        Just('\t'),
        Just('\n'),
        Just('\u{b}'),
        Just('\u{c}'),
        Just('\r'),
        Just('\u{1c}'),
        Just('\u{1f}'),
        Just(' '),
        Just('\u{7f}'),
        Just('\u{85}'),
        Just('\u{9f}'),
        Just('\u{a0}'),
        Just('\u{1680}'),
        Just('\u{180e}'),
        Just('\u{2000}'),
        Just('\u{200a}'),
        Just('\u{200b}'),
        Just('\u{2028}'),
        Just('\u{2029}'),
        Just('\u{202f}'),
        Just('\u{205f}'),
        Just('\u{3000}'),
        Just('\u{feff}'),
        Just('a'),
        Just('é'),
        Just('-'),
        any::<char>(),
    ];
    prop::collection::vec(edge, 0..70).prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn the_question_schema_agrees_with_the_server_on_any_text(q in edgy_text()) {
        let limits = limits();
        prop_assert_eq!(described().accepts(&q), served(&q, &limits), "{:?}", q);
    }
}

#[tokio::test]
async fn the_http_layer_counts_length_as_sent() {
    let app = TestApp::fixture();
    // 500 characters once trimmed, 501 as sent: the description's maxLength counts as sent.
    let q = format!(" {}", "a".repeat(500));
    let reply = app.get(&format!("/api/v1/ask?q={}", encode(&q))).await;
    assert_eq!(reply.error_code(), "question_too_long", "{}", reply.text);
}
