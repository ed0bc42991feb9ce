//! The report's SQL: the period's counts, questions per day, the question groups (clustered
//! by topic) and the per-site figures, read into the plain structs of [`super`].

// std's HashMap (SipHash under a random key) on purpose, not Fx: these maps are keyed by what
// the public typed (questions, site ids), which an unkeyed hash would let them make collide.
use std::collections::HashMap;

use super::period::{date, Period, DAY};
use super::votes::{confident_not_helpful, votes};
use super::{DayCount, GroupAnswer, Outcome, QuestionGroup, Report, SiteCount, SiteFigures};
use crate::store::db::{args, count_if, Conn, Dialect};
use crate::store::topic::cluster;
use crate::store::StoreError;

/// The most distinct topics clustered for one list; the rest are single, rarely asked
/// wordings that could not reach a top list anyway.
const MAX_TOPICS: usize = 5_000;

/// The per-site figures list at least this many sites (more when a list asks for more).
const MAX_SITES: usize = 50;

/// A corpus answer (an FAQ question or a project) was given: not a decline, not a reply.
const IS_ANSWERED: &str =
    "answer_id IS NOT NULL AND declined IS NULL AND answer_kind IS DISTINCT FROM 'assistant'";
/// Declined on purpose, or answered with an assistant's reply (small talk).
const IS_DECLINED: &str = "declined IS NOT NULL OR answer_kind IS NOT DISTINCT FROM 'assistant'";

/// Small talk: an assistant's reply.
const IS_SMALL_TALK: &str = "declined IS NULL AND answer_kind IS NOT DISTINCT FROM 'assistant'";

/// A genuine gap: no answer, and not declined on purpose.
const IS_UNANSWERED: &str = "answer_id IS NULL AND declined IS NULL";

/// Only the chosen site's rows when `?2` names one.
pub(super) const SITE_IS: &str = "(CAST(?2 AS TEXT) IS NULL OR site = ?2)";

impl Report {
    /// Reads the report for `period` ending at `now` over every site, with at most `top`
    /// rows per list.
    pub fn load(conn: &Conn, period: Period, now: i64, top: usize) -> Result<Report, StoreError> {
        Report::load_site(conn, period, None, now, top)
    }

    /// Reads the report for `period` ending at `now`, for one `site` (every site when
    /// `None`), with at most `top` rows per list.
    pub fn load_site(
        conn: &Conn,
        period: Period,
        site: Option<&str>,
        now: i64,
        top: usize,
    ) -> Result<Report, StoreError> {
        let from = period.start(now);
        let at = period_filter(conn, from)?;
        let (questions, answered, declined, small_talk, unanswered) = conn.query_one(
            &format!(
                "SELECT COUNT(*), COALESCE({}, 0), COALESCE({}, 0), COALESCE({}, 0),
                        COALESCE({}, 0)
                 FROM asks WHERE {at} AND {SITE_IS}",
                count_if(IS_ANSWERED),
                count_if(IS_DECLINED),
                count_if(IS_SMALL_TALK),
                count_if(IS_UNANSWERED),
            ),
            &args![from, site],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?, r.int(4)?)),
        )?;
        let (helpful, not_helpful) = conn.query_one(
            &format!(
                "SELECT {}, {} FROM feedback WHERE at >= ?1 AND {SITE_IS}",
                count_if("helpful = 1"),
                count_if("helpful = 0"),
            ),
            &args![from, site],
            |r| Ok((r.opt_int(0)?, r.opt_int(1)?)),
        )?;

        let mut per_day: Vec<DayCount> = (0..period.days)
            .map(|d| DayCount {
                date: date(from + i64::from(d) * DAY),
                questions: 0,
                answered: 0,
                declined: 0,
            })
            .collect();
        let rows = conn.query_map(
            &format!(
                "SELECT (at - ?1) / 86400 AS day, COUNT(*), {}, {}
                 FROM asks WHERE {at} AND {SITE_IS} GROUP BY day",
                count_if(IS_ANSWERED),
                count_if(IS_DECLINED),
            ),
            &args![from, site],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?, r.int(3)?)),
        )?;
        for (day, count, answered, declined) in rows {
            if let Some(slot) = usize::try_from(day).ok().and_then(|d| per_day.get_mut(d)) {
                slot.questions = count as u64;
                slot.answered = answered as u64;
                slot.declined = declined as u64;
            }
        }

        let all_sites = sites(conn, from, at)?;
        let site_rows = top.max(MAX_SITES);
        let site_names = all_sites
            .iter()
            .filter_map(|s| s.site.clone())
            .take(site_rows)
            .collect();
        let sites = match site {
            Some(site) => all_sites
                .into_iter()
                .filter(|s| s.site.as_deref() == Some(site))
                .collect(),
            None => all_sites.into_iter().take(site_rows).collect(),
        };

        Ok(Report {
            period,
            from,
            to: now,
            site: site.map(str::to_string),
            questions: questions as u64,
            answered: answered as u64,
            declined_count: declined as u64,
            small_talk: small_talk as u64,
            unanswered_count: unanswered as u64,
            helpful_votes: helpful.unwrap_or(0) as u64,
            not_helpful_votes: not_helpful.unwrap_or(0) as u64,
            per_day,
            most_asked: groups(conn, from, at, site, Which::All, top)?,
            unanswered: groups(conn, from, at, site, Which::Unanswered, top)?,
            declined: groups(conn, from, at, site, Which::Declined, top)?,
            not_helpful: votes(conn, from, site, top)?,
            confident_not_helpful: confident_not_helpful(conn, from, site, top)?,
            sites,
            site_names,
        })
    }
}

