//! Survey series and waves. A wave stores its whole definition file (so it can be shown,
//! exported and re-read exactly) and, beside it, its questions, options and tags as rows so
//! that reports can aggregate in SQL.

use diesel::prelude::*;
use serde::Serialize;

use super::{StoreError, StoreResult};
use crate::db::schema::{partnerships, question_options, question_tags, questions, responses, survey_series, waves};
use crate::db::{DbConnection, PartnershipId, WaveId, new_id, now};
use crate::domain::SurveyDefinition;
use crate::domain::codes::hash_token;
use crate::domain::survey::WaveStatus;

/// A wave as request handlers need it (without its definition text).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = waves)]
pub struct WaveRow {
    pub id: WaveId,
    pub series_id: String,
    pub slug: String,
    pub label: String,
    pub status: String,
    pub opens_at: Option<chrono::NaiveDateTime>,
    pub closes_at: Option<chrono::NaiveDateTime>,
    pub definition_hash: String,
}

/// Whether a wave takes answers now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Openness {
    Open,
    NotYetOpen,
    Closed,
    Draft,
}

impl WaveRow {
    pub fn openness(&self, at: chrono::NaiveDateTime) -> Openness {
        match WaveStatus::parse(&self.status) {
            Some(WaveStatus::Open) => {
                if self.opens_at.is_some_and(|o| at < o) {
                    Openness::NotYetOpen
                } else if self.closes_at.is_some_and(|c| at >= c) {
                    Openness::Closed
                } else {
                    Openness::Open
                }
            }
            Some(WaveStatus::Closed) => Openness::Closed,
            Some(WaveStatus::Draft) | None => Openness::Draft,
        }
    }
}

/// What importing a survey did.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyImport {
    pub wave: String,
    pub outcome: &'static str,
    pub questions: usize,
}

/// The partnership a wave belongs to.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct WavePartnership {
    pub id: PartnershipId,
    pub slug: String,
    pub name: String,
}

/// A wave as every layer uses it: its row, its partnership and its definition, read back and
/// parsed once ([`SurveyDefinition::stored`], with the deployment's text limit). Respondent
/// pages, staff pages, the command line and comparisons all load a wave this way; the web
/// side keeps the parsed definition in a cache checked against `row.definition_hash`.
#[derive(Debug, Clone)]
pub struct Wave {
    pub row: WaveRow,
    pub partnership: WavePartnership,
    pub definition: std::sync::Arc<SurveyDefinition>,
}

impl Wave {
    pub fn id(&self) -> &WaveId {
        &self.row.id
    }
}

/// Reads a wave's definition and partnership for its row, and parses the definition.
pub fn load(conn: &mut DbConnection, row: WaveRow, max_text: usize) -> StoreResult<Wave> {
    let text = wave_definition(conn, &row.id)?;
    let partnership = wave_partnership(conn, &row.id)?;
    let definition = SurveyDefinition::stored(&row.slug, &text, max_text)
        .map_err(|source| StoreError::Unreadable { wave: row.slug.clone(), source })?;
    Ok(Wave { row, partnership, definition: std::sync::Arc::new(definition) })
}

/// A wave by its slug, loaded whole (see [`Wave`]).
pub fn find(conn: &mut DbConnection, slug: &str, max_text: usize) -> StoreResult<Option<Wave>> {
    match find_wave(conn, slug)? {
        Some(row) => Ok(Some(load(conn, row, max_text)?)),
        None => Ok(None),
    }
}

/// A wave by its slug, or a message naming it.
pub fn get(conn: &mut DbConnection, slug: &str, max_text: usize) -> StoreResult<Wave> {
    find(conn, slug, max_text)?.ok_or_else(|| StoreError::NotFound(format!("the wave {slug:?}")))
}

pub fn find_wave(conn: &mut DbConnection, slug: &str) -> StoreResult<Option<WaveRow>> {
    Ok(waves::table.filter(waves::slug.eq(slug)).select(WaveRow::as_select()).first(conn).optional()?)
}

