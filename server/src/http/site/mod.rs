//! The staff pages, one module each: [`lookup`] (`/lookup`, the helpline lookup and its
//! results), [`directory`] (`/projects`, filterable and searchable), [`project`]
//! (`/projects/{slug}`), [`faq`] (`/faq/{id}`), and here what they share: their stylesheet and
//! script, the page frame with the engine's helpline, the "Related" list, and the site's
//! error pages. Every page is complete HTML rendered on the server, so it works without
//! JavaScript; `lookup.js` then takes over the lookup for answers as you type.

pub mod directory;
pub mod faq;
pub mod lookup;
pub mod project;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use signpost_indexer::corpus::Entry;

use super::html::{lookup_href, Page, Section};
use super::AppState;
use crate::engine::Engine;

pub const LOOKUP_JS: &str = include_str!("../../../assets/lookup.js");
pub const LOOKUP_CSS: &str = include_str!("../../../assets/lookup.css");

pub async fn lookup_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        LOOKUP_JS,
    )
}

pub async fn lookup_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        LOOKUP_CSS,
    )
}

/// A page in `section` with the engine's helpline in the header.
pub(super) fn page(
    engine: &Engine,
    title: impl Into<String>,
    section: Section,
    main: Markup,
) -> Page {
    Page::new(title, section, engine.helpline().cloned(), main)
}

/// An entry's "Related" section (its `related` entries, each linked to its own page or else
/// to the lookup), for a project's page and an FAQ's alike; nothing when it has none.
fn related(engine: &Engine, entry: &Entry) -> Markup {
    let related: Vec<&Entry> = entry
        .related
        .iter()
        .filter_map(|id| engine.entry(id))
        .collect();
    html! {
        @if !related.is_empty() {
            section aria-labelledby="related-heading" {
                h2 #related-heading { "Related" }
                ul.related {
                    @for r in related {
                        li { a href=(r.url().unwrap_or_else(|| lookup_href(&r.title))) { (r.title) } }
                    }
                }
            }
        }
    }
}

/// `response` shown as the site's error page when it is an [`ApiError`](super::error::ApiError):
/// the same status and headers (`Retry-After`, `WWW-Authenticate`), the message in the page
/// frame. Other responses pass unchanged.
pub fn as_error_page(state: &AppState, response: Response) -> Response {
    let Some(shown) = super::policy::shown_error(&response) else {
        return response;
    };
    let (status, message) = (shown.status, shown.message.clone());
    let engine = state.engine();
    let heading = match status {
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::SERVICE_UNAVAILABLE => "Busy right now",
        StatusCode::NOT_FOUND => "Nothing at this address",
        s if s.is_server_error() => "Something went wrong",
        _ => "Request not understood",
    };
    let main = html! {
        h1 { (heading) }
        p { (capitalised(message.trim_end_matches('.'))) "." }
        p {
            "Start again from the " a href="/lookup" { "helpline lookup" }
            " or the " a href="/projects" { "project directory" } "."
        }
    };
    let kept: Vec<(header::HeaderName, HeaderValue)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            [header::RETRY_AFTER, header::WWW_AUTHENTICATE].contains(name)
                || name.as_str() == super::GENERATION_HEADER
        })
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let mut page = page(&engine, heading, Section::Lookup, main)
        .status(status)
        .into_response();
    for (name, value) in kept {
        page.headers_mut().append(name, value);
    }
    page
}

/// A page for a query string that could not be read at all.
fn bad_address(engine: &Engine) -> Page {
    let main = html! {
        h1 { "Address not understood" }
        p {
            "The address has a query we could not read. Start again from the "
            a href="/lookup" { "helpline lookup" } " or the "
            a href="/projects" { "project directory" } "."
        }
    };
    page(engine, "Address not understood", Section::Lookup, main).status(StatusCode::BAD_REQUEST)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
