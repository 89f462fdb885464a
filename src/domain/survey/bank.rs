//! The question bank: every question key a partnership has used, with its words per audience
//! in each wave and the waves that asked it, gathered from the waves' definitions (the
//! definitions are the truth; the bank is a view of them). "Add from the bank" brings a
//! question into a wave with its key, so the years stay comparable; [`measure_changes`] says
//! when an edit may change what a banked question measures. Never touches storage or HTTP.
//!
//! The rule (also in the methods page and the README's year-on-year method): Heard compares a
//! question across waves by its key alone. Changing its type, adding, removing or
//! re-polarising answers, or changing a scale, does not stop the comparison; it may change what
//! the question measures, so the builder says so and offers a new key instead.

use serde::Serialize;

use super::build::BuildError;
use super::{Question, QuestionKind, SurveyDefinition};

/// One wave's definition, as the bank reads it (newest first when listed).
#[derive(Debug, Clone, Copy)]
pub struct BankedWave<'a> {
    pub slug: &'a str,
    pub label: &'a str,
    pub series: &'a str,
    pub def: &'a SurveyDefinition,
}

/// How one wave asked a banked question.
#[derive(Debug, Clone, Serialize)]
pub struct BankUse {
    pub wave: String,
    pub label: String,
    pub series: String,
    pub kind: &'static str,
    pub wording: Vec<Worded>,
}

/// One audience's words for a question.
#[derive(Debug, Clone, Serialize)]
pub struct Worded {
    pub audience: String,
    pub title: String,
}

/// One question key and every wave that asked it.
#[derive(Debug, Clone, Serialize)]
pub struct BankEntry {
    pub key: String,
    pub uses: Vec<BankUse>,
}

