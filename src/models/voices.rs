//! Voices: a partnership's codebook of themes, coding free-text answers to themes, and quotes
//! (redacted, approved words of consented answers) with the quote bank behind the exports.
//!
//! Only answers whose respondent said yes to "Can we share your words?" can become quotes.
//! Exports carry the audience and the wave, never response ids or times.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{answers, codings, quotes, redaction_names, responses, survey_series, themes, waves};
use crate::db::{DbConnection, PartnershipId, QuoteId, ResponseId, WaveId, new_id, now};
use crate::domain::redact;

/// A theme in a codebook.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = themes)]
pub struct Theme {
    pub id: String,
    pub partnership_id: PartnershipId,
    pub name: String,
    pub description: String,
    pub keywords: String,
    pub priority_codes: String,
    pub value_codes: String,
    pub position: i32,
    pub archived_at: Option<chrono::NaiveDateTime>,
}

impl Theme {
    pub fn keyword_list(&self) -> Vec<String> {
        split_list(&self.keywords)
    }

    pub fn priorities(&self) -> Vec<String> {
        split_codes(&self.priority_codes)
    }

    pub fn values(&self) -> Vec<String> {
        split_codes(&self.value_codes)
    }

    /// Whether this theme's keywords appear in `text` (whole words, any case).
    pub fn suggested_for(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.keyword_list().iter().any(|k| {
            let k = k.to_lowercase();
            !k.is_empty()
                && lower.match_indices(&k).any(|(i, _)| {
                    let before = lower[..i].chars().last();
                    let after = lower[i + k.len()..].chars().next();
                    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
                })
        })
    }
}

/// Splits framework codes written with spaces or commas.
pub fn split_codes(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Splits a list written with commas or new lines.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', '\n', ';']).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

/// A new or changed theme, already checked by the caller.
#[derive(Debug, Clone)]
pub struct ThemeInput {
    pub name: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub priorities: Vec<String>,
    pub values: Vec<String>,
}

pub fn themes_for(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    include_archived: bool,
) -> StoreResult<Vec<Theme>> {
    let mut q = themes::table.filter(themes::partnership_id.eq(partnership_id.to_owned())).into_boxed();
    if !include_archived {
        q = q.filter(themes::archived_at.is_null());
    }
    Ok(q.order((themes::position.asc(), themes::name.asc())).select(Theme::as_select()).load(conn)?)
}

pub fn theme(conn: &mut DbConnection, id: &str) -> StoreResult<Option<Theme>> {
    Ok(themes::table.filter(themes::id.eq(id)).select(Theme::as_select()).first(conn).optional()?)
}

/// Adds a theme; a name already in the codebook is refused kindly.
pub fn add_theme(conn: &mut DbConnection, partnership_id: &PartnershipId, t: &ThemeInput) -> StoreResult<String> {
    conn.write(|c| -> StoreResult<String> {
        let taken: i64 = themes::table
            .filter(themes::partnership_id.eq(partnership_id))
            .filter(themes::name.eq(&t.name))
            .count()
            .get_result(c)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!(
                "There is already a theme called {:?}. Choose another name.",
                t.name
            )));
        }
        let position: Option<i32> = themes::table
            .filter(themes::partnership_id.eq(partnership_id))
            .select(diesel::dsl::max(themes::position))
            .first(c)?;
        let id = new_id();
        diesel::insert_into(themes::table)
            .values((
                themes::id.eq(&id),
                themes::partnership_id.eq(partnership_id),
                themes::name.eq(&t.name),
                themes::description.eq(&t.description),
                themes::keywords.eq(t.keywords.join(", ")),
                themes::priority_codes.eq(t.priorities.join(" ")),
                themes::value_codes.eq(t.values.join(" ")),
                themes::position.eq(position.unwrap_or(0) + 1),
                themes::created_at.eq(now()),
            ))
            .execute(c)?;
        Ok(id)
    })
}