pub fn wave_definition(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<String> {
    Ok(waves::table.filter(waves::id.eq(wave_id)).select(waves::definition).first(conn)?)
}

/// The partnership a wave belongs to.
pub fn wave_partnership(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<WavePartnership> {
    Ok(waves::table
        .inner_join(survey_series::table.inner_join(partnerships::table))
        .filter(waves::id.eq(wave_id))
        .select((partnerships::id, partnerships::slug, partnerships::name))
        .first(conn)?)
}

pub fn response_count(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<i64> {
    Ok(responses::table.filter(responses::wave_id.eq(wave_id)).count().get_result(conn)?)
}

/// Imports a survey definition, all or nothing. The partnership's framework must already
/// exist and every tag must name one of its codes. A wave that already has responses keeps
/// its questions: only its status, dates and titles can change.
pub fn import(conn: &mut DbConnection, file: &str, source: &str, def: &SurveyDefinition) -> StoreResult<SurveyImport> {
    let hash = hash_token(source);
    conn.write(|c| -> StoreResult<SurveyImport> {
        let partnership = super::framework::find_by_slug(c, def.partnership.as_str())?.ok_or_else(|| {
            StoreError::Conflict(format!(
                "{file}: the partnership {:?} does not exist yet. Import its framework first (heard import FRAMEWORK.toml), or run heard demo.",
                def.partnership.as_str()
            ))
        })?;
        let codes = super::framework::codes(c, &partnership.id)?;
        def.check_tags(file, &codes)?;
        let stamp = now();

        // Series.
        let series: Option<(String, PartnershipId)> = survey_series::table
            .filter(survey_series::slug.eq(def.series.slug.as_str()))
            .select((survey_series::id, survey_series::partnership_id))
            .first(c)
            .optional()?;
        let series_id = match series {
            Some((id, owner)) if owner == partnership.id => {
                diesel::update(survey_series::table.filter(survey_series::id.eq(&id)))
                    .set(survey_series::title.eq(&def.series.title))
                    .execute(c)?;
                id
            }
            Some(_) => {
                return Err(StoreError::Conflict(format!(
                    "{file}: the series {:?} belongs to another partnership: choose another series slug.",
                    def.series.slug.as_str()
                )));
            }
            None => {
                let id = new_id();
                diesel::insert_into(survey_series::table)
                    .values((
                        survey_series::id.eq(&id),
                        survey_series::partnership_id.eq(&partnership.id),
                        survey_series::slug.eq(def.series.slug.as_str()),
                        survey_series::title.eq(&def.series.title),
                        survey_series::created_at.eq(stamp),
                    ))
                    .execute(c)?;
                id
            }
        };

        // Wave.
        let existing = find_wave(c, def.wave.slug.as_str())?;
        let outcome = match &existing {
            Some(w) if w.definition_hash == hash => {
                return Ok(SurveyImport { wave: w.slug.clone(), outcome: "unchanged", questions: def.questions.len() });
            }
            Some(w) => {
                if w.series_id != series_id {
                    return Err(StoreError::Conflict(format!(
                        "{file}: the wave {:?} belongs to another series: choose another wave slug.",
                        w.slug
                    )));
                }
                let answered = response_count(c, &w.id)?;
                if answered > 0 {
                    // Both read with the same text limit: the stored text and the new one are
                    // compared as the same reader sees them (a long-text question's default
                    // length comes from the limit, so two limits never compare equal).
                    let old_text = wave_definition(c, &w.id)?;
                    let old = SurveyDefinition::parse(file, &old_text, usize::MAX / 2).ok();
                    let new = SurveyDefinition::parse(file, source, usize::MAX / 2).ok();
                    // What people answered must stay; the words around it may be fixed
                    // (titles, hints, picture descriptions, audience names, translations).
                    let same_questions = matches!((&old, &new), (Some(o), Some(n)) if o.answered_shape() == n.answered_shape());
                    if !same_questions {
                        return Err(StoreError::Conflict(format!(
                            "{file}: the wave {:?} already has {answered} responses, so what people answered cannot change: its questions' keys, types, answers, routing and audiences stay as they are. You can still fix question titles, hints, picture descriptions and translations, or start a new wave with a new slug.",
                            w.slug
                        )));
                    }
                }
                diesel::update(waves::table.filter(waves::id.eq(&w.id)))
                    .set((
                        waves::label.eq(&def.wave.label),
                        waves::status.eq(def.wave.status.as_str()),
                        waves::opens_at.eq(def.wave.opens),
                        waves::closes_at.eq(def.wave.closes),
                        waves::definition.eq(source),
                        waves::definition_hash.eq(&hash),
                        waves::updated_at.eq(stamp),
                    ))
                    .execute(c)?;
                diesel::delete(questions::table.filter(questions::wave_id.eq(&w.id))).execute(c)?;
                insert_questions(c, &w.id, def)?;
                "updated"
            }
            None => {
                let id = WaveId::random();
                diesel::insert_into(waves::table)
                    .values((
                        waves::id.eq(&id),
                        waves::series_id.eq(&series_id),
                        waves::slug.eq(def.wave.slug.as_str()),
                        waves::label.eq(&def.wave.label),
                        waves::status.eq(def.wave.status.as_str()),
                        waves::opens_at.eq(def.wave.opens),
                        waves::closes_at.eq(def.wave.closes),
                        waves::definition.eq(source),
                        waves::definition_hash.eq(&hash),
                        waves::created_at.eq(stamp),
                        waves::updated_at.eq(stamp),
                    ))
                    .execute(c)?;
                insert_questions(c, &id, def)?;
                "created"
            }
        };
        Ok(SurveyImport { wave: def.wave.slug.as_str().to_owned(), outcome, questions: def.questions.len() })
    })
}

fn insert_questions(c: &mut DbConnection, wave_id: &WaveId, def: &SurveyDefinition) -> StoreResult<()> {
    for (pos, q) in def.questions.iter().enumerate() {
        let qid = new_id();
        diesel::insert_into(questions::table)
            .values((
                questions::id.eq(&qid),
                questions::wave_id.eq(wave_id),
                questions::question_key.eq(q.key.as_str()),
                questions::position.eq(pos as i32),
                questions::kind.eq(q.kind.as_str()),
            ))
            .execute(c)?;
        let options: Vec<_> = q
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                (
                    question_options::question_id.eq(qid.clone()),
                    question_options::value.eq(o.value.clone()),
                    question_options::polarity.eq(o.polarity.as_str()),
                    question_options::score.eq(o.score),
                    question_options::position.eq(i as i32),
                )
            })
            .collect();
        if !options.is_empty() {
            crate::on_backend!(c, |inner| diesel::insert_into(question_options::table)
                .values(&options)
                .execute(inner))?;
        }
        let tags: Vec<_> = q
            .priorities
            .iter()
            .map(|code| ("priority", code))
            .chain(q.values.iter().map(|code| ("value", code)))
            .chain(q.outcomes.iter().map(|code| ("outcome", code)))
            .map(|(kind, code)| {
                (
                    question_tags::question_id.eq(qid.clone()),
                    question_tags::kind.eq(kind),
                    question_tags::code.eq(code.clone()),
                )
            })
            .collect();
        if !tags.is_empty() {
            crate::on_backend!(c, |inner| diesel::insert_into(question_tags::table).values(&tags).execute(inner))?;
        }
    }
    Ok(())
}

/// Every wave row of a partnership, newest first (the web side then takes each wave from
/// its cache of parsed definitions).
pub fn partnership_wave_rows(conn: &mut DbConnection, partnership: &PartnershipId) -> StoreResult<Vec<WaveRow>> {
    Ok(waves::table
        .inner_join(survey_series::table)
        .filter(survey_series::partnership_id.eq(partnership))
        .order((waves::created_at.desc(), waves::label.desc()))
        .select(WaveRow::as_select())
        .load(conn)?)
}

/// What a person is told when someone else saved the survey since their page was made.
pub const STALE: &str = "Someone else saved this survey while you were editing it, so your change was not saved. What you typed is still here: check the survey as it is now, then save again.";

/// Whether a survey series has this slug (in any partnership: slugs are unique).
pub fn series_exists(conn: &mut DbConnection, slug: &str) -> StoreResult<bool> {
    let n: i64 = survey_series::table.filter(survey_series::slug.eq(slug)).count().get_result(conn)?;
    Ok(n > 0)
}

/// Saves a definition the survey builder made for a wave, unless someone saved another
/// version since the person's form was made (`based_on`, the definition hash it was made
/// from): then `Stale`, and nothing is saved. Otherwise the same write as an upload
/// ([`import`]: rows rebuilt, questions kept once the wave has responses). Joins the caller's
/// transaction.
pub fn save_built(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    based_on: &str,
    source: &str,
    def: &SurveyDefinition,
) -> StoreResult<SurveyImport> {
    conn.write(|c| -> StoreResult<SurveyImport> {
        let hash: String = waves::table.filter(waves::id.eq(wave_id)).select(waves::definition_hash).first(c)?;
        if hash != based_on {
            return Err(StoreError::Stale(STALE.into()));
        }
        import(c, "the survey", source, def)
    })
}

/// Waves open now, as (slug, "Series title label"), for the front page.
pub fn open_waves(conn: &mut DbConnection) -> StoreResult<Vec<(String, String)>> {
    let at = now();
    let rows: Vec<(WaveRow, String)> = waves::table
        .inner_join(survey_series::table)
        .filter(waves::status.eq("open"))
        .order((survey_series::title.asc(), waves::label.asc()))
        .select((WaveRow::as_select(), survey_series::title))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(w, _)| w.openness(at) == Openness::Open)
        .map(|(w, title)| (w.slug.clone(), format!("{title} {}", w.label)))
        .collect())
}

