//! The report's scenarios: a store with rows, checked across the loaded lists and their
//! renderings; and the fixtures every part's tests share.

use super::period::DAY;
use super::*;
use crate::store::db::{args, Conn};
use crate::store::testing::TestStore;
use crate::store::{write, AskRecord, FeedbackRecord, MAX_SITE_CHARS};

/// 2024-03-10 12:00 UTC.
pub(super) const NOW: i64 = 1_710_072_000;

/// An SQLite store holding `asks` and `feedback`.
pub(super) fn store_with(asks: &[AskRecord], feedback: &[FeedbackRecord]) -> (Conn, TestStore) {
    let test = TestStore::sqlite();
    let mut conn = test.conn();
    write(&mut conn, asks, feedback).unwrap();
    (conn, test)
}

/// Each kind of store (SQLite, and PostgreSQL when there is a test database) holding `asks`
/// and `feedback`: a scenario runs against each.
pub(super) fn stores_with(
    asks: &[AskRecord],
    feedback: &[FeedbackRecord],
) -> Vec<(Conn, TestStore)> {
    TestStore::each()
        .into_iter()
        .map(|test| {
            let mut conn = test.conn();
            write(&mut conn, asks, feedback).unwrap();
            (conn, test)
        })
        .collect()
}

pub(super) fn ask(days_ago: i64, q: &str, answer: Option<&str>) -> AskRecord {
    AskRecord::new(NOW - days_ago * DAY, None, q, answer.map(|a| (a, 0.8)), 2)
}

/// An ask `minutes_ago` minutes before NOW from `site`, answered by `answer` (id, kind,
/// confidence) or declined by `declined`.
pub(super) fn asked(
    minutes_ago: i64,
    site: Option<&str>,
    q: &str,
    answer: Option<(&str, &str, f32)>,
    declined: Option<&str>,
) -> AskRecord {
    AskRecord::new(
        NOW - minutes_ago * 60,
        site,
        q,
        answer.map(|(id, _, c)| (id, c)),
        1,
    )
    .with_outcome(answer.map(|(_, kind, _)| kind), declined)
}

pub(super) fn vote(
    minutes_ago: i64,
    site: Option<&str>,
    id: &str,
    q: &str,
    helpful: bool,
) -> FeedbackRecord {
    FeedbackRecord::new(NOW - minutes_ago * 60, id, q, helpful, None).with_site(site)
}

#[test]
fn the_report_counts_groups_and_ranks() {
    let asks = [
        ask(0, "How do I pay council tax online?", None),
        ask(0, "pay my council tax online", None),
        ask(1, "How do I pay council tax online?", None),
        ask(1, "Who led PARSOL?", Some("parsol")),
        ask(2, "when are bins collected", None),
        ask(40, "too old for a 30 day report", None),
    ];
    let feedback = [
        FeedbackRecord::new(
            NOW,
            "parsol",
            "Who led PARSOL?",
            false,
            Some("=HYPERLINK(\"x\")"),
        ),
        FeedbackRecord::new(NOW, "parsol", "Who led PARSOL?", false, None),
        FeedbackRecord::new(NOW, "parsol", "Who led PARSOL?", true, None),
        FeedbackRecord::new(NOW, "faq-01", "helpline?", false, None),
        FeedbackRecord::new(NOW, "faq-02", "x", true, None),
    ];
    for (conn, _store) in stores_with(&asks, &feedback) {
        let report = Report::load(&conn, Period { days: 30 }, NOW, 10).unwrap();

        assert_eq!(report.questions, 5);
        assert_eq!(report.answered, 1);
        assert!((report.answered_share() - 0.2).abs() < 1e-9);
        assert_eq!((report.helpful_votes, report.not_helpful_votes), (2, 3));
        assert_eq!(report.per_day.len(), 30);
        let last3: Vec<u64> = report.per_day[27..].iter().map(|d| d.questions).collect();
        assert_eq!(last3, [1, 2, 2]);
        assert_eq!(report.per_day[29].date, "2024-03-10");

        assert_eq!(report.unanswered.len(), 2);
        let tax = &report.unanswered[0];
        assert_eq!(tax.wording, "How do I pay council tax online?");
        assert_eq!((tax.count, tax.wordings), (3, 2));
        assert_eq!(report.unanswered[1].wording, "when are bins collected");

        assert_eq!(report.most_asked[0].count, 3);
        assert_eq!(report.most_asked.len(), 3);

        let ids: Vec<&str> = report
            .not_helpful
            .iter()
            .map(|v| v.answer_id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["parsol", "faq-01"],
            "faq-02 had no 'not helpful' vote"
        );
        assert_eq!(
            (
                report.not_helpful[0].not_helpful,
                report.not_helpful[0].helpful
            ),
            (2, 1)
        );
        assert_eq!(report.not_helpful[0].questions, ["Who led PARSOL?"]);

        let top1 = Report::load(&conn, Period { days: 30 }, NOW, 1).unwrap();
        assert_eq!(top1.unanswered.len(), 1);
        let week = Report::load(&conn, Period { days: 1 }, NOW, 10).unwrap();
        assert_eq!(week.questions, 2);
    }
}

