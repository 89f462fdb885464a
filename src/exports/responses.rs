//! A wave's responses and its published tables as files.
//!
//! **Responses**: one row per response, one column per question key (grid statements
//! included), as CSV or XLSX, answers as stored values or as the labels the respondent saw
//! (in their audience's wording). Written answers are in the file only for roles that may
//! read them; otherwise their columns are left out and the data dictionary says so. Rows are
//! written a batch at a time (`ResponseRows::csv_batch`, `ResponsesXlsx::push`): the CSV
//! goes out as it is written, the XLSX through rust_xlsxwriter's constant-memory worksheets
//! (rows spill to a temporary file), so memory does not grow with the wave.
//!
//! **Data dictionary**: every question's key, type, wording per audience and language,
//! options with their values, polarity and score, tags, and the waves of the series that
//! asked it; a sheet of the XLSX, or its own CSV.
//!
//! **Published tables**: a wave's results (`stats::results::figures`) in long form, one row
//! per question, group and answer, with the Government Statistical Service symbols for what
//! is not shown (`[c]`, `[low]`, `[x]`, `[z]`), never a blank or an asterisk.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::ExportError;
use crate::domain::survey::{Question, QuestionKind, SurveyDefinition};
use crate::models::export::{ExportRecord, ExportValue, neutralise_cell};
use crate::stats::results::{Cell, Figures, QuestionFigures};

/// What goes in a responses file.
#[derive(Debug, Clone)]
pub struct ResponseRows<'a> {
    questions: Vec<&'a Question>,
    labels: bool,
}

/// One value in a file, borrowed from its record where it can be.
enum Out<'r> {
    Text(Cow<'r, str>),
    Number(f64),
    Blank,
}

const FIXED: [&str; 5] = ["wave", "audience", "channel", "submitted_on", "consent_to_quote"];

impl<'a> ResponseRows<'a> {
    /// `labels`: answers as the labels people saw (else the stored values); `words`: whether
    /// written answers may be in the file.
    pub fn new(def: &'a SurveyDefinition, labels: bool, words: bool) -> Self {
        let questions = def.questions.iter().filter(|q| words || !q.kind.is_text()).collect();
        ResponseRows { questions, labels }
    }

    /// The column headings: the fixed ones, then each question key in the survey's order.
    pub fn header(&self) -> Vec<String> {
        FIXED.iter().map(|s| (*s).to_owned()).chain(self.questions.iter().map(|q| q.key.to_string())).collect()
    }

    fn label<'r>(&'r self, q: &'r Question, audience: &str, value: &'r str) -> Cow<'r, str> {
        if !self.labels {
            return Cow::Borrowed(value);
        }
        Cow::Borrowed(q.option(value).map_or(value, |o| o.label(audience)))
    }

    fn cells<'r>(&'r self, r: &'r ExportRecord) -> Vec<Out<'r>> {
        let mut out = Vec::with_capacity(FIXED.len() + self.questions.len());
        out.extend([
            Out::Text(Cow::Borrowed(&r.wave)),
            Out::Text(Cow::Borrowed(&r.audience)),
            Out::Text(Cow::Borrowed(&r.channel)),
            Out::Text(Cow::Borrowed(&r.submitted_on)),
            Out::Text(Cow::Borrowed(if r.consent_to_quote { "yes" } else { "no" })),
        ]);
        for q in &self.questions {
            out.push(match r.answers.get(q.key.as_str()) {
                None => Out::Blank,
                Some(ExportValue::Number(n)) => Out::Number(*n),
                Some(ExportValue::One(v)) if q.kind.has_options() => Out::Text(self.label(q, &r.audience, v)),
                Some(ExportValue::One(v)) => Out::Text(Cow::Borrowed(v)),
                Some(ExportValue::Many(vs)) => Out::Text(Cow::Owned(
                    vs.iter().map(|v| self.label(q, &r.audience, v)).collect::<Vec<_>>().join("; "),
                )),
            });
        }
        out
    }

    /// The CSV's first bytes: a byte-order mark (so Excel reads UTF-8) and the headings.
    pub fn csv_start(&self) -> Result<Vec<u8>, ExportError> {
        let mut out = Vec::from("\u{feff}".as_bytes());
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(self.header()).map_err(|e| super::err("CSV")(e.to_string()))?;
            w.flush().map_err(|e| super::err("CSV")(e.to_string()))?;
        }
        Ok(out)
    }

    /// One batch of records as CSV rows. A text that a spreadsheet would run as a formula is
    /// made inert. Cells borrow from their record; fields are written one by one.
    pub fn csv_batch(&self, records: &[ExportRecord]) -> Result<Vec<u8>, ExportError> {
        let fail = |e: csv::Error| super::err("CSV")(e.to_string());
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::with_capacity(records.len() * 192));
        for r in records {
            for c in self.cells(r) {
                match c {
                    Out::Text(t) => w.write_field(neutralise_cell(&t).as_bytes()),
                    Out::Number(n) => w.write_field(n.to_string()),
                    Out::Blank => w.write_field(""),
                }
                .map_err(fail)?;
            }
            w.write_record(None::<&[u8]>).map_err(fail)?;
        }
        w.into_inner().map_err(|e| super::err("CSV")(e.to_string()))
    }
}

