//! The board paper: a six-weekly review laid out like Torbay's KPI report, per priority the
//! table "What will children, young people and their families see? | Rating | Evidence"
//! (each rating shaded in its level's colour with its name in black or white on it, and its
//! trail across reviews), then the measures dashboard laid out like Appendix 1. As Word
//! (`docx`, through the same blocks as the evidence pack) and as a workbook (`xlsx`: a sheet
//! of ratings and one of measures, strings always written as strings).

use serde::Serialize;

use super::{Block, Cell, DocTable, ExportError, docx, err, xml_safe};
use crate::domain::review::Colour;

/// One outcome statement's row.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeLine {
    pub code: String,
    pub statement: String,
    /// The level's name, or empty when not rated.
    pub rating: String,
    /// The level's colour (`#rrggbb`), when rated.
    pub colour: Option<String>,
    pub evidence: String,
    /// The level at the review before, if rated then.
    pub previous: String,
    /// The levels across reviews up to this one, oldest first.
    pub trail: Vec<String>,
    /// The evidence from every source tagged to it (measures, notes), in words.
    pub sources: Vec<String>,
}

/// One priority's table.
#[derive(Debug, Clone, Serialize)]
pub struct PrioritySection {
    pub heading: String,
    pub outcomes: Vec<OutcomeLine>,
}

/// One measure's line of the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureLine {
    pub reference: String,
    pub name: String,
    pub latest: String,
    pub period: String,
    pub target: String,
    pub better: String,
    pub travel: String,
    pub due: String,
    pub overdue: bool,
}

/// The whole paper.
#[derive(Debug, Clone, Serialize)]
pub struct Paper {
    pub partnership: String,
    pub title: String,
    /// "Agreed by … on …" or "Draft".
    pub status: String,
    pub scale: String,
    /// Each level of the scale: name and meaning, in order.
    pub levels: Vec<(String, String)>,
    pub changes: Vec<String>,
    /// "You said, we did": the updates published since the review before.
    pub decisions: Vec<String>,
    pub priorities: Vec<PrioritySection>,
    pub measures: Vec<MeasureLine>,
    /// The date the measures were read ("Performance snapshot").
    pub snapshot: String,
}

fn shade(colour: &Option<String>) -> Option<(String, String)> {
    let c = Colour::parse(colour.as_deref()?)?;
    let ink = c.text();
    Some((c.as_str().trim_start_matches('#').to_uppercase(), ink.as_str().trim_start_matches('#').to_uppercase()))
}

/// The last steps of a trail (a board reads the recent ones; the workbook keeps them all).
fn recent(trail: &[String]) -> String {
    const SHOWN: usize = 5;
    let start = trail.len().saturating_sub(SHOWN);
    let steps = trail[start..].join(" → ");
    if start > 0 { format!("… → {steps}") } else { steps }
}

/// The paper as Word blocks.
pub fn blocks(p: &Paper) -> Vec<Block> {
    let mut out = vec![
        Block::Title(p.title.clone()),
        Block::Para(format!("{}. {}. Rated on the scale {}.", p.partnership, p.status, p.scale)),
    ];
    if !p.levels.is_empty() {
        out.push(Block::Table(DocTable {
            header: vec!["Rating".into(), "What it means".into()],
            rows: p
                .levels
                .iter()
                .map(|(n, m)| vec![Cell { bold: true, ..Cell::text(n.clone()) }, Cell::text(m.clone())])
                .collect(),
            widths: vec![30, 70],
            small: false,
        }));
    }
    if !p.changes.is_empty() {
        out.push(Block::Heading2("Since the last review".into()));
        for c in &p.changes {
            out.push(Block::Para(c.clone()));
        }
    }
    out.push(Block::Heading2("You said, we did: decisions since the last review".into()));
    if p.decisions.is_empty() {
        out.push(Block::Para("No update was published since the last review.".into()));
    }
    for d in &p.decisions {
        out.push(Block::Para(d.clone()));
    }
    for s in &p.priorities {
        out.push(Block::Heading1(s.heading.clone()));
        out.push(Block::Table(DocTable {
            header: vec![
                "What will children, young people and their families see?".into(),
                "Rating".into(),
                "Evidence".into(),
                "Trail".into(),
            ],
            rows: s
                .outcomes
                .iter()
                .map(|o| {
                    vec![
                        Cell::text(format!("{} {}", o.code, o.statement)),
                        if o.rating.is_empty() {
                            Cell::text("Not rated")
                        } else {
                            Cell { text: o.rating.clone(), fill: shade(&o.colour), bold: true }
                        },
                        Cell::text(
                            std::iter::once(o.evidence.clone())
                                .chain(o.sources.iter().cloned())
                                .filter(|t| !t.is_empty())
                                .collect::<Vec<_>>()
                                .join(" · "),
                        ),
                        Cell::text(recent(&o.trail)),
                    ]
                })
                .collect(),
            widths: vec![34, 14, 36, 16],
            small: false,
        }));
    }
    out.push(Block::Heading1("Appendix 1: summary data dashboard".into()));
    out.push(Block::Para(format!("Performance snapshot: {}.", p.snapshot)));
    if p.measures.is_empty() {
        out.push(Block::Para("No measures yet.".into()));
    } else {
        out.push(Block::Table(DocTable {
            header: ["Ref.", "Description", "Current", "Target", "Better when", "Last data set", "Next due"]
                .map(str::to_owned)
                .to_vec(),
            rows: p
                .measures
                .iter()
                .map(|m| {
                    vec![
                        Cell::text(m.reference.clone()),
                        Cell::text(m.name.clone()),
                        Cell::text(m.latest.clone()),
                        Cell::text(m.target.clone()),
                        Cell::text(if m.travel.is_empty() {
                            m.better.clone()
                        } else {
                            format!("{} ({})", m.better, m.travel)
                        }),
                        Cell::text(m.period.clone()),
                        Cell {
                            text: format!("{}{}", m.due, if m.overdue { " (overdue)" } else { "" }),
                            bold: m.overdue,
                            ..Cell::default()
                        },
                    ]
                })
                .collect(),
            widths: vec![10, 24, 11, 10, 15, 14, 16],
            small: true,
        }));
    }
    out
}