#[test]
fn the_report_prints_no_escape_sequence_raw() {
    // Rows written before control characters were stripped when stored.
    for (conn, _store) in stores_with(&[], &[]) {
        conn.execute(
            "INSERT INTO asks (at, site, question, answer_id, confidence, passages, topic)
             VALUES (?1, NULL, ?2, NULL, NULL, 0, 'x')",
            &args![NOW, "clear \u{1b}[2J \u{1b}]0;title\u{7} \u{202E}evil"],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO feedback (at, answer_id, question, helpful, comment, topic)
             VALUES (?1, ?2, 'q', 0, ?3, 'q')",
            &args![NOW, "faq\u{1b}[31m", "bad\u{1b}[2J\nline"],
        )
        .unwrap();
        let mut report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        report.fill_titles(|_| Some("title \u{1b}]0;x\u{7}".into()));
        let mut printed = report.text();
        for list in List::ALL {
            printed.push_str(&report.csv(list));
        }
        let raw: Vec<char> = printed
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\r'))
            .collect();
        assert!(raw.is_empty(), "{raw:?} in\n{printed}");
        assert!(!printed.contains('\u{202E}'), "{printed}");
        assert!(printed.contains("\\u{1b}[2J"), "{printed}");
    }
}

#[test]
fn an_empty_store_reports_zeroes() {
    for (conn, _store) in stores_with(&[], &[]) {
        let report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        assert_eq!(report.questions, 0);
        assert_eq!(report.answered_share(), 0.0);
        assert!(report.unanswered.is_empty() && report.not_helpful.is_empty());
        let text = report.text();
        assert!(text.contains("Questions asked: 0"), "{text}");
        assert!(text.contains("(none)"), "{text}");
    }
}

