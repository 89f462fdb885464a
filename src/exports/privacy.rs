//! The data-protection pack as a Word document: the same sections as the admin page
//! (`domain::dpia`), through the same blocks as the other Word exports, with a contents
//! paragraph first and every "[Council to write]" left in the words so it can be searched.

use super::{Block, Cell, DocTable, ExportError, docx};
use crate::domain::dpia::{Part, Section};

fn blocks(partnership: &str, sections: &[Section]) -> Vec<Block> {
    let mut out = vec![
        Block::Title(format!("Data-protection pack: {partnership} SEND partnership")),
        Block::Para(
            "Written by Heard from the running service: its settings, its database's tables and each survey's settings. Where it says [Council to write], the council must complete it before the first survey goes out."
                .into(),
        ),
        Block::Para(format!(
            "Contents: {}.",
            sections.iter().map(|s| s.heading.as_str()).collect::<Vec<_>>().join("; ")
        )),
    ];
    for s in sections {
        out.push(Block::Heading1(s.heading.clone()));
        for p in &s.parts {
            match p {
                Part::Heading { text } => out.push(Block::Heading2(text.clone())),
                Part::Para { text } | Part::Todo { text } => out.push(Block::Para(text.clone())),
                Part::List { items } => out.extend(items.iter().map(|i| Block::Para(format!("• {i}")))),
                Part::Table { caption, header, rows } => {
                    out.push(Block::Caption(caption.clone()));
                    let n = header.len().max(1);
                    out.push(Block::Table(DocTable {
                        header: header.clone(),
                        rows: rows.iter().map(|r| r.iter().map(|c| Cell::text(c.clone())).collect()).collect(),
                        widths: vec![100 / n; n],
                        small: n > 3,
                    }));
                }
            }
        }
    }
    out
}

/// The pack as a `.docx`.
pub fn pack_docx(partnership: &str, sections: &[Section]) -> Result<Vec<u8>, ExportError> {
    docx(&format!("Data-protection pack: {partnership}"), &blocks(partnership, sections))
}
