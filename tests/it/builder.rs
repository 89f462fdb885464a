//! The survey builder, driven as a person with scripts off would: start a survey, add
//! questions of every type through the form, route, move, duplicate and delete, and download
//! the `heard-survey/1` file; the demo's 2025 questions typed in by hand give the demo's
//! definition. Refusals (empty fields, routing that points nowhere, stale versions, other
//! partnerships, forged ids) answer 4xx and change nothing. Both databases.

use heard::db::Backend;
use heard::domain::SurveyDefinition;
use heard::domain::survey::{Question, QuestionKind};

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in};
use crate::helpers::{Browser, Page, TestApp};

/// Starts a survey from the form and returns its wave's slug.
pub fn start(b: &Browser, title: &str, audiences: &[&str], others: &[&str]) -> (Page, String) {
    let page = b.get("/staff/surveys/new");
    assert_eq!(page.status, 200);
    let mut form = page.form_ending("/staff/surveys/new").with("title", title).with("label", "2026").with("slug", "");
    for a in audiences {
        form = form.with("audience", a);
    }
    for (i, o) in others.iter().enumerate() {
        form = form.with(&format!("other-{i}"), o);
    }
    let done = b.submit(&form);
    let slug = done.path().split('/').nth(3).unwrap_or("").to_owned();
    (done, slug)
}

/// The fields a person fills in for `q` on the question form (scripts off).
fn fields_for(q: &Question, audiences: &[&str]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![("key".into(), q.key.to_string())];
    let s = |v: &str| v.to_owned();
    for a in audiences.iter().filter(|a| q.is_for(a)) {
        f.push(("ask".into(), s(a)));
        let w = q.wording(a).expect("wording");
        f.push((format!("title-{a}"), w.title.clone()));
        f.push((format!("hint-{a}"), w.hint.clone()));
        if matches!(q.kind, QuestionKind::FaceScale | QuestionKind::YesSometimesNo) {
            for (i, o) in q.options.iter().enumerate() {
                f.push((format!("scale-{a}-{i}"), o.labels.get(*a).cloned().unwrap_or_default()));
            }
        }
    }
    if matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice) {
        f.push(("rows".into(), q.options.len().to_string()));
        for (i, o) in q.options.iter().enumerate() {
            f.push((format!("opt-{i}-value"), o.value.clone()));
            for a in audiences {
                f.push((format!("opt-{i}-label-{a}"), o.labels.get(*a).cloned().unwrap_or_default()));
            }
            f.push((format!("opt-{i}-polarity"), o.polarity.as_str().to_owned()));
            f.push((format!("opt-{i}-score"), o.score.map(|v| v.to_string()).unwrap_or_default()));
            f.push((format!("opt-{i}-symbol"), o.symbol.as_ref().map(|s| s.image.clone()).unwrap_or_default()));
        }
    }
    if q.required {
        f.push(("required".into(), "1".into()));
    }
    if q.kind.is_text() {
        f.push(("max_length".into(), q.max_length.to_string()));
    }
    if q.kind == QuestionKind::Number {
        f.push(("min".into(), q.min.map(|v| v.to_string()).unwrap_or_default()));
        f.push(("max".into(), q.max.map(|v| v.to_string()).unwrap_or_default()));
        if q.whole_number {
            f.push(("whole_number".into(), "1".into()));
        }
    }
    if let Some(r) = &q.show_if {
        for v in &r.any_of {
            f.push(("show_if".into(), format!("{}={v}", r.question)));
        }
    }
    for (name, codes) in [("priority", &q.priorities), ("value", &q.values), ("outcome", &q.outcomes)] {
        for c in codes {
            f.push((name.into(), c.clone()));
        }
    }
    if let Some(sym) = &q.symbol {
        f.push(("symbol".into(), sym.image.clone()));
        f.push(("symbol_alt".into(), sym.alt.clone()));
    }
    f
}

/// Adds a question through the form: opens "Add a question" of its type, fills it in, saves.
pub fn add(b: &Browser, wave: &str, kind: &str, fields: &[(String, String)]) -> Page {
    let page = b.get(&format!("/staff/waves/{wave}/build/new?type={kind}"));
    assert_eq!(page.status, 200, "{}", page.html);
    let mut form = page.form_ending("/build/new");
    form.fields.retain(|(k, _)| {
        k == "csrf" || k == "version" || k == "type" || (k == "rows" && !fields.iter().any(|(f, _)| f == "rows"))
    });
    for (k, v) in fields {
        form = form.with(k, v);
    }
    b.submit(&form.with("action", "save"))
}

fn definition(b: &Browser, wave: &str) -> (String, SurveyDefinition) {
    let res = b.raw().get(format!("{}/staff/waves/{wave}/definition.toml", b.base)).send().expect("get");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().expect("ct").starts_with("application/toml"));
    let text = res.text().expect("text");
    let def = SurveyDefinition::parse("downloaded.toml", &text, 2000).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, def)
}

fn edits(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action IN ('survey.created', 'survey.edited')")
}

