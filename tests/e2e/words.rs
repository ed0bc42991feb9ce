//! Words as people write them, on the shipped corpus through the HTTP app: personal details
//! in a question change nothing, real English words are not "corrected" while typos still
//! are, and texting forms are answered like the words they stand for.

use serde_json::Value;
use signpost_e2e::{encode, TestApp};

async fn ask(app: &TestApp, q: &str) -> Value {
    let reply = app.get(&format!("/api/v1/ask?q={}", encode(q))).await;
    assert_eq!(reply.status, 200, "{q}: {}", reply.text);
    reply.json
}

fn answer_id(body: &Value) -> &str {
    body["answer"]["id"].as_str().unwrap_or("<no answer>")
}

/// What a person is shown for a question: the answer (id, text, confidence), the passages
/// quoted and the projects suggested, by id.
fn shown(body: &Value) -> (Value, Vec<Value>, Vec<Value>) {
    let ids = |list: &Value| -> Vec<Value> {
        list.as_array()
            .map(|items| items.iter().map(|i| i["id"].clone()).collect())
            .unwrap_or_default()
    };
    (
        body["answer"].clone(),
        ids(&body["passages"]),
        ids(&body["projects"]),
    )
}

#[tokio::test]
async fn personal_details_in_a_question_change_nothing() {
    let app = TestApp::shipped();
    let mut answered = 0;
    for (with, without) in [
        (
            "this is sarah.jones@example.org from the revenues team - did any national project \
             do electronic benefit claims?",
            "this is from the revenues team - did any national project do electronic benefit \
             claims?",
        ),
        (
            "ring me on 01632 960555 pls or give me the national projects number",
            "ring me on pls or give me the national projects number",
        ),
        (
            "I live at SW1A 1AA, can I apply for planning permission online?",
            "I live at, can I apply for planning permission online?",
        ),
        (
            "jo.bloggs@council.gov.uk 07700 900123 who led the e-payments project",
            "who led the e-payments project",
        ),
    ] {
        let (a, b) = (ask(&app, with).await, ask(&app, without).await);
        assert_eq!(shown(&a), shown(&b), "{with}");
        assert!(a["did_you_mean"].is_null(), "{with}: {}", a["did_you_mean"]);
        answered += usize::from(!a["answer"].is_null());
    }
    assert!(
        answered >= 2,
        "most of these questions have an answer to keep"
    );
}

#[tokio::test]
async fn real_english_words_are_not_corrected() {
    let app = TestApp::shipped();
    for q in [
        "does the smell of the project matter",
        "do I need to wear a mask",
        "what was the last project",
        "is there a threat to the funding",
        "was any of it commercial",
    ] {
        let body = ask(&app, q).await;
        assert!(
            body["did_you_mean"].is_null(),
            "{q}: corrected to {}",
            body["did_you_mean"]
        );
    }
}

#[tokio::test]
async fn a_name_is_not_corrected_into_an_answer() {
    // "peru" was read as a typo of "per", and the question answered with confidence from a
    // passage about a council's capital spending.
    let app = TestApp::shipped();
    for q in [
        "what is the capital of peru",
        "what is the weather in leeds",
    ] {
        let body = ask(&app, q).await;
        assert!(
            body["did_you_mean"].is_null(),
            "{q}: {}",
            body["did_you_mean"]
        );
        assert!(body["answer"].is_null(), "{q}: answered {}", body["answer"]);
        assert!(body["fallback"].is_object(), "{q}: no fallback");
    }
}

#[tokio::test]
async fn typos_are_still_corrected() {
    let app = TestApp::shipped();
    for (q, meant) in [
        (
            "planing aplications on the internet",
            "planning applications on the internet",
        ),
        (
            "which natinal project did electronic goverment standrds",
            "which national project did electronic government standards",
        ),
    ] {
        let body = ask(&app, q).await;
        assert_eq!(body["did_you_mean"], meant, "{q}");
    }
}

#[tokio::test]
async fn texting_forms_are_answered_like_the_words_they_stand_for() {
    let app = TestApp::shipped();
    for (texted, plain) in [
        ("wat is parsol", "what is parsol"),
        ("wot is parsol", "what is parsol"),
        ("y woz ryogens criticised lol", "why was ryogens criticised"),
        ("y woz ryogens criticised", "why was ryogens criticised"),
        ("who led parsol plz", "who led parsol please"),
        ("thx", "thanks"),
        ("how r u funded 4 parsol", "how are you funded for parsol"),
    ] {
        let (a, b) = (ask(&app, texted).await, ask(&app, plain).await);
        assert_ne!(answer_id(&b), "<no answer>", "{plain}: answered");
        assert_eq!(shown(&a), shown(&b), "{texted}");
        assert!(
            a["did_you_mean"].is_null(),
            "{texted}: {}",
            a["did_you_mean"]
        );
    }
}

#[tokio::test]
async fn a_slip_in_a_small_word_does_not_make_a_question_unanswerable() {
    let app = TestApp::shipped();
    // "wher" is one letter short of "where"; "fnd" is too short to tell what was meant, so
    // it is no sign the question is about something the corpus lacks.
    let typed = ask(&app, "wher can i fnd the e-goverment standrds").await;
    let meant = ask(&app, "where can i find the e-government standards").await;
    assert_eq!(answer_id(&meant), "legsb", "{meant}");
    assert_eq!(answer_id(&typed), "legsb", "{typed}");
    // Gibberish is still not answered.
    let gibberish = ask(&app, "xq zzv qwrt blorf").await;
    assert!(gibberish["answer"].is_null(), "{gibberish}");
}
