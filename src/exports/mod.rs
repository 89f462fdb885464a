//! Files for people to take away: the quote bank as CSV (UTF-8 with a BOM so Excel reads it;
//! formula-like cells made inert), XLSX, Word (DOCX, grouped by priority then theme, with
//! real heading styles so it is navigable with a screen reader) and JSON. Exports carry the
//! audience and the wave, never response ids or times.

pub mod board;
pub mod evidence;
pub mod privacy;
pub mod responses;

use crate::models::export::neutralise_cell;
use crate::models::voices::{BankQuote, PrioritySection};

#[derive(Debug, thiserror::Error)]
#[error("could not build the {format} file: {message}")]
pub struct ExportError {
    pub format: &'static str,
    pub message: String,
}

/// A `Content-Disposition` for a download named from `stem` (which may hold labels staff
/// typed): a plain ASCII file name of letters, digits and hyphens that no browser or shell
/// can misread, and the full name in UTF-8 as `filename*` (RFC 6266).
pub fn attachment(stem: &str, ext: &str) -> String {
    let mut plain = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            plain.push(c.to_ascii_lowercase());
        } else if !plain.ends_with('-') && !plain.is_empty() {
            plain.push('-');
        }
    }
    let plain = plain.trim_end_matches('-');
    let plain = if plain.is_empty() { "heard-download" } else { plain };
    let clean: String = xml_safe(stem).chars().filter(|c| !c.is_control()).collect();
    format!("attachment; filename=\"{plain}.{ext}\"; filename*=UTF-8''{}.{ext}", urlencoding::encode(&clean))
}

fn err(format: &'static str) -> impl Fn(String) -> ExportError {
    move |message| ExportError { format, message }
}

const COLUMNS: [&str; 7] = ["Quote", "Audience", "Wave", "Question", "Themes", "Priorities", "Values"];

fn row(q: &BankQuote) -> [String; 7] {
    [
        q.quote.clone(),
        q.audience.clone(),
        q.wave_label.clone(),
        q.question.clone(),
        q.themes.join("; "),
        q.priorities.join("; "),
        q.values.join("; "),
    ]
}

pub fn quotes_csv(quotes: &[BankQuote]) -> Result<Vec<u8>, ExportError> {
    let e = err("CSV");
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(COLUMNS).map_err(|x| e(x.to_string()))?;
        for q in quotes {
            w.write_record(row(q).iter().map(|c| neutralise_cell(c).into_owned())).map_err(|x| e(x.to_string()))?;
        }
        w.flush().map_err(|x| e(x.to_string()))?;
    }
    Ok(out)
}

pub fn quotes_xlsx(quotes: &[BankQuote]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = err("XLSX");
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Quotes").map_err(|x| e(x.to_string()))?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold).map_err(|x| e(x.to_string()))?;
    }
    sheet.set_column_width(0, 80).map_err(|x| e(x.to_string()))?;
    for (r, q) in quotes.iter().enumerate() {
        for (c, cell) in row(q).iter().enumerate() {
            // Strings are written as strings, never as formulas.
            sheet
                .write_string_with_format(r as u32 + 1, c as u16, xml_safe(cell), &wrap)
                .map_err(|x| e(x.to_string()))?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(|x| e(x.to_string()))?;
    book.save_to_buffer().map_err(|x| e(x.to_string()))
}

/// Whether XML 1.0 allows `c` in a document: tab, line feed and carriage return, and every
/// other character from U+0020 except U+FFFE and U+FFFF (and, in Rust, never a surrogate).
pub fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// `text` without the characters XML 1.0 forbids (one such character in a quote made the
/// whole Word file unreadable). Used for every string that reaches a DOCX or XLSX file.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(xml_allows) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| xml_allows(*c)).collect())
    }
}

/// `text` as it may stand in a Word document: without the characters XML forbids, and without
/// control characters other than line feed and tab (docx-rs escapes markup but passes these on).
fn word_text(text: &str) -> String {
    text.chars().filter(|c| xml_allows(*c) && (!c.is_control() || *c == '\n' || *c == '\t')).collect()
}

