//! `/lookup`: the helpline lookup. The form submits to `/lookup?q=…` and gets its results
//! rendered here; `lookup.js` then takes over for answers as you type, building the same
//! markup (a browser test holds the two renderings equal).
//!
//! The answers come from [`Engine::ask`], the same call `/api/v1/ask` makes.

use std::borrow::Cow;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;
use signpost_indexer::corpus::{Entry, Kind};
use signpost_indexer::passages::PRODUCTS_SECTION;

use super::{bad_address, capitalised, page};
use crate::engine::{Answer, AskRequest, AskResponse, Engine, PassageHit, ProjectHit};
use crate::http::error::ApiError;
use crate::http::html::{lookup_href, query_value, Marked, Page, Paragraphs, Section};
use crate::http::search::Search;
use crate::http::AppState;

/// How many products a project card in the lookup results shows before "more".
const CARD_PRODUCTS: usize = 3;

/// `/lookup` parameters.
#[derive(Debug, Deserialize)]
pub struct LookupParams {
    pub q: Option<String>,
    /// An entry chosen from the suggestions or the FAQ list: it is the answer, whatever
    /// the ranking would pick, so choosing "What are the National Projects?" opens exactly it.
    pub id: Option<String>,
}

/// `GET /lookup[?q=…]`: the lookup page, with results when a question was sent. The answer
/// comes through the search service, under the same limits as `/api/v1/ask`; a question over
/// them is shown on the page, anything else (busy, rate limited) as the site's error page.
pub async fn lookup(
    State(state): State<AppState>,
    search: Search,
    params: Result<Query<LookupParams>, QueryRejection>,
) -> Result<Page, ApiError> {
    let engine = state.engine();
    let Ok(Query(params)) = params else {
        return Ok(bad_address(&engine));
    };
    let q = params.q.unwrap_or_default();
    let outcome = if q.trim().is_empty() {
        Ok(None)
    } else {
        let request = AskRequest {
            q: q.clone(),
            limit: Some(engine.settings().limits.max_results),
            context: None,
        };
        match search.ask(request).await {
            Ok(mut response) => {
                if let Some(entry) = params.id.as_deref().and_then(|id| engine.entry(id)) {
                    pin(&mut response, &engine, entry);
                }
                Ok(Some(response))
            }
            Err(refused) if refused.refuses_the_question() => Err(refused.to_string()),
            Err(other) => return Err(other),
        }
    };
    let status = if outcome.is_err() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let title = match &outcome {
        Ok(Some(_)) => format!("{} — Helpline lookup", q.trim()),
        _ => "Helpline lookup".to_string(),
    };
    let main = lookup_main(&engine, q.trim(), &outcome);
    Ok(page(&engine, title, Section::Lookup, main)
        .status(status)
        .at_section_home(q.is_empty())
        .script("/lookup.js"))
}

fn lookup_main(engine: &Engine, q: &str, outcome: &Result<Option<AskResponse>, String>) -> Markup {
    let limits = &engine.settings().limits;
    html! {
        h1 { "Helpline lookup" }
        p.lede {
            "Answers from the National Projects FAQ and the project directory. Type a question, \
             a project's name or a few words."
        }
        form.lookup action="/lookup" method="get" role="search" aria-label="Helpline lookup"
            data-max-results=(limits.max_results) {
            label for="q" { "Question, project or keywords" }
            div.search-row {
                div.combo {
                    input #q name="q" type="text" value=(q) maxlength=(limits.max_chars)
                        autocomplete="off" autocapitalize="off" spellcheck="false"
                        enterkeyhint="search" data-shortcut-focus;
                    ul #q-suggestions.suggestions role="listbox" aria-label="Suggestions" hidden {}
                }
                button type="submit" { "Look up" }
            }
            p #q-hint.hint hidden {
                "Press " kbd { "/" } " or " kbd { "Ctrl" } "+" kbd { "K" }
                " to search from anywhere, " kbd { "↑" } " " kbd { "↓" }
                " to move through suggestions, " kbd { "Enter" } " to open one, "
                kbd { "Esc" } " to close them or clear the box, and " kbd { "c" } " or "
                kbd { "Alt" } "+" kbd { "C" } " to copy the answer."
            }
        }
        p #status.visually-hidden role="status" aria-live="polite" aria-atomic="true" {}
        div #results.results {
            @match outcome {
                Ok(Some(response)) => (results(engine, response)),
                Ok(None) => (start(engine)),
                Err(message) => div.notice.error role="alert" {
                    p { (capitalised(message)) ". Shorten the question and try again." }
                },
            }
        }
        section.settings aria-labelledby="settings-heading" hidden {
            h2 #settings-heading { "Keyboard shortcuts" }
            p {
                input type="checkbox" #single-key checked;
                " "
                label for="single-key" {
                    "Single-key shortcuts: " kbd { "/" } " to search and " kbd { "c" }
                    " to copy the answer (turn off if they clash with your speech or switch \
                     software). " kbd { "Ctrl" } "+" kbd { "K" } " and " kbd { "Alt" } "+"
                    kbd { "C" } " always work."
                }
            }
        }
    }
}

