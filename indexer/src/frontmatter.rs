//! Parses the front matter block at the top of a corpus file: `key: value` lines and
//! `key:` followed by `- item` lines, between two `---` lines. Every value keeps its line
//! number so validation can point an editor at the exact line.

/// One value from the front matter, with the 1-based line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub line: usize,
    pub value: T,
}

/// A front matter value: a single line of text or a list of items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    List(Vec<Located<String>>),
}

/// A key with its value, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub line: usize,
    pub value: Value,
}

/// A parsed file: its front matter fields, and its body with the line the body starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    pub fields: Vec<Field>,
    pub body: &'a str,
    pub body_line: usize,
}

/// A syntax problem at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

const FENCE: &str = "---";

/// Splits `text` into front matter and body. A file without a leading `---` line is an error:
/// every entry needs at least an id.
pub fn parse(text: &str) -> Result<Document<'_>, Vec<SyntaxError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n').enumerate();
    let starts_with_fence = matches!(lines.next(), Some((_, l)) if l.trim_end() == FENCE);
    if !starts_with_fence {
        return Err(vec![SyntaxError {
            line: 1,
            message: "the file must start with a `---` line that opens the front matter".into(),
        }]);
    }

    let mut fields: Vec<Field> = Vec::new();
    let mut errors = Vec::new();
    let mut consumed = FENCE.len() + 1;
    let mut closed_at = None;
    for (index, raw) in lines.by_ref() {
        let line_no = index + 1;
        consumed += raw.len();
        let line = raw.trim_end();
        if line == FENCE {
            closed_at = Some(line_no);
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) =
            trimmed
                .strip_prefix("- ")
                .or(if trimmed == "-" { Some("") } else { None })
        {
            match fields.last_mut() {
                Some(Field {
                    value: Value::List(items),
                    ..
                }) => items.push(Located {
                    line: line_no,
                    value: item.trim().to_string(),
                }),
                Some(Field {
                    key,
                    value: Value::Text(_),
                    ..
                }) => errors.push(SyntaxError {
                    line: line_no,
                    message: format!(
                        "list item under `{key}`, which already has a value on its own line"
                    ),
                }),
                None => errors.push(SyntaxError {
                    line: line_no,
                    message: "list item before any key".into(),
                }),
            }
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            errors.push(SyntaxError {
                line: line_no,
                message: "indented line that is not a `- ` list item".into(),
            });
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            errors.push(SyntaxError {
                line: line_no,
                message: format!("expected `key: value`, found `{line}`"),
            });
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            errors.push(SyntaxError {
                line: line_no,
                message: format!("`{key}` is not a valid key (lower-case letters and `_`)"),
            });
            continue;
        }
        if fields.iter().any(|f| f.key == key) {
            errors.push(SyntaxError {
                line: line_no,
                message: format!("`{key}` is given twice"),
            });
            continue;
        }
        let value = value.trim();
        fields.push(Field {
            key: key.to_string(),
            line: line_no,
            value: if value.is_empty() {
                Value::List(Vec::new())
            } else {
                Value::Text(value.to_string())
            },
        });
    }
    let Some(closed_at) = closed_at else {
        errors.push(SyntaxError {
            line: 1,
            message: "the front matter opened on line 1 is never closed with a `---` line".into(),
        });
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Document {
        fields,
        body: &text[consumed.min(text.len())..],
        body_line: closed_at + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_list_values_with_lines() {
        let doc =
            parse("---\nid: faq-01\n# note\nalternates:\n  - one\n  - two\n---\nBody\n").unwrap();
        assert_eq!(doc.fields.len(), 2);
        assert_eq!(doc.fields[0].key, "id");
        assert_eq!(doc.fields[0].value, Value::Text("faq-01".into()));
        let Value::List(items) = &doc.fields[1].value else {
            panic!("not a list")
        };
        assert_eq!(
            items
                .iter()
                .map(|i| (i.line, i.value.as_str()))
                .collect::<Vec<_>>(),
            [(5, "one"), (6, "two")]
        );
        assert_eq!(doc.body, "Body\n");
        assert_eq!(doc.body_line, 8);
    }

    #[test]
    fn value_may_contain_colons() {
        let doc = parse("---\ntitle: What? Why: because\n---\n").unwrap();
        assert_eq!(
            doc.fields[0].value,
            Value::Text("What? Why: because".into())
        );
    }

    #[test]
    fn reports_each_problem_with_its_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("id: x\n", 1, "must start"),
            ("---\nid: x\n", 1, "never closed"),
            ("---\nid: x\nid: y\n---\n", 3, "twice"),
            ("---\n- orphan\n---\n", 2, "before any key"),
            ("---\nnot a field\n---\n", 2, "expected `key: value`"),
            ("---\nTitle: x\n---\n", 2, "not a valid key"),
            ("---\nid: x\n  - item\n---\n", 3, "already has a value"),
            ("---\nid:\n   stray\n---\n", 3, "indented"),
        ];
        for (text, line, needle) in cases {
            let errors = parse(text).unwrap_err();
            assert_eq!(errors[0].line, *line, "{text:?}");
            assert!(
                errors[0].message.contains(needle),
                "{text:?}: {}",
                errors[0].message
            );
        }
    }
}
