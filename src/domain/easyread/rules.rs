//! The rules themselves: `Checker` reading one field at a time (sentence length, two
//! questions in one, percentages, emphasis, capitals, symbols, then the English-only rules),
//! and the small tests on words and phrases they use.

use std::collections::BTreeSet;

use super::wordlists::{
    ALLOWED_ABBREVIATIONS, BE_FORMS, EVALUATIVE, FAMILIAR, IDIOMS, JARGON, KNOWN_ACRONYMS, NEGATIVES, NUMBER_WORDS,
    PARTICIPLES, PASSIVE_SKIP, PLAIN_WORDS,
};
use super::{Checker, Finding, Kind, Level, Reader, sentences, syllables, words};

impl Checker {
    pub(super) fn push(
        &mut self,
        level: Level,
        rule: &'static str,
        field: String,
        question: Option<&str>,
        message: String,
    ) {
        let f = Finding { level, rule, field, question: question.map(str::to_owned), message };
        if !self.findings.contains(&f) {
            self.findings.push(f);
        }
    }

    fn yp(&self) -> bool {
        self.reader == Reader::YoungPeople
    }

    pub(super) fn field(&mut self, text: &str, field: &str, q: Option<&str>, kind: Kind) {
        let field = field.to_owned();
        let raw = text.replace('’', "'");
        let lower = raw.to_lowercase();
        let sents = sentences(&raw);

        // Long sentences.
        for s in &sents {
            let n = words(s).len();
            let (warn, err) = if self.yp() { (15, 20) } else { (20, 25) };
            if n > warn {
                let level = if n > err { Level::Error } else { Level::Warning };
                self.push(
                    level,
                    "Long sentence",
                    field.clone(),
                    q,
                    format!("{n} words. One idea, about 15 words: split it into two sentences."),
                );
            }
        }

        // Two questions in one.
        if kind == Kind::Question || kind == Kind::Statement {
            let marks = raw.chars().filter(|c| matches!(c, '?' | '？' | '؟')).count();
            if marks > 1 {
                self.push(
                    Level::Error,
                    "Two questions in one",
                    field.clone(),
                    q,
                    "2 questions? Someone could say yes to one and no to the other. Use 2 pages.".into(),
                );
            } else if self.english {
                self.joined_asks(&lower, &field, q);
            }
        }

        // Percentages and fractions (any language).
        if has_percentage(&lower) {
            let level = if self.yp() { Level::Error } else { Level::Warning };
            self.push(
                level,
                "Percentage or fraction",
                field.clone(),
                q,
                "Percentages and fractions are hard for many readers: ask 'all, most, some, none' or '3 out of 10'."
                    .into(),
            );
        }

        // Emphasis.
        if has_emphasis(&raw) {
            self.push(
                Level::Warning,
                "Italics or underline",
                field.clone(),
                q,
                "Italics and underlining are hard to read, and screen readers ignore them: say it in words.".into(),
            );
        }
        if long_bold(&raw) {
            self.push(
                Level::Warning,
                "Bold",
                field.clone(),
                q,
                "Bold over more than 3 words is hard to read, and screen readers ignore it: use words.".into(),
            );
        }

        // Symbols in text.
        if raw.chars().any(|c| matches!(c, '&' | '/' | '+' | '~' | '<' | '>' | '*')) {
            self.push(
                Level::Warning,
                "Symbols in text",
                field.clone(),
                q,
                "Write 'and', 'or', 'more than' in words instead of & / + ~ < > *.".into(),
            );
        }

        // Capitals (Latin letters only).
        self.capitals(&raw, &field, q);

        if !self.english {
            return;
        }

        // Explanations seen in this field count for the rest of the version.
        for s in &sents {
            let sl = s.to_lowercase();
            for j in JARGON {
                for term in j.terms {
                    if let Some(rest) = find_phrase(&sl, term).map(|i| &sl[i + term.len()..]) {
                        let rest = rest.trim_start();
                        if rest.starts_with("is ") || rest.starts_with("are ") || rest.starts_with("means ") {
                            self.explained.insert(j.terms[0].to_owned());
                        }
                    }
                }
            }
            for w in words(s) {
                if let Some(abbr) = spelled_out_in(s, &w) {
                    self.spelled_out.insert(abbr);
                }
            }
        }

        // Jargon.
        let mut jargon_words: BTreeSet<String> = BTreeSet::new();
        for j in JARGON {
            if let Some(term) = j.terms.iter().find(|t| find_phrase(&lower, t).is_some()) {
                for w in term.split(|c: char| !c.is_alphanumeric()) {
                    jargon_words.insert(w.to_owned());
                }
                let explained = self.explained.contains(j.terms[0]);
                let level = match (self.yp(), explained) {
                    (_, true) => Level::Warning,
                    (true, false) => Level::Error,
                    (false, false) => Level::Warning,
                };
                let plain = if self.yp() { j.young_people } else { j.parents };
                let advice = if plain == "(avoid)" {
                    "Leave it out, or say what it means in everyday words.".to_owned()
                } else {
                    format!("Say '{plain}'.")
                };
                let shown = j.shown.unwrap_or(term);
                let message = if explained {
                    format!(
                        "'{shown}' is service language, though you explain it: check the explanation comes first. {advice}"
                    )
                } else {
                    format!("'{shown}' is service language. {advice}")
                };
                self.push(level, "Jargon", field.clone(), q, message);
            }
        }

        // Abbreviations.
        for w in words(&raw) {
            if !is_abbreviation(&w) || jargon_words.contains(&w.to_lowercase()) {
                continue;
            }
            if ALLOWED_ABBREVIATIONS.contains(&w.as_str()) {
                continue;
            }
            if self.yp() {
                self.push(
                    Level::Error,
                    "Abbreviation",
                    field.clone(),
                    q,
                    format!("'{w}' is an abbreviation: young people need the words, e.g. 'your plan', not 'EHCP'."),
                );
            } else if !self.spelled_out.contains(&w) {
                self.push(
                    Level::Warning,
                    "Abbreviation",
                    field.clone(),
                    q,
                    format!("'{w}': spell it out the first time, e.g. 'Education, Health and Care (EHC) plan'."),
                );
            }
        }
        for (dotted, spoken) in [("e.g", "for example"), ("i.e", "that is"), ("etc", "and so on"), ("vs", "or")] {
            if find_phrase(&lower, dotted).is_some() {
                let level = if self.yp() { Level::Error } else { Level::Warning };
                self.push(
                    level,
                    "Abbreviation",
                    field.clone(),
                    q,
                    format!("Write '{spoken}', not '{dotted}': 'eg' can be read aloud as 'egg'."),
                );
            }
        }

        // Long words.
        let mut long = Vec::new();
        for s in &sents {
            for (i, w) in words(s).iter().enumerate() {
                let lw = w.to_lowercase();
                if jargon_words.contains(&lw) || is_abbreviation(w) || FAMILIAR.contains(&lw.as_str()) {
                    continue;
                }
                // Names (a capital away from the start of a sentence) are left alone.
                if i > 0 && w.chars().next().is_some_and(char::is_uppercase) {
                    continue;
                }
                if syllables(w) >= 3 || w.chars().filter(|c| c.is_alphabetic()).count() >= 9 {
                    long.push(lw);
                }
            }
        }
        long.dedup();
        for w in long {
            let level = if self.yp() { Level::Warning } else { Level::Info };
            let message = match plain_word(&w) {
                Some(p) => format!("Try an everyday word ({w} -> {p})."),
                None => format!("'{w}' is long: try an everyday word."),
            };
            self.push(level, "Long word", field.clone(), q, message);
        }

        // Negatives.
        for s in &sents {
            let n = words(s).iter().filter(|w| is_negative(&w.to_lowercase())).count();
            if n >= 2 {
                self.push(
                    Level::Error,
                    "Negative",
                    field.clone(),
                    q,
                    "Two negatives in one sentence are easy to misread: say it the positive way.".into(),
                );
            } else if n == 1 && kind == Kind::Statement {
                self.push(
                    Level::Warning,
                    "Negative",
                    field.clone(),
                    q,
                    "Agreeing with 'not' is confusing. Say it the positive way, e.g. 'Staff listen to me'.".into(),
                );
            }
        }

        // Passive voice.
        if kind != Kind::Answer && has_passive(&lower) {
            let level = if self.yp() { Level::Warning } else { Level::Info };
            self.push(
                level,
                "Passive",
                field.clone(),
                q,
                "Say who does it: 'Did staff ask you?', not 'Were you asked?'.".into(),
            );
        }

        // Numbers as words.
        for w in words(&lower) {
            if NUMBER_WORDS.contains(&w.as_str()) {
                self.push(
                    Level::Warning,
                    "Number as a word",
                    field.clone(),
                    q,
                    format!("Use digits: '3 times', not 'three times' ('{w}')."),
                );
            }
        }

        // Idioms.
        for idiom in IDIOMS {
            if find_phrase(&lower, idiom).is_some() {
                self.push(
                    Level::Warning,
                    "Idiom",
                    field.clone(),
                    q,
                    format!("'{idiom}': some readers take words literally. Say what you mean."),
                );
            }
        }

        // And / or joining two asks.
        let _ = kind;
    }

