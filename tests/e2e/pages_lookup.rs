//! The staff pages without a browser: `/lookup` answers a submitted form server-side,
//! `/projects` filters and searches, `/projects/{slug}` shows one project or a 404 page; every
//! string is escaped (the fixture corpus carries hostile names) and every page fits a strict
//! `Content-Security-Policy` (no inline script, style or event handler).

use signpost_e2e::{encode, Reply, TestApp};

/// Asserts an HTML page with the site frame: helpline as a `tel:` link, directory link.
pub(crate) fn assert_page(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    let content_type = reply.headers["content-type"].to_str().unwrap();
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(reply.text.starts_with("<!doctype html>"));
    assert!(reply.text.contains("<html lang=\"en-GB\">"));
    assert!(reply.text.contains("href=\"/projects\""), "directory link");
    assert_strict_csp_fit(&reply.text);
}

/// Every tag in the page, as written. Text and attribute values are escaped, so each `<`
/// in the document starts a real tag, and `>` never appears inside one.
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic()))
        .map(|rest| &rest[..rest.find('>').expect("every tag closes")])
        .collect()
}

/// The attribute names of one tag (quoted values removed first).
fn attribute_names(tag: &str) -> Vec<String> {
    let mut unquoted = String::new();
    let mut quote: Option<char> = None;
    for c in tag.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => unquoted.push(c),
        }
    }
    unquoted
        .split_whitespace()
        .skip(1)
        .map(|a| a.split('=').next().unwrap_or("").to_ascii_lowercase())
        .collect()
}

/// No inline script, no inline style, no event-handler attribute, no `javascript:` link.
fn assert_strict_csp_fit(html: &str) {
    for tag in tags(html) {
        let name = tag.split_whitespace().next().unwrap().to_ascii_lowercase();
        let attributes = attribute_names(tag);
        assert_ne!(name, "style", "inline <style>");
        if name == "script" {
            assert!(
                attributes.contains(&"src".to_string()),
                "inline <script>: {tag}"
            );
        }
        for attribute in &attributes {
            assert!(!attribute.starts_with("on"), "event handler in <{tag}>");
            assert_ne!(attribute, "style", "style attribute in <{tag}>");
        }
        assert!(!tag.to_ascii_lowercase().contains("javascript:"), "<{tag}>");
    }
}

#[tokio::test]
async fn the_lookup_form_submits_to_server_rendered_results() {
    let app = TestApp::shipped();
    let blank = app.get("/lookup").await;
    assert_page(&blank, 200);
    let form = tags(&blank.text)
        .into_iter()
        .find(|t| t.starts_with("form") && t.contains("class=\"lookup\""))
        .expect("the lookup form");
    assert!(
        form.contains("action=\"/lookup\"") && form.contains("method=\"get\""),
        "{form}"
    );
    assert!(blank.text.contains("name=\"q\""));
    assert!(blank
        .text
        .contains("href=\"tel:+448707770011\">0870 777 0011</a>"));
    assert!(blank.text.contains("Questions from the FAQ"));

    // What the browser sends when the form is submitted without JavaScript.
    let reply = app.get("/lookup?q=who+led+parsol").await;
    assert_page(&reply, 200);
    assert!(reply
        .text
        .contains("<h2 id=\"answer-heading\">Best answer</h2>"));
    assert!(
        reply.text.contains("value=\"who led parsol\""),
        "the box keeps the question"
    );
    let answer = section(&reply.text, "class=\"answer\"");
    assert!(answer.contains("London Borough of Wandsworth"), "{answer}");
    assert!(answer.contains("From the project directory"), "{answer}");
    assert!(reply
        .text
        .contains("<title>who led parsol — Helpline lookup — Signpost</title>"));

    let fixture = TestApp::fixture();
    let helpline = fixture.get("/lookup?q=is+there+a+helpline").await;
    assert_page(&helpline, 200);
    let answer = section(&helpline.text, "class=\"answer\"");
    assert!(answer.contains("0800 123 4567"), "{answer}");
    // The source links to the question's own page; the number in the answer is a tel: link.
    assert!(
        answer.contains("From the FAQ: <a href=\"/faq/faq-01\">Is there a helpline?</a>"),
        "{answer}"
    );
    assert!(
        answer.contains("(tel: <a href=\"tel:+448001234567\">0800 123 4567</a>)"),
        "{answer}"
    );

    // Passages come with highlights; projects with lead authority and what they produced.
    assert!(reply.text.contains("<mark>PARSOL</mark>"));
    let projects = section(&reply.text, "aria-labelledby=\"projects-heading\"");
    assert!(
        projects.contains("London Borough of Wandsworth"),
        "{projects}"
    );
    assert!(projects.contains("What it produced"), "{projects}");
    assert!(projects.contains("href=\"/projects/parsol\""), "{projects}");
}