/// Archives or restores a theme (never deleted, so old coding keeps its meaning).
pub fn set_theme_archived(conn: &mut DbConnection, id: &str, archived: bool) -> StoreResult<()> {
    diesel::update(themes::table.filter(themes::id.eq(id)))
        .set(themes::archived_at.eq(if archived { Some(now()) } else { None }))
        .execute(conn)?;
    Ok(())
}

/// One free-text answer to code.
#[derive(Debug, Clone, Serialize)]
pub struct TextAnswer {
    pub response_id: ResponseId,
    pub question_key: String,
    pub audience: String,
    pub text: String,
    pub consent_to_quote: bool,
    pub theme_ids: Vec<String>,
    pub quote_id: Option<String>,
}

/// How far coding has got, over the answers in scope (one question or all).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Progress {
    pub answers: i64,
    pub coded: i64,
}

/// The free-text answers of a wave (optionally one question, optionally only uncoded ones),
/// a page of them, how many match, and how far coding has got over that question (or all).
pub fn text_answers(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    question: Option<&str>,
    only_uncoded: bool,
    limit: i64,
    offset: i64,
) -> StoreResult<(Vec<TextAnswer>, i64, Progress)> {
    let build = || {
        let mut q = answers::table
            .inner_join(responses::table)
            .filter(responses::wave_id.eq(wave_id.to_owned()))
            .filter(answers::text_value.is_not_null())
            .into_boxed();
        if let Some(k) = question {
            q = q.filter(answers::question_key.eq(k.to_owned()));
        }
        q
    };
    let rows: Vec<(String, String, String, Option<String>, bool)> = build()
        .order((responses::submitted_at.asc(), answers::response_id.asc(), answers::question_key.asc()))
        .select((
            answers::response_id,
            answers::question_key,
            responses::audience,
            answers::text_value,
            responses::consent_to_quote,
        ))
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut codes: HashMap<(String, String), Vec<String>> = HashMap::new();
    let mut quoted: HashMap<(String, String), String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, String, String)> = codings::table
            .filter(codings::response_id.eq_any(chunk))
            .select((codings::response_id, codings::question_key, codings::theme_id))
            .load(conn)?;
        for (r, k, t) in found {
            codes.entry((r, k)).or_default().push(t);
        }
        let q: Vec<(String, String, String)> = quotes::table
            .filter(quotes::response_id.eq_any(chunk))
            .select((quotes::response_id, quotes::question_key, quotes::id))
            .load(conn)?;
        for (r, k, id) in q {
            quoted.insert((r, k), id);
        }
    }
    let mut progress = Progress::default();
    let all: Vec<TextAnswer> = rows
        .into_iter()
        .filter_map(|(response_id, question_key, audience, text, consent)| {
            let key = (response_id.clone(), question_key.clone());
            let theme_ids = codes.remove(&key).unwrap_or_default();
            progress.answers += 1;
            progress.coded += i64::from(!theme_ids.is_empty());
            if only_uncoded && !theme_ids.is_empty() {
                return None;
            }
            Some(TextAnswer {
                quote_id: quoted.remove(&key),
                response_id: ResponseId::from_stored(response_id),
                question_key,
                audience,
                text: text.unwrap_or_default(),
                consent_to_quote: consent,
                theme_ids,
            })
        })
        .collect();
    let total = all.len() as i64;
    Ok((all.into_iter().skip(offset.max(0) as usize).take(limit.max(0) as usize).collect(), total, progress))
}

/// The wave a response belongs to, if it is in `wave_id`.
fn in_wave(conn: &mut DbConnection, response_id: &ResponseId, wave_id: &WaveId) -> StoreResult<bool> {
    let n: i64 = responses::table
        .filter(responses::id.eq(response_id))
        .filter(responses::wave_id.eq(wave_id))
        .count()
        .get_result(conn)?;
    Ok(n == 1)
}