fn building_a_survey(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert!(b.get("/staff").html.contains("href=\"/staff/surveys/new\""), "the staff home starts a survey");

    // A title is needed; what was typed stays.
    let page = b.get("/staff/surveys/new");
    let bad = b.submit(
        &page
            .form_ending("/staff/surveys/new")
            .with("title", " ")
            .with("label", "2026")
            .with("other-0", "A school leader"),
    );
    assert_eq!(bad.status, 400);
    assert!(bad.has(".error-summary a[href='#title']") && bad.has("#title-error"), "{}", bad.html);
    assert_eq!(bad.attr_of("#other-0", "value"), ["A school leader"]);
    assert_eq!(bad.attr_of("#label", "value"), ["2026"]);
    let none = b.submit(&page.form_ending("/staff/surveys/new").with("title", "Short breaks").with("label", "2026"));
    assert_eq!(none.status, 400, "no audience chosen");
    assert!(none.html.contains("Choose at least one group"));

    let (done, wave) = start(&b, "Short Breaks Survey", &["young-people", "parents-carers"], &["A school leader"]);
    assert_eq!(done.status, 200, "{}", done.html);
    assert_eq!(wave, "short-breaks-survey-2026");
    assert!(done.html.contains("Your survey has started"));
    let (_, def) = definition(&b, &wave);
    assert_eq!(def.series.slug.as_str(), "short-breaks-survey");
    let keys: Vec<&str> = def.audiences.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys, ["young-people", "parents-carers", "a-school-leader"]);
    assert!(def.audiences[0].easy_read && def.questions.is_empty());
    // The same address again is refused kindly.
    let (again, _) = start(&b, "Short Breaks Survey", &["young-people"], &[]);
    assert_eq!(again.status, 409);
    assert!(again.html.contains("There is already a survey at the address"));
    // A draft with no questions cannot open.
    let wave_page = b.get(&format!("/staff/waves/{wave}"));
    let open = b.submit(&wave_page.form_ending("/status").with("status", "open").with("opens", "").with("closes", ""));
    assert_eq!(open.status, 400);
    assert!(open.html.contains("no questions yet"));

    let all = ["young-people", "parents-carers", "a-school-leader"];
    // A choice question: the words are needed for every group asked, and the form keeps them.
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let missing = add(
        &b,
        &wave,
        "single-choice",
        &[
            s("ask", "young-people"),
            s("ask", "parents-carers"),
            s("title-young-people", "Did you get a short break this year?"),
            s("opt-0-label-young-people", "Yes"),
            s("opt-0-label-parents-carers", "Yes"),
            s("opt-0-polarity", "positive"),
            s("opt-1-label-young-people", "No"),
            s("opt-1-polarity", "negative"),
        ],
    );
    assert_eq!(missing.status, 400);
    assert!(
        missing.has("#title-parents-carers-error") && missing.has("#opt-1-label-parents-carers-error"),
        "{}",
        missing.html
    );
    assert_eq!(missing.text_of("#title-young-people"), ["Did you get a short break this year?"], "typed words kept");
    let before = edits(&app);
    let ok = add(
        &b,
        &wave,
        "single-choice",
        &[
            s("ask", "young-people"),
            s("ask", "parents-carers"),
            s("title-young-people", "Did you get a short break this year?"),
            s("title-parents-carers", "Did your child get a short break this year?"),
            s("opt-0-label-young-people", "Yes"),
            s("opt-0-label-parents-carers", "Yes"),
            s("opt-0-polarity", "positive"),
            s("opt-1-label-young-people", "No"),
            s("opt-1-label-parents-carers", "No"),
            s("opt-1-polarity", "negative"),
            s("priority", "P1"),
        ],
    );
    assert_eq!(ok.status, 200, "{}", ok.html);
    assert!(ok.html.contains("Saved.") && ok.has("#q-did-you-get-a-short-break-this-year"), "{}", ok.html);
    assert_eq!(edits(&app), before + 1, "audited");
    // Heard's faces with words that fit, asked of everyone.
    let mut faces = vec![s("key", "feel-safe"), s("priority", "P2")];
    for a in all {
        faces.push(s("ask", a));
        faces.push((format!("title-{a}"), "How safe do you feel on a short break?".into()));
        for (i, w) in ["Very unsafe", "Unsafe", "In between", "Safe", "Very safe"].iter().enumerate() {
            faces.push((format!("scale-{a}-{i}"), (*w).into()));
        }
    }
    assert_eq!(add(&b, &wave, "face-scale", &faces).status, 200);
    // Routing: only after "No"; answers of two questions at once are refused.
    let routed = vec![
        s("key", "why-not"),
        s("ask", "parents-carers"),
        s("title-parents-carers", "Why not?"),
        s("show_if", "did-you-get-a-short-break-this-year=no"),
    ];
    let mut two = routed.clone();
    two.push(s("show_if", "feel-safe=safe"));
    let refused = add(&b, &wave, "long-text", &two);
    assert_eq!(refused.status, 400);
    assert!(refused.has("#show_if-error") && refused.html.contains("one earlier question"), "{}", refused.html);
    assert_eq!(add(&b, &wave, "long-text", &routed).status, 200);
    let (_, def) = definition(&b, &wave);
    assert_eq!(def.questions.len(), 3);
    let why = def.question("why-not").expect("why-not");
    assert_eq!(why.show_if.as_ref().map(|r| r.question.as_str()), Some("did-you-get-a-short-break-this-year"));
    assert_eq!(why.audiences, ["parents-carers"]);
    let safe = def.question("feel-safe").expect("feel-safe");
    assert_eq!(safe.options[4].labels["a-school-leader"], "Very safe");
    assert!(!safe.face_labels_misfit("young-people"), "words that fit");

    // Moving a routed question above its question is refused with the reason; down works.
    let build = b.get(&format!("/staff/waves/{wave}/build"));
    let up = build.form_ending("/why-not/move").with("direction", "up");
    let moved = b.submit(&up.clone());
    assert_eq!(moved.status, 200, "moving above feel-safe is fine: {}", moved.html);
    let build = b.get(&format!("/staff/waves/{wave}/build"));
    let stuck = b.submit(&build.form_ending("/why-not/move").with("direction", "up"));
    assert_eq!(stuck.status, 409);
    assert!(stuck.html.contains("must stay after it"), "{}", stuck.html);
    // A stale version (the page before the move) is refused and changes nothing.
    let stale_before = definition(&b, &wave).0;
    let stale = b.submit(&up.with("direction", "down"));
    assert_eq!(stale.status, 409);
    assert!(stale.html.contains("Someone else saved this survey"));
    assert_eq!(definition(&b, &wave).0, stale_before);
    // Deleting a question others depend on is refused; duplicating gives a new key.
    let ask = b.get(&format!("/staff/waves/{wave}/build/did-you-get-a-short-break-this-year/delete"));
    assert!(ask.html.contains("Are you sure you want to delete question") && ask.has("button.warning"));
    assert!(
        definition(&b, &wave).1.question("did-you-get-a-short-break-this-year").is_some(),
        "nothing deleted until yes"
    );
    let del = b.submit(&ask.form_ending("/did-you-get-a-short-break-this-year/delete"));
    assert_eq!(del.status, 409);
    assert!(del.html.contains("routing first"));
    let build = b.get(&format!("/staff/waves/{wave}/build"));
    assert_eq!(b.submit(&build.form_ending("/feel-safe/duplicate")).status, 200);
    let ask = b.get(&format!("/staff/waves/{wave}/build/feel-safe-copy/delete"));
    assert_eq!(b.submit(&ask.form_ending("/feel-safe-copy/delete")).status, 200);
    assert_eq!(definition(&b, &wave).1.questions.len(), 3);

    // Editing keeps what it does not show, and a stale edit keeps what was typed.
    let edit = b.get(&format!("/staff/waves/{wave}/build/feel-safe"));
    assert_eq!(edit.status, 200);
    assert_eq!(edit.text_of("#title-young-people"), ["How safe do you feel on a short break?"]);
    let form = edit.form_ending("/build/feel-safe");
    let mut fields: Vec<(String, String)> = faces.clone();
    fields.retain(|(k, _)| !k.starts_with("title-young"));
    fields.push(s("title-young-people", "How safe are you on a short break?"));
    let mut f = form.clone();
    for (k, v) in &fields {
        f = f.with(k, v);
    }
    let saved = b.submit(&f.clone().with("action", "save"));
    assert_eq!(saved.status, 200);
    assert_eq!(
        definition(&b, &wave)
            .1
            .question("feel-safe")
            .and_then(|q| q.wording("young-people"))
            .map(|w| w.title.clone())
            .as_deref(),
        Some("How safe are you on a short break?")
    );
    let stale = b.submit(&f.with("action", "save"));
    assert_eq!(stale.status, 409, "the form's version is old now");
    assert!(stale.html.contains("Someone else saved"));
    assert_eq!(stale.text_of("#title-young-people"), ["How safe are you on a short break?"], "nothing typed is lost");

    // The file uploads again unchanged.
    let (text, _) = definition(&b, &wave);
    let upload = b.get("/staff/surveys/upload");
    let hash = app.count_str(&format!("SELECT definition_hash AS s FROM waves WHERE slug = '{wave}'"));
    let res = b
        .raw()
        .post(format!("{}/staff/surveys/upload", app.address))
        .multipart(
            reqwest::blocking::multipart::Form::new()
                .text("csrf", upload.form_ending("/staff/surveys/upload").fields[0].1.clone())
                .text("text", text),
        )
        .send()
        .expect("upload");
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        app.count_str(&format!("SELECT definition_hash AS s FROM waves WHERE slug = '{wave}'")),
        hash,
        "unchanged"
    );

    // Other partnerships, viewers, forged keys and tokens: refused, nothing changed.
    let before = definition(&b, &wave).0;
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    for path in [
        format!("/staff/waves/{wave}/build"),
        format!("/staff/waves/{wave}/definition.toml"),
        format!("/staff/waves/{wave}/build/feel-safe"),
    ] {
        assert_eq!(crate::fixtures::status(&other, &path), 404, "{path}");
    }
    assert_eq!(
        other.post_staff(&format!("/staff/waves/{wave}/build/feel-safe/delete"), &[("version", "x")]).status,
        404
    );
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(crate::fixtures::status(&viewer, &format!("/staff/waves/{wave}/build")), 403);
    assert_eq!(crate::fixtures::status(&viewer, "/staff/surveys/new"), 403);
    assert_eq!(b.post_staff(&format!("/staff/waves/{wave}/build/no-such-question"), &[("action", "save")]).status, 404);
    let forged = b
        .raw()
        .post(format!("{}/staff/waves/{wave}/build/feel-safe/delete", app.address))
        .form(&[("csrf", "forged"), ("version", "x")])
        .send()
        .expect("post");
    assert!(forged.status().is_client_error(), "{}", forged.status());
    let huge = "x".repeat(600);
    let long = add(&b, &wave, "short-text", &[s("ask", "young-people"), s("title-young-people", &huge)]);
    assert_eq!(long.status, 400);
    assert!(long.has("#title-young-people-error"));
    let bad_type = b.get(&format!("/staff/waves/{wave}/build/new?type=%00%ff"));
    assert_eq!(bad_type.status, 200, "an unknown type falls back to a list question");
    assert_eq!(definition(&b, &wave).0, before, "nothing changed");
}
both!(building_a_survey);

