//! The survey- and framework-definition parsers and the easy-read checker: any text in, a
//! definition or a list of problems out, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = heard::domain::framework::detect_kind("fuzz.toml", text);
    if let Ok(def) = heard::domain::SurveyDefinition::parse("fuzz.survey.toml", text, 2000) {
        // A definition that parses must also survive the checker and every journey.
        let _ = heard::domain::easyread::check_survey(&def);
        for a in &def.audiences {
            let _ = def.journey(a.key.as_str(), &Default::default());
        }
    }
    let _ = heard::domain::framework::FrameworkDefinition::parse("fuzz.framework.toml", text);
});
