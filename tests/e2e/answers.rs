//! Answer behaviours on the shipped corpus that the dev-set scores do not pin down one by one:
//! spelling variants, synonyms, typos, refusals, follow-ups and small talk.

use serde_json::{json, Value};
use signpost_e2e::{encode, TestApp};

async fn ask(app: &TestApp, q: &str) -> Value {
    let reply = app.get(&format!("/api/v1/ask?q={}", encode(q))).await;
    assert_eq!(reply.status, 200, "{q}: {}", reply.text);
    reply.json
}

fn answer_id(body: &Value) -> &str {
    body["answer"]["id"].as_str().unwrap_or("<no answer>")
}

#[tokio::test]
async fn hyphenated_joined_and_split_spellings_meet() {
    let app = TestApp::shipped();
    let mut answers = Vec::new();
    for q in [
        "e-government partnerships",
        "egovernment partnerships",
        "e government partnerships",
    ] {
        answers.push(answer_id(&ask(&app, q).await).to_string());
    }
    assert_eq!(answers[0], "faq-03", "{answers:?}");
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
}

#[tokio::test]
async fn acronyms_and_their_expansions_find_the_same_answer() {
    let app = TestApp::shipped();
    let short = ask(&app, "what are the ESD targets").await;
    let long = ask(&app, "what are the electronic service delivery targets").await;
    assert_eq!(answer_id(&short), "faq-02");
    assert_eq!(answer_id(&long), "faq-02");
    let nepp = ask(&app, "NePP").await;
    assert_eq!(answer_id(&nepp), "eprocurement");
}

#[tokio::test]
async fn an_idiom_is_read_as_its_meaning() {
    // "pays for" means funding, even though e-Pay's names contain "pay".
    let app = TestApp::shipped();
    assert_eq!(
        answer_id(&ask(&app, "who pays for all this").await),
        "faq-02"
    );
    assert_eq!(
        answer_id(&ask(&app, "paying the council online").await),
        "epay"
    );
}

#[tokio::test]
async fn typos_are_corrected_with_did_you_mean() {
    let app = TestApp::shipped();
    let body = ask(&app, "planing aplications on the internet").await;
    assert_eq!(
        body["did_you_mean"],
        "planning applications on the internet"
    );
    assert_eq!(answer_id(&body), "parsol");
    assert_eq!(body["projects"][0]["id"], "parsol");
    let clean = ask(&app, "planning applications").await;
    assert!(
        clean["did_you_mean"].is_null(),
        "nothing to correct: {}",
        clean["did_you_mean"]
    );
}

#[tokio::test]
async fn a_planning_question_suggests_parsol_even_when_an_faq_passage_answers() {
    let app = TestApp::shipped();
    let body = ask(&app, "which council offers planning applications online").await;
    let projects: Vec<&str> = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(projects.contains(&"parsol"), "{projects:?}");
}

#[tokio::test]
async fn nonsense_markup_and_other_councils_business_are_refused() {
    let app = TestApp::shipped();
    for q in [
        "asdfghjkl",
        "<script>alert(1)</script>",
        "when is my bin collection day",
        "what band is my council tax",
        "how do I renew my passport",
    ] {
        let body = ask(&app, q).await;
        assert!(
            body["answer"].is_null(),
            "{q} was answered with {}",
            body["answer"]
        );
        assert_eq!(
            body["fallback"]["helpline"]["number"], "0870 777 0011",
            "{q}"
        );
    }
    let council_tax = ask(&app, "what band is my council tax").await;
    let message = council_tax["fallback"]["message"].as_str().unwrap();
    assert!(
        message.contains("your own council"),
        "a declined question says where to go: {message}"
    );
}

#[tokio::test]
async fn a_question_about_something_else_is_declined_though_its_common_words_match() {
    // "how long", "last" and "do" are all in the corpus; "bananas" is the subject, and rare
    // in English. Fitted without questions about something else, the confidence gave this
    // e-Benefits at 0.74.
    let app = TestApp::shipped();
    for q in [
        "how long do bananas last",
        "how long does coronavirus live on plastic",
    ] {
        let body = ask(&app, q).await;
        assert!(
            body["answer"].is_null(),
            "{q} was answered with {}",
            body["answer"]
        );
    }
}

