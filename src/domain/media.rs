//! Files staff upload for respondents to see and hear: recordings of questions read aloud, and
//! pictures for questions and answers. Each is checked by its content, never by its name or
//! the type the browser claims:
//!
//! - audio must carry the signature of MP3, MP4/M4A, Ogg, WebM or WAV;
//! - raster pictures (PNG, JPEG) are decoded, scaled to at most [`MAX_IMAGE_SIDE`] pixels and
//!   re-encoded as PNG, which also drops metadata such as where a photo was taken;
//! - SVG is parsed and rebuilt from an allow-list of drawing elements and attributes: no
//!   scripts, styles, links, event handlers, external references or foreign content.

/// Largest recording accepted, in bytes.
pub const MAX_AUDIO_BYTES: usize = 5 * 1024 * 1024;
/// Largest picture upload accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Longest side of a stored raster picture, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 512;
/// The largest picture decoded, in pixels: 16.7 megapixels, more than a phone's camera takes
/// by default (12 MP). Larger pictures are refused before decoding.
pub const MAX_DECODE_PIXELS: u64 = 1 << 24;
/// The longest side decoded, in pixels.
pub const MAX_DECODE_SIDE: u32 = 8192;
/// The most memory one decode may allocate (a 16.7 MP picture with four channels is 64 MiB).
pub const MAX_DECODE_ALLOC: u64 = 80 * 1024 * 1024;

/// Largest picture someone may send as an answer (a phone's photo), in bytes.
pub const MAX_ANSWER_PICTURE_BYTES: usize = 8 * 1024 * 1024;
/// Longest side of a stored answer picture, in pixels: enough to read a drawing's words.
pub const MAX_ANSWER_PICTURE_SIDE: u32 = 1600;
/// Longest recording accepted as an answer, in seconds. WAV says its length in its header;
/// other formats are bounded by [`MAX_AUDIO_BYTES`] (about five minutes at a phone's quality)
/// and the in-page recorder stops itself at this length.
pub const MAX_ANSWER_SECONDS: u32 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error(
        "The recording is {seconds} seconds long; the most is {max} seconds. Record a shorter answer and try again."
    )]
    TooLong { seconds: u32, max: u32 },
    #[error("The file is empty. Choose the file again.")]
    Empty,
    #[error("The file is {size} KB; the most is {max} KB. Make it shorter or smaller and try again.")]
    TooLarge { size: usize, max: usize },
    #[error("This is not a sound file Heard can play. Use MP3, M4A, Ogg, WebM or WAV (phones record M4A or WebM).")]
    NotAudio,
    #[error("This is not a picture Heard can use. Use PNG, JPEG or SVG.")]
    NotImage,
    #[error("The picture could not be read: {0}. Save it again as PNG or JPEG and try again.")]
    BadImage(String),
    #[error(
        "The picture is {width} × {height} pixels, far larger than a phone shows. Save it smaller (at most 4000 × 4000 pixels) and try again."
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("The SVG could not be read: {0}. Export it again from your drawing program.")]
    BadSvg(String),
}

/// The audio type of `bytes`, by signature.
pub fn sniff_audio(bytes: &[u8]) -> Result<&'static str, MediaError> {
    check_size(bytes, MAX_AUDIO_BYTES)?;
    let at = |i: usize, sig: &[u8]| bytes.get(i..i + sig.len()) == Some(sig);
    if at(0, b"ID3") || (bytes.len() > 2 && bytes[0] == 0xFF && (bytes[1] & 0xE0) == 0xE0) {
        Ok("audio/mpeg")
    } else if at(4, b"ftyp") {
        Ok("audio/mp4")
    } else if at(0, b"OggS") {
        Ok("audio/ogg")
    } else if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        Ok("audio/webm")
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        Ok("audio/wav")
    } else {
        Err(MediaError::NotAudio)
    }
}

fn check_size(bytes: &[u8], max: usize) -> Result<(), MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > max {
        return Err(MediaError::TooLarge { size: bytes.len().div_ceil(1024), max: max / 1024 });
    }
    Ok(())
}

