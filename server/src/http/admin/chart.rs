//! Questions per day on the report page, as an inline SVG bar chart (no script, no inline
//! style: its colours come from `/admin/admin.css`).

use maud::{html, Markup};

use crate::store::report::date;
use crate::store::Report;

/// Questions per day as an SVG bar chart: the grey bar is every question, the blue part the
/// answered ones. Each bar has a `<title>` (a tooltip, and what screen readers read).
pub(super) fn chart(report: &Report) -> Markup {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 220.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 24.0;
    const TOP: f64 = 12.0;
    let days = report.per_day.len().max(1) as f64;
    let peak = report
        .per_day
        .iter()
        .map(|d| d.questions)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / days;
    let bar = (slot * 0.8).max(1.0);
    let y_of = |n: f64| TOP + plot_h - n / peak * plot_h;
    let base = TOP + plot_h;
    let f1 = |x: f64| format!("{x:.1}");
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width="100%" role="img"
                aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg" {
                title #chart-title {
                    "Questions per day, " (date(report.from)) " to " (date(report.to)) ": "
                    (report.questions) " questions, " (report.answered) " answered"
                }
                // Axis and the peak's gridline.
                line.axis x1=(LEFT) y1=(base) x2=(WIDTH - 8.0) y2=(base) {}
                line.grid x1=(LEFT) y1=(TOP) x2=(WIDTH - 8.0) y2=(TOP) {}
                text.label x=(LEFT - 6.0) y=(TOP + 4.0) text-anchor="end" { (peak as u64) }
                text.label x=(LEFT - 6.0) y=(base + 4.0) text-anchor="end" { "0" }
                @for (i, d) in report.per_day.iter().enumerate() {
                    @let x = LEFT + i as f64 * slot + (slot - bar) / 2.0;
                    @let y_all = y_of(d.questions as f64);
                    @let y_ans = y_of(d.answered as f64);
                    g {
                        title { (d.date) ": " (d.questions) " questions, " (d.answered) " answered" }
                        rect.asked x=(f1(x)) y=(f1(y_all)) width=(f1(bar)) height=(f1(base - y_all)) {}
                        rect.answered x=(f1(x)) y=(f1(y_ans)) width=(f1(bar)) height=(f1(base - y_ans)) {}
                    }
                }
                @if let (Some(first), Some(last)) = (report.per_day.first(), report.per_day.last()) {
                    text.label x=(LEFT) y=(HEIGHT - 6.0) { (first.date) }
                    text.label x=(WIDTH - 8.0) y=(HEIGHT - 6.0) text-anchor="end" { (last.date) }
                }
            }
            figcaption {
                span."key"."key-asked" {} " asked "
                span."key"."key-answered" {} " answered"
            }
        }
    }
}
