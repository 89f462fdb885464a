//! `heard loadtest`: simulated respondents walking a wave the way a phone with scripts off
//! does. Each respondent GETs a page, reads its form (hidden token, radios, checkboxes, text
//! boxes, buttons), fills it in at random, POSTs it with its cookies and follows the redirect,
//! until the check page (where it checks every answer it gave is shown back) and the send. A
//! receipt on the thank-you page is an acknowledged submission.
//!
//! It reports complete responses per second, p50/p95/p99 per request type and every error,
//! and with `--check` compares the stored count with the acknowledged one (and each receipt
//! with the database) at the end. With `--retry` a request that cannot reach the server is
//! tried again until the server is back (the crash-safety script kills and restarts the
//! server under it). See README "Performance".

pub mod http;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::IndexedRandom;
use regex::Regex;

use self::http::{Client, HttpError, Response};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `http://host:port`.
    pub url: String,
    pub wave: String,
    pub clients: usize,
    pub duration: Duration,
    /// The `Accept-Encoding` sent (`None`: plain responses).
    pub accept_encoding: Option<&'static str>,
    /// Keep retrying requests the server cannot answer (for the crash test).
    pub retry: bool,
    /// Append each acknowledged receipt code to this file, one per line, as it arrives.
    pub receipts: Option<std::path::PathBuf>,
    /// The server's process id, to report its peak memory.
    pub server_pid: Option<u32>,
}

/// Errors that stop the whole run (not one walk).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Setup(String),
}

/// Latencies of one request type, in microseconds.
#[derive(Debug, Default, Clone)]
struct Samples(Vec<u32>);

/// What one respondent thread saw.
#[derive(Debug, Default)]
struct Tally {
    samples: BTreeMap<&'static str, Samples>,
    walks: u64,
    errors: BTreeMap<String, u64>,
    receipts: Vec<String>,
    largest_question_page: usize,
    retries: u64,
}

/// The run's results.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub clients: usize,
    pub seconds: f64,
    pub walks: u64,
    pub walks_per_second: f64,
    pub requests: u64,
    pub requests_per_second: f64,
    pub requests_per_walk: f64,
    pub latency: Vec<TypeLatency>,
    pub all_p50_ms: f64,
    pub all_p95_ms: f64,
    pub all_p99_ms: f64,
    pub errors: BTreeMap<String, u64>,
    pub retries: u64,
    pub largest_question_page_bytes: usize,
    pub server_peak_rss_kib: Option<u64>,
    pub server_rss_kib: Option<u64>,
    #[serde(skip)]
    pub receipts: Vec<String>,
}

