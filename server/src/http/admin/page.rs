//! The report page at `/admin`, rendered: the period and site chosen, the summary figures,
//! questions per day as an SVG chart, and each list as an accessible table with its CSV
//! download. No script and no inline style: its look comes from `/admin/admin.css`.
//!
//! Over 500 lines because of its tests: the templates are ~435 lines (the chart is
//! [`super::chart`]), and the tests keep a report with hostile text in every field next to
//! the markup they hold to escaping.

use maud::{html, Markup};

use super::chart::chart;
use super::{column_heads, AdminPage, PERIODS};
use crate::store::report::{
    confidence, date, timestamp, GroupAnswer, List, Outcome, QuestionGroup, SiteCount, CONFIDENT,
};
use crate::store::{Period, Report};

/// A site id percent-encoded for a query string (a stored site id needs none; this keeps
/// the link right whatever it holds).
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The report's query string for `period` and `site` (the template escapes it).
fn query(period: Period, site: Option<&str>) -> String {
    match site {
        Some(site) => format!("since={period}&site={}", encode(site)),
        None => format!("since={period}"),
    }
}

fn export_link(list: List, report: &Report) -> Markup {
    html! {
        p.export {
            a href={ "/admin/export/" (list.name()) ".csv?" (query(report.period, report.site.as_deref())) }
                download { "Download as CSV" }
        }
    }
}