/// Makes `entry` the answer: an FAQ answers with its whole text, a project with its summary
/// and lead authority. Passages the pinned FAQ answer already shows are dropped.
fn pin(response: &mut AskResponse, engine: &Engine, entry: &Entry) {
    let text = match (&entry.kind, &entry.project) {
        (Kind::Faq, _) => engine.passage_texts(entry).collect::<Vec<_>>().join("\n\n"),
        (Kind::Project, Some(p)) => match &p.lead {
            Some(lead) => format!("{} Lead authority: {lead}.", p.summary),
            None => p.summary.clone(),
        },
        _ => return,
    };
    if entry.kind == Kind::Faq {
        response.passages.retain(|p| p.entry_id != entry.id);
    }
    response.answer = Some(Answer {
        id: entry.id.clone(),
        kind: entry.kind.as_str().to_string(),
        title: entry.title.clone(),
        text,
        passage_id: None,
        url: entry.url(),
        confidence: 1.0,
    });
    response.fallback = None;
}

/// The page before a question: the FAQ questions to browse.
fn start(engine: &Engine) -> Markup {
    html! {
        section.start aria-labelledby="faq-heading" {
            h2 #faq-heading { "Questions from the FAQ" }
            ul.faq-list {
                @for entry in engine.entries().iter().filter(|e| e.kind == Kind::Faq) {
                    li {
                        a href={ (lookup_href(&entry.title)) "&id=" (query_value(&entry.id)) } {
                            (entry.title)
                        }
                    }
                }
            }
            p { "Or browse the " a href="/projects" { "project directory" } "." }
        }
    }
}

/// With a best answer, how many other passages are shown: those that match the question as
/// well as the best passage does (`SUPPORT_SCORE` of its score), at most `SUPPORT_MAX`.
/// `lookup.js` keeps the same rule.
const SUPPORT_SCORE: f32 = 0.95;
const SUPPORT_MAX: usize = 5;

/// The passages to list: with a best answer, only those that support it (see
/// [`SUPPORT_SCORE`]), never the answer's own; without one, every match, for staff to search.
fn listed_passages(response: &AskResponse) -> Vec<&PassageHit> {
    let Some(answer) = &response.answer else {
        return response.passages.iter().collect();
    };
    let best = response
        .passages
        .iter()
        .map(|p| p.score)
        .fold(0.0, f32::max);
    response
        .passages
        .iter()
        .filter(|p| answer.passage_id.as_deref() != Some(p.id.as_str()))
        .filter(|p| p.score >= best * SUPPORT_SCORE)
        .take(SUPPORT_MAX)
        .collect()
}

/// Results in the markup `lookup.js` also builds: summary, best answer, passages, projects.
fn results(engine: &Engine, response: &AskResponse) -> Markup {
    let passages = listed_passages(response);
    let summary = summary_text(
        response.answer.is_some(),
        passages.len(),
        response.projects.len(),
    );
    html! {
        p.summary #results-summary { (summary) " for " q { (response.query) } "." }
        @if let Some(corrected) = &response.did_you_mean {
            p.did-you-mean { "Did you mean " a href=(lookup_href(corrected)) { (corrected) } "?" }
        }
        @match &response.answer {
            Some(answer) => (best_answer(answer)),
            None => section.fallback aria-labelledby="fallback-heading" {
                h2 #fallback-heading { "No confident answer" }
                @if let Some(fallback) = &response.fallback {
                    p { (fallback.message) }
                    @if let Some(h) = &fallback.helpline {
                        p { "The " (h.name) " can direct the caller: " a href=(h.href) { (h.number) } "." }
                    }
                }
                p { "Or browse the " a href="/projects" { "project directory" } "." }
            },
        }
        @if !passages.is_empty() {
            section aria-labelledby="passages-heading" {
                h2 #passages-heading {
                    @if response.answer.is_some() { "Supporting passages" } @else { "Matching passages" }
                    " (" (passages.len()) ")"
                }
                ol.passages {
                    @for p in passages {
                        li { (passage(p)) }
                    }
                }
            }
        }
        @if !response.projects.is_empty() {
            section aria-labelledby="projects-heading" {
                h2 #projects-heading { "Projects (" (response.projects.len()) ")" }
                ul.project-cards {
                    @for hit in &response.projects {
                        @if let Some(entry) = engine.entry(&hit.id) {
                            li { (project_card(engine, entry, hit)) }
                        }
                    }
                }
            }
        }
        @if !response.suggestions.is_empty() {
            section aria-labelledby="related-heading" {
                h2 #related-heading { "Related questions" }
                ul.related {
                    @for s in &response.suggestions {
                        li { a href=(lookup_href(s)) { (s) } }
                    }
                }
            }
        }
    }
}