/// The done-when test: someone who has never seen TOML types the demo's 2025 young people's
/// and parents' questions into the builder, and the file Heard gives back is the demo's
/// definition for those questions.
fn the_demo_typed_into_the_builder_is_the_demo(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (slug, label, status, opens, _) = heard::demo::WAVES[2];
    let demo =
        SurveyDefinition::parse("demo", &heard::demo::survey_source(slug, label, status, opens), 2000).expect("demo");
    let (done, wave) = start(&b, "Participation Survey by hand", &["young-people", "parents-carers"], &[]);
    assert_eq!(done.status, 200);
    let audiences = ["young-people", "parents-carers"];
    for q in &demo.questions {
        let page = add(&b, &wave, q.kind.as_str(), &fields_for(q, &audiences));
        assert_eq!(page.status, 200, "{}: {}", q.key, page.html);
    }
    let (_, built) = definition(&b, &wave);
    let strip = |qs: &[Question]| -> Vec<Question> {
        qs.iter()
            .cloned()
            .map(|mut q| {
                q.line = 0;
                q
            })
            .collect()
    };
    assert_eq!(strip(&built.questions), strip(&demo.questions));
}
both!(the_demo_typed_into_the_builder_is_the_demo);

/// The question bank: every key the partnership has asked, searchable; "Add from the bank"
/// keeps the key; an edit that may change what a banked question measures is named before
/// it is saved, with "keep the key" and "make it a new question".
fn the_question_bank(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let bank = b.get("/staff/bank");
    assert_eq!(bank.status, 200);
    let heads = bank.text_of(".bank-entry h2");
    assert!(
        heads.iter().any(|h| h.starts_with("listened-to") && h.contains("2025") && h.contains("2023")),
        "{heads:?}"
    );
    let safe = b.get("/staff/bank?words=safe");
    assert!(!safe.text_of(".bank-entry").is_empty() && safe.text_of(".bank-entry").len() < heads.len());
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(viewer.get("/staff/bank").status, 200);
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert!(!other.get("/staff/bank").html.contains("listened-to"), "another partnership's bank is its own");

    // Add two questions from the bank to a new survey: they keep their keys and words.
    let (_, wave) = start(&b, "Participation Survey 2026 trial", &["young-people", "parents-carers"], &[]);
    let (slug, label, status, opens, _) = heard::demo::WAVES[2];
    let demo =
        SurveyDefinition::parse("demo", &heard::demo::survey_source(slug, label, status, opens), 2000).expect("demo");
    for key in ["listened-to", "has-plan"] {
        let page = b.get(&format!("/staff/waves/{wave}/build"));
        assert!(page.attr_of("#bank-key option", "value").contains(&key.to_owned()));
        let added = b.submit(&page.form_ending("/build/from-bank").with("key", key));
        assert_eq!(added.status, 200, "{}", added.html);
        assert!(added.html.contains("Added from the bank with its key"));
    }
    let (_, def) = definition(&b, &wave);
    for key in ["listened-to", "has-plan"] {
        let (mut got, mut want) =
            (def.question(key).expect("added").clone(), demo.question(key).expect("demo").clone());
        (got.line, want.line) = (0, 0);
        assert_eq!(got, want, "{key} comes with its words, answers and tags");
    }
    assert!(
        !b.get(&format!("/staff/waves/{wave}/build"))
            .attr_of("#bank-key option", "value")
            .contains(&"has-plan".to_owned())
    );

    // Removing an answer and re-polarising another: said before saving, nothing saved yet.
    let q = demo.question("has-plan").expect("has-plan");
    let mut fields = fields_for(q, &["young-people", "parents-carers"]);
    let last = q.options.len() - 1;
    fields.retain(|(k, _)| !k.starts_with(&format!("opt-{last}-")));
    let before = definition(&b, &wave).0;
    let edit = b.get(&format!("/staff/waves/{wave}/build/has-plan"));
    let mut form = edit.form_ending("/build/has-plan");
    form.fields.retain(|(k, _)| k == "csrf" || k == "version" || k == "type");
    for (k, v) in &fields {
        form = form.with(k, v);
    }
    let warned = b.submit(&form.clone().with("action", "save"));
    assert_eq!(warned.status, 200);
    assert!(warned.has("#bank-warning"), "{}", warned.html);
    let said = warned.text_of("#bank-warning").join(" ");
    assert!(said.contains("answers are removed") && said.contains("2025"), "{said}");
    assert_eq!(definition(&b, &wave).0, before, "nothing saved before the choice");
    // "Make it a new question" saves it under a new key; the banked one stays as it was.
    let new_key = warned.attr_of("#bank-warning input[name=new_key]", "value").pop().expect("a new key");
    assert_eq!(new_key, "has-plan-2026");
    let mut choice = warned.form_ending("/build/has-plan");
    choice.fields.retain(|(k, _)| k == "csrf" || k == "version" || k == "type" || k == "new_key");
    for (k, v) in fields.iter().filter(|(k, _)| k != "key") {
        choice = choice.with(k, v);
    }
    let saved = b.submit(&choice.with("action", "new-key"));
    assert_eq!(saved.status, 200, "{}", saved.html);
    let (_, def) = definition(&b, &wave);
    assert!(def.question("has-plan").is_none() && def.question("has-plan-2026").is_some());
    // Keeping the key: the words of Heard's yes/sometimes/no changed for young people.
    let q = demo.question("listened-to").expect("listened-to");
    let mut fields = fields_for(q, &["young-people", "parents-carers"]);
    for (k, v) in &mut fields {
        if k == "scale-young-people-1" {
            *v = "Now and then".into();
        }
    }
    let edit = b.get(&format!("/staff/waves/{wave}/build/listened-to"));
    let mut form = edit.form_ending("/build/listened-to");
    form.fields.retain(|(k, _)| k == "csrf" || k == "version" || k == "type");
    for (k, v) in &fields {
        form = form.with(k, v);
    }
    let warned = b.submit(&form.clone().with("action", "save"));
    assert!(warned.text_of("#bank-warning").join(" ").contains("scale's words"), "{}", warned.html);
    let kept = b.submit(&form.with("action", "save-same"));
    assert_eq!(kept.status, 200);
    let (_, def) = definition(&b, &wave);
    assert_eq!(def.question("listened-to").expect("kept").options[1].labels["young-people"], "Now and then");
}
both!(the_question_bank);

