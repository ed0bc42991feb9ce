//! An answer written as JSON: byte for byte what `serde_json` writes for [`AskResponse`], with
//! the texts copied instead of escaped one byte at a time.
//!
//! Escaping was two thirds of serializing an answer (most of its bytes are passage texts,
//! which almost never hold a character JSON escapes). A string is first checked for such a
//! character in one pass the compiler vectorizes; only a string that has one goes through
//! `serde_json`'s escaping, and so do the numbers and the rarely sent parts, so the output
//! cannot drift from `serde_json`'s. A test holds the two equal over every field.

use serde::Serialize;

use super::response::{Answer, AskResponse, PassageHit, ProjectHit};

/// Room for a typical answer (three to four kilobytes) without growing the buffer.
const TYPICAL_BYTES: usize = 4096;

impl AskResponse {
    /// The answer's JSON, exactly as `serde_json::to_vec` writes it.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Json(Vec::with_capacity(TYPICAL_BYTES));
        out.raw("{\"query\":");
        out.str(&self.query);
        out.raw(",\"answer\":");
        match &self.answer {
            Some(answer) => out.answer(answer),
            None => out.raw("null"),
        }
        out.raw(",\"passages\":");
        out.list(&self.passages, Json::passage);
        out.raw(",\"projects\":");
        out.list(&self.projects, Json::project);
        out.raw(",\"suggestions\":");
        out.list(&self.suggestions, |out, s| out.str(s));
        out.raw(",\"did_you_mean\":");
        out.opt_str(self.did_you_mean.as_deref());
        out.raw(",\"fallback\":");
        out.serde(&self.fallback);
        out.raw(",\"context\":");
        out.serde(&self.context);
        out.raw(",\"feedback_url\":");
        out.opt_str(self.feedback_url.as_deref());
        out.raw("}");
        out.0
    }
}

struct Json(Vec<u8>);

impl Json {
    fn raw(&mut self, json: &str) {
        self.0.extend_from_slice(json.as_bytes());
    }

    fn str(&mut self, text: &str) {
        if needs_escaping(text) {
            self.serde(text);
        } else {
            self.0.reserve(text.len() + 2);
            self.0.push(b'"');
            self.0.extend_from_slice(text.as_bytes());
            self.0.push(b'"');
        }
    }

    fn opt_str(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.str(text),
            None => self.raw("null"),
        }
    }

    /// Anything else, by `serde_json` itself.
    fn serde<T: Serialize + ?Sized>(&mut self, value: &T) {
        serde_json::to_writer(&mut self.0, value)
            .expect("an answer's parts serialize: string keys only, into memory");
    }

    fn list<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Self, &T)) {
        self.raw("[");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.raw(",");
            }
            write(self, item);
        }
        self.raw("]");
    }

    fn answer(&mut self, a: &Answer) {
        self.raw("{\"id\":");
        self.str(&a.id);
        self.raw(",\"kind\":");
        self.str(&a.kind);
        self.raw(",\"title\":");
        self.str(&a.title);
        self.raw(",\"text\":");
        self.str(&a.text);
        self.raw(",\"passage_id\":");
        self.opt_str(a.passage_id.as_deref());
        self.raw(",\"url\":");
        self.opt_str(a.url.as_deref());
        self.raw(",\"confidence\":");
        self.serde(&a.confidence);
        self.raw("}");
    }

    fn passage(&mut self, p: &PassageHit) {
        self.raw("{\"id\":");
        self.str(&p.id);
        self.raw(",\"entry_id\":");
        self.str(&p.entry_id);
        self.raw(",\"kind\":");
        self.str(&p.kind);
        self.raw(",\"title\":");
        self.str(&p.title);
        self.raw(",\"text\":");
        self.str(&p.text);
        self.raw(",\"section\":");
        self.opt_str(p.section.as_deref());
        self.raw(",\"highlights\":");
        self.serde(&p.highlights);
        self.raw(",\"url\":");
        self.opt_str(p.url.as_deref());
        self.raw(",\"score\":");
        self.serde(&p.score);
        self.raw("}");
    }

    fn project(&mut self, p: &ProjectHit) {
        self.raw("{\"id\":");
        self.str(&p.id);
        self.raw(",\"name\":");
        self.str(&p.name);
        self.raw(",\"short_name\":");
        self.str(&p.short_name);
        self.raw(",\"summary\":");
        self.str(&p.summary);
        self.raw(",\"lead\":");
        self.opt_str(p.lead.as_deref());
        self.raw(",\"url\":");
        self.str(&p.url);
        self.raw(",\"score\":");
        self.serde(&p.score);
        self.raw("}");
    }
}

