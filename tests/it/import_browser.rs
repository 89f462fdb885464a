//! Imports in the browser: a LimeSurvey export and a SmartSurvey export (made by hand from
//! their documented column layouts) brought into a wave through upload, preview, column and
//! value mapping, a dry run listing every problem by row and heading, and the import itself
//! (all or nothing, audited), with the mapping remembered for next year's file. Hostile
//! uploads are refused with nothing stored. Both databases.

use heard::db::Backend;
use scraper::Selector;

use crate::both;
use crate::builder::{add, start};
use crate::fixtures::{PASSWORD, setup, sign_in};
use crate::helpers::{Browser, Form, Page};

/// The mapping form as a browser would send it: hidden fields and every select's choice.
fn mapping_form(page: &Page) -> Form {
    let mut form = page.form_ending("/check");
    let doc = page.doc();
    let select = Selector::parse("form[action$='/check'] select").expect("selector");
    let option = Selector::parse("option").expect("selector");
    for s in doc.select(&select) {
        let name = s.value().attr("name").unwrap_or("").to_owned();
        let chosen = s
            .select(&option)
            .find(|o| o.value().attr("selected").is_some())
            .or_else(|| s.select(&option).next())
            .and_then(|o| o.value().attr("value"))
            .unwrap_or("")
            .to_owned();
        form = form.with(&name, &chosen);
    }
    form
}

/// Replaces a field's value (the last one sent wins in Heard's forms, so drop the first).
fn set(mut form: Form, name: &str, value: &str) -> Form {
    form.fields.retain(|(k, _)| k != name);
    form.with(name, value)
}

fn upload(b: &Browser, wave: &str, kind: &str, name: &str, bytes: &[u8]) -> Page {
    let page = b.get(&format!("/staff/waves/{wave}/import"));
    assert_eq!(page.status, 200, "{}", page.html);
    let form = page.form_ending("/import").with("kind", kind);
    b.submit_files(&form, vec![("file", name, bytes.to_vec())])
}