/// The easy-read checker while writing: its advice beside each field after a save, "must fix"
/// items in a summary; the check before opening lists them; such a wave does not open unless
/// an admin says why (audited).
fn easy_read_advice_and_the_check_before_opening(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (_, wave) = start(&b, "Plans check", &["young-people"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let saved = add(
        &b,
        &wave,
        "yes-sometimes-no",
        &[
            s("key", "targets"),
            s("ask", "young-people"),
            s("title-young-people", "Were 75% of the outcomes in your EHCP met?"),
        ],
    );
    assert_eq!(saved.status, 200);
    assert!(
        saved.path().starts_with(&format!("/staff/waves/{wave}/build/targets")),
        "back to the question: {}",
        saved.path()
    );
    assert!(saved.html.contains("The easy-read checker has advice on these words"));
    assert!(saved.has("#title-young-people ~ .advice.advice-must"), "advice beside the field: {}", saved.html);
    assert!(saved.has(".advice-summary a[href='#title-young-people']"));
    let check = b.get(&format!("/staff/waves/{wave}/check"));
    assert_eq!(check.status, 200);
    assert!(check.text_of(".check-must").iter().any(|t| t.contains("targets")), "{:?}", check.text_of("tr"));
    // A file that would open it meets the same gate.
    let (text, _) = definition(&b, &wave);
    let opening = text.replace("status = \"draft\"", "status = \"open\"");
    assert_ne!(opening, text);
    let upload = b.get("/staff/surveys/upload");
    let token = upload.form_ending("/staff/surveys/upload").fields[0].1.clone();
    let res = b
        .raw()
        .post(format!("{}/staff/surveys/upload", app.address))
        .multipart(reqwest::blocking::multipart::Form::new().text("csrf", token).text("text", opening))
        .send()
        .expect("upload");
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.text().expect("page").contains("This file opens its wave"));
    assert_eq!(app.count_str(&format!("SELECT status AS s FROM waves WHERE slug = '{wave}'")), "draft");
    // An analyst cannot open it; an admin can, by saying why, and that is audited.
    assert!(!check.html.contains("action=\"/staff/waves/plans-check-2026/status\""), "no open button for an analyst");
    let open =
        b.post_staff(&format!("/staff/waves/{wave}/status"), &[("status", "open"), ("override_reason", "We must")]);
    assert_eq!(open.status, 400);
    assert!(open.html.contains("must fix"), "{}", open.html);
    assert_eq!(app.count_str(&format!("SELECT status AS s FROM waves WHERE slug = '{wave}'")), "draft");
    let (admin, _) = sign_in(&app, "admin@torbay.example", PASSWORD);
    let check = admin.get(&format!("/staff/waves/{wave}/check"));
    assert!(check.has("#override_reason"));
    let no_reason = admin.submit(&check.form_ending("/status"));
    assert_eq!(no_reason.status, 400);
    let opened =
        admin.submit(&check.form_ending("/status").with("override_reason", "The panel asked for these words."));
    assert_eq!(opened.status, 200, "{}", opened.html);
    assert_eq!(app.count_str(&format!("SELECT status AS s FROM waves WHERE slug = '{wave}'")), "open");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'wave.opened_despite_advice' AND detail LIKE '%The panel asked%'"),
        1
    );
    // Words that need no change go straight back to the list.
    let (_, clean) = start(&b, "Plain check", &["young-people"], &[]);
    let plain = add(
        &b,
        &clean,
        "yes-sometimes-no",
        &[s("key", "fun"), s("ask", "young-people"), s("title-young-people", "Do you have fun?")],
    );
    assert!(plain.path().starts_with(&format!("/staff/waves/{clean}/build?said=saved")), "{}", plain.path());
}
both!(easy_read_advice_and_the_check_before_opening);

