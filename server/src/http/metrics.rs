//! `GET /metrics` in the Prometheus text format, from a small registry of atomics: requests
//! by route and status (counted by a middleware layer, the route being axum's matched path so
//! random URLs cannot blow up the label set), the answer latency histogram, answered and
//! unanswered counts, feedback counts, and the analytics store's writes, drops and errors.
//! Nothing here is about a person: only counts.
//!
//! Written by hand on purpose (issue 19 asked for a maintained crate only if `/metrics`
//! stayed byte-compatible in names and labels): `prometheus-client`, the maintained one,
//! writes OpenMetrics, whose bucket bounds read `le="5.0"` where these read `le="5"`, whose
//! `# TYPE` lines name counters without `_total`, and which ends in `# EOF`; the `prometheus`
//! crate keeps this format but needs protobuf, and the store's counters (atomics the writer
//! thread owns) would still be copied out by hand in a custom collector.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::store::StoreStats;

/// Upper bounds (seconds) of the answer latency histogram's buckets.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// A fixed-bucket histogram.
#[derive(Debug, Default)]
struct Histogram {
    /// Observations per bucket (not cumulative); the last slot is `+Inf`.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let slot = LATENCY_BUCKETS
            .iter()
            .position(|&b| secs <= b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str) {
        let mut cumulative = 0;
        for (i, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = LATENCY_BUCKETS
                .get(i)
                .map_or("+Inf".to_string(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {}", self.count.load(Ordering::Relaxed));
    }
}

/// The process's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Histogram,
    answered: AtomicU64,
    unanswered: AtomicU64,
    helpful: AtomicU64,
    not_helpful: AtomicU64,
}

impl Metrics {
    pub fn observe_request(&self, route: &str, status: u16) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *requests.entry((route.to_string(), status)).or_insert(0) += 1;
    }

    /// One question answered in `elapsed`; `answered` is false when there was no answer.
    pub fn observe_answer(&self, elapsed: Duration, answered: bool) {
        self.latency.observe(elapsed);
        let counter = if answered {
            &self.answered
        } else {
            &self.unanswered
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe_feedback(&self, helpful: bool) {
        let counter = if helpful {
            &self.helpful
        } else {
            &self.not_helpful
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self, store: Option<&StoreStats>) -> String {
        let mut out = String::new();
        header_lines(
            &mut out,
            "signpost_http_requests_total",
            "counter",
            "HTTP requests by route and status.",
        );
        {
            let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            for ((route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "signpost_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape_label(route)
                );
            }
        }
        header_lines(
            &mut out,
            "signpost_answer_duration_seconds",
            "histogram",
            "Time to answer a question, in seconds.",
        );
        self.latency
            .render(&mut out, "signpost_answer_duration_seconds");
        header_lines(
            &mut out,
            "signpost_answers_total",
            "counter",
            "Questions answered, by outcome.",
        );
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "signpost_answers_total{{outcome=\"answered\"}} {}",
            load(&self.answered)
        );
        let _ = writeln!(
            out,
            "signpost_answers_total{{outcome=\"unanswered\"}} {}",
            load(&self.unanswered)
        );
        header_lines(
            &mut out,
            "signpost_feedback_total",
            "counter",
            "Feedback votes accepted, by vote.",
        );
        let _ = writeln!(
            out,
            "signpost_feedback_total{{helpful=\"true\"}} {}",
            load(&self.helpful)
        );
        let _ = writeln!(
            out,
            "signpost_feedback_total{{helpful=\"false\"}} {}",
            load(&self.not_helpful)
        );

        header_lines(
            &mut out,
            "signpost_store_enabled",
            "gauge",
            "1 when questions and feedback are recorded.",
        );
        let _ = writeln!(out, "signpost_store_enabled {}", u8::from(store.is_some()));
        let zero = StoreStats::default();
        let stats = store.unwrap_or(&zero);
        header_lines(
            &mut out,
            "signpost_store_records_written_total",
            "counter",
            "Records written to the analytics store.",
        );
        let _ = writeln!(
            out,
            "signpost_store_records_written_total{{kind=\"ask\"}} {}",
            load(&stats.asks_written)
        );
        let _ = writeln!(
            out,
            "signpost_store_records_written_total{{kind=\"feedback\"}} {}",
            load(&stats.feedback_written)
        );
        header_lines(
            &mut out,
            "signpost_store_dropped_total",
            "counter",
            "Records dropped because the store's queue was full.",
        );
        let _ = writeln!(out, "signpost_store_dropped_total {}", load(&stats.dropped));
        header_lines(
            &mut out,
            "signpost_store_errors_total",
            "counter",
            "Store failures: opening the file, records not written, retention runs.",
        );
        let _ = writeln!(
            out,
            "signpost_store_errors_total{{op=\"open\"}} {}",
            load(&stats.open_errors)
        );
        let _ = writeln!(
            out,
            "signpost_store_errors_total{{op=\"write\"}} {}",
            load(&stats.write_errors)
        );
        let _ = writeln!(
            out,
            "signpost_store_errors_total{{op=\"purge\"}} {}",
            load(&stats.purge_errors)
        );
        header_lines(
            &mut out,
            "signpost_store_purged_total",
            "counter",
            "Records deleted by retention.",
        );
        let _ = writeln!(out, "signpost_store_purged_total {}", load(&stats.purged));
        out
    }
}

fn header_lines(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts every response by matched route (or `unmatched`) and status.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    state
        .metrics()
        .observe_request(&route, response.status().as_u16());
    response
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = state.metrics().render(state.store().map(|s| s.stats()));
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.observe_request("/api/v1/ask", 200);
        m.observe_request("/api/v1/ask", 200);
        m.observe_request("unmatched", 404);
        m.observe_answer(Duration::from_millis(3), true);
        m.observe_answer(Duration::from_millis(30), false);
        m.observe_answer(Duration::from_secs(10), true);
        m.observe_feedback(false);
        let stats = StoreStats::default();
        stats.write_errors.fetch_add(4, Ordering::Relaxed);
        let text = m.render(Some(&stats));
        for line in [
            "signpost_http_requests_total{route=\"/api/v1/ask\",status=\"200\"} 2",
            "signpost_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
            "signpost_answer_duration_seconds_bucket{le=\"0.0025\"} 0",
            "signpost_answer_duration_seconds_bucket{le=\"0.005\"} 1",
            "signpost_answer_duration_seconds_bucket{le=\"0.05\"} 2",
            "signpost_answer_duration_seconds_bucket{le=\"5\"} 2",
            "signpost_answer_duration_seconds_bucket{le=\"+Inf\"} 3",
            "signpost_answer_duration_seconds_count 3",
            "signpost_answers_total{outcome=\"answered\"} 2",
            "signpost_answers_total{outcome=\"unanswered\"} 1",
            "signpost_feedback_total{helpful=\"false\"} 1",
            "signpost_store_enabled 1",
            "signpost_store_errors_total{op=\"write\"} 4",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(m.render(None).contains("signpost_store_enabled 0\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
