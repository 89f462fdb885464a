//! Prometheus metrics, served at `/metrics` in the text exposition format.
//!
//! Per route (its pattern, such as `/s/{wave}/q/{key}`, so the label set stays small and no
//! survey, person or token ever appears in a label) and method: requests by status class and
//! a latency histogram. Counters of responses stored and of requests refused by a rate limit.
//! The `/metrics` handler adds gauges read from the database at scrape time: responses stored
//! in all, drafts under way and the email outbox's depth.
//!
//! Counters live in this process: with several instances, Prometheus sums them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Default)]
struct RouteStats {
    /// Requests answered 1xx..5xx (index 0..4).
    by_class: [u64; 5],
    /// Cumulative counts are made at render time; these are per bucket (+Inf last).
    buckets: [u64; BUCKETS.len() + 1],
    sum_seconds: f64,
}

/// This process's counters.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
    /// Responses stored by respondents' sends (not imports or paper entry).
    pub responses_stored: AtomicU64,
    /// Requests refused by a rate limit, by limit.
    pub limited_sign_in: AtomicU64,
    pub limited_public: AtomicU64,
}

/// Gauges read from the database when scraped.
#[derive(Debug, Default)]
pub struct Gauges {
    pub responses: i64,
    pub drafts_open: i64,
    pub outbox_pending: i64,
    pub outbox_failed: i64,
}

impl Metrics {
    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, took: Duration) {
        let secs = took.as_secs_f64();
        let Ok(mut routes) = self.routes.lock() else { return };
        let entry = routes.entry((route.to_owned(), method.to_owned())).or_default();
        let class = usize::from((status / 100).clamp(1, 5) - 1);
        entry.by_class[class] += 1;
        let slot = BUCKETS.iter().position(|b| secs <= *b).unwrap_or(BUCKETS.len());
        entry.buckets[slot] += 1;
        entry.sum_seconds += secs;
    }

    /// The exposition text.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let _ = writeln!(
            out,
            "# HELP heard_http_requests_total HTTP requests answered, by route pattern, method and status class."
        );
        let _ = writeln!(out, "# TYPE heard_http_requests_total counter");
        let routes = match self.routes.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        for ((route, method), s) in routes.iter() {
            for (i, n) in s.by_class.iter().enumerate().filter(|(_, n)| **n > 0) {
                let _ = writeln!(
                    out,
                    "heard_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}xx\"}} {n}",
                    label(route),
                    label(method),
                    i + 1
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP heard_http_request_duration_seconds Time from request to response, by route pattern and method."
        );
        let _ = writeln!(out, "# TYPE heard_http_request_duration_seconds histogram");
        for ((route, method), s) in routes.iter() {
            let (route, method) = (label(route), label(method));
            let mut cumulative = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                let _ = writeln!(
                    out,
                    "heard_http_request_duration_seconds_bucket{{route=\"{route}\",method=\"{method}\",le=\"{b}\"}} {cumulative}"
                );
            }
            cumulative += s.buckets[BUCKETS.len()];
            let _ = writeln!(
                out,
                "heard_http_request_duration_seconds_bucket{{route=\"{route}\",method=\"{method}\",le=\"+Inf\"}} {cumulative}"
            );
            let _ = writeln!(
                out,
                "heard_http_request_duration_seconds_sum{{route=\"{route}\",method=\"{method}\"}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "heard_http_request_duration_seconds_count{{route=\"{route}\",method=\"{method}\"}} {cumulative}"
            );
        }
        drop(routes);
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        counter(
            &mut out,
            "heard_responses_stored_total",
            "Responses stored by respondents sending their answers, since this process started.",
            self.responses_stored.load(Ordering::Relaxed),
        );
        let _ = writeln!(out, "# HELP heard_rate_limited_total Requests refused by a rate limit, by limit.");
        let _ = writeln!(out, "# TYPE heard_rate_limited_total counter");
        let _ = writeln!(
            out,
            "heard_rate_limited_total{{limit=\"sign-in\"}} {}",
            self.limited_sign_in.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "heard_rate_limited_total{{limit=\"public-post\"}} {}",
            self.limited_public.load(Ordering::Relaxed)
        );
        let gauge = |out: &mut String, name: &str, help: &str, v: i64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        gauge(&mut out, "heard_responses", "Responses stored in the database (all waves).", gauges.responses);
        gauge(&mut out, "heard_drafts_open", "Answers under way: drafts not yet sent.", gauges.drafts_open);
        let _ = writeln!(out, "# HELP heard_outbox_depth Email messages in the outbox, by status.");
        let _ = writeln!(out, "# TYPE heard_outbox_depth gauge");
        let _ = writeln!(out, "heard_outbox_depth{{status=\"pending\"}} {}", gauges.outbox_pending);
        let _ = writeln!(out, "heard_outbox_depth{{status=\"failed\"}} {}", gauges.outbox_failed);
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let m = Metrics::default();
        m.observe("GET", "/s/{wave}", 200, Duration::from_micros(300));
        m.observe("GET", "/s/{wave}", 200, Duration::from_millis(7));
        m.observe("GET", "/s/{wave}", 404, Duration::from_secs(5));
        let text = m.render(&Gauges::default());
        assert!(text.contains("heard_http_requests_total{route=\"/s/{wave}\",method=\"GET\",status=\"2xx\"} 2"));
        assert!(text.contains("heard_http_requests_total{route=\"/s/{wave}\",method=\"GET\",status=\"4xx\"} 1"));
        assert!(text.contains("le=\"0.0005\"} 1"));
        assert!(text.contains("le=\"0.01\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 3"));
        assert!(text.contains("heard_http_request_duration_seconds_count{route=\"/s/{wave}\",method=\"GET\"} 3"));
    }
}