#[derive(Debug, serde::Serialize)]
pub struct TypeLatency {
    pub request: &'static str,
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let i = rank.clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

/// Parsed pieces of Heard's pages, compiled once.
struct Pages {
    form: Regex,
    field: Regex,
    attr: Regex,
    label: Regex,
    tag: Regex,
    summary: Regex,
    receipt: Regex,
}

impl Pages {
    fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            form: Regex::new(r#"(?s)<form\b[^>]*?\bmethod="post"[^>]*?\baction="([^"]+)"[^>]*>(.*?)</form>"#)?,
            field: Regex::new(r"<(input|textarea|button|select)\b([^>]*)>")?,
            attr: Regex::new(r#"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?"#)?,
            label: Regex::new(r#"(?s)<label[^>]*\bfor="([^"]+)"[^>]*>(.*?)</label>"#)?,
            tag: Regex::new(r"<[^>]*>")?,
            summary: Regex::new(
                r#"(?s)<dt>.*?</dt>\s*<dd>(.*?)</dd>\s*<dd class="change"><a href="[^"]*/q/([^"?&]+)"#,
            )?,
            receipt: Regex::new(r#"<p class="receipt">([^<]+)</p>"#)?,
        })
    }
}

fn unescape(s: &str) -> String {
    s.replace("&#x3D;", "=")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&#x60;", "`")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One form, read off a page.
struct Form {
    action: String,
    fields: Vec<(String, String)>,
    /// What the simulated person answered, as the check page should show it (question key →
    /// the labels or text given).
    gave: Option<(String, Vec<String>)>,
}

const WORDS: &[&str] = &[
    "The new key worker really listens to us",
    "Waiting lists are too long and nobody tells us why",
    "School is better since the plan changed — thank you",
    "I like the quiet room 😊",
    "Café club on Fridays helps my son a lot",
    "Please answer emails; we wait weeks",
    "Transport to college is hard",
    "Żeby ktoś nas słuchał",
];

impl Pages {
    fn fill(&self, body: &str, path: &str, rng: &mut impl Rng) -> Option<Form> {
        let m = self.form.captures(body)?;
        let action = unescape(m.get(1)?.as_str());
        let inner = m.get(2)?.as_str();
        let labels: HashMap<String, String> = self
            .label
            .captures_iter(inner)
            .filter_map(|c| {
                let text = c.get(2)?.as_str();
                let first = text.split("<br").next().unwrap_or(text);
                Some((c.get(1)?.as_str().to_owned(), unescape(self.tag.replace_all(first, "").trim())))
            })
            .collect();
        let mut fields = Vec::new();
        let mut choices: Vec<(String, String, String, bool)> = Vec::new();
        let mut text_name = None;
        let mut numeric = false;
        let mut has_continue = false;
        for f in self.field.captures_iter(inner) {
            let tag = f.get(1).map_or("", |m| m.as_str());
            let attrs: HashMap<&str, String> = self
                .attr
                .captures_iter(f.get(2).map_or("", |m| m.as_str()))
                .filter_map(|a| Some((a.get(1)?.as_str(), unescape(a.get(2).map_or("", |v| v.as_str())))))
                .collect();
            let name = attrs.get("name").cloned().unwrap_or_default();
            let kind = attrs.get("type").map(String::as_str).unwrap_or(if tag == "textarea" { "textarea" } else { "" });
            match (tag, kind) {
                ("input", "hidden") => fields.push((name, attrs.get("value").cloned().unwrap_or_default())),
                ("input", "radio") | ("input", "checkbox") => {
                    let label = attrs.get("id").and_then(|id| labels.get(id)).cloned().unwrap_or_default();
                    choices.push((name, attrs.get("value").cloned().unwrap_or_default(), label, kind == "checkbox"));
                }
                ("input", "text") | ("input", "number") | ("textarea", _) => {
                    numeric = attrs.get("inputmode").is_some_and(|m| m == "numeric") || kind == "number";
                    text_name = Some(name);
                }
                ("button", _) if name == "action" && attrs.get("value").is_some_and(|v| v == "continue") => {
                    has_continue = true;
                }
                _ => {}
            }
        }
        let key = path.rsplit_once("/q/").map(|(_, k)| k.split('?').next().unwrap_or(k).to_owned());
        let mut gave = Vec::new();
        if let Some((first_name, _, _, is_box)) = choices.first().cloned() {
            let group: Vec<_> = choices.iter().filter(|c| c.0 == first_name).collect();
            if is_box {
                // One to three boxes ticked.
                let n = rng.random_range(1..=group.len().min(3));
                for c in group.choose_multiple(rng, n) {
                    fields.push((c.0.clone(), c.1.clone()));
                    gave.push(c.2.clone());
                }
            } else if let Some(c) = group.choose(rng) {
                fields.push((c.0.clone(), c.1.clone()));
                gave.push(c.2.clone());
            }
        } else if let Some(name) = text_name {
            let text = if numeric {
                rng.random_range(8..=25).to_string()
            } else {
                (*WORDS.choose(rng).unwrap_or(&"Yes")).to_owned()
            };
            gave.push(text.clone());
            fields.push((name, text));
        }
        if has_continue {
            fields.push(("action".into(), "continue".into()));
        }
        let gave = key.filter(|_| !gave.is_empty()).map(|k| (k, gave));
        Some(Form { action, fields, gave })
    }
}

/// The request type a path and method are reported under.
fn classify(method: &str, path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or(path);
    let tail: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let post = method == "POST";
    match (tail.get(2).copied(), tail.len(), post) {
        (None, _, _) => "start page",
        (Some("who"), _, false) => "who (GET)",
        (Some("who"), _, true) => "who (POST)",
        (Some("q"), _, false) => "question (GET)",
        (Some("q"), _, true) => "answer (POST)",
        (Some("consent"), _, false) => "consent (GET)",
        (Some("consent"), _, true) => "consent (POST)",
        (Some("check"), _, _) => "check (GET)",
        (Some("send"), _, _) => "send (POST)",
        (Some("done"), _, _) => "done (GET)",
        (Some(_), 4, true) => "begin (POST)",
        (Some(_), _, _) => "audience page (GET)",
    }
}

struct Walker<'a> {
    client: Client,
    pages: &'a Pages,
    tally: Tally,
    retry: bool,
    stop: &'a AtomicBool,
}

/// Why a walk ended early.
struct WalkFailed(String);

impl Walker<'_> {
    fn timed(&mut self, method: &str, path: &str, fields: &[(String, String)]) -> Result<Response, WalkFailed> {
        let kind = classify(method, path);
        let mut waited = 0u32;
        loop {
            let t = Instant::now();
            let result = if method == "POST" { self.client.post_form(path, fields) } else { self.client.get(path) };
            match result {
                Ok(r) if self.retry && r.status == 503 => {
                    self.tally.retries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(r) => {
                    let us = u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX);
                    self.tally.samples.entry(kind).or_default().0.push(us);
                    return Ok(r);
                }
                Err(HttpError::Io(e)) if self.retry && waited < 1200 && !self.stop.load(Ordering::Relaxed) => {
                    // The server is down (being restarted): wait and send the same request
                    // again, as a person pressing the button again would.
                    let _ = e;
                    self.tally.retries += 1;
                    waited += 1;
                    self.client.disconnect();
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(WalkFailed(format!("{kind}: {e}"))),
            }
        }
    }

    fn expect(&self, r: &Response, status: u16, what: &str) -> Result<(), WalkFailed> {
        if r.status == status {
            Ok(())
        } else {
            let hint: String = r.body.lines().find(|l| l.contains("<p")).unwrap_or("").chars().take(160).collect();
            Err(WalkFailed(format!("{what}: HTTP {} (expected {status}) {hint}", r.status)))
        }
    }

    /// One respondent from the survey's front page to the receipt.
    fn walk(&mut self, wave: &str, rng: &mut impl Rng) -> Result<String, WalkFailed> {
        self.client.clear_cookies();
        // The front page is the audience choice (or, with one audience, its start page): a
        // form like every page after it.
        let mut path = format!("/s/{wave}");
        let mut gave: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for _ in 0..200 {
            let r = self.timed("GET", &path, &[])?;
            self.expect(&r, 200, classify("GET", &path))?;
            if path.ends_with("/done") {
                let code = self.pages.receipt.captures(&r.body).and_then(|c| c.get(1)).map(|m| m.as_str().trim());
                return code.map(str::to_owned).ok_or_else(|| WalkFailed("done page: no receipt code".into()));
            }
            if path.ends_with("/check") {
                self.check_summary(&r.body, &gave)?;
            }
            if path.contains("/q/") {
                self.tally.largest_question_page = self.tally.largest_question_page.max(r.wire_bytes);
            }
            let form = self
                .pages
                .fill(&r.body, &path, rng)
                .ok_or_else(|| WalkFailed(format!("{}: no form", classify("GET", &path))))?;
            if let Some((k, v)) = form.gave {
                gave.insert(k, v);
            }
            let r = self.timed("POST", &form.action, &form.fields)?;
            self.expect(&r, 303, classify("POST", &form.action))?;
            path = r
                .location
                .ok_or_else(|| WalkFailed(format!("{}: redirect without Location", classify("POST", &form.action))))?;
        }
        Err(WalkFailed("the walk went on for 200 pages without reaching the end".into()))
    }

    /// Every answer given is shown back on the check page, under its question.
    fn check_summary(&self, body: &str, gave: &BTreeMap<String, Vec<String>>) -> Result<(), WalkFailed> {
        let shown: HashMap<String, String> = self
            .pages
            .summary
            .captures_iter(body)
            .filter_map(|c| {
                let text = unescape(&self.pages.tag.replace_all(c.get(1)?.as_str(), " "));
                Some((c.get(2)?.as_str().to_owned(), text))
            })
            .collect();
        for (key, labels) in gave {
            let Some(text) = shown.get(key) else {
                return Err(WalkFailed(format!("check page: the answer to {key} is missing")));
            };
            if let Some(l) = labels.iter().find(|l| !text.contains(l.as_str())) {
                return Err(WalkFailed(format!("check page: {key} shows {text:?}, not {l:?}")));
            }
        }
        Ok(())
    }
}

/// Runs the plan and returns the report (the caller prints it and does the stored-count check).
pub fn run(plan: &Plan) -> Result<Report, LoadError> {
    let authority = plan
        .url
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or_else(|| {
            LoadError::Setup("--url must start with http:// (put TLS in front of Heard, not in here)".into())
        })?
        .to_owned();
    let addr: SocketAddr = authority
        .to_socket_addrs()
        .map_err(|e| LoadError::Setup(format!("cannot resolve {authority}: {e}")))?
        .next()
        .ok_or_else(|| LoadError::Setup(format!("{authority} has no address")))?;
    let pages = Arc::new(Pages::new().map_err(|e| LoadError::Setup(e.to_string()))?);
    let stop = Arc::new(AtomicBool::new(false));
    let receipts_file = match &plan.receipts {
        Some(p) => Some(Arc::new(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| LoadError::Setup(format!("cannot open {}: {e}", p.display())))?,
        ))),
        None => None,
    };
    let started = Instant::now();
    let deadline = started + plan.duration;
    let mut handles = Vec::new();
    for i in 0..plan.clients {
        let (pages, stop, receipts_file) = (pages.clone(), stop.clone(), receipts_file.clone());
        let (authority, wave, coding, retry) = (authority.clone(), plan.wave.clone(), plan.accept_encoding, plan.retry);
        let handle = std::thread::Builder::new()
            .name(format!("respondent-{i}"))
            .stack_size(256 * 1024)
            .spawn(move || {
                let mut rng = rand::rng();
                let mut w = Walker {
                    client: Client::new(addr, authority, coding),
                    pages: &pages,
                    tally: Tally::default(),
                    retry,
                    stop: &stop,
                };
                while Instant::now() < deadline {
                    match w.walk(&wave, &mut rng) {
                        Ok(code) => {
                            w.tally.walks += 1;
                            if let Some(f) = &receipts_file
                                && let Ok(mut f) = f.lock()
                            {
                                // A receipt not written would make --check report a loss
                                // that did not happen: say so among the run's errors.
                                if let Err(e) = writeln!(f, "{code}") {
                                    *w.tally.errors.entry(format!("writing the receipts file: {e}")).or_default() += 1;
                                }
                            }
                            w.tally.receipts.push(code);
                        }
                        Err(WalkFailed(why)) => {
                            *w.tally.errors.entry(why).or_default() += 1;
                            w.client.disconnect();
                            if !retry {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                        }
                    }
                }
                w.tally
            })
            .map_err(|e| LoadError::Setup(format!("cannot start respondent thread: {e}")))?;
        handles.push(handle);
    }
    let mut all = Tally::default();
    for h in handles {
        let t = h.join().map_err(|_| LoadError::Setup("a respondent thread panicked".into()))?;
        all.walks += t.walks;
        all.retries += t.retries;
        all.largest_question_page = all.largest_question_page.max(t.largest_question_page);
        all.receipts.extend(t.receipts);
        for (k, v) in t.errors {
            *all.errors.entry(k).or_default() += v;
        }
        for (k, v) in t.samples {
            all.samples.entry(k).or_default().0.extend(v.0);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    let mut every: Vec<u32> = Vec::new();
    let mut latency = Vec::new();
    for (kind, mut s) in all.samples {
        s.0.sort_unstable();
        every.extend_from_slice(&s.0);
        latency.push(TypeLatency {
            request: kind,
            count: s.0.len(),
            p50_ms: percentile(&s.0, 50.0),
            p95_ms: percentile(&s.0, 95.0),
            p99_ms: percentile(&s.0, 99.0),
            max_ms: s.0.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
        });
    }
    every.sort_unstable();
    let requests = every.len() as u64;
    let (peak, rss) = plan.server_pid.map(memory_of).unwrap_or((None, None));
    Ok(Report {
        clients: plan.clients,
        seconds,
        walks: all.walks,
        walks_per_second: all.walks as f64 / seconds,
        requests,
        requests_per_second: requests as f64 / seconds,
        requests_per_walk: if all.walks > 0 { requests as f64 / all.walks as f64 } else { 0.0 },
        latency,
        all_p50_ms: percentile(&every, 50.0),
        all_p95_ms: percentile(&every, 95.0),
        all_p99_ms: percentile(&every, 99.0),
        errors: all.errors,
        retries: all.retries,
        largest_question_page_bytes: all.largest_question_page,
        server_peak_rss_kib: peak,
        server_rss_kib: rss,
        receipts: all.receipts,
    })
}

/// Peak and current resident memory of a process, from `/proc` (Linux).
fn memory_of(pid: u32) -> (Option<u64>, Option<u64>) {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return (None, None) };
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    (field("VmHWM:"), field("VmRSS:"))
}

impl Report {
    /// A plain-text summary for the terminal.
    pub fn text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "{} respondents for {:.1} s: {} complete responses, {:.1} per second; {} requests ({:.0}/s, {:.1} per response)\n",
            self.clients,
            self.seconds,
            self.walks,
            self.walks_per_second,
            self.requests,
            self.requests_per_second,
            self.requests_per_walk
        ));
        s.push_str(&format!(
            "latency, all requests: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms\n",
            self.all_p50_ms, self.all_p95_ms, self.all_p99_ms
        ));
        s.push_str(&format!(
            "{:<22} {:>8} {:>9} {:>9} {:>9} {:>9}\n",
            "request", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
        ));
        for l in &self.latency {
            s.push_str(&format!(
                "{:<22} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}\n",
                l.request, l.count, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
            ));
        }
        s.push_str(&format!("largest question page on the wire: {} bytes\n", self.largest_question_page_bytes));
        if let Some(peak) = self.server_peak_rss_kib {
            s.push_str(&format!(
                "server memory: peak {:.1} MiB, now {:.1} MiB\n",
                peak as f64 / 1024.0,
                self.server_rss_kib.unwrap_or(0) as f64 / 1024.0
            ));
        }
        if self.retries > 0 {
            s.push_str(&format!("requests retried while the server was down: {}\n", self.retries));
        }
        if self.errors.is_empty() {
            s.push_str("errors: none\n");
        } else {
            s.push_str("errors:\n");
            for (e, n) in &self.errors {
                s.push_str(&format!("  {n} × {e}\n"));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_respondent_requests() {
        assert_eq!(classify("GET", "/s/w"), "start page");
        assert_eq!(classify("GET", "/s/w/q/age"), "question (GET)");
        assert_eq!(classify("POST", "/s/w/q/age?change=1"), "answer (POST)");
        assert_eq!(classify("POST", "/s/w/young-people/start"), "begin (POST)");
        assert_eq!(classify("GET", "/s/w/young-people"), "audience page (GET)");
        assert_eq!(classify("POST", "/s/w/send"), "send (POST)");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|x| x * 1000).collect();
        assert!((percentile(&v, 50.0) - 50.0).abs() < 1e-9);
        assert!((percentile(&v, 99.0) - 99.0).abs() < 1e-9);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }

    #[test]
    fn fills_a_question_form_and_remembers_the_label() -> Result<(), regex::Error> {
        let pages = Pages::new()?;
        let html = r#"<form method="post" action="/s/w/q/k" novalidate>
<input type="hidden" name="csrf" value="abc">
<label class="choice" for="a-0"><input type="radio" id="a-0" name="answer" value="yes"> <span>Yes</span></label>
<button type="submit" name="action" value="continue">Continue</button></form>"#;
        let mut rng = rand::rng();
        let form = pages.fill(html, "/s/w/q/k", &mut rng);
        let form = form.ok_or(regex::Error::Syntax("no form".into()))?;
        assert_eq!(form.action, "/s/w/q/k");
        assert!(form.fields.contains(&("csrf".into(), "abc".into())));
        assert!(form.fields.contains(&("answer".into(), "yes".into())));
        assert!(form.fields.contains(&("action".into(), "continue".into())));
        assert_eq!(form.gave, Some(("k".into(), vec!["Yes".into()])));
        Ok(())
    }
}
