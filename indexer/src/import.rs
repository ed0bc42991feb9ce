//! Importing an FAQ someone already has: reads a JSON Lines or CSV file of questions and
//! answers, checks every row (each bad one reported with its file and line, all in one run),
//! and writes the corpus's `faq/` folder, one entry file per question, written so that the
//! loader reads back exactly the text that was imported. Nothing is written unless the whole
//! file is good, and the new folder takes the old one's place in a rename, so a failed import
//! never leaves half a corpus.
//!
//! Why this file is over 500 lines: about 450 of them are tests of the two formats' bad rows,
//! each with its file and line.

use std::collections::hash_map::Entry as Slot;
use std::fmt;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde_json::Value as Json;

use crate::corpus::{self, Kind, Problem, Problems};
use crate::{index, passages, Error};

/// The corpus folder an import writes.
const FAQ_FOLDER: &str = "faq";
/// What every imported entry id starts with.
const ID_PREFIX: &str = "faq-";
/// A generated id has at least this many digits (`faq-0001`), more when the file has more
/// rows, so that the files sort in the file's order.
const GENERATED_DIGITS: usize = 4;

/// One FAQ entry read from an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFaq {
    /// The entry id: `faq-` and the row's id made a slug (`t001` → `faq-t001`), or, for a row
    /// without one, `faq-0001`, `faq-0002`… in file order, skipping ids the file uses.
    pub id: String,
    /// The question on one line, runs of whitespace made one space: the entry's title.
    pub question: String,
    /// The row's non-empty answers, trimmed, in file order. One may hold several paragraphs.
    pub answers: Vec<String>,
    /// The line of the file the row starts on.
    pub line: usize,
}

/// What [`import_file`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub entries: usize,
    pub passages: usize,
    /// The `faq/` folder written.
    pub dir: PathBuf,
    /// How many files the folder held before, all replaced (only with [`ImportOptions::force`]).
    pub replaced: usize,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} FAQ entries ({} passages) to {}",
            self.entries,
            self.passages,
            self.dir.display()
        )?;
        if self.replaced > 0 {
            write!(f, ", replacing the {} files there", self.replaced)?;
        }
        Ok(())
    }
}

/// How [`import_file_with`] treats an existing corpus.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Replace the whole `faq/` folder when it already holds files, instead of refusing.
    pub force: bool,
}

/// A row as the file gives it, before the checks that need every row.
struct Row {
    line: usize,
    id: Option<String>,
    question: Option<String>,
    answers: Vec<String>,
}

/// Problems found in the file, as (line, message); the path is added at the end.
type Found = Vec<(usize, String)>;

/// Reads a JSONL or CSV file (chosen by extension: .jsonl/.json → JSONL, .csv → CSV), every
/// bad row reported with file:line.
pub fn read_file(path: &Path) -> Result<Vec<ImportedFaq>, Problems> {
    let problems = |found: Found| {
        Problems(
            found
                .into_iter()
                .map(|(line, message)| Problem {
                    path: path.to_path_buf(),
                    line,
                    message,
                })
                .collect(),
        )
    };
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let csv = match extension.as_deref() {
        Some("jsonl" | "json") => false,
        Some("csv") => true,
        _ => {
            return Err(problems(vec![(
                0,
                "cannot tell the format: name the file .jsonl or .json (JSON Lines) or .csv".into(),
            )]))
        }
    };
    let bytes = std::fs::read(path)
        .map_err(|err| problems(vec![(0, format!("cannot read the file: {err}"))]))?;
    let mut found = Found::new();
    let rows = if csv {
        read_csv(&bytes, &mut found)
    } else {
        read_json_lines(&bytes, &mut found)
    };
    let faqs = check_rows(rows, &mut found);
    if found.is_empty() && faqs.is_empty() {
        found.push((0, "the file has no questions".into()));
    }
    if found.is_empty() {
        Ok(faqs)
    } else {
        found.sort_by_key(|(line, _)| *line);
        Err(problems(found))
    }
}

/// Reads FILE and writes the corpus folder OUT; returns how many entries/passages were
/// written. Refuses when `OUT/faq/` already holds files: see [`import_file_with`].
pub fn import_file(path: &Path, out: &Path) -> Result<ImportSummary, Error> {
    import_file_with(path, out, ImportOptions::default())
}

