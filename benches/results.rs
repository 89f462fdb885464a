//! Benchmark (not a test): one wave's results, a filtered result, trends over 10 waves (and
//! comparisons and trends filtered by channel and by an answer), and
//! the responses CSV, with 500,000 responses × 20 questions in the latest wave and 10 waves
//! in the series, on SQLite and PostgreSQL. Library calls, as the pages make them (without
//! rendering HTML).
//!
//!   cargo bench --bench results                                  # SQLite in a temp file
//!   HEARD_BENCH_DATABASES="sqlite:///tmp/r.db postgres://postgres@127.0.0.1:5432/bench" cargo bench --bench results
//!   HEARD_BENCH_RESPONSES=50000 cargo bench --bench results      # smaller, for a quick look
//!
//! The nine earlier waves hold 20,000 responses each. Data is generated inside the database
//! with set-based SQL; a database that already holds it is reused. The CSV is written to a
//! sink that counts bytes; its memory is the growth of this process's peak resident size
//! while it runs. Goals (README): results and a filtered result under 200 ms, trends under
//! 200 ms, the CSV at 20 MB/s or more in under 64 MB. Figures vary with the machine.

#![allow(clippy::expect_used, clippy::unwrap_used)]

// The server's allocator, so the CSV costs here what it costs in a download.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::Instant;

use diesel::connection::SimpleConnection;
use heard::db::{self, Backend, DatabaseUrl, DbConnection};
use heard::domain::filter::{Filter, RawFilter};

const QUESTIONS: usize = 20;
const EARLIER: i64 = 20_000;

fn survey(slug: &str, label: &str) -> String {
    let mut s = format!(
        "format = \"heard-survey/1\"\npartnership = \"torbay\"\n[series]\nslug = \"bench-results\"\ntitle = \"Results benchmark\"\n[wave]\nslug = \"{slug}\"\nlabel = \"{label}\"\nstatus = \"closed\"\n[[audiences]]\nkey = \"parents-carers\"\nname = \"Parents\"\n[[audiences]]\nkey = \"young-people\"\nname = \"Young people\"\n"
    );
    for k in 0..QUESTIONS {
        // q00 is a single-choice question (as "what support does your child have?" is), so
        // its answers are kept crossed with every figure; the rest are scales.
        let kind = match k {
            0 => "single-choice",
            18 => "number",
            19 => "long-text",
            _ => "yes-sometimes-no",
        };
        s.push_str(&format!(
            "[[questions]]\nkey = \"q{k:02}\"\ntype = \"{kind}\"\npriorities = [\"P{}\"]\n[questions.text.parents-carers]\ntitle = \"Question {k}\"\n[questions.text.young-people]\ntitle = \"Question {k}\"\n",
            k % 5 + 1,
        ));
        if k == 0 {
            for v in ["yes", "sometimes", "no"] {
                s.push_str(&format!("[[questions.options]]\nvalue = \"{v}\"\nlabel = \"{v}\"\n"));
            }
        }
    }
    s
}

fn count(conn: &mut DbConnection, sql: &str) -> i64 {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).load::<N>(conn).expect("count").first().map(|r| r.n).unwrap_or(0)
}