/// The whole page.
pub fn render_page(report: &Report, retention_days: Option<u32>, warning: Option<&str>) -> String {
    let period = report.period;
    let site = report.site.as_deref();
    let header = html! {
        p.period {
            "The last " (period.days) " days: " (date(report.from)) " to " (date(report.to))
            " (UTC), "
            @match site {
                Some(s) => {
                    "site " strong { (s) } " ("
                    a href={ "/admin?" (query(period, None)) } { "show every site" } ")."
                }
                None => "every site.",
            }
        }
        nav aria-label="Period" {
            ul {
                @for days in PERIODS {
                    li {
                        a href={ "/admin?" (query(Period { days }, site)) }
                            aria-current=[(days == period.days).then_some("page")] {
                            (days) " days"
                        }
                    }
                }
            }
        }
        (site_picker(report))
    };
    let main = html! {
        @if let Some(warning) = warning {
            p.warning role="alert" { (warning) }
        }
        section aria-labelledby="summary" {
            h2 #summary { "Summary" }
            dl.figures {
                div { dt { "Questions asked" } dd { (report.questions) } }
                div {
                    dt { "Answered" }
                    dd {
                        (format!("{:.0}", report.answered_share() * 100.0)) "%"
                        span.detail { " (" (report.answered) " of " (report.questions) ")" }
                    }
                }
                div {
                    dt { "Declined on purpose" }
                    dd {
                        (report.declined_count)
                        @if report.small_talk > 0 {
                            span.detail { " (" (report.small_talk) " small talk)" }
                        }
                    }
                }
                div { dt { "Unanswered" } dd { (report.unanswered_count) } }
                div { dt { "“Helpful” votes" } dd { (report.helpful_votes) } }
                div { dt { "“Not helpful” votes" } dd { (report.not_helpful_votes) } }
            }
        }
        section aria-labelledby="per-day" {
            h2 #per-day { "Questions per day" }
            (chart(report))
            (export_link(List::QuestionsPerDay, report))
        }
        section aria-labelledby="sites" {
            h2 #sites { "Sites" }
            p {
                "Questions and votes by the site the widget was on (the " code { "site" }
                " it was given); “No site” is the API called directly and Signpost’s own pages."
            }
            (site_table(report))
            (export_link(List::Sites, report))
        }
        section aria-labelledby="unanswered" {
            h2 #unanswered { "Top unanswered questions" }
            p {
                "Questions Signpost had no confident answer for and did not decline on purpose, \
                 grouped by similar wording: candidates for new or better content."
            }
            (group_table(&report.unanswered, Columns::Unanswered, "Top unanswered questions"))
            (export_link(List::Unanswered, report))
        }
        section aria-labelledby="declined" {
            h2 #declined { "Declined on purpose" }
            p {
                "Questions Signpost declined on purpose (a resident’s own council business, \
                 pointed to their council) and small talk it replied to, grouped by similar \
                 wording. Not gaps: listed so you can check each got the right reply."
            }
            (group_table(&report.declined, Columns::Declined, "Declined on purpose"))
            (export_link(List::Declined, report))
        }
        section aria-labelledby="confident-not-helpful" {
            h2 #confident-not-helpful { "Confident but voted not helpful" }
            p {
                "Answers given with a confidence of " (CONFIDENT) " or more that people voted \
                 “not helpful”: likely wrong answers Signpost did not doubt. A vote counts here \
                 when the latest ask of the same question (same words, in any order or case) \
                 with the same answer, in the day before the vote, had that confidence."
            }
            @if report.confident_not_helpful.is_empty() {
                p.empty { "No confident answer was voted “not helpful” in this period." }
            } @else {
                (table("Confident but voted not helpful", html! {
                    (column_heads(&[
                        ("Answer", false),
                        ("Not helpful", true),
                        ("Mean confidence", true),
                        ("Asked as", false),
                        ("Latest comments", false),
                        ("Sites", false),
                    ]))
                    tbody {
                        @for v in &report.confident_not_helpful {
                            tr {
                                td { (voted_answer(v.title.as_deref(), &v.answer_id)) }
                                td.num { (v.votes) }
                                td.num { (confidence(v.confidence)) }
                                td { (list_items(&v.questions)) }
                                td { (list_items(&v.comments)) }
                                td { (site_items(&v.sites)) }
                            }
                        }
                    }
                }))
            }
            (export_link(List::ConfidentNotHelpful, report))
        }
        section aria-labelledby="not-helpful" {
            h2 #not-helpful { "Answers with the most “not helpful” votes" }
            @if report.not_helpful.is_empty() {
                p.empty { "No “not helpful” votes in this period." }
            } @else {
                (table("Answers with the most “not helpful” votes", html! {
                    (column_heads(&[
                        ("Answer", false),
                        ("Not helpful", true),
                        ("Helpful", true),
                        ("Asked as", false),
                        ("Latest comments", false),
                    ]))
                    tbody {
                        @for v in &report.not_helpful {
                            tr {
                                td { (voted_answer(v.title.as_deref(), &v.answer_id)) }
                                td.num { (v.not_helpful) }
                                td.num { (v.helpful) }
                                td { (list_items(&v.questions)) }
                                td { (list_items(&v.comments)) }
                            }
                        }
                    }
                }))
            }
            (export_link(List::NotHelpful, report))
        }
        section aria-labelledby="most-asked" {
            h2 #most-asked { "Most asked questions" }
            p {
                "With the answer each group got most often and the mean confidence it was given \
                 with."
            }
            (group_table(&report.most_asked, Columns::MostAsked, "Most asked questions"))
            (export_link(List::MostAsked, report))
        }
    };
    let footer = html! {
        p {
            "Questions and comments are stored after e-mail addresses, phone numbers, postcodes, \
             National Insurance numbers and long numbers are removed. No IP address, browser \
             detail, cookie or session is ever stored."
            @if let Some(days) = retention_days {
                " Records are deleted after " (days) " days."
            }
        }
    };
    AdminPage {
        title: "Signpost report",
        current: "/admin",
        header,
        main,
        footer: Some(footer),
    }
    .render()
}

/// The site picker: a plain GET form (no script), every site seen in the period.
fn site_picker(report: &Report) -> Markup {
    let current = report.site.as_deref();
    let mut names: Vec<&str> = report.site_names.iter().map(String::as_str).collect();
    if let Some(site) = current.filter(|s| !names.contains(s)) {
        names.insert(0, site);
    }
    html! {
        @if !names.is_empty() {
            form.site-picker method="get" action="/admin" {
                input type="hidden" name="since" value=(report.period);
                label for="site-choice" { "Site" }
                " "
                select #site-choice name="site" {
                    option value="" selected[current.is_none()] { "Every site" }
                    @for name in names {
                        option value=(name) selected[Some(name) == current] { (name) }
                    }
                }
                " "
                button type="submit" { "Show" }
            }
        }
    }
}