/// [`import_file`], replacing an `OUT/faq/` folder that holds files when `options.force`.
pub fn import_file_with(
    path: &Path,
    out: &Path,
    options: ImportOptions,
) -> Result<ImportSummary, Error> {
    let faqs = read_file(path).map_err(Error::Import)?;
    let target = out.join(FAQ_FOLDER);
    // Every file is read back as the loader will read it before anything is written.
    let mut files = Vec::with_capacity(faqs.len());
    let mut passages = 0;
    let mut problems = Vec::new();
    for faq in &faqs {
        let name = format!("{}.md", faq.id);
        let text = render(faq);
        match corpus::parse_entry(Kind::Faq, &target.join(&name), &text) {
            Ok(entry) => passages += entry.passages.len(),
            Err(mut found) => problems.append(&mut found),
        }
        files.push((name, text));
    }
    if !problems.is_empty() {
        return Err(Error::Import(Problems(problems)));
    }

    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let replaced = entry_files(&target).map_err(io(&target))?;
    if replaced > 0 && !options.force {
        return Err(Error::FaqFolderNotEmpty {
            path: target,
            files: replaced,
        });
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let staging = index::sibling(&target, "importing");
    let written = std::fs::create_dir(&staging)
        .map_err(io(&staging))
        .and_then(|()| {
            for (name, text) in &files {
                let file = staging.join(name);
                std::fs::write(&file, text).map_err(io(&file))?;
            }
            index::swap_into_place(&staging, &target)
        });
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    written?;
    Ok(ImportSummary {
        entries: files.len(),
        passages,
        dir: target,
        replaced,
    })
}

/// The entry file for `faq`: its id and question as front matter, then each answer's
/// paragraphs. A paragraph is written on one line (its line breaks and runs of whitespace
/// made single spaces), escaped when it would otherwise read as a heading or a bullet, so that
/// its passages hold exactly its words.
pub fn render(faq: &ImportedFaq) -> String {
    let mut text = String::with_capacity(
        faq.question.len() + faq.answers.iter().map(String::len).sum::<usize>() + 64,
    );
    text.push_str("---\nid: ");
    text.push_str(&faq.id);
    text.push_str("\ntitle: ");
    text.push_str(&collapse(&faq.question));
    text.push_str("\n---\n");
    let mut first = true;
    for paragraph in faq.answers.iter().flat_map(|a| paragraphs(a)) {
        if !first {
            text.push('\n');
        }
        first = false;
        text.push_str(&passages::escape_line(&paragraph));
        text.push('\n');
    }
    text
}

/// The entry id for an id from an import file: `faq-` and the id in lower case, every run of
/// characters outside `[a-z0-9]` made one `-`, none at either end, at most
/// [`corpus::MAX_ID_LEN`] long; an id that already starts with `faq-` keeps its one prefix.
/// `None` when the id has no letter or digit.
pub fn entry_id(raw: &str) -> Option<String> {
    let mut slug = String::with_capacity(raw.len() + ID_PREFIX.len());
    for c in raw.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        return None;
    }
    if !slug.starts_with(ID_PREFIX) {
        slug.insert_str(0, ID_PREFIX);
    }
    slug.truncate(corpus::MAX_ID_LEN);
    while slug.ends_with('-') {
        slug.pop();
    }
    Some(slug)
}

