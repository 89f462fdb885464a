//! Paper: the printable version made from the survey definition, and typing paper forms in
//! (channel `paper`) with an optional second-person check. Both databases.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in};

const WAVE: &str = "torbay-participation-2025";

fn the_paper_version_is_made_from_the_definition(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let wave = b.get(&format!("/staff/waves/{WAVE}"));
    assert!(wave.has("a[href='/staff/waves/torbay-participation-2025/paper/young-people']"));
    let paper = b.get(&format!("/staff/waves/{WAVE}/paper/young-people"));
    assert_eq!(paper.status, 200);
    let titles = paper.text_of(".paper-q h3");
    assert_eq!(titles.len(), 15, "14 questions (routing included) and consent: {titles:?}");
    assert_eq!(titles[0], "1. Do adults listen to you?");
    assert_eq!(titles[14], "15. Can we share your words without your name?");
    // Tick boxes for every answer, the numbers typed in later, keys in small print.
    let def = heard::domain::SurveyDefinition::parse(
        WAVE,
        &heard::demo::survey_source(WAVE, "2025", "open", "2025-01-01"),
        2000,
    )
    .unwrap();
    let options: usize = def.questions_for("young-people").map(|q| q.options.len()).sum();
    assert_eq!(paper.doc().select(&scraper::Selector::parse(".paper-options .tick-box").unwrap()).count(), options + 2);
    // Question keys are for the office: one small line at the end, none among the questions.
    assert!(!paper.has(".paper-q .paper-key") && !paper.html.contains("Question key:"));
    let office = paper.text_of(".paper-office").join("");
    for q in def.questions_for("young-people") {
        assert!(office.contains(q.key.as_str()), "{office}");
    }
    assert!(paper.has("button.print-button[hidden]"), "a Print button, shown by its script");
    let doc = paper.doc();
    let line = scraper::Selector::parse(".paper-line").unwrap();
    let written: Vec<usize> = doc
        .select(&scraper::Selector::parse(".paper-q:has(.paper-lines)").unwrap())
        .map(|q| q.select(&line).count())
        .collect();
    assert!(!written.is_empty() && written.iter().all(|n| *n >= 5), "five or more writing lines: {written:?}");
    assert!(paper.text_of(".paper-code").contains(&"(3)".to_owned()));
    assert!(
        paper.html.contains("Only answer this if you ticked \u{201c}Yes\u{201d} at question 6."),
        "routing in words"
    );
    assert!(
        paper.doc().select(&scraper::Selector::parse(".paper-symbol svg").unwrap()).count() >= 13,
        "symbols beside the questions"
    );
    // The same in Arabic, right to left.
    let arabic = b.get(&format!("/staff/waves/{WAVE}/paper/young-people?lang=ar"));
    assert!(arabic.html.contains("<article class=\"paper\" lang=\"ar\" dir=\"rtl\">"));
    assert_eq!(arabic.text_of(".paper-q h3")[0], "1. هل يستمع إليك الكبار؟");
    assert_eq!(b.get(&format!("/staff/waves/{WAVE}/paper/nobody")).status, 404);
}
both!(the_paper_version_is_made_from_the_definition);