/// Which questions a group list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    All,
    Unanswered,
    Declined,
}

/// The period's rows through the time index: right when they are a small share of the table.
const WINDOW_BY_INDEX: &str = "at >= ?1";

/// The period's rows in table order (`+at` keeps SQLite off the index): right when they are
/// most of it, as over the whole retention period, where the index costs a random read per
/// row (90 days of a 400k-row store: 1.13 s through the index, 0.30 s in order; even 7 days
/// of it, 8% of the rows, read faster in order).
const WINDOW_IN_ORDER: &str = "+at >= ?1";

/// How the asks of the period since `from` are best read. The store never runs `ANALYZE`, so
/// SQLite would take the index whatever the share; two index-only counts decide instead.
/// PostgreSQL plans from its own statistics (autovacuum keeps them): the hint and the counts,
/// a scan of the whole table there, would be wasted.
fn period_filter(conn: &Conn, from: i64) -> Result<&'static str, StoreError> {
    if conn.dialect() == Dialect::Postgres {
        return Ok(WINDOW_BY_INDEX);
    }
    let (inside, all) = conn.query_one(
        "SELECT (SELECT COUNT(*) FROM asks WHERE at >= ?1), (SELECT COUNT(*) FROM asks)",
        &args![from],
        |r| Ok((r.int(0)?, r.int(1)?)),
    )?;
    Ok(if inside * 20 < all {
        WINDOW_BY_INDEX
    } else {
        WINDOW_IN_ORDER
    })
}

/// Each wording asked since `?1` (from site `?2`, when given) with its topic, what it got
/// (the answer, reply or decline, and whether it was a decline), the answer's kind and the
/// site; how often, how often answered, when last, and its confidences' sum and count.
fn groups_sql(which: Which, at: &str) -> String {
    let filter = match which {
        Which::All => String::new(),
        Which::Unanswered => format!("AND ({IS_UNANSWERED})"),
        Which::Declined => format!("AND ({IS_DECLINED})"),
    };
    format!(
        "SELECT topic, question, COALESCE(declined, answer_id) AS outcome,
                CASE WHEN declined IS NOT NULL THEN 1 ELSE 0 END AS was_declined, answer_kind,
                site, COUNT(*), {}, MAX(at), COALESCE(SUM(confidence), 0.0), COUNT(confidence)
         FROM asks WHERE {at} AND {SITE_IS} {filter}
         GROUP BY topic, question, outcome, was_declined, answer_kind, site",
        count_if(IS_ANSWERED)
    )
}

/// How often something was given, when last, and with what confidence.
#[derive(Debug, Default)]
struct Tally {
    count: u64,
    last: i64,
    confidence_sum: f64,
    confidence_n: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.count += other.count;
        self.last = self.last.max(other.last);
        self.confidence_sum += other.confidence_sum;
        self.confidence_n += other.confidence_n;
    }
}

/// One topic's questions: how they were worded, what they got and where they came from.
#[derive(Debug, Default)]
struct Topic {
    count: u64,
    answered: u64,
    /// Wording → (times asked, last asked).
    wordings: HashMap<String, (u64, i64)>,
    outcomes: HashMap<(String, Outcome), Tally>,
    sites: HashMap<Option<String>, u64>,
}

