//! Tests of the easy-read checker: the syllable rules, the worked examples and their
//! rewrites from EASYREAD.md, explanations and spelled-out abbreviations, and alt text.

use super::*;

fn check(text: &str, reader: Reader, kind: Kind) -> Vec<(Level, &'static str)> {
    let mut c =
        Checker { reader, english: true, findings: vec![], explained: BTreeSet::new(), spelled_out: BTreeSet::new() };
    c.field(text, "f", None, kind);
    c.findings.into_iter().map(|f| (f.level, f.rule)).collect()
}

#[test]
fn syllables_follow_the_reference_rules() {
    for (w, n) in [
        ("cat", 1),
        ("school", 1),
        ("happy", 2),
        ("listened", 2),
        ("wanted", 2),
        ("make", 1),
        ("table", 2),
        ("boxes", 2),
        ("aspirations", 4),
        ("EHCP", 4),
        ("SEND", 1),
        ("idea", 3),
        ("yes", 1),
        ("young", 1),
        ("1234567", 4),
    ] {
        assert_eq!(syllables(w), n, "{w}");
    }
}

#[test]
fn worked_example_1_is_flagged() {
    let text = "To what extent do you agree that your EHCP outcomes reflect your aspirations and that your annual review was person-centred?";
    let found = check(text, Reader::YoungPeople, Kind::Question);
    assert!(found.contains(&(Level::Error, "Long sentence")), "{found:?}");
    assert!(found.iter().filter(|f| *f == &(Level::Error, "Jargon")).count() >= 1, "{found:?}");
    assert!(found.contains(&(Level::Warning, "Two questions in one")), "{found:?}");
    let age = reading_age(text).unwrap();
    assert!(age > 15.0, "reading age {age}");
}

#[test]
fn worked_example_2_is_flagged() {
    let text =
        "Professionals did not fail to take my views into account when decisions were made about my child's provision.";
    let found = check(text, Reader::Parents, Kind::Statement);
    assert!(found.contains(&(Level::Error, "Negative")), "{found:?}");
    assert!(found.contains(&(Level::Info, "Passive")), "{found:?}");
    assert!(found.contains(&(Level::Warning, "Jargon")), "{found:?}");
}

#[test]
fn worked_example_3_is_flagged() {
    let text = "Approximately what percentage of the Local Offer information did you find accessible, e.g. the SEND Hub pages? PLEASE ANSWER ALL PARTS.";
    let found = check(text, Reader::YoungPeople, Kind::Question);
    for want in [
        (Level::Error, "Percentage or fraction"),
        (Level::Error, "Jargon"),
        (Level::Error, "Abbreviation"),
        (Level::Warning, "Long word"),
        (Level::Warning, "All capitals"),
    ] {
        assert!(found.contains(&want), "{want:?} in {found:?}");
    }
}

#[test]
fn the_rewrites_pass() {
    for text in [
        "Your plan says what help you get.",
        "Does your plan help you do the things you want to do?",
        "Each year there is a meeting about your plan.",
        "Did people at the meeting listen to you?",
    ] {
        let found = check(text, Reader::YoungPeople, Kind::Question);
        assert!(found.iter().all(|(l, _)| *l == Level::Info), "{text}: {found:?}");
    }
    let found = check(
        "Did staff ask what you thought before they made decisions about your child's support?",
        Reader::Parents,
        Kind::Question,
    );
    assert!(found.iter().all(|(l, _)| *l == Level::Info), "{found:?}");
}

#[test]
fn an_explained_term_is_only_a_warning_afterwards() {
    let mut c = Checker {
        reader: Reader::YoungPeople,
        english: true,
        findings: vec![],
        explained: BTreeSet::new(),
        spelled_out: BTreeSet::new(),
    };
    c.field("The Local Offer is a website.", "intro", None, Kind::Prose);
    c.field("Was the Local Offer website easy to use?", "title", None, Kind::Question);
    let jargon: Vec<Level> = c.findings.iter().filter(|f| f.rule == "Jargon").map(|f| f.level).collect();
    assert!(!jargon.contains(&Level::Error), "{:?}", c.findings);
    assert!(jargon.contains(&Level::Warning));
}

#[test]
fn parents_may_use_an_abbreviation_once_spelled_out() {
    let mut c = Checker {
        reader: Reader::Parents,
        english: true,
        findings: vec![],
        explained: BTreeSet::new(),
        spelled_out: BTreeSet::new(),
    };
    c.field("Does your child have an Education, Health and Care (EHC) plan?", "a", None, Kind::Question);
    c.field("Was your child's EHC review on time?", "b", None, Kind::Question);
    assert!(!c.findings.iter().any(|f| f.rule == "Abbreviation"), "{:?}", c.findings);
}

#[test]
fn symbols_need_real_alt_text() {
    let mut c = Checker {
        reader: Reader::YoungPeople,
        english: true,
        findings: vec![],
        explained: BTreeSet::new(),
        spelled_out: BTreeSet::new(),
    };
    c.symbol("school", "school", "s", None);
    c.symbol("school", "Image of a school", "s", None);
    c.symbol("school", "", "s", None);
    c.symbol("school", "A school building", "s", None);
    assert_eq!(c.findings.len(), 3);
}

#[test]
fn faces_that_do_not_fit_the_question_are_flagged() {
    let file = |scale: &str| {
        format!(
            "format = \"heard-survey/1\"\npartnership = \"p\"\n[series]\nslug = \"s\"\ntitle = \"S\"\n[wave]\nslug = \"s-1\"\nlabel = \"1\"\n[[audiences]]\nkey = \"young-people\"\nname = \"A young person\"\neasy_read = true\n[[questions]]\nkey = \"feel-safe\"\ntype = \"face-scale\"\n[questions.text.young-people]\ntitle = \"How safe do you feel at school?\"\n{scale}[[questions]]\nkey = \"school\"\ntype = \"face-scale\"\n[questions.text.young-people]\ntitle = \"How do you feel about school?\"\n"
        )
    };
    let rules = |src: &str| -> Vec<(Level, &'static str, Option<String>)> {
        let def = SurveyDefinition::parse("t.toml", src, 1000).expect("valid");
        check_version(&def, "young-people", "en-GB", Reader::YoungPeople)
            .findings
            .into_iter()
            .map(|f| (f.level, f.rule, f.question))
            .collect()
    };
    let found = rules(&file(""));
    assert!(found.contains(&(Level::Warning, "Answers that fit", Some("feel-safe".into()))), "{found:?}");
    assert!(
        !found.iter().any(|f| f.1 == "Answers that fit" && f.2.as_deref() == Some("school")),
        "faces fit a feelings question"
    );
    let fixed = rules(&file("scale = [\"Very unsafe\", \"Unsafe\", \"In between\", \"Safe\", \"Very safe\"]\n"));
    assert!(!fixed.iter().any(|f| f.1 == "Answers that fit"), "{fixed:?}");
}

#[test]
fn the_demos_versions_have_no_must_fix_items() {
    for (slug, label, status, opens, _) in crate::demo::WAVES {
        let def =
            SurveyDefinition::parse("demo", &crate::demo::survey_source(slug, label, status, opens), 2000).unwrap();
        for report in check_survey(&def) {
            let must: Vec<&Finding> = report.findings.iter().filter(|f| f.level == Level::Error).collect();
            assert!(must.is_empty(), "{slug} {} {}: {must:?}", report.audience, report.language);
        }
    }
}