    /// "and"/"or" joining two evaluative words, or before that/whether/if/how.
    fn joined_asks(&mut self, lower: &str, field: &str, q: Option<&str>) {
        let mut text = lower.to_owned();
        for skip in [
            "parents and carers",
            "children and young people",
            "education, health and care",
            "or not",
            "school or college",
            "school, nursery or college",
        ] {
            text = text.replace(skip, " ");
        }
        let ws = words(&text);
        let mut joined = false;
        let mut other = false;
        for (i, w) in ws.iter().enumerate() {
            let joiner = w == "and" || w == "or" || (w == "as" && ws.get(i + 1).is_some_and(|n| n == "well"));
            if !joiner {
                continue;
            }
            let before = ws[..i].iter().rev().take(3).any(|b| EVALUATIVE.contains(&b.as_str()));
            let after_from = if w == "as" { i + 3 } else { i + 1 };
            let after = ws.iter().skip(after_from).take(3).any(|a| EVALUATIVE.contains(&a.as_str()));
            let next = ws.get(after_from).map(String::as_str);
            if (before && after) || matches!(next, Some("that" | "whether" | "if" | "how")) {
                joined = true;
            } else {
                other = true;
            }
        }
        if joined {
            self.push(
                Level::Warning,
                "Two questions in one",
                field.to_owned(),
                q,
                "2 questions? Someone could say yes to one and no to the other. Use 2 pages.".into(),
            );
        } else if other && self.yp() {
            self.push(
                Level::Info,
                "Two questions in one",
                field.to_owned(),
                q,
                "Check 'and'/'or' here joins one idea, not two questions.".into(),
            );
        }
    }

