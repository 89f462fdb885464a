//! Tests of the survey format: whole translations, and the problems wrong ones report.

use super::*;

const BASE: &str = r#"
format = "heard-survey/1"
partnership = "p"
[series]
slug = "s"
title = "S"
[wave]
slug = "s-1"
label = "1"
[[audiences]]
key = "young-people"
name = "A young person"
[[questions]]
key = "happy"
type = "yes-sometimes-no"
symbol = { image = "school", alt = "A school" }
[questions.text.young-people]
title = "Are you happy at school?"
[[questions]]
key = "who"
type = "single-choice"
[questions.text.young-people]
title = "Who helps?"
[[questions.options]]
value = "mum"
label = "Mum"
[[questions.options]]
value = "dad"
label = "Dad"
"#;

fn problems(extra: &str) -> Vec<String> {
    match SurveyDefinition::parse("t.toml", &format!("{BASE}{extra}"), 1000) {
        Ok(_) => vec![],
        Err(e) => e.0.into_iter().map(|p| format!("{}: {}", p.field, p.message)).collect(),
    }
}

#[test]
fn a_whole_translation_parses_and_falls_back_per_word() {
    let extra = r#"
[[translations]]
audience = "young-people"
language = "pl"
machine_drafted = true
[translations.questions.happy]
title = "Czy jesteś szczęśliwy w szkole?"
symbol_alt = "Szkoła"
[translations.questions.who]
title = "Kto pomaga?"
options = { mum = "Mama", dad = "Tata" }
"#;
    let def = SurveyDefinition::parse("t.toml", &format!("{BASE}{extra}"), 1000).expect("valid");
    assert_eq!(def.languages_for("young-people"), vec!["en-GB", "pl"]);
    let q = def.question("happy").expect("q");
    assert_eq!(def.wording_in(q, "young-people", "pl").title, "Czy jesteś szczęśliwy w szkole?");
    assert_eq!(def.wording_in(q, "young-people", "ar").title, "Are you happy at school?");
    assert_eq!(def.label_in(q, &q.options[0], "young-people", "pl"), "Tak", "built-in answers from the catalogue");
    let who = def.question("who").expect("q");
    assert_eq!(def.label_in(who, &who.options[1], "young-people", "pl"), "Tata");
    assert_eq!(def.symbol_alt_in(q, "young-people", "pl").as_deref(), Some("Szkoła"));
}

#[test]
fn incomplete_or_wrong_translations_are_explained() {
    let found = problems(
        r#"
[[translations]]
audience = "young-people"
language = "tlh"
[[translations]]
audience = "grown-ups"
language = "pl"
[[translations]]
audience = "young-people"
language = "ar"
[translations.questions.who]
title = "من يساعد؟"
options = { mum = "أمي", uncle = "عمي" }
[translations.questions.nope]
title = "?"
"#,
    );
    let all = found.join("\n");
    assert!(all.contains("no interface words in \"tlh\""), "{all}");
    assert!(all.contains("\"grown-ups\" is not one of this survey's audiences"), "{all}");
    assert!(all.contains("\"uncle\" is not an answer to \"who\""), "{all}");
    assert!(all.contains("add the words for the answer \"dad\""), "{all}");
    assert!(all.contains("there is no question with the key \"nope\""), "{all}");
    assert!(all.contains("the question \"happy\" has no ar words"), "{all}");
}

#[test]
fn a_stored_definition_keeps_working_when_the_limit_is_lowered() {
    let long = format!(
        "{BASE}[[questions]]\nkey = \"more\"\ntype = \"long-text\"\nmax_length = 900\n[questions.text.young-people]\ntitle = \"Tell us more\"\n"
    );
    let stored =
        |limit| SurveyDefinition::stored("t.toml", &long, limit).map(|d| d.question("more").map(|q| q.max_length));
    assert_eq!(stored(1000).ok().flatten(), Some(900));
    // Read back under a lower limit: the question takes the new limit, the wave still reads.
    assert_eq!(stored(500).ok().flatten(), Some(500));
    // A file someone uploads is still told what is wrong.
    let uploaded = SurveyDefinition::parse("t.toml", &long, 500);
    let told = uploaded.err().map(|e| e.0.iter().any(|p| p.field.ends_with("max_length"))).unwrap_or(false);
    assert!(told, "an upload over the limit is refused with the field named");
}

const SAFE: &str = r#"
[[questions]]
key = "feel-safe"
type = "face-scale"
[questions.text.young-people]
title = "How safe do you feel at school?"
"#;

