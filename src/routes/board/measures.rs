//! Measures (`/staff/measures`): the dashboard laid out like Appendix 1 of the KPI report
//! (reference, measure, latest value and its period, target, which way is better, direction
//! of travel, when the next value is due, overdue flagged), a form to add a measure, and an
//! upload of the dashboard as CSV in its own layout: every problem listed by row and column,
//! nothing stored unless the whole file reads. Each measure's page lists its values and takes
//! a new one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{PartnershipQuery, READERS, WRITERS, long_date, partnership};
use crate::domain::review::{self, Direction, FileProblem, Frequency, MAX_NAME, Unit};
use crate::domain::text::UserText;
use crate::error::AppError;
use crate::models::framework::Partnership;
use crate::models::measures::{self, Measure, NewMeasure, Value};
use crate::routes::form::token as csrf;
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{SignedIn, not_found};
use crate::state::AppState;
use crate::views::Choice;

/// The largest dashboard file taken.
const FILE_LIMIT: usize = 2 * 1024 * 1024;

#[derive(Serialize)]
pub(super) struct Row {
    pub(super) href: String,
    pub(super) reference: String,
    pub(super) name: String,
    pub(super) latest: String,
    pub(super) period: String,
    pub(super) target: String,
    pub(super) better: &'static str,
    pub(super) travel: String,
    pub(super) due: String,
    pub(super) overdue: bool,
    pub(super) on_target: Option<bool>,
    pub(super) note: String,
}

pub(super) fn row(m: &Measure, suffix: &str, today: chrono::NaiveDate) -> Row {
    let values: Vec<(chrono::NaiveDate, f64)> = m.values.iter().map(|v| (v.period_end, v.value)).collect();
    let s = review::standing(m.direction, m.target, m.frequency, &values, today);
    let last = m.values.last();
    Row {
        href: format!("/staff/measures/{}{suffix}", m.id),
        reference: m.reference.clone(),
        name: m.name.clone(),
        latest: last.map_or_else(|| "No value yet".into(), |v| m.unit.show(v.value)),
        period: last.map(|v| v.period.clone()).unwrap_or_default(),
        target: m.target.map(|t| m.unit.show(t)).unwrap_or_default(),
        better: match m.direction {
            Direction::Higher => "Higher",
            Direction::Lower => "Lower",
        },
        travel: s.travel.unwrap_or("").to_owned(),
        due: match (s.due, m.frequency) {
            (Some(d), Some(f)) => format!("{} ({})", long_date(d), f.as_str()),
            (None, Some(f)) => format!("When first given ({})", f.as_str()),
            _ => String::new(),
        },
        overdue: s.overdue,
        on_target: s.on_target,
        note: m.note.clone(),
    }
}

#[derive(Serialize, Default)]
struct AddForm {
    reference: String,
    name: String,
    unit: String,
    direction: String,
    target: String,
    frequency: String,
    name_error: Option<String>,
    target_error: Option<String>,
    direction_error: Option<String>,
}

#[derive(Serialize)]
struct ListView {
    page: PageMeta,
    csrf: String,
    can_edit: bool,
    rows: Vec<Row>,
    overdue: usize,
    import_action: String,
    add_action: String,
    add: AddForm,
    units: Vec<Choice>,
    frequencies: Vec<Choice>,
    problems: Vec<FileProblem>,
    file_error: Option<String>,
    errors: Vec<Link>,
    imported: Option<String>,
}

async fn list_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &Partnership,
    add: AddForm,
    problems: Vec<FileProblem>,
    file_error: Option<String>,
) -> Result<ListView, AppError> {
    let pid = p.id.clone();
    let all = state.db.run(move |c| measures::list(c, &pid).map_err(AppError::from)).await?;
    let suffix = who.partnership_suffix(p);
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<Row> = all.iter().map(|m| row(m, &suffix, today)).collect();
    let mut errors = Vec::new();
    for (e, at) in
        [(&add.name_error, "#m-name"), (&add.target_error, "#m-target"), (&add.direction_error, "#m-direction")]
    {
        if let Some(e) = e {
            errors.push(Link { href: at.into(), text: e.clone() });
        }
    }
    if let Some(e) = &file_error {
        errors.push(Link { href: "#file".into(), text: e.clone() });
    }
    if !problems.is_empty() {
        errors.push(Link {
            href: "#problems".into(),
            text: format!(
                "The file has {} problem{}: nothing was imported. Each is listed by row and column below.",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            ),
        });
    }
    Ok(ListView {
        page: who.page(req, state, "Measures"),
        csrf: csrf(state, req),
        can_edit: who.require(&WRITERS).is_ok(),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
        import_action: format!("/staff/measures{suffix}"),
        add_action: format!("/staff/measures/new{suffix}"),
        units: Unit::ALL.iter().map(|u| Choice::new(u.as_str(), u.as_str(), &add.unit)).collect(),
        frequencies: Frequency::ALL.iter().map(|f| Choice::new(f.as_str(), f.as_str(), &add.frequency)).collect(),
        add,
        problems,
        file_error,
        errors,
        imported: None,
    })
}

