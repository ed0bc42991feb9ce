//! The staff pages: `/lookup` (the helpline lookup), `/projects` (the project directory,
//! filterable and searchable) and `/projects/{slug}` (one project), plus their stylesheet and
//! script. Every page is complete HTML rendered here, so it works without JavaScript: the
//! lookup form submits to `/lookup?q=…` and gets its results server-rendered; `lookup.js`
//! then takes over for answers as you type, using the same markup.
//!
//! The answers come from [`Engine::ask`], the same call `/api/v1/ask` makes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use signpost_indexer::corpus::{Entry, Kind, Strand};
use signpost_indexer::passages::{OUTCOMES_SECTION, PRODUCTS_SECTION};

use super::api::PROGRAMME_PROJECTS;
use super::error::ApiError;
use super::extract::ApiPath;
use super::html::{is_web_link, lookup_href, query_value, Esc, Marked, Page, Paragraphs, Section};
use super::search::Search;
use super::AppState;
use crate::engine::{Answer, AskRequest, AskResponse, Engine, PassageHit};

pub const LOOKUP_JS: &str = include_str!("../../assets/lookup.js");
pub const LOOKUP_CSS: &str = include_str!("../../assets/lookup.css");

/// Sections the corpus writes as one bullet per passage.
const LIST_SECTIONS: &[&str] = &[PRODUCTS_SECTION, OUTCOMES_SECTION];
/// How many products a project card in the lookup results shows before "more".
const CARD_PRODUCTS: usize = 3;
/// The strands, in the order the directory offers them.
const STRANDS: [Strand; 3] = [
    Strand::BuildingBlock,
    Strand::PriorityService,
    Strand::Unknown,
];
/// The `lead` filter value for projects whose lead authority the sources do not establish.
const LEAD_UNRECORDED: &str = "unrecorded";

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
    Ok(page(
        &engine,
        status,
        title,
        Section::Lookup,
        q.is_empty(),
        true,
        main,
    ))
}

