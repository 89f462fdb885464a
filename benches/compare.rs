//! Benchmark (not a test): the full year-on-year comparison of two waves of 500,000
//! responses with 20 questions each (20 million answers), on SQLite and PostgreSQL.
//!
//!   cargo bench --bench compare                       # SQLite in a temp file
//!   HEARD_BENCH_DATABASES="sqlite:///tmp/b.db postgres://postgres@127.0.0.1:5432/bench" cargo bench --bench compare
//!   HEARD_BENCH_RESPONSES=50000 cargo bench --bench compare   # smaller, for a quick look
//!
//! The data is generated inside the database with set-based SQL; a database that already
//! holds the two waves is reused. The goal is under 2 seconds per comparison on the 2-core
//! reference machine. Figures vary with the machine: report them with it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use diesel::connection::SimpleConnection;
use heard::db::{self, Backend, DatabaseUrl, DbConnection};
use heard::models::comparison::{CompareRequest, compare_waves};

const QUESTIONS: usize = 20;

fn survey(slug: &str, label: &str) -> String {
    let mut s = format!(
        "format = \"heard-survey/1\"\npartnership = \"torbay\"\n[series]\nslug = \"bench\"\ntitle = \"Benchmark survey\"\n[wave]\nslug = \"{slug}\"\nlabel = \"{label}\"\nstatus = \"closed\"\n[[audiences]]\nkey = \"parents-carers\"\nname = \"Parents\"\n[[audiences]]\nkey = \"young-people\"\nname = \"Young people\"\n"
    );
    let values = ["be-honest", "show-you-we-care", "be-thoughtful", "be-fair", "be-kind", "be-friendly"];
    for k in 0..QUESTIONS {
        s.push_str(&format!(
            "[[questions]]\nkey = \"q{k:02}\"\ntype = \"yes-sometimes-no\"\npriorities = [\"P{}\"]\nvalues = [\"{}\"]\n[questions.text.parents-carers]\ntitle = \"Question {k}\"\n[questions.text.young-people]\ntitle = \"Question {k}\"\n",
            k % 5 + 1,
            values[k % 6]
        ));
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

/// Fills a wave with `n` responses and 20 answers each, set-based.
fn fill(conn: &mut DbConnection, wave_slug: &str, n: i64, shift: i64) {
    let wave_id: heard::db::WaveId = heard::models::survey::find_wave(conn, wave_slug).expect("q").expect("wave").id;
    let seq = match conn.backend() {
        Backend::Sqlite => format!("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n})"),
        Backend::Postgres => format!("WITH seq(n) AS (SELECT generate_series(1, {n}))"),
    };
    let keys: Vec<String> = (0..QUESTIONS).map(|k| format!("('q{k:02}', {k})")).collect();
    let stamp = "'2024-10-01 12:00:00'";
    let t = Instant::now();
    conn.batch_execute(&format!(
        "{seq} INSERT INTO responses (id, wave_id, audience, channel, started_at, submitted_at, consent_to_quote, receipt_hash) \
         SELECT '{wave_slug}-' || n, '{wave_id}', CASE WHEN n % 2 = 0 THEN 'parents-carers' ELSE 'young-people' END, 'web', \
         CAST({stamp} AS TIMESTAMP), CAST({stamp} AS TIMESTAMP), false, NULL FROM seq"
    ))
    .expect("responses");
    conn.batch_execute(&format!(
        "{seq}, k(key, i) AS (VALUES {keys}) INSERT INTO answers (response_id, question_key, ordinal, option_value, text_value, number_value) \
         SELECT '{wave_slug}-' || n, key, 0, CASE WHEN (CAST(n AS BIGINT) * 7919 + i * 104729 + {shift}) % 100 < 45 + i THEN 'yes' \
         WHEN (CAST(n AS BIGINT) * 7919 + i * 104729 + {shift}) % 100 < 75 THEN 'sometimes' ELSE 'no' END, NULL, NULL FROM seq, k",
        keys = keys.join(", ")
    ))
    .expect("answers");
    eprintln!(
        "  filled {wave_slug}: {n} responses, {} answers in {:.1} s",
        n * QUESTIONS as i64,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    heard::models::aggregates::rebuild(conn, &wave_id).expect("counts");
    eprintln!("  counted {wave_slug} in {:.1} s", t.elapsed().as_secs_f64());
}

fn main() {
    let n: i64 = std::env::var("HEARD_BENCH_RESPONSES").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let dir = std::env::temp_dir().join("heard-bench");
    std::fs::create_dir_all(&dir).expect("dir");
    let default = format!("sqlite://{}", dir.join(format!("bench-{n}.db")).display());
    let urls = std::env::var("HEARD_BENCH_DATABASES").unwrap_or(default);
    for url in urls.split_whitespace() {
        let parsed = DatabaseUrl::parse(url).expect("url");
        let mut conn = db::establish(&parsed).expect("connect");
        conn.run_migrations().expect("migrate");
        heard::demo::load(&mut conn, 2000, false).expect("frameworks");
        eprintln!("{} ({n} responses per wave):", parsed.backend.name());
        for (slug, label, shift) in [("bench-2023", "2023", 0), ("bench-2024", "2024", 3)] {
            let src = survey(slug, label);
            let def = heard::domain::SurveyDefinition::parse(slug, &src, 2000).expect("survey");
            heard::models::survey::import(&mut conn, slug, &src, &def).expect("import");
            let have = count(&mut conn, &format!("SELECT COUNT(*) AS n FROM responses WHERE id LIKE '{slug}-%'"));
            if have != n {
                conn.batch_execute(&format!("DELETE FROM responses WHERE id LIKE '{slug}-%'")).expect("clear");
                fill(&mut conn, slug, n, shift);
            }
        }
        conn.batch_execute("ANALYZE").expect("analyze");
        let request = CompareRequest {
            series: "bench".into(),
            from: "bench-2023".into(),
            to: "bench-2024".into(),
            audience: None,
            settings: heard::stats::Settings::default(),
            max_text: 2000,
            filter: heard::domain::filter::Filter::default(),
        };
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let out = compare_waves(&mut conn, &request).expect("compare");
            times.push(t.elapsed().as_secs_f64());
            assert_eq!(out.cases.len(), 3);
            assert_eq!(out.cases[2].questions.len(), QUESTIONS);
            assert_eq!(out.cases[2].questions[0].years["2024"].n_valid, n as u64);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "compare {} x 2 waves x {QUESTIONS} questions on {}: best {:.2} s, median {:.2} s (goal < 2 s)",
            n,
            parsed.backend.name(),
            times[0],
            times[1]
        );
    }
}