#[test]
fn declined_on_purpose_and_small_talk_stand_apart_from_gaps() {
    let asks = [
        asked(
            1,
            None,
            "when is my bin collection",
            None,
            Some("your-council"),
        ),
        asked(
            2,
            None,
            "When is my bin collection?",
            None,
            Some("your-council"),
        ),
        asked(3, None, "hello", Some(("greeting", "assistant", 1.0)), None),
        asked(4, None, "what is the weather tomorrow", None, None),
        asked(
            5,
            None,
            "is there a helpline",
            Some(("faq-01", "faq", 0.9)),
            None,
        ),
        // Recorded before schema 4: no kind, no decline; an answer all the same.
        asked(6, None, "who led parsol", None, None),
        AskRecord::new(
            NOW - 7 * 60,
            None,
            "who ran parsol",
            Some(("parsol", 0.8)),
            1,
        ),
    ];
    for (conn, _store) in stores_with(&asks, &[]) {
        let report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        assert_eq!(report.questions, 7);
        assert_eq!(
            (
                report.answered,
                report.declined_count,
                report.small_talk,
                report.unanswered_count
            ),
            (2, 3, 1, 2)
        );
        let today = report.per_day.last().unwrap();
        assert_eq!((today.questions, today.answered, today.declined), (7, 2, 3));

        let wordings = |groups: &[QuestionGroup]| -> Vec<String> {
            groups.iter().map(|g| g.wording.clone()).collect()
        };
        let mut gaps = wordings(&report.unanswered);
        gaps.sort();
        assert_eq!(
            gaps,
            ["what is the weather tomorrow", "who led parsol"],
            "only genuine gaps"
        );
        assert_eq!(report.declined.len(), 2, "{:?}", report.declined);
        let bins = &report.declined[0];
        assert_eq!(bins.count, 2, "two wordings of one question: {bins:?}");
        let decline = bins.answer.as_ref().unwrap();
        assert_eq!(
            (
                decline.id.as_str(),
                decline.outcome,
                decline.count,
                decline.confidence
            ),
            ("your-council", Outcome::Declined, 2, None)
        );
        let hello = &report.declined[1];
        assert_eq!(hello.wording, "hello");
        let reply = hello.answer.as_ref().unwrap();
        assert_eq!(
            (reply.id.as_str(), reply.outcome),
            ("greeting", Outcome::Reply)
        );
        assert_eq!(hello.answered, 0, "a reply is not an answer");

        // The most asked list names what each group got.
        let most = &report.most_asked[0];
        assert_eq!(most.answer.as_ref().unwrap().id, "your-council");
        let helpline = report
            .most_asked
            .iter()
            .find(|g| g.wording == "is there a helpline")
            .unwrap();
        let answer = helpline.answer.as_ref().unwrap();
        assert_eq!(
            (answer.id.as_str(), answer.outcome),
            ("faq-01", Outcome::Answer)
        );
        assert!((answer.confidence.unwrap() - 0.9).abs() < 1e-6);

        let csv = report.csv(List::Declined);
        assert!(
            csv.starts_with("question,times_asked,answered,similar_wordings,last_asked_utc,sites,answer_id,answer_title,outcome,times_given,mean_confidence\r\n"),
            "{csv}"
        );
        assert!(
            csv.contains(",(no site) (2),your-council,,declined,2,\r\n"),
            "{csv}"
        );
        assert!(csv.contains(",greeting,,reply,1,1.00\r\n"), "{csv}");
        let text = report.text();
        assert!(
            text.contains(
                "answered: 2 (29%)   declined on purpose: 3 (1 small talk)   unanswered: 2"
            ),
            "{text}"
        );
    }
}

#[test]
fn a_most_asked_group_shows_its_most_frequent_answer_and_mean_confidence() {
    let asks = [
        asked(
            1,
            None,
            "how do I report a pothole",
            Some(("faq-01", "faq", 0.8)),
            None,
        ),
        asked(
            2,
            None,
            "how do I report a pothole",
            Some(("faq-01", "faq", 0.6)),
            None,
        ),
        asked(
            3,
            None,
            "report a pothole how",
            Some(("faq-02", "faq", 0.95)),
            None,
        ),
        asked(4, None, "how do I report a pothole", None, None),
    ];
    for (conn, _store) in stores_with(&asks, &[]) {
        let mut report = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        report.fill_titles(|id| Some(format!("Title of {id}")));
        assert_eq!(report.most_asked.len(), 1, "{:?}", report.most_asked);
        let group = &report.most_asked[0];
        assert_eq!((group.count, group.answered, group.wordings), (4, 3, 2));
        let answer = group.answer.as_ref().unwrap();
        assert_eq!(answer.id, "faq-01");
        assert_eq!(answer.title.as_deref(), Some("Title of faq-01"));
        assert_eq!(answer.count, 2);
        assert!(
            (answer.confidence.unwrap() - 0.7).abs() < 1e-6,
            "the mean: {answer:?}"
        );
        let csv = report.csv(List::MostAsked);
        assert!(
            csv.contains(",faq-01,Title of faq-01,answer,2,0.70\r\n"),
            "{csv}"
        );
    }
}

