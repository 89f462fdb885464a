//! The input the method refuses (METHOD.md), checked before anything is computed: each
//! question's options and counts, each composite's respondents, and the case's years and
//! settings, every error naming the case, question and field.

use super::{CaseInput, CompositeInput, InputError, MAX_COUNT, QuestionInput, Settings};

/// "more than 100,000,000" and what to do about it.
fn too_large(what: &str, n: u64) -> String {
    format!(
        "{what} is {n}, more than the {MAX_COUNT} answers the method takes (check for a typing mistake: no survey of people has that many)"
    )
}

/// The checks of METHOD.md "Input the method refuses" for one question, naming the case,
/// question and field.
pub fn check_question(case: &str, q: &QuestionInput, years: &[String]) -> Result<(), InputError> {
    let at = format!("case {case:?}, question {:?}", q.id);
    if q.options.is_empty() {
        return Err(InputError(format!("{at}: list the answer options")));
    }
    for (name, list) in [("positive", &q.positive), ("negative", &q.negative), ("excluded", &q.excluded)] {
        if let Some(unknown) = list.iter().find(|o| !q.options.contains(o)) {
            return Err(InputError(format!("{at}: {name} names {unknown:?}, which is not one of the options")));
        }
    }
    if let Some(scores) = &q.scores
        && scores.len() != q.options.len()
    {
        return Err(InputError(format!(
            "{at}: give one score per option ({} options, {} scores); use null for none",
            q.options.len(),
            scores.len()
        )));
    }
    for (year, counts) in &q.counts {
        if !years.contains(year) {
            return Err(InputError(format!(
                "{at}: counts for {year:?}, which is not one of the case's years ({})",
                years.join(", ")
            )));
        }
        if counts.len() != q.options.len() {
            return Err(InputError(format!(
                "{at}: {year} has {} counts for {} options; give one count per option",
                counts.len(),
                q.options.len()
            )));
        }
        let mut total = 0u64;
        for (option, &n) in q.options.iter().zip(counts) {
            if n > MAX_COUNT {
                return Err(InputError(format!(
                    "{at}: {}",
                    too_large(&format!("the count for {year}, {option:?},"), n)
                )));
            }
            total = total.saturating_add(n);
        }
        if total > MAX_COUNT {
            return Err(InputError(format!(
                "{at}: {}",
                too_large(&format!("the total of the counts for {year}"), total)
            )));
        }
    }
    for year in years {
        if !q.counts.contains_key(year) {
            return Err(InputError(format!(
                "{at}: there are no counts for {year}; give one count per option for each year (zeros if nobody answered)"
            )));
        }
    }
    if let Some(p) = &q.paired {
        for (field, n) in
            [("pos_pos", p.pos_pos), ("pos_neg", p.pos_neg), ("neg_pos", p.neg_pos), ("neg_neg", p.neg_neg)]
        {
            if n > MAX_COUNT {
                return Err(InputError(format!("{at}: {}", too_large(&format!("paired.{field}"), n))));
            }
        }
        let total = p.pos_pos + p.pos_neg + p.neg_pos + p.neg_neg;
        if total > MAX_COUNT {
            return Err(InputError(format!("{at}: {}", too_large("the number of linked pairs", total))));
        }
    }
    Ok(())
}

fn check_composite(case: &str, c: &CompositeInput, years: &[String]) -> Result<(), InputError> {
    let at = format!("case {case:?}, composite {:?}", c.id);
    for year in c.respondents.keys() {
        if !years.contains(year) {
            return Err(InputError(format!(
                "{at}: respondents for {year:?}, which is not one of the case's years ({})",
                years.join(", ")
            )));
        }
    }
    for year in years {
        let Some(list) = c.respondents.get(year) else {
            return Err(InputError(format!(
                "{at}: there are no respondents for {year}; give a list for each year ([] if nobody answered)"
            )));
        };
        if u64::try_from(list.len()).map_or(true, |n| n > MAX_COUNT) {
            return Err(InputError(format!("{at}: {year} lists more than {MAX_COUNT} respondents")));
        }
        for (i, [positive, valid]) in list.iter().enumerate() {
            let who = format!("{year}, respondent {} ([{positive}, {valid}])", i + 1);
            if valid > &MAX_COUNT {
                return Err(InputError(format!("{at}: {}", too_large(&format!("the valid answers of {who}"), *valid))));
            }
            if positive > valid {
                return Err(InputError(format!(
                    "{at}: {who} has {positive} positive answers out of {valid} valid ones; positive answers are some of the valid answers, so they cannot be more"
                )));
            }
        }
    }
    Ok(())
}

/// Every check of a case before anything is computed: its years and settings, each
/// question and each composite. `compare_case` runs it; a file reader can run it first to
/// refuse a file before writing any result.
pub fn check_case(case: &CaseInput, defaults: &Settings) -> Result<Settings, InputError> {
    let s = defaults.with(&case.settings);
    if case.years.len() != 2 || case.years[0] == case.years[1] {
        return Err(InputError(format!("case {:?}: give exactly two different years, earlier first", case.id)));
    }
    if !(s.alpha > 0.0 && s.alpha < 1.0) {
        return Err(InputError(format!("case {:?}: alpha must be between 0 and 1", case.id)));
    }
    for q in &case.questions {
        check_question(&case.id, q, &case.years)?;
    }
    for c in case.composite.iter().chain(case.composites.iter().flatten()) {
        check_composite(&case.id, c, &case.years)?;
    }
    Ok(s)
}
