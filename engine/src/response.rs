//! The shapes Signpost answers with, exactly as docs/DESIGN.md's HTTP API describes them. These
//! are plain data: the engine fills them, the HTTP layer and `eval` serialize or read them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The answer to one question.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct AskResponse {
    pub query: String,
    pub answer: Option<Answer>,
    pub passages: Vec<PassageHit>,
    pub projects: Vec<ProjectHit>,
    pub suggestions: Vec<String>,
    pub did_you_mean: Option<String>,
    pub fallback: Option<Fallback>,
    /// What to send back as `context` with a follow-up question.
    pub context: Context,
    /// Where to `POST` a "was this helpful?" vote on this answer; `null` when this server
    /// does not collect feedback. The engine leaves it `None`; the HTTP layer sets it.
    #[serde(default)]
    pub feedback_url: Option<String>,
    /// The assistant entry that declined the question on purpose (a resident's own council
    /// business, or a question an editor marked out of scope). Not part of the API: it is
    /// recorded so the report can keep deliberate declines apart from genuine gaps.
    #[serde(skip)]
    pub declined: Option<String>,
}

/// The single best answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Answer {
    /// The entry id: `faq-05`, a project slug, or an assistant reply id.
    pub id: String,
    /// `faq`, `project` or `assistant`.
    pub kind: String,
    /// FAQ: the question as published. Project: short name and full name.
    pub title: String,
    /// The best passage, plain text.
    pub text: String,
    pub passage_id: Option<String>,
    /// The entry's own page on this server: `/faq/{id}` for an FAQ question,
    /// `/projects/{slug}` for a project; `null` for an assistant reply.
    pub url: Option<String>,
    /// 0..1: how much of the question the answer accounts for.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub confidence: f32,
}

/// A passage that supports the answer, with highlight ranges in characters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct PassageHit {
    pub id: String,
    pub entry_id: String,
    pub kind: String,
    pub title: String,
    pub text: String,
    pub section: Option<String>,
    #[schema(value_type = Vec<Vec<u32>>)]
    pub highlights: Vec<[usize; 2]>,
    /// The page of the passage's entry: `/faq/{id}` or `/projects/{slug}`.
    pub url: Option<String>,
    pub score: f32,
}

/// A project worth a look.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct ProjectHit {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub summary: String,
    pub lead: Option<String>,
    pub url: String,
    /// 0..1, relative to the most relevant project.
    pub score: f32,
}

/// What to offer when there is no answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Fallback {
    pub message: String,
    pub helpline: Option<Helpline>,
    pub directory_url: String,
}

/// The National Projects Information Phone Line, as the FAQ gives it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct Helpline {
    pub name: String,
    /// As written in the FAQ, e.g. `0870 777 0011`.
    pub number: String,
    /// A `tel:` link, e.g. `tel:+448707770011`.
    pub href: String,
}

/// The conversation state a client sends back with its next question.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct Context {
    #[serde(default)]
    pub answer_id: Option<String>,
    /// The passage the answer showed, so "tell me more" can go on from it.
    #[serde(default)]
    pub passage_id: Option<String>,
    #[serde(default)]
    pub projects: Vec<String>,
}