/// Question groups since `from`, heaviest first.
fn groups(
    conn: &Conn,
    from: i64,
    at: &str,
    site: Option<&str>,
    which: Which,
    top: usize,
) -> Result<Vec<QuestionGroup>, StoreError> {
    let mut topics: HashMap<String, Topic> = HashMap::new();
    conn.query_each(&groups_sql(which, at), &args![from, site], |r| {
        let topic = topics.entry(r.string(0)?).or_default();
        let question = r.string(1)?;
        let outcome = r.opt_string(2)?;
        let was_declined = r.flag(3)?;
        let kind = r.opt_text(4)?;
        let site = r.opt_string(5)?;
        let tally = Tally {
            count: r.int(6)? as u64,
            last: r.int(8)?,
            confidence_sum: r.real(9)?,
            confidence_n: r.int(10)? as u64,
        };
        topic.count += tally.count;
        topic.answered += r.int(7)? as u64;
        let wording = topic.wordings.entry(question).or_default();
        wording.0 += tally.count;
        wording.1 = wording.1.max(tally.last);
        *topic.sites.entry(site).or_default() += tally.count;
        if let Some(id) = outcome {
            let outcome = if was_declined {
                Outcome::Declined
            } else if kind == Some("assistant") {
                Outcome::Reply
            } else {
                Outcome::Answer
            };
            topic.outcomes.entry((id, outcome)).or_default().add(&tally);
        }
        Ok(())
    })?;
    let mut topics: Vec<(String, Topic)> = topics.into_iter().collect();
    topics.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
    topics.truncate(MAX_TOPICS);

    let clusters = cluster(&topics, |t| t.0.as_str(), |t| t.1.count);
    let mut out = Vec::new();
    for members in clusters.into_iter().take(top) {
        let members: Vec<&Topic> = members.iter().map(|&i| &topics[i].1).collect();
        let wordings = members.iter().flat_map(|t| &t.wordings);
        let (best, _) = wordings
            .clone()
            .max_by(|(a_text, a), (b_text, b)| {
                a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b_text.cmp(a_text))
            })
            .expect("a cluster has at least one wording");
        let mut outcomes: HashMap<&(String, Outcome), Tally> = HashMap::new();
        let mut sites: HashMap<&Option<String>, u64> = HashMap::new();
        for t in &members {
            for (key, tally) in &t.outcomes {
                outcomes.entry(key).or_default().add(tally);
            }
            for (site, n) in &t.sites {
                *sites.entry(site).or_default() += n;
            }
        }
        let answer = outcomes
            .into_iter()
            .max_by(|(a_key, a), (b_key, b)| {
                a.count
                    .cmp(&b.count)
                    .then(a.last.cmp(&b.last))
                    .then(b_key.0.cmp(&a_key.0))
            })
            .map(|((id, outcome), tally)| GroupAnswer {
                id: id.clone(),
                outcome: *outcome,
                title: None,
                count: tally.count,
                confidence: (tally.confidence_n > 0)
                    .then(|| tally.confidence_sum / tally.confidence_n as f64),
            });
        out.push(QuestionGroup {
            wording: best.clone(),
            count: members.iter().map(|t| t.count).sum(),
            answered: members.iter().map(|t| t.answered).sum(),
            wordings: members.iter().map(|t| t.wordings.len() as u64).sum(),
            last_asked: wordings.map(|(_, w)| w.1).max().unwrap_or(0),
            answer,
            sites: site_counts(sites.into_iter().map(|(s, n)| (s.clone(), n))),
        });
    }
    Ok(out)
}

/// Site counts, most first; no site last.
pub(super) fn site_counts(
    counts: impl IntoIterator<Item = (Option<String>, u64)>,
) -> Vec<SiteCount> {
    let mut out: Vec<SiteCount> = counts
        .into_iter()
        .map(|(site, count)| SiteCount { site, count })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.site.is_none().cmp(&b.site.is_none()))
            .then(a.site.cmp(&b.site))
    });
    out
}

