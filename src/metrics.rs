//! Prometheus metrics, served at `/metrics` in the text exposition format, with the
//! `prometheus` crate: a [`Registry`] of this app's own (never the crate's global one, so
//! several apps in one process, as in the tests, keep their own counts), rendered by its
//! `TextEncoder`.
//!
//! Per route (its pattern, such as `/s/{wave}/q/{key}`, so the label set stays small and no
//! survey, person or token ever appears in a label) and method: requests by status class and
//! a latency histogram. Counters of responses stored and of requests refused by a rate limit.
//! The `/metrics` handler adds gauges read from the database at scrape time: responses stored
//! in all, drafts under way and the email outbox's depth.
//!
//! Counters live in this process: with several instances, Prometheus sums them.

use std::sync::Mutex;
use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

use crate::ratelimit::Limit;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// The `status` label of `heard_http_requests_total`, by the status's first digit.
const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// This process's counters, and the gauges filled in when scraped.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    /// Responses stored by respondents' sends (not imports or paper entry).
    responses_stored: IntCounter,
    /// Requests refused by a rate limit, by limit.
    rate_limited: IntCounterVec,
    responses: IntGauge,
    drafts_open: IntGauge,
    outbox_depth: IntGaugeVec,
    /// Held while the gauges are set and everything is read, so two scrapes at once each
    /// read the gauges they set.
    scraping: Mutex<()>,
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
    /// Every metric, registered in a registry of its own. Fails only if a name or label here
    /// is not one Prometheus accepts.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "heard_http_requests_total",
                "HTTP requests answered, by route pattern, method and status class.",
            ),
            &["route", "method", "status"],
        )?;
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "heard_http_request_duration_seconds",
                "Time from request to response, by route pattern and method.",
            )
            .buckets(BUCKETS.to_vec()),
            &["route", "method"],
        )?;
        let responses_stored = IntCounter::new(
            "heard_responses_stored_total",
            "Responses stored by respondents sending their answers, since this process started.",
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new("heard_rate_limited_total", "Requests refused by a rate limit, by limit."),
            &["limit"],
        )?;
        let responses = IntGauge::new("heard_responses", "Responses stored in the database (all waves).")?;
        let drafts_open = IntGauge::new("heard_drafts_open", "Answers under way: drafts not yet sent.")?;
        let outbox_depth =
            IntGaugeVec::new(Opts::new("heard_outbox_depth", "Email messages in the outbox, by status."), &["status"])?;
        // Series that are there from the start, at 0.
        for limit in [Limit::SignIn, Limit::PublicPost] {
            rate_limited.get_metric_with_label_values(&[limit_label(limit)])?;
        }
        for status in ["pending", "failed"] {
            outbox_depth.get_metric_with_label_values(&[status])?;
        }
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(durations.clone()))?;
        registry.register(Box::new(responses_stored.clone()))?;
        registry.register(Box::new(rate_limited.clone()))?;
        registry.register(Box::new(responses.clone()))?;
        registry.register(Box::new(drafts_open.clone()))?;
        registry.register(Box::new(outbox_depth.clone()))?;
        Ok(Self {
            registry,
            requests,
            durations,
            responses_stored,
            rate_limited,
            responses,
            drafts_open,
            outbox_depth,
            scraping: Mutex::new(()),
        })
    }

    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, took: Duration) {
        let class = STATUS_CLASSES[usize::from((status / 100).clamp(1, 5) - 1)];
        // The label counts are right by construction, so these never fail; a metric is not
        // worth a panic if they did.
        if let Ok(c) = self.requests.get_metric_with_label_values(&[route, method, class]) {
            c.inc();
        }
        if let Ok(h) = self.durations.get_metric_with_label_values(&[route, method]) {
            h.observe(took.as_secs_f64());
        }
    }

    /// Counts a response stored by a respondent's send.
    pub fn response_stored(&self) {
        self.responses_stored.inc();
    }

    /// Counts a request refused by `limit`.
    pub fn rate_limited(&self, limit: Limit) {
        if let Ok(c) = self.rate_limited.get_metric_with_label_values(&[limit_label(limit)]) {
            c.inc();
        }
    }

    /// The exposition text, with `gauges` as read from the database.
    pub fn render(&self, gauges: &Gauges) -> Result<String, prometheus::Error> {
        let _scraping = self.scraping.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.responses.set(gauges.responses);
        self.drafts_open.set(gauges.drafts_open);
        self.outbox_depth.get_metric_with_label_values(&["pending"])?.set(gauges.outbox_pending);
        self.outbox_depth.get_metric_with_label_values(&["failed"])?.set(gauges.outbox_failed);
        let mut out = Vec::with_capacity(8 * 1024);
        prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// The `limit` label of `heard_rate_limited_total`.
fn limit_label(limit: Limit) -> &'static str {
    match limit {
        Limit::SignIn => "sign-in",
        Limit::PublicPost => "public-post",
    }
}

