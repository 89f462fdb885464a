//! The question editor: one form for every type, each audience's words side by side, the
//! answers (value, words per audience, how each counts, a picture), limits, routing picked
//! from earlier questions' answers, tags picked from the partnership's framework, and a
//! picture from Heard's set or the partnership's own. "Add more answers" and "Change type"
//! re-show the form with nothing lost; Save checks everything and names each problem beside
//! its field.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::wave::kind_choices;
use super::{Field, Refusal, buildable};
use crate::domain::survey::bank;
use crate::domain::survey::build::{self, DraftOption, DraftStatement, DraftWording, FieldError, QuestionDraft};
use crate::domain::survey::{Polarity, QuestionKind, SurveyDefinition};
use crate::error::AppError;
use crate::models::{framework, media};
use crate::routes::form::{Form, read_checked, token as csrf};
use crate::routes::pages::{Link, PageMeta, render, see_other};
use crate::routes::staff::{OwnedWave, SignedIn};
use crate::state::AppState;
use crate::views::Choice;

/// The most answer rows a form may hold.
const MAX_ROWS: usize = 40;

#[derive(Serialize)]
struct AudienceColumn {
    key: String,
    name: String,
    easy_read: bool,
    asked: bool,
    first: bool,
    title: Field,
    hint: Field,
    scale: Vec<ScaleField>,
    title_advice: Vec<Advice>,
    hint_advice: Vec<Advice>,
    other_advice: Vec<Advice>,
    feedback: Option<crate::models::review::QuestionFeedback>,
}