/// Every site's figures since `from`, most questions (then votes) first, no site last.
fn sites(conn: &Conn, from: i64, at: &str) -> Result<Vec<SiteFigures>, StoreError> {
    let mut by_site: HashMap<Option<String>, SiteFigures> = HashMap::new();
    let figures = |site: Option<String>| SiteFigures {
        site,
        questions: 0,
        answered: 0,
        declined: 0,
        unanswered: 0,
        helpful_votes: 0,
        not_helpful_votes: 0,
    };
    let sql = format!(
        "SELECT site, COUNT(*), {}, {}, {} FROM asks WHERE {at} GROUP BY site",
        count_if(IS_ANSWERED),
        count_if(IS_DECLINED),
        count_if(IS_UNANSWERED),
    );
    conn.query_each(&sql, &args![from], |r| {
        let site = r.opt_string(0)?;
        let s = by_site.entry(site.clone()).or_insert_with(|| figures(site));
        s.questions = r.int(1)? as u64;
        s.answered = r.int(2)? as u64;
        s.declined = r.int(3)? as u64;
        s.unanswered = r.int(4)? as u64;
        Ok(())
    })?;
    let sql = format!(
        "SELECT site, {}, {} FROM feedback WHERE at >= ?1 GROUP BY site",
        count_if("helpful = 1"),
        count_if("helpful = 0"),
    );
    conn.query_each(&sql, &args![from], |r| {
        let site = r.opt_string(0)?;
        let s = by_site.entry(site.clone()).or_insert_with(|| figures(site));
        s.helpful_votes = r.int(1)? as u64;
        s.not_helpful_votes = r.int(2)? as u64;
        Ok(())
    })?;
    let mut out: Vec<SiteFigures> = by_site.into_values().collect();
    out.sort_by(|a, b| {
        b.questions
            .cmp(&a.questions)
            .then(
                (b.helpful_votes + b.not_helpful_votes)
                    .cmp(&(a.helpful_votes + a.not_helpful_votes)),
            )
            .then(a.site.is_none().cmp(&b.site.is_none()))
            .then(a.site.cmp(&b.site))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::tests::{ask, store_with, NOW};
    use crate::store::AskRecord;

    #[test]
    fn a_period_of_most_rows_is_read_in_order_and_a_small_one_through_the_index() {
        let asks: Vec<AskRecord> = (0..200)
            .map(|i| ask(i % 100, &format!("question {}", i % 7), None))
            .collect();
        let (conn, _store) = store_with(&asks, &[]);
        assert_eq!(period_filter(&conn, NOW - DAY).unwrap(), WINDOW_BY_INDEX);
        assert_eq!(
            period_filter(&conn, NOW - 90 * DAY).unwrap(),
            WINDOW_IN_ORDER
        );
        let plan: Vec<String> = conn
            .sqlite()
            .unwrap()
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                groups_sql(Which::All, WINDOW_IN_ORDER)
            ))
            .unwrap()
            .query_map(rusqlite::params![NOW - 90 * DAY, None::<String>], |r| {
                r.get(3)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|step| step == "SCAN asks"), "{plan:?}");
        // Either way the same groups come back.
        let by = |at: &str| {
            let mut groups = groups(&conn, NOW - 90 * DAY, at, None, Which::All, 10).unwrap();
            groups.sort_by(|a, b| a.wording.cmp(&b.wording));
            groups
        };
        assert_eq!(by(WINDOW_BY_INDEX), by(WINDOW_IN_ORDER));
    }

    #[test]
    fn question_groups_read_only_the_window_by_time() {
        let asks: Vec<AskRecord> = (0..200)
            .map(|i| ask(i % 100, &format!("question {}", i % 7), None))
            .collect();
        // No ANALYZE, as in service: with an index on the topic, SQLite chose to scan every
        // row in topic order.
        let (conn, _store) = store_with(&asks, &[]);
        let plan = |sql: &str| -> Vec<String> {
            conn.sqlite()
                .unwrap()
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(rusqlite::params![NOW - DAY, Some("leeds")], |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        for which in [Which::All, Which::Unanswered, Which::Declined] {
            let steps = plan(&groups_sql(which, WINDOW_BY_INDEX));
            assert!(
                steps
                    .iter()
                    .any(|step| step.contains("USING INDEX asks_at")),
                "{which:?}: {steps:?}"
            );
        }
        // The confident-not-helpful pass reads the asks in time order through the index.
        let steps = plan(
            "SELECT at, answer_id, topic, confidence FROM asks
             WHERE at >= ?1 AND answer_id IS NOT NULL AND confidence IS NOT NULL AND ?2 = ?2
             ORDER BY at, id",
        );
        assert!(
            steps
                .iter()
                .any(|step| step.contains("USING INDEX asks_at"))
                && !steps.iter().any(|step| step.contains("TEMP B-TREE")),
            "{steps:?}"
        );
    }
}
