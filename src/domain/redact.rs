//! Redaction: takes names and contact details out of a free-text answer before it can become
//! a quote. The original answer is never changed; staff see what was taken out, can edit the
//! result, and must approve it before it can be exported.
//!
//! What it finds: email addresses, web addresses, UK phone numbers (mobile and landline, with
//! or without spaces, brackets or +44), UK postcodes (with or without the space), the
//! partnership's own list of names (staff, schools, services), and people's names by a careful
//! heuristic: a title and a name (`Mrs Patel`), a common first name anywhere (so a name that
//! starts a sentence is caught), and two capitalised words together mid-sentence (`Keturah
//! Okonjo`) unless they are known service words (`Local Offer`). It errs towards taking too
//! much out: a person reviews every quote.

use std::sync::OnceLock;

use regex::Regex;

/// What kind of thing was taken out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Found {
    Email,
    WebAddress,
    Phone,
    Postcode,
    Name,
}

impl Found {
    pub fn placeholder(self) -> &'static str {
        match self {
            Found::Email => "[email address]",
            Found::WebAddress => "[web address]",
            Found::Phone => "[phone number]",
            Found::Postcode => "[postcode]",
            Found::Name => "[name]",
        }
    }
}

/// A redacted text and what was taken out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub found: Vec<(Found, String)>,
}

struct Patterns {
    email: Regex,
    url: Regex,
    domain: Regex,
    phone: Regex,
    postcode: Regex,
    titled: Regex,
    first_name: Regex,
    pair: Regex,
}

/// Common first names in England (ONS lists), for catching a name that starts a sentence.
const FIRST_NAMES: &[&str] = &[
    "Aaliyah",
    "Abdul",
    "Adam",
    "Aisha",
    "Alex",
    "Alfie",
    "Ali",
    "Alice",
    "Amelia",
    "Amir",
    "Amy",
    "Andrew",
    "Anna",
    "Archie",
    "Arthur",
    "Ava",
    "Ben",
    "Benjamin",
    "Bethany",
    "Callum",
    "Caroline",
    "Charlie",
    "Charlotte",
    "Chloe",
    "Chris",
    "Claire",
    "Connor",
    "Daisy",
    "Daniel",
    "David",
    "Dylan",
    "Edward",
    "Eleanor",
    "Elijah",
    "Ella",
    "Ellie",
    "Emily",
    "Emma",
    "Ethan",
    "Evie",
    "Fatima",
    "Finley",
    "Freddie",
    "Freya",
    "George",
    "Georgia",
    "Grace",
    "Hannah",
    "Harper",
    "Harry",
    "Harvey",
    "Helen",
    "Henry",
    "Holly",
    "Ibrahim",
    "Isaac",
    "Isabella",
    "Isla",
    "Ivy",
    "Jack",
    "Jacob",
    "James",
    "Jane",
    "Jasmine",
    "Jayden",
    "Jessica",
    "Joe",
    "John",
    "Joseph",
    "Joshua",
    "Julie",
    "Karen",
    "Kate",
    "Katie",
    "Kayla",
    "Kyle",
    "Laura",
    "Leo",
    "Lewis",
    "Liam",
    "Lily",
    "Logan",
    "Louis",
    "Lucas",
    "Lucy",
    "Luke",
    "Mark",
    "Maryam",
    "Mason",
    "Matthew",
    "Maya",
    "Megan",
    "Mia",
    "Michael",
    "Mohammed",
    "Muhammad",
    "Nathan",
    "Nicola",
    "Noah",
    "Oliver",
    "Olivia",
    "Oscar",
    "Paul",
    "Peter",
    "Phoebe",
    "Poppy",
    "Rachel",
    "Rebecca",
    "Reuben",
    "Riley",
    "Robert",
    "Rosie",
    "Ruby",
    "Ryan",
    "Sam",
    "Samuel",
    "Sarah",
    "Scarlett",
    "Sean",
    "Sienna",
    "Sofia",
    "Sophie",
    "Stephen",
    "Steven",
    "Susan",
    "Theo",
    "Thomas",
    "Tom",
    "Tommy",
    "Tyler",
    "Victoria",
    "William",
    "Willow",
    "Zara",
    "Zoe",
];