/// Once a wave has responses only the words people read change: titles, hints and picture
/// descriptions can be fixed; keys, answers, routing, audiences and tags stay, whatever the
/// form sends; nothing can be added, moved or deleted, and the page says why.
fn a_wave_with_responses_takes_only_word_fixes(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let wave = "torbay-participation-2025";
    assert!(app.count("SELECT COUNT(*) AS n FROM responses r JOIN waves w ON w.id = r.wave_id WHERE w.slug = 'torbay-participation-2025'") > 0);
    let list = b.get(&format!("/staff/waves/{wave}/build"));
    assert!(list.html.contains("so what people answered cannot change"));
    assert!(
        list.has("a[href$='/build/listened-to']")
            && !list.has("form[action$='/move']")
            && !list.has("form[action$='/build/new']")
    );
    let (_, before) = definition(&b, wave);
    let edit = b.get(&format!("/staff/waves/{wave}/build/listened-to"));
    assert!(edit.has(".locked-notice") && !edit.has("#key") && !edit.has("#new_type"), "{}", edit.html);
    let form = edit.form_ending("/build/listened-to");
    // A fixed title, and a forged key, type, audience and routing that must be ignored.
    let q = before.question("listened-to").expect("listened-to");
    let mut f = form.clone();
    for a in &q.audiences {
        let w = q.wording(a).expect("words");
        let title = if a == "young-people" { "Do people listen to you properly?".to_owned() } else { w.title.clone() };
        f = f.with(&format!("title-{a}"), &title).with(&format!("hint-{a}"), &w.hint);
    }
    f = f
        .with("key", "renamed")
        .with("type", "number")
        .with("ask", "young-people")
        .with("symbol_alt", "An ear, listening");
    let saved = b.submit(&f.with("action", "save"));
    assert_eq!(saved.status, 200, "{}", saved.html);
    let (_, after) = definition(&b, wave);
    let fixed = after.question("listened-to").expect("still there");
    assert_eq!(fixed.wording("young-people").map(|w| w.title.as_str()), Some("Do people listen to you properly?"));
    assert_eq!(fixed.symbol.as_ref().map(|s| s.alt.as_str()), Some("An ear, listening"));
    assert_eq!(after.answered_shape(), before.answered_shape(), "what people answered is the same");
    let no_delete = b.get(&format!("/staff/waves/{wave}/build/listened-to/delete"));
    assert_eq!(no_delete.status, 409);
    assert!(no_delete.html.contains("so no question can be deleted"));
    // Adding is refused with the reason.
    let added = b.post_staff(
        &format!("/staff/waves/{wave}/build/new"),
        &[("type", "short-text"), ("ask", "young-people"), ("title-young-people", "New?"), ("action", "save")],
    );
    assert_eq!(added.status, 409);
    assert!(added.html.contains("no question can be added"));
}
both!(a_wave_with_responses_takes_only_word_fixes);