#[test]
fn a_site_filters_every_list_and_sites_are_counted() {
    let asks = [
        asked(
            1,
            Some("leeds"),
            "is there a helpline",
            Some(("faq-01", "faq", 0.9)),
            None,
        ),
        asked(2, Some("leeds"), "what is the weather", None, None),
        asked(
            3,
            Some("leeds"),
            "when is my bin collection",
            None,
            Some("your-council"),
        ),
        asked(4, Some("york"), "what is the weather", None, None),
        asked(5, Some("york"), "what is the weather", None, None),
        asked(
            6,
            None,
            "is there a helpline",
            Some(("faq-01", "faq", 0.9)),
            None,
        ),
    ];
    let feedback = [
        vote(1, Some("leeds"), "faq-01", "is there a helpline", false),
        vote(2, Some("york"), "faq-01", "is there a helpline", true),
        vote(3, None, "faq-01", "is there a helpline", true),
    ];
    for (conn, _store) in stores_with(&asks, &feedback) {
        let all = Report::load(&conn, Period { days: 7 }, NOW, 10).unwrap();
        assert_eq!(all.site, None);
        assert_eq!(all.questions, 6);
        assert_eq!(all.site_names, ["leeds", "york"]);
        let figures = |site: Option<&str>, asked: [u64; 4], votes: [u64; 2]| SiteFigures {
            site: site.map(str::to_string),
            questions: asked[0],
            answered: asked[1],
            declined: asked[2],
            unanswered: asked[3],
            helpful_votes: votes[0],
            not_helpful_votes: votes[1],
        };
        assert_eq!(
            all.sites,
            [
                figures(Some("leeds"), [3, 1, 1, 1], [0, 1]),
                figures(Some("york"), [2, 0, 0, 2], [1, 0]),
                figures(None, [1, 1, 0, 0], [1, 0]),
            ]
        );
        let weather = &all.unanswered[0];
        assert_eq!(weather.count, 3);
        assert_eq!(
            weather.sites,
            [
                SiteCount {
                    site: Some("york".into()),
                    count: 2
                },
                SiteCount {
                    site: Some("leeds".into()),
                    count: 1
                },
            ]
        );

        let leeds = Report::load_site(&conn, Period { days: 7 }, Some("leeds"), NOW, 10).unwrap();
        assert_eq!(leeds.site.as_deref(), Some("leeds"));
        assert_eq!(
            (
                leeds.questions,
                leeds.answered,
                leeds.declined_count,
                leeds.unanswered_count
            ),
            (3, 1, 1, 1)
        );
        assert_eq!((leeds.helpful_votes, leeds.not_helpful_votes), (0, 1));
        assert_eq!(leeds.unanswered[0].count, 1, "york's asks are not counted");
        assert_eq!(leeds.declined.len(), 1);
        assert_eq!(leeds.not_helpful.len(), 1);
        assert_eq!(leeds.sites.len(), 1, "only the chosen site's figures");
        assert_eq!(
            leeds.site_names,
            ["leeds", "york"],
            "the picker offers every site"
        );
        let csv = leeds.csv(List::Sites);
        assert_eq!(
            csv,
            "site,questions,answered,answered_share,declined,unanswered,helpful,not_helpful\r\n\
             leeds,3,1,0.333,1,1,0,1\r\n"
        );
        let csv = leeds.csv(List::Unanswered);
        assert!(csv.contains(",leeds (1)\r\n"), "{csv}");
        assert!(leeds.text().contains("site leeds"), "{}", leeds.text());

        let nobody = Report::load_site(&conn, Period { days: 7 }, Some("bath"), NOW, 10).unwrap();
        assert_eq!(nobody.questions, 0);
        assert!(nobody.sites.is_empty() && nobody.most_asked.is_empty());
        // Old votes without a site are counted under no site, never under a filter.
        assert_eq!(
            Report::load_site(&conn, Period { days: 7 }, Some("york"), NOW, 10)
                .unwrap()
                .helpful_votes,
            1
        );
    }
}

