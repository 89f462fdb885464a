//! The evidence pack as files: CSV (one row per index and question, figures as Heard computed
//! them, every typed cell made inert) and Word (a heading per priority, then its rating,
//! outcomes, what the survey shows, themes and quotes). The content is `report::EvidenceData`,
//! the same the page shows.

use super::{Block, Cell, DocTable, ExportError, brag_colours, docx};
use crate::report::EvidenceData;

/// The pack as CSV (UTF-8 with a BOM, so Excel reads it).
pub fn evidence_csv(pack: &EvidenceData) -> Result<Vec<u8>, ExportError> {
    write_csv(pack).map_err(|e| ExportError { format: "CSV", message: e.to_string() })
}

fn write_csv(pack: &EvidenceData) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        // Every cell people typed goes through `neutralise_cell`, header cells (which carry
        // wave labels) too: a label such as `=HYPERLINK(...)` must never become a formula.
        // Figures Heard computed (shares, counts, changes such as "+13") are written as they are.
        let cell = |s: &str| crate::models::export::neutralise_cell(s).into_owned();
        let (a, b) = (&pack.years[0], &pack.years[1]);
        w.write_record(
            [
                "priority".to_owned(),
                "kind".into(),
                "item".into(),
                format!("{a} positive"),
                format!("{a} answers"),
                format!("{b} positive"),
                format!("{b} answers"),
                "change".into(),
                "range".into(),
                "verdict".into(),
                "suggested BRAG".into(),
                "staff BRAG".into(),
            ]
            .iter()
            .map(|h| cell(h)),
        )?;
        for p in &pack.priorities {
            let staff = p.staff.as_ref().map(|s| s.rating.clone()).unwrap_or_default();
            if let Some(i) = &p.index {
                w.write_record([
                    cell(&p.code),
                    "index".into(),
                    cell(&i.label),
                    i.years[0].pct.clone(),
                    if i.years[0].withheld { "[c]".to_owned() } else { i.years[0].n.to_string() },
                    i.years[1].pct.clone(),
                    if i.years[1].withheld { "[c]".to_owned() } else { i.years[1].n.to_string() },
                    i.change.clone(),
                    i.range.clone(),
                    String::new(),
                    p.suggested.to_owned(),
                    cell(&staff),
                ])?;
            }
            for q in &p.questions {
                w.write_record([
                    cell(&p.code),
                    "question".into(),
                    cell(&q.text),
                    q.years[0].pct.clone(),
                    if q.years[0].withheld { "[c]".to_owned() } else { q.years[0].n.to_string() },
                    q.years[1].pct.clone(),
                    if q.years[1].withheld { "[c]".to_owned() } else { q.years[1].n.to_string() },
                    q.change.clone(),
                    q.range.clone(),
                    q.verdict.to_owned(),
                    p.suggested.to_owned(),
                    cell(&staff),
                ])?;
            }
        }
        w.flush()?;
    }
    Ok(out)
}

/// The pack as a Word document with real heading styles.
pub fn evidence_docx(pack: &EvidenceData) -> Result<Vec<u8>, ExportError> {
    let title = format!("{}: evidence pack, {} and {}", pack.partnership, pack.years[0], pack.years[1]);
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::Para(format!("{} compared for {}: {}.", pack.series, pack.audience, pack.summary)),
        Block::Heading1("Summary for the board".into()),
    ];
    // The one-page summary first: a table of each priority, its rating in words on its
    // colour, and its main changes (declines first).
    blocks.push(Block::Table(DocTable {
        header: vec!["Priority".into(), "Rating".into(), "Main changes".into()],
        widths: vec![34, 16, 50],
        small: false,
        rows: pack
            .board
            .iter()
            .map(|b| {
                let who = if b.by_staff { "set by staff" } else { "suggested" };
                let changes = if b.changes.is_empty() {
                    "No clear change in its questions.".to_owned()
                } else {
                    b.changes.join("; ") + "."
                };
                vec![
                    Cell::text(format!("{}: {}", b.code, b.title)),
                    Cell {
                        text: format!("{} ({who})", b.rating),
                        fill: brag_colours(&b.rating).map(|(f, i)| (f.to_owned(), i.to_owned())),
                        bold: true,
                    },
                    Cell::text(changes),
                ]
            })
            .collect(),
    }));
    for p in &pack.priorities {
        blocks.push(Block::Heading1(format!("{}: {}", p.code, p.title)));
        let rating = match &p.staff {
            Some(s) => format!("Rating: {} (set by staff: {}). Suggested: {}.", s.rating, s.note, p.suggested),
            None => format!("Suggested rating: {}. {}", p.suggested, p.suggested_meaning),
        };
        blocks.push(Block::Para(rating));
        if !p.outcomes.is_empty() {
            blocks.push(Block::Heading2("What will children, young people and families see?".into()));
            blocks.extend(p.outcomes.iter().map(|o| Block::Para(o.clone())));
        }
        blocks.push(Block::Heading2("What the survey shows".into()));
        if let Some(i) = &p.index {
            blocks.push(Block::Para(i.sentence.clone()));
        }
        for q in &p.questions {
            blocks.push(Block::Para(format!("{} {}", q.text, q.sentence)));
            if let Some(f) = &q.footnote {
                blocks.push(Block::Caption(format!("Note: {f}")));
            }
        }
        if !p.themes.is_empty() {
            blocks.push(Block::Heading2("What people wrote about most".into()));
            blocks.extend(p.themes.iter().map(|t| Block::Para(format!("{} ({} answers)", t.theme, t.answers))));
        }
        if !p.quotes.is_empty() {
            blocks.push(Block::Heading2("In their words".into()));
            for q in &p.quotes {
                blocks.push(Block::Quote(format!("“{}”", q.quote)));
                blocks.push(Block::Caption(format!("{}, {}", q.audience.replace('-', " "), q.wave_label)));
            }
        }
    }
    docx(&title, &blocks)
}
