//! A short, human name for the browser a session was opened from ("Firefox on Windows 10"),
//! from its `User-Agent` header, so a person can tell their sessions apart on the sessions
//! page. The parsing is woothee's (a maintained port of the shared woothee rules), not ours.

/// "BROWSER on SYSTEM", "BROWSER", or "An unknown browser"; never longer than 60 characters.
pub fn short_name(user_agent: &str) -> String {
    let parsed = woothee::parser::Parser::new().parse(user_agent);
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    let name = match parsed {
        Some(r) if known(r.name) && known(r.os) => format!("{} on {}", r.name, r.os),
        Some(r) if known(r.name) => r.name.to_owned(),
        Some(r) if known(r.os) => format!("A browser on {}", r.os),
        _ => "An unknown browser".to_owned(),
    };
    name.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn names_common_browsers_briefly() {
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(short_name(firefox), "Firefox on Windows 10");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert!(short_name(iphone).starts_with("Safari on iPhone"), "{}", short_name(iphone));
        assert_eq!(short_name(""), "An unknown browser");
        assert_eq!(short_name("curl/8.5.0"), "HTTP Library");
    }
}
