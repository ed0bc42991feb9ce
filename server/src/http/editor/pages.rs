//! The editors' pages, rendered: the work queue, the preview of a fix or an undo, and the
//! learned phrasings. Plain HTML forms in the admin pages' frame: no script, no inline style.

use maud::{html, Markup};

use super::{candidates, describe_entry, Pending, PREVIEW_STORED};
use crate::engine::Engine;
use crate::http::admin::{column_heads, AdminPage};
use crate::http::csrf;
use crate::preview::{Preview, Verdict};
use crate::store::learned::{self, Learned, LearnedKind, QueueItem, QUEUE_DAYS};
use crate::store::report::timestamp;

/// A hidden form field.
fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// `/admin/queue`: the groups waiting, most asked first, and what the last write did.
pub(super) fn queue(
    engine: &Engine,
    items: &[QueueItem],
    learned_row: Option<&Learned>,
    dismissed: bool,
    token: &str,
) -> String {
    let programme = super::choices(engine, false);
    let main = html! {
        @if let Some(row) = learned_row {
            p.notice role="status" {
                "Learned: “" (row.phrasing) "” now goes to " (describe_entry(engine, &row.entry_id))
                ". It is live; undo it from " a href="/admin/learned" { "Learned phrasings" } "."
            }
        } @else if dismissed {
            p.notice role="status" { "Dismissed: the group is no longer in the queue." }
        }
        p {
            "Questions from the last " (QUEUE_DAYS) " days that Signpost could not answer, \
             answered with a confidence under "
            (format!("{:.0}", learned::LOW_CONFIDENCE * 100.0))
            "%, or that people voted “not helpful”, most asked first. For each, pick the entry \
             that answers it, mark it out of scope, or dismiss it. Every fix is previewed before \
             it is applied."
        }
        @if items.is_empty() {
            p.empty { "Nothing to do: no question is waiting." }
        }
        @for (n, item) in items.iter().enumerate() {
            (queue_item(n, item, engine, &programme, token))
        }
    };
    AdminPage {
        title: "Signpost work queue",
        current: "/admin/queue",
        header: html! {},
        main,
        footer: None,
    }
    .render()
}

fn queue_item(
    n: usize,
    item: &QueueItem,
    engine: &Engine,
    programme: &[(&str, String)],
    token: &str,
) -> Markup {
    let heading = format!("q{n}");
    let answer = match &item.answer {
        Some((id, confidence)) => format!(
            "{} (confidence {:.0}%)",
            describe_entry(engine, id),
            confidence * 100.0
        ),
        None => "no answer".into(),
    };
    let sites = if item.sites.is_empty() {
        "—".to_string()
    } else {
        item.sites.join(", ")
    };
    let facts = [
        ("Why it is here", item.reason.label().to_string()),
        (
            "Asked",
            format!(
                "{} time{}, last {}",
                item.asked,
                if item.asked == 1 { "" } else { "s" },
                timestamp(item.last_asked)
            ),
        ),
        ("“Not helpful” votes", item.not_helpful_votes.to_string()),
        ("Sites", sites),
        ("Answer it got", answer),
    ];
    let fields = |action: &str| {
        html! {
            (hidden(csrf::FIELD, token))
            (hidden("action", action))
            (hidden("question", &item.wording))
            (hidden("topic", &item.topic))
        }
    };
    let found = candidates(engine, &item.wording);
    let candidates_id = format!("{heading}-c");
    let other_id = format!("{heading}-other");
    html! {
        article.item aria-labelledby=(heading) {
            h2 id=(heading) { "“" (item.wording) "”" }
            dl.facts {
                @for (term, value) in &facts {
                    div { dt { (term) } dd { (value) } }
                }
            }
            h3 id=(candidates_id) { "The engine’s best candidates" }
            @if found.is_empty() {
                p.empty { "None: the question shares no words with the corpus." }
            } @else {
                ol.candidates aria-labelledby=(candidates_id) {
                    @for c in &found {
                        li {
                            p.entry { (c.label) }
                            blockquote { (c.passage) }
                            form method="post" action="/admin/preview" {
                                (fields("phrasing"))
                                (hidden("entry", &c.id))
                                button type="submit" aria-describedby=(heading) {
                                    "This means: " (c.label)
                                }
                            }
                        }
                    }
                }
            }
            // Any other entry, chosen from the list.
            form.row method="post" action="/admin/preview" {
                label for=(other_id) { "Another entry" }
                select id=(other_id) name="entry" {
                    @for (id, label) in programme {
                        option value=(id) { (label) }
                    }
                }
                (fields("phrasing"))
                button type="submit" aria-describedby=(heading) { "Preview" }
            }
            div.row {
                @for (entry, label) in [
                    ("your-council", "Out of scope: the resident’s council"),
                    ("out-of-scope", "Out of scope: not something Signpost knows"),
                ] {
                    @if engine.entry(entry).is_some() {
                        form method="post" action="/admin/preview" {
                            (fields("decline"))
                            (hidden("entry", entry))
                            button.secondary type="submit" aria-describedby=(heading) { (label) }
                        }
                    }
                }
                form method="post" action="/admin/dismiss" {
                    (hidden(csrf::FIELD, token))
                    (hidden("topic", &item.topic))
                    (hidden("question", &item.wording))
                    button.secondary type="submit" aria-describedby=(heading) { "Dismiss" }
                }
            }
        }
    }
}