/// The paper as a Word document.
pub fn paper_docx(p: &Paper) -> Result<Vec<u8>, ExportError> {
    docx(&p.title, &blocks(p))
}

/// The paper as a workbook: "Ratings" (one row per outcome statement) and "Measures".
pub fn paper_xlsx(p: &Paper) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = err("XLSX");
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let put = |sheet: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, text: &str, f: &Format| {
        sheet.write_string_with_format(r, c, xml_safe(text), f).map(|_| ()).map_err(|x| e(x.to_string()))
    };
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Ratings").map_err(|x| e(x.to_string()))?;
        let head = [
            "Priority",
            "Code",
            "What will children, young people and their families see?",
            "Rating",
            "Evidence",
            "At the review before",
            "Trail",
            "Other evidence",
        ];
        for (c, h) in head.iter().enumerate() {
            put(sheet, 0, c as u16, h, &bold)?;
        }
        let mut r = 1;
        for s in &p.priorities {
            for o in &s.outcomes {
                let cells = [
                    s.heading.as_str(),
                    o.code.as_str(),
                    o.statement.as_str(),
                    if o.rating.is_empty() { "Not rated" } else { o.rating.as_str() },
                    o.evidence.as_str(),
                    o.previous.as_str(),
                    &o.trail.join(" → "),
                    &o.sources.join("\n"),
                ];
                for (c, text) in cells.iter().enumerate() {
                    put(sheet, r, c as u16, text, &wrap)?;
                }
                r += 1;
            }
        }
        for (c, w) in [30, 8, 60, 16, 50, 18, 40, 60].iter().enumerate() {
            sheet.set_column_width(c as u16, *w).map_err(|x| e(x.to_string()))?;
        }
        sheet.set_freeze_panes(1, 0).map_err(|x| e(x.to_string()))?;
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Measures").map_err(|x| e(x.to_string()))?;
        let head = [
            "WSOA Reference",
            "Description",
            "Current Performance",
            "Target",
            "Better when",
            "Since the value before",
            "Last Data Set",
            "Next due",
            "Overdue",
        ];
        for (c, h) in head.iter().enumerate() {
            put(sheet, 0, c as u16, h, &bold)?;
        }
        for (i, m) in p.measures.iter().enumerate() {
            let r = i as u32 + 1;
            let cells = [&m.reference, &m.name, &m.latest, &m.target, &m.better, &m.travel, &m.period, &m.due];
            for (c, text) in cells.iter().enumerate() {
                put(sheet, r, c as u16, text, &wrap)?;
            }
            put(sheet, r, 8, if m.overdue { "Yes" } else { "No" }, &wrap)?;
        }
        for (c, w) in [16, 36, 18, 12, 12, 18, 28, 26, 10].iter().enumerate() {
            sheet.set_column_width(c as u16, *w).map_err(|x| e(x.to_string()))?;
        }
        sheet.set_freeze_panes(1, 0).map_err(|x| e(x.to_string()))?;
    }
    book.save_to_buffer().map_err(|x| e(x.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn paper() -> Paper {
        Paper {
            partnership: "Torbay".into(),
            title: "Review of 15 March 2024".into(),
            status: "Agreed".into(),
            scale: "BRAG".into(),
            levels: vec![("Red".into(), "Little".into()), ("Green".into(), "On track".into())],
            changes: vec!["P1.1 improved: Red → Green".into()],
            decisions: vec!["1 March 2024: Letters now come within a week (P1)".into()],
            priorities: vec![PrioritySection {
                heading: "P1: SEND is everyone's business".into(),
                outcomes: vec![OutcomeLine {
                    code: "P1.1".into(),
                    statement: "Families report more confidence & <trust>".into(),
                    rating: "Green".into(),
                    colour: Some("#00703c".into()),
                    evidence: "=SUM(A1) survey up".into(),
                    previous: "Red".into(),
                    trail: vec!["Red".into(), "Green".into()],
                    sources: vec!["Absence rates: 13.4%".into()],
                }],
            }],
            measures: vec![MeasureLine {
                reference: "4B".into(),
                name: "Absence rates".into(),
                latest: "13.4%".into(),
                period: "2021/22".into(),
                target: "12.1%".into(),
                better: "Lower".into(),
                travel: "better".into(),
                due: "30 September 2023".into(),
                overdue: true,
            }],
            snapshot: "7 December 2026".into(),
        }
    }

    #[test]
    fn the_word_paper_has_its_tables_and_shading() {
        let bytes = paper_docx(&paper()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
        assert_eq!(xml.matches("<w:tbl>").count(), 3, "levels, one priority, the dashboard");
        assert!(xml.contains("w:fill=\"00703C\""), "the rating shaded in its colour");
        assert!(xml.contains("Families report more confidence &amp; &lt;trust&gt;"));
        assert!(xml.contains("Red → Green"));
        assert_eq!(recent(&vec!["A".to_owned(); 7]), "… → A → A → A → A → A");
    }

    #[test]
    fn the_workbook_writes_text_as_text() {
        let bytes = paper_xlsx(&paper()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut strings = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
        assert!(strings.contains("=SUM(A1) survey up"), "a formula-looking note stays a string");
        let mut sheet = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
        assert!(!sheet.contains("<f>"), "no formulas");
    }
}
