//! One entry file: its front matter read field by field against what its kind allows, and its
//! text split into passages. Every problem is collected, each at its line.

use std::path::Path;
use std::sync::Arc;

use super::fields::{values, FieldReader};
use super::{AssistantInfo, Entry, Intent, Kind, Passage, Problem, ProjectInfo, Strand};
use crate::frontmatter::{self, Document};
use crate::passages;

/// Parses and validates one entry file's text. `path` is used only in problems.
///
/// The steps, in the order their problems are listed: the front matter's syntax; its keys
/// (`FieldReader::new`); the id, alternates and related entries; the fields of the entry's
/// kind; its passages.
pub fn parse_entry(kind: Kind, path: &Path, text: &str) -> Result<Entry, Vec<Problem>> {
    let doc = front_matter(path, text)?;
    let mut reader = FieldReader::new(kind, path, &doc.fields);
    let id = reader.id();
    let alternates = values(reader.list("alternates"));
    let (related_lines, related): (Vec<usize>, Vec<String>) =
        reader.list("related").into_iter().unzip();
    let Titled {
        line: title_line,
        title,
        project,
        assistant,
    } = match kind {
        Kind::Faq => faq_fields(&mut reader),
        Kind::Project => project_fields(&mut reader),
        Kind::Assistant => assistant_fields(&mut reader, id.clone()),
    };
    let passages = entry_passages(&mut reader, &doc, project.as_ref());
    if !reader.problems.is_empty() {
        return Err(reader.problems);
    }
    Ok(Entry {
        id: id.map(|(_, id)| id).unwrap_or_default(),
        kind,
        title,
        title_line,
        alternates,
        related,
        related_lines,
        project,
        assistant,
        passages,
        path: path.to_string_lossy().into_owned(),
    })
}

/// The front matter and body of `text`, or its syntax problems at `path`.
fn front_matter<'t>(path: &Path, text: &'t str) -> Result<Document<'t>, Vec<Problem>> {
    frontmatter::parse(text).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| Problem {
                path: path.to_path_buf(),
                line: e.line,
                message: e.message,
            })
            .collect::<Vec<_>>()
    })
}

/// What the fields of an entry's kind give it: its title (and the title's line) and the
/// project's or assistant's own facts.
struct Titled {
    line: usize,
    title: String,
    project: Option<ProjectInfo>,
    assistant: Option<AssistantInfo>,
}

/// An FAQ entry's title: the question as published.
fn faq_fields(reader: &mut FieldReader<'_>) -> Titled {
    let (line, title) = reader.text("title").unwrap_or_default();
    Titled {
        line,
        title,
        project: None,
        assistant: None,
    }
}

/// A project's facts, its strand and sources checked; its title is "SHORT — Full name".
fn project_fields(reader: &mut FieldReader<'_>) -> Titled {
    let (name_line, name) = reader.text("name").unwrap_or_default();
    let short_name = reader
        .text("short_name")
        .map(|(_, t)| t)
        .unwrap_or_default();
    let strand = match reader.text("strand") {
        Some((_, s)) if s == "building-block" => Strand::BuildingBlock,
        Some((_, s)) if s == "priority-service" => Strand::PriorityService,
        Some((_, s)) if s == "unknown" => Strand::Unknown,
        Some((line, s)) => {
            reader.problem(
                line,
                format!("bad strand `{s}`: use building-block, priority-service or unknown"),
            );
            Strand::Unknown
        }
        None => Strand::Unknown,
    };
    let sources = reader.list("sources");
    for (line, url) in &sources {
        let ok = (url.starts_with("http://") || url.starts_with("https://"))
            && !url.contains(char::is_whitespace);
        if !ok {
            reader.problem(*line, format!("source `{url}` is not an http(s) address"));
        }
    }
    if reader.fields.contains_key("sources") && sources.is_empty() {
        let line = reader.fields["sources"].line;
        reader.problem(line, "`sources` needs at least one address".into());
    }
    let title = if short_name.is_empty() || short_name == name {
        name.clone()
    } else {
        format!("{short_name} — {name}")
    };
    // The fields are read, and their problems listed, in this order.
    let info = ProjectInfo {
        name,
        short_name,
        aliases: values(reader.list("aliases")),
        lead: reader.text("lead").map(|(_, t)| t),
        partners: values(reader.list("partners")),
        strand,
        summary: reader.text("summary").map(|(_, t)| t).unwrap_or_default(),
        keywords: values(reader.list("keywords")),
        sources: values(sources),
    };
    Titled {
        line: name_line,
        title,
        project: Some(info),
        assistant: None,
    }
}