/// The value of the sample `name{labels}` in exposition text: the name and the whole label set
/// must match, in any order (the format does not fix the order of labels). `sample` is written
/// as in the text format, e.g. `heard_outbox_depth{status="pending"}`.
pub fn sample_value(text: &str, sample: &str) -> Option<f64> {
    let wanted = parse_sample(sample.trim())?;
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let (series, value) = line.trim_end().rsplit_once(' ')?;
        (parse_sample(series)? == wanted).then(|| value.parse().ok())?
    })
}

/// A sample's name and its labels, sorted: `name{a="1",b="2"}` (values unescaped).
fn parse_sample(series: &str) -> Option<(String, Vec<(String, String)>)> {
    let Some((name, rest)) = series.split_once('{') else { return Some((series.to_owned(), Vec::new())) };
    let mut labels = Vec::new();
    let mut chars = rest.chars();
    loop {
        let mut label = String::new();
        for c in chars.by_ref() {
            match c {
                '=' => break,
                '}' if label.is_empty() => {
                    labels.sort();
                    return chars.as_str().is_empty().then(|| (name.to_owned(), labels));
                }
                _ => label.push(c),
            }
        }
        if chars.next()? != '"' {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        }
        labels.push((label.trim().to_owned(), value));
        match chars.next()? {
            ',' => {}
            '}' => {
                labels.sort();
                return chars.as_str().is_empty().then(|| (name.to_owned(), labels));
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let m = Metrics::new().unwrap();
        m.observe("GET", "/s/{wave}", 200, Duration::from_micros(300));
        m.observe("GET", "/s/{wave}", 200, Duration::from_millis(7));
        m.observe("GET", "/s/{wave}", 404, Duration::from_secs(5));
        let text = m.render(&Gauges::default()).unwrap();
        let at = |sample: &str| sample_value(&text, sample);
        assert_eq!(at("heard_http_requests_total{route=\"/s/{wave}\",method=\"GET\",status=\"2xx\"}"), Some(2.0));
        assert_eq!(at("heard_http_requests_total{route=\"/s/{wave}\",method=\"GET\",status=\"4xx\"}"), Some(1.0));
        let bucket = |le: &str| {
            at(&format!(
                "heard_http_request_duration_seconds_bucket{{route=\"/s/{{wave}}\",method=\"GET\",le=\"{le}\"}}"
            ))
        };
        assert_eq!(bucket("0.0005"), Some(1.0));
        assert_eq!(bucket("0.01"), Some(2.0));
        assert_eq!(bucket("+Inf"), Some(3.0));
        assert_eq!(at("heard_http_request_duration_seconds_count{route=\"/s/{wave}\",method=\"GET\"}"), Some(3.0));
    }

    #[test]
    fn every_series_is_there_with_its_help_and_type() {
        let m = Metrics::new().unwrap();
        // (A family with no series yet, such as requests before the first, is left out.)
        m.observe("POST", "/s/{wave}/q/{key}", 303, Duration::from_millis(2));
        m.response_stored();
        m.rate_limited(Limit::PublicPost);
        let gauges = Gauges { responses: 7, drafts_open: 3, outbox_pending: 2, outbox_failed: 1 };
        let text = m.render(&gauges).unwrap();
        let at = |sample: &str| sample_value(&text, sample);
        assert_eq!(at("heard_responses_stored_total"), Some(1.0));
        assert_eq!(at("heard_rate_limited_total{limit=\"sign-in\"}"), Some(0.0), "there before any refusal");
        assert_eq!(at("heard_rate_limited_total{limit=\"public-post\"}"), Some(1.0));
        assert_eq!(at("heard_responses"), Some(7.0));
        assert_eq!(at("heard_drafts_open"), Some(3.0));
        assert_eq!(at("heard_outbox_depth{status=\"pending\"}"), Some(2.0));
        assert_eq!(at("heard_outbox_depth{status=\"failed\"}"), Some(1.0));
        for (name, kind) in [
            ("heard_http_requests_total", "counter"),
            ("heard_http_request_duration_seconds", "histogram"),
            ("heard_responses_stored_total", "counter"),
            ("heard_rate_limited_total", "counter"),
            ("heard_responses", "gauge"),
            ("heard_drafts_open", "gauge"),
            ("heard_outbox_depth", "gauge"),
        ] {
            assert!(text.contains(&format!("# TYPE {name} {kind}\n")), "{name} {kind}\n{text}");
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
        assert!(text.contains(
            "# HELP heard_http_requests_total HTTP requests answered, by route pattern, method and status class.\n"
        ));
    }

    #[test]
    fn samples_match_by_label_set_whatever_the_order() {
        let text = "# TYPE x counter\nx{b=\"2\",a=\"q\\\"uote\"} 5\nx{a=\"1\"} 6\ny 7\n";
        assert_eq!(sample_value(text, "x{a=\"q\\\"uote\",b=\"2\"}"), Some(5.0));
        assert_eq!(sample_value(text, "x{a=\"1\"}"), Some(6.0));
        assert_eq!(sample_value(text, "x{b=\"2\"}"), None, "the whole label set, not a part of it");
        assert_eq!(sample_value(text, "y"), Some(7.0));
        assert_eq!(sample_value(text, "x"), None);
    }
}