/// Fills a wave with `n` responses over four channels and 56 days, 20 answers each, stored
/// in the order they were sent.
fn fill(conn: &mut DbConnection, wave_slug: &str, n: i64, shift: i64) {
    let wave_id: heard::db::WaveId = heard::models::survey::find_wave(conn, wave_slug).expect("q").expect("wave").id;
    let seq = match conn.backend() {
        Backend::Sqlite => format!("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n})"),
        Backend::Postgres => format!("WITH seq(n) AS (SELECT generate_series(1, {n}))"),
    };
    // Sent in order over 56 days, as a wave fills (a response every ten seconds or so at
    // 500,000): stored in the order sent, as Heard stores them.
    let seconds = format!("(CAST(n AS BIGINT) - 1) * {} / {n}", 56 * 86_400);
    let day = match conn.backend() {
        // Stored as diesel stores timestamps on SQLite: text.
        Backend::Sqlite => format!("datetime('2024-09-01 00:00:00', '+' || ({seconds}) || ' seconds')"),
        Backend::Postgres => format!("TIMESTAMP '2024-09-01 00:00:00' + ({seconds}) * INTERVAL '1 second'"),
    };
    let choices: Vec<String> = (0..18).map(|k| format!("('q{k:02}', {k})")).collect();
    let t = Instant::now();
    conn.batch_execute(&format!(
        "{seq} INSERT INTO responses (id, wave_id, audience, channel, started_at, submitted_at, consent_to_quote, receipt_hash) \
         SELECT '{wave_slug}-' || n, '{wave_id}', CASE WHEN n % 2 = 0 THEN 'parents-carers' ELSE 'young-people' END, \
         CASE n % 10 WHEN 0 THEN 'paper' WHEN 1 THEN 'panel' WHEN 2 THEN 'invitation' ELSE 'web' END, \
         {day}, {day}, false, NULL FROM seq"
    ))
    .expect("responses");
    conn.batch_execute(&format!(
        "{seq}, k(key, i) AS (VALUES {keys}) INSERT INTO answers (response_id, question_key, ordinal, option_value, text_value, number_value) \
         SELECT '{wave_slug}-' || n, key, 0, CASE WHEN (CAST(n AS BIGINT) * 7919 + i * 104729 + {shift}) % 100 < 45 + i THEN 'yes' \
         WHEN (CAST(n AS BIGINT) * 7919 + i * 104729 + {shift}) % 100 < 75 THEN 'sometimes' ELSE 'no' END, NULL, NULL FROM seq, k",
        keys = choices.join(", ")
    ))
    .expect("answers");
    conn.batch_execute(&format!(
        "{seq} INSERT INTO answers (response_id, question_key, ordinal, option_value, text_value, number_value) \
         SELECT '{wave_slug}-' || n, 'q18', 0, NULL, NULL, CAST(n % 30 AS DOUBLE PRECISION) FROM seq"
    ))
    .or_else(|_| {
        conn.batch_execute(&format!(
            "{seq} INSERT INTO answers (response_id, question_key, ordinal, option_value, text_value, number_value) \
             SELECT '{wave_slug}-' || n, 'q18', 0, NULL, NULL, CAST(n % 30 AS REAL) FROM seq"
        ))
    })
    .expect("numbers");
    conn.batch_execute(&format!(
        "{seq} INSERT INTO answers (response_id, question_key, ordinal, option_value, text_value, number_value) \
         SELECT '{wave_slug}-' || n, 'q19', 0, NULL, 'Answer emails. We waited weeks for a reply about the annual review, number ' || n, NULL \
         FROM seq WHERE n % 3 = 0"
    ))
    .expect("words");
    eprintln!("  filled {wave_slug}: {n} responses in {:.1} s", t.elapsed().as_secs_f64());
    heard::models::aggregates::rebuild(conn, &wave_id).expect("counts");
    heard::models::sheets::rebuild(conn, &wave_id).expect("sheets");
}