/// A picture ready to store: its type and the bytes to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanImage {
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// Checks and cleans an uploaded picture.
pub fn clean_image(bytes: &[u8]) -> Result<CleanImage, MediaError> {
    check_size(bytes, MAX_IMAGE_BYTES)?;
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    if head.trim_start_matches('\u{feff}').trim_start().starts_with('<')
        && (head.contains("<svg") || head.contains("<?xml"))
    {
        return Ok(CleanImage { content_type: "image/svg+xml", body: sanitise_svg(bytes)?.into_bytes() });
    }
    reencode(bytes, MAX_IMAGE_SIDE, image::ImageFormat::Png)
}

/// A picture someone sent as an answer (a photo of a drawing, a place, a thing): PNG or JPEG
/// only, decoded within the same limits, made at most [`MAX_ANSWER_PICTURE_SIDE`] pixels and
/// written again as JPEG, so nothing of the file but its pixels survives (no location, no
/// camera, no hidden payload).
pub fn clean_answer_picture(bytes: &[u8]) -> Result<CleanImage, MediaError> {
    check_size(bytes, MAX_ANSWER_PICTURE_BYTES)?;
    reencode(bytes, MAX_ANSWER_PICTURE_SIDE, image::ImageFormat::Jpeg)
}

/// A recording someone sent as an answer: one of the audio types [`sniff_audio`] knows, and,
/// where the format says how long it is (WAV), at most [`MAX_ANSWER_SECONDS`].
pub fn check_answer_recording(bytes: &[u8]) -> Result<&'static str, MediaError> {
    let kind = sniff_audio(bytes)?;
    if kind == "audio/wav"
        && let Some(seconds) = wav_seconds(bytes)
        && seconds > MAX_ANSWER_SECONDS
    {
        return Err(MediaError::TooLong { seconds, max: MAX_ANSWER_SECONDS });
    }
    Ok(kind)
}

/// How long a WAV file plays, from its `fmt ` chunk's byte rate and its `data` chunk's size.
pub fn wav_seconds(bytes: &[u8]) -> Option<u32> {
    let u32_at = |i: usize| bytes.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut at = 12;
    let (mut rate, mut data) = (None, None);
    while at + 8 <= bytes.len() && (rate.is_none() || data.is_none()) {
        let id = bytes.get(at..at + 4)?;
        let size = u32_at(at + 4)?;
        match id {
            b"fmt " => rate = u32_at(at + 16),
            b"data" => data = Some(size),
            _ => {}
        }
        at = at.checked_add(8)?.checked_add(usize::try_from(size).ok()?)?.checked_add(size as usize % 2)?;
    }
    let rate = rate.filter(|r| *r > 0)?;
    Some(data? / rate)
}