/// Figures per site; each site's name opens the report for that site.
fn site_table(report: &Report) -> Markup {
    if report.sites.is_empty() {
        return html! { p.empty { "No questions or votes in this period." } };
    }
    table(
        "Sites",
        html! {
            (column_heads(&[
                ("Site", false),
                ("Questions", true),
                ("Answered", true),
                ("Declined on purpose", true),
                ("Unanswered", true),
                ("“Helpful” votes", true),
                ("“Not helpful” votes", true),
            ]))
            tbody {
                @for s in &report.sites {
                    tr {
                        th scope="row" {
                            @match &s.site {
                                Some(site) if report.site.is_none() => {
                                    a href={ "/admin?" (query(report.period, Some(site))) } { (site) }
                                }
                                Some(site) => (site),
                                None => "No site",
                            }
                        }
                        td.num { (s.questions) }
                        td.num {
                            (format!("{:.0}", s.answered_share() * 100.0)) "%"
                            span.detail { " (" (s.answered) ")" }
                        }
                        td.num { (s.declined) }
                        td.num { (s.unanswered) }
                        td.num { (s.helpful_votes) }
                        td.num { (s.not_helpful_votes) }
                    }
                }
            }
        },
    )
}

/// A table inside a box that scrolls sideways on a narrow screen (rather than the whole
/// page): focusable, so it scrolls by keyboard, and named, so that focus says what it is.
fn table(label: &str, rows: Markup) -> Markup {
    html! {
        div.table-scroll role="region" aria-label={ (label) " (table)" } tabindex="0" {
            table { (rows) }
        }
    }
}

/// A voted answer's title (or that it is gone from the corpus) and its id.
fn voted_answer(title: Option<&str>, id: &str) -> Markup {
    html! {
        (title.unwrap_or("(no longer in the corpus)"))
        span.id { (id) }
    }
}

fn list_items(items: &[String]) -> Markup {
    html! {
        @if !items.is_empty() {
            ul { @for item in items { li { (item) } } }
        }
    }
}

/// The sites a group or vote came from, the three biggest named and the rest counted.
fn site_items(sites: &[SiteCount]) -> Markup {
    const SHOWN: usize = 3;
    let mut items: Vec<String> = sites
        .iter()
        .take(SHOWN)
        .map(|s| format!("{} ({})", s.site.as_deref().unwrap_or("no site"), s.count))
        .collect();
    if sites.len() > SHOWN {
        items.push(format!("{} more", sites.len() - SHOWN));
    }
    html! {
        @if !items.is_empty() {
            ul.sites { @for item in &items { li { (item) } } }
        }
    }
}

/// Which columns a question group table has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Columns {
    Unanswered,
    Declined,
    MostAsked,
}

/// The answer, reply or decline a group got most often, and how often.
fn answer_cell(answer: &GroupAnswer, group_count: u64) -> Markup {
    let title = answer
        .title
        .as_deref()
        .unwrap_or("(no longer in the corpus)");
    let label = match answer.outcome {
        Outcome::Answer => "",
        Outcome::Reply => "Reply: ",
        Outcome::Declined => "Declined: ",
    };
    let show_id = answer.title.as_deref() != Some(answer.id.as_str());
    html! {
        (label) (title)
        span.id {
            @if show_id { (answer.id) " · " }
            (answer.count) " of " (group_count)
        }
    }
}