fn lookup_main(engine: &Engine, q: &str, outcome: &Result<Option<AskResponse>, String>) -> String {
    let mut out = String::new();
    let max = engine.settings().limits.max_results;
    let max_chars = engine.settings().limits.max_chars;
    let _ = write!(
        out,
        "<h1>Helpline lookup</h1>\n\
         <p class=\"lede\">Answers from the National Projects FAQ and the project directory. \
         Type a question, a project's name or a few words.</p>\n\
         <form class=\"lookup\" action=\"/lookup\" method=\"get\" role=\"search\" \
         aria-label=\"Helpline lookup\" data-max-results=\"{max}\">\n\
         <label for=\"q\">Question, project or keywords</label>\n\
         <div class=\"search-row\">\n<div class=\"combo\">\n\
         <input id=\"q\" name=\"q\" type=\"text\" value=\"{}\" maxlength=\"{max_chars}\" \
         autocomplete=\"off\" autocapitalize=\"off\" spellcheck=\"false\" enterkeyhint=\"search\" \
         data-shortcut-focus>\n\
         <ul id=\"q-suggestions\" class=\"suggestions\" role=\"listbox\" \
         aria-label=\"Suggestions\" hidden></ul>\n\
         </div>\n<button type=\"submit\">Look up</button>\n</div>\n\
         <p id=\"q-hint\" class=\"hint\" hidden>Press <kbd>/</kbd> or <kbd>Ctrl</kbd>+<kbd>K</kbd> \
         to search from anywhere, <kbd>↑</kbd> <kbd>↓</kbd> to move through suggestions, \
         <kbd>Enter</kbd> to open one, <kbd>Esc</kbd> to close them or clear the box, and \
         <kbd>c</kbd> or <kbd>Alt</kbd>+<kbd>C</kbd> to copy the answer.</p>\n\
         </form>\n\
         <p id=\"status\" class=\"visually-hidden\" role=\"status\" aria-live=\"polite\" \
         aria-atomic=\"true\"></p>\n\
         <div id=\"results\" class=\"results\">\n",
        Esc(q)
    );
    match outcome {
        Ok(Some(response)) => render_results(&mut out, engine, response),
        Ok(None) => render_start(&mut out, engine),
        Err(message) => {
            let _ = writeln!(
                out,
                "<div class=\"notice error\" role=\"alert\"><p>{}. Shorten the question \
                 and try again.</p></div>",
                Esc(&capitalised(message))
            );
        }
    }
    out.push_str("</div>\n");
    out.push_str(
        "<section class=\"settings\" aria-labelledby=\"settings-heading\" hidden>\n\
         <h2 id=\"settings-heading\">Keyboard shortcuts</h2>\n\
         <p><input type=\"checkbox\" id=\"single-key\" checked> \
         <label for=\"single-key\">Single-key shortcuts: <kbd>/</kbd> to search and <kbd>c</kbd> \
         to copy the answer (turn off if they clash with your speech or switch software). \
         <kbd>Ctrl</kbd>+<kbd>K</kbd> and <kbd>Alt</kbd>+<kbd>C</kbd> always work.</label></p>\n\
         </section>\n",
    );
    out
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
fn render_start(out: &mut String, engine: &Engine) {
    out.push_str(
        "<section class=\"start\" aria-labelledby=\"faq-heading\">\n\
         <h2 id=\"faq-heading\">Questions from the FAQ</h2>\n<ul class=\"faq-list\">\n",
    );
    for entry in engine.entries().iter().filter(|e| e.kind == Kind::Faq) {
        let _ = writeln!(
            out,
            "<li><a href=\"{}&amp;id={}\">{}</a></li>",
            Esc(&lookup_href(&entry.title)),
            Esc(&query_value(&entry.id)),
            Esc(&entry.title)
        );
    }
    out.push_str(
        "</ul>\n<p>Or browse the <a href=\"/projects\">project directory</a>.</p>\n</section>\n",
    );
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
fn render_results(out: &mut String, engine: &Engine, response: &AskResponse) {
    let passages = listed_passages(response);
    let _ = writeln!(
        out,
        "<p class=\"summary\" id=\"results-summary\">{} for <q>{}</q>.</p>",
        Esc(&summary_text(
            response.answer.is_some(),
            passages.len(),
            response.projects.len()
        )),
        Esc(&response.query)
    );
    if let Some(corrected) = &response.did_you_mean {
        let _ = writeln!(
            out,
            "<p class=\"did-you-mean\">Did you mean <a href=\"{}\">{}</a>?</p>",
            Esc(&lookup_href(corrected)),
            Esc(corrected)
        );
    }
    match &response.answer {
        Some(answer) => {
            let from_directory = answer.kind == "project";
            let source = if from_directory {
                format!("National Projects Directory: {}", answer.title)
            } else {
                format!("National Projects FAQ: “{}”", answer.title)
            };
            let _ = write!(
                out,
                "<section class=\"answer\" aria-labelledby=\"answer-heading\" \
                 data-copy-text=\"{}\" data-copy-source=\"{}\" data-copy-url=\"{}\">\n\
                 <h2 id=\"answer-heading\">Best answer</h2>\n<p class=\"source\">",
                Esc(&answer.text),
                Esc(&source),
                Esc(answer.url.as_deref().unwrap_or(""))
            );
            let from = if from_directory {
                "From the project directory: "
            } else {
                "From the FAQ: "
            };
            match &answer.url {
                Some(url) => {
                    let _ = write!(
                        out,
                        "{from}<a href=\"{}\">{}</a>",
                        Esc(url),
                        Esc(&answer.title)
                    );
                }
                None => {
                    let _ = write!(out, "{from}<q>{}</q>", Esc(&answer.title));
                }
            }
            let _ = write!(
                out,
                "</p>\n<div class=\"answer-text\">{}</div>\n\
                 <p class=\"copy-row\"><button type=\"button\" class=\"copy\" hidden>Copy answer \
                 <kbd>c</kbd></button> <span class=\"copy-status\"></span></p>\n</section>\n",
                Paragraphs(&answer.text)
            );
        }
        None => {
            out.push_str(
                "<section class=\"fallback\" aria-labelledby=\"fallback-heading\">\n\
                 <h2 id=\"fallback-heading\">No confident answer</h2>\n",
            );
            if let Some(fallback) = &response.fallback {
                let _ = writeln!(out, "<p>{}</p>", Esc(&fallback.message));
                if let Some(h) = &fallback.helpline {
                    let _ = writeln!(
                        out,
                        "<p>The {} can direct the caller: <a href=\"{}\">{}</a>.</p>",
                        Esc(&h.name),
                        Esc(&h.href),
                        Esc(&h.number)
                    );
                }
            }
            out.push_str(
                "<p>Or browse the <a href=\"/projects\">project directory</a>.</p>\n</section>\n",
            );
        }
    }
    if !passages.is_empty() {
        let _ = write!(
            out,
            "<section aria-labelledby=\"passages-heading\">\n\
             <h2 id=\"passages-heading\">{} ({})</h2>\n<ol class=\"passages\">\n",
            if response.answer.is_some() {
                "Supporting passages"
            } else {
                "Matching passages"
            },
            passages.len()
        );
        for p in passages {
            let _ = write!(
                out,
                "<li><article class=\"passage\">\n<h3>{}",
                Esc(&p.title)
            );
            if let Some(section) = &p.section {
                let _ = write!(out, " <span class=\"section\">· {}</span>", Esc(section));
            }
            let _ = write!(
                out,
                "</h3>\n<p>{}</p>\n<p class=\"meta\">{}",
                Marked(&p.text, &p.highlights),
                if p.kind == "project" {
                    "Project directory"
                } else {
                    "FAQ"
                }
            );
            if let Some(url) = &p.url {
                let _ = write!(
                    out,
                    " · <a href=\"{}\">{}<span class=\"visually-hidden\">: {}</span></a>",
                    Esc(url),
                    if p.kind == "project" {
                        "Project page"
                    } else {
                        "FAQ page"
                    },
                    Esc(&p.title)
                );
            }
            out.push_str("</p>\n</article></li>\n");
        }
        out.push_str("</ol>\n</section>\n");
    }
    if !response.projects.is_empty() {
        let _ = write!(
            out,
            "<section aria-labelledby=\"projects-heading\">\n\
             <h2 id=\"projects-heading\">Projects ({})</h2>\n<ul class=\"project-cards\">\n",
            response.projects.len()
        );
        for hit in &response.projects {
            let Some(entry) = engine.entry(&hit.id) else {
                continue;
            };
            let products = products(engine, entry);
            let _ = write!(
                out,
                "<li><article class=\"project-card\">\n<h3><a href=\"{}\">{}</a></h3>\n",
                Esc(&hit.url),
                Esc(&entry.title)
            );
            let _ = write!(
                out,
                "<p>{}</p>\n<dl class=\"facts\"><div><dt>Lead authority</dt><dd>{}</dd></div></dl>\n",
                Esc(&hit.summary),
                Esc(hit.lead.as_deref().unwrap_or("Not recorded in our sources"))
            );
            if !products.is_empty() {
                out.push_str("<p class=\"label\">What it produced</p>\n<ul class=\"products\">\n");
                for text in products.iter().take(CARD_PRODUCTS) {
                    let _ = writeln!(out, "<li>{}</li>", Esc(text));
                }
                out.push_str("</ul>\n");
            }
            let more = products.len().saturating_sub(CARD_PRODUCTS);
            let _ = writeln!(
                out,
                "<p><a href=\"{}\">{}<span class=\"visually-hidden\"> about {}</span></a></p>\n\
                 </article></li>",
                Esc(&hit.url),
                if more > 0 {
                    format!(
                        "{more} more {} and the full project page",
                        if more == 1 { "product" } else { "products" }
                    )
                } else {
                    "Full project page".to_string()
                },
                Esc(&hit.short_name)
            );
        }
        out.push_str("</ul>\n</section>\n");
    }
    if !response.suggestions.is_empty() {
        out.push_str(
            "<section aria-labelledby=\"related-heading\">\n\
             <h2 id=\"related-heading\">Related questions</h2>\n<ul class=\"related\">\n",
        );
        for s in &response.suggestions {
            let _ = writeln!(
                out,
                "<li><a href=\"{}\">{}</a></li>",
                Esc(&lookup_href(s)),
                Esc(s)
            );
        }
        out.push_str("</ul>\n</section>\n");
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

/// `/projects` parameters.
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryParams {
    pub q: Option<String>,
    pub strand: Option<String>,
    pub lead: Option<String>,
}

/// `GET /projects[?q=…][&strand=…][&lead=…]`: the directory; a search (`q`) goes through
/// the search service, over words prepared once per index.
pub async fn directory(
    State(state): State<AppState>,
    search: Search,
    params: Result<Query<DirectoryParams>, QueryRejection>,
) -> Result<Page, ApiError> {
    let engine = state.engine();
    let Ok(Query(params)) = params else {
        return Ok(bad_address(&engine));
    };
    let q = params.q.as_deref().unwrap_or("").trim();
    let strand = params.strand.as_deref().unwrap_or("").trim();
    let lead = params.lead.as_deref().unwrap_or("").trim();
    let filtered = !(q.is_empty() && strand.is_empty() && lead.is_empty());

    let mut projects: Vec<&Entry> = engine
        .entries()
        .iter()
        .filter(|e| e.kind == Kind::Project && e.project.is_some())
        .collect();
    projects.sort_by_cached_key(|e| {
        e.project
            .as_ref()
            .map(|p| p.short_name.to_lowercase())
            .unwrap_or_default()
    });
    let total = projects.len();
    let found = if q.is_empty() {
        None
    } else {
        Some(search.directory(q).await?)
    };
    let shown: Vec<&Entry> = projects
        .iter()
        .copied()
        .filter(|e| {
            let p = e.project.as_ref().expect("filtered to projects");
            (strand.is_empty() || p.strand.as_str() == strand)
                && (lead.is_empty()
                    || p.lead.as_deref() == Some(lead)
                    || (lead == LEAD_UNRECORDED && p.lead.is_none()))
                && found.as_ref().is_none_or(|ids| ids.contains(&e.id))
        })
        .collect();

    let mut out = String::new();
    let _ = write!(
        out,
        "<h1>National Projects Directory</h1>\n\
         <p class=\"coverage\">The local e-gov National Projects programme had \
         {PROGRAMME_PROJECTS} projects. This directory covers the {total} that Signpost's sources \
         describe{}.</p>\n",
        match PROGRAMME_PROJECTS.checked_sub(total) {
            Some(0) | None => String::new(),
            Some(1) => "; 1 project is not covered".to_string(),
            Some(n) => format!("; {n} projects are not covered"),
        }
    );
    let _ = write!(
        out,
        "<form class=\"filters\" action=\"/projects\" method=\"get\" role=\"search\" \
         aria-label=\"Filter the directory\">\n\
         <div class=\"field\"><label for=\"dq\">Search the directory</label>\n\
         <input id=\"dq\" name=\"q\" type=\"search\" value=\"{}\" maxlength=\"200\" \
         autocomplete=\"off\" data-shortcut-focus></div>\n\
         <div class=\"field\"><label for=\"strand\">Strand</label>\n\
         <select id=\"strand\" name=\"strand\">\n<option value=\"\">All strands</option>\n",
        Esc(q)
    );
    for s in STRANDS {
        let count = projects
            .iter()
            .filter(|e| e.project.as_ref().is_some_and(|p| p.strand == s))
            .count();
        let _ = writeln!(
            out,
            "<option value=\"{}\"{}>{} ({count})</option>",
            s.as_str(),
            selected(strand == s.as_str()),
            s.label()
        );
    }
    out.push_str(
        "</select></div>\n<div class=\"field\"><label for=\"lead\">Lead authority</label>\n\
         <select id=\"lead\" name=\"lead\">\n<option value=\"\">Any lead authority</option>\n",
    );
    let mut leads: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unrecorded = 0;
    for p in projects.iter().filter_map(|e| e.project.as_ref()) {
        match p.lead.as_deref() {
            Some(l) => *leads.entry(l).or_default() += 1,
            None => unrecorded += 1,
        }
    }
    for (name, count) in &leads {
        let _ = writeln!(
            out,
            "<option value=\"{}\"{}>{}{}</option>",
            Esc(name),
            selected(lead == *name),
            Esc(name),
            if *count > 1 {
                format!(" ({count})")
            } else {
                String::new()
            }
        );
    }
    if unrecorded > 0 {
        let _ = writeln!(
            out,
            "<option value=\"{LEAD_UNRECORDED}\"{}>Not recorded ({unrecorded})</option>",
            selected(lead == LEAD_UNRECORDED)
        );
    }
    out.push_str(
        "</select></div>\n<div class=\"actions\"><button type=\"submit\">Apply</button>\n\
         <a href=\"/projects\">Clear filters</a></div>\n</form>\n",
    );

    let heading = if filtered {
        format!("Showing {} of {total} projects", shown.len())
    } else {
        format!("All {total} projects")
    };
    let _ = writeln!(
        out,
        "<h2 id=\"list-heading\" class=\"list-heading\">{}</h2>",
        Esc(&heading)
    );
    if filtered {
        let mut conditions = Vec::new();
        if !q.is_empty() {
            conditions.push(format!("matching “{q}”"));
        }
        if !strand.is_empty() {
            let label = STRANDS
                .into_iter()
                .find(|s| s.as_str() == strand)
                .map_or_else(
                    || format!("unknown strand “{strand}”"),
                    |s| s.label().to_string(),
                );
            conditions.push(format!("strand: {label}"));
        }
        if !lead.is_empty() {
            let label = if lead == LEAD_UNRECORDED {
                "not recorded"
            } else {
                lead
            };
            conditions.push(format!("lead authority: {label}"));
        }
        let _ = writeln!(
            out,
            "<p class=\"filters-applied\">Filtered by {}.</p>",
            Esc(&conditions.join("; "))
        );
    }
    if shown.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"notice\">No projects match. <a href=\"/projects\">Show all projects</a>{}.</p>",
            if q.is_empty() {
                String::new()
            } else {
                format!(
                    " or <a href=\"{}\">look up “{}” in the helpline lookup</a>",
                    Esc(&lookup_href(q)),
                    Esc(q)
                )
            }
        );
    } else {
        out.push_str("<ul class=\"project-list\" aria-labelledby=\"list-heading\">\n");
        for entry in shown {
            let p = entry.project.as_ref().expect("filtered to projects");
            let url = entry.url().unwrap_or_default();
            let _ = write!(
                out,
                "<li class=\"project-card\">\n<h3><a href=\"{}\">{}</a></h3>\n",
                Esc(&url),
                Esc(&p.short_name)
            );
            if !p.name.eq_ignore_ascii_case(&p.short_name) {
                let _ = writeln!(out, "<p class=\"fullname\">{}</p>", Esc(&p.name));
            }
            let _ = write!(
                out,
                "<p>{}</p>\n<dl class=\"facts\">\n\
                 <div><dt>Lead authority</dt><dd>{}</dd></div>\n\
                 <div><dt>Strand</dt><dd>{}</dd></div>\n</dl>\n</li>\n",
                Esc(&p.summary),
                Esc(p.lead.as_deref().unwrap_or("Not recorded")),
                p.strand.label()
            );
        }
        out.push_str("</ul>\n");
    }
    let title = if filtered {
        format!("{heading} — Project directory")
    } else {
        "Project directory".to_string()
    };
    Ok(page(
        &engine,
        StatusCode::OK,
        title,
        Section::Directory,
        !filtered,
        true,
        out,
    ))
}

fn selected(yes: bool) -> &'static str {
    if yes {
        " selected"
    } else {
        ""
    }
}

/// `GET /projects/{slug}`: one project, or a 404 page.
pub async fn project(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> Page {
    let engine = state.engine();
    let Some((entry, p)) = engine
        .entry(&slug)
        .filter(|e| e.kind == Kind::Project)
        .and_then(|e| Some((e, e.project.as_ref()?)))
    else {
        let shown: String = slug.chars().take(80).collect();
        let main = format!(
            "<h1>No project at this address</h1>\n\
             <p>The directory has no project called <q>{}</q>.</p>\n\
             <p>Browse the <a href=\"/projects\">project directory</a>, or \
             <a href=\"{}\">look it up</a>.</p>\n",
            Esc(&shown),
            Esc(&lookup_href(&shown))
        );
        return page(
            &engine,
            StatusCode::NOT_FOUND,
            "Project not found".to_string(),
            Section::Directory,
            false,
            false,
            main,
        );
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><ol>\
         <li><a href=\"/projects\">Project directory</a></li>\
         <li><a href=\"{}\" aria-current=\"page\">{}</a></li></ol></nav>\n<h1>{}",
        Esc(&entry.url().unwrap_or_default()),
        Esc(&p.short_name),
        Esc(&p.short_name)
    );
    if !p.name.eq_ignore_ascii_case(&p.short_name) {
        let _ = write!(out, " <span class=\"fullname\">{}</span>", Esc(&p.name));
    }
    let _ = write!(
        out,
        "</h1>\n<p class=\"lede\">{}</p>\n<dl class=\"facts\">\n\
         <div><dt>Lead authority</dt><dd>{}</dd></div>\n",
        Esc(&p.summary),
        Esc(p
            .lead
            .as_deref()
            .unwrap_or("Not recorded in the sources we used"))
    );
    if !p.partners.is_empty() {
        let _ = writeln!(
            out,
            "<div><dt>Partners</dt><dd>{}</dd></div>",
            Esc(&p.partners.join(", "))
        );
    }
    let _ = writeln!(
        out,
        "<div><dt>Strand</dt><dd>{}</dd></div>",
        p.strand.label()
    );
    let aliases: Vec<&str> = p
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|a| !a.eq_ignore_ascii_case(&p.short_name) && !a.eq_ignore_ascii_case(&p.name))
        .collect();
    if !aliases.is_empty() {
        let _ = writeln!(
            out,
            "<div><dt>Also known as</dt><dd>{}</dd></div>",
            Esc(&aliases.join(", "))
        );
    }
    let _ = write!(
        out,
        "</dl>\n<p class=\"ask\"><a href=\"{}\">Look up answers about {}</a></p>\n",
        Esc(&lookup_href(&p.short_name)),
        Esc(&p.short_name)
    );

    // Passages in order, grouped under their headings.
    let mut index = 0;
    let passages = entry.written_passages();
    let mut texts = engine.passage_texts(entry);
    while index < passages.len() {
        let section = passages[index].section.as_deref();
        let end = passages[index..]
            .iter()
            .position(|x| x.section.as_deref() != section)
            .map_or(passages.len(), |n| index + n);
        let heading = section.unwrap_or("About the project");
        let id = format!("section-{}", index + 1);
        let _ = write!(
            out,
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>\n",
            Esc(heading)
        );
        let as_list = section.is_some_and(|s| LIST_SECTIONS.contains(&s));
        if as_list {
            out.push_str("<ul>\n");
        }
        let tag = if as_list { "li" } else { "p" };
        for text in texts.by_ref().take(end - index) {
            let _ = writeln!(out, "<{tag}>{}</{tag}>", Esc(&text));
        }
        if as_list {
            out.push_str("</ul>\n");
        }
        out.push_str("</section>\n");
        index = end;
    }

    out.push_str(
        "<section aria-labelledby=\"sources-heading\">\n<h2 id=\"sources-heading\">Sources</h2>\n\
         <p>Where these facts come from. Some are archived pages that may have moved.</p>\n<ul class=\"sources\">\n",
    );
    for source in &p.sources {
        if is_web_link(source) {
            let _ = writeln!(
                out,
                "<li><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></li>",
                Esc(source),
                Esc(source)
            );
        } else {
            let _ = writeln!(out, "<li>{}</li>", Esc(source));
        }
    }
    out.push_str("</ul>\n</section>\n");

    render_related(&mut out, &engine, entry);
    out.push_str("<p><a href=\"/projects\">Back to the project directory</a></p>\n");
    page(
        &engine,
        StatusCode::OK,
        format!("{} — Project directory", entry.title),
        Section::Directory,
        false,
        false,
        out,
    )
}

/// `response` shown as the site's error page when it is an [`ApiError`]: the same status and
/// headers (`Retry-After`, `WWW-Authenticate`), the message in the page frame. Other
/// responses pass unchanged.
/// An entry's "Related" section (its `related` entries, each linked to its own page or else
/// to the lookup), for a project's page and an FAQ's alike; nothing when it has none.
pub(super) fn render_related(out: &mut String, engine: &Engine, entry: &Entry) {
    let related: Vec<&Entry> = entry
        .related
        .iter()
        .filter_map(|id| engine.entry(id))
        .collect();
    if related.is_empty() {
        return;
    }
    out.push_str(
        "<section aria-labelledby=\"related-heading\">\n\
         <h2 id=\"related-heading\">Related</h2>\n<ul class=\"related\">\n",
    );
    for r in related {
        let href = r.url().unwrap_or_else(|| lookup_href(&r.title));
        let _ = writeln!(
            out,
            "<li><a href=\"{}\">{}</a></li>",
            Esc(&href),
            Esc(&r.title)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

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
    let main = format!(
        "<h1>{heading}</h1>\n<p>{}.</p>\n<p>Start again from the <a href=\"/lookup\">helpline \
         lookup</a> or the <a href=\"/projects\">project directory</a>.</p>\n",
        Esc(&capitalised(message.trim_end_matches('.')))
    );
    let kept: Vec<(header::HeaderName, HeaderValue)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            [header::RETRY_AFTER, header::WWW_AUTHENTICATE].contains(name)
                || name.as_str() == super::GENERATION_HEADER
        })
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let mut page = page(
        &engine,
        status,
        heading.to_string(),
        Section::Lookup,
        false,
        false,
        main,
    )
    .into_response();
    for (name, value) in kept {
        page.headers_mut().append(name, value);
    }
    page
}

/// A page for a query string that could not be read at all.
fn bad_address(engine: &Engine) -> Page {
    page(
        engine,
        StatusCode::BAD_REQUEST,
        "Address not understood".to_string(),
        Section::Lookup,
        false,
        false,
        "<h1>Address not understood</h1>\n<p>The address has a query we could not read. \
         Start again from the <a href=\"/lookup\">helpline lookup</a> or the \
         <a href=\"/projects\">project directory</a>.</p>\n"
            .to_string(),
    )
}

/// Frames `main` as a page with the engine's helpline in the header.
pub(super) fn page(
    engine: &Engine,
    status: StatusCode,
    title: String,
    section: Section,
    is_section_home: bool,
    script: bool,
    main: String,
) -> Page {
    Page {
        status,
        title,
        section,
        is_section_home,
        helpline: engine.helpline().cloned(),
        script,
        scripts: Vec::new(),
        main,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
