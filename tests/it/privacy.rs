//! The data map covers the schema: every table in the database has an entry (what it holds,
//! why, who sees it, how long it is kept) and every entry is a table, so adding a table
//! without saying what it holds fails here. The admin page shows it with the retention
//! schedule from the running settings. Both databases.

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
    assert_eq!(page.text_of("table.datamap tbody tr").len(), tables.len());
    let answers =
        page.text_of("table.datamap tbody tr").into_iter().find(|r| r.starts_with("answers")).expect("answers");
    assert!(answers.contains("special category") && answers.contains("1095 days"), "{answers}");
    assert!(page.text_of("#schedule + ul li").iter().any(|l| l.contains("30 days after it was last saved")));
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(analyst.get("/staff/privacy").status, 403);
}
both!(the_data_map_covers_every_table);
