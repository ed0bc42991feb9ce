//! The report's lists of votes: answers by "not helpful" votes, and confident answers voted
//! so, each vote matched to the ask it rates.

// std's HashMap (SipHash under a random key) on purpose, not Fx: these maps are keyed by what
// the public typed (questions, site ids), which an unkeyed hash would let them make collide.
use std::collections::HashMap;

use super::period::DAY;
use super::query::{site_counts, SITE_IS};
use super::{AnswerVotes, ConfidentVotes, CONFIDENT};
use crate::store::db::{args, count_if, Conn};
use crate::store::StoreError;

/// How long before a vote the ask it rates may have been asked.
const VOTE_LOOKBACK: i64 = DAY;

/// Answers by "not helpful" votes since `from` (from `site`, when given).
pub(super) fn votes(
    conn: &Conn,
    from: i64,
    site: Option<&str>,
    top: usize,
) -> Result<Vec<AnswerVotes>, StoreError> {
    let limit = i64::try_from(top).unwrap_or(i64::MAX);
    let not_helpful = count_if("helpful = 0");
    let rows = conn.query_map(
        &format!(
            "SELECT answer_id, {not_helpful} AS nh, {} AS h
             FROM feedback WHERE at >= ?1 AND {SITE_IS}
             GROUP BY answer_id HAVING {not_helpful} > 0
             ORDER BY nh DESC, h ASC, answer_id LIMIT ?3",
            count_if("helpful = 1"),
        ),
        &args![from, site, limit],
        |r| Ok((r.string(0)?, r.int(1)?, r.int(2)?)),
    )?;
    let questions = format!(
        "SELECT question FROM feedback
         WHERE at >= ?1 AND {SITE_IS} AND answer_id = ?3 AND helpful = 0
         GROUP BY question ORDER BY COUNT(*) DESC, MAX(at) DESC LIMIT 3"
    );
    let comments = format!(
        "SELECT comment FROM feedback
         WHERE at >= ?1 AND {SITE_IS} AND answer_id = ?3 AND helpful = 0
           AND comment IS NOT NULL
         ORDER BY at DESC, id DESC LIMIT 3"
    );
    let mut out = Vec::new();
    for (answer_id, nh, h) in rows {
        let qs = conn.query_map(&questions, &args![from, site, &answer_id], |r| r.string(0))?;
        let cs = conn.query_map(&comments, &args![from, site, &answer_id], |r| r.string(0))?;
        out.push(AnswerVotes {
            answer_id,
            title: None,
            not_helpful: nh as u64,
            helpful: h as u64,
            questions: qs,
            comments: cs,
        });
    }
    Ok(out)
}