#[tokio::test]
async fn a_chosen_entry_is_the_answer_whatever_the_ranking() {
    let app = TestApp::shipped();
    let reply = app
        .get(&format!(
            "/lookup?q={}&id=faq-01",
            encode("What are the National Projects?")
        ))
        .await;
    assert_page(&reply, 200);
    let answer = section(&reply.text, "class=\"answer\"");
    assert!(answer.contains("Initiated by the ODPM"), "{answer}");
    assert!(
        answer
            .contains("From the FAQ: <a href=\"/faq/faq-01\">What are the National Projects?</a>"),
        "{answer}"
    );
    // The whole FAQ answer is shown, one paragraph per passage.
    assert!(answer.matches("<p>").count() >= 3, "{answer}");

    let reply = app.get("/lookup?q=PARSOL&id=parsol").await;
    let answer = section(&reply.text, "class=\"answer\"");
    assert!(
        answer.contains("Lead authority: London Borough of Wandsworth."),
        "{answer}"
    );
    assert!(
        answer.contains("data-copy-url=\"/projects/parsol\""),
        "{answer}"
    );
    // An unknown id is ignored rather than trusted.
    let reply = app.get("/lookup?q=PARSOL&id=nope").await;
    assert_page(&reply, 200);
}

#[tokio::test]
async fn a_question_the_engine_refuses_gets_an_html_400() {
    let app = TestApp::shipped();
    let long = "a".repeat(501);
    let reply = app.get(&format!("/lookup?q={long}")).await;
    assert_page(&reply, 400);
    assert!(reply.text.contains("role=\"alert\""));
    assert!(reply.text.contains("longer than 500 characters"));
}