/// An assistant entry's intent, triggers and exceptions; its title is its `id` (with the id's
/// line).
fn assistant_fields(reader: &mut FieldReader<'_>, id: Option<(usize, String)>) -> Titled {
    let intent = match reader.text("intent") {
        Some((_, s)) if s == "reply" => Intent::Reply,
        Some((_, s)) if s == "decline" => Intent::Decline,
        Some((line, s)) => {
            reader.problem(line, format!("bad intent `{s}`: use reply or decline"));
            Intent::Reply
        }
        None => Intent::Reply,
    };
    let triggers = values(reader.list("triggers"));
    if reader.fields.contains_key("triggers") && triggers.is_empty() {
        let line = reader.fields["triggers"].line;
        reader.problem(line, "`triggers` needs at least one phrase".into());
    }
    let (line, title) = id.unwrap_or_default();
    let unless = values(reader.list("unless"));
    Titled {
        line,
        title,
        project: None,
        assistant: Some(AssistantInfo {
            intent,
            triggers,
            unless,
        }),
    }
}

/// The passages of the entry's text (none may hold a NUL, and there must be one), then for a
/// project those its fields make.
fn entry_passages(
    reader: &mut FieldReader<'_>,
    doc: &Document<'_>,
    project: Option<&ProjectInfo>,
) -> Vec<Passage> {
    let raw = passages::split(doc.body, doc.body_line);
    for passage in raw.iter().filter(|p| p.text.contains('\0')) {
        reader.problem(
            passage.line,
            "the text contains a NUL character, which a corpus may not".into(),
        );
    }
    if raw.is_empty() {
        reader.problem(
            doc.body_line,
            "the entry has no text after the front matter".into(),
        );
    }
    let mut passages: Vec<Passage> = raw
        .into_iter()
        .map(|p| Passage {
            text: p.text.into_boxed_str(),
            section: p.section.map(Arc::from),
            lead_in: p.lead_in.map(Arc::from),
            line: p.line as u32,
            derived: false,
        })
        .collect();
    if let Some(info) = project {
        let line = |key: &str| reader.fields.get(key).map_or(1, |f| f.line) as u32;
        let lines = (line("summary"), line("lead").min(line("partners")));
        passages.extend(derived_passages(info, &passages, lines));
    }
    passages
}

/// The passages a project's fields make (see [`Passage::derived`]): its summary, which answers
/// "what was it?" in one sentence, and, when its text has no "Who ran it" section, a sentence
/// naming its lead and partners. `lines` are the summary's and the lead's field lines.
fn derived_passages(info: &ProjectInfo, written: &[Passage], lines: (u32, u32)) -> Vec<Passage> {
    let derived = |text: String, section: &str, line: u32| Passage {
        text: text.into_boxed_str(),
        section: Some(Arc::from(section)),
        lead_in: None,
        line,
        derived: true,
    };
    let mut out = Vec::new();
    if !info.summary.is_empty() {
        out.push(derived(
            info.summary.clone(),
            passages::SUMMARY_SECTION,
            lines.0,
        ));
    }
    let says_who_ran_it = written
        .iter()
        .any(|p| p.section.as_deref() == Some(passages::WHO_RAN_IT_SECTION));
    let partners = list_in_words(&info.partners);
    let who = match (&info.lead, partners) {
        _ if says_who_ran_it => None,
        (Some(lead), Some(partners)) => Some(format!(
            "{} was led by {lead}, working with {partners}.",
            info.short_name
        )),
        (Some(lead), None) => Some(format!("{} was led by {lead}.", info.short_name)),
        (None, Some(partners)) => Some(format!("{}'s partners were {partners}.", info.short_name)),
        (None, None) => None,
    };
    out.extend(who.map(|text| derived(text, passages::WHO_RAN_IT_SECTION, lines.1)));
    out
}