#[test]
fn a_face_scale_takes_words_that_fit_and_keeps_its_values() {
    let extra = format!("{SAFE}scale = [\"Very unsafe\", \"Unsafe\", \"In between\", \"Safe\", \"Very safe\"]\n");
    let def = SurveyDefinition::parse("t.toml", &format!("{BASE}{extra}"), 1000).expect("valid");
    let q = def.question("feel-safe").expect("q");
    let values: Vec<&str> = q.options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["very-unhappy", "unhappy", "in-between", "happy", "very-happy"], "values stay Heard's own");
    assert_eq!(q.options[0].label("young-people"), "Very unsafe");
    assert_eq!(q.options[4].label("young-people"), "Very safe");
    assert_eq!(q.options[4].score, Some(5.0));
    assert!(q.options.iter().all(|o| !o.builtin), "its own words: translations give theirs");
    assert!(!q.face_labels_misfit("young-people"));
    assert!(def.advice().is_empty());
    // A translation must then give the words too.
    let untranslated = problems(&format!(
        "{extra}[[translations]]\naudience = \"young-people\"\nlanguage = \"pl\"\n[translations.questions.happy]\ntitle = \"Szczęśliwy?\"\nsymbol_alt = \"Szkoła\"\n[translations.questions.who]\ntitle = \"Kto?\"\noptions = {{ mum = \"Mama\", dad = \"Tata\" }}\n[translations.questions.feel-safe]\ntitle = \"Bezpiecznie?\"\n"
    ));
    assert!(
        untranslated.iter().any(|p| p.contains("feel-safe.options") && p.contains("very-unhappy")),
        "{untranslated:?}"
    );
}

#[test]
fn a_wrong_scale_is_explained() {
    let short = problems(&format!("{SAFE}scale = [\"Unsafe\", \"Safe\"]\n"));
    assert!(short.iter().any(|p| p.contains("text.young-people.scale") && p.contains("give 5 labels")), "{short:?}");
    let empty = problems(&format!("{SAFE}scale = [\"a\", \"b\", \" \", \"d\", \"e\"]\n"));
    assert!(empty.iter().any(|p| p.contains("is empty")), "{empty:?}");
    let on_choice = problems(
        "[[questions]]\nkey = \"pick\"\ntype = \"single-choice\"\n[questions.text.young-people]\ntitle = \"Pick\"\nscale = [\"x\", \"y\"]\n[[questions.options]]\nvalue = \"a\"\nlabel = \"A\"\n[[questions.options]]\nvalue = \"b\"\nlabel = \"B\"\n",
    );
    assert!(
        on_choice.iter().any(|p| p.contains("(pick).text.young-people.scale") && p.contains("options")),
        "{on_choice:?}"
    );
}

#[test]
fn default_faces_on_a_question_not_about_happiness_are_advised_against() {
    let def = SurveyDefinition::parse("t.toml", &format!("{BASE}{SAFE}"), 1000).expect("valid: advice, not a refusal");
    let q = def.question("feel-safe").expect("q");
    assert!(q.face_labels_misfit("young-people"));
    let advice = def.advice();
    assert_eq!(advice.len(), 1, "{advice:?}");
    assert!(advice[0].starts_with("questions.feel-safe.text.young-people") && advice[0].contains("scale = ["));
    for fits in [
        "How do you feel about school?",
        "How does your child feel at nursery?",
        "How are you feeling today?",
        "Are you happy at school?",
        "How happy is your child with their plan?",
        "Tell us how you feel about college",
    ] {
        assert!(asks_about_happiness(fits), "{fits}");
    }
    for misfit in ["How safe do you feel at school?", "How well do staff listen?", "How often do you see your worker?"]
    {
        assert!(!asks_about_happiness(misfit), "{misfit}");
    }
}

/// Where a question sits in its file is not part of what it asks.
fn without_lines(mut d: SurveyDefinition) -> SurveyDefinition {
    for q in &mut d.questions {
        q.line = 0;
    }
    d
}