fn xlsx(e: XlsxError) -> ExportError {
    super::err("XLSX")(e.to_string())
}

/// A responses workbook being written: the "Responses" sheet a batch at a time, then the
/// "Dictionary" sheet, then saved to a file.
pub struct ResponsesXlsx<'a> {
    rows: ResponseRows<'a>,
    book: Workbook,
    next: u32,
}

impl<'a> ResponsesXlsx<'a> {
    /// Starts the workbook; `tmp` holds the rows spilled to disk.
    pub fn new(rows: ResponseRows<'a>, tmp: &std::path::Path) -> Result<Self, ExportError> {
        let mut book = Workbook::new();
        book.set_tempdir(tmp).map_err(xlsx)?;
        let bold = Format::new().set_bold();
        let sheet = book.add_worksheet_with_constant_memory();
        sheet.set_name("Responses").map_err(xlsx)?;
        for (i, h) in rows.header().iter().enumerate() {
            sheet.write_string_with_format(0, col(i)?, h, &bold).map_err(xlsx)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        Ok(ResponsesXlsx { rows, book, next: 1 })
    }

    /// Appends a batch of records.
    pub fn push(&mut self, records: &[ExportRecord]) -> Result<(), ExportError> {
        let sheet = self.book.worksheet_from_index(0).map_err(xlsx)?;
        for r in records {
            for (i, c) in self.rows.cells(r).into_iter().enumerate() {
                match c {
                    // Cells are typed as text, so nothing in them is run as a formula.
                    Out::Text(t) => sheet.write_string(self.next, col(i)?, t.as_ref()).map(|_| ()),
                    Out::Number(n) => sheet.write_number(self.next, col(i)?, n).map(|_| ()),
                    Out::Blank => Ok(()),
                }
                .map_err(xlsx)?;
            }
            self.next += 1;
        }
        Ok(())
    }

    /// Adds the dictionary sheet and writes the workbook to `path`.
    pub fn finish(mut self, dictionary: &[Vec<String>], path: &std::path::Path) -> Result<(), ExportError> {
        let bold = Format::new().set_bold().set_text_wrap();
        let wrap = Format::new().set_text_wrap();
        let sheet = self.book.add_worksheet();
        sheet.set_name("Dictionary").map_err(xlsx)?;
        for (r, row) in dictionary.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let f = if r == 0 { &bold } else { &wrap };
                sheet.write_string_with_format(u32::try_from(r).unwrap_or(u32::MAX), col(i)?, v, f).map_err(xlsx)?;
            }
        }
        for (i, w) in [18, 16, 16, 10, 48, 40, 22, 22, 22, 22].iter().enumerate() {
            sheet.set_column_width(col(i)?, *w).map_err(xlsx)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        self.book.save(path).map_err(xlsx)
    }
}

