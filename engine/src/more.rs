//! "Tell me more": the next passage of the entry a conversation is about, after the one the
//! previous answer showed, until the entry has nothing more to say.

use super::*;

impl Engine {
    /// The answer to "tell me more" about `entry`, whose passage `shown` (a passage id, as an
    /// answer gives it) the previous answer showed. Moving on through an entry the person
    /// chose is not a guess, so the answer is given with confidence 1, as an assistant reply
    /// is; past the entry's last passage there is no answer, and the fallback says so.
    pub(super) fn more_of(&self, q: &str, entry: usize, shown: Option<&str>) -> AskResponse {
        let e = &self.entries()[entry];
        let shown = shown.and_then(|id| (0..e.passages.len()).find(|n| e.passage_id(*n) == id));
        let next = shown.map_or(0, |n| n + 1);
        let answer = self
            .passage_texts(e)
            .nth(next)
            .map(|text| respond::passage_answer(e, next, text.into_owned(), 1.0));
        let passages: Vec<PassageHit> = answer
            .iter()
            .map(|a| PassageHit {
                id: e.passage_id(next),
                entry_id: e.id.clone(),
                kind: e.kind.as_str().to_string(),
                title: e.title.clone(),
                text: a.text.clone(),
                section: e.passages[next].section.as_deref().map(str::to_string),
                highlights: Vec::new(),
                url: e.url(),
                score: 1.0,
            })
            .collect();
        let projects: Vec<ProjectHit> = self.project_hit(entry, 1.0).into_iter().collect();
        let fallback = answer.is_none().then(|| {
            self.fallback(Some(&format!(
                "That is everything I have on {}. Ask about another project, or call the helpline.",
                e.title
            )))
        });
        AskResponse {
            query: q.to_string(),
            suggestions: self.suggestions(answer.as_ref(), std::iter::empty()),
            context: Context {
                answer_id: answer.as_ref().map(|a| a.id.clone()),
                passage_id: answer
                    .as_ref()
                    .and_then(|a| a.passage_id.clone())
                    .or_else(|| shown.map(|n| e.passage_id(n))),
                projects: projects.iter().map(|p| p.id.clone()).collect(),
            },
            answer,
            passages,
            projects,
            did_you_mean: None,
            fallback,
            feedback_url: None,
            declined: None,
        }
    }
}