/// Decodes a PNG or JPEG within the limits, scales it to `max_side` and writes it as `out`.
fn reencode(bytes: &[u8], max_side: u32, out_format: image::ImageFormat) -> Result<CleanImage, MediaError> {
    let format = image::guess_format(bytes).map_err(|_| MediaError::NotImage)?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(MediaError::NotImage);
    }
    // Read the size from the header first: a small file can claim an enormous picture.
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| MediaError::BadImage(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_DECODE_PIXELS {
        return Err(MediaError::TooManyPixels { width, height });
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| MediaError::BadImage(e.to_string()))?;
    let img = if img.width() > max_side || img.height() > max_side {
        img.resize(max_side, max_side, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let (img, content_type) = match out_format {
        // JPEG has no transparency: flatten to RGB.
        image::ImageFormat::Jpeg => (image::DynamicImage::ImageRgb8(img.to_rgb8()), "image/jpeg"),
        _ => (img, "image/png"),
    };
    img.write_to(&mut out, out_format).map_err(|e| MediaError::BadImage(e.to_string()))?;
    Ok(CleanImage { content_type, body: out.into_inner() })
}

const SVG_ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "path",
    "circle",
    "ellipse",
    "rect",
    "line",
    "polyline",
    "polygon",
    "title",
    "desc",
    "defs",
    "lineargradient",
    "radialgradient",
    "stop",
    "clippath",
    "mask",
];

const SVG_ATTRIBUTES: &[&str] = &[
    "viewbox",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "d",
    "points",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-opacity",
    "opacity",
    "transform",
    "id",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientunits",
    "gradienttransform",
    "fx",
    "fy",
    "clip-path",
    "clip-rule",
    "mask",
    "preserveaspectratio",
    "vector-effect",
];

/// The deepest nesting of elements an uploaded SVG may have. Drawing programs export a few
/// levels of groups; nothing a picture needs comes near this.
pub const MAX_SVG_DEPTH: usize = 64;
/// The most XML nodes (elements, text, comments) an uploaded SVG may have.
pub const MAX_SVG_NODES: usize = 20_000;

/// Rebuilds an SVG from the allow-list. Anything else (scripts, styles, links, `on…`
/// handlers, `<foreignObject>`, external `url(...)`) is dropped, not escaped.
///
/// The walk is iterative (an explicit stack, never recursion), and a file nested deeper than
/// [`MAX_SVG_DEPTH`] or with more than [`MAX_SVG_NODES`] nodes is refused before it is
/// rebuilt, so no upload can exhaust the stack or the memory of the process.
pub fn sanitise_svg(bytes: &[u8]) -> Result<String, MediaError> {
    let text = std::str::from_utf8(bytes).map_err(|_| MediaError::BadSvg("it is not UTF-8 text".into()))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: u32::try_from(MAX_SVG_NODES + 1).unwrap_or(u32::MAX),
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => too_complex(),
        e => MediaError::BadSvg(e.to_string()),
    })?;
    let root = doc.root_element();
    if !root.tag_name().name().eq_ignore_ascii_case("svg") {
        return Err(MediaError::BadSvg("its outermost element is not <svg>".into()));
    }
    rebuild(root)
}

fn too_complex() -> MediaError {
    MediaError::BadSvg(format!(
        "it is far more complicated than a picture needs (more than {MAX_SVG_DEPTH} levels of nesting or {MAX_SVG_NODES} parts)"
    ))
}

fn safe_value(v: &str) -> bool {
    let l = v.to_lowercase();
    let refs_ok = l.match_indices("url(").all(|(i, _)| l[i + 4..].trim_start().starts_with('#'));
    refs_ok && !l.contains("javascript:") && !l.contains("expression") && !l.contains('<') && !l.contains("data:")
}

/// Whether an element is kept: an SVG-namespace element on the allow-list.
fn kept(node: roxmltree::Node<'_, '_>) -> bool {
    let lower = node.tag_name().name().to_ascii_lowercase();
    let svg_ns = node.tag_name().namespace().is_none_or(|ns| ns == "http://www.w3.org/2000/svg");
    svg_ns && SVG_ELEMENTS.contains(&lower.as_str())
}

