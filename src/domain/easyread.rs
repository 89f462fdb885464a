//! The easy-read checker: advice on a survey's words, before anyone reads them.
//!
//! It follows `shared/EASYREAD.md` (rules, thresholds, the reading-age formula and the jargon
//! table from the partnerships' own strategies). Each field is checked alone (question, hint,
//! each answer, each intro line), sentences and words come from unicode-segmentation's
//! boundaries, and every finding says what to change. Findings are advice: **E** should be
//! fixed, **W** should probably be fixed, **I** is for the author to look at. Testing with
//! young people and the Parent Carer Forum decides.
//!
//! Young people's versions (`easy_read = true`) are held to easy read; other audiences to
//! plain English. Translations get the rules that do not depend on English (sentence length,
//! two questions in one, percentages, emphasis, capitals, symbols); the English-only rules
//! (syllables, jargon, negatives, passives, number words, idioms, reading age) are skipped
//! and the report says so.

use std::collections::BTreeSet;

use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use super::survey::{Question, QuestionKind, SurveyDefinition};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Level {
    /// Must fix.
    Error,
    /// Should fix.
    Warning,
    /// The author should look.
    Info,
}

impl Level {
    pub fn letter(self) -> &'static str {
        match self {
            Level::Error => "E",
            Level::Warning => "W",
            Level::Info => "I",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Level::Error => "must fix",
            Level::Warning => "should fix",
            Level::Info => "look at",
        }
    }
}

/// Who reads the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Reader {
    /// Young people 8–25: easy read.
    YoungPeople,
    /// Parents and carers: plain English.
    Parents,
}

/// One piece of advice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    /// Short rule name, e.g. "Long sentence".
    pub rule: &'static str,
    /// Where: e.g. `questions.has-plan.title`.
    pub field: String,
    /// The question key, when the field belongs to a question.
    pub question: Option<String>,
    /// What to change.
    pub message: String,
}

/// The advice for one audience's version in one language.
#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub audience: String,
    pub language: String,
    pub reader: Reader,
    /// Flesch–Kincaid reading age (English only): a rough guide, never a gate.
    pub reading_age: Option<f64>,
    pub findings: Vec<Finding>,
    /// Set for translations: the rules that were not run.
    pub skipped: Option<&'static str>,
}

impl VersionReport {
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }

    /// The findings about one question.
    pub fn for_question<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.question.as_deref() == Some(key))
    }
}

const ENGLISH_ONLY: &str = "syllables, jargon, negatives, passives, number words, idioms and reading age are English rules, so they were not run on this translation";

/// Checks every audience's version of `def`, in every language it has.
pub fn check_survey(def: &SurveyDefinition) -> Vec<VersionReport> {
    let mut out = Vec::new();
    for a in &def.audiences {
        let reader = if a.easy_read { Reader::YoungPeople } else { Reader::Parents };
        for lang in def.languages_for(a.key.as_str()) {
            out.push(check_version(def, a.key.as_str(), &lang, reader));
        }
    }
    out
}

/// Checks one audience's version in one language.
pub fn check_version(def: &SurveyDefinition, audience: &str, lang: &str, reader: Reader) -> VersionReport {
    let english = lang == crate::i18n::DEFAULT_LANG;
    let mut c =
        Checker { reader, english, findings: Vec::new(), explained: BTreeSet::new(), spelled_out: BTreeSet::new() };
    let translation = def.translation(audience, lang);
    let intro: Vec<String> = match translation {
        Some(t) if !t.intro.is_empty() => t.intro.clone(),
        _ => def.audience(audience).map(|a| a.intro.clone()).unwrap_or_default(),
    };
    let mut prose = Vec::new();
    for (i, line) in intro.iter().enumerate() {
        c.field(line, &format!("intro[{i}]"), None, Kind::Prose);
        prose.push(line.clone());
    }
    for q in def.questions_for(audience) {
        let key = q.key.as_str();
        let w = def.wording_in(q, audience, lang);
        let kind = if is_likert(q) { Kind::Statement } else { Kind::Question };
        c.field(&w.title, &format!("questions.{key}.title"), Some(key), kind);
        prose.push(w.title.clone());
        if !w.hint.is_empty() {
            c.field(&w.hint, &format!("questions.{key}.hint"), Some(key), Kind::Prose);
            prose.push(w.hint.clone());
        }
        for o in &q.options {
            let label = def.label_in(q, o, audience, lang);
            c.field(&label, &format!("questions.{key}.options.{}", o.value), Some(key), Kind::Answer);
        }
        if let Some(s) = &q.symbol {
            let alt = def.symbol_alt_in(q, audience, lang).unwrap_or_default();
            c.symbol(&s.image, &alt, &format!("questions.{key}.symbol"), Some(key));
        }
    }
    let reading_age = english.then(|| reading_age(&prose.join("\n"))).flatten();
    if let Some(age) = reading_age {
        let (limit, aim) = match reader {
            Reader::YoungPeople => (4.0 + 5.0, 9),
            Reader::Parents => (6.0 + 5.0, 11),
        };
        if age > limit {
            c.push(
                Level::Warning,
                "Reading age",
                "version".into(),
                None,
                format!("Reading age about {age:.0}; aim for {aim} (a rough guide: shorter sentences and everyday words bring it down)."),
            );
        }
    }
    VersionReport {
        audience: audience.to_owned(),
        language: lang.to_owned(),
        reader,
        reading_age,
        findings: c.findings,
        skipped: (!english).then_some(ENGLISH_ONLY),
    }
}