/// `text` on one line: every run of whitespace, line breaks included, one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The paragraphs of an answer (separated by blank lines), each collapsed to one line.
fn paragraphs(answer: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in answer.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        for word in line.split_whitespace() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// How many files `dir` holds, not counting hidden ones; 0 when it does not exist.
fn entry_files(dir: &Path) -> std::io::Result<usize> {
    match std::fs::read_dir(dir) {
        Ok(read) => {
            let mut count = 0;
            for item in read {
                if !item?.file_name().to_string_lossy().starts_with('.') {
                    count += 1;
                }
            }
            Ok(count)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(err) => Err(err),
    }
}

/// Reads JSON Lines: one `{"id", "question", "answers": [...]}` object on each line. Blank
/// lines are skipped; `answers` may also be a single text, or be called `answer`.
fn read_json_lines(bytes: &[u8], found: &mut Found) -> Vec<Row> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut rows = Vec::new();
    let mut first = true;
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = index + 1;
        let Ok(text) = std::str::from_utf8(raw) else {
            found.push((
                line,
                "the line is not UTF-8 text: save the file as UTF-8".into(),
            ));
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if std::mem::take(&mut first) && text.starts_with('[') {
            found.push((
                line,
                "this is a JSON array: import reads JSON Lines, one {\"question\": …, \"answers\": […]} object on each line"
                    .into(),
            ));
            return Vec::new();
        }
        match serde_json::from_str::<Json>(text) {
            Ok(value) => rows.extend(json_row(line, value, found)),
            Err(err) => {
                // serde_json's message ends "at line 1 column N": the line is the file's.
                let message = err.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(&*message, |(m, _)| m);
                found.push((
                    line,
                    format!("invalid JSON at column {}: {message}", err.column()),
                ));
            }
        }
    }
    rows
}

fn json_row(line: usize, value: Json, found: &mut Found) -> Option<Row> {
    let Json::Object(mut object) = value else {
        found.push((
            line,
            "expected an object such as {\"question\": …, \"answers\": […]}".into(),
        ));
        return None;
    };
    let mut ok = true;
    let mut bad = |message: &str| {
        found.push((line, message.to_string()));
        ok = false;
    };
    let id = match object.remove("id") {
        None | Some(Json::Null) => None,
        Some(Json::String(id)) if id.trim().is_empty() => None,
        Some(Json::String(id)) => Some(id),
        Some(Json::Number(n)) => Some(n.to_string()),
        Some(_) => {
            bad("`id` must be text or a number");
            None
        }
    };
    let question = match object.remove("question") {
        None | Some(Json::Null) => None,
        Some(Json::String(q)) => Some(q),
        Some(_) => {
            bad("`question` must be text");
            None
        }
    };
    let mut answers = Vec::new();
    for key in ["answers", "answer"] {
        match object.remove(key) {
            None | Some(Json::Null) => {}
            Some(Json::String(a)) => answers.push(a),
            Some(Json::Array(items)) => {
                let count = answers.len() + items.len();
                answers.extend(items.into_iter().filter_map(|item| match item {
                    Json::String(a) => Some(a),
                    _ => None,
                }));
                if answers.len() < count {
                    bad(&format!("`{key}` must be a list of texts"));
                }
            }
            Some(_) => bad(&format!("`{key}` must be a list of texts")),
        }
    }
    ok.then_some(Row {
        line,
        id,
        question,
        answers,
    })
}

/// Reads CSV with a header row naming a `question` column, an `answer` (or `answers`) column
/// and optionally an `id` column, in any case and order; other columns are ignored. Rows whose
/// every field is empty (a spreadsheet's trailing rows) are skipped.
fn read_csv(bytes: &[u8], found: &mut Found) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    // The csv crate places a record where the one before it ended, before any blank lines it
    // skips: a row's own line counts those too.
    let line_at = |position: Option<&csv::Position>| {
        position.map_or(0, |p| {
            let start = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            let blank = bytes[start..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .filter(|b| **b == b'\n')
                .count();
            p.line() as usize + blank
        })
    };
    let line_of = |err: &csv::Error| line_at(err.position());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(err) => {
            found.push((
                line_of(&err).max(1),
                format!("cannot read the header row: {err}"),
            ));
            return Vec::new();
        }
    };
    let names: Vec<String> = headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    if names.iter().all(String::is_empty) {
        found.push((
            1,
            "no header row: the first line must name the columns, such as `question,answer`".into(),
        ));
        return Vec::new();
    }
    let before = found.len();
    let mut column = |wanted: &[&str], required: bool| {
        let at: Vec<usize> = (0..names.len())
            .filter(|&i| wanted.contains(&names[i].as_str()))
            .collect();
        match at[..] {
            [one] => Some(one),
            [] if required => {
                let hint = if names.len() == 1 && names[0].contains([';', '\t']) {
                    " (columns must be separated by commas)"
                } else {
                    ""
                };
                found.push((
                    1,
                    format!(
                        "no `{}` column: the header row names {}{hint}",
                        wanted.join("` or `"),
                        names.join(", ")
                    ),
                ));
                None
            }
            [] => None,
            _ => {
                found.push((
                    1,
                    format!("more than one `{}` column", wanted.join("` or `")),
                ));
                None
            }
        }
    };
    let question = column(&["question"], true);
    let answer = column(&["answer", "answers"], true);
    let id = column(&["id"], false);
    let (Some(question), Some(answer)) = (question, answer) else {
        return Vec::new();
    };
    if found.len() > before {
        return Vec::new();
    }

    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_at(record.position());
                if record.iter().all(|field| field.trim().is_empty()) {
                    continue;
                }
                if record.len() != headers.len() {
                    found.push((
                        line,
                        format!(
                            "the row has {} fields where the header row has {}: is a quote left open, or a comma outside quotes?",
                            record.len(),
                            headers.len()
                        ),
                    ));
                    continue;
                }
                rows.push(Row {
                    line,
                    id: id
                        .map(|i| record[i].trim())
                        .filter(|id| !id.is_empty())
                        .map(str::to_string),
                    question: Some(record[question].to_string()),
                    answers: vec![record[answer].to_string()],
                });
            }
            Err(err) => {
                let message = match err.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "the row is not UTF-8 text: save the file as UTF-8".to_string()
                    }
                    _ => format!("bad CSV: {err}"),
                };
                found.push((line_of(&err), message));
                if matches!(err.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
    }
    rows
}

