//! Turning a ranking into the response a reader sees: the answer and its passage, the passages
//! that support it, suggested projects and follow-up questions, and the fallback.

use super::*;

impl Engine {
    pub(super) fn respond<'e>(
        &'e self,
        q: &str,
        question: Question,
        mut candidates: Vec<Candidate<'e>>,
        ranking: &rank::Ranking,
        limit: usize,
    ) -> (AskResponse, Option<ConfidenceFeatures>) {
        let Question {
            analyzed,
            weights,
            slots,
        } = question;
        let entries = self.entries();
        let ranked = &ranking.entries;
        let top = ranked.first();
        // An assistant reply wins when its phrasing is close and no entry of the programme
        // is asked for more closely.
        if let Some((entry, similarity)) = ranking.assistant {
            let beaten = top.is_some_and(|t| t.similarity() > similarity);
            if similarity >= MIN_ASSISTANT_SIMILARITY
                && !beaten
                && !self.declines.excused(entry, &analyzed.stems)
            {
                return (self.assistant_response(q, entry), None);
            }
        }
        let unknown_share = self.unknown_share(analyzed, weights);
        // Does the answer entry state a fact of the kind asked for, if one is asked?
        let mut states_fact = true;
        let chosen = top.map(|top| {
            self.read_whole_entry(analyzed, &mut candidates, top.entry);
            let info = &self.info[top.entry];
            // Words that ask for a kind of answer the sections give ("led", "produce") are
            // left to the sections: "who ran it?" is not about a passage that says "run".
            let cues: Vec<u32> = match analyzed.shape.asks {
                Some(asks) if !intent::is_factual(asks) => analyzed
                    .shape
                    .cue_terms
                    .iter()
                    .map(|t| self.stats.id(t))
                    .collect(),
                _ => Vec::new(),
            };
            let kinds: Vec<u32> = analyzed
                .shape
                .kind_terms
                .iter()
                .map(|t| self.stats.id(t))
                .collect();
            let focus = reader::focus_weights(analyzed, weights, |id| {
                info.is_subject(id) || cues.contains(&id)
            });
            let own: Vec<usize> = (0..candidates.len())
                .filter(|i| candidates[*i].entry == top.entry)
                .collect();
            let reads: Vec<reader::Read> = own
                .iter()
                .map(|i| {
                    let c = &candidates[*i];
                    reader::Read {
                        number: c.number,
                        section: c.passage.section.as_deref(),
                        states_fact: c.typed,
                        says_kind: kinds
                            .iter()
                            .any(|id| c.terms.distinct.binary_search(id).is_ok()),
                        terms: &c.terms.distinct,
                        words: &c.terms.spans,
                    }
                })
                .collect();
            states_fact = !analyzed.shape.asks.is_some_and(intent::is_factual)
                || reads.iter().any(|r| r.states_fact);
            let choice = reader::choose(analyzed, slots, &focus, analyzed.shape.asks, &reads);
            let features = self.confidence_features(analyzed, unknown_share, ranked, choice.fit);
            (own[choice.index], features)
        });
        let features = chosen.map(|(_, z)| z);
        let chosen = chosen.map(|(i, z)| (i, self.settings.model.confidence(&z)));
        // The confidence is fitted on questions the corpus could answer; one that is mostly
        // words the corpus has never seen ("who won the football last night") is about
        // something else, however well one word of it matched.
        // With no threshold at all, every ranked answer is given (what measures the ranking).
        // A question asking for a figure of the entry it refers to or names ("how much did it
        // cost?", "how many cards did the smart card project issue?") is not answered from a
        // passage that says something else when none of the entry's passages states one: the
        // directory does not know, and says so.
        // Nor is a follow-up the entry has none of the words of, asking for no kind of answer
        // ("is it still used?" after RYOGENS): its first passage would be all it could give,
        // which says nothing of that.
        let kept = top.filter(|t| Some(t.entry) == ranking.kept_to);
        let about_it = kept.is_some() || top.is_some_and(|t| t.named());
        let unstated = (about_it && !states_fact)
            || kept.is_some_and(|t| {
                analyzed.shape.asks.is_none()
                    && t.coverage() <= 0.0
                    && weights.iter().any(|w| *w > 0.0)
            });
        let confident = chosen.filter(|(_, p)| {
            !unstated && features.is_some_and(|z| is_served(self.settings.min_confidence, *p, &z))
        });
        let answer = confident.zip(top).map(|((chosen, confidence), top)| {
            let c = &candidates[chosen];
            // Read now: a candidate carries its analysis, not its text. One that cannot be
            // read is logged and shown empty, as `passage_texts` does.
            let text = self.text_at(c.ordinal).unwrap_or_default().into_owned();
            passage_answer(&entries[top.entry], c.number, text, round(confidence))
        });

        // Passages that support the answer: the answer's own first, then those of entries
        // nearly as likely, each accounting for much of the question. Without an answer, the
        // closest passages are offered as they rank.
        let top_score = top.map_or(0.0, |t| t.score);
        let likely = |r: &Ranked| (r.score - top_score).exp();
        let entry_rank: HashMap<usize, (usize, f32)> = ranked
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                *i == 0
                    || answer.is_none()
                    || (likely(r) >= SUPPORT_SHARE && r.coverage() >= PROJECT_COVERAGE)
            })
            .map(|(i, r)| (r.entry, (i, likely(r))))
            .collect();
        let chosen_ordinal = confident.map(|(i, _)| candidates[i].ordinal);
        let mut programme: Vec<(f32, &Candidate)> = Vec::with_capacity(candidates.len());
        programme.extend(candidates.iter().filter_map(|c| {
            let (_, likelihood) = entry_rank.get(&c.entry)?;
            let first = Some(c.ordinal) == chosen_ordinal;
            (first || c.coverage > 0.0 && c.bm25 > 0.0).then(|| {
                (
                    if first {
                        2.0
                    } else {
                        0.6 * likelihood + 0.4 * c.coverage
                    },
                    c,
                )
            })
        }));
        programme.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.ordinal.cmp(&b.1.ordinal)));
        let passages = self.passage_hits(analyzed, &programme, limit);
        let projects = self.suggest_projects(ranked, confident.map(|(i, _)| &candidates[i]));
        // Follow-up questions may lead further afield than the passages listed: the answer's
        // related entries, then every entry ranked that accounts for some of the question.
        let next = ranked
            .iter()
            .filter(|r| r.coverage() > 0.0)
            .map(|r| r.entry);
        let suggestions = self.suggestions(answer.as_ref(), next);
        let fallback = answer.is_none().then(|| self.fallback(None));
        // A follow-up declined about the project it kept to ("who were the partners?" of one
        // that names none) leaves the conversation on that project, not on a suggestion.
        let kept_project = ranking
            .kept_to
            .filter(|e| answer.is_none() && self.entries()[*e].kind == Kind::Project)
            .map(|e| self.entries()[e].id.clone());
        let context = Context {
            answer_id: answer.as_ref().map(|a| a.id.clone()),
            passage_id: answer.as_ref().and_then(|a| a.passage_id.clone()),
            projects: kept_project
                .into_iter()
                .chain(projects.iter().map(|p| p.id.clone()))
                .fold(Vec::new(), |mut ids, id| {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                    ids
                }),
        };
        let response = AskResponse {
            query: q.to_string(),
            answer,
            passages,
            projects,
            suggestions,
            did_you_mean: analyzed.corrected.clone(),
            fallback,
            context,
            feedback_url: None,
            declined: None,
        };
        (response, features)
    }

    /// The reply of an assistant entry: its text for a reply ("hello"), or no answer and its
    /// text as the fallback's message for a decline (a resident's own council business). A
    /// reply's related projects come with it ("which project do you mean?" offers some).
    pub(super) fn assistant_response(&self, q: &str, entry: usize) -> AskResponse {
        let e = &self.entries()[entry];
        let first = e.passages.first();
        let first_text = self.passage_texts(e).next();
        let intent = e.assistant.as_ref().map(|a| a.intent);
        let answer = (intent == Some(Intent::Reply)).then(|| Answer {
            id: e.id.clone(),
            kind: e.kind.as_str().to_string(),
            title: e.title.clone(),
            text: first_text.as_deref().unwrap_or_default().to_string(),
            passage_id: first.map(|_| e.passage_id(0)),
            url: None,
            confidence: 1.0,
        });
        let fallback = answer
            .is_none()
            .then(|| self.fallback(first_text.as_deref()));
        let (suggestions, projects) = if answer.is_some() {
            let projects: Vec<ProjectHit> = e
                .related
                .iter()
                .filter_map(|id| self.entry_index.get(id))
                .filter_map(|i| self.project_hit(*i, 1.0))
                .take(MAX_PROJECTS)
                .collect();
            (
                self.suggestions(answer.as_ref(), std::iter::empty()),
                projects,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        AskResponse {
            query: q.to_string(),
            context: Context {
                answer_id: answer.as_ref().map(|a| a.id.clone()),
                passage_id: None,
                projects: Vec::new(),
            },
            answer,
            passages: Vec::new(),
            projects,
            suggestions,
            did_you_mean: None,
            fallback,
            feedback_url: None,
            declined: (intent == Some(Intent::Decline)).then(|| e.id.clone()),
        }
    }

    pub(super) fn passage_hits(
        &self,
        analyzed: &Analyzed,
        programme: &[(f32, &Candidate)],
        limit: usize,
    ) -> Vec<PassageHit> {
        let entries = self.entries();
        let mut highlight_terms: Vec<u32> = analyzed.ids.all().collect();
        highlight_terms.sort_unstable();
        highlight_terms.dedup();
        let highlight_mask = terms::mask_of(highlight_terms.iter().copied());
        programme
            .iter()
            .take(limit)
            .map(|(score, c)| {
                let entry = &entries[c.entry];
                let text = self.text_at(c.ordinal).unwrap_or_default();
                PassageHit {
                    id: entry.passage_id(c.number),
                    entry_id: entry.id.clone(),
                    kind: entry.kind.as_str().to_string(),
                    title: entry.title.clone(),
                    highlights: passage_highlights(
                        &c.terms,
                        &text,
                        &highlight_terms,
                        &highlight_mask,
                    ),
                    text: text.into_owned(),
                    section: c.passage.section.as_deref().map(str::to_string),
                    url: entry.url(),
                    score: round(score.min(1.0)),
                }
            })
            .collect()
    }

    /// Projects worth a look: those ranked nearly as likely as the best entry that account for
    /// much of the question, and those the answer's passage names (the FAQ's "Macclesfield …
    /// PARSOL" example suggests PARSOL).
    pub(super) fn suggest_projects(
        &self,
        ranked: &[Ranked],
        answer: Option<&Candidate>,
    ) -> Vec<ProjectHit> {
        let top_score = ranked.first().map_or(0.0, |t| t.score);
        let mut chosen: Vec<(usize, f32)> = Vec::with_capacity(MAX_PROJECTS);
        let mut add = |entry: usize, likelihood: f32| {
            if !chosen.iter().any(|(e, _)| *e == entry) {
                chosen.push((entry, likelihood));
            }
        };
        for r in ranked {
            let likelihood = (r.score - top_score).exp();
            if likelihood < PROJECT_SHARE {
                break;
            }
            if self.entries()[r.entry].kind == Kind::Project && r.coverage() >= PROJECT_COVERAGE {
                add(r.entry, likelihood);
            }
        }
        if let Some(c) = answer {
            for id in c.terms.distinct.iter() {
                if let Some(&project) = self.project_mentions.get(id) {
                    add(project, 1.0);
                }
            }
        }
        chosen
            .into_iter()
            .filter_map(|(entry, likelihood)| self.project_hit(entry, likelihood))
            .take(MAX_PROJECTS)
            .collect()
    }

    pub(super) fn project_hit(&self, entry: usize, score: f32) -> Option<ProjectHit> {
        let entry = &self.entries()[entry];
        let p = entry.project.as_ref()?;
        Some(ProjectHit {
            id: entry.id.clone(),
            name: p.name.clone(),
            short_name: p.short_name.clone(),
            summary: p.summary.clone(),
            lead: p.lead.clone(),
            url: entry.url().unwrap_or_default(),
            score: round(score),
        })
    }

    /// Follow-up questions: the answer's related entries, then the next best entries.
    pub(super) fn suggestions(
        &self,
        answer: Option<&Answer>,
        ranked: impl Iterator<Item = usize>,
    ) -> Vec<String> {
        let entries = self.entries();
        let answer_entry = answer.and_then(|a| self.entry_index.get(&a.id).copied());
        let related = answer_entry.into_iter().flat_map(|i| {
            entries[i]
                .related
                .iter()
                .filter_map(|id| self.entry_index.get(id).copied())
        });
        let mut seen = HashSet::default();
        related
            .chain(ranked)
            .filter(|i| Some(*i) != answer_entry && seen.insert(*i))
            .filter_map(|i| question_for(&entries[i]))
            .take(MAX_SUGGESTIONS)
            .collect()
    }

    pub(super) fn fallback(&self, declined_message: Option<&str>) -> Fallback {
        let message = declined_message.map(str::to_string).unwrap_or_else(|| {
            self.entry("no-answer")
                .and_then(|e| self.passage_texts(e).next())
                .map(Cow::into_owned)
                .unwrap_or_else(|| "Sorry, I don't have an answer to that.".to_string())
        });
        Fallback {
            message,
            helpline: self.helpline.clone(),
            directory_url: "/projects".to_string(),
        }
    }
}

/// The question a suggestion chip asks for an entry.
pub(super) fn question_for(entry: &Entry) -> Option<String> {
    match entry.kind {
        Kind::Faq => Some(entry.title.clone()),
        Kind::Project => entry.project.as_ref().map(|p| {
            // Joined by hand: `format!` cost several times the copy.
            let mut question = String::with_capacity(p.short_name.len() + 16);
            question.push_str("What did ");
            question.push_str(&p.short_name);
            question.push_str(" do?");
            question
        }),
        Kind::Assistant => None,
    }
}

/// [`highlight::ranges`] of a passage's `text`, from its analysis: its words whose terms are
/// in `terms` (sorted, with their [`terms::mask_of`] in `mask`, which rules most words out
/// unsearched).
pub(super) fn passage_highlights(
    analyzed: &PassageTerms,
    text: &str,
    terms: &[u32],
    mask: &terms::TermMask,
) -> Vec<[usize; 2]> {
    let matching = analyzed
        .spans
        .iter()
        .filter(|(id, _, _)| mask.may_hold(*id) && terms.binary_search(id).is_ok())
        .map(|(_, from, to)| (*from as usize, *to as usize));
    highlight::merge(text, matching)
}

pub(super) fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// The answer passage `number` of `entry`, whose text is `text`, gives with `confidence`.
pub(super) fn passage_answer(
    entry: &Entry,
    number: usize,
    text: String,
    confidence: f32,
) -> Answer {
    Answer {
        id: entry.id.clone(),
        kind: entry.kind.as_str().to_string(),
        title: entry.title.clone(),
        text,
        passage_id: Some(entry.passage_id(number)),
        url: entry.url(),
        confidence,
    }
}
