//! Migrations run up, down and up again on both databases.

use heard::db::Backend;

use crate::both;
use crate::helpers::TestDb;

fn up_down_up(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.connect();
    assert!(conn.run_migrations().expect("up") >= 1);
    heard::demo::load(&mut conn, 2000, false).expect("demo on a fresh schema");
    assert!(conn.revert_all_migrations().expect("down") >= 1);
    assert!(conn.run_migrations().expect("up again") >= 1);
    assert_eq!(conn.run_migrations().expect("nothing pending"), 0);
    let summary = heard::demo::load(&mut conn, 2000, false).expect("demo again");
    assert_eq!(summary.partnerships.len(), 3);
}
both!(up_down_up);

#[test]
fn both_engines_have_the_same_migration_names() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .expect("migrations folder")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        v.sort();
        v
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}