    fn capitals(&mut self, raw: &str, field: &str, q: Option<&str>) {
        let ws: Vec<String> = words(raw);
        let caps = |w: &str| {
            w.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && w.chars().all(|c| !c.is_lowercase())
                && w.chars().any(|c| c.is_ascii_uppercase())
        };
        let known = |w: &str| ALLOWED_ABBREVIATIONS.contains(&w) || KNOWN_ACRONYMS.contains(&w);
        let mut shouting = false;
        for pair in ws.windows(2) {
            if caps(&pair[0]) && caps(&pair[1]) && !(known(&pair[0]) && known(&pair[1])) {
                shouting = true;
            }
        }
        if ws.iter().any(|w| caps(w) && w.chars().count() >= 6 && !known(w)) {
            shouting = true;
        }
        if shouting {
            self.push(
                Level::Warning,
                "All capitals",
                field.to_owned(),
                q,
                "Capitals are harder to read and look like shouting: use ordinary letters.".into(),
            );
        }
    }

    pub(super) fn symbol(&mut self, image: &str, alt: &str, field: &str, q: Option<&str>) {
        let a = alt.trim().to_lowercase();
        let file = image.rsplit('/').next().unwrap_or(image).to_lowercase();
        let stem = file.split('.').next().unwrap_or(&file).to_owned();
        if a.is_empty() {
            self.push(
                Level::Error,
                "Symbol without alt text",
                field.to_owned(),
                q,
                "Describe the picture in alt text, or mark it decorative if its words say the same.".into(),
            );
        } else if a == file
            || a == stem
            || a.starts_with("image of")
            || a.starts_with("picture of")
            || a.starts_with("icon of")
        {
            self.push(
                Level::Error,
                "Symbol without alt text",
                field.to_owned(),
                q,
                format!("Alt text '{alt}' does not describe the picture: say what it shows, e.g. 'A school building'."),
            );
        }
    }
}

