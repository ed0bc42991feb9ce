//! An entry file's front matter read field by field: the keys each kind allows and
//! requires, and each value's type (one value or a list), every problem at its line.

use std::collections::BTreeMap;
use std::path::Path;

use super::check::is_slug;
use super::{Kind, Problem};
use crate::frontmatter::{Field, Value};

/// Which keys each kind of entry accepts, and which of them are required.
fn allowed_keys(kind: Kind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        Kind::Faq => (&["id", "title", "alternates", "related"], &["id", "title"]),
        Kind::Project => (
            &[
                "id",
                "name",
                "short_name",
                "aliases",
                "lead",
                "partners",
                "strand",
                "summary",
                "keywords",
                "alternates",
                "sources",
                "related",
            ],
            &["id", "name", "short_name", "strand", "summary", "sources"],
        ),
        Kind::Assistant => (
            &[
                "id",
                "intent",
                "triggers",
                "unless",
                "alternates",
                "related",
            ],
            // A reply with neither triggers nor alternates is never given by itself: it
            // waits for the phrasings editors point to it.
            &["id", "intent"],
        ),
    }
}

/// Reads the fields of one file, checking keys, types and required values.
pub(super) struct FieldReader<'a> {
    path: &'a Path,
    pub(super) fields: BTreeMap<&'a str, &'a Field>,
    pub(super) problems: Vec<Problem>,
}

impl<'a> FieldReader<'a> {
    /// A reader of `fields`, the front matter of a `kind` entry at `path`: unknown keys and
    /// missing required ones are its first problems.
    pub(super) fn new(kind: Kind, path: &'a Path, fields: &'a [Field]) -> FieldReader<'a> {
        let (allowed, required) = allowed_keys(kind);
        let mut reader = FieldReader {
            path,
            fields: BTreeMap::new(),
            problems: Vec::new(),
        };
        for field in fields {
            if allowed.contains(&field.key.as_str()) {
                reader.fields.insert(field.key.as_str(), field);
            } else {
                reader.problem(
                    field.line,
                    format!(
                        "unknown field `{}` for a {} entry (allowed: {})",
                        field.key,
                        kind.as_str(),
                        allowed.join(", ")
                    ),
                );
            }
        }
        for key in required {
            if !reader.fields.contains_key(key) {
                reader.problem(1, format!("missing required field `{key}`"));
            }
        }
        reader
    }

    /// The entry's `id` with its line, checked to be a slug.
    pub(super) fn id(&mut self) -> Option<(usize, String)> {
        let id = self.text("id");
        if let Some((line, id)) = &id {
            if !is_slug(id) {
                self.problem(
                    *line,
                    format!("bad id `{id}`: expected lower-case letters, digits and single hyphens, such as `faq-07`, `faq-t001` or `parsol`"),
                );
            }
        }
        id
    }

    pub(super) fn problem(&mut self, line: usize, message: String) {
        self.problems.push(Problem {
            path: self.path.to_path_buf(),
            line,
            message,
        });
    }

    pub(super) fn text(&mut self, key: &str) -> Option<(usize, String)> {
        let field = *self.fields.get(key)?;
        match &field.value {
            Value::Text(t) => Some((field.line, t.clone())),
            Value::List(items) if items.is_empty() => {
                self.problem(field.line, format!("`{key}` is empty"));
                None
            }
            Value::List(_) => {
                self.problem(field.line, format!("`{key}` takes one value, not a list"));
                None
            }
        }
    }

    pub(super) fn list(&mut self, key: &str) -> Vec<(usize, String)> {
        let Some(field) = self.fields.get(key).copied() else {
            return Vec::new();
        };
        match &field.value {
            Value::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    if item.value.is_empty() {
                        self.problem(item.line, format!("empty item in `{key}`"));
                    } else {
                        out.push((item.line, item.value.clone()));
                    }
                }
                out
            }
            Value::Text(_) => {
                self.problem(
                    field.line,
                    format!("`{key}` is a list: put each item on its own `- ` line"),
                );
                Vec::new()
            }
        }
    }
}

pub(super) fn values(list: Vec<(usize, String)>) -> Vec<String> {
    list.into_iter().map(|(_, v)| v).collect()
}