/// Translations side by side: completeness per audience and language, the English beside
/// each field, every missing field named at once with what was typed kept, the machine-drafted
/// flag, and the saved version read by respondents' pages.
fn translations_side_by_side(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (_, wave) = start(&b, "Clubs survey", &["young-people"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        add(
            &b,
            &wave,
            "yes-sometimes-no",
            &[s("key", "fun"), s("ask", "young-people"), s("title-young-people", "Do you have fun at the club?")]
        )
        .status,
        200
    );
    assert_eq!(
        add(
            &b,
            &wave,
            "single-choice",
            &[
                s("key", "day"),
                s("ask", "young-people"),
                s("title-young-people", "Which day is best?"),
                s("opt-0-value", "monday"),
                s("opt-0-label-young-people", "Monday"),
                s("opt-0-polarity", "neutral"),
                s("opt-1-value", "friday"),
                s("opt-1-label-young-people", "Friday"),
                s("opt-1-polarity", "neutral"),
            ]
        )
        .text_of(".error-summary li"),
        Vec::<String>::new()
    );
    let list = b.get(&format!("/staff/waves/{wave}/translations"));
    assert_eq!(list.status, 200);
    let versions = list.text_of(".version-list li");
    assert!(versions.iter().filter(|t| t.contains("Not started")).count() >= 2, "{versions:?}");
    let form = b.get(&format!("/staff/waves/{wave}/translations/young-people/pl"));
    assert_eq!(form.status, 200);
    assert_eq!(form.text_of("#t-fun-title-source"), ["Do you have fun at the club?"]);
    assert_eq!(form.attr_of("#t-fun-title", "lang"), ["pl"]);
    assert!(form.has("#t-day-opt-monday") && !form.has("#t-fun-opt-yes"), "Heard's own answers need no words");
    let arabic = b.get(&format!("/staff/waves/{wave}/translations/young-people/ar"));
    assert_eq!(arabic.attr_of("#t-fun-title", "dir"), ["rtl"]);
    // Half done: every missing field named, what was typed kept, nothing saved.
    let post = form.form_ending("/translations/young-people/pl");
    let half =
        b.submit(&post.clone().with("t-fun-title", "Czy dobrze się bawisz w klubie?").with("machine_drafted", "1"));
    assert_eq!(half.status, 400);
    for id in ["t-day-title", "t-day-opt-monday", "t-day-opt-friday"] {
        assert!(half.has(&format!(".error-summary a[href='#{id}']")) && half.has(&format!("#{id}-error")), "{id}");
    }
    assert_eq!(half.text_of("#t-fun-title"), ["Czy dobrze się bawisz w klubie?"]);
    assert!(definition(&b, &wave).1.translations.is_empty());
    let done = b.submit(
        &post
            .with("t-fun-title", "Czy dobrze się bawisz w klubie?")
            .with("t-day-title", "Który dzień jest najlepszy?")
            .with("t-day-opt-monday", "Poniedziałek")
            .with("t-day-opt-friday", "Piątek")
            .with("machine_drafted", "1"),
    );
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("Saved.") && done.html.contains("drafted by a machine"));
    let (_, def) = definition(&b, &wave);
    let t = def.translation("young-people", "pl").expect("saved");
    assert!(t.machine_drafted);
    assert_eq!(t.questions["day"].options["friday"], "Piątek");
    let preview = b.get(&format!("/language?to=pl&back=/staff/waves/{wave}/preview/young-people/1"));
    assert!(preview.html.contains("Czy dobrze się bawisz w klubie?"), "respondents read it");
    // Languages Heard has no words in, and audiences the wave does not have: not found.
    assert_eq!(crate::fixtures::status(&b, &format!("/staff/waves/{wave}/translations/young-people/xx")), 404);
    assert_eq!(crate::fixtures::status(&b, &format!("/staff/waves/{wave}/translations/nobody/pl")), 404);
}
both!(translations_side_by_side);

/// Co-design review: a join code opens the draft for a group; each question as respondents
/// see it with "Is this easy to understand?" and better words; never a response; staff see it
/// beside the question and take the words in one step; opening the wave deletes it, keeping
/// only counts when chosen.
fn co_design_review(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (_, wave) = start(&b, "Breaks review", &["young-people"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        add(
            &b,
            &wave,
            "yes-sometimes-no",
            &[
                s("key", "had-break"),
                s("ask", "young-people"),
                s("title-young-people", "Have you had a short break this year?")
            ]
        )
        .status,
        200
    );
    let page = b.get(&format!("/staff/waves/{wave}/review"));
    assert_eq!(page.status, 200);
    let started = b.submit(
        &page
            .form_ending(&format!("/staff/waves/{wave}/review"))
            .with("audience", "young-people")
            .with("keep", "counts"),
    );
    assert_eq!(started.status, 200);
    let code = started.text_of(".join-code").pop().expect("a code");
    assert!(started.has(".qr-box svg") && started.html.contains("/review/"));
    let responses = app.responses();

    // Two reviewers on one shared tablet: nothing is kept in the browser between them.
    let tablet = app.browser();
    let typed = tablet.get("/review");
    let bad = tablet.submit(&typed.form_ending("/review").with("code", "ZZZ-ZZZ"));
    assert_eq!(bad.status, 404);
    assert!(bad.has("#review-code-error"));
    let joined = tablet.submit(&typed.form_ending("/review").with("code", &code.to_lowercase()));
    assert_eq!(joined.status, 200);
    assert!(joined.html.contains("Help us check this survey"));
    let q1 = tablet.get(&format!("/review/{}/1", code.replace('-', "")));
    assert_eq!(q1.text_of("h1"), ["Have you had a short break this year?"]);
    assert_eq!(q1.text_of(".review-answers li"), ["Yes", "Sometimes", "No"]);
    let only_words = tablet.submit(&q1.form().with("suggestion", "Did you get a break?"));
    assert_eq!(only_words.status, 400, "words need the yes, not sure or no first");
    assert_eq!(only_words.text_of("#suggestion"), ["Did you get a break?"]);
    let done = tablet.submit(&q1.form().with("easy", "no").with("suggestion", "Did you get a break?"));
    assert!(done.html.contains("Start again for the next person"), "{}", done.html);
    let q1 = tablet.get(&format!("/review/{}/1", code.replace('-', "")));
    assert!(tablet.submit(&q1.form().with("easy", "yes")).html.contains("Thank you"));
    assert_eq!(app.responses(), responses, "review feedback is never a response");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM review_feedback"), 2);

    // Staff see it beside the question and take the words in one step.
    let edit = b.get(&format!("/staff/waves/{wave}/build/had-break"));
    let said = edit.text_of(".review-feedback").join(" ");
    assert!(said.contains("Yes 1") && said.contains("no 1") && said.contains("Did you get a break?"), "{said}");
    let taken = b.submit(&edit.form_ending("/build/had-break/suggestion"));
    assert_eq!(taken.status, 200, "{}", taken.html);
    assert!(taken.html.contains("now uses the reviewer"), "{}", taken.html);
    let (_, def) = definition(&b, &wave);
    assert_eq!(
        def.question("had-break").and_then(|q| q.wording("young-people")).map(|w| w.title.clone()).as_deref(),
        Some("Did you get a break?")
    );
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(crate::fixtures::status(&other, &format!("/staff/waves/{wave}/review")), 404);

    // Opening the wave deletes what was said, keeping the counts as chosen; the code stops working.
    let wave_page = b.get(&format!("/staff/waves/{wave}"));
    let opened =
        b.submit(&wave_page.form_ending("/status").with("status", "open").with("opens", "").with("closes", ""));
    assert_eq!(opened.status, 200, "{}", opened.html);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM review_feedback"), 0);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM reviews"), 0);
    assert_eq!(app.count("SELECT yes + no AS n FROM review_counts WHERE question_key = 'had-break'"), 2);
    assert_eq!(crate::fixtures::status(&tablet, &format!("/review/{}", code.replace('-', ""))), 404);
}
both!(co_design_review);