/// Every key in `waves` (newest wave first), with its uses in that order; sorted by key.
pub fn collect(waves: &[BankedWave<'_>]) -> Vec<BankEntry> {
    let mut out: Vec<BankEntry> = Vec::new();
    for w in waves {
        for q in &w.def.questions {
            let wording = q
                .audiences
                .iter()
                .filter_map(|a| {
                    let name = w.def.audience(a).map_or_else(|| a.clone(), |x| x.name.clone());
                    q.wording(a).map(|x| Worded { audience: name, title: x.title.clone() })
                })
                .collect();
            let use_ = BankUse {
                wave: w.slug.to_owned(),
                label: w.label.to_owned(),
                series: w.series.to_owned(),
                kind: q.kind.as_str(),
                wording,
            };
            match out.iter_mut().find(|e| e.key == q.key.as_str()) {
                Some(e) => e.uses.push(use_),
                None => out.push(BankEntry { key: q.key.as_str().to_owned(), uses: vec![use_] }),
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// The newest wave's version of `key` among `waves` (newest first), leaving out `except`.
pub fn latest<'a>(waves: &[BankedWave<'a>], key: &str, except: &str) -> Option<(BankedWave<'a>, &'a Question)> {
    waves.iter().filter(|w| w.slug != except).find_map(|w| w.def.question(key).map(|q| (*w, q)))
}

/// What about `new` may change what `old` measured, in words; empty when nothing does.
pub fn measure_changes(old: &Question, new: &Question) -> Vec<String> {
    let mut out = Vec::new();
    if old.kind != new.kind {
        out.push(format!("its type changes from {} to {}", old.kind.as_str(), new.kind.as_str()));
    }
    let values = |q: &Question| q.options.iter().map(|o| o.value.clone()).collect::<Vec<_>>();
    let (was, now) = (values(old), values(new));
    let added: Vec<&String> = now.iter().filter(|v| !was.contains(v)).collect();
    let removed: Vec<&String> = was.iter().filter(|v| !now.contains(v)).collect();
    if !added.is_empty() {
        out.push(format!("answers are added ({})", added.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")));
    }
    if !removed.is_empty() {
        out.push(format!(
            "answers are removed ({})",
            removed.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    for o in &new.options {
        if let Some(p) = old.option(&o.value).filter(|p| p.polarity != o.polarity) {
            out.push(format!(
                "the answer {} counts as {} instead of {}",
                o.value,
                o.polarity.as_str(),
                p.polarity.as_str()
            ));
        }
    }
    let scaled = matches!(new.kind, QuestionKind::FaceScale | QuestionKind::YesSometimesNo) && old.kind == new.kind;
    if scaled {
        for a in new.audiences.iter().filter(|a| old.is_for(a)) {
            let words = |q: &Question| {
                q.options.iter().map(|o| o.labels.get(a).cloned().unwrap_or_default()).collect::<Vec<_>>()
            };
            if words(old) != words(new) {
                out.push(format!(
                    "the scale's words for {a} change ({} instead of {})",
                    words(new).join(", "),
                    words(old).join(", ")
                ));
            }
        }
    }
    if new.kind == QuestionKind::Number && old.kind == new.kind && (old.min, old.max) != (new.min, new.max) {
        out.push("the range of numbers changes".to_owned());
    }
    out
}

/// A banked question ready for `def`: asked of the audiences both share (refused when none),
/// its routing dropped when the question it depends on is not in `def`. Returns the question
/// and what was left behind, in words.
pub fn adopt(def: &SurveyDefinition, q: &Question) -> Result<(Question, Vec<String>), BuildError> {
    if def.question(q.key.as_str()).is_some() {
        return Err(BuildError::Refused(format!("This wave already asks {:?}.", q.key.as_str())));
    }
    let mut out = q.clone();
    let mut left = Vec::new();
    out.audiences.retain(|a| def.audience(a).is_some());
    if out.audiences.is_empty() {
        return Err(BuildError::Refused(format!(
            "{:?} was asked of {}, and this wave asks none of them. Add the question as a new one instead.",
            q.key.as_str(),
            q.audiences.join(", ")
        )));
    }
    for a in q.audiences.iter().filter(|a| def.audience(a).is_none()) {
        left.push(format!("the words for {a} (not an audience of this wave)"));
    }
    out.wording.retain(|a, _| out.audiences.contains(a));
    for o in &mut out.options {
        o.labels.retain(|a, _| out.audiences.contains(a));
    }
    if let Some(r) = &q.show_if
        && def.question(&r.question).is_none_or(|e| r.any_of.iter().any(|v| e.option(v).is_none()))
    {
        left.push(format!("its routing on {:?}, which this wave does not ask with those answers", r.question));
        out.show_if = None;
    }
    out.line = 0;
    Ok((out, left))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::survey::Polarity;

    fn demo(i: usize) -> SurveyDefinition {
        let (slug, label, status, opens, _) = crate::demo::WAVES[i];
        SurveyDefinition::parse("demo", &crate::demo::survey_source(slug, label, status, opens), 2000).unwrap()
    }

    #[test]
    fn the_bank_lists_every_key_with_the_waves_that_asked_it() {
        let (a, b) = (demo(2), demo(1));
        let waves = [
            BankedWave { slug: "w-2025", label: "2025", series: "S", def: &a },
            BankedWave { slug: "w-2024", label: "2024", series: "S", def: &b },
        ];
        let bank = collect(&waves);
        assert_eq!(bank.len(), a.questions.len());
        assert!(bank.iter().all(|e| e.uses.len() == 2 && e.uses[0].label == "2025"));
        let key = a.questions[0].key.as_str();
        let (w, _) = latest(&waves, key, "w-2025").unwrap();
        assert_eq!(w.label, "2024");
    }

    #[test]
    fn changes_that_may_change_the_measure_are_named() {
        let def = demo(2);
        let q = def.questions.iter().find(|q| q.kind == QuestionKind::SingleChoice).unwrap().clone();
        assert!(measure_changes(&q, &q).is_empty());
        let mut moved = q.clone();
        moved.wording.values_mut().for_each(|w| w.title.push_str(" (reworded)"));
        assert!(measure_changes(&q, &moved).is_empty(), "new words alone are not a new measure");
        let mut fewer = q.clone();
        fewer.options.pop();
        fewer.options[0].polarity =
            if q.options[0].polarity == Polarity::Negative { Polarity::Positive } else { Polarity::Negative };
        let said = measure_changes(&q, &fewer);
        assert!(said.iter().any(|s| s.starts_with("answers are removed")), "{said:?}");
        assert!(said.iter().any(|s| s.contains("counts as")), "{said:?}");
        let mut retyped = q.clone();
        retyped.kind = QuestionKind::MultipleChoice;
        assert!(measure_changes(&q, &retyped)[0].contains("type changes"));
    }

    #[test]
    fn adopting_narrows_to_this_waves_audiences_and_drops_routing_it_cannot_keep() {
        let def = demo(2);
        let routed = def.questions.iter().find(|q| q.show_if.is_some()).unwrap().clone();
        let mut target = def.clone();
        target.questions.clear();
        target.audiences.retain(|a| a.key.as_str() == routed.audiences[0]);
        let (q, left) = adopt(&target, &routed).unwrap();
        assert_eq!(q.audiences, [routed.audiences[0].clone()]);
        assert!(q.show_if.is_none() && left.iter().any(|l| l.contains("routing")), "{left:?}");
        assert!(adopt(&def, &routed).unwrap_err().to_string().contains("already asks"));
    }
}