fn col(i: usize) -> Result<u16, ExportError> {
    u16::try_from(i).map_err(|_| super::err("XLSX")("more columns than a spreadsheet holds".into()))
}

/// The data dictionary: a heading row, then one row per question, audience and language.
/// `asked_in`: question key → the labels of the waves of the series that asked it. `words`:
/// whether written answers are in the file this dictionary goes with.
pub fn dictionary(def: &SurveyDefinition, asked_in: &BTreeMap<String, Vec<String>>, words: bool) -> Vec<Vec<String>> {
    let mut out = vec![
        [
            "key",
            "type",
            "audience",
            "language",
            "wording",
            "options (value = label)",
            "polarity",
            "score",
            "tags",
            "waves that asked it",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<String>>(),
    ];
    for q in &def.questions {
        let kind =
            if q.grid.is_some() { format!("{} (grid statement)", q.kind.as_str()) } else { q.kind.as_str().into() };
        let mut tags: Vec<String> = Vec::new();
        tags.extend(q.priorities.iter().map(|c| format!("priority {c}")));
        tags.extend(q.values.iter().map(|c| format!("value {c}")));
        tags.extend(q.outcomes.iter().map(|c| format!("outcome {c}")));
        let waves = asked_in.get(q.key.as_str()).map(|w| w.join("; ")).unwrap_or_default();
        for audience in &q.audiences {
            for lang in def.languages_for(audience) {
                let wording = def.wording_in(q, audience, &lang);
                let mut title = wording.title.clone();
                if let Some(g) = &q.grid {
                    title = format!("{} \u{2014} {title}", def.grid_wording_in(g, audience, &lang).title);
                }
                let options = q
                    .options
                    .iter()
                    .map(|o| format!("{} = {}", o.value, def.label_in(q, o, audience, &lang)))
                    .collect::<Vec<_>>()
                    .join("; ");
                let polarity = q
                    .options
                    .iter()
                    .map(|o| format!("{}: {}", o.value, o.polarity.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ");
                let score = q
                    .options
                    .iter()
                    .filter_map(|o| o.score.map(|s| format!("{}: {s}", o.value)))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut kind_note = kind.clone();
                if q.kind.is_text() && !words {
                    kind_note.push_str(" (not in this file: written answers are for admins and analysts)");
                }
                out.push(vec![
                    q.key.to_string(),
                    kind_note,
                    audience.clone(),
                    lang.clone(),
                    title,
                    options,
                    polarity,
                    score,
                    tags.join("; "),
                    waves.clone(),
                ]);
            }
        }
    }
    out
}

/// The dictionary as CSV.
pub fn dictionary_csv(rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    table_csv(rows)
}

fn table_csv(rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        for r in rows {
            let safe: Vec<String> = r.iter().map(|c| neutralise_cell(c).into_owned()).collect();
            w.write_record(&safe).map_err(|e| super::err("CSV")(e.to_string()))?;
        }
        w.flush().map_err(|e| super::err("CSV")(e.to_string()))?;
    }
    Ok(out)
}

/// The symbols' key, for a published table's notes.
pub const SYMBOLS: [(&str, &str); 4] = [
    ("[c]", "Confidential: fewer than 5, or withheld so that a small figure cannot be worked out by subtraction"),
    ("[low]", "Low base: fewer than 10 people answered, so no figures are shown for this group"),
    ("[x]", "Not available"),
    ("[z]", "Not applicable (for example, a share of a median)"),
];

/// A wave's results in long form: heading row, then one row per question, group and answer.
/// `name` gives an audience key's name ("everyone" included).
pub fn results_table(
    def: &SurveyDefinition,
    figures: &[QuestionFigures],
    name: &dyn Fn(&str) -> String,
) -> Vec<Vec<String>> {
    let mut out = vec![
        ["question_key", "question", "group", "base", "answer", "count", "share_percent"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<String>>(),
    ];
    for f in figures {
        let Some(q) = def.question(&f.key) else { continue };
        let first = q.audiences.first().map_or("", String::as_str);
        let title = q.wording(first).map_or_else(|| f.key.clone(), |w| w.title.clone());
        for (group, fig) in &f.groups {
            let mut row = |base: String, answer: String, count: String, share: String| {
                out.push(vec![f.key.clone(), title.clone(), name(group), base, answer, count, share]);
            };
            let answers: Vec<String> = if q.kind.has_options() {
                q.options.iter().map(|o| o.label(first).to_owned()).collect()
            } else if q.kind == QuestionKind::Number {
                vec!["median".into(), "lower quartile".into(), "upper quartile".into()]
            } else {
                vec!["wrote an answer".into(), "sent a recording or picture".into()]
            };
            match fig {
                Figures::LowBase { .. } | Figures::Withheld => {
                    let sym = if matches!(fig, Figures::Withheld) { "[c]" } else { "[low]" };
                    for a in answers {
                        row(sym.into(), a, sym.into(), sym.into());
                    }
                }
                Figures::Choice { n, options } => {
                    for (a, (_, c)) in answers.into_iter().zip(options) {
                        let share = match c {
                            Cell::Count { share, .. } => format!("{:.1}", share * 100.0),
                            Cell::Zero => "0.0".into(),
                            Cell::FewerThan { .. } | Cell::Withheld => "[c]".into(),
                        };
                        row(n.to_string(), a, c.symbol(), share);
                    }
                }
                Figures::Number { n, median, lower, upper } => {
                    for (a, v) in answers.into_iter().zip([median, lower, upper]) {
                        row(n.to_string(), a, format!("{v}"), "[z]".into());
                    }
                }
                Figures::Words { n, written, files } => {
                    let sent_files = q.kind == QuestionKind::SayOrShow;
                    for (a, c) in answers.into_iter().zip([written, files]) {
                        let count = if !sent_files && a.starts_with("sent") { "[z]".into() } else { c.symbol() };
                        row(n.to_string(), a, count, "[z]".into());
                    }
                }
            }
        }
    }
    out
}

/// A published table as CSV (the notes are in its XLSX).
pub fn published_csv(rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    table_csv(rows)
}

/// A published table as XLSX: the table, then a notes sheet with what it shows and the key
/// to the symbols. Numbers are numbers; symbols are text.
pub fn published_xlsx(title: &str, notes: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Table").map_err(xlsx)?;
    for (r, row) in rows.iter().enumerate() {
        let r32 = u32::try_from(r).map_err(|_| super::err("XLSX")("too many rows".into()))?;
        for (i, v) in row.iter().enumerate() {
            if r == 0 {
                sheet.write_string_with_format(r32, col(i)?, v, &bold).map_err(xlsx)?;
            } else if let Ok(n) = v.parse::<f64>() {
                sheet.write_number(r32, col(i)?, n).map_err(xlsx)?;
            } else {
                sheet.write_string(r32, col(i)?, v).map_err(xlsx)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    sheet.set_column_width(1, 50).map_err(xlsx)?;
    sheet.set_column_width(2, 24).map_err(xlsx)?;
    sheet.set_column_width(4, 30).map_err(xlsx)?;
    let n = book.add_worksheet();
    n.set_name("Notes").map_err(xlsx)?;
    n.set_column_width(0, 12).map_err(xlsx)?;
    n.set_column_width(1, 100).map_err(xlsx)?;
    n.write_string_with_format(0, 0, title, &bold).map_err(xlsx)?;
    let mut r = 2u32;
    for line in notes {
        n.write_string(r, 1, line).map_err(xlsx)?;
        r += 1;
    }
    r += 1;
    n.write_string_with_format(r, 0, "Symbol", &bold).map_err(xlsx)?;
    n.write_string_with_format(r, 1, "Meaning", &bold).map_err(xlsx)?;
    for (s, m) in SYMBOLS {
        r += 1;
        n.write_string(r, 0, s).map_err(xlsx)?;
        n.write_string(r, 1, m).map_err(xlsx)?;
    }
    book.save_to_buffer().map_err(xlsx)
}
