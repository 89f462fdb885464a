//! Say it or show it, end to end with scripts off: a question built in the builder, answered
//! with a recording (a generated WAV) or a photo through the file inputs, refused kindly when
//! the file is not what it claims or too long, held with the unsent answers and moved to the
//! response at Send; staff listen or look and type a transcript that becomes the answer's
//! words; the file is served only to the partnership's staff; and it goes with a receipt-code
//! deletion and with retention. Both databases.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in};
use crate::helpers::{Browser, Plan, TestApp, complete};

/// A mono 8-bit WAV of `seconds` at `rate` samples a second (a tone, so it is not silence).
pub fn wav(seconds: u32, rate: u32) -> Vec<u8> {
    let samples: Vec<u8> = (0..seconds * rate).map(|i| if (i / 4) % 2 == 0 { 96 } else { 160 }).collect();
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes()); // byte rate
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend_from_slice(&samples);
    out
}

/// A small JPEG photo carrying an Exif block that says where it was taken.
fn photo_with_location() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut jpeg, image::ImageFormat::Jpeg).expect("jpeg");
    let jpeg = jpeg.into_inner();
    let payload = b"Exif\0\0MM\0*GPSLatitude 50.4619N GPSLongitude 3.5253W Torquay";
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn files(app: &TestApp, filter: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) AS n FROM answer_files WHERE {filter}"))
}

/// Starts a survey in the builder with one say-it-or-show-it question, and opens it.
pub fn built(b: &Browser) -> String {
    let page = b.get("/staff/surveys/new");
    let form = page
        .form_ending("/staff/surveys/new")
        .with("title", "Favourite Places")
        .with("label", "2026")
        .with("slug", "")
        .with("audience", "young-people")
        .with("audience", "parents-carers");
    let done = b.submit(&form);
    let wave = done.path().split('/').nth(3).unwrap_or("").to_owned();
    let new = b.get(&format!("/staff/waves/{wave}/build/new?type=say-or-show"));
    assert_eq!(new.status, 200, "{}", new.html);
    assert!(new.html.contains("Say it or show it"), "the builder names the type");
    let mut form = new.form_ending("/build/new");
    form.fields.retain(|(k, _)| k == "csrf" || k == "version" || k == "type" || k == "rows");
    let form = form
        .with("ask", "young-people")
        .with("ask", "parents-carers")
        .with("key", "favourite-place")
        .with("title-young-people", "Where do you like to be?")
        .with("title-parents-carers", "Where does your child like to be?")
        .with("action", "save");
    let saved = b.submit(&form);
    assert_eq!(saved.status, 200, "{}", saved.html);
    let toml = b.raw().get(format!("{}/staff/waves/{wave}/definition.toml", b.base)).send().expect("get");
    assert!(toml.text().expect("text").contains("type = \"say-or-show\""));
    let wave_page = b.get(&format!("/staff/waves/{wave}"));
    let open = b.submit(&wave_page.form_ending("/status").with("status", "open").with("opens", "").with("closes", ""));
    assert!(open.status < 400, "{}", open.html);
    wave
}

/// A young person's recorded answer, sent in `wave`: returns the file's id.
pub fn send_recording(app: &TestApp, wave: &str) -> String {
    let young = app.browser();
    let start = young.get(&format!("/s/{wave}/young-people"));
    let page = young.submit(&start.form());
    let next = young.submit_files(&page.form().with("action", "continue"), vec![("recording", "v.wav", wav(1, 8000))]);
    let check = young.submit(&next.form().with("answer", "no").with("action", "continue"));
    young.submit(&check.form());
    app.count_str("SELECT id AS s FROM answer_files WHERE response_id IS NOT NULL ORDER BY created_at DESC LIMIT 1")
}