/// Whether `text` holds a character JSON escapes: a control character, `"` or `\`. No early
/// exit, so the loop is vectorized; texts are short enough that finishing costs little.
fn needs_escaping(text: &str) -> bool {
    text.bytes().fold(false, |found, b| {
        found | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Fallback, Helpline};

    /// Every string field set to `text`, every optional one present, every list non-empty.
    fn full_response(text: &str, score: f32) -> AskResponse {
        let s = || text.to_string();
        AskResponse {
            query: s(),
            answer: Some(Answer {
                id: s(),
                kind: s(),
                title: s(),
                text: s(),
                passage_id: Some(s()),
                url: Some(s()),
                confidence: score,
            }),
            passages: vec![
                PassageHit {
                    id: s(),
                    entry_id: s(),
                    kind: s(),
                    title: s(),
                    text: s(),
                    section: Some(s()),
                    highlights: vec![[0, 3], [5, 9]],
                    url: Some(s()),
                    score,
                };
                2
            ],
            projects: vec![
                ProjectHit {
                    id: s(),
                    name: s(),
                    short_name: s(),
                    summary: s(),
                    lead: Some(s()),
                    url: s(),
                    score,
                };
                2
            ],
            suggestions: vec![s(), s()],
            did_you_mean: Some(s()),
            fallback: Some(Fallback {
                message: s(),
                helpline: Some(Helpline {
                    name: s(),
                    number: s(),
                    href: s(),
                }),
                directory_url: s(),
            }),
            context: Context {
                answer_id: Some(s()),
                passage_id: Some(s()),
                projects: vec![s(), s()],
            },
            feedback_url: Some(s()),
            declined: None,
        }
    }

    /// The same response with every optional field absent and every list empty.
    fn sparse_response(text: &str) -> AskResponse {
        let mut r = full_response(text, 0.5);
        r.answer = None;
        r.passages.clear();
        r.projects.clear();
        r.suggestions.clear();
        r.did_you_mean = None;
        r.fallback = None;
        r.context = Context::default();
        r.feedback_url = None;
        r
    }

    const TEXTS: &[&str] = &[
        "",
        "plain words",
        "a \"quoted\" word",
        "back\\slash",
        "tab\there, line\nbreak, return\r, feed\u{c}, bell\u{7}, nul\u{0}, unit\u{1f}",
        "del\u{7f} is not escaped",
        "£80m for the café — “smart” quotes, 日本語 and 😀",
        "</script><!-- -->&amp;",
        "ends with a backslash\\",
        "\"",
    ];

    #[test]
    fn writes_what_serde_json_writes_for_every_field() {
        for text in TEXTS {
            for score in [0.0, 0.966, 1.0, 1e-7, 123456.79, f32::NAN, f32::INFINITY] {
                let response = full_response(text, score);
                assert_eq!(
                    String::from_utf8(response.to_json()).unwrap(),
                    serde_json::to_string(&response).unwrap(),
                    "{text:?} {score}"
                );
            }
            let response = sparse_response(text);
            assert_eq!(
                String::from_utf8(response.to_json()).unwrap(),
                serde_json::to_string(&response).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn finds_each_escaped_character_anywhere_in_a_long_text() {
        let long = "a".repeat(100);
        assert!(!needs_escaping(&long));
        assert!(!needs_escaping("£ — 😀 \u{7f} ~"));
        for escaped in ['"', '\\', '\n', '\u{0}', '\u{1f}'] {
            for at in [0, 1, 31, 32, 63, 99] {
                let mut text = long.clone();
                text.replace_range(at..at + 1, &escaped.to_string());
                assert!(needs_escaping(&text), "{escaped:?} at {at}");
            }
        }
    }

    #[test]
    fn every_shipped_answer_is_written_as_serde_json_writes_it() {
        let (_dir, engine) = super::super::tests::shipped_engine();
        let questions =
            super::super::tests::questions(include_str!("../../tests/data/extra.jsonl"));
        assert!(questions.len() > 50);
        for q in questions {
            let request = crate::AskRequest {
                q,
                limit: None,
                context: None,
            };
            let mut response = engine.ask(&request).unwrap();
            response.feedback_url = Some("/api/v1/feedback".into());
            assert_eq!(
                response.to_json(),
                serde_json::to_vec(&response).unwrap(),
                "{}",
                request.q
            );
        }
    }
}
