//! Admin screens: the framework (edit, add, archive instead of delete) and staff accounts,
//! audited, admin-only and isolated. Both databases.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in, status};

fn item_id(app: &crate::helpers::TestApp, table: &str, code: &str) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let mut c = app.db.connect();
    let sql = format!(
        "SELECT t.id AS id FROM {table} t JOIN partnerships p ON p.id = t.partnership_id WHERE p.slug = 'torbay' AND t.code = '{code}'"
    );
    diesel::sql_query(sql).load::<Id>(&mut c).expect("query").remove(0).id
}

fn framework_edit_add_archive(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let page = b.get("/staff/framework");
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("Everyone helps children with SEND")
            && page.html.contains("Be honest")
            && page.html.contains("P2.1")
    );
    let p1 = item_id(&app, "priorities", "P1");
    let r = b.post_staff(
        &format!("/staff/framework/priority/{p1}"),
        &[("text", "SEND is everyone's business"), ("detail", "Everyone helps")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM priorities WHERE short_title = 'Everyone helps'"), 1);
    // Archive a value: it leaves the live codes, but stays for old tags.
    let v = item_id(&app, "pledge_values", "be-kind");
    b.post_staff(
        &format!("/staff/framework/value/{v}"),
        &[("text", "Be kind"), ("detail", "We will listen carefully"), ("archived", "yes")],
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM pledge_values WHERE code = 'be-kind' AND archived_at IS NOT NULL"),
        1
    );
    assert!(app.count("SELECT COUNT(*) AS n FROM question_tags WHERE code = 'be-kind'") > 0, "old tags kept");
    b.post_staff(
        &format!("/staff/framework/value/{v}"),
        &[("text", "Be kind"), ("detail", "We will listen carefully")],
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM pledge_values WHERE code = 'be-kind' AND archived_at IS NULL"), 1);
    // Add a priority and an outcome statement under it.
    let r = b.post_staff(
        "/staff/framework/priority",
        &[("code", "P6"), ("text", "Health and wellbeing"), ("detail", "Feeling well")],
    );
    assert_eq!(r.status, 200);
    let r = b.post_staff(
        "/staff/framework/outcome",
        &[("code", "P6.1"), ("text", "Young people say they feel well."), ("detail", "P6")],
    );
    assert_eq!(r.status, 200);
    assert!(r.html.contains("Outcome P6.1 (priority P6)"));
    let dup = b.post_staff("/staff/framework/priority", &[("code", "P6"), ("text", "Again"), ("detail", "Again")]);
    assert_eq!(dup.status, 409);
    assert!(dup.html.contains("already used"));
    let bad = b.post_staff("/staff/framework/outcome", &[("code", "X1"), ("text", "x"), ("detail", "P99")]);
    assert_eq!(bad.status, 409);
    let empty = b.post_staff(&format!("/staff/framework/priority/{p1}"), &[("text", " "), ("detail", "x")]);
    assert_eq!(empty.status, 400);
    assert!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'framework.%'") >= 4);
    // Not for analysts; not across partnerships.
    let (a, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(status(&a, "/staff/framework"), 403);
    assert_eq!(a.post_staff(&format!("/staff/framework/priority/{p1}"), &[("text", "x"), ("detail", "y")]).status, 403);
    let mut conn = app.db.connect();
    heard::models::account::add(
        &mut conn,
        &heard::models::account::NewAccount {
            email: "admin@southend.example".into(),
            role: heard::models::account::Role::Admin,
            partnership: Some("southend".into()),
            password: PASSWORD.into(),
        },
    )
    .expect("add");
    let (s, _) = sign_in(&app, "admin@southend.example", PASSWORD);
    assert_eq!(
        s.post_staff(&format!("/staff/framework/priority/{p1}"), &[("text", "hijacked"), ("detail", "y")]).status,
        404
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM priorities WHERE title = 'hijacked'"), 0);
}
both!(framework_edit_add_archive);

fn admins_add_staff(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let page = b.get("/staff/users");
    assert!(page.html.contains("analyst@torbay.example") && !page.html.contains("southend.example"));
    assert!(!page.html.contains("argon2"), "never the hash");
    let short =
        b.post_staff("/staff/users", &[("email", "new@torbay.example"), ("role", "analyst"), ("password", "short")]);
    assert_eq!(short.status, 400);
    assert!(short.html.contains("at least 12 characters"));
    let norole = b.post_staff("/staff/users", &[("email", "new@torbay.example"), ("password", PASSWORD)]);
    assert_eq!(norole.status, 400);
    let superadmin = b
        .post_staff("/staff/users", &[("email", "new@torbay.example"), ("role", "superadmin"), ("password", PASSWORD)]);
    assert_eq!(superadmin.status, 400, "admins cannot make superadmins");
    let ok =
        b.post_staff("/staff/users", &[("email", "New@Torbay.example"), ("role", "viewer"), ("password", PASSWORD)]);
    assert_eq!(ok.status, 200);
    assert!(ok.html.contains("new@torbay.example"));
    let dup =
        b.post_staff("/staff/users", &[("email", "new@torbay.example"), ("role", "viewer"), ("password", PASSWORD)]);
    assert!(dup.html.contains("already an account"));
    let (_, home) = sign_in(&app, "new@torbay.example", PASSWORD);
    assert_eq!(home.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.added'"), 1);
    let (a, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert_eq!(status(&a, "/staff/users"), 403);
    // Removing an account ends its sessions at once; admins cannot remove themselves or
    // another partnership's staff.
    let (new, _) = sign_in(&app, "new@torbay.example", PASSWORD);
    assert_eq!(status(&new, "/staff"), 200);
    let me = b.post_staff("/staff/users/remove", &[("email", "admin@torbay.example")]);
    assert_eq!(me.status, 400);
    assert!(me.html.contains("You cannot remove your own account"));
    assert_eq!(b.post_staff("/staff/users/remove", &[("email", "analyst@southend.example")]).status, 404);
    let gone = b.post_staff("/staff/users/remove", &[("email", "new@torbay.example")]);
    assert_eq!(gone.status, 200);
    assert!(!gone.html.contains("new@torbay.example"));
    assert_eq!(status(&new, "/staff"), 303, "the removed person is signed out");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM accounts WHERE email = 'analyst@southend.example'"), 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'user.removed'"), 1);
}
both!(admins_add_staff);