fn imports_from_other_tools(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (_, wave) = start(&b, "Past Years", &["parents-carers"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    for (kind, fields) in [
        (
            "yes-sometimes-no",
            vec![
                s("ask", "parents-carers"),
                s("key", "listened"),
                s("title-parents-carers", "Do professionals listen to you?"),
            ],
        ),
        (
            "multiple-choice",
            vec![
                s("ask", "parents-carers"),
                s("key", "helpfrom"),
                s("title-parents-carers", "Who helps you?"),
                s("opt-0-value", "school"),
                s("opt-0-label-parents-carers", "School"),
                s("opt-0-polarity", "neutral"),
                s("opt-1-value", "family"),
                s("opt-1-label-parents-carers", "Family"),
                s("opt-1-polarity", "neutral"),
                s("opt-2-value", "health"),
                s("opt-2-label-parents-carers", "Health services"),
                s("opt-2-polarity", "neutral"),
            ],
        ),
        (
            "number",
            vec![
                s("ask", "parents-carers"),
                s("key", "weeks"),
                s("title-parents-carers", "How many weeks did you wait?"),
            ],
        ),
        (
            "long-text",
            vec![s("ask", "parents-carers"), s("key", "comments"), s("title-parents-carers", "Anything else?")],
        ),
    ] {
        let saved = add(&b, &wave, kind, &fields);
        assert_eq!(saved.status, 200, "{}", saved.html);
    }
    let before = app.responses();

    // LimeSurvey: "Export results", CSV, question codes; answer codes A1–A3; a sub-question
    // column per multiple-choice answer holding Y; an IP address that must not come in.
    let lime = "id,token,submitdate,lastpage,startlanguage,seed,startdate,datestamp,ipaddr,listened,helpfrom[SQ001],helpfrom[SQ002],helpfrom[SQ003],weeks,comments\n\
        1,,2023-10-05 14:33:21,4,en,1234,2023-10-05 14:20:00,2023-10-05 14:33:21,10.1.2.3,A1,Y,,Y,12,It took a long time\n\
        2,,2023-10-06 09:01:00,4,en,5678,2023-10-06 08:50:00,2023-10-06 09:01:00,10.1.2.4,A3,,Y,,30,\n\
        3,,2023-10-07 18:45:10,4,en,9012,2023-10-07 18:40:00,2023-10-07 18:45:10,10.1.2.5,A2,Y,Y,,7,Better this year\n";
    let page = upload(&b, &wave, "responses", "limesurvey_survey_123456.csv", lime.as_bytes());
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.path().starts_with("/staff/imports/"), "{}", page.path());
    assert_eq!(page.text_of("thead th").first().map(String::as_str), Some("id"), "a preview of the rows");
    assert!(page.html.contains("10.1.2.3"), "the preview shows the file as it is");
    assert_eq!(app.responses(), before, "nothing stored by an upload");
    // The guesses: the day sent and the questions by code; the sub-questions need choosing.
    assert_eq!(page.attr_of("#col-2 option[selected]", "value"), ["meta:submitted_on"]);
    assert_eq!(page.attr_of("#col-9 option[selected]", "value"), ["q:listened"]);
    assert!(page.text_of(".mapping-row").iter().any(|t| t.contains("ipaddr") && t.contains("never imported")));
    // First check as guessed: A1–A3 are not answers, so the dry run lists them by row and
    // by the file's own heading, and nothing is stored.
    let checked = b.submit(&mapping_form(&page));
    assert_eq!(checked.status, 200, "{}", checked.html);
    let problems = checked.text_of("#problems tbody tr");
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].starts_with('2') && problems[0].contains("listened") && problems[0].contains("A1"),
        "{problems:?}"
    );
    assert!(!checked.has("form[action$='/import'] button"), "no import while there are problems");
    assert_eq!(app.responses(), before);
    // Map the codes and the sub-questions, check again: ready.
    let mut form = mapping_form(&checked);
    for (i, option) in [(10, "school"), (11, "family"), (12, "health")] {
        form = set(form, &format!("col-{i}"), &format!("tick:helpfrom:{option}"));
    }
    let raws: Vec<String> = checked.attr_of("input[name^='raw-9-']", "value");
    assert_eq!(raws, ["A1", "A2", "A3"]);
    for (j, v) in ["yes", "sometimes", "no"].iter().enumerate() {
        form = set(form, &format!("val-9-{j}"), v);
    }
    let ready = b.submit(&form);
    assert!(ready.text_of(".success").join("").contains("3 responses"), "{}", ready.html);
    let done = b.submit(&ready.form_ending("/import"));
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.path().ends_with(&format!("/staff/waves/{wave}/results")), "{}", done.path());
    assert_eq!(app.responses(), before + 3);
    let n = |sql: &str| app.count(sql);
    assert_eq!(n("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'helpfrom'"), 5, "ticked answers: 2 + 1 + 2");
    assert_eq!(
        n("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'listened' AND option_value = 'sometimes'"),
        1
    );
    assert_eq!(n("SELECT COUNT(*) AS n FROM answers WHERE text_value LIKE '%10.1.2%'"), 0, "no IP address");
    assert_eq!(n("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'responses.imported'"), 1);
    assert_eq!(n("SELECT COUNT(*) AS n FROM import_drafts"), 0, "the draft is gone");
    assert_eq!(n("SELECT COUNT(*) AS n FROM import_mappings"), 1, "the mapping is kept");
    // Next year's file from LimeSurvey, same headings: the mapping comes back.
    let again = upload(&b, &wave, "responses", "limesurvey_survey_123456.csv", lime.as_bytes());
    assert!(again.html.contains("as you set them last time"), "{}", again.html);
    assert_eq!(again.attr_of("#col-10 option[selected]", "value"), ["tick:helpfrom:school"]);

    // SmartSurvey: answers as words, a column per ticked answer, UK dates; name and email.
    let smart = "UserID,Name,Email,IP Address,Unique ID,Started,Ended,Tracking Link,Custom Value,Q1. Do professionals listen to you?,Q2. Who helps you?: School,Q2. Who helps you?: Family,Q2. Who helps you?: Health services,Q3. How many weeks did you wait?,Q4. Anything else?\n\
        9001,Jo Bloggs,jo@example.org,10.9.9.9,abc,05/10/2023 14:20,05/10/2023 14:33,,,Yes,School,,,12,Fine\n\
        9002,,,10.9.9.8,abd,06/10/2023 09:00,06/10/2023 09:05,,,Sometimes,,Family,Health services,4,\n";
    let page = upload(&b, &wave, "responses", "smartsurvey-export.csv", smart.as_bytes());
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.attr_of("#col-9 option[selected]", "value"), ["q:listened"]);
    assert_eq!(page.attr_of("#col-11 option[selected]", "value"), ["tick:helpfrom:family"]);
    let ready = b.submit(&mapping_form(&page));
    assert!(ready.text_of(".success").join("").contains("2 responses"), "{}", ready.html);
    b.submit(&ready.form_ending("/import"));
    assert_eq!(app.responses(), before + 5);
    assert_eq!(
        n("SELECT COUNT(*) AS n FROM answers WHERE text_value LIKE '%Bloggs%' OR text_value LIKE '%example.org%'"),
        0
    );
    let days = app.count_str("SELECT MIN(CAST(submitted_at AS TEXT)) AS s FROM responses WHERE channel = 'import'");
    assert!(days.starts_with("2023-10-05"), "{days}");

    // Published counts: audience, question, option, count.
    let counts = "audience,question,option,count\nparents-carers,listened,yes,40\nparents-carers,listened,no,12\n";
    let page = upload(&b, &wave, "counts", "published.csv", counts.as_bytes());
    let ready = b.submit(&mapping_form(&page));
    assert!(ready.text_of(".success").join("").contains("2 counts"), "{}", ready.html);
    b.submit(&ready.form_ending("/import"));
    assert_eq!(n("SELECT COUNT(*) AS n FROM imported_counts"), 2);
    assert_eq!(n("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'counts.imported'"), 1);

    // Hostile: not a CSV, too big, another partnership, a viewer.
    let before = app.responses();
    let junk = upload(&b, &wave, "responses", "photo.csv", &[0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3]);
    assert_eq!(junk.status, 400);
    assert!(junk.has("#file-error"), "{}", junk.html);
    // 101 MB: refused from its declared length before it is read. The server answers 413
    // and closes, so the client may fail to finish sending before it reads the answer:
    // either way the file is refused and nothing is stored (checked below).
    let start = b.get(&format!("/staff/waves/{wave}/import"));
    let token =
        start.form_ending("/import").fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).unwrap_or_default();
    let form = reqwest::blocking::multipart::Form::new()
        .text("csrf", token)
        .text("kind", "responses")
        .part("file", reqwest::blocking::multipart::Part::bytes(vec![b'a'; 101 * 1024 * 1024]).file_name("huge.csv"));
    match b.raw().post(format!("{}/staff/waves/{wave}/import", b.base)).multipart(form).send() {
        Ok(res) => assert_eq!(res.status().as_u16(), 413),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    let waiting = upload(&b, &wave, "responses", "limesurvey_survey_123456.csv", lime.as_bytes());
    let path = waiting.path();
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get(&path).status, 404);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/import")).status, 404);
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(viewer.get(&path).status, 403);
    assert_eq!(app.responses(), before, "nothing stored by any of these");
}
both!(imports_from_other_tools);
