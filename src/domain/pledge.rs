//! The pledge check: each service that signed up to the partnership's pledge gets a standing
//! feedback survey, made here as an ordinary `heard-survey/1` definition (so it is answered
//! through the same accessible journey as every survey, easy read for young people): one
//! yes / sometimes / no question per pledge value, tagged with that value, and a last
//! question for anything else. The values come from the partnership's framework, so
//! Torbay's pledge, Stockton's charter and Southend's values all work.

use chrono::NaiveDate;

use super::text::UserText;

/// The longest service name, in grapheme clusters.
pub const MAX_SERVICE_NAME: usize = 80;

/// A pledge value as the survey asks about it: code, title, what it means.
#[derive(Debug, Clone)]
pub struct Value {
    pub code: String,
    pub title: String,
    pub meaning: String,
}

/// A service's name, checked, and the address part made from it (`health-visiting`), or
/// what is wrong in words.
pub fn service_name(raw: &str) -> Result<(String, String), String> {
    let name = UserText::required(
        raw,
        MAX_SERVICE_NAME,
        false,
        "The name",
        "Give the service's name, like “Health visiting”.",
    )?;
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect::<String>().trim_end_matches('-').to_owned();
    if slug.is_empty() {
        return Err(
            "Give the name with some letters or digits in it, so it can be part of the survey's address.".into()
        );
    }
    Ok((name, slug))
}

/// The question key for a value.
pub fn value_key(code: &str) -> String {
    format!("value-{code}")
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The standing feedback survey for a service: series and wave `PARTNERSHIP-pledge-SLUG`,
/// open from `opens` with no closing date.
pub fn feedback_definition(partnership: &str, slug: &str, name: &str, values: &[Value], opens: NaiveDate) -> String {
    let wave = format!("{partnership}-pledge-{slug}");
    let mut s = format!(
        "format = \"heard-survey/1\"\npartnership = {p}\n\n[series]\nslug = {w}\ntitle = {t}\n\n[wave]\nslug = {w}\nlabel = \"Standing\"\nstatus = \"open\"\nopens = {opens}\nminutes = 3\n\n",
        p = quoted(partnership),
        w = quoted(&wave),
        t = quoted(&format!("{name}: how did we do?")),
    );
    s.push_str(&format!(
        "[[audiences]]\nkey = \"young-people\"\nname = \"A young person\"\ndescription = \"I am 8 to 25 years old and I am answering about me.\"\neasy_read = true\nintro = [{}, \"It takes 3 minutes.\"]\n\n",
        quoted(&format!("Tell us how {name} did."))
    ));
    s.push_str(&format!(
        "[[audiences]]\nkey = \"parents-carers\"\nname = \"A parent or carer\"\ndescription = \"I am answering about my child or a young person I care for.\"\nintro = [{}, \"Your answers are anonymous and help the service keep its promises.\"]\n\n",
        quoted(&format!("Tell us how {name} did against the promises it made when it signed up to our pledge."))
    ));
    for v in values {
        s.push_str(&format!(
            "[[questions]]\nkey = {key}\ntype = \"yes-sometimes-no\"\nvalues = [{code}]\n[questions.text.young-people]\ntitle = {yp}\nhint = {hint}\n[questions.text.parents-carers]\ntitle = {pc}\nhint = {hint}\n\n",
            key = quoted(&value_key(&v.code)),
            code = quoted(&v.code),
            yp = quoted(&format!("We promised: {}. Did we do it?", v.title)),
            pc = quoted(&format!("{} promised: {}. Did they?", name, v.title)),
            hint = quoted(&v.meaning),
        ));
    }
    s.push_str(&format!(
        "[[questions]]\nkey = \"anything-else\"\ntype = \"long-text\"\n[questions.text.young-people]\ntitle = \"Is there anything else you want to tell us?\"\n[questions.text.parents-carers]\ntitle = {}\n",
        quoted(&format!("Is there anything else you want to tell {name}?"))
    ));
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_make_addresses() {
        assert_eq!(service_name(" Health visiting ").unwrap(), ("Health visiting".into(), "health-visiting".into()));
        assert_eq!(service_name("SENDIASS (Torbay)").unwrap().1, "sendiass-torbay");
        assert!(service_name("").is_err());
        assert!(service_name("☺☺").is_err());
    }

    #[test]
    fn the_survey_reads_as_any_other() {
        let values = vec![
            Value { code: "be-honest".into(), title: "Be honest".into(), meaning: "We will tell you the truth".into() },
            Value { code: "be-kind".into(), title: "Be \"kind\"".into(), meaning: "Kindness".into() },
        ];
        let opens = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let text = feedback_definition("torbay", "health-visiting", "Health \"visiting\"", &values, opens);
        let def = crate::domain::SurveyDefinition::parse("s.toml", &text, 2000).unwrap();
        assert_eq!(def.questions.len(), 3);
        assert_eq!(def.wave.slug.as_str(), "torbay-pledge-health-visiting");
        assert!(def.questions[0].values.iter().any(|v| v == "be-honest"));
    }
}