fn typing_paper_forms_in(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let path = format!("/staff/waves/{WAVE}/paper-entry?audience=young-people");
    let page = b.get(&path);
    assert_eq!(page.status, 200);
    assert!(page.has("input#form_ref[autofocus]"), "ready to type at once");
    assert!(page.text_of("#q-listened-to-hint")[0].starts_with("1 Yes · 2 Sometimes · 3 No"));
    let before = app.responses();
    let form = page
        .form_ending("audience=young-people")
        .with("form_ref", "P-001")
        .with("q-listened-to", "2")
        .with("q-has-plan", "2")
        .with("q-plan-involved", "1")
        .with("q-help-from", "1 4")
        .with("q-age", "14")
        .with("q-what-to-change", "More buses to college")
        .with("consent", "1");
    let saved = b.submit(&form);
    assert_eq!(saved.status, 200, "{}", saved.html);
    assert!(saved.text_of(".success p")[0].contains("Form P-001 is saved"));
    assert_eq!(app.responses(), before + 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM responses WHERE channel = 'paper' AND consent_to_quote = TRUE"), 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.channel = 'paper' AND a.question_key = 'help-from' AND a.option_value IN ('school', 'family')"), 2);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.channel = 'paper' AND a.question_key = 'plan-involved'"), 0, "routing: not asked after 'No'");
    // The same form twice, and mistyped boxes, get kind messages and store nothing.
    let again =
        b.submit(&page.form_ending("audience=young-people").with("form_ref", "P-001").with("q-listened-to", "1"));
    assert_eq!(again.status, 409);
    assert!(again.html.contains("Form P-001 was typed in already"));
    for (field, value, want) in [
        ("q-listened-to", "7", "from 1 to 3"),
        ("q-feel-safe", "2 3", "Choose only one answer."),
        ("q-age", "fourteen", "Enter a number using digits"),
        ("consent", "yes", "Type 1 if they ticked yes"),
    ] {
        let bad = b.submit(&page.form_ending("audience=young-people").with("form_ref", "P-002").with(field, value));
        assert_eq!(bad.status, 400, "{field}");
        assert!(bad.html.contains(want), "{want} in {}", bad.html);
        assert!(bad.has(&format!(".error-summary a[href='#{field}']")));
        assert!(bad.html.contains(&format!("value=\"{}\"", handlebars::html_escape(value))), "typed values kept");
    }
    let no_ref = b.submit(&page.form_ending("audience=young-people").with("q-listened-to", "1"));
    assert_eq!(no_ref.status, 400);
    assert_eq!(app.responses(), before + 1);
    // A viewer cannot type forms in.
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(crate::fixtures::status(&viewer, &path), 403);
}
both!(typing_paper_forms_in);

fn a_second_person_checks_the_typing(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (first, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let path = format!("/staff/waves/{WAVE}/paper-entry?audience=young-people");
    let before = app.responses();
    for (form_ref, answer) in [("P-010", "1"), ("P-011", "3")] {
        let page = first.get(&path);
        let held = first.submit(
            &page
                .form_ending("audience=young-people")
                .with("form_ref", form_ref)
                .with("q-listened-to", answer)
                .with("double", "1"),
        );
        assert_eq!(held.status, 200);
    }
    assert_eq!(app.responses(), before, "nothing counts until checked");
    // The first typist cannot check their own.
    let list = first.get(&format!("/staff/waves/{WAVE}/paper-check"));
    assert!(!list.has("td a"), "no check link for your own typing");
    let (second, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let list = second.get(&format!("/staff/waves/{WAVE}/paper-check"));
    let links: Vec<String> = list
        .doc()
        .select(&scraper::Selector::parse("td a").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(links.len(), 2);
    assert_eq!(crate::fixtures::status(&first, &links[0]), 403);
    // Agreeing typings store the response.
    let check = second.get(&links[0]);
    let agreed = second.submit(&check.form_ending(&links[0]).with("q-listened-to", "1"));
    assert_eq!(agreed.status, 200, "{}", agreed.html);
    assert_eq!(app.responses(), before + 1);
    // Differing typings are shown; what the checker then saves is kept.
    let check = second.get(&links[1]);
    let differ = second.submit(&check.form_ending(&links[1]).with("q-listened-to", "2"));
    assert_eq!(differ.status, 409);
    assert!(differ.html.contains("first typing No, second typing Sometimes"), "{}", differ.html);
    assert_eq!(app.responses(), before + 1);
    let settled = second.submit(&differ.form_ending(&links[1]).with("q-listened-to", "3"));
    assert_eq!(settled.status, 200);
    assert_eq!(app.responses(), before + 2);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.channel = 'paper' AND a.question_key = 'listened-to' AND a.option_value = 'no'"), 1);
    assert_eq!(second.get(&links[1]).status, 409, "a form is stored once");
}
both!(a_second_person_checks_the_typing);
