//! `/faq/{id}`: one FAQ question as its own page, the address the API's `url` gives for FAQ
//! entries. Server-rendered in the staff pages' frame like `/projects/{slug}`, so it works
//! without JavaScript and a link to it can be shared, bookmarked or read aloud on the phone.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::html;
use signpost_indexer::corpus::Kind;

use super::{page, related};
use crate::http::html::{lookup_href, query_value, Page, Paragraphs, Section};
use crate::http::AppState;

/// `GET /faq/{id}`: the question, its whole answer (phone numbers and web addresses linked),
/// the other ways people ask it and related entries; a 404 page for an unknown id.
pub async fn faq_page(State(state): State<AppState>, Path(id): Path<String>) -> Page {
    let engine = state.engine();
    let Some(entry) = engine.entry(&id).filter(|e| e.kind == Kind::Faq) else {
        let shown: String = id.chars().take(80).collect();
        let main = html! {
            h1 { "No FAQ question at this address" }
            p { "The FAQ has no question " q { (shown) } "." }
            p {
                "See the " a href="/lookup" { "questions from the FAQ" } ", or browse the "
                a href="/projects" { "project directory" } "."
            }
        };
        return page(&engine, "FAQ question not found", Section::Lookup, main)
            .status(StatusCode::NOT_FOUND);
    };
    let text = engine.passage_texts(entry).collect::<Vec<_>>().join("\n\n");
    let main = html! {
        nav.breadcrumb aria-label="Breadcrumb" {
            ol {
                li { a href="/lookup" { "Helpline lookup" } }
                li { a href=(entry.url().unwrap_or_default()) aria-current="page" { "FAQ question" } }
            }
        }
        h1 { (entry.title) }
        p.lede { "From the National Projects FAQ." }
        div.answer-text { (Paragraphs(&text)) }
        @if !entry.alternates.is_empty() {
            section aria-labelledby="asked-heading" {
                h2 #asked-heading { "Also asked as" }
                ul { @for alternate in &entry.alternates { li { (alternate) } } }
            }
        }
        (related(&engine, entry))
        p.ask {
            a href={ (lookup_href(&entry.title)) "&id=" (query_value(&entry.id)) } {
                "Open this question in the helpline lookup"
            }
        }
    };
    page(
        &engine,
        format!("{} — FAQ", entry.title),
        Section::Lookup,
        main,
    )
}
