//! The reference endpoints: the project directory, the FAQ and health.

use signpost_e2e::TestApp;

#[tokio::test]
async fn lists_projects_and_says_the_programme_had_more() {
    let app = TestApp::shipped();
    let reply = app.get("/api/v1/projects").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["programme_projects"], 22);
    let projects = reply.json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 19);
    assert!(projects
        .iter()
        .any(|p| p["id"] == "parsol" && p["short_name"] == "PARSOL"));
}

#[tokio::test]
async fn shows_one_project_with_sections_and_sources() {
    let app = TestApp::fixture();
    let reply = app.get("/api/v1/projects/planit").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["lead"], "Exampleton Council");
    assert_eq!(reply.json["sources"][0], "https://example.org/planit");
    let headings: Vec<&str> = reply.json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["heading"].as_str().unwrap())
        .collect();
    assert_eq!(headings, ["Aim", "What it produced", "Who ran it"]);
}

#[tokio::test]
async fn faq_lists_every_question_with_its_text() {
    let app = TestApp::shipped();
    let reply = app.get("/api/v1/faq").await;
    let faq = reply.json["faq"].as_array().unwrap();
    assert_eq!(faq.len(), 10);
    assert_eq!(faq[0]["title"], "What are the National Projects?");
    let last = faq[9]["passages"].as_array().unwrap();
    assert!(last.iter().any(|p| p["text"]
        .as_str()
        .unwrap()
        .starts_with("Macclesfield Borough Council")));
}

#[tokio::test]
async fn health_reports_the_index() {
    let app = TestApp::fixture();
    let reply = app.get("/healthz").await;
    assert_eq!(reply.json["status"], "ok");
    assert!(reply.json["passages"].as_u64().unwrap() > 5);
}