/// An agree/disagree-style question: a statement people rate.
fn is_likert(q: &Question) -> bool {
    matches!(q.kind, QuestionKind::FaceScale)
        || q.options
            .iter()
            .any(|o| o.value.contains("agree") || o.labels.values().any(|l| l.to_lowercase().contains("agree")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A question's title.
    Question,
    /// A statement people agree or disagree with (or rate).
    Statement,
    /// A hint or intro line.
    Prose,
    /// An answer's label.
    Answer,
}

struct Checker {
    reader: Reader,
    english: bool,
    findings: Vec<Finding>,
    /// Jargon terms explained earlier in this version ("The Local Offer is a website.").
    explained: BTreeSet<String>,
    /// Abbreviations spelled out earlier ("Education, Health and Care (EHC) plan").
    spelled_out: BTreeSet<String>,
}

/// Sentences in a field: a line break ends one; only those holding a word count.
pub fn sentences(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|line| line.unicode_sentences())
        .filter(|s| s.unicode_words().next().is_some())
        .map(|s| s.trim().to_owned())
        .collect()
}

/// Words of a sentence, with ’ read as '.
pub fn words(sentence: &str) -> Vec<String> {
    sentence.replace('’', "'").unicode_words().map(str::to_owned).collect()
}

impl Checker {
    fn push(&mut self, level: Level, rule: &'static str, field: String, question: Option<&str>, message: String) {
        let f = Finding { level, rule, field, question: question.map(str::to_owned), message };
        if !self.findings.contains(&f) {
            self.findings.push(f);
        }
    }

    fn yp(&self) -> bool {
        self.reader == Reader::YoungPeople
    }

    fn field(&mut self, text: &str, field: &str, q: Option<&str>, kind: Kind) {
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

    fn symbol(&mut self, image: &str, alt: &str, field: &str, q: Option<&str>) {
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

/// Syllables by the rules of EASYREAD.md §1.1.
pub fn syllables(word: &str) -> usize {
    let upper = word.to_uppercase();
    if let Some((_, n)) = SPOKEN.iter().find(|(a, _)| *a == upper && upper == word) {
        return *n;
    }
    if word.chars().all(|c| c.is_ascii_digit()) {
        return word.len().clamp(1, 4);
    }
    let w: String = word.to_lowercase().chars().filter(char::is_ascii_lowercase).collect();
    if let Some((_, n)) = EXCEPTIONS.iter().find(|(e, _)| *e == w) {
        return *n;
    }
    if w.len() <= 3 {
        return 1;
    }
    let mut w = w.into_bytes();
    let consonant = |c: u8| !b"aeiouy".contains(&c);
    let n = w.len();
    let drop_es = n > 2 && w.ends_with(b"es") && consonant(w[n - 3]) && !b"csxzglh".contains(&w[n - 3]);
    let drop_ed = n > 2 && w.ends_with(b"ed") && !b"td".contains(&w[n - 3]);
    if drop_es || drop_ed {
        w.truncate(n - 2);
    } else if n > 1 && w.ends_with(b"e") && consonant(w[n - 2]) && w[n - 2] != b'l' {
        w.truncate(n - 1);
    }
    if w.first() == Some(&b'y') {
        w.remove(0);
    }
    let mut count = 0;
    let mut in_vowel = false;
    for c in w {
        let v = b"aeiouy".contains(&c);
        if v && !in_vowel {
            count += 1;
        }
        in_vowel = v;
    }
    count.max(1)
}

/// Flesch–Kincaid reading age (grade + 5, never below 5) of some text, or `None` without words.
pub fn reading_age(text: &str) -> Option<f64> {
    let sents = sentences(text);
    let ws: Vec<String> = sents.iter().flat_map(|s| words(s)).collect();
    if ws.is_empty() {
        return None;
    }
    let syl: usize = ws.iter().map(|w| syllables(w)).sum();
    let grade = 0.39 * ws.len() as f64 / sents.len() as f64 + 11.8 * syl as f64 / ws.len() as f64 - 15.59;
    Some(grade.max(0.0) + 5.0)
}

fn plain_word(w: &str) -> Option<&'static str> {
    PLAIN_WORDS.iter().find(|(long, _)| *long == w).map(|(_, p)| *p)
}

// ---------------------------------------------------------------------------------------
// Word lists (EASYREAD.md §1 and §2).

struct Jargon {
    /// Lower-case phrases; the first names the entry.
    terms: &'static [&'static str],
    /// How to show the term in messages, when not as matched.
    shown: Option<&'static str>,
    young_people: &'static str,
    parents: &'static str,
}

const JARGON: &[Jargon] = &[
    Jargon {
        terms: &["ehcp", "ehc plan", "education, health and care plan"],
        shown: Some("EHCP"),
        young_people: "your plan (says what help you get)",
        parents: "EHC plan: the legal plan of needs and help",
    },
    Jargon {
        terms: &["senco"],
        shown: Some("SENCO"),
        young_people: "the teacher who sorts out extra help",
        parents: "the school's special needs lead",
    },
    Jargon {
        terms: &["sen k", "sen support"],
        shown: Some("SEN support"),
        young_people: "extra help at school without a plan",
        parents: "school help without an EHC plan",
    },
    Jargon {
        terms: &["jsna"],
        shown: Some("JSNA"),
        young_people: "(avoid)",
        parents: "council and NHS study of local needs",
    },
    Jargon {
        terms: &["camhs", "ewmhs"],
        shown: Some("CAMHS"),
        young_people: "NHS help with feelings",
        parents: "NHS children's mental health service",
    },
    Jargon {
        terms: &["semh"],
        shown: Some("SEMH"),
        young_people: "feelings and behaviour",
        parents: "social, emotional and mental health needs",
    },
    Jargon {
        terms: &["pfa", "preparing for adulthood"],
        shown: Some("preparing for adulthood"),
        young_people: "getting ready for adult life",
        parents: "planning for work, home and health from Year 9",
    },
    Jargon {
        terms: &["brag"],
        shown: Some("BRAG"),
        young_people: "(avoid)",
        parents: "progress rating: red, amber, green or done",
    },
    Jargon {
        terms: &["wsoa"],
        shown: Some("WSOA"),
        young_people: "(avoid)",
        parents: "improvement plan required after an inspection",
    },
    Jargon {
        terms: &["icb", "ccg", "ics"],
        shown: Some("ICB"),
        young_people: "the NHS",
        parents: "local NHS body that pays for care",
    },
    Jargon {
        terms: &["sendiass"],
        shown: Some("SENDIASS"),
        young_people: "free advice about help at school",
        parents: "free, independent special needs advice",
    },
    Jargon {
        terms: &["neet"],
        shown: Some("NEET"),
        young_people: "not at school, college or work",
        parents: "not in education, work or training",
    },
    Jargon {
        terms: &["local offer"],
        shown: Some("Local Offer"),
        young_people: "a website about help near you",
        parents: "council guide to special needs services",
    },
    Jargon {
        terms: &["graduated response", "graduated approach"],
        shown: None,
        young_people: "more help, step by step",
        parents: "school's assess, plan, do, review cycle",
    },
    Jargon {
        terms: &["joint commissioning"],
        shown: None,
        young_people: "council and NHS choosing help together",
        parents: "council and NHS buying services together",
    },
    Jargon {
        terms: &["co-production", "coproduction"],
        shown: None,
        young_people: "working together with you",
        parents: "planning with families from the start",
    },
    Jargon {
        terms: &["annual review"],
        shown: None,
        young_people: "yearly meeting about your plan",
        parents: "yearly review of the EHC plan",
    },
    Jargon {
        terms: &["statutory assessment"],
        shown: None,
        young_people: "checking if you need a plan",
        parents: "the legal EHC needs assessment",
    },
    Jargon {
        terms: &["transition", "transitions"],
        shown: Some("transition"),
        young_people: "moving on (new school, college, adult life)",
        parents: "moving between stages or services",
    },
    Jargon {
        terms: &["alternative provision"],
        shown: None,
        young_people: "learning somewhere other than school",
        parents: "education outside school",
    },
    Jargon { terms: &["provision"], shown: None, young_people: "help", parents: "support your child gets" },
    Jargon {
        terms: &["commissioning"],
        shown: None,
        young_people: "choosing what help to pay for",
        parents: "deciding and paying for services",
    },
    Jargon {
        terms: &["high needs block", "high needs fund", "high needs top-up"],
        shown: Some("high needs funding"),
        young_people: "(avoid)",
        parents: "money for the most complex needs",
    },
    Jargon {
        terms: &["restorative practice"],
        shown: None,
        young_people: "putting things right by talking",
        parents: "repairing harm through relationships",
    },
    Jargon {
        terms: &["person-centred", "person centred"],
        shown: Some("person-centred"),
        young_people: "about you and what you want",
        parents: "planned around your child",
    },
    Jargon {
        terms: &["outcomes"],
        shown: None,
        young_people: "what you want to get better",
        parents: "the difference support should make",
    },
    Jargon { terms: &["aspirations"], shown: None, young_people: "hopes and dreams", parents: "hopes for the future" },
    Jargon { terms: &["mainstream"], shown: None, young_people: "a usual school", parents: "ordinary schools" },
    Jargon {
        terms: &["setting", "settings"],
        shown: Some("setting"),
        young_people: "school or college",
        parents: "school, nursery or college",
    },
    Jargon {
        terms: &["lived experience"],
        shown: None,
        young_people: "what has happened to you",
        parents: "what families have been through",
    },
    Jargon { terms: &["deliver"], shown: None, young_people: "give, do or make", parents: "give, do or make" },
    Jargon { terms: &["drive"], shown: None, young_people: "lead or cause", parents: "lead or cause" },
    Jargon { terms: &["tackle"], shown: None, young_people: "deal with or stop", parents: "deal with or stop" },
    Jargon { terms: &["key"], shown: None, young_people: "main or important", parents: "main or important" },
    Jargon { terms: &["robust"], shown: None, young_people: "strong", parents: "strong or thorough" },
    Jargon { terms: &["embed"], shown: None, young_people: "make part of", parents: "make part of" },
    Jargon { terms: &["facilitate"], shown: None, young_people: "help or run", parents: "help or run" },
];

/// Abbreviations nearly everyone knows.
const ALLOWED_ABBREVIATIONS: &[&str] = &["NHS", "GP", "TV", "OK", "UK", "I"];

/// Long all-capital acronyms that are not shouting.
const KNOWN_ACRONYMS: &[&str] =
    &["SENDIASS", "CAMHS", "EWMHS", "SENCO", "EHCP", "SEND", "WSOA", "JSNA", "BRAG", "NEET"];

/// Spoken syllables of glossary acronyms.
const SPOKEN: &[(&str, usize)] = &[
    ("EHCP", 4),
    ("EHC", 3),
    ("SEND", 1),
    ("SEN", 3),
    ("SENCO", 2),
    ("CAMHS", 1),
    ("NHS", 3),
    ("GP", 2),
    ("BRAG", 1),
    ("NEET", 1),
    ("JSNA", 4),
    ("WSOA", 4),
    ("ICB", 3),
    ("SEMH", 4),
    ("PFA", 3),
    ("SENDIASS", 3),
    ("EWMHS", 5),
];

/// Words the syllable rules get wrong.
const EXCEPTIONS: &[(&str, usize)] = &[
    ("idea", 3),
    ("ideas", 3),
    ("area", 3),
    ("areas", 3),
    ("create", 2),
    ("being", 2),
    ("people", 2),
    ("every", 2),
    ("something", 2),
    ("sometimes", 2),
    ("someone", 2),
    ("business", 2),
    ("science", 2),
    ("quiet", 2),
    ("really", 2),
    ("real", 1),
    ("poem", 2),
    ("lion", 2),
    ("video", 3),
    ("radio", 3),
    ("trying", 2),
    ("going", 2),
    ("doing", 2),
];

/// Everyday words of 3 syllables or 9 letters that readers of 8 know.
const FAMILIAR: &[&str] = &[
    "everyone",
    "everybody",
    "everything",
    "together",
    "important",
    "family",
    "families",
    "already",
    "anyone",
    "anybody",
    "anything",
    "somebody",
    "nobody",
    "another",
    "different",
    "tomorrow",
    "yesterday",
    "remember",
    "understand",
    "holiday",
    "hospital",
    "favourite",
    "computer",
    "video",
    "animal",
    "unhappy",
    "happily",
    "sometimes",
    "someone",
    "something",
    "yourself",
    "ourselves",
    "themselves",
    "whatever",
    "whenever",
    "wherever",
    "another",
    "grandparents",
    "grown-ups",
    "teachers",
    "classroom",
    "afternoon",
    "birthday",
    "friendly",
    "difficult",
    "brothers",
    "sisters",
    "children",
    "everywhere",
    "telephone",
    "interested",
    "excited",
    "television",
];

/// Plain alternatives for common long words (EASYREAD.md; GOV.UK A to Z).
const PLAIN_WORDS: &[(&str, &str)] = &[
    ("aspirations", "hopes"),
    ("approximately", "about"),
    ("information", "facts or details"),
    ("accessible", "easy to use"),
    ("additional", "more or extra"),
    ("assistance", "help"),
    ("communicate", "talk or write"),
    ("consequently", "so"),
    ("currently", "now"),
    ("experience", "what happened"),
    ("individual", "person"),
    ("opportunity", "chance"),
    ("participate", "take part"),
    ("professionals", "staff"),
    ("professional", "staff member"),
    ("regarding", "about"),
    ("requirements", "needs"),
    ("satisfied", "happy"),
    ("sufficient", "enough"),
    ("therapists", "health staff"),
    ("understanding", "knowing"),
    ("utilise", "use"),
    ("environment", "place"),
    ("appropriate", "right"),
    ("difficulties", "problems"),
    ("independent", "on your own"),
    ("organisation", "group"),
    ("education", "school or college"),
];

const EVALUATIVE: &[&str] =
    &["helpful", "easy", "fair", "safe", "happy", "clear", "friendly", "listened", "involved", "supported"];

const NEGATIVES: &[&str] = &[
    "not",
    "no",
    "never",
    "nothing",
    "nobody",
    "none",
    "nor",
    "cannot",
    "fail",
    "fails",
    "failed",
    "lack",
    "lacks",
    "unhappy",
    "unfair",
    "unsafe",
    "unkind",
    "unable",
    "unclear",
    "unhelpful",
    "unsupported",
    "dislike",
    "disagree",
];

const BE_FORMS: &[&str] = &["am", "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "getting"];
const PARTICIPLES: &[&str] = &[
    "given", "made", "told", "seen", "taken", "written", "chosen", "shown", "known", "heard", "put", "kept", "left",
    "sent", "done", "paid",
];
const PASSIVE_SKIP: &[&str] = &[
    "worried",
    "interested",
    "bored",
    "tired",
    "scared",
    "excited",
    "annoyed",
    "surprised",
    "used",
    "supposed",
    "ready",
];

const NUMBER_WORDS: &[&str] = &[
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "million",
];

const IDIOMS: &[&str] = &[
    "at the heart of",
    "tell it once",
    "going forward",
    "joined up",
    "joined-up",
    "journey",
    "direction of travel",
    "vehicles for change",
    "pillar",
    "at the margins",
    "fight for",
];

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(text: &str, reader: Reader, kind: Kind) -> Vec<(Level, &'static str)> {
        let mut c = Checker {
            reader,
            english: true,
            findings: vec![],
            explained: BTreeSet::new(),
            spelled_out: BTreeSet::new(),
        };
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
        let text = "Professionals did not fail to take my views into account when decisions were made about my child's provision.";
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
}