/// A wave as listed for staff.
#[derive(Debug, Clone, Serialize)]
pub struct WaveListing {
    pub slug: String,
    pub label: String,
    pub status: String,
    pub series_title: String,
    pub partnership_name: String,
    pub responses: i64,
}

/// The waves staff can see: one partnership's, or everyone's (`None`, for a superadmin).
pub fn waves_for(conn: &mut DbConnection, partnership_id: Option<&PartnershipId>) -> StoreResult<Vec<WaveListing>> {
    let mut q = waves::table
        .inner_join(survey_series::table.inner_join(partnerships::table))
        .select((waves::id, waves::slug, waves::label, waves::status, survey_series::title, partnerships::name))
        .order((partnerships::name.asc(), survey_series::title.asc(), waves::label.desc()))
        .into_boxed();
    if let Some(p) = partnership_id {
        q = q.filter(survey_series::partnership_id.eq(p.to_owned()));
    }
    let rows: Vec<(String, String, String, String, String, String)> = q.load(conn)?;
    // Responses per wave from the counts kept at write time (per audience), not a count of
    // every response stored: the list costs the same however many answered.
    let kept: Vec<(String, i64)> = crate::db::schema::response_counts::table
        .select((crate::db::schema::response_counts::wave_id, crate::db::schema::response_counts::responses))
        .load(conn)?;
    let mut counts: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (wave, n) in kept {
        *counts.entry(wave).or_insert(0) += n;
    }
    Ok(rows
        .into_iter()
        .map(|(id, slug, label, status, series_title, partnership_name)| WaveListing {
            responses: counts.get(&id).copied().unwrap_or(0),
            slug,
            label,
            status,
            series_title,
            partnership_name,
        })
        .collect())
}