/// A grid built in the form, answered one page per statement in easy read and all on one page
/// otherwise, stored as one single-choice question per statement; refusals keep what was typed.
fn grids(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let (_, wave) = start(&b, "School Grid", &["young-people", "parents-carers"], &[]);
    let s = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let blank = b.get(&format!("/staff/waves/{wave}/build/new?type=grid"));
    assert_eq!(blank.status, 200);
    assert_eq!(blank.attr_of("#opt-1-label-young-people", "value"), ["Agree"], "a grid starts with the agree scale");
    assert!(blank.has("#st-2-text-parents-carers"), "three empty statements");
    let mut fields = vec![
        s("ask", "young-people"),
        s("ask", "parents-carers"),
        s("key", "school-agree"),
        s("title-young-people", "Is this true for you?"),
        s("title-parents-carers", "How much do you agree?"),
        s("required", "1"),
        s("rows", "3"),
        s("st_rows", "3"),
    ];
    for (i, (value, label, polarity)) in
        [("yes", "Yes", "positive"), ("not-sure", "Not sure", "neutral"), ("no", "No", "negative")].iter().enumerate()
    {
        fields.push(s(&format!("opt-{i}-value"), value));
        fields.push(s(&format!("opt-{i}-label-young-people"), label));
        fields.push(s(&format!("opt-{i}-label-parents-carers"), label));
        fields.push(s(&format!("opt-{i}-polarity"), polarity));
    }
    fields.extend([
        s("st-0-key", "school-safe"),
        s("st-0-text-young-people", "I feel safe at school."),
        s("st-0-text-parents-carers", "My child feels safe at school."),
        s("st-1-key", "school-heard"),
        s("st-1-text-young-people", "Adults listen to me."),
    ]);
    let refused = add(&b, &wave, "grid", &fields);
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.has(".error-summary a[href='#st-1-text-parents-carers']"), "{}", refused.html);
    assert_eq!(refused.attr_of("#st-1-text-young-people", "value"), ["Adults listen to me."], "typed words kept");
    assert_eq!(edits(&app), 1, "only the start was saved");
    fields.push(s("st-1-text-parents-carers", "Adults listen to my child."));
    let saved = add(&b, &wave, "grid", &fields);
    assert_eq!(saved.status, 200, "{}", saved.html);
    let (text, def) = definition(&b, &wave);
    assert_eq!(text.matches("type = \"grid\"").count(), 1, "{text}");
    let keys: Vec<&str> = def.questions.iter().map(|q| q.key.as_str()).collect();
    assert_eq!(keys, ["school-safe", "school-heard"]);
    assert!(def.questions.iter().all(|q| q.kind == QuestionKind::SingleChoice && q.grid_key() == Some("school-agree")));
    // Routing on one statement; the grid itself cannot be routed on.
    let follow = add(
        &b,
        &wave,
        "short-text",
        &[
            s("ask", "parents-carers"),
            s("key", "why-unsafe"),
            s("title-parents-carers", "What would help your child feel safe?"),
            s("show_if", "school-safe=no"),
        ],
    );
    assert_eq!(follow.status, 200, "{}", follow.html);
    let list = b.get(&format!("/staff/waves/{wave}/build"));
    assert_eq!(list.attr_of("li.build-question", "id"), ["q-school-agree", "q-why-unsafe"], "one row per grid");
    assert_eq!(list.text_of("#q-school-agree .build-statements li").len(), 2);
    // The grid opens as one form; a statement's address opens its grid.
    let edit = b.get(&format!("/staff/waves/{wave}/build/school-heard"));
    assert_eq!(edit.path(), format!("/staff/waves/{wave}/build/school-agree"));
    assert_eq!(edit.attr_of("#st-1-key", "value"), ["school-heard"]);
    // Advice as you type (scripts on) comes from a JSON address that changes nothing.
    let advice = b.raw().get(format!("{}/staff/easy-read/advice?reader=young-people&kind=question&text=Were%2075%25%20of%20the%20outcomes%20in%20your%20EHCP%20met%3F", b.base)).send().expect("get");
    assert_eq!(advice.status().as_u16(), 200);
    let body: serde_json::Value = serde_json::from_str(&advice.text().expect("text")).expect("json");
    let findings = body["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["must"] == true), "{body}");
    let anon = app.browser().raw().get(format!("{}/staff/easy-read/advice?text=x", b.base)).send().expect("get");
    assert_ne!(anon.status().as_u16(), 200, "signed in only");
    // Dragged to a place (scripts on): the grid moves whole, routing kept.
    let version = b.get(&format!("/staff/waves/{wave}/build")).attr_of("input[name=version]", "value")[0].clone();
    let dragged =
        b.post_staff(&format!("/staff/waves/{wave}/build/why-unsafe/move"), &[("to", "1"), ("version", &version)]);
    assert!(dragged.html.contains("must stay after it"), "{}", dragged.html);
    let list = b.get(&format!("/staff/waves/{wave}/build"));
    assert_eq!(list.attr_of("form[data-move-to] input[name=to]", "value"), ["1", "2"]);
    // Moving the routed question above the grid is refused; duplicating copies every key.
    let moved = b.post_staff(
        &format!("/staff/waves/{wave}/build/why-unsafe/move"),
        &[("direction", "up"), ("version", &edit.attr_of("input[name=version]", "value")[0])],
    );
    assert!(moved.html.contains("must stay after it"), "{}", moved.html);
    let version = b.get(&format!("/staff/waves/{wave}/build")).attr_of("input[name=version]", "value")[0].clone();
    let dup = b.post_staff(&format!("/staff/waves/{wave}/build/school-agree/duplicate"), &[("version", &version)]);
    assert_eq!(dup.status, 200, "{}", dup.html);
    let (_, copied) = definition(&b, &wave);
    assert_eq!(copied.grid_statements("school-agree-copy").count(), 2);
    let version = b.get(&format!("/staff/waves/{wave}/build")).attr_of("input[name=version]", "value")[0].clone();
    let confirm = b.get(&format!("/staff/waves/{wave}/build/school-agree-copy/delete"));
    let gone = b.submit(&confirm.form_ending("/delete").with("version", &version));
    assert_eq!(gone.status, 200, "{}", gone.html);
    let (_, def) = definition(&b, &wave);
    assert_eq!(def.questions.len(), 3, "the copy is gone, statements and all");

    // A translation gives the grid's question and scale once, and each statement's words.
    let tr = b.get(&format!("/staff/waves/{wave}/translations/young-people/pl"));
    assert!(tr.has("#t-school-agree-opt-yes") && tr.has("#t-school-safe-title"), "{}", tr.html);
    assert!(!tr.has("#t-school-safe-opt-yes"), "a statement's answers are its grid's");
    let mut form = tr.form_ending("/translations/young-people/pl");
    for (k, v) in [
        ("t-school-agree-title", "Czy to prawda?"),
        ("t-school-agree-opt-yes", "Tak"),
        ("t-school-agree-opt-not-sure", "Nie wiem"),
        ("t-school-agree-opt-no", "Nie"),
        ("t-school-safe-title", "Czuję się bezpiecznie w szkole."),
        ("t-school-heard-title", "Dorośli mnie słuchają."),
    ] {
        form = form.with(k, v);
    }
    let translated = b.submit(&form);
    assert_eq!(translated.status, 200, "{}", translated.html);
    let (_, def) = definition(&b, &wave);
    let safe = def.question("school-safe").expect("statement");
    let no = safe.option("no").expect("no");
    assert_eq!(def.label_in(safe, no, "young-people", "pl"), "Nie");

    // Open it and answer.
    let wave_page = b.get(&format!("/staff/waves/{wave}"));
    let open = b.submit(&wave_page.form_ending("/status").with("status", "open").with("opens", "").with("closes", ""));
    assert!(open.status < 400, "{}", open.html);
    let parent = app.browser();
    let start_page = parent.get(&format!("/s/{wave}/parents-carers"));
    let grid = parent.submit(&start_page.form());
    assert_eq!(grid.text_of("h1"), ["How much do you agree?"]);
    assert_eq!(grid.text_of("fieldset.grid-row legend").len(), 2, "{}", grid.html);
    assert!(!grid.has("table"), "fieldsets, not a table");
    let half = parent.submit(&grid.form().with("answer-school-safe", "no").with("action", "continue"));
    assert_eq!(half.status, 400);
    assert_eq!(half.attr_of(".error-summary a", "href"), ["#answer-school-heard-0"], "{}", half.html);
    assert_eq!(half.attr_of("#answer-school-safe-2", "checked").len(), 1, "the answer given stays ticked");
    let next = parent.submit(
        &half.form().with("answer-school-safe", "no").with("answer-school-heard", "yes").with("action", "continue"),
    );
    assert!(next.path().ends_with("/q/why-unsafe"), "{}", next.path());
    let young = app.browser();
    let start_page = young.get(&format!("/s/{wave}/young-people"));
    let one = young.submit(&start_page.form());
    assert!(one.path().ends_with("/q/school-safe"));
    assert_eq!(one.text_of("legend .caption"), ["Is this true for you?"], "easy read: the grid's question above");
    assert_eq!(one.text_of("h1"), ["I feel safe at school."]);
    let two = young.submit(&one.form().with("answer", "yes").with("action", "continue"));
    assert!(two.path().ends_with("/q/school-heard"), "{}", two.path());
    let plan = crate::helpers::Plan::from([("school-safe", vec!["not-sure"]), ("school-heard", vec!["no"])]);
    let walk = crate::helpers::complete(&app.browser(), &wave, "parents-carers", &plan, "yes");
    assert_eq!(walk.visited, ["school-safe", "school-heard"], "not shown why-unsafe: not-sure is not no");
    let stored = app.count(
        "SELECT COUNT(*) AS n FROM answers WHERE (question_key = 'school-safe' AND option_value = 'not-sure') OR (question_key = 'school-heard' AND option_value = 'no')",
    );
    assert_eq!(stored, 2, "each statement stored as a single-choice answer");
    // Paper entry types each statement as a question of its own, named with its grid.
    let entry = b.get(&format!("/staff/waves/{wave}/paper-entry?audience=parents-carers"));
    assert!(entry.has("#q-school-safe") && entry.has("#q-school-heard"), "{}", entry.html);
    assert!(entry.html.contains("How much do you agree? \u{2014} My child feels safe at school."));
    // The paper version numbers each statement under its grid's question.
    let paper = b.get(&format!("/staff/waves/{wave}/paper/parents-carers"));
    assert_eq!(paper.text_of(".paper-caption").len(), 2, "{}", paper.html);
}
both!(grids);
