//! Read-aloud and pictures: staff upload recordings per question, audience and language, and
//! their own pictures; respondents hear and see them without scripts; bad files are refused
//! with a kind message; uploaded SVG is cleaned and photos are re-encoded. Both databases.

use heard::db::Backend;

use crate::both;
use crate::fixtures::{PASSWORD, setup, sign_in, status};
use crate::helpers::{Browser, spawn_app};

const WAVE: &str = "torbay-participation-2025";

fn multipart(b: &Browser, path: &str, fields: &[(&str, &str)], file: (&str, Vec<u8>)) -> (u16, String) {
    let mut form = reqwest::blocking::multipart::Form::new().text("csrf", b.staff_token());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part("file", reqwest::blocking::multipart::Part::bytes(file.1).file_name(file.0.to_owned()));
    let client = reqwest::blocking::Client::builder().cookie_provider(b.jar.clone()).build().expect("client");
    let res = client.post(format!("{}{path}", b.base)).multipart(form).send().expect("post");
    (res.status().as_u16(), res.text().unwrap_or_default())
}

fn fake_ogg(n: usize) -> Vec<u8> {
    let mut v = b"OggS\x00\x02".to_vec();
    v.extend((0..n).map(|i| (i % 251) as u8));
    v
}

fn question_page(app: &crate::helpers::TestApp, lang: Option<&str>) -> (Browser, crate::helpers::Page) {
    let b = app.browser();
    if let Some(l) = lang {
        b.get(&format!("/language?to={l}&back=/"));
    }
    let start = b.get(&format!("/s/{WAVE}/young-people"));
    let q = b.submit(&start.form());
    (b, q)
}

fn recordings_are_heard_without_scripts(backend: Backend) {
    let (app, _, _) = setup(backend);
    // Without a recording: a Listen button, hidden until the speech script shows it.
    let (_, q) = question_page(&app, None);
    assert!(q.has("p.listen[hidden] button.listen-button[type=button]"), "{}", q.html);
    assert!(q.html.contains("<script src=\"/assets/listen."), "the speech script is loaded");
    assert!(!q.has("audio"));

    let (b, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    let page = b.get(&format!("/staff/waves/{WAVE}/recordings"));
    assert_eq!(page.status, 200);
    let versions = page.text_of("#version option");
    assert_eq!(
        versions,
        vec![
            "A young person, English",
            "A young person, Polski",
            "A young person, العربية",
            "A parent or carer, English"
        ]
    );

    let path = format!("/staff/waves/{WAVE}/recordings");
    // Bad files get a kind message and store nothing.
    let (code, html) = multipart(
        &b,
        &path,
        &[("version", "young-people|en-GB"), ("question", "listened-to")],
        ("q.mp3", b"<html>not sound".to_vec()),
    );
    assert_eq!(code, 400);
    assert!(html.contains("This is not a sound file Heard can play"), "{html}");
    let (code, html) =
        multipart(&b, &path, &[("version", "parents-carers|pl"), ("question", "listened-to")], ("q.ogg", fake_ogg(10)));
    assert_eq!(code, 400);
    assert!(html.contains("That version is not part of this survey"), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM recordings"), 0);
    // A real upload, then a replacement: one recording per slot.
    for _ in 0..2 {
        let (code, html) = multipart(
            &b,
            &path,
            &[("version", "young-people|en-GB"), ("question", "listened-to")],
            ("q.ogg", fake_ogg(5000)),
        );
        assert_eq!(code, 200, "{html}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM recordings"), 1);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'recording.added'"), 2);

    // The respondent gets a plain audio player (and no speech script); Polish has none.
    let (rb, q) = question_page(&app, None);
    let src = q
        .doc()
        .select(&scraper::Selector::parse(".listen audio[controls]").unwrap())
        .next()
        .and_then(|a| a.value().attr("src").map(str::to_owned))
        .expect("audio player");
    assert!(!q.html.contains("/assets/listen."));
    let res = rb.raw().get(format!("{}{src}", rb.base)).send().unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "audio/ogg");
    assert_eq!(res.bytes().unwrap().to_vec(), fake_ogg(5000));
    let part = rb.raw().get(format!("{}{src}", rb.base)).header("range", "bytes=0-3").send().unwrap();
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.headers()["content-range"], format!("bytes 0-3/{}", fake_ogg(5000).len()));
    assert_eq!(part.bytes().unwrap().as_ref(), b"OggS");
    let bad = rb.raw().get(format!("{}{src}", rb.base)).header("range", "bytes=999999-").send().unwrap();
    assert_eq!(bad.status().as_u16(), 416);
    let (_, polish) = question_page(&app, Some("pl"));
    assert!(!polish.has("audio") && polish.has("button.listen-button"));

    // Another partnership cannot see or remove it; removing it brings the Listen button back.
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&other, &path), 404);
    let list = b.get(&path);
    let delete = list.form_ending("/delete");
    let id = delete.action.split('/').nth(5).unwrap().to_owned();
    let forged = other.post_body(&format!("{path}/{id}/delete"), format!("csrf={}", other.staff_token()).into_bytes());
    assert_eq!(forged.status, 404);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM recordings"), 1);
    let viewer = sign_in(&app, "viewer@torbay.example", PASSWORD).0;
    assert_eq!(
        viewer.post_body(&format!("{path}/{id}/delete"), format!("csrf={}", viewer.staff_token()).into_bytes()).status,
        403
    );
    b.submit(&delete);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM recordings"), 0);
    assert_eq!(rb.raw().get(format!("{}{src}", rb.base)).send().unwrap().status().as_u16(), 404);
}
both!(recordings_are_heard_without_scripts);