#[test]
fn site_filters_parse_as_stored_site_ids_only() {
    for good in ["leeds", "leeds.gov.uk", "site_1", "a:b-c"] {
        assert_eq!(parse_site(good).as_deref(), Ok(good));
    }
    let long = "x".repeat(MAX_SITE_CHARS + 1);
    for bad in [
        "",
        " leeds",
        "leeds council",
        "<script>",
        "jane@example.com",
        "\u{1b}[2J",
        &long,
    ] {
        let err = parse_site(bad).unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}

#[test]
fn list_names_round_trip() {
    for list in List::ALL {
        assert_eq!(List::from_name(list.name()), Some(list));
    }
    assert_eq!(List::from_name("secrets"), None);
}

/// The report and every CSV list read the same from either store: a few hundred varied
/// records (sites, answers, declines, small talk, gaps, votes with comments, over a month)
/// written to each, loaded for every period and for a site, compared as text.
#[test]
fn both_stores_give_the_same_report_and_csv() {
    let stores = TestStore::each();
    if stores.len() < 2 {
        return;
    }
    let sites = [None, Some("leeds"), Some("york"), Some("bristol.gov.uk")];
    let questions = [
        "how do I pay council tax online",
        "pay council tax online how",
        "who led parsol",
        "what is the weather",
        "when is my bin collected",
        "hello",
        "is there a helpline",
        "what did e-pay produce",
    ];
    let mut asks = Vec::new();
    let mut votes = Vec::new();
    for i in 0..400_i64 {
        let q = questions[(i * 7 % 8) as usize];
        let site = sites[(i % 4) as usize];
        let minutes = i * 97 % (40 * 24 * 60);
        let outcome = match i % 5 {
            0 => (None, None),
            1 => (None, Some("your-council")),
            2 => (Some(("small-talk", "assistant", 0.9)), None),
            _ => (
                Some((
                    ["faq-01", "parsol", "epay"][(i % 3) as usize],
                    "faq",
                    0.5 + (i % 5) as f32 / 10.0,
                )),
                None,
            ),
        };
        asks.push(asked(minutes, site, q, outcome.0, outcome.1));
        if i % 3 == 0 {
            let id = ["faq-01", "parsol", "epay"][(i % 3) as usize];
            let comment = (i % 2 == 0).then(|| format!("comment {i}, \"=quoted\""));
            votes.push(
                FeedbackRecord::new(
                    NOW - minutes * 60 + 30,
                    id,
                    q,
                    i % 4 == 0,
                    comment.as_deref(),
                )
                .with_site(site),
            );
        }
    }
    let rendered: Vec<(String, String)> = stores
        .iter()
        .map(|test| {
            let mut conn = test.conn();
            write(&mut conn, &asks, &votes).unwrap();
            let mut out = String::new();
            for days in [1, 7, 30, 90] {
                for site in [None, Some("leeds")] {
                    let report = Report::load_site(&conn, Period { days }, site, NOW, 10).unwrap();
                    out.push_str(&report.text());
                    for list in List::ALL {
                        out.push_str(&report.csv(list));
                    }
                }
            }
            (test.name.to_string(), out)
        })
        .collect();
    let first = &rendered[0].1;
    assert!(
        first.len() > 5_000 && first.contains("comment 6") && first.contains("bristol.gov.uk"),
        "{first}"
    );
    for (name, text) in &rendered[1..] {
        assert!(
            text == &rendered[0].1,
            "{name} differs from {}:\n{}",
            rendered[0].0,
            first_difference(&rendered[0].1, text)
        );
    }
}

/// The first line two texts differ on, with its neighbours.
fn first_difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(2);
    format!(
        "line {at}\n--- first\n{}\n--- second\n{}",
        a[from..(at + 3).min(a.len())].join("\n"),
        b[from..(at + 3).min(b.len())].join("\n")
    )
}