#[tokio::test]
async fn the_confidence_threshold_is_configurable() {
    use signpost_server::engine::Settings;
    let strict = TestApp::with_settings(
        &signpost_e2e::shipped_corpus(),
        Settings {
            min_confidence: 1.01,
            ..Settings::default()
        },
    );
    let body = ask(&strict, "PARSOL").await;
    assert!(
        body["answer"].is_null(),
        "nothing clears a threshold above 1"
    );
    assert!(
        !body["passages"].as_array().unwrap().is_empty(),
        "the closest passages are still offered"
    );
}

#[tokio::test]
async fn follow_ups_are_answered_about_the_project_just_discussed() {
    let app = TestApp::shipped();
    let first = app.post_json("/api/v1/ask", r#"{"q": "PARSOL"}"#).await;
    let context = first.json["context"].clone();
    assert_eq!(context["answer_id"], "parsol");
    let led = app
        .post_json(
            "/api/v1/ask",
            &json!({"q": "who led it?", "context": context}).to_string(),
        )
        .await;
    assert_eq!(answer_id(&led.json), "parsol");
    assert!(
        led.json["answer"]["text"]
            .as_str()
            .unwrap()
            .contains("Wandsworth"),
        "{}",
        led.json["answer"]
    );
    let produced = app
        .post_json(
            "/api/v1/ask",
            &json!({"q": "what did that project produce?", "context": context}).to_string(),
        )
        .await;
    assert_eq!(answer_id(&produced.json), "parsol");
    // Without the context the same words are not about PARSOL.
    let alone = app
        .post_json("/api/v1/ask", r#"{"q": "who led it?"}"#)
        .await;
    assert_ne!(answer_id(&alone.json), "parsol");
}

#[tokio::test]
async fn small_talk_gets_short_honest_replies() {
    let app = TestApp::shipped();
    for (q, id, needle) in [
        ("hello", "greeting", "automated assistant"),
        ("Thanks!", "thanks", "welcome"),
        ("what can you do?", "capabilities", "National Projects"),
        ("am I talking to a person?", "human", "0870 777 0011"),
    ] {
        let body = ask(&app, q).await;
        assert_eq!(answer_id(&body), id, "{q}");
        assert_eq!(body["answer"]["kind"], "assistant", "{q}");
        assert!(
            body["answer"]["text"].as_str().unwrap().contains(needle),
            "{q}: {}",
            body["answer"]["text"]
        );
        assert!(
            body["passages"].as_array().unwrap().is_empty(),
            "{q}: small talk quotes no passages"
        );
    }
}

#[tokio::test]
async fn a_question_that_opens_with_a_greeting_is_answered_as_the_question() {
    // "hello who led parsol" was answered with the greeting alone, and "hi there, what is
    // digitv" was declined: the greeting's words diluted the question.
    let app = TestApp::shipped();
    for (q, id) in [
        ("Hello, who led PARSOL?", "parsol"),
        ("hi there, what is digitv", "digitv"),
        ("thanks! and who led crm?", "crm"),
        ("hello are you a real person", "human"),
        ("Hi there!", "greeting"),
    ] {
        let body = ask(&app, q).await;
        assert_eq!(answer_id(&body), id, "{q}: {}", body["answer"]);
    }
}

#[tokio::test]
async fn an_everyday_word_the_corpus_lacks_does_not_make_a_question_about_the_programme_unanswerable(
) {
    // "boss" was over 40% of this question's weight by the corpus's IDF, which declined it
    // at 0.93; weighed by how rarely English uses each word it is a small part.
    let app = TestApp::shipped();
    let body = ask(
        &app,
        "hiya, my boss wants to know which council did the crm project thx",
    )
    .await;
    assert_eq!(answer_id(&body), "crm", "{}", body["answer"]);
    // A question about something else is still declined, however common its words.
    for q in [
        "hiya, my boss wants to know who won the match thx",
        "who won the football last night",
    ] {
        let body = ask(&app, q).await;
        assert!(body["answer"].is_null(), "{q}: {}", body["answer"]);
    }
}

#[tokio::test]
async fn a_misspelt_project_name_is_not_declined_for_a_word_a_decline_trigger_shares() {
    // "benifits", corrected to "benefits", was as close as could be to your-council's
    // trigger "my benefits" read without its "my", and got the your-own-council reply.
    let app = TestApp::shipped();
    for q in ["e-benifits", "what was e-benifits"] {
        let body = ask(&app, q).await;
        assert_eq!(answer_id(&body), "ebenefits", "{q}: {}", body["fallback"]);
    }
    // The trigger itself, with its "my", still declines.
    let mine = ask(&app, "where are my benefits").await;
    assert!(mine["answer"].is_null(), "{}", mine["answer"]);
}