/// Capitalised words that are not people's names, so a pair of them is left alone.
const NOT_NAMES: &[&str] = &[
    "A",
    "An",
    "And",
    "Autism",
    "But",
    "CAMHS",
    "Care",
    "Carer",
    "Carers",
    "Centre",
    "Children",
    "Christmas",
    "College",
    "Council",
    "Day",
    "Dear",
    "Easter",
    "Education",
    "EHC",
    "EHCP",
    "English",
    "Family",
    "Forum",
    "Friday",
    "God",
    "Health",
    "Help",
    "Hub",
    "I",
    "In",
    "It",
    "Local",
    "Maths",
    "Monday",
    "Mum",
    "Dad",
    "My",
    "NHS",
    "Nursery",
    "Offer",
    "Parent",
    "Plan",
    "Primary",
    "Saturday",
    "School",
    "SEN",
    "SENCO",
    "SENCo",
    "SEND",
    "Service",
    "Services",
    "Social",
    "Sunday",
    "Support",
    "Team",
    "The",
    "They",
    "Thursday",
    "Tuesday",
    "Wednesday",
    "We",
    "When",
    "Year",
    "Young",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Torbay",
    "Stockton",
    "Southend",
    "England",
    "Devon",
    "Teesside",
    "Essex",
    "Voice",
    "Partnership",
    "Academy",
    "Trust",
    "Hospital",
    "Speech",
    "Language",
    "Therapy",
    "Therapist",
    "Occupational",
    "Early",
    "Years",
];

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    let built = P.get_or_init(|| {
        let names = FIRST_NAMES.join("|");
        Some(Patterns {
            email: Regex::new(r"(?i)[a-z0-9][a-z0-9._%+\-']*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}").ok()?,
            url: Regex::new(r#"(?i)\b(?:https?://|www\.)[^\s<>"]*[^\s<>".,;:!?)\]]"#).ok()?,
            domain: Regex::new(r"(?i)\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:co\.uk|org\.uk|gov\.uk|ac\.uk|nhs\.uk|sch\.uk|com|org|net|uk|io|info)\b(?:/[^\s]*[^\s.,;:!?)])?").ok()?,
            phone: Regex::new(r"(?:\+\s?44\s?\(?0?\)?|0044\s?|\(?\b0)[\d\s\-()]{8,16}\d").ok()?,
            postcode: Regex::new(r"(?i)\b[a-z]{1,2}\d[a-z\d]?\s?\d[abd-hjlnp-uw-z]{2}\b").ok()?,
            titled: Regex::new(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir)\.?\s+[A-Z][\p{Ll}'\-]+(?:\s+[A-Z][\p{Ll}'\-]+)?").ok()?,
            first_name: Regex::new(&format!(r"\b(?:{names})\b(?:\s+[A-Z][\p{{Ll}}'\-]+)?")).ok()?,
            pair: Regex::new(r"\b[A-Z][\p{Ll}'\-]+\s+[A-Z][\p{Ll}'\-]+\b").ok()?,
        })
    });
    built.as_ref()
}