/// Writes the allowed part of the tree under `root` with an explicit stack (never the call
/// stack), refusing elements nested deeper than [`MAX_SVG_DEPTH`]. An element that is not
/// kept is skipped with everything inside it.
fn rebuild(root: roxmltree::Node<'_, '_>) -> Result<String, MediaError> {
    enum Step<'a, 'input> {
        Open(roxmltree::Node<'a, 'input>, usize),
        Close(&'a str),
    }
    let mut out = String::new();
    let mut stack = vec![Step::Open(root, 1)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Close(name) => {
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            Step::Open(node, depth) if node.is_element() => {
                if depth > MAX_SVG_DEPTH {
                    return Err(too_complex());
                }
                if !kept(node) {
                    continue;
                }
                open_tag(node, &mut out, node == root);
                stack.push(Step::Close(node.tag_name().name()));
                let children: Vec<_> = node.children().collect();
                stack.extend(children.into_iter().rev().map(|c| Step::Open(c, depth + 1)));
            }
            Step::Open(node, _) => {
                let in_words = node
                    .parent()
                    .is_some_and(|p| matches!(p.tag_name().name().to_ascii_lowercase().as_str(), "title" | "desc"));
                if node.is_text() && in_words {
                    out.push_str(&handlebars::html_escape(node.text().unwrap_or("")));
                }
            }
        }
    }
    Ok(out)
}

fn open_tag(node: roxmltree::Node<'_, '_>, out: &mut String, root: bool) {
    let name = node.tag_name().name();
    out.push('<');
    out.push_str(name);
    if root {
        out.push_str(" xmlns=\"http://www.w3.org/2000/svg\"");
    }
    for a in node.attributes() {
        let an = a.name().to_ascii_lowercase();
        if a.namespace().is_some() || !SVG_ATTRIBUTES.contains(&an.as_str()) || !safe_value(a.value()) {
            continue;
        }
        out.push(' ');
        out.push_str(a.name());
        out.push_str("=\"");
        out.push_str(&handlebars::html_escape(a.value()));
        out.push('"');
    }
    out.push('>');
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn wav(seconds: u32, rate: u32, extra_chunk: bool) -> Vec<u8> {
        let data = vec![128u8; (seconds * rate) as usize];
        let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
        if extra_chunk {
            out.extend_from_slice(b"LIST\x03\0\0\0abc\0");
        }
        out.extend_from_slice(b"fmt \x10\0\0\0\x01\0\x01\0");
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(b"\x01\0\x08\0data");
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&data);
        out
    }

    #[test]
    fn a_wav_says_how_long_it_plays_and_long_answers_are_refused() {
        assert_eq!(wav_seconds(&wav(3, 1000, false)), Some(3));
        assert_eq!(wav_seconds(&wav(7, 800, true)), Some(7), "chunks before fmt (odd sizes padded) are skipped");
        assert_eq!(wav_seconds(b"RIFF\0\0\0\0WAVEfmt \xff\xff\xff\xff"), None, "a lying size reads nothing");
        assert_eq!(check_answer_recording(&wav(2, 1000, false)), Ok("audio/wav"));
        assert_eq!(
            check_answer_recording(&wav(MAX_ANSWER_SECONDS + 1, 1000, false)),
            Err(MediaError::TooLong { seconds: MAX_ANSWER_SECONDS + 1, max: MAX_ANSWER_SECONDS })
        );
        assert_eq!(check_answer_recording(b"GIF89a"), Err(MediaError::NotAudio));
    }

    #[test]
    fn an_answer_picture_keeps_its_pixels_and_nothing_else() {
        let img = image::RgbImage::from_fn(2000, 1000, |x, _| image::Rgb([(x % 256) as u8, 0, 0]));
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img).write_to(&mut png, image::ImageFormat::Png).unwrap();
        let clean = clean_answer_picture(&png.into_inner()).unwrap();
        assert_eq!(clean.content_type, "image/jpeg");
        let back = image::load_from_memory(&clean.body).unwrap();
        assert_eq!((back.width(), back.height()), (MAX_ANSWER_PICTURE_SIDE, MAX_ANSWER_PICTURE_SIDE / 2));
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>"#;
        assert_eq!(clean_answer_picture(svg).unwrap_err(), MediaError::NotImage, "a drawing file is not a photo");
    }

    #[test]
    fn audio_is_known_by_its_signature() {
        assert_eq!(sniff_audio(b"ID3\x04\x00rest"), Ok("audio/mpeg"));
        assert_eq!(sniff_audio(b"\x00\x00\x00\x20ftypM4A rest"), Ok("audio/mp4"));
        assert_eq!(sniff_audio(b"OggS\x00rest"), Ok("audio/ogg"));
        assert_eq!(sniff_audio(&[0x1A, 0x45, 0xDF, 0xA3, 1, 2]), Ok("audio/webm"));
        assert_eq!(sniff_audio(b"RIFF\x24\x00\x00\x00WAVEfmt "), Ok("audio/wav"));
        assert_eq!(sniff_audio(b"<html>not sound</html>"), Err(MediaError::NotAudio));
        assert_eq!(sniff_audio(b""), Err(MediaError::Empty));
        assert!(matches!(sniff_audio(&vec![b'I'; MAX_AUDIO_BYTES + 1]), Err(MediaError::TooLarge { .. })));
    }

    #[test]
    fn svg_keeps_drawing_and_drops_everything_else() {
        let dirty = br#"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)">
<script>alert(1)</script><style>*{background:url(https://evil.example)}</style>
<title>A house</title>
<a xlink:href="javascript:alert(1)"><circle cx="5" cy="5" r="4"/></a>
<path d="M0 0L10 10" fill="url(https://evil.example/x)" stroke="red" onclick="x()"/>
<rect width="2" height="2" fill="url(#g)"/>
<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
<image href="https://evil.example/tracker.png"/>
</svg>"#;
        let clean = sanitise_svg(dirty).unwrap();
        for gone in
            ["script", "style", "onload", "onclick", "javascript", "evil", "foreignObject", "<image", "<a", "alert"]
        {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        assert!(clean.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">"), "{clean}");
        assert!(clean.contains("<title>A house</title>"));
        assert!(clean.contains("<path d=\"M0 0L10 10\" stroke=\"red\"></path>"), "{clean}");
        assert!(clean.contains("fill=\"url(#g)\""));
        assert!(sanitise_svg(b"<!DOCTYPE svg [<!ENTITY x \"y\">]><svg>&x;</svg>").is_err(), "no DTDs");
        assert!(sanitise_svg(b"<html></html>").is_err());
    }

    #[test]
    fn deeply_nested_or_huge_svg_is_refused_without_recursion() {
        // 10,000 nested groups (about 70 KB) overflowed the stack of the recursive rebuild.
        let deep = format!("<svg>{}{}</svg>", "<g>".repeat(10_000), "</g>".repeat(10_000));
        let err = sanitise_svg(deep.as_bytes()).unwrap_err();
        assert!(matches!(&err, MediaError::BadSvg(m) if m.contains("more complicated")), "{err:?}");
        // 200,000 nested groups is refused by the node count before the walk.
        let deeper = format!("<svg>{}{}</svg>", "<g>".repeat(200_000), "</g>".repeat(200_000));
        assert!(sanitise_svg(deeper.as_bytes()).is_err());
        // Many siblings: too many nodes.
        let wide = format!("<svg>{}</svg>", "<path d=\"M0 0\"/>".repeat(MAX_SVG_NODES + 10));
        assert!(sanitise_svg(wide.as_bytes()).is_err());
        // A normal amount of nesting is kept, and dropped subtrees are skipped whole.
        let ok = format!(
            "<svg>{}<circle r=\"1\"/>{}<script><g><path d=\"M1 1\"/></g></script></svg>",
            // <svg>, then groups, then the circle: exactly MAX_SVG_DEPTH levels.
            "<g>".repeat(MAX_SVG_DEPTH - 2),
            "</g>".repeat(MAX_SVG_DEPTH - 2)
        );
        let clean = sanitise_svg(ok.as_bytes()).unwrap();
        assert!(clean.contains("<circle r=\"1\"></circle>"), "{clean}");
        assert!(!clean.contains("M1 1"), "{clean}");
        assert_eq!(clean.matches("<g>").count(), MAX_SVG_DEPTH - 2);
        assert_eq!(clean.matches("</g>").count(), MAX_SVG_DEPTH - 2);
    }

    #[test]
    fn raster_pictures_are_reencoded_and_scaled() {
        let img = image::RgbImage::from_pixel(1200, 600, image::Rgb([200, 30, 30]));
        let mut jpeg = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img).write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
        let clean = clean_image(jpeg.get_ref()).unwrap();
        assert_eq!(clean.content_type, "image/png");
        let back = image::load_from_memory(&clean.body).unwrap();
        assert_eq!((back.width(), back.height()), (512, 256));
        assert_eq!(clean_image(b"GIF89a...."), Err(MediaError::NotImage));
        assert!(matches!(clean_image(b"\x89PNG\r\n\x1a\nbroken"), Err(MediaError::BadImage(_))));
    }

    #[test]
    fn enormous_pictures_are_refused_before_decoding() {
        // An 8000 × 8000 PNG of one colour compresses to a few hundred KB.
        let img = image::GrayImage::from_pixel(8000, 8000, image::Luma([7]));
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageLuma8(img).write_to(&mut png, image::ImageFormat::Png).unwrap();
        assert!(png.get_ref().len() < MAX_IMAGE_BYTES, "{}", png.get_ref().len());
        // Refused from the header (TooManyPixels, not a decoding error), before decoding.
        assert_eq!(clean_image(png.get_ref()), Err(MediaError::TooManyPixels { width: 8000, height: 8000 }));
    }
}