fn pictures_are_cleaned_and_shown(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    assert!(b.get("/staff").has("a[href='/staff/images']"));
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(1)</script><circle cx="5" cy="5" r="4" fill="green"/></svg>"#;
    let (code, html) = multipart(
        &b,
        "/staff/images",
        &[("name", "our-school"), ("alt", "Our school, with the big green door")],
        ("school.svg", svg.to_vec()),
    );
    assert_eq!(code, 200, "{html}");
    // Kind refusals: no alt text, a built-in name, not a picture, a bad name.
    for (name, alt, file, want) in [
        ("door", "", svg.to_vec(), "Describe what the picture shows"),
        ("school", "A school", svg.to_vec(), "is one of Heard's own symbols"),
        ("notes", "Notes", b"just text".to_vec(), "This is not a picture Heard can use"),
        ("Our School!", "A school", svg.to_vec(), "short name of lower-case letters"),
    ] {
        let (code, html) = multipart(&b, "/staff/images", &[("name", name), ("alt", alt)], ("f", file));
        assert_eq!(code, 400, "{name}");
        assert!(html.contains(&handlebars::html_escape(want)), "{want} in {html}");
    }
    // A photo is re-encoded as PNG and scaled down.
    let img = image::RgbImage::from_pixel(900, 900, image::Rgb([10, 120, 40]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let (code, _) = multipart(
        &b,
        "/staff/images",
        &[("name", "our-park"), ("alt", "The park by the school")],
        ("park.jpg", jpeg.into_inner()),
    );
    assert_eq!(code, 200);
    let page = b.get("/staff/images");
    let srcs: Vec<String> = page
        .doc()
        .select(&scraper::Selector::parse("td img").unwrap())
        .filter_map(|i| i.value().attr("src").map(str::to_owned))
        .collect();
    assert_eq!(srcs.len(), 2);
    let park = b.raw().get(format!("{}{}", b.base, srcs[0])).send().unwrap();
    assert_eq!(park.headers()["content-type"], "image/png");
    let decoded = image::load_from_memory(&park.bytes().unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (512, 512));
    let school = b.raw().get(format!("{}{}", b.base, srcs[1])).send().unwrap();
    assert_eq!(school.headers()["content-type"], "image/svg+xml");
    assert!(school.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    let body = school.text().unwrap();
    assert!(body.contains("<circle") && !body.contains("script") && !body.contains("onload"), "{body}");

    // A survey names the picture where a symbol would go; respondents see it with its alt text.
    {
        let mut conn = app.db.connect();
        let source = heard::demo::survey_source("torbay-participation-2031", "2031", "open", "2020-01-01")
            .replacen(
                "symbol = { image = \"listening\", alt = \"An ear listening\" }",
                "symbol = { image = \"our-school\", alt = \"Our school\" }",
                1,
            )
            .replacen("symbol = { image = \"school\" }", "symbol = { image = \"our-park\" }", 1);
        let def = heard::domain::SurveyDefinition::parse("s.toml", &source, 2000).unwrap();
        heard::models::survey::import(&mut conn, "s.toml", &source, &def).unwrap();
    }
    let r = app.browser();
    let start = r.get("/s/torbay-participation-2031/young-people");
    let q = r.submit(&start.form());
    let img = q
        .doc()
        .select(&scraper::Selector::parse(".q-symbol img").unwrap())
        .next()
        .map(|i| (i.value().attr("src").unwrap_or("").to_owned(), i.value().attr("alt").unwrap_or("").to_owned()))
        .expect("the partnership's picture");
    assert!(img.0.starts_with("/media/images/"));
    assert_eq!(img.1, "Our school");
    // Other partnerships' staff cannot see or remove Torbay's pictures.
    let (other, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(other.get("/staff/images").text_of("td code").len(), 0);
}
both!(pictures_are_cleaned_and_shown);

fn media_addresses_are_safe(backend: Backend) {
    let app = spawn_app(backend);
    let b = app.browser();
    for path in [
        "/media/recordings/../../etc/passwd",
        "/media/recordings/nope",
        "/media/images/00000000-0000-0000-0000-000000000000",
        "/media/images/%00",
    ] {
        let res = b.raw().get(format!("{}{path}", b.base)).send().unwrap();
        assert_eq!(res.status().as_u16(), 404, "{path}");
    }
    assert_eq!(status(&b, "/staff/images"), 303, "staff pages need sign-in");
}
both!(media_addresses_are_safe);

/// The security review's two ways to take the server down, and the oversized picture: a
/// deeply nested SVG is refused (it overflowed the stack before), a picture claiming 64
/// million pixels is refused from its header, and the server answers the next request.
fn hostile_pictures_are_refused_and_the_server_stays_up(backend: Backend) {
    let (app, _, _) = setup(backend);
    let (b, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let deep =
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\">{}{}</svg>", "<g>".repeat(10_000), "</g>".repeat(10_000));
    let (code, html) =
        multipart(&b, "/staff/images", &[("name", "deep"), ("alt", "Nested groups")], ("deep.svg", deep.into_bytes()));
    assert_eq!(code, 400, "{html}");
    assert!(html.contains("far more complicated than a picture needs"), "{html}");
    let img = image::GrayImage::from_pixel(8000, 8000, image::Luma([9]));
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(img).write_to(&mut png, image::ImageFormat::Png).unwrap();
    let (code, html) =
        multipart(&b, "/staff/images", &[("name", "huge"), ("alt", "A grey square")], ("huge.png", png.into_inner()));
    assert_eq!(code, 400, "{html}");
    assert!(html.contains("far larger than a phone shows"), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM images"), 0, "nothing stored");
    assert_eq!(b.get("/staff/images").status, 200, "still serving");
}
both!(hostile_pictures_are_refused_and_the_server_stays_up);

/// Multipart bodies are bounded and checked before they are read: a viewer's upload is
/// refused before its body is read; a missing or forged token is refused before any file; a
/// body of many empty parts, a long part name or a body past the limit is refused with
/// nothing stored.
fn uploads_are_checked_before_they_are_read(backend: Backend) {
    use std::io::{Read, Write};
    let (app, _, _) = setup(backend);
    let (viewer, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let (analyst, _) = sign_in(&app, "analyst@torbay.example", PASSWORD);
    let genuine = analyst.staff_token();
    let host = app.address.trim_start_matches("http://").to_owned();
    let cookies = |b: &Browser| {
        use reqwest::cookie::CookieStore;
        b.jar.cookies(&format!("{}/staff/images", b.base).parse().unwrap()).map(|v| v.to_str().unwrap().to_owned())
    };
    // Sends `head` of a body that claims `length` bytes (more may follow), returns the status.
    let raw = |b: &Browser, path: &str, length: usize, head: &[u8]| -> u16 {
        let mut s = std::net::TcpStream::connect(&host).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
            cookies(b).unwrap_or_default()
        );
        s.write_all(request.as_bytes()).unwrap();
        let _ = s.write_all(head);
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
    };
    let parts = |n: usize| -> Vec<u8> {
        let mut body = Vec::new();
        for i in 0..n {
            body.extend_from_slice(
                format!("--XyZ\r\nContent-Disposition: form-data; name=\"p{i}\"\r\n\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        body
    };
    // A viewer may not upload pictures: refused from the headers, before any body is sent.
    assert_eq!(raw(&viewer, "/staff/images", 50_000_000, b""), 403);
    assert_eq!(raw(&viewer, "/staff/surveys/upload", 50_000_000, b""), 403);
    // Larger than the limit by its own account: refused before reading.
    assert_eq!(raw(&analyst, "/staff/images", 50_000_000, b""), 413);
    // A file before any token, and a forged token: refused before the file is read.
    let file_first = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n";
    assert_eq!(raw(&analyst, "/staff/images", 1_000_000, file_first), 403);
    let forged = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n",
        "ab".repeat(32)
    );
    assert_eq!(raw(&analyst, "/staff/images", 1_000_000, forged.as_bytes()), 403);
    // Many empty parts with a genuine token: refused at the part limit.
    let mut body = format!("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{genuine}\r\n").into_bytes();
    body.extend(parts(20_000));
    assert_eq!(raw(&analyst, "/staff/images", body.len(), &body), 400);
    // A part name of 10,000 bytes.
    let mut long = format!("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{genuine}\r\n").into_bytes();
    long.extend(
        format!("--XyZ\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\nx\r\n--XyZ--\r\n", "n".repeat(10_000))
            .as_bytes(),
    );
    assert_eq!(raw(&analyst, "/staff/images", long.len(), &long), 400);
    // A body that passes the limit without declaring its length (chunked), made of one
    // part's headers: header bytes count too.
    let mut big = format!("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{genuine}\r\n").into_bytes();
    big.extend_from_slice(
        format!("--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Pad: {}", "p".repeat(3 * 1024 * 1024))
            .as_bytes(),
    );
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let request = format!(
        "POST /staff/images HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        cookies(&analyst).unwrap_or_default()
    );
    s.write_all(request.as_bytes()).unwrap();
    for chunk in big.chunks(64 * 1024) {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
            || s.write_all(chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{}", answer.lines().next().unwrap_or(""));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM images"), 0, "nothing stored");
    assert_eq!(sign_in(&app, "analyst@torbay.example", PASSWORD).0.get("/staff/images").status, 200, "still serving");
}
both!(uploads_are_checked_before_they_are_read);
