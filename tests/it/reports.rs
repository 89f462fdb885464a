//! Year-on-year pages for staff: the comparison per series and the methods page, on both
//! databases, with the demo's closed waves.

use heard::db::Backend;

use crate::both;
use crate::staff::{PASSWORD, setup, sign_in, status};

fn comparison_pages(backend: Backend) {
    let (app, _, _) = setup(backend);
    let out = std::process::Command::new(crate::helpers::heard_bin())
        .args(["demo"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("demo");
    assert!(out.status.success());
    let (b, _) = sign_in(&app, "viewer@torbay.example", PASSWORD);
    let base = "/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2024";
    let page = b.get(base);
    assert_eq!(page.status, 200, "{}", page.html);
    let summary = page.text_of("p.lede").join("");
    assert!(
        summary.contains("improved") && summary.contains("declined") && summary.contains("no clear change"),
        "{summary}"
    );
    assert!(
        page.html.contains("P5: Getting ready for adult life")
            && page.html.contains("Our young people will tell us they have choice")
    );
    assert!(page.has("svg.chart[role=img] title"), "charts have a text alternative");
    assert!(page.has("table caption"), "and a data table");
    assert!(page.html.contains("Up from 27% in 2023 to 48% in 2024"), "the sentence for future-ready");
    assert!(page.html.contains("Priority P5: Getting ready for adult life: the average across its questions"));
    // The page's numbers are the command's numbers.
    let json = std::process::Command::new(crate::helpers::heard_bin())
        .args([
            "compare",
            "--series",
            "torbay-participation",
            "--from",
            "torbay-participation-2023",
            "--to",
            "torbay-participation-2024",
            "--audience",
            "young-people",
        ])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("compare");
    let out: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let yp = b.get(&format!("{base}&audience=young-people&adjust=holm"));
    for q in out["cases"][0]["questions"].as_array().expect("questions") {
        let sentence = q["sentence"].as_str().expect("sentence");
        if q["verdict"] == "improved" || q["verdict"] == "no_clear_change" {
            let first = sentence.split('.').next().unwrap_or("");
            assert!(yp.html.contains(first), "{first}");
        }
    }
    let methods =
        b.get("/staff/series/torbay-participation/methods?from=torbay-participation-2023&to=torbay-participation-2024");
    assert_eq!(methods.status, 200);
    assert!(methods.html.contains("The smallest change these numbers could detect"));
    assert!(methods.text_of("td.num").iter().any(|t| t.ends_with(" points")));
    // Roles and partnerships.
    let (f, _) = sign_in(&app, "facilitator@torbay.example", PASSWORD);
    assert_eq!(status(&f, base), 403);
    let (s, _) = sign_in(&app, "analyst@southend.example", PASSWORD);
    assert_eq!(status(&s, base), 404);
    assert_eq!(status(&b, "/staff/series/no-such-series/compare"), 404);
    let same =
        b.get("/staff/series/torbay-participation/compare?from=torbay-participation-2023&to=torbay-participation-2023");
    assert_eq!(same.status, 400);
}
both!(comparison_pages);