#[test]
fn what_the_builder_writes_reads_back_the_same() {
    for (slug, label, status, opens, _) in crate::demo::WAVES {
        let source = crate::demo::survey_source(slug, label, status, opens);
        let def = SurveyDefinition::parse("demo.toml", &source, 2000).expect("the demo reads");
        let written = def.to_toml(2000);
        let again = SurveyDefinition::parse("written.toml", &written, 2000)
            .unwrap_or_else(|e| panic!("what Heard wrote does not read:\n{e}\n{written}"));
        assert_eq!(without_lines(again.clone()), without_lines(def.clone()), "{written}");
        // And writing it again gives the same text (stable, so saves without changes change nothing).
        assert_eq!(again.to_toml(2000), written);
    }
    let def = SurveyDefinition::parse("base.toml", BASE, 500).expect("reads");
    let written = def.to_toml(500);
    let again = SurveyDefinition::parse("written.toml", &written, 500).expect("reads back");
    assert_eq!(without_lines(again), without_lines(def), "{written}");
}

#[test]
fn narrowed_audiences_scales_limits_and_routing_survive_the_round_trip() {
    let source = r#"
format = "heard-survey/1"
partnership = "p"
[series]
slug = "s"
title = "S"
[wave]
slug = "s-1"
label = "1"
status = "open"
opens = 2025-09-01
closes = 2025-10-01T17:30:00
minutes = 7
keep_free_text_days = 365
[[audiences]]
key = "young-people"
name = "A young person"
easy_read = true
intro = ["Tell us what you think."]
[[audiences]]
key = "parents-carers"
name = "A parent"
description = "Parents and carers"
[[questions]]
key = "safe"
type = "face-scale"
required = true
priorities = ["P1"]
values = ["V1", "V2"]
outcomes = ["O1"]
[questions.text.young-people]
title = "How safe do you feel at school?"
scale = ["Very unsafe", "Unsafe", "In between", "Safe", "Very safe"]
[questions.text.parents-carers]
title = "How safe does your child feel?"
hint = "Think of this term."
[[questions]]
key = "who"
type = "single-choice"
audiences = ["parents-carers"]
[questions.text.parents-carers]
title = "Who helps?"
[[questions.options]]
value = "school"
label = "School"
polarity = "positive"
score = 2.5
symbol = { image = "school", alt = "" }
[[questions.options]]
value = "nobody"
label = { parents-carers = "Nobody" }
polarity = "negative"
[[questions]]
key = "why"
type = "short-text"
max_length = 120
show_if = { question = "who", any_of = ["nobody"] }
audiences = ["parents-carers"]
[questions.text.parents-carers]
title = "Why?"
[[questions]]
key = "age"
type = "number"
min = 0
max = 25
whole_number = true
[questions.text.young-people]
title = "How old are you?"
[questions.text.parents-carers]
title = "How old is your child?"
[[translations]]
audience = "parents-carers"
language = "pl"
machine_drafted = true
title = "Ankieta"
[translations.questions.safe]
title = "Jak bezpiecznie?"
options = { very-unhappy = "1", unhappy = "2", in-between = "3", happy = "4", very-happy = "5" }
[translations.questions.who]
title = "Kto pomaga?"
options = { school = "Szkoła", nobody = "Nikt" }
[translations.questions.why]
title = "Dlaczego?"
[translations.questions.age]
title = "Ile lat?"
"#;
    let def = SurveyDefinition::parse("t.toml", source, 2000).expect("reads");
    let written = def.to_toml(2000);
    let again = SurveyDefinition::parse("w.toml", &written, 2000).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(without_lines(again), without_lines(def), "{written}");
    assert!(!written.contains("max_length = 2000"), "defaults are left out:\n{written}");
}

const GRID: &str = r#"
[[questions]]
key = "agree"
type = "grid"
required = true
priorities = ["P1"]
show_if = { question = "who", any_of = ["mum"] }
[questions.text.young-people]
title = "How much do you agree?"
hint = "One answer for each."
[[questions.options]]
value = "agree"
label = "Agree"
polarity = "positive"
score = 3
[[questions.options]]
value = "not-sure"
label = "Not sure"
[[questions.options]]
value = "disagree"
label = "Disagree"
polarity = "negative"
score = 1
[[questions.statements]]
key = "agree-safe"
text = "I feel safe at school"
symbol = { image = "school", alt = "A school" }
[[questions.statements]]
key = "agree-listened"
text = { young-people = "Adults listen to me" }
[[questions]]
key = "why-not"
type = "short-text"
show_if = { question = "agree-safe", any_of = ["disagree"] }
[questions.text.young-people]
title = "Why not?"
"#;