fn digits(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

/// Whether a run of digits is a plausible UK phone number.
fn is_phone(candidate: &str) -> bool {
    let n = digits(candidate);
    let t = candidate.trim_start();
    if t.starts_with('+') || t.starts_with("0044") {
        // +44 then 9 or 10 digits (an optional (0) adds one).
        (11..=13).contains(&n)
    } else {
        n == 10 || n == 11
    }
}

/// One pattern matching any of a partnership's listed names (whole words, any case), longest
/// first so "Oldway Primary School" wins over "Oldway". Built once per list and kept: a list
/// of thousands of names compiled one regex per name took most of a second per page.
fn listed_names(names: &[String]) -> Option<std::sync::Arc<Regex>> {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};
    type Cache = std::sync::Mutex<Vec<(u64, std::sync::Arc<Regex>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let mut listed: Vec<&str> = names.iter().map(|n| n.trim()).filter(|n| n.chars().count() >= 2).collect();
    if listed.is_empty() {
        return None;
    }
    listed.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    listed.dedup();
    let mut hasher = DefaultHasher::new();
    listed.hash(&mut hasher);
    let key = hasher.finish();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(re) = cache.lock().ok().and_then(|c| c.iter().find(|(k, _)| *k == key).map(|(_, r)| r.clone())) {
        return Some(re);
    }
    let alternatives: Vec<String> = listed.iter().map(|n| regex::escape(n)).collect();
    let re = regex::RegexBuilder::new(&format!(r"(?i)\b(?:{})\b", alternatives.join("|")))
        .size_limit(64 * 1024 * 1024)
        .build()
        .ok()?;
    let re = std::sync::Arc::new(re);
    if let Ok(mut c) = cache.lock() {
        // A few partnerships' lists at most; the oldest goes first.
        if c.len() >= 16 {
            c.remove(0);
        }
        c.push((key, re.clone()));
    }
    Some(re)
}

/// Takes contact details and names out of `text`. `names` is the partnership's own list.
pub fn redact(text: &str, names: &[String]) -> Redacted {
    let Some(p) = patterns() else {
        // The patterns are constants checked by a unit test; should they ever fail to build,
        // withhold everything rather than let a name through.
        return Redacted { text: "[withheld: redact by hand]".to_owned(), found: vec![(Found::Name, text.to_owned())] };
    };
    let mut out = text.to_owned();
    let mut found = Vec::new();
    let mut replace = |out: &mut String, re: &Regex, kind: Found, keep: &dyn Fn(&str, &str) -> bool| {
        let mut result = String::with_capacity(out.len());
        let mut last = 0;
        for m in re.find_iter(out) {
            if !keep(m.as_str(), &out[..m.start()]) {
                continue;
            }
            result.push_str(&out[last..m.start()]);
            result.push_str(kind.placeholder());
            found.push((kind, m.as_str().to_owned()));
            last = m.end();
        }
        result.push_str(&out[last..]);
        *out = result;
    };
    let any = |_: &str, _: &str| true;
    replace(&mut out, &p.email, Found::Email, &any);
    replace(&mut out, &p.url, Found::WebAddress, &any);
    replace(&mut out, &p.domain, Found::WebAddress, &any);
    replace(&mut out, &p.phone, Found::Phone, &|m, _| is_phone(m));
    replace(&mut out, &p.postcode, Found::Postcode, &any);
    // The partnership's own names, any case, whole words: one pattern for the whole list.
    if let Some(re) = listed_names(names) {
        replace(&mut out, &re, Found::Name, &any);
    }
    replace(&mut out, &p.titled, Found::Name, &any);
    replace(&mut out, &p.first_name, Found::Name, &|m, _| {
        let first = m.split_whitespace().next().unwrap_or("");
        !NOT_NAMES.contains(&first)
    });
    replace(&mut out, &p.pair, Found::Name, &|m, before| {
        let words: Vec<&str> = m.split_whitespace().collect();
        let mid_sentence =
            before.trim_end().chars().last().is_some_and(|c| !matches!(c, '.' | '!' | '?' | '\n' | '"' | '“'));
        mid_sentence && !words.iter().any(|w| NOT_NAMES.contains(w))
    });
    Redacted { text: out, found }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        redact(text, &["Oldway Primary".to_owned(), "Bayside Centre".to_owned()]).text
    }

    #[test]
    fn tricky_inputs() {
        let table: &[(&str, &str)] = &[
            // Names, including at the start of a sentence.
            ("Sarah helped me a lot.", "[name] helped me a lot."),
            ("Sarah Jones helped me a lot.", "[name] helped me a lot."),
            ("My son's teacher, Mr Jenkins, was great.", "My son's teacher, [name], was great."),
            ("We saw Dr. Okafor at the clinic.", "We saw [name] at the clinic."),
            ("We spoke to Keturah Okonjo yesterday.", "We spoke to [name] yesterday."),
            (
                "Thank you to everyone at Oldway Primary and oldway primary!",
                "Thank you to everyone at [name] and [name]!",
            ),
            // Not names.
            ("The Local Offer is hard to use.", "The Local Offer is hard to use."),
            ("I went to CAMHS in March and the NHS was slow.", "I went to CAMHS in March and the NHS was slow."),
            ("By Monday the Parent Carer Forum had replied.", "By Monday the Parent Carer Forum had replied."),
            // Emails, with plus signs and dots.
            ("Email jo.bloggs+send@example.co.uk please", "Email [email address] please"),
            ("mum_2@mail.com.", "[email address]."),
            // UK mobiles and landlines.
            ("Call 07700 900123 any time", "Call [phone number] any time"),
            ("Call 07700900123", "Call [phone number]"),
            ("Ring +44 7700 900123.", "Ring [phone number]."),
            ("Ring +44 (0)1803 207123 today", "Ring [phone number] today"),
            ("Office (01803) 207 123", "Office [phone number]"),
            ("Office 01803 207123", "Office [phone number]"),
            ("020 7946 0018 is London", "[phone number] is London"),
            ("He is 14 and in year 9", "He is 14 and in year 9"),
            // Postcodes with and without the space, any case.
            ("We live at TQ1 3BA.", "We live at [postcode]."),
            ("We live at tq13ba", "We live at [postcode]"),
            ("SW1A 1AA is far", "[postcode] is far"),
            // Web addresses.
            ("See www.torbay.gov.uk/send.", "See [web address]."),
            ("Look at https://example.org/a?b=c, then", "Look at [web address], then"),
            ("facebook.com/groups/ourgroup is good", "[web address] is good"),
        ];
        let mut wrong = Vec::new();
        for (input, expected) in table {
            let got = r(input);
            if got != *expected {
                wrong.push(format!("{input:?}\n   expected {expected:?}\n   got      {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn long_name_lists_are_one_pattern() {
        let mut names: Vec<String> = (0..3300).map(|i| format!("Pupil{i} Surname{i}")).collect();
        names.push("Oldway".into());
        names.push("Oldway Primary School".into());
        let out = redact("At Oldway Primary School, pupil3299 surname3299 and Oldway said hi.", &names);
        assert_eq!(out.text, "At [name], [name] and [name] said hi.");
        assert!(listed_names(&names).is_some());
        assert!(listed_names(&[" ".into(), "a".into()]).is_none());
    }

    #[test]
    fn reports_what_it_found_and_keeps_scripts() {
        let out = redact("Sarah's number is 07700 900123 🙂 شكرا", &[]);
        assert_eq!(out.text, "[name]'s number is [phone number] 🙂 شكرا");
        assert_eq!(out.found.len(), 2);
        assert!(out.found.iter().any(|(k, v)| *k == Found::Phone && v == "07700 900123"));
    }
}