/// "Not helpful" votes since `from` (from `site`, when given) on answers given with
/// confidence of at least [`CONFIDENT`], by answer, most votes first. Each vote rates the
/// latest ask with its answer id and question topic in the [`VOTE_LOOKBACK`] up to it.
///
/// The asks are read once, in time order, keeping only those whose answer and topic some
/// vote names: the cost is one pass over the period's asks however many votes there are.
pub(super) fn confident_not_helpful(
    conn: &Conn,
    from: i64,
    site: Option<&str>,
    top: usize,
) -> Result<Vec<ConfidentVotes>, StoreError> {
    struct Vote {
        at: i64,
        answer_id: String,
        topic: String,
        question: String,
        comment: Option<String>,
        site: Option<String>,
    }
    let votes: Vec<Vote> = conn.query_map(
        &format!(
            "SELECT at, answer_id, topic, question, comment, site FROM feedback
             WHERE at >= ?1 AND {SITE_IS} AND helpful = 0 ORDER BY at, id"
        ),
        &args![from, site],
        |r| {
            Ok(Vote {
                at: r.int(0)?,
                answer_id: r.string(1)?,
                topic: r.string(2)?,
                question: r.string(3)?,
                comment: r.opt_string(4)?,
                site: r.opt_string(5)?,
            })
        },
    )?;
    if votes.is_empty() {
        return Ok(Vec::new());
    }
    // Answer id → topic → the asks given it: (when, confidence), in time order.
    let mut given: HashMap<String, HashMap<String, Vec<(i64, f64)>>> = HashMap::new();
    for v in &votes {
        given
            .entry(v.answer_id.clone())
            .or_default()
            .entry(v.topic.clone())
            .or_default();
    }
    conn.query_each(
        "SELECT at, answer_id, topic, confidence FROM asks
         WHERE at >= ?1 AND answer_id IS NOT NULL AND confidence IS NOT NULL
         ORDER BY at, id",
        &args![from - VOTE_LOOKBACK],
        |r| {
            // Borrowed, not copied: most asks match no vote.
            let Some(topics) = given.get_mut(r.text(1)?) else {
                return Ok(());
            };
            if let Some(asks) = topics.get_mut(r.text(2)?) {
                asks.push((r.int(0)?, r.real(3)?));
            }
            Ok(())
        },
    )?;

    #[derive(Default)]
    struct Acc {
        votes: u64,
        confidence_sum: f64,
        /// Question → (votes, last vote).
        questions: HashMap<String, (u64, i64)>,
        /// Oldest first.
        comments: Vec<String>,
        sites: HashMap<Option<String>, u64>,
    }
    let mut by_answer: HashMap<String, Acc> = HashMap::new();
    for v in votes {
        let asks = &given[&v.answer_id][&v.topic];
        let before = asks.partition_point(|&(at, _)| at <= v.at);
        let Some(&(at, confidence)) = before.checked_sub(1).map(|i| &asks[i]) else {
            continue;
        };
        // Compared as the engine gave it (f32): 0.7 stored as f64 reads 0.69999998…
        let confident = confidence as f32 >= CONFIDENT;
        if at < v.at - VOTE_LOOKBACK || !confident {
            continue;
        }
        let acc = by_answer.entry(v.answer_id).or_default();
        acc.votes += 1;
        acc.confidence_sum += confidence;
        let q = acc.questions.entry(v.question).or_default();
        q.0 += 1;
        q.1 = q.1.max(v.at);
        acc.comments.extend(v.comment);
        *acc.sites.entry(v.site).or_default() += 1;
    }
    let mut out: Vec<ConfidentVotes> = by_answer
        .into_iter()
        .map(|(answer_id, acc)| {
            let mut questions: Vec<(String, (u64, i64))> = acc.questions.into_iter().collect();
            questions.sort_by(|a, b| {
                b.1 .0
                    .cmp(&a.1 .0)
                    .then(b.1 .1.cmp(&a.1 .1))
                    .then(a.0.cmp(&b.0))
            });
            ConfidentVotes {
                answer_id,
                title: None,
                votes: acc.votes,
                confidence: acc.confidence_sum / acc.votes as f64,
                questions: questions.into_iter().take(3).map(|(q, _)| q).collect(),
                comments: acc.comments.into_iter().rev().take(3).collect(),
                sites: site_counts(acc.sites),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.votes
            .cmp(&a.votes)
            .then(b.confidence.total_cmp(&a.confidence))
            .then(a.answer_id.cmp(&b.answer_id))
    });
    out.truncate(top);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::store::report::tests::{asked, stores_with, vote, NOW};
    use crate::store::report::{List, Period, Report, SiteCount};

    #[test]
    fn confident_answers_voted_not_helpful_are_matched_to_the_ask_they_rate() {
        let asks = [
            // Confident, voted not helpful twice: matched by topic (case, punctuation).
            asked(
                10,
                Some("leeds"),
                "Is there a helpline?",
                Some(("faq-01", "faq", 0.9)),
                None,
            ),
            asked(
                9,
                None,
                "is there a helpline",
                Some(("faq-01", "faq", 0.8)),
                None,
            ),
            // At the threshold exactly (given as f32, as the engine does).
            asked(
                10,
                None,
                "who led parsol",
                Some(("parsol", "project", 0.7)),
                None,
            ),
            // Not confident.
            asked(
                10,
                None,
                "what does planit do",
                Some(("planit", "project", 0.5)),
                None,
            ),
            // Confident once, but the latest ask before the vote was not.
            asked(
                30,
                None,
                "when are bins collected",
                Some(("bins", "project", 0.95)),
                None,
            ),
            asked(
                20,
                None,
                "when are bins collected",
                Some(("bins", "project", 0.4)),
                None,
            ),
            // Confident, but more than a day before its vote.
            asked(
                2 * 24 * 60,
                None,
                "old question",
                Some(("faq-02", "faq", 0.99)),
                None,
            ),
        ];
        let feedback = [
            vote(5, Some("leeds"), "faq-01", "IS THERE A HELPLINE", false),
            vote(4, None, "faq-01", "is there a helpline?", false),
            vote(3, None, "faq-01", "is there a helpline", true),
            vote(5, None, "parsol", "Who led PARSOL?", false),
            vote(5, None, "planit", "what does planit do", false),
            vote(5, None, "bins", "when are bins collected", false),
            vote(5, None, "faq-02", "old question", false),
            // No ask at all for this question, or not with this answer.
            vote(5, None, "faq-01", "a question never asked", false),
            vote(5, None, "faq-02", "who led parsol", false),
            // A vote before its ask rates an earlier one (there is none).
            vote(15, None, "planit", "is there a helpline", false),
        ];
        for (conn, _store) in stores_with(&asks, &feedback) {
            let mut report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
            report.fill_titles(|id| (id == "faq-01").then(|| "Is there a helpline?".into()));
            let found: Vec<(&str, u64)> = report
                .confident_not_helpful
                .iter()
                .map(|v| (v.answer_id.as_str(), v.votes))
                .collect();
            assert_eq!(found, [("faq-01", 2), ("parsol", 1)]);
            // Both votes rate the latest ask before them (0.8), not the earlier one (0.9).
            let helpline = &report.confident_not_helpful[0];
            assert!((helpline.confidence - 0.8).abs() < 1e-6, "{helpline:?}");
            assert_eq!(helpline.title.as_deref(), Some("Is there a helpline?"));
            assert_eq!(helpline.questions.len(), 2, "{helpline:?}");
            assert_eq!(
                helpline.sites,
                [
                    SiteCount {
                        site: Some("leeds".into()),
                        count: 1
                    },
                    SiteCount {
                        site: None,
                        count: 1
                    }
                ]
            );
            // Every "not helpful" vote still counts in the other list.
            assert_eq!(report.not_helpful_votes, 9);

            let csv = report.csv(List::ConfidentNotHelpful);
            assert!(
                csv.starts_with("answer_id,title,not_helpful_confident,mean_confidence,questions,comments,sites\r\n"),
                "{csv}"
            );
            assert!(
                csv.contains("\r\nfaq-01,Is there a helpline?,2,0.80,"),
                "{csv}"
            );
            assert!(
                csv.contains("\r\nparsol,,1,0.70,Who led PARSOL?,,(no site) (1)\r\n"),
                "{csv}"
            );
            let text = report.text();
            assert!(
                text.contains("Confident but voted not helpful (confidence 0.7 or more)"),
                "{text}"
            );

            // A site filter reads that site's votes only.
            let leeds =
                Report::load_site(&conn, Period { days: 7 }, Some("leeds"), NOW, 10).unwrap();
            assert_eq!(leeds.confident_not_helpful.len(), 1);
            assert_eq!(leeds.confident_not_helpful[0].votes, 1);
        }
    }
}
