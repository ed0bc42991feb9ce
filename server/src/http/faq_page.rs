//! `/faq/{id}`: one FAQ question as its own page, the address the API's `url` gives for FAQ
//! entries. Server-rendered in the staff pages' frame like `/projects/{slug}`, so it works
//! without JavaScript and a link to it can be shared, bookmarked or read aloud on the phone.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use signpost_indexer::corpus::Kind;

use super::html::{lookup_href, query_value, Esc, Page, Paragraphs, Section};
use super::lookup::{page, render_related};
use super::AppState;

/// `GET /faq/{id}`: the question, its whole answer (phone numbers and web addresses linked),
/// the other ways people ask it and related entries; a 404 page for an unknown id.
pub async fn faq_page(State(state): State<AppState>, Path(id): Path<String>) -> Page {
    let engine = state.engine();
    let Some(entry) = engine.entry(&id).filter(|e| e.kind == Kind::Faq) else {
        let shown: String = id.chars().take(80).collect();
        let main = format!(
            "<h1>No FAQ question at this address</h1>\n\
             <p>The FAQ has no question <q>{}</q>.</p>\n\
             <p>See the <a href=\"/lookup\">questions from the FAQ</a>, or browse the \
             <a href=\"/projects\">project directory</a>.</p>\n",
            Esc(&shown)
        );
        return page(
            &engine,
            StatusCode::NOT_FOUND,
            "FAQ question not found".to_string(),
            Section::Lookup,
            false,
            false,
            main,
        );
    };
    let url = entry.url().unwrap_or_default();
    let text = engine.passage_texts(entry).collect::<Vec<_>>().join("\n\n");
    let mut out = String::new();
    let _ = write!(
        out,
        "<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><ol>\
         <li><a href=\"/lookup\">Helpline lookup</a></li>\
         <li><a href=\"{}\" aria-current=\"page\">FAQ question</a></li></ol></nav>\n\
         <h1>{}</h1>\n<p class=\"lede\">From the National Projects FAQ.</p>\n\
         <div class=\"answer-text\">{}</div>\n",
        Esc(&url),
        Esc(&entry.title),
        Paragraphs(&text)
    );
    if !entry.alternates.is_empty() {
        out.push_str(
            "<section aria-labelledby=\"asked-heading\">\n\
             <h2 id=\"asked-heading\">Also asked as</h2>\n<ul>\n",
        );
        for alternate in &entry.alternates {
            let _ = writeln!(out, "<li>{}</li>", Esc(alternate));
        }
        out.push_str("</ul>\n</section>\n");
    }
    render_related(&mut out, &engine, entry);
    let _ = writeln!(
        out,
        "<p class=\"ask\"><a href=\"{}&amp;id={}\">Open this question in the helpline lookup</a></p>",
        Esc(&lookup_href(&entry.title)),
        Esc(&query_value(&entry.id))
    );
    page(
        &engine,
        StatusCode::OK,
        format!("{} — FAQ", entry.title),
        Section::Lookup,
        false,
        false,
        out,
    )
}