/// This process's peak resident size, in kB (Linux).
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let n: i64 = std::env::var("HEARD_BENCH_RESPONSES").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let dir = std::env::temp_dir().join("heard-bench");
    std::fs::create_dir_all(&dir).expect("dir");
    let default = format!("sqlite://{}", dir.join(format!("results-{n}-in-order.db")).display());
    let urls = std::env::var("HEARD_BENCH_DATABASES").unwrap_or(default);
    for url in urls.split_whitespace() {
        let parsed = DatabaseUrl::parse(url).expect("url");
        let mut conn = db::establish(&parsed).expect("connect");
        conn.run_migrations().expect("migrate");
        heard::demo::load(&mut conn, 2000, false).expect("frameworks");
        let engine = parsed.backend.name();
        eprintln!("{engine}: {n} responses in the latest wave, {EARLIER} in each of nine before it");
        for year in 2015..=2024 {
            let (slug, label) = (format!("bench-results-{year}"), year.to_string());
            let src = survey(&slug, &label);
            let def = heard::domain::SurveyDefinition::parse(&slug, &src, 2000).expect("survey");
            heard::models::survey::import(&mut conn, &slug, &src, &def).expect("import");
            let want = if year == 2024 { n } else { EARLIER };
            let have = count(&mut conn, &format!("SELECT COUNT(*) AS n FROM responses WHERE id LIKE '{slug}-%'"));
            if have != want {
                conn.batch_execute(&format!("DELETE FROM responses WHERE id LIKE '{slug}-%'")).expect("clear");
                fill(&mut conn, &slug, want, year - 2015);
            }
        }
        conn.batch_execute("ANALYZE").expect("analyze");
        let wave = heard::models::survey::get(&mut conn, "bench-results-2024", 2000).expect("wave");
        let (id, def) = (wave.row.id.clone(), wave.definition.clone());
        let s = heard::stats::Settings::default();
        let results = |conn: &mut DbConnection, f: &Filter| {
            let t = heard::models::results::tally(conn, &id, &def, f).expect("tally");
            let figures = heard::stats::results::figures(&def, &t, f, &s);
            assert_eq!(figures.len(), QUESTIONS);
            // Real figures: everyone who gave a number is counted (the bench's filters hold
            // at least a tenth of the wave).
            let given = figures
                .iter()
                .find(|q| q.key == "q18")
                .and_then(|q| q.groups.iter().find(|(g, _)| g == "everyone"))
                .map(|(_, fig)| fig.clone());
            assert!(
                matches!(given, Some(heard::stats::results::Figures::Number { n: m, .. }) if m >= n as u64 / 10),
                "{given:?}"
            );
        };
        let all = Filter::default();
        let unfiltered = best_of(3, || results(&mut conn, &all));
        let channel = RawFilter { channel: Some("paper".into()), ..RawFilter::default() }.check(&def).expect("filter");
        let filtered = best_of(3, || results(&mut conn, &channel));
        let days = RawFilter { from: Some("2024-09-15".into()), to: Some("2024-10-12".into()), ..RawFilter::default() }
            .check(&def)
            .expect("filter");
        let dated = best_of(3, || results(&mut conn, &days));
        let answer = RawFilter { answer: Some("q00:yes".into()), ..RawFilter::default() }.check(&def).expect("filter");
        let by_answer = best_of(1, || results(&mut conn, &answer));
        let trends_of = |conn: &mut DbConnection, f: &Filter| {
            let t = heard::models::trends::series_trends(conn, "bench-results", None, f, &s, 2000).expect("trends");
            assert_eq!(t.expect("series").waves.len(), 10);
        };
        let trends = best_of(3, || trends_of(&mut conn, &all));
        // Filtered comparisons and trends read the counts kept by channel, day and answer.
        let compare = |conn: &mut DbConnection, f: &Filter| {
            let req = heard::models::comparison::CompareRequest {
                series: "bench-results".into(),
                from: "bench-results-2023".into(),
                to: "bench-results-2024".into(),
                audience: None,
                settings: s.clone(),
                max_text: 2000,
                filter: f.clone(),
            };
            let out = heard::models::comparison::compare_waves(conn, &req).expect("compare");
            assert!(out.cases.iter().any(|c| c.composites.iter().flatten().any(|i| i.diff.is_some())), "real indices");
        };
        let compared = best_of(3, || compare(&mut conn, &all));
        let compared_channel = best_of(3, || compare(&mut conn, &channel));
        let compared_answer = best_of(3, || compare(&mut conn, &answer));
        let trends_channel = best_of(3, || trends_of(&mut conn, &channel));
        let trends_answer = best_of(3, || trends_of(&mut conn, &answer));
        // The responses CSV into a sink, as the download writes it.
        let before = peak_kb();
        let rows = heard::exports::responses::ResponseRows::new(&def, false, true);
        let mut bytes = rows.csv_start().expect("start").len();
        let t = Instant::now();
        let mut writing = 0.0;
        let reading = heard::models::export::Reading {
            wave_id: &id,
            wave_slug: "bench-results-2024",
            def: &def,
            filter: &all,
            words: true,
            batch: heard::models::export::BATCH,
        };
        let read = heard::models::export::each_response_overlapped(&mut conn, &reading, |batch| {
            let w = Instant::now();
            bytes += rows.csv_batch(&batch).expect("csv").len();
            writing += w.elapsed().as_secs_f64();
            true
        })
        .expect("read");
        let csv_secs = t.elapsed().as_secs_f64();
        let grew = peak_kb().saturating_sub(before);
        assert_eq!(read, n as u64);
        println!(
            "{engine}: comparison of the last two waves {:.0} ms, filtered by channel {:.0} ms, by an answer {:.0} ms; trends filtered by channel {:.0} ms, by an answer {:.0} ms (goal < 200)",
            compared * 1000.0,
            compared_channel * 1000.0,
            compared_answer * 1000.0,
            trends_channel * 1000.0,
            trends_answer * 1000.0,
        );
        println!(
            "{engine}, {n} responses x {QUESTIONS} questions: results {:.0} ms (goal < 200); filtered by channel {:.0} ms, by days {:.0} ms, by an answer {:.0} ms (goal < 200); trends over 10 waves {:.0} ms (goal < 200); responses CSV {:.1} MB in {:.1} s (writing rows {:.1} s) = {:.1} MB/s (goal >= 20), peak memory grew {:.1} MB (goal < 64)",
            unfiltered * 1000.0,
            filtered * 1000.0,
            dated * 1000.0,
            by_answer * 1000.0,
            trends * 1000.0,
            bytes as f64 / 1e6,
            csv_secs,
            writing,
            bytes as f64 / 1e6 / csv_secs,
            grew as f64 / 1024.0
        );
    }
}
