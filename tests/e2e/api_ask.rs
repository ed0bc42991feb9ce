//! The answer endpoint: `docs/DESIGN.md`'s response shape, the right answers, honest refusals and
//! safe text.

use serde_json::json;
use signpost_e2e::{encode, TestApp};

#[tokio::test]
async fn answers_in_the_design_shape() {
    let app = TestApp::fixture();
    let reply = app
        .get(&format!("/api/v1/ask?q={}", encode("is there a helpline")))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = &reply.json;
    for key in [
        "query",
        "answer",
        "passages",
        "projects",
        "suggestions",
        "did_you_mean",
        "fallback",
    ] {
        assert!(body.get(key).is_some(), "missing `{key}` in {body}");
    }
    let answer = &body["answer"];
    assert_eq!(answer["id"], "faq-01");
    assert_eq!(answer["kind"], "faq");
    assert_eq!(answer["title"], "Is there a helpline?");
    let confidence = answer["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence), "{confidence}");
    let passage = &body["passages"][0];
    assert_eq!(passage["kind"], "faq");
    let text: Vec<char> = passage["text"].as_str().unwrap().chars().collect();
    let [from, to] = [
        passage["highlights"][0][0].as_u64().unwrap() as usize,
        passage["highlights"][0][1].as_u64().unwrap() as usize,
    ];
    let marked: String = text[from..to].iter().collect();
    assert_eq!(
        marked.to_lowercase(),
        "phone",
        "highlights point at matching words"
    );
    assert!(body["fallback"].is_null());
}

#[tokio::test]
async fn post_and_get_give_the_same_answer() {
    let app = TestApp::fixture();
    let get = app.get("/api/v1/ask?q=planning+permission+online").await;
    let post = app
        .post_json("/api/v1/ask", r#"{"q": "planning permission online"}"#)
        .await;
    assert_eq!(get.status, 200);
    assert_eq!(get.json, post.json);
    assert_eq!(post.json["answer"]["id"], "planit");
    assert_eq!(post.json["answer"]["url"], "/projects/planit");
    assert_eq!(post.json["projects"][0]["id"], "planit");
}

#[tokio::test]
async fn out_of_scope_questions_get_the_fallback_not_a_random_passage() {
    let app = TestApp::fixture();
    for q in [
        "when is my bin collection day",
        "asdfghjkl",
        "<script>alert(1)</script>",
        "what is the weather tomorrow",
    ] {
        let reply = app.get(&format!("/api/v1/ask?q={}", encode(q))).await;
        assert_eq!(reply.status, 200, "{q}");
        assert!(
            reply.json["answer"].is_null(),
            "{q} was answered: {}",
            reply.json["answer"]
        );
        let fallback = &reply.json["fallback"];
        assert_eq!(fallback["helpline"]["number"], "0800 123 4567", "{q}");
        assert_eq!(fallback["helpline"]["href"], "tel:+448001234567");
        assert!(!fallback["message"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_typo_is_corrected_and_reported() {
    let app = TestApp::fixture();
    let reply = app
        .get(&format!("/api/v1/ask?q={}", encode("planing aplications")))
        .await;
    assert_eq!(reply.json["did_you_mean"], "planning applications");
    assert!(
        reply.json["answer"]["id"] == "planit" || reply.json["answer"]["id"] == "faq-02",
        "{}",
        reply.json
    );
}

#[tokio::test]
async fn the_shipped_corpus_answers_the_helpline_question() {
    let app = TestApp::shipped();
    let reply = app.get("/api/v1/ask?q=is+there+a+helpline").await;
    assert_eq!(
        reply.json["answer"]["title"],
        "I don't know where to start - there are so many projects and products - can you help?"
    );
    assert!(reply.json["answer"]["text"]
        .as_str()
        .unwrap()
        .contains("0870 777 0011"));
}

#[tokio::test]
async fn a_follow_up_is_answered_about_the_project_just_discussed() {
    let app = TestApp::fixture();
    let first = app
        .post_json("/api/v1/ask", r#"{"q": "planning permission online"}"#)
        .await;
    assert_eq!(first.json["answer"]["id"], "planit");
    let context = first.json["context"].clone();
    let follow = app
        .post_json(
            "/api/v1/ask",
            &json!({"q": "who led it?", "context": context}).to_string(),
        )
        .await;
    assert_eq!(follow.status, 200, "{}", follow.text);
    assert_eq!(follow.json["answer"]["id"], "planit", "{}", follow.json);
    assert!(
        follow.json["answer"]["text"]
            .as_str()
            .unwrap()
            .contains("Exampleton"),
        "{}",
        follow.json["answer"]
    );
}

#[tokio::test]
async fn markup_in_the_corpus_comes_back_as_plain_text() {
    let app = TestApp::fixture();
    let reply = app.get("/api/v1/ask?q=Sampleford+saved+money").await;
    let text = reply.json["passages"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("<img src=x"),
        "text is returned as written, for clients to render as text: {text}"
    );
    assert_eq!(reply.headers["content-type"], "application/json");
}

/// A small index is answered on the runtime thread, a larger one on a blocking thread: both
/// paths give over HTTP exactly what the engine gives in-process.
#[tokio::test]
async fn small_and_large_indexes_answer_the_same_over_http_as_in_process() {
    use signpost_indexer::generate;
    use signpost_server::engine::AskRequest;

    let generated = tempfile::tempdir().unwrap();
    let options = generate::Options {
        passages: 1_500,
        seed: 7,
        questions: 12,
    };
    generate::generate_from_dir(&signpost_e2e::shipped_corpus(), &options, generated.path())
        .unwrap();
    let questions: Vec<String> =
        std::fs::read_to_string(generated.path().join(generate::QUESTIONS_FILE))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["q"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
    let large = TestApp::from_corpus(&generated.path().join(generate::CORPUS_DIR));
    let small = TestApp::shipped();
    assert!(
        !large.state.engine().answers_quickly(),
        "the large path is exercised"
    );
    assert!(
        small.state.engine().answers_quickly(),
        "the small path is exercised"
    );
    for (app, questions) in [
        (&large, questions.clone()),
        (
            &small,
            vec![
                "is there a helpline".to_string(),
                "who led parsol".to_string(),
            ],
        ),
    ] {
        for q in questions {
            let reply = app.get(&format!("/api/v1/ask?q={}", encode(&q))).await;
            assert_eq!(reply.status, 200, "{q}: {}", reply.text);
            let direct = app
                .state
                .engine()
                .ask(&AskRequest {
                    q: q.clone(),
                    ..AskRequest::default()
                })
                .unwrap();
            // Through the bytes, as the handler sends it (f32 scores become the same f64);
            // the feedback link is the handler's own addition.
            let mut direct: serde_json::Value =
                serde_json::from_slice(&serde_json::to_vec(&direct).unwrap()).unwrap();
            let mut over_http = reply.json.clone();
            for answer in [&mut direct, &mut over_http] {
                answer.as_object_mut().unwrap().remove("feedback_url");
            }
            assert_eq!(over_http, direct, "{q}");
        }
    }
}