#[derive(serde::Deserialize)]
pub(super) struct ListQuery {
    partnership: Option<String>,
    imported: Option<String>,
}

pub(super) async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let pq = PartnershipQuery { partnership: q.partnership.clone() };
    let p = partnership(&state, &who, &pq, &READERS).await?;
    let mut view = list_view(&state, &req, &who, &p, AddForm::default(), Vec::new(), None).await?;
    view.imported = q.imported.as_deref().and_then(imported_words);
    render(&state, StatusCode::OK, "staff/measures", &view)
}

pub(super) async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    payload: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    who.require(&WRITERS)?;
    let parts = crate::routes::upload::read_checked(&state, &req, payload, FILE_LIMIT).await?;
    let p = partnership(&state, &who, &q, &WRITERS).await?;
    let file = parts.part("file").filter(|f| !f.bytes.is_empty());
    let Some(file) = file else {
        let view = list_view(
            &state,
            &req,
            &who,
            &p,
            AddForm::default(),
            Vec::new(),
            Some("Choose the dashboard's CSV file to import.".into()),
        )
        .await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/measures", &view);
    };
    let rows = match review::read_measures(&file.bytes) {
        Ok(rows) => rows,
        Err(problems) => {
            let view = list_view(&state, &req, &who, &p, AddForm::default(), problems, None).await?;
            return render(&state, StatusCode::BAD_REQUEST, "staff/measures", &view);
        }
    };
    let (pid, actor) = (p.id.clone(), who.staff.actor());
    let name = file.file_name.clone().unwrap_or_else(|| "measures.csv".into());
    let done = state.db.run(move |c| measures::import(c, &pid, &actor, &name, &rows).map_err(AppError::from)).await?;
    let suffix = who.partnership_suffix(&p);
    let sep = if suffix.is_empty() { "?" } else { "&" };
    Ok(see_other(format!("/staff/measures{suffix}{sep}imported={}-{}-{}", done.added, done.updated, done.values)))
}

/// The line after an import, from `?imported=ADDED-UPDATED-VALUES` (numbers only).
fn imported_words(raw: &str) -> Option<String> {
    let n: Vec<u64> = raw.split('-').map(|p| p.parse().ok()).collect::<Option<Vec<u64>>>()?;
    let [added, updated, values] = n.as_slice() else { return None };
    Some(format!("Imported: {added} measures added, {updated} updated, {values} values stored."))
}

/// A number typed in a form (`12`, `12.5%`), or the problem.
fn number(raw: &str, what: &str) -> Result<Option<f64>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    review::value(raw).map(|(v, _)| Some(v)).ok_or_else(|| format!("{what} must be a number, like 15 or 12.1."))
}

pub(super) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &WRITERS).await?;
    let get = |k: &str| f.get(k).unwrap_or("").to_owned();
    let mut form = AddForm {
        reference: get("reference"),
        name: get("name"),
        unit: get("unit"),
        direction: get("direction"),
        target: get("target"),
        frequency: get("frequency"),
        ..AddForm::default()
    };
    let name =
        UserText::required(&form.name, MAX_NAME, false, "The name", "Give the measure a name, like “Absence rates”.")
            .unwrap_or_else(|e| {
                form.name_error = Some(e);
                String::new()
            });
    let reference = UserText::parse(&form.reference, 40, false).map(UserText::into_string).unwrap_or_default();
    let target = number(&form.target, "The target").unwrap_or_else(|e| {
        form.target_error = Some(e);
        None
    });
    let direction = Direction::parse(&form.direction);
    if direction.is_none() {
        form.direction_error = Some("Say whether higher or lower is better.".into());
    }
    let (Some(direction), None, None) = (direction, &form.name_error, &form.target_error) else {
        let view = list_view(&state, &req, &who, &p, form, Vec::new(), None).await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/measures", &view);
    };
    let m = NewMeasure {
        reference,
        name,
        unit: Unit::parse(&form.unit).unwrap_or(Unit::Number),
        direction,
        target,
        frequency: Frequency::parse(&form.frequency),
    };
    let (pid, actor) = (p.id.clone(), who.staff.actor());
    let added = state.db.run(move |c| measures::add(c, &pid, &actor, &m).map_err(AppError::from)).await?;
    let suffix = who.partnership_suffix(&p);
    match added {
        Some(id) => Ok(see_other(format!("/staff/measures/{id}{suffix}"))),
        None => {
            form.name_error = Some("There is already a measure with this reference and name.".into());
            let view = list_view(&state, &req, &who, &p, form, Vec::new(), None).await?;
            render(&state, StatusCode::CONFLICT, "staff/measures", &view)
        }
    }
}

#[derive(Serialize)]
struct ValueRow {
    period: String,
    ends: String,
    value: String,
}

#[derive(Serialize)]
struct MeasureView {
    page: PageMeta,
    csrf: String,
    can_edit: bool,
    action: String,
    summary: Row,
    unit: &'static str,
    frequency: String,
    values: Vec<ValueRow>,
    period: String,
    value: String,
    period_error: Option<String>,
    value_error: Option<String>,
    errors: Vec<Link>,
    outcomes_action: String,
    outcomes: Vec<OutcomeBox>,
    tagged: Vec<String>,
}