fn group_table(groups: &[QuestionGroup], columns: Columns, label: &str) -> Markup {
    if groups.is_empty() {
        return html! { p.empty { "No questions in this period." } };
    }
    table(
        label,
        html! {
            thead {
                tr {
                    th scope="col" { "Question" }
                    th scope="col" class="num" { "Times asked" }
                    @match columns {
                        Columns::Unanswered => {}
                        Columns::Declined => th scope="col" { "Declined or replied by" },
                        Columns::MostAsked => {
                            th scope="col" class="num" { "Answered" }
                            th scope="col" { "Answer given most" }
                            th scope="col" class="num" { "Mean confidence" }
                        }
                    }
                    th scope="col" class="num" { "Wordings" }
                    th scope="col" { "Sites" }
                    th scope="col" { "Last asked (UTC)" }
                }
            }
            tbody {
                @for g in groups {
                    @let answer = html! {
                        @match &g.answer {
                            Some(a) => (answer_cell(a, g.count)),
                            None => "No answer",
                        }
                    };
                    tr {
                        td { (g.wording) }
                        td.num { (g.count) }
                        @match columns {
                            Columns::Unanswered => {}
                            Columns::Declined => td { (answer) },
                            Columns::MostAsked => {
                                td.num { (g.answered) }
                                td { (answer) }
                                td.num {
                                    (g.answer.as_ref().and_then(|a| a.confidence)
                                        .map_or("none".to_string(), confidence))
                                }
                            }
                        }
                        td.num { (g.wordings) }
                        td { (site_items(&g.sites)) }
                        td.when { (timestamp(g.last_asked)) }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::{AnswerVotes, ConfidentVotes, DayCount, SiteFigures};

    /// A report with hostile text in every field a person or client can fill.
    fn hostile_report(site: Option<&str>) -> Report {
        let group = |wording: &str, answer: Option<GroupAnswer>| QuestionGroup {
            wording: wording.into(),
            count: 2,
            answered: 0,
            wordings: 1,
            last_asked: 0,
            answer,
            sites: vec![
                SiteCount {
                    site: Some("<b>leeds</b>".into()),
                    count: 1,
                },
                SiteCount {
                    site: None,
                    count: 1,
                },
            ],
        };
        Report {
            period: Period { days: 2 },
            from: 0,
            to: 86_400,
            site: site.map(str::to_string),
            questions: 6,
            answered: 2,
            declined_count: 2,
            small_talk: 1,
            unanswered_count: 2,
            helpful_votes: 0,
            not_helpful_votes: 1,
            per_day: vec![
                DayCount {
                    date: "1970-01-01".into(),
                    questions: 1,
                    answered: 0,
                    declined: 0,
                },
                DayCount {
                    date: "1970-01-02".into(),
                    questions: 5,
                    answered: 2,
                    declined: 2,
                },
            ],
            most_asked: vec![group(
                "most <i>asked</i>",
                Some(GroupAnswer {
                    id: "faq-01".into(),
                    outcome: Outcome::Answer,
                    title: Some("Is there a <helpline>?".into()),
                    count: 2,
                    confidence: Some(0.8123),
                }),
            )],
            unanswered: vec![group("<script>alert('x')</script> & \"more\"", None)],
            declined: vec![group(
                "when is my <bin> collection",
                Some(GroupAnswer {
                    id: "your-council".into(),
                    outcome: Outcome::Declined,
                    title: Some("your-council".into()),
                    count: 2,
                    confidence: None,
                }),
            )],
            not_helpful: vec![AnswerVotes {
                answer_id: "faq-01".into(),
                title: Some("Is there a <helpline>?".into()),
                not_helpful: 1,
                helpful: 0,
                questions: vec!["q".into()],
                comments: vec!["<img src=x onerror=alert(1)>".into()],
            }],
            confident_not_helpful: vec![ConfidentVotes {
                answer_id: "faq-<01>".into(),
                title: None,
                votes: 1,
                confidence: 0.9,
                questions: vec!["<iframe>".into()],
                comments: vec!["<svg onload=alert(1)>".into()],
                sites: vec![],
            }],
            sites: vec![
                SiteFigures {
                    site: Some("<u>york</u>".into()),
                    questions: 4,
                    answered: 1,
                    declined: 2,
                    unanswered: 1,
                    helpful_votes: 0,
                    not_helpful_votes: 1,
                },
                SiteFigures {
                    site: None,
                    questions: 2,
                    answered: 1,
                    declined: 0,
                    unanswered: 1,
                    helpful_votes: 0,
                    not_helpful_votes: 0,
                },
            ],
            site_names: vec!["<u>york</u>".into(), "leeds".into()],
        }
    }

    #[test]
    fn the_page_escapes_everything_and_has_no_inline_script_or_style() {
        let html = render_page(&hostile_report(None), Some(90), Some("<lost>"));
        for tag in [
            "<script", "<img", "<iframe", "<b>", "<u>", "<i>", "<bin>", "<01>",
        ] {
            assert!(!html.contains(tag), "{tag} unescaped in {html}");
        }
        assert_eq!(html.matches("<svg").count(), 1, "only the chart's");
        assert!(!html.contains("style="), "no inline styles (CSP)");
        assert!(!html.contains("<style"), "no inline styles (CSP)");
        assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;more&quot;"));
        assert!(html.contains("Is there a &lt;helpline&gt;?"));
        assert!(html.contains("<svg"));
        assert!(html.contains("1970-01-02: 5 questions, 2 answered"));
        assert!(html.contains("href=\"/admin/export/unanswered.csv?since=2d\""));
        assert!(html.contains("deleted after 90 days"));
        assert!(html.contains("33%"), "share answered");
        assert!(html.contains("role=\"alert\">&lt;lost&gt;</p>"));
    }

    #[test]
    fn the_page_has_the_new_lists_as_accessible_tables() {
        let html = render_page(&hostile_report(None), None, None);
        // Summary: answered, declined on purpose, unanswered.
        assert!(
            html.contains(
                "<dt>Declined on purpose</dt><dd>2<span class=\"detail\"> (1 small talk)"
            ),
            "{html}"
        );
        assert!(html.contains("<dt>Unanswered</dt><dd>2</dd>"), "{html}");
        for heading in [
            "<h2 id=\"sites\">Sites</h2>",
            "<h2 id=\"declined\">Declined on purpose</h2>",
            "<h2 id=\"confident-not-helpful\">\n",
        ] {
            assert!(
                html.contains(heading.trim_end_matches('\n')),
                "{heading} in {html}"
            );
        }
        // Every table's columns have scope; sites are row headers.
        let tables = html.matches("<table>").count();
        assert_eq!(tables, 6, "{html}");
        assert_eq!(html.matches("<th>").count(), 0, "every th has a scope");
        assert!(html.contains("<th scope=\"row\"><a href=\"/admin?since=2d&amp;site=%3Cu%3Eyork%3C%2Fu%3E\">&lt;u&gt;york&lt;/u&gt;</a></th>"), "{html}");
        assert!(html.contains("<th scope=\"row\">No site</th>"), "{html}");
        // The answer and its confidence next to a most asked question; the decline.
        assert!(
            html.contains("<th scope=\"col\" class=\"num\">Mean confidence</th>"),
            "{html}"
        );
        assert!(html.contains("Is there a &lt;helpline&gt;?<span class=\"id\">faq-01 · 2 of 2</span></td><td class=\"num\">0.81</td>"), "{html}");
        assert!(
            html.contains("Declined: your-council<span class=\"id\">2 of 2</span>"),
            "{html}"
        );
        assert!(html.contains("<li>&lt;b&gt;leeds&lt;/b&gt; (1)</li><li>no site (1)</li>"));
        // Confident but voted not helpful.
        assert!(html.contains("(no longer in the corpus)<span class=\"id\">faq-&lt;01&gt;</span></td><td class=\"num\">1</td><td class=\"num\">0.90</td>"), "{html}");
        // The site picker: a GET form, no script.
        assert!(html.contains("<form class=\"site-picker\" method=\"get\" action=\"/admin\">"));
        assert!(html.contains("<label for=\"site-choice\">Site</label>"));
        assert!(html.contains("<option value=\"\" selected>Every site</option><option value=\"&lt;u&gt;york&lt;/u&gt;\">&lt;u&gt;york&lt;/u&gt;</option><option value=\"leeds\">leeds</option>"), "{html}");
        for list in List::ALL {
            assert!(
                html.contains(&format!(
                    "href=\"/admin/export/{}.csv?since=2d\"",
                    list.name()
                )),
                "{} export linked",
                list.name()
            );
        }
    }

    #[test]
    fn a_site_filter_carries_through_every_link() {
        let html = render_page(&hostile_report(Some("leeds")), None, None);
        assert!(
            html.contains(
                "site <strong>leeds</strong> (<a href=\"/admin?since=2d\">show every site</a>)"
            ),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/admin?since=7d&amp;site=leeds\">7 days</a>"),
            "{html}"
        );
        assert!(html.contains("href=\"/admin/export/sites.csv?since=2d&amp;site=leeds\""));
        assert!(
            html.contains("<option value=\"leeds\" selected>leeds</option>"),
            "{html}"
        );
        assert!(
            html.contains("<option value=\"\">Every site</option>"),
            "{html}"
        );
        // A chosen site nobody asked from in this period is still offered, selected.
        let mut report = hostile_report(Some("quiet-site"));
        report.site_names.clear();
        let html = render_page(&report, None, None);
        assert!(
            html.contains("<option value=\"quiet-site\" selected>quiet-site</option>"),
            "{html}"
        );
        assert_eq!(encode("a b/&<"), "a%20b%2F%26%3C");
    }
}