/// "A", "A and B", "A, B and C".
fn list_in_words(items: &[String]) -> Option<String> {
    match items {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: Kind, text: &str) -> Result<Entry, Vec<Problem>> {
        parse_entry(kind, Path::new("x.md"), text)
    }

    const PROJECT: &str = "---\nid: parsol\nname: Planning Online\nshort_name: PARSOL\nstrand: priority-service\nsummary: Planning.\nsources:\n  - https://example.org/a\n---\n## Aim\nTo help.\n";

    #[test]
    fn a_nul_in_a_passage_is_reported_at_its_line() {
        let problems = parse(
            Kind::Faq,
            "---\nid: faq-01\ntitle: Q?\n---\nFine.\n\nNot \0 fine.\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 7);
        assert!(
            problems[0].message.contains("NUL"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn parses_a_project_with_title_and_passage_ids() {
        let entry = parse(Kind::Project, PROJECT).unwrap();
        assert_eq!(entry.title, "PARSOL — Planning Online");
        assert_eq!(entry.passage_id(0), "parsol#p1");
        assert_eq!(entry.passage_id(9), "parsol#p10");
        assert_eq!(entry.passage_id(1233), "parsol#p1234");
        assert_eq!(entry.passages[0].line, 11);
        assert_eq!(entry.url().as_deref(), Some("/projects/parsol"));
    }

    #[test]
    fn reports_problems_with_lines() {
        let cases: &[(Kind, &str, usize, &str)] = &[
            (
                Kind::Faq,
                "---\nid: faq-01\n---\nText\n",
                1,
                "missing required field `title`",
            ),
            (
                Kind::Faq,
                "---\nid: faq-01\ntitle: Q?\ntitel: x\n---\nText\n",
                4,
                "unknown field `titel`",
            ),
            (
                Kind::Faq,
                "---\nid: faq-01\ntitle: Q?\n---\n\n",
                5,
                "no text",
            ),
            (
                Kind::Faq,
                "---\nid: FAQ1\ntitle: Q?\n---\nText\n",
                2,
                "bad id",
            ),
            (
                Kind::Project,
                &PROJECT.replace("id: parsol", "id: Par Sol"),
                2,
                "bad id",
            ),
            (
                Kind::Project,
                &PROJECT.replace("priority-service", "priority"),
                5,
                "bad strand",
            ),
            (
                Kind::Project,
                &PROJECT.replace("https://example.org/a", "example.org"),
                8,
                "not an http(s) address",
            ),
            (
                Kind::Project,
                &PROJECT.replace("summary: Planning.\n", ""),
                1,
                "`summary`",
            ),
            (
                Kind::Assistant,
                "---\nid: hi\nintent: chat\ntriggers:\n  - hello\n---\nHi.\n",
                3,
                "bad intent",
            ),
        ];
        for (kind, text, line, needle) in cases {
            let problems = parse(*kind, text).unwrap_err();
            let found = problems.iter().find(|p| p.message.contains(needle));
            let found = found.unwrap_or_else(|| panic!("{needle:?} not in {problems:?}"));
            assert_eq!(found.line, *line, "{needle}");
        }
    }

    #[test]
    fn faq_ids_are_any_slug() {
        for (id, ok) in [
            ("faq-05", true),
            ("faq-100", true),
            ("faq-t001", true),
            ("faq-0001", true),
            ("faq-T001", false),
            ("faq--1", false),
            ("faq-1-", false),
        ] {
            let text = format!("---\nid: {id}\ntitle: Q?\n---\nText.\n");
            let parsed = parse(Kind::Faq, &text);
            assert_eq!(parsed.is_ok(), ok, "{id}: {parsed:?}");
            if let Ok(entry) = parsed {
                assert_eq!(entry.id, id);
                assert_eq!(entry.url(), Some(format!("/faq/{id}")), "its own page");
            }
        }
    }
}