#[test]
fn a_grid_is_read_as_one_single_choice_question_per_statement() {
    let def = SurveyDefinition::parse("t.toml", &format!("{BASE}{GRID}"), 1000).unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<&str> = def.questions.iter().map(|q| q.key.as_str()).collect();
    assert_eq!(keys, ["happy", "who", "agree-safe", "agree-listened", "why-not"]);
    let safe = def.question("agree-safe").expect("statement");
    assert_eq!(safe.kind, QuestionKind::SingleChoice);
    assert_eq!(safe.wording("young-people").map(|w| w.title.as_str()), Some("I feel safe at school"));
    assert_eq!(safe.grid_key(), Some("agree"));
    assert_eq!(safe.options.len(), 3);
    assert!(safe.required && safe.show_if.is_some() && safe.priorities == ["P1"]);
    let grid = safe.grid.as_ref().expect("grid");
    assert_eq!(def.grid_wording_in(grid, "young-people", "en-GB").title, "How much do you agree?");
    assert_eq!(def.grid_statements("agree").count(), 2);
    assert!(def.question("agree").is_none(), "the grid itself is not answered");
    // And it writes back as one grid.
    let written = def.to_toml(1000);
    assert_eq!(written.matches("type = \"grid\"").count(), 1, "{written}");
    let again = SurveyDefinition::parse("w.toml", &written, 1000).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(without_lines(again), without_lines(def), "{written}");
}

#[test]
fn a_grid_translates_once_for_its_scale_and_once_per_statement() {
    let extra = r#"
[[translations]]
audience = "young-people"
language = "pl"
[translations.questions.happy]
title = "Szczęśliwy?"
symbol_alt = "Szkoła"
[translations.questions.who]
title = "Kto?"
options = { mum = "Mama", dad = "Tata" }
[translations.questions.agree]
title = "Czy się zgadzasz?"
options = { agree = "Tak", not-sure = "Nie wiem", disagree = "Nie" }
[translations.questions.agree-safe]
title = "Czuję się bezpiecznie"
symbol_alt = "Szkoła"
[translations.questions.agree-listened]
title = "Dorośli mnie słuchają"
[translations.questions.why-not]
title = "Dlaczego nie?"
"#;
    let def =
        SurveyDefinition::parse("t.toml", &format!("{BASE}{GRID}{extra}"), 1000).unwrap_or_else(|e| panic!("{e}"));
    let q = def.question("agree-listened").expect("statement");
    let agree = q.option("agree").expect("option");
    assert_eq!(def.label_in(q, agree, "young-people", "pl"), "Tak");
    assert_eq!(def.grid_wording_in(q.grid.as_ref().expect("grid"), "young-people", "pl").title, "Czy się zgadzasz?");
    let written = def.to_toml(1000);
    let again = SurveyDefinition::parse("w.toml", &written, 1000).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(without_lines(again), without_lines(def), "{written}");
    // Without the grid's own words, the translation is refused and says what to add.
    let missing = extra.replace("[translations.questions.agree]\ntitle = \"Czy się zgadzasz?\"\noptions = { agree = \"Tak\", not-sure = \"Nie wiem\", disagree = \"Nie\" }\n", "");
    let found = problems(&format!("{GRID}{missing}"));
    assert!(found.iter().any(|p| p.contains("the grid \"agree\" has no pl words")), "{found:?}");
}

#[test]
fn wrong_grids_are_explained() {
    let no_statements = GRID.split("[[questions.statements]]").next().unwrap_or_default().to_owned();
    let found = problems(&no_statements);
    assert!(found.iter().any(|p| p.contains("a grid needs statements")), "{found:?}");
    let twice = GRID.replace("key = \"agree-listened\"", "key = \"agree-safe\"");
    assert!(problems(&twice).iter().any(|p| p.contains("used twice")));
    let clash = GRID.replace("key = \"agree-listened\"", "key = \"who\"");
    assert!(problems(&clash).iter().any(|p| p.contains("used twice")));
    let route_on_grid = GRID.replace("question = \"agree-safe\"", "question = \"agree\"");
    let found = problems(&route_on_grid);
    assert!(found.iter().any(|p| p.contains("is a grid: route on one of its statements")), "{found:?}");
    let statements_elsewhere = "[[questions]]\nkey = \"x\"\ntype = \"short-text\"\n[questions.text.young-people]\ntitle = \"X\"\n[[questions.statements]]\nkey = \"y\"\ntext = \"Y\"\n";
    assert!(problems(statements_elsewhere).iter().any(|p| p.contains("only a grid has statements")));
    let no_words = GRID.replace("text = \"I feel safe at school\"", "text = \"  \"");
    assert!(problems(&no_words).iter().any(|p| p.contains("has no words for the audience")));
}
