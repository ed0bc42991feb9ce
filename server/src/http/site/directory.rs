//! `/projects`: the project directory, filtered by strand and lead authority and searched by
//! words (the search itself is [`crate::http::directory`], over words prepared once per index).

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use maud::{html, Markup};
use serde::Deserialize;
use signpost_indexer::corpus::{Entry, Kind, Strand};

use super::{bad_address, page};
use crate::http::api::PROGRAMME_PROJECTS;
use crate::http::error::ApiError;
use crate::http::html::{lookup_href, Page, Section};
use crate::http::search::Search;
use crate::http::AppState;

/// The strands, in the order the directory offers them.
const STRANDS: [Strand; 3] = [
    Strand::BuildingBlock,
    Strand::PriorityService,
    Strand::Unknown,
];
/// The `lead` filter value for projects whose lead authority the sources do not establish.
const LEAD_UNRECORDED: &str = "unrecorded";

/// `/projects` parameters.
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryParams {
    pub q: Option<String>,
    pub strand: Option<String>,
    pub lead: Option<String>,
}

/// The filters as sent, trimmed; empty means "any".
struct Filters<'a> {
    q: &'a str,
    strand: &'a str,
    lead: &'a str,
}

impl Filters<'_> {
    fn any(&self) -> bool {
        !(self.q.is_empty() && self.strand.is_empty() && self.lead.is_empty())
    }

    /// "matching “x”; strand: Building block": what the list is filtered by.
    fn described(&self) -> String {
        let mut conditions = Vec::new();
        if !self.q.is_empty() {
            conditions.push(format!("matching “{}”", self.q));
        }
        if !self.strand.is_empty() {
            let label = STRANDS
                .into_iter()
                .find(|s| s.as_str() == self.strand)
                .map_or_else(
                    || format!("unknown strand “{}”", self.strand),
                    |s| s.label().to_string(),
                );
            conditions.push(format!("strand: {label}"));
        }
        if !self.lead.is_empty() {
            let label = if self.lead == LEAD_UNRECORDED {
                "not recorded"
            } else {
                self.lead
            };
            conditions.push(format!("lead authority: {label}"));
        }
        conditions.join("; ")
    }
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
    let filters = Filters {
        q: params.q.as_deref().unwrap_or("").trim(),
        strand: params.strand.as_deref().unwrap_or("").trim(),
        lead: params.lead.as_deref().unwrap_or("").trim(),
    };
    let (q, strand, lead) = (filters.q, filters.strand, filters.lead);

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

    let heading = if filters.any() {
        format!("Showing {} of {total} projects", shown.len())
    } else {
        format!("All {total} projects")
    };
    let uncovered = match PROGRAMME_PROJECTS.checked_sub(total) {
        Some(0) | None => String::new(),
        Some(1) => "; 1 project is not covered".to_string(),
        Some(n) => format!("; {n} projects are not covered"),
    };
    let main = html! {
        h1 { "National Projects Directory" }
        p.coverage {
            "The local e-gov National Projects programme had " (PROGRAMME_PROJECTS)
            " projects. This directory covers the " (total) " that Signpost's sources describe"
            (uncovered) "."
        }
        (filter_form(&filters, &projects))
        h2 #list-heading.list-heading { (heading) }
        @if filters.any() {
            p.filters-applied { "Filtered by " (filters.described()) "." }
        }
        @if shown.is_empty() {
            p.notice {
                "No projects match. " a href="/projects" { "Show all projects" }
                @if !q.is_empty() {
                    " or " a href=(lookup_href(q)) { "look up “" (q) "” in the helpline lookup" }
                }
                "."
            }
        } @else {
            ul.project-list aria-labelledby="list-heading" {
                @for entry in shown {
                    (card(entry))
                }
            }
        }
    };
    let title = if filters.any() {
        format!("{heading} — Project directory")
    } else {
        "Project directory".to_string()
    };
    Ok(page(&engine, title, Section::Directory, main)
        .at_section_home(!filters.any())
        .script("/lookup.js"))
}

/// The search box and the two filters, each option with how many projects it holds.
fn filter_form(filters: &Filters, projects: &[&Entry]) -> Markup {
    let mut leads: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unrecorded = 0;
    for p in projects.iter().filter_map(|e| e.project.as_ref()) {
        match p.lead.as_deref() {
            Some(l) => *leads.entry(l).or_default() += 1,
            None => unrecorded += 1,
        }
    }
    let in_strand = |s: Strand| {
        projects
            .iter()
            .filter(|e| e.project.as_ref().is_some_and(|p| p.strand == s))
            .count()
    };
    html! {
        form.filters action="/projects" method="get" role="search"
            aria-label="Filter the directory" {
            div.field {
                label for="dq" { "Search the directory" }
                input #dq name="q" type="search" value=(filters.q) maxlength="200"
                    autocomplete="off" data-shortcut-focus;
            }
            div.field {
                label for="strand" { "Strand" }
                select #strand name="strand" {
                    option value="" { "All strands" }
                    @for s in STRANDS {
                        option value=(s.as_str()) selected[filters.strand == s.as_str()] {
                            (s.label()) " (" (in_strand(s)) ")"
                        }
                    }
                }
            }
            div.field {
                label for="lead" { "Lead authority" }
                select #lead name="lead" {
                    option value="" { "Any lead authority" }
                    @for (name, count) in &leads {
                        option value=(name) selected[filters.lead == *name] {
                            (name)
                            @if *count > 1 { " (" (count) ")" }
                        }
                    }
                    @if unrecorded > 0 {
                        option value=(LEAD_UNRECORDED) selected[filters.lead == LEAD_UNRECORDED] {
                            "Not recorded (" (unrecorded) ")"
                        }
                    }
                }
            }
            div.actions {
                button type="submit" { "Apply" }
                " "
                a href="/projects" { "Clear filters" }
            }
        }
    }
}

/// One project in the list.
fn card(entry: &Entry) -> Markup {
    let p = entry.project.as_ref().expect("filtered to projects");
    html! {
        li.project-card {
            h3 { a href=(entry.url().unwrap_or_default()) { (p.short_name) } }
            @if !p.name.eq_ignore_ascii_case(&p.short_name) {
                p.fullname { (p.name) }
            }
            p { (p.summary) }
            dl.facts {
                div { dt { "Lead authority" } dd { (p.lead.as_deref().unwrap_or("Not recorded")) } }
                div { dt { "Strand" } dd { (p.strand.label()) } }
            }
        }
    }
}