/// The checks that need every row (unique ids and questions), then the ids of the rows that
/// have none. Every problem goes to `found`.
fn check_rows(rows: Vec<Row>, found: &mut Found) -> Vec<ImportedFaq> {
    let mut faqs = Vec::with_capacity(rows.len());
    // id → (line, the id as the file gave it); question's title key → line.
    let mut ids: FxHashMap<String, (usize, String)> =
        FxHashMap::with_capacity_and_hasher(rows.len(), Default::default());
    let mut questions: FxHashMap<String, usize> =
        FxHashMap::with_capacity_and_hasher(rows.len(), Default::default());
    for row in rows {
        let line = row.line;
        let question = collapse(row.question.as_deref().unwrap_or_default());
        if question.is_empty() {
            found.push((line, "no question: `question` is missing or empty".into()));
        } else if question.contains('\0') {
            found.push((line, "the question contains a NUL character".into()));
        } else {
            match questions.entry(corpus::title_key(&question)) {
                Slot::Occupied(first) => found.push((
                    line,
                    format!(
                        "duplicate question \"{question}\": also the question on line {}",
                        first.get()
                    ),
                )),
                Slot::Vacant(slot) => {
                    slot.insert(line);
                }
            }
        }
        let answers: Vec<String> = row
            .answers
            .iter()
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        if answers.is_empty() {
            found.push((
                line,
                "no answer: each question needs a non-empty answer".into(),
            ));
        } else if answers.iter().any(|a| a.contains('\0')) {
            found.push((line, "an answer contains a NUL character".into()));
        }
        let id = match row.id {
            None => String::new(),
            Some(raw) => match entry_id(&raw) {
                None => {
                    found.push((
                        line,
                        format!("id `{raw}` has no letter or digit to make an entry id of"),
                    ));
                    String::new()
                }
                Some(id) => {
                    match ids.entry(id.clone()) {
                        Slot::Occupied(first) => {
                            let (first_line, first_raw) = first.get();
                            found.push((
                                line,
                                format!(
                                    "duplicate id `{raw}` (entry id `{id}`): also the id of line {first_line} (`{first_raw}`)"
                                ),
                            ));
                        }
                        Slot::Vacant(slot) => {
                            slot.insert((line, raw));
                        }
                    }
                    id
                }
            },
        };
        faqs.push(ImportedFaq {
            id,
            question,
            answers,
            line,
        });
    }
    if !found.is_empty() {
        return faqs;
    }
    let width = GENERATED_DIGITS.max(faqs.len().to_string().len());
    let mut next = 1usize;
    for faq in faqs.iter_mut().filter(|f| f.id.is_empty()) {
        faq.id = loop {
            let id = format!("{ID_PREFIX}{next:0width$}");
            next += 1;
            if !ids.contains_key(&id) {
                break id;
            }
        };
    }
    faqs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` to a file named `name` in a fresh temporary folder.
    fn file(name: &str, text: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    #[test]
    fn entry_ids_are_faq_slugs() {
        let long = "x".repeat(100);
        let cases: &[(&str, Option<&str>)] = &[
            ("t001", Some("faq-t001")),
            ("T001", Some("faq-t001")),
            ("17", Some("faq-17")),
            ("Q 1.2/b", Some("faq-q-1-2-b")),
            ("--a__b--", Some("faq-a-b")),
            ("faq-05", Some("faq-05")),
            ("FAQ_05", Some("faq-05")),
            ("Ünïcode", Some("faq-n-code")),
            ("???", None),
            ("", None),
        ];
        for (raw, expected) in cases {
            let id = entry_id(raw);
            assert_eq!(id.as_deref(), *expected, "{raw:?}");
            if let Some(id) = id {
                assert!(corpus::is_slug(&id), "{id}");
            }
        }
        let id = entry_id(&long).unwrap();
        assert_eq!(id.len(), corpus::MAX_ID_LEN);
        assert!(corpus::is_slug(&id));
        // A cut that lands on a hyphen drops it.
        let id = entry_id(&format!("{}-{}", "a".repeat(59), "b".repeat(10))).unwrap();
        assert!(corpus::is_slug(&id), "{id}");
    }

    #[test]
    fn jsonl_and_csv_read_alike() {
        let (_a, jsonl) = file(
            "faq.jsonl",
            "\u{feff}{\"id\": \"T001\", \"question\": \"What is it?\", \"answers\": [\"A thing.\", \"\"]}\n\
             \n\
             {\"question\": \"  Who\\nruns   it? \", \"answer\": \" We do. \", \"url\": \"ignored\"}\n"
                .as_bytes(),
        );
        let (_b, csv) = file(
            "faq.CSV",
            "\u{feff}Answer, ID ,QUESTION\nA thing.,T001,What is it?\n\nWe do.,,\"  Who\nruns   it? \"\n"
                .as_bytes(),
        );
        let from_jsonl = read_file(&jsonl).unwrap();
        let from_csv = read_file(&csv).unwrap();
        let without_lines = |faqs: &[ImportedFaq]| {
            faqs.iter()
                .map(|f| (f.id.clone(), f.question.clone(), f.answers.clone()))
                .collect::<Vec<_>>()
        };
        let expected = [
            ("faq-t001", "What is it?", ["A thing."]),
            ("faq-0001", "Who runs it?", ["We do."]),
        ]
        .map(|(id, q, a)| (id.to_string(), q.to_string(), a.map(String::from).to_vec()));
        assert_eq!(without_lines(&from_jsonl), expected);
        assert_eq!(without_lines(&from_csv), expected);
        let lines = |faqs: &[ImportedFaq]| faqs.iter().map(|f| f.line).collect::<Vec<_>>();
        assert_eq!(lines(&from_jsonl), [1, 3]);
        assert_eq!(lines(&from_csv), [2, 4]);
    }

    #[test]
    fn csv_quoted_fields_keep_commas_quotes_and_line_breaks() {
        let text = "id,question,answers,notes\n\
                    a,\"Costs, fees and charges?\",\"It costs £5, or £3 \"\"concession\"\".\n\nSecond paragraph, too.\",x\n\
                    b,Next?,Yes.,\"a note\nover two lines\"\n";
        let (_dir, path) = file("faq.csv", text.as_bytes());
        let faqs = read_file(&path).unwrap();
        assert_eq!(faqs.len(), 2);
        assert_eq!(faqs[0].question, "Costs, fees and charges?");
        assert_eq!(
            faqs[0].answers,
            ["It costs £5, or £3 \"concession\".\n\nSecond paragraph, too."]
        );
        assert_eq!(
            (faqs[0].line, faqs[1].line),
            (2, 5),
            "each row at the line it starts on"
        );
        let text = render(&faqs[0]);
        let entry = corpus::parse_entry(Kind::Faq, Path::new("x.md"), &text).unwrap();
        let passages: Vec<&str> = entry.passages.iter().map(|p| &*p.text).collect();
        assert_eq!(
            passages,
            [
                "It costs £5, or £3 \"concession\".",
                "Second paragraph, too."
            ]
        );
    }

    #[test]
    fn ids_are_generated_in_file_order_around_the_files_own() {
        let rows = (1..=4)
            .map(|n| {
                let id = if n == 3 { "\"id\": \"0002\", " } else { "" };
                format!("{{{id}\"question\": \"Q{n}?\", \"answers\": [\"A.\"]}}\n")
            })
            .collect::<String>();
        let (_dir, path) = file("faq.json", rows.as_bytes());
        let ids: Vec<String> = read_file(&path)
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(ids, ["faq-0001", "faq-0003", "faq-0002", "faq-0004"]);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_in_one_run() {
        let jsonl = [
            r#"{"id": "t1", "question": "Is there a helpline?", "answers": ["Yes."]}"#,
            r#"{"question": "Unclosed?", "answers": ["x"]"#,
            r#"{"question": "  ", "answers": ["x"]}"#,
            r#"{"answers": ["x"]}"#,
            r#"{"question": "No answer?", "answers": ["", "  "]}"#,
            r#"{"question": "is there a   HELPLINE?", "answers": ["Still yes."]}"#,
            r#"{"id": "T1", "question": "Same id?", "answers": ["x"]}"#,
            r#"{"id": "???", "question": "Bad id?", "answers": ["x"]}"#,
            r#"["not", "an object"]"#,
            r#"{"question": "Numbers?", "answers": [1, 2]}"#,
            r#"{"question": 7, "answers": ["x"]}"#,
        ]
        .join("\n");
        /// (file name, its bytes, every problem expected as (line, part of the message))
        type Case<'a> = (&'a str, &'a [u8], &'a [(usize, &'a str)]);
        let cases: &[Case] = &[
            (
                "faq.jsonl",
                jsonl.as_bytes(),
                &[
                    (2, "invalid JSON"),
                    (3, "no question"),
                    (4, "no question"),
                    (5, "no answer"),
                    (6, "duplicate question \"is there a HELPLINE?\": also the question on line 1"),
                    (7, "duplicate id `T1` (entry id `faq-t1`): also the id of line 1 (`t1`)"),
                    (8, "id `???` has no letter or digit"),
                    (9, "expected an object"),
                    (10, "`answers` must be a list of texts"),
                    (11, "`question` must be text"),
                ],
            ),
            (
                "faq.json",
                b"[\n  {\"question\": \"Q?\", \"answers\": [\"A.\"]}\n]\n",
                &[(1, "this is a JSON array")],
            ),
            (
                "faq.jsonl",
                b"{\"question\": \"Q?\", \"answers\": [\"A.\"]}\n{\"question\": \"\xff?\", \"answers\": [\"A.\"]}\n",
                &[(2, "not UTF-8")],
            ),
            ("faq.jsonl", b"\n\n", &[(0, "no questions")]),
            ("faq.txt", b"question,answer\nQ?,A.\n", &[(0, "cannot tell the format")]),
            (
                "faq.csv",
                b"q,a\nQ?,A.\n",
                &[
                    (1, "no `question` column: the header row names q, a"),
                    (1, "no `answer` or `answers` column"),
                ],
            ),
            (
                "faq.csv",
                b"question;answer\nQ?;A.\n",
                &[
                    (1, "no `question` column: the header row names question;answer (columns must be separated by commas)"),
                    (1, "no `answer` or `answers` column"),
                ],
            ),
            (
                "faq.csv",
                b"question,answer,Answers\nQ?,A.,B.\n",
                &[(1, "more than one `answer` or `answers` column")],
            ),
            ("faq.csv", b"", &[(1, "no header row")]),
            (
                "faq.csv",
                b"id,question,answer\n1,One?,A.\n2,Two?\n,,\n,\n3,Five?,\n4,one?,B.\n5,Six?,\xff\n6,\"Seven?,A.\n8,Eight?,A.\n",
                &[
                    (3, "the row has 2 fields where the header row has 3"),
                    (6, "no answer"),
                    (7, "duplicate question \"one?\": also the question on line 2"),
                    (8, "not UTF-8"),
                    (9, "the row has 2 fields"),
                ],
            ),
            (
                "faq.csv",
                b"question,answer,ID,id\nQ?,A.,1,2\n",
                &[(1, "more than one `id` column")],
            ),
        ];
        for (name, text, expected) in cases {
            let (_dir, path) = file(name, text);
            let problems = read_file(&path).unwrap_err();
            let got: Vec<(usize, &str)> = problems
                .0
                .iter()
                .map(|p| (p.line, p.message.as_str()))
                .collect();
            assert_eq!(got.len(), expected.len(), "{name}: {problems}");
            for ((line, message), (want_line, needle)) in got.iter().zip(expected.iter()) {
                assert_eq!(line, want_line, "{name}: {message}");
                assert!(
                    message.contains(needle),
                    "{name}: {message:?} lacks {needle:?}"
                );
            }
            assert!(problems.0.iter().all(|p| p.path == path));
        }
        // Shown as file:line: message.
        let (_dir, path) = file("faq.jsonl", b"{}\n");
        let shown = read_file(&path).unwrap_err().to_string();
        assert!(
            shown.starts_with(&format!("{}:1: no question", path.display())),
            "{shown}"
        );
    }

    #[test]
    fn awkward_text_comes_back_from_the_corpus_as_it_went_in() {
        let long: String = (0..40)
            .map(|n| format!("Sentence number {n} says a few more words about it. "))
            .collect();
        let awkward: &[(&str, &[&str])] = &[
            ("# Is this a comment?", &["---", "---\nid: faq-evil\n---"]),
            ("--- a fence?", &["## Not a heading\nbody under it"]),
            (
                "- a bullet?",
                &["- item one\n- item two", "* starred\n  - nested"],
            ),
            (
                "title: what: colons?",
                &["They include:", "- a lead-in and its list"],
            ),
            (
                "  spaced\n\n  out\tquestion \r\n",
                &["para one\n\n\n   para two   "],
            ),
            (
                "## heading?",
                &["\\ a backslash", "\\\\ two", "\\- escaped already"],
            ),
            (
                "Ünïcode “quotes” — £5?",
                &["Non\u{a0}breaking\u{2028}separator\u{85}next"],
            ),
            ("id: faq-01", &["windows\r\nline\r\n\r\nendings\r\n"]),
            ("alternates:", &[&long, "#hashtag and 1. numbered"]),
            ("-", &["a line\n---\nmore", "   - indented bullet\n\n## "]),
        ];
        let jsonl: String = awkward
            .iter()
            .map(|(q, answers)| {
                serde_json::json!({ "question": q, "answers": answers }).to_string() + "\n"
            })
            .collect();
        let (dir, path) = file("faq.jsonl", jsonl.as_bytes());
        let out = dir.path().join("corpus");
        let summary = import_file(&path, &out).unwrap();
        assert_eq!(summary.entries, awkward.len());
        let corpus = corpus::load(&out).unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(corpus.entries.len(), awkward.len());
        assert_eq!(summary.passages, corpus.passage_count());
        for (n, (question, answers)) in awkward.iter().enumerate() {
            let entry = corpus
                .entry(&format!("faq-{:04}", n + 1))
                .unwrap_or_else(|| panic!("no entry for {question:?}"));
            assert_eq!(entry.title, collapse(question));
            assert!(entry.alternates.is_empty() && entry.related.is_empty());
            let text: Vec<&str> = entry.passages.iter().map(|p| &*p.text).collect();
            let text = text.join(" ");
            assert_eq!(words(&text), words(&answers.join(" ")), "{question:?}");
            assert!(entry
                .passages
                .iter()
                .all(|p| p.section.is_none() && p.lead_in.is_none()));
        }
        // The long answer was split into several passages, all of it kept.
        assert!(corpus.entry("faq-0009").unwrap().passages.len() > 3);
    }

    #[test]
    fn refuses_an_faq_folder_with_files_unless_forced() {
        let (dir, path) = file(
            "faq.jsonl",
            b"{\"id\": \"new\", \"question\": \"New?\", \"answers\": [\"Yes.\"]}\n",
        );
        let out = dir.path().join("corpus");
        let faq = out.join("faq");
        std::fs::create_dir_all(&faq).unwrap();
        // An empty folder, or one with only hidden files, is no obstacle.
        std::fs::write(faq.join(".gitkeep"), "").unwrap();
        import_file(&path, &out).unwrap();
        assert!(faq.join("faq-new.md").is_file());
        assert!(!faq.join(".gitkeep").exists(), "the folder was replaced");

        std::fs::write(faq.join("faq-old.md"), "hand-written").unwrap();
        let err = import_file(&path, &out).unwrap_err();
        assert!(
            matches!(&err, Error::FaqFolderNotEmpty { files: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("--force"), "{err}");
        assert_eq!(
            std::fs::read_to_string(faq.join("faq-old.md")).unwrap(),
            "hand-written"
        );

        let summary = import_file_with(&path, &out, ImportOptions { force: true }).unwrap();
        assert_eq!((summary.entries, summary.replaced), (1, 2));
        assert!(
            summary.to_string().contains("replacing the 2 files"),
            "{summary}"
        );
        let mut names: Vec<String> = std::fs::read_dir(&faq)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["faq-new.md"]);
        // Nothing else is left beside it.
        let mut beside: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        beside.sort();
        assert_eq!(beside, ["faq"]);
    }

    #[test]
    fn a_file_with_problems_writes_nothing() {
        let (dir, path) = file(
            "faq.jsonl",
            b"{\"question\": \"Good?\", \"answers\": [\"Yes.\"]}\n{\"question\": \"Bad?\"}\n",
        );
        for existing in [false, true] {
            let out = dir.path().join(format!("corpus-{existing}"));
            if existing {
                std::fs::create_dir_all(out.join("faq")).unwrap();
                std::fs::write(out.join("faq").join("faq-01.md"), "kept").unwrap();
            }
            let err = import_file_with(&path, &out, ImportOptions { force: true }).unwrap_err();
            let Error::Import(problems) = &err else {
                panic!("{err}")
            };
            assert_eq!(problems.0.len(), 1, "{problems}");
            assert_eq!(problems.0[0].line, 2);
            if existing {
                let kept = std::fs::read_to_string(out.join("faq").join("faq-01.md")).unwrap();
                assert_eq!(kept, "kept");
                assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
            } else {
                assert!(!out.exists(), "{}", out.display());
            }
        }
    }

    /// The two FAQ files `shared/eval/external/*/faq.jsonl` beside the repository.
    fn example(name: &str) -> PathBuf {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/eval/external")
            .join(name)
            .join("faq.jsonl");
        assert!(
            path.is_file(),
            "the example FAQ {} is missing",
            path.display()
        );
        path
    }

    #[test]
    fn imports_the_example_faqs_into_a_corpus_that_loads_and_builds() {
        for (name, count, first) in [("stackfaq", 125, "faq-t001"), ("covidfaq", 68, "faq-c00")] {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("corpus");
            let summary = import_file(&example(name), &out).unwrap();
            assert_eq!(summary.entries, count, "{name}");
            let corpus = corpus::load(&out).unwrap_or_else(|p| panic!("{name}: {p}"));
            assert_eq!(corpus.of_kind(Kind::Faq).count(), count, "{name}");
            assert_eq!(corpus.passage_count(), summary.passages, "{name}");
            assert!(corpus.entry(first).is_some(), "{name}");
            let built = crate::build_from_dir(&out, &dir.path().join("index")).unwrap();
            assert_eq!(built.entries, count, "{name}");
        }
    }

    #[test]
    fn ten_thousand_faq_entries_import_load_build_and_open() {
        const N: usize = 10_000;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("faq.csv");
        let mut writer = csv::Writer::from_path(&path).unwrap();
        writer.write_record(["id", "question", "answer"]).unwrap();
        for n in 0..N {
            writer
                .write_record([
                    format!("q{n}"),
                    format!("How do I renew licence number {n}, please?"),
                    format!("Licence {n} is renewed online.\n\nOr, for licence {n}, by post."),
                ])
                .unwrap();
        }
        writer.flush().unwrap();
        drop(writer);

        let out = dir.path().join("corpus");
        let summary = import_file(&path, &out).unwrap();
        assert_eq!((summary.entries, summary.passages), (N, 2 * N));
        let corpus = corpus::load(&out).unwrap_or_else(|p| panic!("{p}"));
        assert_eq!(corpus.of_kind(Kind::Faq).count(), N);
        let index = dir.path().join("index");
        let built = crate::build_from_dir(&out, &index).unwrap();
        assert_eq!((built.entries, built.passages), (N, 2 * N));
        let open = crate::open_index(&index).unwrap();
        assert_eq!(open.manifest.corpus.of_kind(Kind::Faq).count(), N);
        assert_eq!(open.reader.searcher().num_docs(), (3 * N) as u64);
        let last = open
            .manifest
            .corpus
            .entries
            .iter()
            .position(|e| e.id == "faq-q9999");
        let last = last.expect("the last row's entry");
        assert_eq!(
            open.manifest.corpus.entries[last].title,
            "How do I renew licence number 9999, please?"
        );
    }
}