/// One piece of the easy-read checker's advice, shown beside the field it is about.
#[derive(Serialize, Clone)]
struct Advice {
    level: &'static str,
    must: bool,
    rule: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ScaleField {
    i: usize,
    heard: &'static str,
    field: Field,
    advice: Vec<Advice>,
}

#[derive(Serialize)]
struct OptionRow {
    i: usize,
    value: Field,
    labels: Vec<LabelField>,
    polarities: Vec<Choice>,
    polarity_error: Option<String>,
    score: Field,
    symbols: Vec<Choice>,
}

#[derive(Serialize)]
struct LabelField {
    audience: String,
    name: String,
    /// Who reads it, for the advice as you type: `young-people` (easy read) or `parents`.
    reader: &'static str,
    field: Field,
    advice: Vec<Advice>,
}

#[derive(Serialize)]
struct RouteGroup {
    question: String,
    title: String,
    answers: Vec<RouteAnswer>,
}

#[derive(Serialize)]
struct RouteAnswer {
    id: String,
    value: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct TagGroup {
    name: &'static str,
    legend: &'static str,
    tags: Vec<TagChoice>,
}

#[derive(Serialize)]
struct TagChoice {
    id: String,
    code: String,
    text: String,
    checked: bool,
}

#[derive(Serialize)]
struct QuestionView {
    page: PageMeta,
    csrf: String,
    version: String,
    action: String,
    slug: String,
    adding: bool,
    kind: String,
    kind_name: &'static str,
    kinds: Vec<Choice>,
    key: Field,
    ask_error: Option<String>,
    audiences: Vec<AudienceColumn>,
    has_scale: bool,
    has_options: bool,
    is_text: bool,
    is_number: bool,
    options: Vec<OptionRow>,
    rows: usize,
    required: bool,
    max_length: Field,
    min: Field,
    max: Field,
    whole_number: bool,
    routes: Vec<RouteGroup>,
    show_if_error: Option<String>,
    tags: Vec<TagGroup>,
    symbols: Vec<Choice>,
    symbol_alt: Field,
    errors: Vec<Link>,
    notice: Option<String>,
    bank_warning: Option<BankWarning>,
    symbol_advice: Vec<Advice>,
    /// The checker's "must fix" items, for the summary at the top.
    must_fix: Vec<Link>,
    /// The wave has responses: only titles, hints and the picture's description may change.
    locked: bool,
    responses: i64,
    has_symbol: bool,
    /// What stays as it is, in words (when locked).
    fixed: Vec<String>,
    /// A grid: the answers above are its scale, and these are its statements.
    is_grid: bool,
    statements: Vec<StatementRow>,
    st_rows: usize,
}

/// One statement of a grid in the editor: its words per audience side by side, its key and
/// an optional picture.
#[derive(Serialize)]
struct StatementRow {
    j: usize,
    n: usize,
    key: Field,
    texts: Vec<LabelField>,
    symbols: Vec<Choice>,
    alt: Field,
}

/// A locked question's answers, routing and tags, in words (what stays as it is).
fn fixed_summary(def: &SurveyDefinition, q: &crate::domain::survey::Question) -> Vec<String> {
    let first = q.audiences.first().map_or("", String::as_str);
    let names: Vec<String> =
        q.audiences.iter().map(|a| def.audience(a).map_or(a.clone(), |x| x.name.clone())).collect();
    let (key, kind) = match q.grid_key() {
        Some(g) => (g.to_owned(), super::wave::GRID_NAME),
        None => (q.key.to_string(), super::wave::kind_name(q.kind)),
    };
    let mut out = vec![format!("Key {key}, {kind}, asked of {}.", names.join(", "))];
    if let Some(g) = q.grid_key() {
        let keys: Vec<String> = def.grid_statements(g).map(|s| s.key.to_string()).collect();
        out.push(format!("Statements (their keys): {}.", keys.join(", ")));
    }
    if !q.options.is_empty() {
        let answers: Vec<String> =
            q.options.iter().map(|o| format!("{} ({}, {})", o.label(first), o.value, o.polarity.as_str())).collect();
        out.push(format!("Answers: {}.", answers.join("; ")));
    }
    if let Some(r) = &q.show_if {
        out.push(format!("Asked only after {} is answered {}.", r.question, r.any_of.join(" or ")));
    }
    let tags: Vec<&String> = q.priorities.iter().chain(&q.values).chain(&q.outcomes).collect();
    if !tags.is_empty() {
        out.push(format!("Counts towards {}.", tags.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")));
    }
    out
}

/// The checker's advice on the saved words of `key`, per audience: (field suffix, advice),
/// where the suffix is `title`, `hint`, `symbol`, `options` or `options.VALUE`. `report`
/// gives an audience's English report (from the cache, or made now).
fn advice_from(
    def: &SurveyDefinition,
    key: &str,
    report: impl Fn(&str) -> std::sync::Arc<crate::domain::easyread::VersionReport>,
) -> BTreeMap<String, Vec<(String, Advice)>> {
    use crate::domain::easyread::{Level, Reader};
    let mut out = BTreeMap::new();
    let Some(q) = def.question(key) else { return out };
    for a in def.audiences.iter().filter(|a| q.is_for(a.key.as_str())) {
        let report = report(a.key.as_str());
        let prefix = format!("questions.{key}.");
        let list = report
            .for_question(key)
            .map(|f| {
                let suffix = f.field.strip_prefix(&prefix).unwrap_or("title").to_owned();
                let advice = Advice {
                    level: f.level.word(),
                    must: f.level == Level::Error && report.reader == Reader::YoungPeople,
                    rule: f.rule,
                    message: f.message.clone(),
                };
                (suffix, advice)
            })
            .collect();
        out.insert(a.key.as_str().to_owned(), list);
    }
    out
}

/// [`advice_from`] with the reports made now (for a definition not yet saved).
fn advice_for(def: &SurveyDefinition, key: &str) -> BTreeMap<String, Vec<(String, Advice)>> {
    use crate::domain::easyread::{Reader, check_version};
    advice_from(def, key, |a| {
        let reader = if def.audience(a).is_some_and(|x| x.easy_read) { Reader::YoungPeople } else { Reader::Parents };
        std::sync::Arc::new(check_version(def, a, crate::i18n::DEFAULT_LANG, reader))
    })
}

/// Said before saving an edit that may change what a banked question measures.
#[derive(Serialize, Clone)]
struct BankWarning {
    asked_in: String,
    changes: Vec<String>,
    /// The banked key: the question's, or one of a grid's statements.
    key: String,
    new_key: String,
    /// Which statement of a grid the new key is for (its row, as text: row 0 is a row).
    statement: Option<String>,
}

/// One audience's box for words (an answer's label or a statement), with its advice.
fn label_field(a: &crate::domain::survey::Audience, field: Field, advice: Vec<Advice>) -> LabelField {
    LabelField { audience: a.key.as_str().to_owned(), name: a.name.clone(), reader: reader_of(a), field, advice }
}

/// Who reads an audience's words, as the advice as you type names it.
fn reader_of(a: &crate::domain::survey::Audience) -> &'static str {
    if a.easy_read { "young-people" } else { "parents" }
}

/// Pictures to choose from: Heard's own, then the partnership's.
fn symbol_choices(partnership: &[media::ImageMeta], selected: &str) -> Vec<Choice> {
    let mut out = vec![Choice { value: String::new(), text: "No picture".into(), selected: selected.is_empty() }];
    for name in crate::templates::Templates::symbol_names() {
        out.push(Choice { selected: name == selected, text: format!("{name} (Heard's)"), value: name });
    }
    for img in partnership {
        out.push(Choice {
            selected: img.name == selected,
            text: format!("{} (yours)", img.name),
            value: img.name.clone(),
        });
    }
    out
}

fn polarity_choices(selected: &str) -> Vec<Choice> {
    [
        (Polarity::Positive, "Positive"),
        (Polarity::Neutral, "Neutral"),
        (Polarity::Negative, "Negative"),
        (Polarity::Excluded, "Left out (don't know, not for me)"),
    ]
    .iter()
    .map(|(p, t)| Choice { value: p.as_str().to_owned(), text: (*t).to_owned(), selected: p.as_str() == selected })
    .collect()
}

/// What the view needs besides the draft: the partnership's framework and pictures.
struct Context {
    framework: framework::Framework,
    images: Vec<media::ImageMeta>,
    /// The wave's responses: with any, only the words people read may change.
    responses: i64,
    /// What co-design reviewers said about the question, per audience.
    feedback: BTreeMap<String, crate::models::review::QuestionFeedback>,
    /// The easy-read checker's advice on the saved question, per audience.
    advice: BTreeMap<String, Vec<(String, Advice)>>,
    /// For a grid: the advice on each statement (by its key), per audience.
    statement_advice: BTreeMap<String, BTreeMap<String, Vec<(String, Advice)>>>,
}

async fn context(state: &AppState, w: &OwnedWave, editing: Option<&str>) -> Result<Context, AppError> {
    // The checker's reports come from the cache while the definition is unchanged.
    let (advice, statement_advice) = match editing {
        Some(k) => {
            let wave = state.wave(&w.row.slug).await?.ok_or_else(crate::routes::staff::not_found)?;
            let report = |a: &str| state.easy_read(&wave, a, crate::i18n::DEFAULT_LANG);
            let statements = wave
                .definition
                .grid_statements(k)
                .map(|st| (st.key.to_string(), advice_from(&wave.definition, st.key.as_str(), report)))
                .collect();
            (advice_from(&wave.definition, k, report), statements)
        }
        None => (BTreeMap::new(), BTreeMap::new()),
    };
    let (pid, wave) = (w.partnership_id.clone(), w.row.id.clone());
    let asked: Vec<String> = editing.and_then(|k| w.def.question(k)).map(|q| q.audiences.clone()).unwrap_or_default();
    let key = editing.unwrap_or("").to_owned();
    state
        .db
        .run(move |c| -> Result<Context, AppError> {
            Ok(Context {
                framework: framework::framework(c, &pid)?,
                images: media::list_images(c, &pid)?,
                responses: crate::models::survey::response_count(c, &wave)?,
                feedback: asked
                    .iter()
                    .map(|a| Ok((a.clone(), crate::models::review::on_question(c, &wave, a, &key)?)))
                    .collect::<Result<_, AppError>>()?,
                advice,
                statement_advice,
            })
        })
        .await
}

#[allow(clippy::too_many_arguments)]
fn view(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    ctx: &Context,
    editing: Option<&str>,
    draft: &QuestionDraft,
    version: &str,
    errors: &[FieldError],
    general: Option<String>,
) -> QuestionView {
    let def: &SurveyDefinition = &w.def;
    let advice = &ctx.advice;
    let advice_on = |aud: &str, suffix: &str| -> Vec<Advice> {
        advice
            .get(aud)
            .map(|l| l.iter().filter(|(s, _)| s == suffix).map(|(_, a)| a.clone()).collect())
            .unwrap_or_default()
    };
    let stored = editing.and_then(|k| def.question(k));
    let value_at = |i: usize| stored.and_then(|q| q.options.get(i)).map(|o| o.value.clone()).unwrap_or_default();
    let error = |f: &str| errors.iter().find(|e| e.field == f).map(|e| e.message.clone());
    let field = |f: &str, v: &str| Field { value: v.to_owned(), error: error(f) };
    let kind = QuestionKind::parse(&draft.kind).unwrap_or(QuestionKind::ShortText);
    let heard_scale: Vec<&'static str> = match kind {
        QuestionKind::FaceScale => crate::domain::survey::FACE_LABELS.to_vec(),
        QuestionKind::YesSometimesNo => vec!["Yes", "Sometimes", "No"],
        _ => vec![],
    };
    let audiences: Vec<AudienceColumn> = def
        .audiences
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let k = a.key.as_str();
            let words = draft.wording.get(k).cloned().unwrap_or_default();
            AudienceColumn {
                key: k.to_owned(),
                name: a.name.clone(),
                easy_read: a.easy_read,
                asked: draft.asked.iter().any(|x| x == k),
                first: n == 0,
                title: field(&format!("title-{k}"), &words.title),
                hint: field(&format!("hint-{k}"), &words.hint),
                scale: heard_scale
                    .iter()
                    .enumerate()
                    .map(|(i, heard)| ScaleField {
                        i,
                        heard,
                        field: field(&format!("scale-{k}-{i}"), words.scale.get(i).map_or(*heard, String::as_str)),
                        advice: advice_on(k, &format!("options.{}", value_at(i))),
                    })
                    .collect(),
                title_advice: advice_on(k, "title"),
                hint_advice: advice_on(k, "hint"),
                other_advice: advice_on(k, "options"),
                feedback: ctx.feedback.get(k).filter(|f| f.yes + f.not_sure + f.no > 0).cloned(),
            }
        })
        .collect();
    // Routing: the answers of the choice questions before this one.
    let before: Vec<&crate::domain::survey::Question> = match editing {
        Some(key) => def.questions.iter().take_while(|q| q.key.as_str() != key && q.grid_key() != Some(key)).collect(),
        None => def.questions.iter().collect(),
    };
    let mut routes: Vec<RouteGroup> = before
        .iter()
        .filter(|q| q.kind.has_options())
        .map(|q| {
            let first = q.audiences.first().map_or("", String::as_str);
            RouteGroup {
                question: q.key.as_str().to_owned(),
                title: q.wording(first).map_or_else(|| q.key.to_string(), |w| w.title.clone()),
                answers: q
                    .options
                    .iter()
                    .map(|o| {
                        let value = format!("{}={}", q.key, o.value);
                        RouteAnswer {
                            id: format!("route-{}-{}", q.key, o.value),
                            checked: draft.show_if.contains(&value),
                            value,
                            label: o.label(first).to_owned(),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    // The error summary links to the first box.
    if let Some(first) = routes.first_mut().and_then(|g| g.answers.first_mut()) {
        first.id = "show_if".into();
    }
    let tag_group = |name: &'static str, legend: &'static str, items: &[framework::Item], chosen: &[String]| TagGroup {
        name,
        legend,
        tags: items
            .iter()
            .filter(|i| !i.archived || chosen.contains(&i.code))
            .map(|i| TagChoice {
                id: format!("tag-{name}-{}", i.code),
                checked: chosen.contains(&i.code),
                code: i.code.clone(),
                text: i.text.clone(),
            })
            .collect(),
    };
    let options: Vec<OptionRow> = draft
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| OptionRow {
            i,
            value: field(&format!("opt-{i}-value"), &o.value),
            labels: def
                .audiences
                .iter()
                .map(|a| {
                    label_field(
                        a,
                        field(
                            &format!("opt-{i}-label-{}", a.key),
                            o.labels.get(a.key.as_str()).map_or("", String::as_str),
                        ),
                        if o.value.is_empty() {
                            Vec::new()
                        } else {
                            advice_on(a.key.as_str(), &format!("options.{}", o.value))
                        },
                    )
                })
                .collect(),
            polarities: polarity_choices(if o.polarity.is_empty() { "neutral" } else { &o.polarity }),
            polarity_error: error(&format!("opt-{i}-polarity")),
            score: field(&format!("opt-{i}-score"), &o.score),
            symbols: symbol_choices(&ctx.images, &o.symbol),
        })
        .collect();
    let mut links: Vec<Link> = general.iter().map(|g| Link { href: "#key".into(), text: g.clone() }).collect();
    links.extend(errors.iter().map(|e| Link { href: format!("#{}", e.field), text: e.message.clone() }));
    let slug = w.row.slug.clone();
    let title = match editing {
        Some(k) => format!("Edit question {k}"),
        None => "Add a question".to_owned(),
    };
    let is_grid = draft.is_grid();
    let statements: Vec<StatementRow> = draft
        .statements
        .iter()
        .enumerate()
        .map(|(j, st)| {
            let st_advice = ctx.statement_advice.get(st.key.as_str());
            StatementRow {
                j,
                n: j + 1,
                key: field(&format!("st-{j}-key"), &st.key),
                texts: def
                    .audiences
                    .iter()
                    .map(|a| {
                        label_field(
                            a,
                            field(
                                &format!("st-{j}-text-{}", a.key),
                                st.words.get(a.key.as_str()).map_or("", String::as_str),
                            ),
                            st_advice
                                .and_then(|m| m.get(a.key.as_str()))
                                .map(|l| l.iter().filter(|(s, _)| s == "title").map(|(_, a)| a.clone()).collect())
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
                symbols: symbol_choices(&ctx.images, &st.symbol),
                alt: field(&format!("st-{j}-alt"), &st.symbol_alt),
            }
        })
        .collect();
    let mut page = who.page(req, state, title).back(format!("/staff/waves/{slug}/build")).with_error(!links.is_empty());
    page.scripts.extend(Some(state.templates.script_url("builder")).filter(|u| !u.is_empty()));
    QuestionView {
        page,
        csrf: csrf(state, req),
        version: version.to_owned(),
        action: match editing {
            Some(k) => format!("/staff/waves/{slug}/build/{k}"),
            None => format!("/staff/waves/{slug}/build/new"),
        },
        adding: editing.is_none(),
        kind: if is_grid { crate::domain::survey::GRID_TYPE.to_owned() } else { kind.as_str().to_owned() },
        kind_name: if is_grid { super::wave::GRID_NAME } else { super::wave::kind_name(kind) },
        kinds: kind_choices(Some(kind), is_grid),
        key: field("key", &draft.key),
        ask_error: error("ask"),
        has_scale: !heard_scale.is_empty(),
        has_options: is_grid || matches!(kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice),
        is_text: kind.is_text(),
        is_number: kind == QuestionKind::Number,
        rows: options.len(),
        options,
        audiences,
        required: draft.required,
        max_length: field("max_length", &draft.max_length),
        min: field("min", &draft.min),
        max: field("max", &draft.max),
        whole_number: draft.whole_number,
        routes,
        show_if_error: error("show_if"),
        tags: vec![
            tag_group("priority", "Priorities", &ctx.framework.priorities, &draft.priorities),
            tag_group("value", "Values", &ctx.framework.values, &draft.values),
            tag_group("outcome", "Outcome statements", &ctx.framework.outcomes, &draft.outcomes),
        ],
        symbols: symbol_choices(&ctx.images, &draft.symbol),
        symbol_alt: field("symbol_alt", &draft.symbol_alt),
        errors: links,
        notice: None,
        bank_warning: None,
        locked: ctx.responses > 0,
        responses: ctx.responses,
        has_symbol: !draft.symbol.is_empty(),
        fixed: stored
            .or_else(|| editing.and_then(|k| def.grid_statements(k).next()))
            .map(|q| fixed_summary(def, q))
            .unwrap_or_default(),
        is_grid,
        st_rows: statements.len(),
        statements,
        symbol_advice: def.audiences.iter().flat_map(|a| advice_on(a.key.as_str(), "symbol")).collect(),
        must_fix: advice
            .iter()
            .flat_map(|(aud, list)| {
                list.iter().filter(|(_, a)| a.must).map(move |(suffix, a)| {
                    let href = match suffix.as_str() {
                        "hint" => format!("#hint-{aud}"),
                        "symbol" => "#symbol".to_owned(),
                        _ => format!("#title-{aud}"),
                    };
                    Link { href, text: format!("{}: {}", a.rule, a.message) }
                })
            })
            .collect(),
        slug,
    }
}

/// The draft a posted form describes.
fn read_draft(f: &Form, def: &SurveyDefinition) -> QuestionDraft {
    let get = |k: &str| f.get(k).unwrap_or("").to_owned();
    let rows = f.get("rows").and_then(|r| r.parse::<usize>().ok()).unwrap_or(0).min(MAX_ROWS);
    let all = |k: &str| f.all(k).into_iter().map(str::to_owned).collect::<Vec<_>>();
    QuestionDraft {
        key: get("key"),
        kind: get("type"),
        asked: all("ask"),
        wording: def
            .audiences
            .iter()
            .map(|a| {
                let k = a.key.as_str();
                let scale = (0..5).map_while(|i| f.get(&format!("scale-{k}-{i}")).map(str::to_owned)).collect();
                (
                    k.to_owned(),
                    DraftWording { title: get(&format!("title-{k}")), hint: get(&format!("hint-{k}")), scale },
                )
            })
            .collect(),
        options: (0..rows)
            .map(|i| DraftOption {
                value: get(&format!("opt-{i}-value")),
                labels: def
                    .audiences
                    .iter()
                    .map(|a| (a.key.as_str().to_owned(), get(&format!("opt-{i}-label-{}", a.key))))
                    .collect::<BTreeMap<_, _>>(),
                polarity: get(&format!("opt-{i}-polarity")),
                score: get(&format!("opt-{i}-score")),
                symbol: get(&format!("opt-{i}-symbol")),
            })
            .collect(),
        required: f.get("required").is_some(),
        max_length: get("max_length"),
        min: get("min"),
        max: get("max"),
        whole_number: f.get("whole_number").is_some(),
        show_if: all("show_if"),
        priorities: all("priority"),
        values: all("value"),
        outcomes: all("outcome"),
        symbol: get("symbol"),
        symbol_alt: get("symbol_alt"),
        statements: (0..f.get("st_rows").and_then(|r| r.parse::<usize>().ok()).unwrap_or(0).min(MAX_ROWS))
            .map(|j| DraftStatement {
                key: get(&format!("st-{j}-key")),
                words: def
                    .audiences
                    .iter()
                    .map(|a| (a.key.as_str().to_owned(), get(&format!("st-{j}-text-{}", a.key))))
                    .collect(),
                symbol: get(&format!("st-{j}-symbol")),
                symbol_alt: get(&format!("st-{j}-alt")),
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub(super) async fn new_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<NewQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let w = buildable(&state, &who, &path).await?;
    let kind = q.kind.as_deref().and_then(QuestionKind::parse).unwrap_or(QuestionKind::SingleChoice);
    let ctx = context(&state, &w, None).await?;
    let draft = if q.kind.as_deref() == Some(crate::domain::survey::GRID_TYPE) {
        QuestionDraft::blank_grid(&w.def.audiences)
    } else {
        QuestionDraft::blank(kind, &w.def.audiences)
    };
    let view = view(&state, &req, &who, &w, &ctx, None, &draft, &w.row.definition_hash, &[], None);
    render(&state, StatusCode::OK, "staff/build_question", &view)
}

#[derive(Deserialize)]
pub(super) struct EditQuery {
    said: Option<String>,
}

pub(super) async fn edit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: web::Query<EditQuery>,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (slug, key) = path.into_inner();
    let w = buildable(&state, &who, &slug).await?;
    let draft = match w.def.question(&key) {
        Some(q) if q.grid.is_none() => QuestionDraft::from_question(q),
        // A statement's address opens its grid.
        Some(q) => {
            let grid = q.grid_key().unwrap_or_default().to_owned();
            return Ok(see_other(format!("/staff/waves/{slug}/build/{grid}")));
        }
        None => QuestionDraft::from_grid(&w.def, &key).ok_or_else(crate::routes::staff::not_found)?,
    };
    let ctx = context(&state, &w, Some(&key)).await?;
    let mut view = view(&state, &req, &who, &w, &ctx, Some(&key), &draft, &w.row.definition_hash, &[], None);
    match q.said.as_deref() {
        Some("saved") => {
            view.notice =
                Some("Saved. The easy-read checker has advice on these words: it is beside each field below.".into());
        }
        Some("suggestion") => view.notice = Some("Saved: the question now uses the reviewer's words.".into()),
        _ => {}
    }
    render(&state, StatusCode::OK, "staff/build_question", &view)
}

pub(super) async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let f = read_checked(&state, &req, body).await?;
    let w = buildable(&state, &who, &path).await?;
    submit(&state, &req, &who, &w, None, &f).await
}

pub(super) async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Payload,
    who: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (f, w, key) = super::posted(&state, &req, path, body, &who).await?;
    if build::span(&w.def, &key).is_err() {
        return Err(crate::routes::staff::not_found());
    }
    submit(&state, &req, &who, &w, Some(&key), &f).await
}

async fn submit(
    state: &AppState,
    req: &HttpRequest,
    who: &SignedIn,
    w: &OwnedWave,
    editing: Option<&str>,
    f: &Form,
) -> Result<HttpResponse, AppError> {
    let mut draft = read_draft(f, &w.def);
    let version = f.get("version").unwrap_or("").to_owned();
    let ctx = context(state, w, editing).await?;
    if ctx.responses > 0 {
        // Only the words people read may change: everything else is the saved question's.
        let stored = editing.and_then(|k| {
            w.def
                .question(k)
                .filter(|q| q.grid.is_none())
                .map(QuestionDraft::from_question)
                .or_else(|| QuestionDraft::from_grid(&w.def, k))
        });
        let Some(mut kept) = stored else {
            return Err(AppError::Conflict(
                format!("This wave has {} responses, so no question can be added to it. Start next year's wave to add questions.", ctx.responses).into(),
            ));
        };
        for (st, typed) in kept.statements.iter_mut().zip(&draft.statements) {
            for (a, words) in &mut st.words {
                if let Some(t) = typed.words.get(a) {
                    words.clone_from(t);
                }
            }
            if !st.symbol.is_empty() {
                st.symbol_alt.clone_from(&typed.symbol_alt);
            }
        }
        for (a, words) in &mut kept.wording {
            if let Some(typed) = draft.wording.get(a) {
                words.title.clone_from(&typed.title);
                words.hint.clone_from(&typed.hint);
            }
        }
        if !kept.symbol.is_empty() {
            kept.symbol_alt.clone_from(&draft.symbol_alt);
        }
        draft = kept;
    }
    let again =
        |draft: &QuestionDraft, errors: &[FieldError], general: Option<String>, status: StatusCode, version: String| {
            let v = view(state, req, who, w, &ctx, editing, draft, &version, errors, general);
            render(state, status, "staff/build_question", &v)
        };
    match f.get("action") {
        Some("more") => {
            let n = (draft.options.len() + 3).min(MAX_ROWS);
            draft.options.resize(n, DraftOption { polarity: "neutral".into(), ..DraftOption::default() });
            return again(&draft, &[], None, StatusCode::OK, version);
        }
        Some("more-statements") => {
            let n = (draft.statements.len() + 3).min(MAX_ROWS);
            draft.statements.resize(n, DraftStatement::default());
            return again(&draft, &[], None, StatusCode::OK, version);
        }
        Some("retype") if f.get("new_type") == Some(crate::domain::survey::GRID_TYPE) => {
            let blank = QuestionDraft::blank_grid(&w.def.audiences);
            draft.kind = blank.kind;
            if draft.options.iter().all(|o| o.labels.values().all(|l| l.trim().is_empty())) {
                draft.options = blank.options;
            }
            if draft.statements.is_empty() {
                draft.statements = blank.statements;
            }
            return again(&draft, &[], None, StatusCode::OK, version);
        }
        Some("retype") => {
            let kind = QuestionKind::parse(f.get("new_type").unwrap_or("")).unwrap_or(QuestionKind::ShortText);
            let blank = QuestionDraft::blank(kind, &w.def.audiences);
            draft.kind = kind.as_str().to_owned();
            draft.statements.clear();
            for (a, words) in &mut draft.wording {
                words.scale = blank.wording.get(a).map(|b| b.scale.clone()).unwrap_or_default();
            }
            if draft.options.is_empty() {
                draft.options = blank.options;
            }
            return again(&draft, &[], None, StatusCode::OK, version);
        }
        Some("save" | "save-same" | "new-key") | None => {}
        Some(_) => return Err(AppError::BadRequest("That button is not one Heard knows.".into())),
    }
    let action = f.get("action").unwrap_or("save");
    if action == "new-key" {
        let new_key = f.get("new_key").unwrap_or("").to_owned();
        // A grid's statement, or the question itself.
        match f.get("new_key_for").and_then(|j| j.parse::<usize>().ok()) {
            Some(j) if j < draft.statements.len() => draft.statements[j].key = new_key,
            _ => draft.key = new_key,
        }
    }
    let questions = match draft.to_questions(&w.def.audiences, state.settings.max_text_graphemes) {
        Ok(q) => q,
        Err(errors) => return again(&draft, &errors, None, StatusCode::BAD_REQUEST, version),
    };
    // A banked question whose measure this save would change: say so first, and offer a new key.
    if action == "save" {
        let waves = super::bank::waves_of(state, who).await?;
        let banked = super::bank::banked(&waves);
        for question in &questions {
            let here = w.def.question(question.key.as_str()).filter(|_| editing.is_some());
            let Some((then, old)) = bank::latest(&banked, question.key.as_str(), &w.row.slug) else { continue };
            if here.is_some_and(|h| bank::measure_changes(h, question).is_empty()) {
                continue;
            }
            let changes = bank::measure_changes(old, question);
            if changes.is_empty() {
                continue;
            }
            let taken = |k: &str| banked.iter().any(|b| b.def.question(k).is_some());
            let base = format!("{}-{}", question.key, build::suggest_slug(&w.row.label));
            let mut new_key = base.clone();
            let mut n = 2;
            while taken(&new_key) {
                new_key = format!("{base}-{n}");
                n += 1;
            }
            let statement = if draft.is_grid() {
                draft
                    .statements
                    .iter()
                    .position(|st| {
                        st.key.trim() == question.key.as_str() || (st.key.trim().is_empty() && question.grid.is_some())
                    })
                    .map(|j| j.to_string())
            } else {
                None
            };
            let mut v = view(state, req, who, w, &ctx, editing, &draft, &version, &[], None);
            v.bank_warning = Some(BankWarning {
                asked_in: format!("{} {}", then.series, then.label),
                changes,
                key: question.key.to_string(),
                new_key,
                statement,
            });
            return render(state, StatusCode::OK, "staff/build_question", &v);
        }
    }
    let Some(head) = questions.first() else {
        return again(&draft, &[], None, StatusCode::BAD_REQUEST, version);
    };
    let key = head.grid_key().unwrap_or(head.key.as_str()).to_owned();
    let statement_keys: Vec<String> = questions.iter().map(|q| q.key.to_string()).collect();
    let def = match build::put_questions(&w.def, editing, questions) {
        Ok(d) => d,
        Err(e) => {
            let errors = [FieldError { field: "key".into(), message: e.to_string() }];
            return again(&draft, &errors, None, StatusCode::BAD_REQUEST, version);
        }
    };
    let change = match editing {
        Some(old) => serde_json::json!({"edited": old, "key": key}),
        None => serde_json::json!({"added": key}),
    };
    // Saved words the easy-read checker has advice on: back to the question, advice beside each field.
    let advised =
        statement_keys.iter().any(|k| advice_for(&def, k).values().flatten().any(|(_, a)| a.level != "look at"));
    match super::save(state, who, w, &version, def, change).await? {
        Ok(()) if advised => Ok(see_other(format!("/staff/waves/{}/build/{key}?said=saved", w.row.slug))),
        Ok(()) => Ok(see_other(format!("/staff/waves/{}/build?said=saved#q-{key}", w.row.slug))),
        Err(Refusal::Problems(problems)) => {
            let errors: Vec<FieldError> = problems
                .iter()
                .map(|p| FieldError { field: build::field_of(&p.field), message: p.message.clone() })
                .collect();
            again(&draft, &errors, None, StatusCode::BAD_REQUEST, version)
        }
        Err(r @ Refusal::Stale(_)) => {
            // Shown with what they typed, and made from the version saved now: saving again
            // puts their words over it, knowingly.
            let slug = w.row.slug.clone();
            let now = state
                .db
                .run(move |c| crate::models::survey::find_wave(c, &slug).map_err(AppError::from))
                .await?
                .map_or(version, |row| row.definition_hash);
            again(&draft, &[], Some(r.message()), StatusCode::CONFLICT, now)
        }
        Err(r) => again(&draft, &[], Some(r.message()), StatusCode::CONFLICT, version),
    }
}