#[tokio::test]
async fn hostile_strings_in_the_corpus_and_the_address_are_escaped() {
    let app = TestApp::fixture();
    let pages = [
        "/projects".to_string(),
        "/projects/bins".to_string(),
        "/projects?q=neighbourhood".to_string(),
        format!(
            "/lookup?q={}",
            encode("what did the fixture projects produce")
        ),
        format!("/lookup?q={}", encode("BINS neighbourhood information")),
        format!("/lookup?q={}&id=faq-02", encode("fixture projects")),
    ];
    for uri in &pages {
        let reply = app.get(uri).await;
        assert_page(&reply, 200);
        assert!(!reply.text.contains("<script>window"), "{uri}");
        assert!(!reply.text.contains("<img"), "{uri}");
    }
    let project = app.get("/projects/bins").await;
    assert!(project
        .text
        .contains("Better Information for Neighbourhood Services &lt;script&gt;window.__pwned=1&lt;/script&gt;"));
    let lookup = app
        .get(&format!(
            "/lookup?q={}&id=faq-02",
            encode("fixture projects")
        ))
        .await;
    assert!(
        lookup
            .text
            .contains("&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;"),
        "{}",
        lookup.text
    );

    // A query string that cannot be read gets an HTML page, not a JSON error or a panic.
    for uri in ["/projects?strand=a&strand=b", "/lookup?q=a&q=b"] {
        let reply = app.get(uri).await;
        assert_page(&reply, 400);
        assert!(reply.text.contains("Address not understood"), "{uri}");
    }

    // Whatever is typed into the address comes back as text.
    let nasty = "\"><script>alert(1)</script><img src=x onerror=alert(2)>'";
    for uri in [
        format!("/lookup?q={}", encode(nasty)),
        format!("/projects?q={}", encode(nasty)),
        format!("/projects?strand={}&lead={}", encode(nasty), encode(nasty)),
        format!("/projects/{}", encode(nasty)),
    ] {
        let reply = app.get(&uri).await;
        assert!(
            reply.status == 200 || reply.status == 404,
            "{uri}: {}",
            reply.status
        );
        assert_page(&reply, reply.status.as_u16());
        assert!(!reply.text.contains("<script>alert"), "{uri}");
        assert!(!reply.text.contains("<img"), "{uri}");
        assert!(
            reply.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn the_directory_says_how_much_of_the_programme_it_covers() {
    let app = TestApp::shipped();
    let reply = app.get("/projects").await;
    assert_page(&reply, 200);
    assert!(reply.text.contains("programme had 22 projects"));
    assert!(reply.text.contains("covers the 19 that"));
    assert!(reply.text.contains("All 19 projects"));
    assert_eq!(project_links(&reply.text).len(), 19);
}

#[tokio::test]
async fn the_directory_filters_by_strand_and_lead_and_searches() {
    let app = TestApp::shipped();
    let all = app.get("/api/v1/projects").await.json["projects"]
        .as_array()
        .unwrap()
        .clone();
    let ids_where = |f: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        let mut ids: Vec<String> = all
            .iter()
            .filter(|p| f(p))
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };

    let reply = app.get("/projects?strand=building-block").await;
    assert_page(&reply, 200);
    let expected = ids_where(&|p| p["strand"] == "building-block");
    assert!(!expected.is_empty());
    assert_eq!(sorted(project_links(&reply.text)), expected);
    assert!(reply
        .text
        .contains("<option value=\"building-block\" selected>"));
    assert!(reply
        .text
        .contains(&format!("Showing {} of 19 projects", expected.len())));

    let reply = app.get("/projects?lead=London+Borough+of+Wandsworth").await;
    assert_eq!(project_links(&reply.text), ["parsol"]);
    assert!(reply
        .text
        .contains("<option value=\"London Borough of Wandsworth\" selected>"));

    let reply = app.get("/projects?lead=unrecorded").await;
    assert_eq!(
        sorted(project_links(&reply.text)),
        ids_where(&|p| p["lead"].is_null())
    );

    // Search reaches the project text: SmartConnect is a product of the smart card project.
    let reply = app.get("/projects?q=smartconnect").await;
    assert_eq!(project_links(&reply.text), ["smartcards"]);
    assert!(reply.text.contains("value=\"smartconnect\""));
    // Word prefixes, any case.
    let reply = app.get("/projects?q=PLANN").await;
    assert!(project_links(&reply.text).contains(&"parsol".to_string()));

    // Filters combine.
    let reply = app
        .get("/projects?strand=building-block&lead=London+Borough+of+Wandsworth")
        .await;
    assert!(project_links(&reply.text).is_empty());
    assert!(reply.text.contains("No projects match"));

    let reply = app.get("/projects?q=xyzzy").await;
    assert!(project_links(&reply.text).is_empty());
    assert!(reply
        .text
        .contains("look up “xyzzy” in the helpline lookup"));
}

#[tokio::test]
async fn a_project_page_shows_aims_products_outcomes_and_sources() {
    let app = TestApp::shipped();
    let reply = app.get("/projects/parsol").await;
    assert_page(&reply, 200);
    let text = &reply.text;
    assert!(text.contains(
        "<h1>PARSOL <span class=\"fullname\">Planning and Regulatory Services Online</span></h1>"
    ));
    for heading in [
        "Aim",
        "What it produced",
        "Councils and outcomes",
        "Who ran it",
        "Sources",
    ] {
        assert!(text.contains(&format!("\">{heading}</h2>")), "{heading}");
    }
    assert!(text.contains("<dt>Lead authority</dt><dd>London Borough of Wandsworth</dd>"));
    assert!(
        text.contains("<li>Macclesfield Borough Council used PARSOL"),
        "outcomes as a list"
    );
    assert!(text.contains("href=\"http://www.parsol.gov.uk/2_5.html\" rel=\"noopener noreferrer\""));
    assert!(
        text.contains("aria-current=\"page\">PARSOL</a>"),
        "breadcrumb"
    );
    assert!(text.contains("href=\"/lookup?q=PARSOL\""), "look it up");
}

#[tokio::test]
async fn an_unknown_project_gets_a_404_page() {
    let app = TestApp::shipped();
    for slug in ["nope", "faq-01", "PARSOL", "greeting"] {
        let reply = app.get(&format!("/projects/{slug}")).await;
        assert_page(&reply, 404);
        assert!(reply.text.contains("No project at this address"), "{slug}");
        assert!(reply.text.contains(&format!("<q>{slug}</q>")), "{slug}");
    }
    // The JSON API keeps its own error shape.
    let reply = app.get("/api/v1/projects/nope").await;
    assert_eq!(reply.error_code(), "unknown_project");
}

#[tokio::test]
async fn the_script_and_stylesheet_are_served_with_their_types() {
    let app = TestApp::fixture();
    for (uri, content_type, marker) in [
        (
            "/lookup.js",
            "text/javascript; charset=utf-8",
            "role', 'combobox'",
        ),
        ("/lookup.css", "text/css; charset=utf-8", ".suggestions"),
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, 200, "{uri}");
        assert_eq!(reply.headers["content-type"], content_type, "{uri}");
        assert!(reply.text.contains(marker), "{uri}");
    }
    let page = app.get("/lookup").await;
    assert!(page
        .text
        .contains("<script src=\"/lookup.js\" defer></script>"));
    assert!(page
        .text
        .contains("<link rel=\"stylesheet\" href=\"/lookup.css\">"));
}

/// The part of `html` from the element whose opening tag contains `marker` to the next
/// `</section>`.
fn section<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in:\n{html}"));
    let end = html[start..]
        .find("</section>")
        .map_or(html.len(), |e| start + e);
    &html[start..end]
}

/// The slugs of the project cards listed on a directory page, in order.
fn project_links(html: &str) -> Vec<String> {
    let Some(list) = html.find("<ul class=\"project-list\"") else {
        return Vec::new();
    };
    let list = &html[list..html[list..].find("</ul>").map_or(html.len(), |e| list + e)];
    list.split("<h3><a href=\"/projects/")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
