//! Files for people to take away: the quote bank as CSV (UTF-8 with a BOM so Excel reads it;
//! formula-like cells made inert), XLSX, Word (DOCX, grouped by priority then theme, with
//! real heading styles so it is navigable with a screen reader) and JSON. Exports carry the
//! audience and the wave, never response ids or times.

pub mod evidence;

use std::io::Write;

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
            w.write_record(row(q).iter().map(|c| neutralise_cell(c))).map_err(|x| e(x.to_string()))?;
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

fn xml(text: &str) -> String {
    text.chars()
        .filter(|c| xml_allows(*c) && (!c.is_control() || *c == '\n' || *c == '\t'))
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn para(style: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        xml(text)
    )
}

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial"/><w:sz w:val="28"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="200" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="48"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="40"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="567"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:rPr><w:color w:val="505A5F"/><w:sz w:val="24"/></w:rPr></w:style>
</w:styles>"#;

/// One block of a Word document.
#[derive(Debug, Clone)]
pub enum Block {
    Title(String),
    Heading1(String),
    Heading2(String),
    Para(String),
    Quote(String),
    Caption(String),
}

/// A Word document from blocks, with real heading styles (navigable with a screen reader).
pub fn docx(title: &str, blocks: &[Block]) -> Result<Vec<u8>, ExportError> {
    let e = err("DOCX");
    let mut body = String::new();
    for b in blocks {
        body.push_str(&match b {
            Block::Title(t) => para("Title", t),
            Block::Heading1(t) => para("Heading1", t),
            Block::Heading2(t) => para("Heading2", t),
            Block::Para(t) => para("Normal", t),
            Block::Quote(t) => para("Quote", t),
            Block::Caption(t) => para("Caption", t),
        });
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>"#
    );
    let files: [(&str, String); 6] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "word/_rels/document.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "docProps/core.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:language>en-GB</dc:language><dc:creator>Heard</dc:creator></cp:coreProperties>"#,
                xml(title)
            ),
        ),
        ("word/document.xml", document),
        ("word/styles.xml", STYLES.to_owned()),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in &files {
        zip.start_file(*name, options).map_err(|x| e(x.to_string()))?;
        zip.write_all(content.as_bytes()).map_err(|x| e(x.to_string()))?;
    }
    Ok(zip.finish().map_err(|x| e(x.to_string()))?.into_inner())
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
                blocks.push(Block::Caption(format!("{}, {}", q.audience.replace('-', " "), q.wave_label)));
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