/// Whether `phrase` occurs in `text` on word boundaries (both lower-case).
fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(phrase) {
        let at = from + i;
        let before_ok = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = text[at + phrase.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return Some(at);
        }
        from = at + phrase.len().max(1);
        if from >= text.len() {
            break;
        }
    }
    None
}

fn is_abbreviation(w: &str) -> bool {
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    let caps = w.chars().filter(|c| c.is_ascii_uppercase()).count();
    (2..=8).contains(&letters) && caps >= 2 && !(letters >= 6 && caps == letters && !KNOWN_ACRONYMS.contains(&w))
}

/// `abbr` is spelled out in `sentence` when it stands in brackets, e.g. "Care (EHC) plan".
fn spelled_out_in(sentence: &str, abbr: &str) -> Option<String> {
    (is_abbreviation(abbr) && sentence.contains(&format!("({abbr})"))).then(|| abbr.to_owned())
}

fn has_percentage(lower: &str) -> bool {
    if lower.contains('%')
        || lower.chars().any(|c| ('\u{00BC}'..='\u{00BE}').contains(&c) || ('\u{2150}'..='\u{215E}').contains(&c))
    {
        return true;
    }
    let b = lower.as_bytes();
    for i in 1..b.len().saturating_sub(1) {
        if b[i] == b'/' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit() {
            return true;
        }
    }
    ["per cent", "percent", "percentage", "proportion", "half", "third", "quarter"]
        .iter()
        .any(|p| find_phrase(lower, p).is_some())
}

fn has_emphasis(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    if ["<i>", "<em>", "<u>"].iter().any(|t| lower.contains(t)) {
        return true;
    }
    if raw.chars().any(|c| ('\u{1D400}'..='\u{1D7FF}').contains(&c)) {
        return true;
    }
    // *x* or _x_ (but not **bold**).
    for mark in ['*', '_'] {
        let parts: Vec<&str> = raw.split(mark).collect();
        if parts.len() >= 3
            && !raw.contains(&format!("{mark}{mark}"))
            && parts[1].chars().next().is_some_and(|c| !c.is_whitespace())
        {
            return true;
        }
    }
    false
}

fn long_bold(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    let spans: Vec<&str> = raw.split("**").skip(1).step_by(2).collect();
    let tags = ["<b>", "<strong>"]
        .iter()
        .filter_map(|t| lower.split(t).nth(1).map(|r| r.split('<').next().unwrap_or("").to_owned()))
        .collect::<Vec<_>>();
    spans.iter().any(|s| words(s).len() > 3) || tags.iter().any(|s| words(s).len() > 3)
}

fn is_negative(w: &str) -> bool {
    NEGATIVES.contains(&w) || w.ends_with("n't")
}

fn has_passive(lower: &str) -> bool {
    let ws = words(lower);
    for (i, w) in ws.iter().enumerate() {
        if !BE_FORMS.contains(&w.as_str()) {
            continue;
        }
        for next in ws.iter().skip(i + 1).take(2) {
            if PASSIVE_SKIP.contains(&next.as_str()) {
                break;
            }
            if PARTICIPLES.contains(&next.as_str())
                || (next.len() >= 5 && next.ends_with("ed") && !next.ends_with("eed"))
            {
                return true;
            }
        }
    }
    false
}

fn plain_word(w: &str) -> Option<&'static str> {
    PLAIN_WORDS.iter().find(|(long, _)| *long == w).map(|(_, p)| *p)
}
