//! Survey management by staff: upload (problems shown, nothing half imported), open and
//! close with dates, start next year's wave, and preview as each audience. Both databases.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in, status};
use crate::helpers::Browser;

fn upload(b: &Browser, file: Option<(&str, &str)>, text: &str) -> (u16, String) {
    let mut form =
        reqwest::blocking::multipart::Form::new().text("csrf", b.staff_token()).text("text", text.to_owned());
    if let Some((name, body)) = file {
        form = form.part(
            "definition",
            reqwest::blocking::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_owned()),
        );
    }
    let client = reqwest::blocking::Client::builder().cookie_provider(b.jar.clone()).build().expect("client");
    let res = client.post(format!("{}/staff/surveys/upload", b.base)).multipart(form).send().expect("post");
    (res.status().as_u16(), res.text().unwrap_or_default())
}

fn upload_shows_problems_and_imports_whole(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let before = app.count("SELECT COUNT(*) AS n FROM waves");
    let broken = heard::demo::survey_source("torbay-participation-2030", "2030", "draft", "2030-09-01")
        .replace("type = \"face-scale\"", "type = \"face-scales\"");
    let (code, html) = upload(&b, Some(("torbay-2030.toml", &broken)), "");
    assert_eq!(code, 400);
    assert!(html.contains("Problems found") && html.contains("face-scales") && html.contains("Line "), "{html}");
    assert!(html.contains("nothing has been changed"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM waves"), before);
    // A tag that is not in the framework: reported, nothing imported.
    let mistagged = heard::demo::survey_source("torbay-participation-2030", "2030", "draft", "2030-09-01")
        .replace("priorities = [\"P5\"]", "priorities = [\"P7\"]");
    let (code, html) = upload(&b, None, &mistagged);
    assert_eq!(code, 400);
    assert!(html.contains("&quot;P7&quot; is not a priority code of torbay"), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM waves"), before);
    // Another partnership's survey.
    let (code, html) = upload(
        &b,
        None,
        &heard::demo::survey_source("x-2030", "2030", "draft", "2030-09-01")
            .replace("partnership = \"torbay\"", "partnership = \"southend\""),
    );
    assert_eq!(code, 403, "{html}");
    // Nothing chosen.
    assert_eq!(upload(&b, None, "   ").0, 400);
    // A good file imports and leads to its wave.
    let good = heard::demo::survey_source("torbay-participation-2030", "2030", "draft", "2030-09-01");
    let (code, html) = upload(&b, Some(("torbay-2030.toml", &good)), "");
    assert_eq!(code, 200, "{html}");
    assert!(html.contains("<h1>2030</h1>"), "redirected to the new wave's page");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM waves"), before + 1);
    assert!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'survey.imported'") == 1);
    // A wave with responses takes its own file back with only a comment changed (its long-text
    // questions used to compare unequal), and still refuses a changed question.
    let stored = app.count_str("SELECT definition AS s FROM waves WHERE slug = 'torbay-participation-2025'");
    assert!(app.count("SELECT COUNT(*) AS n FROM responses r JOIN waves w ON w.id = r.wave_id WHERE w.slug = 'torbay-participation-2025'") > 0);
    let (code, html) = upload(&b, None, &format!("# Checked again by the forum, December.\n{stored}"));
    assert_eq!(code, 200, "{html}");
    let retyped = stored.replace("type = \"long-text\"", "type = \"short-text\"");
    assert_ne!(retyped, stored, "the demo has a long-text question");
    let (code, html) = upload(&b, None, &retyped);
    assert_eq!(code, 409, "{html}");
    assert!(html.contains("already has"), "{html}");
    // A viewer cannot upload.
    let (v, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(status(&v, "/staff/surveys/upload"), 403);
}
both!(upload_shows_problems_and_imports_whole);

fn open_close_next_wave_and_preview(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let public = app.browser();
    assert_eq!(public.get("/s/torbay-participation-2025").status, 200);
    let closed = b.post_staff("/staff/waves/torbay-participation-2025/status", &[("status", "closed")]);
    assert_eq!(closed.status, 200);
    assert_eq!(public.get("/s/torbay-participation-2025").status, 410, "closed to the public at once");
    let bad = b.post_staff(
        "/staff/waves/torbay-participation-2025/status",
        &[("status", "open"), ("opens", "2026-09-01"), ("closes", "2026-01-01")],
    );
    assert_eq!(bad.status, 409);
    assert!(bad.html.contains("The closing date must be after the opening date."));
    let bad = b
        .post_staff("/staff/waves/torbay-participation-2025/status", &[("status", "open"), ("opens", "1st September")]);
    assert_eq!(bad.status, 400);
    b.post_staff("/staff/waves/torbay-participation-2025/status", &[("status", "open"), ("opens", "2025-09-01")]);
    assert_eq!(public.get("/s/torbay-participation-2025").status, 200);
    b.post_staff("/staff/waves/torbay-participation-2025/status", &[("status", "open"), ("opens", "2099-01-01")]);
    let later = public.get("/s/torbay-participation-2025");
    assert_eq!(later.status, 410);
    assert!(later.html.contains("is not open yet"));
    b.post_staff("/staff/waves/torbay-participation-2025/status", &[("status", "open")]);

    // Next year's wave keeps every key, starts as a draft, and can be previewed.
    let wave_page = b.get("/staff/waves/torbay-participation-2025");
    assert!(wave_page.html.contains("value=\"torbay-participation-2026\""), "suggests the next slug");
    let next = b.post_staff(
        "/staff/waves/torbay-participation-2025/next",
        &[("slug", "torbay-participation-2026"), ("label", "2026")],
    );
    assert_eq!(next.status, 200);
    assert!(next.html.contains("<h1>2026</h1>") && next.html.contains("draft"));
    let keys = |slug: &str| {
        use diesel::prelude::*;
        use heard::db::schema::{questions, waves};
        let mut c = app.db.connect();
        let mut k: Vec<String> = questions::table
            .inner_join(waves::table)
            .filter(waves::slug.eq(slug))
            .select(questions::question_key)
            .load(&mut c)
            .expect("keys");
        k.sort();
        k
    };
    assert_eq!(keys("torbay-participation-2026"), keys("torbay-participation-2025"));
    assert_eq!(public.get("/s/torbay-participation-2026").status, 404, "a draft is not public");
    let again = b.post_staff(
        "/staff/waves/torbay-participation-2025/next",
        &[("slug", "torbay-participation-2026"), ("label", "2026")],
    );
    assert_eq!(again.status, 409);
    let drafts_before = app.count("SELECT COUNT(*) AS n FROM drafts");
    let preview = b.get("/staff/waves/torbay-participation-2026/preview/young-people/1");
    assert_eq!(preview.status, 200);
    assert!(preview.html.contains("Preview") && preview.html.contains("Do adults listen to you?"));
    let second = b.submit(&preview.form_ending("/preview/young-people/1"));
    assert!(second.path().ends_with("/preview/young-people/2"), "{}", second.url);
    assert!(second.html.contains("Do adults tell you the truth"));
    let routed = b.get("/staff/waves/torbay-participation-2026/preview/parents-carers/7");
    assert!(routed.html.contains("only shown when has-plan is yes"), "routing is explained");
    assert_eq!(status(&b, "/staff/waves/torbay-participation-2026/preview/robots/1"), 404);
    assert_eq!(status(&b, "/staff/waves/torbay-participation-2026/preview/young-people/99"), 404);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM drafts"), drafts_before, "previews store nothing");
    // Other partnerships and viewers.
    let (s, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&s, "/staff/waves/torbay-participation-2026/preview/young-people/1"), 404);
    assert_eq!(s.post_staff("/staff/waves/torbay-participation-2025/status", &[("status", "closed")]).status, 404);
    let (v, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(v.post_staff("/staff/waves/torbay-participation-2025/status", &[("status", "closed")]).status, 403);
    assert_eq!(public.get("/s/torbay-participation-2025").status, 200);
}
both!(open_close_next_wave_and_preview);
