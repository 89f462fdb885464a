//! The data map covers the schema: every table in the database has an entry (what it holds,
//! why, who sees it, how long it is kept) and every entry is a table, so adding a table
//! without saying what it holds fails here. The admin page shows it with the retention
//! schedule from the running settings, a privacy notice per survey, the records of processing
//! and the DPIA draft; the same pack in Word reads in LibreOffice. Both databases.

use diesel::prelude::*;
use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn the_data_map_covers_every_table(backend: Backend) {
    let (app, _, _) = setup(backend);
    let list = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '__diesel_schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    let mut conn = app.db.connect();
    let mut tables: Vec<String> =
        diesel::sql_query(list).load::<Name>(&mut conn).expect("tables").into_iter().map(|n| n.name).collect();
    tables.sort();
    assert!(tables.len() > 40, "{tables:?}");
    let missing: Vec<&String> = tables.iter().filter(|t| heard::domain::datamap::entry(t).is_none()).collect();
    assert!(missing.is_empty(), "tables without an entry in domain::datamap: {missing:?}");
    let stale: Vec<&str> =
        heard::domain::datamap::MAP.iter().map(|e| e.table).filter(|t| !tables.iter().any(|x| x == t)).collect();
    assert!(stale.is_empty(), "entries for tables that do not exist: {stale:?}");

    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let page = admin.get("/staff/privacy");
    assert_eq!(page.status, 200, "{}", page.html);
    let map = "section[aria-labelledby=map] tbody tr";
    assert_eq!(page.text_of(map).len(), tables.len());
    let answers = page.text_of(map).into_iter().find(|r| r.starts_with("answers")).expect("answers");
    assert!(answers.contains("special category") && answers.contains("1095 days"), "{answers}");
    assert!(
        page.text_of("section[aria-labelledby=schedule] li")
            .iter()
            .any(|l| l.contains("30 days after it was last saved"))
    );

    // A privacy notice per survey of the partnership, from its own settings, in plain and
    // easy-read words; the records of processing; the DPIA under the ICO's seven steps.
    let surveys: i64 = app.count(
        "SELECT COUNT(*) AS n FROM survey_series s JOIN partnerships p ON p.id = s.partnership_id WHERE p.slug = 'torbay'",
    );
    let notices = page.attr_of("section[aria-labelledby^=notice-]", "aria-labelledby");
    assert_eq!(i64::try_from(notices.len()).unwrap_or(0), surveys, "{notices:?}");
    let participation = page.text_of("section[aria-labelledby=notice-torbay-participation]").join(" ");
    assert!(
        participation.contains("In easy read") && participation.contains("We do not ask your name"),
        "{participation}"
    );
    assert!(participation.contains("10 years"), "the demo's period for written answers: {participation}");
    let steps = page.text_of("section[aria-labelledby=dpia] h3");
    assert_eq!(steps.len(), 7, "{steps:?}");
    assert!(steps[0].starts_with("Step 1") && steps[6].starts_with("Step 7"));
    assert!(page.text_of("section[aria-labelledby=records] th[scope=row]").len() >= 8);
    assert!(page.text_of(".council").iter().all(|t| t.starts_with("[Council to write]")));

    // The same pack in Word, as LibreOffice reads it: every table, every notice, every step.
    let res = admin.raw().get(format!("{}/staff/privacy?format=docx", admin.base)).send().expect("download");
    assert_eq!(res.status().as_u16(), 200);
    let bytes = res.bytes().expect("docx").to_vec();
    if let Some(text) = crate::helpers::office_reads(&bytes, "docx", "txt:Text") {
        for t in &tables {
            assert!(text.contains(t.as_str()), "the Word pack names the table {t}");
        }
        for heading in [
            "Retention schedule",
            "Data map",
            "Records of processing",
            "Step 5: Identify and assess risks",
            "In easy read",
        ] {
            assert!(text.contains(heading), "the Word pack has {heading}");
        }
        let headings = text.lines().filter(|l| l.trim_start().starts_with("Privacy notice: ")).count();
        assert_eq!(headings, notices.len(), "one notice per survey in Word too");
        assert!(text.contains("[Council to write]"));
    }
    assert_eq!(admin.get("/staff/privacy?format=pdf").status, 400);
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(analyst.get("/staff/privacy").status, 403);
}
both!(the_data_map_covers_every_table);