fn say_it_or_show_it(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (staff, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let wave = built(&staff);

    // A young person: the easy-read page, with file inputs a phone opens as recorder or camera.
    let young = app.browser();
    let start = young.get(&format!("/s/{wave}/young-people"));
    let page = young.submit(&start.form());
    assert!(page.path().ends_with("/q/favourite-place"), "{}", page.path());
    assert_eq!(page.attr_of("form.question-form", "enctype"), ["multipart/form-data"]);
    assert_eq!(page.attr_of("input[type=file][name=recording]", "accept"), ["audio/*"]);
    assert_eq!(page.attr_of("input[type=file][name=recording]", "capture").len(), 1);
    assert_eq!(page.attr_of("input[type=file][name=picture]", "accept"), ["image/*"]);
    assert!(page.has("label[for=recording]") && page.has("label[for=picture]"));
    assert!(page.html.contains("We never share your voice"), "easy-read consent words");

    // Not a recording: refused beside the field, the words kept, nothing held.
    let form = page.form().with("answer", "My room").with("action", "continue");
    let refused = young.submit_files(&form, vec![("recording", "song.wav", b"<script>alert(1)</script>".to_vec())]);
    assert_eq!(refused.status, 400, "{}", refused.html);
    assert!(refused.has("#file-error") && refused.has(".error-summary a[href='#recording']"));
    assert!(refused.text_of("#file-error")[0].contains("not a recording"), "{}", refused.html);
    assert_eq!(refused.text_of("#answer-0"), ["My room"], "typed words kept");
    assert_eq!(files(&app, "1 = 1"), 0);
    // Too long a recording (WAV says how long it is).
    let long = young.submit_files(&form, vec![("recording", "long.wav", wav(301, 1000))]);
    assert_eq!(long.status, 400);
    assert!(long.text_of("#file-error")[0].contains("301 seconds"), "{}", long.html);
    assert_eq!(files(&app, "1 = 1"), 0);
    // A forged form token: refused before the file is read; a file over the limit: 413.
    let mut forged = form.clone();
    forged.fields.retain(|(k, _)| k != "csrf");
    forged.fields.insert(0, ("csrf".into(), "forged".into()));
    let refused = young.submit_files(&forged, vec![("recording", "v.wav", wav(1, 8000))]);
    assert!((400..500).contains(&refused.status), "{}", refused.status);
    let huge = young.submit_files(&form, vec![("picture", "big.jpg", vec![0xFF; 9 * 1024 * 1024])]);
    assert_eq!(huge.status, 413);
    assert_eq!(files(&app, "1 = 1"), 0, "nothing held");
    // A real recording, no words: answered.
    let blank = page.form().with("answer", "").with("action", "continue");
    let next = young.submit_files(&blank, vec![("recording", "voice.wav", wav(2, 8000))]);
    assert!(next.path().ends_with("/consent"), "{} {}", next.path(), next.html);
    assert_eq!(files(&app, "draft_id IS NOT NULL AND response_id IS NULL AND kind = 'recording'"), 1);
    let again = young.get(&format!("/s/{wave}/q/favourite-place"));
    assert!(again.has(".held-file") && again.html.contains("You have added a recording"), "{}", again.html);
    let consent = young.submit(&next.form().with("answer", "yes").with("action", "continue"));
    assert!(consent.path().ends_with("/check"));
    assert!(consent.html.contains("A recording"), "the check page names it: {}", consent.html);
    let done = young.submit(&consent.form());
    let receipt = done.text_of(".receipt").into_iter().next().expect("receipt");
    assert_eq!(files(&app, "draft_id IS NULL AND response_id IS NOT NULL"), 1, "moved to the response");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'favourite-place'"),
        0,
        "no words yet: the transcript brings them"
    );

    // A parent: a photo with words beside it; the location is gone from what is kept.
    let parent = app.browser();
    let start = parent.get(&format!("/s/{wave}/parents-carers"));
    let page = parent.submit(&start.form());
    assert!(page.html.contains("staff will listen to or look at what you send"), "the parents' consent words");
    let form = page.form().with("answer", "The park").with("action", "continue");
    let next = parent.submit_files(&form, vec![("picture", "IMG_0001.jpg", photo_with_location())]);
    assert!(next.path().ends_with("/consent"), "{}", next.html);
    let walk_check = parent.submit(&next.form().with("answer", "yes").with("action", "continue"));
    assert!(walk_check.html.contains("A picture. The park"), "{}", walk_check.html);
    parent.submit(&walk_check.form());
    assert_eq!(files(&app, "response_id IS NOT NULL"), 2);

    // Staff listen and look.
    let list = staff.get(&format!("/staff/waves/{wave}/transcripts"));
    assert_eq!(list.status, 200);
    let urls = list.attr_of("audio[src]", "src");
    assert_eq!(urls.len(), 1, "{}", list.html);
    let pics = list.attr_of("img.answer-picture", "src");
    assert_eq!(pics.len(), 1);
    let res = staff.raw().get(format!("{}{}", staff.base, urls[0])).send().expect("get");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "audio/wav");
    assert!(res.headers()["cache-control"].to_str().expect("cc").contains("no-store"));
    assert!(res.headers()["content-security-policy"].to_str().expect("csp").contains("sandbox"));
    assert_eq!(res.bytes().expect("bytes").to_vec(), wav(2, 8000), "played back as sent");
    let pic = staff.raw().get(format!("{}{}", staff.base, pics[0])).send().expect("get");
    assert_eq!(pic.headers()["content-type"], "image/jpeg");
    let kept = pic.bytes().expect("bytes").to_vec();
    assert!(image::load_from_memory(&kept).is_ok(), "still a picture");
    let text = String::from_utf8_lossy(&kept);
    assert!(!text.contains("Exif") && !text.contains("GPSLatitude"), "the location is not kept");
    // Nobody else gets the files: signed out, or another partnership.
    let anon = app.browser();
    let res = anon.raw().get(format!("{}{}", anon.base, urls[0])).send().expect("get");
    assert_ne!(res.status().as_u16(), 200);
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get(&urls[0]).status, 404);
    assert_eq!(other.get(&format!("/staff/waves/{wave}/transcripts")).status, 404);
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    assert_eq!(viewer.get(&urls[0]).status, 403);

    // A transcript becomes the answer's words, coded like any other; audited.
    let forms: Vec<String> = list.attr_of("form[action*='/transcripts/']", "action");
    assert_eq!(forms.len(), 2);
    for action in &forms {
        let form = list.form_ending(action.rsplit('/').next().expect("id"));
        let saved = staff.submit(&form.with("transcript", "I like my bedroom, because it is quiet."));
        assert_eq!(saved.status, 200, "{}", saved.html);
    }
    let texts = app.count_str(
        "SELECT COALESCE(MAX(text_value), '') AS s FROM answers WHERE question_key = 'favourite-place' AND text_value LIKE 'The park%'",
    );
    assert_eq!(texts, "The park\n\nI like my bedroom, because it is quiet.", "the person's words, then the transcript");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM answers WHERE question_key = 'favourite-place'"), 2);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'answer.transcribed'"), 2);
    let coding = staff.get(&format!("/staff/waves/{wave}/coding"));
    assert!(coding.html.contains("because it is quiet"), "transcripts are coded: {}", coding.html);
    // Too long a transcript is refused beside its box, and kept.
    let list = staff.get(&format!("/staff/waves/{wave}/transcripts"));
    let first = list.attr_of("form[action*='/transcripts/']", "action")[0].clone();
    let form = list.form_ending(first.rsplit('/').next().expect("id"));
    let long = "word ".repeat(1000);
    let refused = staff.submit(&form.with("transcript", &long));
    assert_eq!(refused.status, 400);
    assert!(refused.has(".error-summary") && refused.html.contains("word word word"));

    // The young person deletes their response with the receipt: the recording goes too.
    let delete = young.get(&format!("/s/{wave}/delete"));
    let gone = young.submit(&delete.form().with("code", &receipt).with("confirm", "yes"));
    assert!(gone.status < 400, "{}", gone.html);
    assert_eq!(files(&app, "kind = 'recording'"), 0, "deleted with its response");
    assert_eq!(files(&app, "kind = 'picture'"), 1);

    // Retention: free text past its time goes, and the pictures with it.
    let mut conn = app.db.connect();
    let done = heard::models::retention::run(&mut conn, 0, 2000).expect("retention");
    assert_eq!(done.iter().map(|d| d.files_deleted).sum::<usize>(), 1);
    assert_eq!(files(&app, "1 = 1"), 0);

    // A file-only walk through `complete` still works (files are optional): the plan's words.
    let plan = Plan::from([("favourite-place", vec!["Grandma's garden"])]);
    let walk = complete(&app.browser(), &wave, "parents-carers", &plan, "no");
    assert_eq!(walk.visited, ["favourite-place"]);
}
both!(say_it_or_show_it);
