//! `/projects/{slug}`: one project of the directory, its facts, its passages under their
//! headings, its sources and related entries.

use axum::extract::State;
use axum::http::StatusCode;
use maud::{html, Markup};
use signpost_indexer::corpus::{Entry, Kind};
use signpost_indexer::passages::{OUTCOMES_SECTION, PRODUCTS_SECTION};

use super::{page, related};
use crate::engine::Engine;
use crate::http::extract::ApiPath;
use crate::http::html::{is_web_link, lookup_href, Page, Section};
use crate::http::AppState;

/// Sections the corpus writes as one bullet per passage.
const LIST_SECTIONS: &[&str] = &[PRODUCTS_SECTION, OUTCOMES_SECTION];

/// `GET /projects/{slug}`: one project, or a 404 page.
pub async fn project(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> Page {
    let engine = state.engine();
    let Some((entry, p)) = engine
        .entry(&slug)
        .filter(|e| e.kind == Kind::Project)
        .and_then(|e| Some((e, e.project.as_ref()?)))
    else {
        let shown: String = slug.chars().take(80).collect();
        let main = html! {
            h1 { "No project at this address" }
            p { "The directory has no project called " q { (shown) } "." }
            p {
                "Browse the " a href="/projects" { "project directory" } ", or "
                a href=(lookup_href(&shown)) { "look it up" } "."
            }
        };
        return page(&engine, "Project not found", Section::Directory, main)
            .status(StatusCode::NOT_FOUND);
    };
    let aliases: Vec<&str> = p
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|a| !a.eq_ignore_ascii_case(&p.short_name) && !a.eq_ignore_ascii_case(&p.name))
        .collect();
    let main = html! {
        nav.breadcrumb aria-label="Breadcrumb" {
            ol {
                li { a href="/projects" { "Project directory" } }
                li { a href=(entry.url().unwrap_or_default()) aria-current="page" { (p.short_name) } }
            }
        }
        h1 {
            (p.short_name)
            @if !p.name.eq_ignore_ascii_case(&p.short_name) {
                " " span.fullname { (p.name) }
            }
        }
        p.lede { (p.summary) }
        dl.facts {
            div {
                dt { "Lead authority" }
                dd { (p.lead.as_deref().unwrap_or("Not recorded in the sources we used")) }
            }
            @if !p.partners.is_empty() {
                div { dt { "Partners" } dd { (p.partners.join(", ")) } }
            }
            div { dt { "Strand" } dd { (p.strand.label()) } }
            @if !aliases.is_empty() {
                div { dt { "Also known as" } dd { (aliases.join(", ")) } }
            }
        }
        p.ask {
            a href=(lookup_href(&p.short_name)) { "Look up answers about " (p.short_name) }
        }
        (passages(&engine, entry))
        section aria-labelledby="sources-heading" {
            h2 #sources-heading { "Sources" }
            p { "Where these facts come from. Some are archived pages that may have moved." }
            ul.sources {
                @for source in &p.sources {
                    @if is_web_link(source) {
                        li { a href=(source) rel="noopener noreferrer" { (source) } }
                    } @else {
                        li { (source) }
                    }
                }
            }
        }
        (related(&engine, entry))
        p { a href="/projects" { "Back to the project directory" } }
    };
    page(
        &engine,
        format!("{} — Project directory", entry.title),
        Section::Directory,
        main,
    )
}

/// The project's passages in order, grouped under their headings; the products and outcomes
/// as lists, one item a passage.
fn passages(engine: &Engine, entry: &Entry) -> Markup {
    let passages = entry.written_passages();
    let mut texts = engine.passage_texts(entry);
    let mut groups = Vec::new();
    let mut index = 0;
    while index < passages.len() {
        let section = passages[index].section.as_deref();
        let end = passages[index..]
            .iter()
            .position(|x| x.section.as_deref() != section)
            .map_or(passages.len(), |n| index + n);
        let group: Vec<_> = texts.by_ref().take(end - index).collect();
        groups.push((index, section, group));
        index = end;
    }
    html! {
        @for (index, section, group) in groups {
            @let id = format!("section-{}", index + 1);
            section aria-labelledby=(id) {
                h2 id=(id) { (section.unwrap_or("About the project")) }
                @if section.is_some_and(|s| LIST_SECTIONS.contains(&s)) {
                    ul { @for text in &group { li { (text) } } }
                } @else {
                    @for text in &group { p { (text) } }
                }
            }
        }
    }
}
