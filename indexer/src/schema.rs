//! The tantivy schema. Each entry is indexed as one *entry document* (its title, alternate
//! phrasings, names and keywords: the ways people ask for it) and one *passage document* per
//! passage (its text and section). Keeping the two apart lets ranking tell a matching FAQ
//! question or project name from a passing mention in body text, without every passage of a
//! project repeating the project's names and crowding out other entries.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};

use crate::analysis::ANALYZER;

/// The `level` of an entry document.
pub const LEVEL_ENTRY: &str = "entry";
/// The `level` of a passage document.
pub const LEVEL_PASSAGE: &str = "passage";

/// Handles to every field of a Signpost index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `entry#pN`, stored; absent on entry documents.
    pub passage_id: Field,
    /// The entry's id, stored and indexed as one term.
    pub entry_id: Field,
    /// `faq`, `project` or `assistant`, stored and indexed as one term.
    pub kind: Field,
    /// [`LEVEL_ENTRY`] or [`LEVEL_PASSAGE`], stored and indexed as one term.
    pub level: Field,
    /// FAQ question or project name with short name.
    pub title: Field,
    /// The entry's alternate phrasings (and an assistant entry's triggers).
    pub alternates: Field,
    /// A project's name, short name and aliases.
    pub names: Field,
    /// A project's everyday keywords.
    pub keywords: Field,
    /// The passage's section heading and list lead-in.
    pub context: Field,
    /// The passage text, stored.
    pub body: Field,
    /// The passage's position in the manifest's corpus (entries in order, their passages in
    /// order), as a fast field: a reader finds a hit's entry and passage from it without
    /// loading the stored document. Passage documents only.
    pub ordinal: Field,
    /// The entry's position in the manifest's corpus, as a fast field, on every document.
    pub entry_ordinal: Field,
}

fn text(stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let options = TextOptions::default().set_indexing_options(indexing);
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        passage_id: builder.add_text_field("passage_id", STRING | STORED),
        entry_id: builder.add_text_field("entry_id", STRING | STORED),
        kind: builder.add_text_field("kind", STRING | STORED),
        level: builder.add_text_field("level", STRING | STORED),
        title: builder.add_text_field("title", text(false)),
        alternates: builder.add_text_field("alternates", text(false)),
        names: builder.add_text_field("names", text(false)),
        keywords: builder.add_text_field("keywords", text(false)),
        context: builder.add_text_field("context", text(false)),
        body: builder.add_text_field("body", text(true)),
        ordinal: builder.add_u64_field("ordinal", FAST),
        entry_ordinal: builder.add_u64_field("entry_ordinal", FAST),
    };
    (builder.build(), fields)
}

impl Fields {
    /// Finds the fields in an existing index's schema; `None` when it is not a Signpost schema.
    pub fn from_schema(schema: &Schema) -> Option<Fields> {
        let f = |name: &str| schema.get_field(name).ok();
        Some(Fields {
            passage_id: f("passage_id")?,
            entry_id: f("entry_id")?,
            kind: f("kind")?,
            level: f("level")?,
            title: f("title")?,
            alternates: f("alternates")?,
            names: f("names")?,
            keywords: f("keywords")?,
            context: f("context")?,
            body: f("body")?,
            ordinal: f("ordinal")?,
            entry_ordinal: f("entry_ordinal")?,
        })
    }

    /// The analyzed text fields a question is matched against.
    pub fn searchable(&self) -> [Field; 6] {
        [
            self.title,
            self.alternates,
            self.names,
            self.keywords,
            self.context,
            self.body,
        ]
    }
}