/// `text` escaped for XML element content, after `word_text`.
fn xml(text: &str) -> String {
    word_text(text).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One block of a Word document.
#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading1(String),
    Heading2(String),
    Para(String),
    Quote(String),
    Caption(String),
    /// A table with a header row; a cell may carry a fill colour (always beside its words).
    Table(DocTable),
}

/// A table in a Word document: the header's words, then rows of cells, and each column's
/// share of the text width in per cent.
#[derive(Debug, Clone)]
pub struct DocTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub widths: Vec<usize>,
    /// Smaller type (10 point), for a wide table such as a dashboard.
    pub small: bool,
}

/// One cell: its words, and optionally a fill and the text colour that reads on it (RGB hex
/// without `#`; the pair must meet contrast, as the page's badges do).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub fill: Option<(String, String)>,
    pub bold: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), ..Self::default() }
    }
}

/// The fill and text colours of a BRAG rating in Word, the same as the page's badges
/// (`staff.css`: GOV.UK's blue, green, yellow and red, each with 4.5:1 text); `None` for a
/// rating with no colour of its own.
pub fn brag_colours(rating: &str) -> Option<(&'static str, &'static str)> {
    match rating.to_lowercase().as_str() {
        "blue" | "embedded" => Some(("1D70B8", "FFFFFF")),
        "green" => Some(("00703C", "FFFFFF")),
        "amber" => Some(("FFDD00", "0B0C0C")),
        "red" => Some(("D4351C", "FFFFFF")),
        _ => None,
    }
}

/// The printable text width of Heard's A4 pages with 2.54 cm margins, in twentieths of a point.
const TEXT_WIDTH: usize = 11906 - 2 * 1440;

fn word_table(t: &DocTable) -> docx_rs::Table {
    use docx_rs::{Paragraph, Run, Shading, ShdType, Table, TableCell, TableRow, WidthType};
    let width = |i: usize| t.widths.get(i).copied().unwrap_or(100 / t.header.len().max(1)) * TEXT_WIDTH / 100;
    let cell = |i: usize, c: &Cell, header: bool| {
        let mut run = Run::new().add_text(word_text(&c.text)).size(if t.small { 20 } else { 24 });
        if header || c.bold {
            run = run.bold();
        }
        let mut cell = TableCell::new().width(width(i), WidthType::Dxa);
        if let Some((fill, ink)) = &c.fill {
            run = run.color(ink.as_str());
            cell = cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(fill.as_str()));
        } else if header {
            cell = cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill("F3F2F1"));
        }
        // A header row keeps with the row after it, so a table never starts with its
        // header alone at the foot of a page.
        cell.add_paragraph(Paragraph::new().add_run(run).keep_next(header))
    };
    let mut rows = vec![
        TableRow::new(t.header.iter().enumerate().map(|(i, h)| cell(i, &Cell::text(h.clone()), true)).collect())
            .cant_split(),
    ];
    for r in &t.rows {
        rows.push(TableRow::new(r.iter().enumerate().map(|(i, c)| cell(i, c, false)).collect()).cant_split());
    }
    Table::new(rows).set_grid((0..t.header.len()).map(width).collect()).width(TEXT_WIDTH, WidthType::Dxa)
}

/// The document's language, for spelling and for screen readers' voices.
const LANGUAGE: &str = "en-GB";

/// The paragraph styles Heard's blocks use, on top of docx-rs's own `Normal`: the title and two
/// heading levels with outline levels (so the navigation pane and screen readers list them),
/// an indented quote and a smaller grey caption.
fn styles() -> [docx_rs::Style; 5] {
    use docx_rs::{SpecialIndentType, Style, StyleType};
    let para = |id: &str, name: &str| Style::new(id, StyleType::Paragraph).name(name).based_on("Normal");
    let heading = |id: &str, name: &str, level: usize, size: usize| {
        let mut s = para(id, name).outline_lvl(level).bold().size(size);
        s.paragraph_property = s.paragraph_property.keep_next(true);
        s
    };
    [
        para("Title", "Title").outline_lvl(0).bold().size(48),
        heading("Heading1", "heading 1", 0, 40),
        heading("Heading2", "heading 2", 1, 32),
        para("Quote", "Quote").indent(Some(567), None::<SpecialIndentType>, None, None),
        para("Caption", "caption").color("505A5F").size(24),
    ]
}

