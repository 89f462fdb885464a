//! The CSV importers: invitation contacts, past responses and published counts, against an
//! in-memory SQLite database holding the demo. Any bytes in: rows imported or a list of
//! problems, never a panic.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;

thread_local! {
    static CONN: RefCell<heard::db::DbConnection> = RefCell::new({
        let url = heard::db::DatabaseUrl::parse("sqlite://:memory:").expect("url");
        let mut c = heard::db::establish(&url).expect("in-memory database");
        c.run_migrations().expect("migrations");
        heard::demo::load(&mut c, 2000, false).expect("demo");
        c
    });
}

fuzz_target!(|data: &[u8]| {
    let audiences = vec!["young-people".to_owned(), "parents-carers".to_owned()];
    let _ = heard::models::invitations::parse_contacts(data, &audiences);
    CONN.with(|c| {
        let mut c = c.borrow_mut();
        let _ = heard::models::import::import_responses(&mut c, "fuzz.csv", "torbay-participation-2024", data, 2000);
        let _ = heard::models::import::import_counts(&mut c, "fuzz.csv", "torbay-participation-2023", data, true);
    });
});
