//! Form decoding as every POST handler does it: a raw body becomes fields (or a kind error),
//! and each question of the demo survey decodes its `answer` fields (or refuses them).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn survey() -> &'static heard::domain::SurveyDefinition {
    static DEF: OnceLock<heard::domain::SurveyDefinition> = OnceLock::new();
    DEF.get_or_init(|| {
        let src = heard::demo::survey_source("fuzz-wave", "Fuzz", "open", "2025-01-01");
        heard::domain::SurveyDefinition::parse("demo", &src, 2000).expect("the demo survey parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(form) = heard::routes::form::Form::parse(data) else { return };
    let given = form.all("answer");
    for q in &survey().questions {
        let _ = heard::domain::AnswerValue::from_form(q, &given);
    }
    let _ = heard::domain::codes::ShortCode::parse(form.get("code").unwrap_or(""));
    let _ = heard::domain::text::UserText::parse(form.get("answer").unwrap_or(""), 2000, true);
});