/// A wave's id and the partnership it belongs to.
#[derive(Debug, Clone, Queryable)]
pub struct WaveOwner {
    pub wave: WaveId,
    pub partnership: PartnershipId,
}

/// The partnership a wave belongs to, by the wave's slug.
pub fn wave_owner(conn: &mut DbConnection, slug: &str) -> StoreResult<Option<WaveOwner>> {
    Ok(waves::table
        .inner_join(survey_series::table)
        .filter(waves::slug.eq(slug))
        .select((waves::id, survey_series::partnership_id))
        .first(conn)
        .optional()?)
}

/// Responses of a wave counted by audience, by channel and by day sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WaveCounts {
    pub total: i64,
    pub by_audience: Vec<(String, i64)>,
    pub by_channel: Vec<(String, i64)>,
    pub by_day: Vec<(String, i64)>,
}

pub fn wave_counts(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<WaveCounts> {
    let by_audience: Vec<(String, i64)> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .group_by(responses::audience)
        .select((responses::audience, diesel::dsl::count_star()))
        .order(responses::audience.asc())
        .load(conn)?;
    let by_channel: Vec<(String, i64)> = responses::table
        .filter(responses::wave_id.eq(wave_id))
        .group_by(responses::channel)
        .select((responses::channel, diesel::dsl::count_star()))
        .order(responses::channel.asc())
        .load(conn)?;
    // Days are counted in Rust from the (indexed) timestamps: date functions differ by engine.
    let stamps: Vec<chrono::NaiveDateTime> =
        responses::table.filter(responses::wave_id.eq(wave_id)).select(responses::submitted_at).load(conn)?;
    let mut days: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for s in &stamps {
        *days.entry(s.date().format("%Y-%m-%d").to_string()).or_insert(0) += 1;
    }
    Ok(WaveCounts { total: stamps.len() as i64, by_audience, by_channel, by_day: days.into_iter().collect() })
}

/// Opens, closes or drafts a wave, with optional opening and closing times.
pub fn set_status(
    conn: &mut DbConnection,
    wave_id: &WaveId,
    status: WaveStatus,
    opens: Option<chrono::NaiveDateTime>,
    closes: Option<chrono::NaiveDateTime>,
) -> StoreResult<()> {
    if let (Some(o), Some(c)) = (opens, closes)
        && c <= o
    {
        return Err(StoreError::Conflict("The closing date must be after the opening date.".into()));
    }
    diesel::update(waves::table.filter(waves::id.eq(wave_id)))
        .set((
            waves::status.eq(status.as_str()),
            waves::opens_at.eq(opens),
            waves::closes_at.eq(closes),
            waves::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Starts next year's wave: a draft copy of a wave's definition with a new slug and label and
/// every question key kept, so the two years can be compared. Returns the new definition text.
pub fn next_wave_source(source: &str, slug: &str, label: &str) -> Result<String, StoreError> {
    let mut doc: toml::Table = toml::from_str(source)
        .map_err(|e| StoreError::Conflict(format!("the wave's definition cannot be read: {e}")))?;
    let Some(toml::Value::Table(wave)) = doc.get_mut("wave") else {
        return Err(StoreError::Conflict("the wave's definition has no [wave] table".into()));
    };
    wave.insert("slug".into(), toml::Value::String(slug.to_owned()));
    wave.insert("label".into(), toml::Value::String(label.to_owned()));
    wave.insert("status".into(), toml::Value::String("draft".into()));
    wave.remove("opens");
    wave.remove("closes");
    let body = toml::to_string(&doc).map_err(|e| StoreError::Conflict(e.to_string()))?;
    Ok(format!(
        "# Copied by Heard from the previous wave: every question key is kept so the years can be compared.\n{body}"
    ))
}

/// A wave's slug, by its id.
pub fn wave_slug(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<String> {
    Ok(waves::table.filter(waves::id.eq(wave_id)).select(waves::slug).first(conn)?)
}

/// The partnership a wave belongs to, by the wave's id.
pub fn wave_owner_by_id(conn: &mut DbConnection, wave_id: &WaveId) -> StoreResult<Option<PartnershipId>> {
    Ok(waves::table
        .inner_join(survey_series::table)
        .filter(waves::id.eq(wave_id))
        .select(survey_series::partnership_id)
        .first(conn)
        .optional()?)
}

/// A series and its waves (slug, label, status, responses), oldest label first.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesWaves {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub partnership_id: PartnershipId,
    pub waves: Vec<WaveListing>,
}

pub fn series_waves(conn: &mut DbConnection, slug: &str) -> StoreResult<Option<SeriesWaves>> {
    let row: Option<(String, String, String, PartnershipId)> = survey_series::table
        .filter(survey_series::slug.eq(slug))
        .select((survey_series::id, survey_series::slug, survey_series::title, survey_series::partnership_id))
        .first(conn)
        .optional()?;
    let Some((id, slug, title, partnership_id)) = row else { return Ok(None) };
    let mut waves: Vec<WaveListing> =
        waves_for(conn, Some(&partnership_id))?.into_iter().filter(|w| w.series_title == title).collect();
    let ids: Vec<String> = waves::table.filter(waves::series_id.eq(&id)).select(waves::slug).load(conn)?;
    waves.retain(|w| ids.contains(&w.slug));
    waves.sort_by(|a, b| a.label.cmp(&b.label).then(a.slug.cmp(&b.slug)));
    Ok(Some(SeriesWaves { id, slug, title, partnership_id, waves }))
}
