//! Plain BM25 baselines for the external FAQ collections, computed by the project itself in
//! the same run as Signpost's own figures: a tantivy index in RAM with one document per FAQ
//! entry and two fields, its question alone and its question with all its answers, both
//! analysed by tantivy's own `en_stem` tokenizer (its default tokenizer, lower-casing and the
//! English stemmer). A query is its tokens as SHOULD clauses of term queries: no query syntax,
//! so no query is ever refused. This is what "BM25 over the question field" means in the
//! published figures the collections' README quotes; nothing here is tuned.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

/// tantivy's built-in analyser: its default tokenizer, lower-casing, English stemming.
const TOKENIZER: &str = "en_stem";
/// One indexing thread: a few hundred entries take milliseconds, and one segment keeps the
/// scores independent of how the entries were split over threads.
const WRITER_MEMORY: usize = 15_000_000;

/// One entry of an external collection's `faq.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct FaqEntry {
    pub id: String,
    pub question: String,
    pub answers: Vec<String>,
}

/// What each baseline searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Searched {
    /// The entry's question only.
    Question,
    /// The question and every answer, as one text.
    QuestionAndAnswers,
}

/// A BM25 index of one collection.
pub struct Bm25Baseline {
    index: Index,
    reader: IndexReader,
    id: Field,
    question: Field,
    all: Field,
}

impl Bm25Baseline {
    /// Indexes the entries in RAM.
    pub fn build(entries: &[FaqEntry]) -> tantivy::Result<Bm25Baseline> {
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let mut schema = Schema::builder();
        let id = schema.add_text_field("id", STRING | STORED);
        let question = schema.add_text_field("question", text.clone());
        let all = schema.add_text_field("all", text);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        for entry in entries {
            let mut doc = TantivyDocument::default();
            doc.add_text(id, &entry.id);
            doc.add_text(question, &entry.question);
            let mut text = entry.question.clone();
            for answer in &entry.answers {
                text.push('\n');
                text.push_str(answer);
            }
            doc.add_text(all, &text);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(Bm25Baseline {
            index,
            reader,
            id,
            question,
            all,
        })
    }

    /// The ids of the best `k` entries for a query, best first; none when the query has no
    /// token.
    pub fn search(&self, searched: Searched, q: &str, k: usize) -> tantivy::Result<Vec<String>> {
        let field = match searched {
            Searched::Question => self.question,
            Searched::QuestionAndAnswers => self.all,
        };
        let mut analyzer = self.index.tokenizer_for_field(field)?;
        let mut tokens = analyzer.token_stream(q);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        while tokens.advance() {
            let term = Term::from_field_text(field, &tokens.token().text);
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
            ));
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(k).order_by_score(),
        )?;
        top.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(doc
                    .get_first(self.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, question: &str, answers: &[&str]) -> FaqEntry {
        FaqEntry {
            id: id.into(),
            question: question.into(),
            answers: answers.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn each_field_ranks_by_its_own_text_with_stemming_and_no_query_syntax() {
        let baseline = Bm25Baseline::build(&[
            entry(
                "a",
                "How do I delete my account?",
                &["Open the settings page."],
            ),
            entry(
                "b",
                "Where are the settings?",
                &["Deleting happens under Privacy."],
            ),
            entry("c", "Strikethrough in Markdown", &["Use ~~tildes~~."]),
        ])
        .unwrap();
        for (searched, q, want) in [
            // "deleting" stems to "delet", as "delete" does.
            (Searched::Question, "deleting accounts", vec!["a"]),
            (Searched::QuestionAndAnswers, "deleting", vec!["b", "a"]),
            (Searched::Question, "settings", vec!["b"]),
            (Searched::QuestionAndAnswers, "tildes", vec!["c"]),
            // Query syntax is plain text: no error, no match on the operators.
            (Searched::Question, "- * markdown:(AND", vec!["c"]),
            (Searched::Question, "?! …", vec![]),
            (Searched::Question, "nothing shared", vec![]),
        ] {
            assert_eq!(
                baseline.search(searched, q, 3).unwrap(),
                want,
                "{searched:?} {q:?}"
            );
        }
    }
}