/// A Word document from blocks, with real heading styles (navigable with a screen reader).
/// docx-rs writes the WordprocessingML; Heard adds what it has no API for (the document's
/// language in the style defaults, and the title, language and creator in the core
/// properties) and re-packs the parts with deflate, as docx-rs stores them uncompressed.
pub fn docx(title: &str, blocks: &[Block]) -> Result<Vec<u8>, ExportError> {
    use docx_rs::{Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts};
    let e = err("DOCX");
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin::new().top(1440).right(1440).bottom(1440).left(1440).header(708).footer(708).gutter(0))
        .default_fonts(RunFonts::new().ascii("Arial").hi_ansi("Arial").cs("Arial"))
        .default_size(28)
        .default_line_spacing(LineSpacing::new().after(200).line(360).line_rule(LineSpacingType::Auto))
        // Word's own default (docx-rs would write 840).
        .default_tab_stop(720);
    for style in styles() {
        doc = doc.add_style(style);
    }
    for b in blocks {
        let (style, text) = match b {
            Block::Table(t) => {
                doc = doc.add_table(word_table(t));
                continue;
            }
            Block::Title(t) => ("Title", t),
            Block::Heading1(t) => ("Heading1", t),
            Block::Heading2(t) => ("Heading2", t),
            Block::Para(t) => ("Normal", t),
            Block::Quote(t) => ("Quote", t),
            Block::Caption(t) => ("Caption", t),
        };
        doc = doc.add_paragraph(Paragraph::new().style(style).add_run(Run::new().add_text(word_text(text))));
    }
    let mut parts = doc.build();
    parts.styles = with_language(&parts.styles).ok_or_else(|| e("docx-rs wrote no run defaults".into()))?;
    parts.doc_props.core = core_properties(title).into_bytes();
    let mut stored = std::io::Cursor::new(Vec::new());
    parts.pack(&mut stored).map_err(|x| e(x.to_string()))?;
    deflate(stored.into_inner()).map_err(|x| e(x.to_string()))
}