/// The preview of a fix or an undo: every question whose answer changes, and the form that
/// applies it (with a confirmation when it breaks any).
pub(super) fn preview(
    engine: &Engine,
    pending: Pending<'_>,
    preview: &Preview,
    token: &str,
) -> String {
    let (title, lead, what) = match &pending {
        Pending::Fix(fix) => (
            "Preview a fix",
            format!(
                "Fix: “{}” → {}.",
                fix.phrasing,
                describe_entry(engine, &fix.entry_id)
            ),
            "fix",
        ),
        Pending::Undo(row) => (
            "Preview an undo",
            format!(
                "Undo: “{}” would no longer go to {}.",
                row.phrasing,
                describe_entry(engine, &row.entry_id)
            ),
            "undo",
        ),
    };
    let broken = preview.broken();
    let plural = if broken == 1 { "" } else { "s" };
    let sets = if preview.sets.is_empty() {
        "no evaluation set: none of SIGNPOST_PREVIEW_SETS could be read".to_string()
    } else {
        format!("the evaluation sets {}", preview.sets.join(" and "))
    };
    let (action, button, back) = match &pending {
        Pending::Fix(_) => ("/admin/fixes".to_string(), "Apply fix", "/admin/queue"),
        Pending::Undo(row) => (
            format!("/admin/learned/{}/undo", row.id),
            "Undo it",
            "/admin/learned",
        ),
    };
    let main = html! {
        p.lead { (lead) }
        p role="status" {
            "Checked " (preview.checked) " questions (" (sets) ", the learned phrasings and the \
             last " (PREVIEW_STORED) " distinct questions asked) in "
            (preview.elapsed.as_millis()) " ms: " (preview.fixed()) " fixed, " (broken)
            " broken, " (preview.changes.len() - broken - preview.fixed()) " otherwise changed."
        }
        @if broken > 0 {
            p.warning {
                "This " (what) " breaks " (broken) " question" (plural) " answered right today: "
                (if broken == 1 { "it" } else { "they" })
                " would get a wrong answer (in red below). Apply it only if that is what you want."
            }
        }
        @if preview.changes.is_empty() {
            p.empty { "No other question changes its answer." }
        } @else {
            table.changes {
                caption { "Questions whose answer changes" }
                (column_heads(&[
                    ("Question", false),
                    ("From", false),
                    ("Before", false),
                    ("After", false),
                    ("Verdict", false),
                ]))
                tbody {
                    @for change in &preview.changes {
                        @let (class, verdict) = match change.verdict {
                            Verdict::Broken => ("broken", "Broken: was right, now wrong"),
                            Verdict::Fixed => ("fixed", "Fixed: now right"),
                            Verdict::Changed => ("changed", "Changed"),
                        };
                        tr class=(class) {
                            td { (change.question) }
                            td { (change.source.label()) }
                            td { (change.before.describe()) }
                            td { (change.after.describe()) }
                            td { strong { (verdict) } }
                        }
                    }
                }
            }
        }
        form.apply method="post" action=(action) {
            (hidden(csrf::FIELD, token))
            @if let Pending::Fix(fix) = &pending {
                (hidden("action", match fix.kind {
                    LearnedKind::Phrasing => "phrasing",
                    LearnedKind::Decline => "decline",
                }))
                (hidden("entry", &fix.entry_id))
                (hidden("question", &fix.phrasing))
            }
            @if broken > 0 {
                p.confirm {
                    input type="checkbox" #confirm-breaks name="confirm_breaks" value="yes" required;
                    label for="confirm-breaks" {
                        "I have read the " (broken) " broken question" (plural)
                        " and want to apply this " (what) " anyway"
                    }
                }
            }
            p.row {
                button type="submit" { (button) }
                " "
                a href=(back) { "Cancel" }
            }
        }
    };
    AdminPage {
        title,
        current: "",
        header: html! {},
        main,
        footer: None,
    }
    .render()
}

/// `/admin/learned`: every learned phrasing, newest first, each in force with its undo.
pub(super) fn learned(
    engine: &Engine,
    rows: &[Learned],
    undone: Option<i64>,
    token: &str,
) -> String {
    let main = html! {
        @if let Some(row) = undone.and_then(|id| rows.iter().find(|r| r.id == id)) {
            p.notice role="status" {
                "Undone: “" (row.phrasing) "” no longer goes to "
                (describe_entry(engine, &row.entry_id)) "."
            }
        }
        p {
            "What editors taught Signpost from the work queue. These live in the store, not in \
             the corpus files, and are applied whenever the index is built; "
            a href="/admin/learned.json" download { "download them" }
            " and run " code { "signpost-indexer fold learned.json" }
            " to write them into the corpus as " code { "alternates" } " for review."
        }
        @if rows.is_empty() {
            p.empty { "Nothing learned yet." }
        } @else {
            table.learned {
                caption { "Learned phrasings, newest first" }
                (column_heads(&[
                    ("Phrasing", false),
                    ("Goes to", false),
                    ("Taught", false),
                    ("State", false),
                ]))
                tbody {
                    @for row in rows {
                        tr {
                            td { (row.phrasing) }
                            td { (describe_entry(engine, &row.entry_id)) }
                            td { (timestamp(row.at)) ", by " (row.editor) }
                            td {
                                @match row.undone_at {
                                    Some(at) => {
                                        "Undone " (timestamp(at)) ", by "
                                        (row.undone_by.as_deref().unwrap_or("?"))
                                    }
                                    None => {
                                        "In force "
                                        form.inline method="post"
                                            action={ "/admin/learned/" (row.id) "/preview" } {
                                            (hidden(csrf::FIELD, token))
                                            button.secondary type="submit"
                                                aria-label={ "Undo “" (row.phrasing) "”" } { "Undo" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    AdminPage {
        title: "Learned phrasings",
        current: "/admin/learned",
        header: html! {},
        main,
        footer: None,
    }
    .render()
}