/// The best answer, with what to copy and where it came from.
fn best_answer(answer: &Answer) -> Markup {
    let from_directory = answer.kind == "project";
    let source = if from_directory {
        format!("National Projects Directory: {}", answer.title)
    } else {
        format!("National Projects FAQ: “{}”", answer.title)
    };
    let from = if from_directory {
        "From the project directory: "
    } else {
        "From the FAQ: "
    };
    html! {
        section.answer aria-labelledby="answer-heading" data-copy-text=(answer.text)
            data-copy-source=(source) data-copy-url=(answer.url.as_deref().unwrap_or("")) {
            h2 #answer-heading { "Best answer" }
            p.source {
                (from)
                @match &answer.url {
                    Some(url) => a href=(url) { (answer.title) },
                    None => q { (answer.title) },
                }
            }
            div.answer-text { (Paragraphs(&answer.text)) }
            p.copy-row {
                button.copy type="button" hidden { "Copy answer " kbd { "c" } }
                " "
                span.copy-status {}
            }
        }
    }
}

/// One matching passage, its matched words marked.
fn passage(p: &PassageHit) -> Markup {
    let project = p.kind == "project";
    html! {
        article.passage {
            h3 {
                (p.title)
                @if let Some(section) = &p.section {
                    " " span.section { "· " (section) }
                }
            }
            p { (Marked(&p.text, &p.highlights)) }
            p.meta {
                @if project { "Project directory" } @else { "FAQ" }
                @if let Some(url) = &p.url {
                    " · "
                    a href=(url) {
                        @if project { "Project page" } @else { "FAQ page" }
                        span.visually-hidden { ": " (p.title) }
                    }
                }
            }
        }
    }
}

/// A project in the results: summary, lead authority, its first products.
fn project_card(engine: &Engine, entry: &Entry, hit: &ProjectHit) -> Markup {
    let products = products(engine, entry);
    let more = products.len().saturating_sub(CARD_PRODUCTS);
    html! {
        article.project-card {
            h3 { a href=(hit.url) { (entry.title) } }
            p { (hit.summary) }
            dl.facts {
                div {
                    dt { "Lead authority" }
                    dd { (hit.lead.as_deref().unwrap_or("Not recorded in our sources")) }
                }
            }
            @if !products.is_empty() {
                p.label { "What it produced" }
                ul.products {
                    @for text in products.iter().take(CARD_PRODUCTS) {
                        li { (text) }
                    }
                }
            }
            p {
                a href=(hit.url) {
                    @if more > 0 {
                        (more) " more " @if more == 1 { "product" } @else { "products" }
                        " and the full project page"
                    } @else {
                        "Full project page"
                    }
                    span.visually-hidden { " about " (hit.short_name) }
                }
            }
        }
    }
}

/// "Best answer, 3 more passages and 2 projects": the same words `lookup.js` announces.
fn summary_text(answer: bool, passages: usize, projects: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    parts.push(if answer {
        "Best answer".to_string()
    } else {
        "No confident answer".to_string()
    });
    parts.push(plural(
        passages,
        if answer { "more passage" } else { "passage" },
        if answer { "more passages" } else { "passages" },
    ));
    parts.push(plural(projects, "project", "projects"));
    let last = parts.pop().unwrap_or_default();
    format!("{} and {last}", parts.join(", "))
}

/// A project's products, one per passage of its "What it produced" section.
fn products<'e>(engine: &'e Engine, entry: &'e Entry) -> Vec<Cow<'e, str>> {
    entry
        .passages
        .iter()
        .zip(engine.passage_texts(entry))
        .filter(|(p, _)| p.section.as_deref() == Some(PRODUCTS_SECTION))
        .map(|(_, text)| text)
        .collect()
}