#[derive(Serialize)]
struct OutcomeBox {
    id: String,
    code: String,
    statement: String,
    checked: bool,
}

async fn measure_view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    p: &Partnership,
    id: String,
    typed: (String, String, Option<String>, Option<String>),
) -> Result<MeasureView, AppError> {
    let pid = p.id.clone();
    let (m, tags, fw) = state
        .db
        .run(move |c| -> Result<_, AppError> {
            Ok((
                measures::get(c, &pid, &id)?,
                measures::outcomes(c, &pid)?,
                crate::models::framework::framework(c, &pid)?,
            ))
        })
        .await?;
    let m = m.ok_or_else(not_found)?;
    let mine = tags.get(&m.id).cloned().unwrap_or_default();
    let outcomes: Vec<OutcomeBox> = fw
        .outcomes
        .into_iter()
        .filter(|o| !o.archived || mine.contains(&o.id))
        .map(|o| OutcomeBox { checked: mine.contains(&o.id), id: o.id, code: o.code, statement: o.text })
        .collect();
    let suffix = who.partnership_suffix(p);
    let today = chrono::Utc::now().date_naive();
    let (period, value, period_error, value_error) = typed;
    let mut errors = Vec::new();
    if let Some(e) = &period_error {
        errors.push(Link { href: "#period".into(), text: e.clone() });
    }
    if let Some(e) = &value_error {
        errors.push(Link { href: "#value".into(), text: e.clone() });
    }
    let title = if m.reference.is_empty() { m.name.clone() } else { format!("{} ({})", m.name, m.reference) };
    Ok(MeasureView {
        page: who.page(req, state, title).back(format!("/staff/measures{suffix}")),
        csrf: csrf(state, req),
        can_edit: who.require(&WRITERS).is_ok(),
        action: format!("/staff/measures/{}{suffix}", m.id),
        summary: row(&m, &suffix, today),
        unit: m.unit.as_str(),
        frequency: m.frequency.map_or_else(|| "not set".into(), |f| f.as_str().to_owned()),
        values: m
            .values
            .iter()
            .rev()
            .map(|v| ValueRow { period: v.period.clone(), ends: long_date(v.period_end), value: m.unit.show(v.value) })
            .collect(),
        period,
        value,
        period_error,
        value_error,
        errors,
        outcomes_action: format!("/staff/measures/{}/outcomes{suffix}", m.id),
        tagged: outcomes.iter().filter(|o| o.checked).map(|o| o.code.clone()).collect(),
        outcomes,
    })
}

pub(super) async fn set_outcomes(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &WRITERS).await?;
    let id = path.into_inner();
    let chosen: Vec<String> = f.all("outcome").into_iter().map(str::to_owned).collect();
    let (pid, actor, id2) = (p.id.clone(), who.staff.actor(), id.clone());
    let ok =
        state.db.run(move |c| measures::set_outcomes(c, &pid, &actor, &id2, &chosen).map_err(AppError::from)).await?;
    if !ok {
        return Err(not_found());
    }
    Ok(see_other(format!("/staff/measures/{id}{}#outcomes", who.partnership_suffix(&p))))
}

pub(super) async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let p = partnership(&state, &who, &q, &READERS).await?;
    let view = measure_view(&state, &req, &who, &p, path.into_inner(), Default::default()).await?;
    render(&state, StatusCode::OK, "staff/measure", &view)
}

pub(super) async fn add_value(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<PartnershipQuery>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = crate::routes::form::read_checked(&state, &req, body).await?;
    let p = partnership(&state, &who, &q, &WRITERS).await?;
    let id = path.into_inner();
    let (period, raw) = (f.get("period").unwrap_or("").trim().to_owned(), f.get("value").unwrap_or("").to_owned());
    let ends = review::period_end(&period);
    let period_error = ends.is_none().then(|| {
        if period.is_empty() {
            "Say which period the value is for, like Sep-23 or 2023/24.".to_owned()
        } else {
            format!("“{period}” is not a period Heard can read. Write a month like Sep-23, an academic year like 2023/24 (with a term if you like), or a date like 2023-09-30.")
        }
    });
    let value = match number(&raw, "The value") {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err("Enter the value, like 26 or 13.4%.".to_owned()),
        Err(e) => Err(e),
    };
    let (Some(ends), Ok(v)) = (ends, &value) else {
        let typed = (period, raw, period_error, value.err());
        let view = measure_view(&state, &req, &who, &p, id, typed).await?;
        return render(&state, StatusCode::BAD_REQUEST, "staff/measure", &view);
    };
    let val = Value { period_end: ends, period, value: *v };
    let (pid, actor, id2) = (p.id.clone(), who.staff.actor(), id.clone());
    let ok = state.db.run(move |c| measures::add_value(c, &pid, &actor, &id2, &val).map_err(AppError::from)).await?;
    if !ok {
        return Err(not_found());
    }
    Ok(see_other(format!("/staff/measures/{id}{}", who.partnership_suffix(&p))))
}