/// Sets the themes of one answer (replacing what it had). Themes must be the partnership's.
pub fn set_codes(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    partnership_id: &PartnershipId,
    response_id: &ResponseId,
    question_key: &str,
    theme_ids: &[String],
    by: &str,
) -> StoreResult<()> {
    conn.write(|c| -> StoreResult<()> {
        if !in_wave(c, response_id, wave_id)? {
            return Err(StoreError::NotFound("that answer".into()));
        }
        let allowed: Vec<String> = themes::table
            .filter(themes::partnership_id.eq(partnership_id))
            .filter(themes::id.eq_any(theme_ids))
            .select(themes::id)
            .load(c)?;
        if allowed.len() != theme_ids.len() {
            return Err(StoreError::NotFound("one of those themes".into()));
        }
        diesel::delete(
            codings::table.filter(codings::response_id.eq(response_id)).filter(codings::question_key.eq(question_key)),
        )
        .execute(c)?;
        let stamp = now();
        for t in theme_ids {
            diesel::insert_into(codings::table)
                .values((
                    codings::response_id.eq(response_id),
                    codings::question_key.eq(question_key),
                    codings::theme_id.eq(t),
                    codings::coded_by.eq(by),
                    codings::coded_at.eq(stamp),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// Adds one theme to many answers at once. Returns how many answers gained it.
pub fn bulk_apply(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    partnership_id: &PartnershipId,
    answers_to_code: &[(ResponseId, String)],
    theme_id: &str,
    by: &str,
) -> StoreResult<usize> {
    conn.write(|c| -> StoreResult<usize> {
        let ok: i64 = themes::table
            .filter(themes::id.eq(theme_id))
            .filter(themes::partnership_id.eq(partnership_id))
            .count()
            .get_result(c)?;
        if ok != 1 {
            return Err(StoreError::NotFound("that theme".into()));
        }
        let stamp = now();
        let mut added = 0;
        for (response_id, key) in answers_to_code {
            if !in_wave(c, response_id, wave_id)? {
                return Err(StoreError::NotFound("one of those answers".into()));
            }
            let exists: i64 = codings::table
                .filter(codings::response_id.eq(response_id))
                .filter(codings::question_key.eq(key))
                .filter(codings::theme_id.eq(theme_id))
                .count()
                .get_result(c)?;
            if exists == 0 {
                diesel::insert_into(codings::table)
                    .values((
                        codings::response_id.eq(response_id),
                        codings::question_key.eq(key),
                        codings::theme_id.eq(theme_id),
                        codings::coded_by.eq(by),
                        codings::coded_at.eq(stamp),
                    ))
                    .execute(c)?;
                added += 1;
            }
        }
        Ok(added)
    })
}

/// Counts of coded answers per theme, per question and audience, for one wave.
pub fn theme_counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Vec<(String, String, String, i64)>> {
    Ok(codings::table
        .inner_join(responses::table)
        .filter(responses::wave_id.eq(wave_id))
        .group_by((codings::theme_id, codings::question_key, responses::audience))
        .select((codings::theme_id, codings::question_key, responses::audience, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The partnership's list of names to redact.
pub fn redaction_list(conn: &mut DbConnection, partnership_id: &PartnershipId) -> StoreResult<Vec<String>> {
    Ok(redaction_names::table
        .filter(redaction_names::partnership_id.eq(partnership_id))
        .order(redaction_names::name.asc())
        .select(redaction_names::name)
        .load(conn)?)
}

/// Replaces the partnership's list of names to redact.
pub fn set_redaction_list(
    conn: &mut DbConnection,
    partnership_id: &PartnershipId,
    names: &[String],
) -> StoreResult<()> {
    conn.write(|c| -> StoreResult<()> {
        diesel::delete(redaction_names::table.filter(redaction_names::partnership_id.eq(partnership_id))).execute(c)?;
        let mut seen = std::collections::HashSet::new();
        for n in names.iter().filter(|n| seen.insert(n.to_lowercase())) {
            diesel::insert_into(redaction_names::table)
                .values((redaction_names::partnership_id.eq(partnership_id), redaction_names::name.eq(n)))
                .execute(c)?;
        }
        Ok(())
    })
}

/// A quote, with what staff need to review it.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteDetail {
    pub id: QuoteId,
    pub response_id: ResponseId,
    pub question_key: String,
    pub original: String,
    pub redacted: String,
    pub status: String,
    pub approved_by: Option<String>,
    pub wave_slug: String,
    pub partnership_id: PartnershipId,
    pub audience: String,
}

/// Starts a quote from a consented answer: the redacted text is proposed, waiting for
/// approval. Refused when the respondent did not agree to be quoted.
pub fn start_quote(
    conn: &mut DbConnection,
    response_id: &ResponseId,
    question_key: &str,
    partnership_id: &PartnershipId,
) -> StoreResult<QuoteId> {
    conn.write(|c| -> StoreResult<QuoteId> {
        let row: Option<(bool, Option<String>, PartnershipId)> = answers::table
            .inner_join(responses::table.inner_join(waves::table.inner_join(survey_series::table)))
            .filter(answers::response_id.eq(response_id))
            .filter(answers::question_key.eq(question_key))
            .select((responses::consent_to_quote, answers::text_value, survey_series::partnership_id))
            .first(c)
            .optional()?;
        let Some((consent, text, owner)) = row else { return Err(StoreError::NotFound("that answer".into())) };
        if &owner != partnership_id {
            return Err(StoreError::NotFound("that answer".into()));
        }
        let Some(text) = text else {
            return Err(StoreError::Conflict("Only free-text answers can become quotes.".into()));
        };
        if !consent {
            return Err(StoreError::Conflict(
                "This person did not agree to their words being shared, so this answer cannot become a quote.".into(),
            ));
        }
        let existing: Option<QuoteId> = quotes::table
            .filter(quotes::response_id.eq(response_id))
            .filter(quotes::question_key.eq(question_key))
            .select(quotes::id)
            .first(c)
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let names = redaction_list(c, partnership_id)?;
        let redacted = redact::redact(&text, &names);
        let id = QuoteId::random();
        let stamp = now();
        diesel::insert_into(quotes::table)
            .values((
                quotes::id.eq(&id),
                quotes::response_id.eq(response_id),
                quotes::question_key.eq(question_key),
                quotes::redacted.eq(&redacted.text),
                quotes::status.eq("draft"),
                quotes::created_at.eq(stamp),
                quotes::updated_at.eq(stamp),
            ))
            .execute(c)?;
        Ok(id)
    })
}

pub fn quote(conn: &mut DbConnection, id: &QuoteId) -> StoreResult<Option<QuoteDetail>> {
    type Row = (QuoteId, ResponseId, String, String, String, Option<String>, String, PartnershipId, String);
    let row: Option<Row> = quotes::table
        .inner_join(responses::table.inner_join(waves::table.inner_join(survey_series::table)))
        .filter(quotes::id.eq(id))
        .select((
            quotes::id,
            quotes::response_id,
            quotes::question_key,
            quotes::redacted,
            quotes::status,
            quotes::approved_by,
            waves::slug,
            survey_series::partnership_id,
            responses::audience,
        ))
        .first(conn)
        .optional()?;
    let Some((id, response_id, question_key, redacted, status, approved_by, wave_slug, partnership_id, audience)) = row
    else {
        return Ok(None);
    };
    let original: Option<String> = answers::table
        .filter(answers::response_id.eq(&response_id))
        .filter(answers::question_key.eq(&question_key))
        .select(answers::text_value)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten();
    Ok(Some(QuoteDetail {
        id,
        response_id,
        question_key,
        original: original.unwrap_or_default(),
        redacted,
        status,
        approved_by,
        wave_slug,
        partnership_id,
        audience,
    }))
}

/// Saves an edited redaction; `approve` also approves it (an edit after approval sends it
/// back to draft unless approved again).
pub fn save_quote(conn: &mut DbConnection, id: &QuoteId, redacted: &str, approve: bool, by: &str) -> StoreResult<()> {
    let stamp = now();
    diesel::update(quotes::table.filter(quotes::id.eq(id)))
        .set((
            quotes::redacted.eq(redacted),
            quotes::status.eq(if approve { "approved" } else { "draft" }),
            quotes::approved_by.eq(if approve { Some(by) } else { None }),
            quotes::approved_at.eq(if approve { Some(stamp) } else { None }),
            quotes::updated_at.eq(stamp),
        ))
        .execute(conn)?;
    Ok(())
}

/// Filters for the quote bank.
#[derive(Debug, Clone, Default)]
pub struct QuoteFilter {
    pub theme: Option<String>,
    pub priority: Option<String>,
    pub value: Option<String>,
    pub audience: Option<String>,
    pub wave: Option<String>,
    pub include_drafts: bool,
    /// Words to look for: a quote matches when it holds every one of them (any case).
    pub words: Option<String>,
    /// Only these quotes (those ticked, or a saved selection); the other filters still apply.
    pub only: Option<Vec<QuoteId>>,
}

/// Whether `text` holds every word of `search`, ignoring case (NFC on both sides, as stored).
pub fn holds_words(text: &str, search: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let text: String = text.nfc().collect::<String>().to_lowercase();
    search.nfc().collect::<String>().to_lowercase().split_whitespace().all(|w| text.contains(w))
}

/// One quote as exported: words, audience and wave, and how it is tagged. Never ids or times.
#[derive(Debug, Clone, Serialize)]
pub struct BankQuote {
    #[serde(skip)]
    pub id: QuoteId,
    pub quote: String,
    pub audience: String,
    pub wave: String,
    pub wave_label: String,
    pub question: String,
    pub themes: Vec<String>,
    pub priorities: Vec<String>,
    pub values: Vec<String>,
    #[serde(skip)]
    pub approved: bool,
}

/// The quote bank of a partnership, filtered; approved quotes only unless asked otherwise.
pub fn bank(conn: &mut DbConnection, partnership_id: &PartnershipId, f: &QuoteFilter) -> StoreResult<Vec<BankQuote>> {
    use crate::db::schema::{question_tags, questions};
    type Row = (String, String, String, String, String, String, String, String);
    let mut q = quotes::table
        .inner_join(responses::table.inner_join(waves::table.inner_join(survey_series::table)))
        .filter(survey_series::partnership_id.eq(partnership_id.to_owned()))
        .filter(responses::consent_to_quote.eq(true))
        .into_boxed();
    if !f.include_drafts {
        q = q.filter(quotes::status.eq("approved"));
    }
    if let Some(a) = &f.audience {
        q = q.filter(responses::audience.eq(a.clone()));
    }
    if let Some(w) = &f.wave {
        q = q.filter(waves::slug.eq(w.clone()));
    }
    if let Some(only) = &f.only {
        q = q.filter(quotes::id.eq_any(only.iter().map(|id| id.as_str().to_owned()).collect::<Vec<_>>()));
    }
    let rows: Vec<Row> = q
        .order((waves::label.asc(), responses::audience.asc(), quotes::redacted.asc()))
        .select((
            quotes::id,
            quotes::response_id,
            quotes::question_key,
            quotes::redacted,
            quotes::status,
            responses::audience,
            waves::slug,
            waves::label,
        ))
        .load(conn)?;
    let all_themes: HashMap<String, Theme> =
        themes_for(conn, partnership_id, true)?.into_iter().map(|t| (t.id.clone(), t)).collect();
    let mut out = Vec::new();
    for (id, response_id, key, redacted, status, audience, wave, wave_label) in rows {
        if f.words.as_deref().is_some_and(|w| !holds_words(&redacted, w)) {
            continue;
        }
        let theme_ids: Vec<String> = codings::table
            .filter(codings::response_id.eq(&response_id))
            .filter(codings::question_key.eq(&key))
            .select(codings::theme_id)
            .load(conn)?;
        let tagged: Vec<(String, String)> = question_tags::table
            .inner_join(questions::table.inner_join(waves::table))
            .filter(waves::slug.eq(&wave))
            .filter(questions::question_key.eq(&key))
            .select((question_tags::kind, question_tags::code))
            .load(conn)?;
        let themes: Vec<&Theme> = theme_ids.iter().filter_map(|t| all_themes.get(t)).collect();
        // A coded quote belongs where its themes say; an uncoded one where its question is
        // tagged (a broad question can be tagged to every priority).
        let (mut priorities, mut values): (Vec<String>, Vec<String>) = if themes.is_empty() {
            (
                tagged.iter().filter(|(k, _)| k == "priority").map(|(_, c)| c.clone()).collect(),
                tagged.iter().filter(|(k, _)| k == "value").map(|(_, c)| c.clone()).collect(),
            )
        } else {
            (themes.iter().flat_map(|t| t.priorities()).collect(), themes.iter().flat_map(|t| t.values()).collect())
        };
        priorities.sort();
        priorities.dedup();
        values.sort();
        values.dedup();
        let theme_names: Vec<String> = themes.iter().map(|t| t.name.clone()).collect();
        if f.theme.as_ref().is_some_and(|want| !themes.iter().any(|t| &t.id == want || &t.name == want)) {
            continue;
        }
        if f.priority.as_ref().is_some_and(|p| !priorities.contains(p)) {
            continue;
        }
        if f.value.as_ref().is_some_and(|v| !values.contains(v)) {
            continue;
        }
        out.push(BankQuote {
            id: QuoteId::from_stored(id),
            quote: redacted,
            audience,
            wave,
            wave_label,
            question: key,
            themes: theme_names,
            priorities,
            values,
            approved: status == "approved",
        });
    }
    Ok(out)
}

/// Quotes under one heading (a priority), grouped by theme.
#[derive(Debug, Clone, Serialize)]
pub struct PrioritySection {
    pub heading: String,
    pub themes: Vec<ThemeQuotes>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeQuotes {
    pub theme: String,
    pub quotes: Vec<BankQuote>,
}

/// Quotes grouped by priority (in the framework's order), then theme: the shape of a
/// strategy's "what families told us" sections. Each quote appears once, under the first of
/// its priorities in the framework's order (its others are named beside it by the exports);
/// quotes tied to none come last.
pub fn grouped(quotes: &[BankQuote], priority_order: &[(String, String)]) -> Vec<PrioritySection> {
    let mut out = Vec::new();
    let mut sections: Vec<(String, String)> = priority_order.to_vec();
    sections.push((String::new(), "Other things people told us".to_owned()));
    let home = |q: &BankQuote| priority_order.iter().find(|(c, _)| q.priorities.contains(c)).map(|(c, _)| c.clone());
    for (code, title) in sections {
        let mut by_theme: BTreeMap<String, Vec<BankQuote>> = BTreeMap::new();
        for q in quotes {
            let here = if code.is_empty() { home(q).is_none() } else { home(q).as_deref() == Some(code.as_str()) };
            if here {
                let theme = q.themes.first().cloned().unwrap_or_else(|| "Not yet themed".to_owned());
                by_theme.entry(theme).or_default().push(q.clone());
            }
        }
        if !by_theme.is_empty() {
            let heading = if code.is_empty() { title } else { format!("{code}: {title}") };
            out.push(PrioritySection {
                heading,
                themes: by_theme.into_iter().map(|(theme, quotes)| ThemeQuotes { theme, quotes }).collect(),
            });
        }
    }
    out
}