/// `styles.xml` from docx-rs with the document's language added to the run defaults
/// (`<w:lang>`, which docx-rs cannot write); `None` if it has no run defaults.
fn with_language(styles: &[u8]) -> Option<Vec<u8>> {
    let defaults = memmem(styles, b"<w:rPrDefault>")?;
    let at = defaults + memmem(&styles[defaults..], b"</w:rPr>")?;
    let mut out = Vec::with_capacity(styles.len() + 32);
    out.extend_from_slice(&styles[..at]);
    out.extend_from_slice(format!(r#"<w:lang w:val="{LANGUAGE}" />"#).as_bytes());
    out.extend_from_slice(&styles[at..]);
    Some(out)
}

fn memmem(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The core properties (docx-rs has no API for the title, the language or the creator).
fn core_properties(title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:language>{LANGUAGE}</dc:language><dc:creator>Heard</dc:creator></cp:coreProperties>"#,
        xml(title)
    )
}

/// The package docx-rs wrote (every part stored) again with every part deflated: a 500-quote
/// bank's file shrinks from about 260 KB to about 40 KB.
fn deflate(stored: Vec<u8>) -> zip::result::ZipResult<Vec<u8>> {
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(stored))?;
    let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..from.len() {
        let mut part = from.by_index(i)?;
        if part.is_dir() {
            continue;
        }
        to.start_file(part.name().to_owned(), options)?;
        std::io::copy(&mut part, &mut to)?;
    }
    Ok(to.finish()?.into_inner())
}

/// The quote bank as a Word document: a title, then for each priority a heading, its themes as
/// sub-headings, and each quote with its audience and wave.
pub fn quotes_docx(title: &str, intro: &str, sections: &[PrioritySection]) -> Result<Vec<u8>, ExportError> {
    let mut blocks = vec![Block::Title(title.to_owned()), Block::Para(intro.to_owned())];
    for section in sections {
        blocks.push(Block::Heading1(section.heading.clone()));
        for group in &section.themes {
            blocks.push(Block::Heading2(group.theme.clone()));
            for q in &group.quotes {
                blocks.push(Block::Quote(format!("“{}”", q.quote)));
                // Listed once, under its first priority: the others are named here.
                let also: Vec<&str> = q
                    .priorities
                    .iter()
                    .filter(|p| !section.heading.starts_with(&format!("{p}:")))
                    .map(String::as_str)
                    .collect();
                let also = if also.is_empty() { String::new() } else { format!(". Also about {}", also.join(", ")) };
                blocks.push(Block::Caption(format!("{}, {}{also}", q.audience.replace('-', " "), q.wave_label)));
            }
        }
    }
    docx(title, &blocks)
}

pub fn quotes_json(quotes: &[BankQuote]) -> Result<Vec<u8>, ExportError> {
    let mut v = serde_json::to_vec_pretty(quotes).map_err(|x| err("JSON")(x.to_string()))?;
    v.push(b'\n');
    Ok(v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_never_reach_a_document() {
        let bad = "Fine words\u{FFFE} and \u{FFFF} and \u{1} \u{B} end";
        let bytes = docx("Quotes\u{FFFF}", &[Block::Quote(bad.into()), Block::Para(bad.into())]).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
        let doc = roxmltree::Document::parse(&xml).expect("valid XML");
        let text: String = doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
        assert!(text.contains("Fine words and  and   end"), "{text}");
        assert_eq!(xml_safe("a\u{FFFE}b"), "ab");
        assert!(matches!(xml_safe("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn documents_keep_their_styles_language_and_title() {
        let bytes = docx("Quotes & <more>", &[Block::Title("T".into()), Block::Heading2("H".into())]).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut part = |name: &str| {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut xml).unwrap();
            assert_eq!(zip.by_name(name).unwrap().compression(), zip::CompressionMethod::Deflated, "{name}");
            xml
        };
        let styles = part("word/styles.xml");
        let styles = roxmltree::Document::parse(&styles).unwrap();
        let lang = styles.descendants().find(|n| n.has_tag_name("rPrDefault")).unwrap();
        let lang = lang.descendants().find(|n| n.has_tag_name("lang")).unwrap();
        assert_eq!(lang.attributes().next().map(|a| a.value()), Some("en-GB"));
        let ids: Vec<&str> = styles
            .descendants()
            .filter(|n| n.has_tag_name("style"))
            .filter_map(|n| n.attributes().find(|a| a.name() == "styleId").map(|a| a.value()))
            .collect();
        assert_eq!(ids, ["Normal", "Title", "Heading1", "Heading2", "Quote", "Caption"]);
        let core = part("docProps/core.xml");
        let core = roxmltree::Document::parse(&core).unwrap();
        let text = |tag: &str| core.descendants().find(|n| n.has_tag_name(tag)).and_then(|n| n.text());
        assert_eq!(text("title"), Some("Quotes & <more>"));
        assert_eq!(text("language"), Some("en-GB"));
        assert_eq!(text("creator"), Some("Heard"));
        let document = part("word/document.xml");
        assert!(document.contains(r#"<w:pgSz w:w="11906" w:h="16838" />"#), "A4");
    }

    #[test]
    fn download_names_are_plain_and_keep_the_full_name_encoded() {
        let d = attachment("torbay-evidence-=HYPERLINK(\"http://x\")-2025", "csv");
        assert!(d.starts_with("attachment; filename=\"torbay-evidence-hyperlink-http-x-2025.csv\";"), "{d}");
        assert!(!d[..d.find("filename*").unwrap()].contains('('), "{d}");
        assert!(d.contains("filename*=UTF-8''torbay-evidence-%3DHYPERLINK%28%22http%3A%2F%2Fx%22%29-2025.csv"), "{d}");
        assert_eq!(
            attachment("\u{FFFE}", "docx"),
            "attachment; filename=\"heard-download.docx\"; filename*=UTF-8''.docx"
        );
    }
}
