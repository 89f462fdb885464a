//! Strict reading of the pieces of a counts file that serde's derive does not check by itself:
//! maps keyed by year (a repeated year is refused, not silently replaced), free JSON values
//! (`text`, `priority`, `value`: repeated keys inside them are refused too), and counts (whole
//! numbers; a negative, fractional or enormous count is named as such).
//!
//! What it must never do: keep the last of two repeated keys, or turn a number that is not a
//! count into one. Bounds (0 to [`super::compare::MAX_COUNT`]) are checked afterwards, where
//! the option's name is known, by `compare::check_case`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// One count: a whole number of answers.
struct Count(u64);

impl<'de> de::Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count: a whole number of answers from 0 to 100,000,000")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                u64::try_from(v)
                    .map(Count)
                    .map_err(|_| E::custom(format!("{v} is not a count: a count cannot be negative")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                if v.fract() == 0.0 && v > 0.0 {
                    Err(E::custom(format!(
                        "{v:e} is far more answers than a survey has: a count is at most 100,000,000 (check for a typing mistake)"
                    )))
                } else {
                    Err(E::custom(format!("{v} is not a count: give a whole number of answers")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A list of counts.
struct Counts(Vec<u64>);

impl<'de> de::Deserialize<'de> for Counts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Counts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of counts, one per option")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Counts, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(Count(c)) = seq.next_element()? {
                    out.push(c);
                }
                Ok(Counts(out))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A map from year to something, refusing a year given twice.
fn unique_map<'de, D, T, R>(d: D, what: &'static str, read: fn(T) -> R) -> Result<BTreeMap<String, R>, D::Error>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    struct V<T, R> {
        what: &'static str,
        read: fn(T) -> R,
    }
    impl<'de, T: de::Deserialize<'de>, R> Visitor<'de> for V<T, R> {
        type Value = BTreeMap<String, R>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{} by year, like {{\"2023\": ..., \"2024\": ...}}", self.what)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(year) = map.next_key::<String>()? {
                if out.contains_key(&year) {
                    return Err(de::Error::custom(format!(
                        "{} for {year:?} are given twice; keep one (the file must not rely on which wins)",
                        self.what
                    )));
                }
                let value: T = map.next_value()?;
                out.insert(year, (self.read)(value));
            }
            Ok(out)
        }
    }
    d.deserialize_map(V { what, read })
}

/// `counts`: year → one count per option.
pub fn year_counts<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<u64>>, D::Error> {
    unique_map(d, "counts", |c: Counts| c.0)
}

/// `respondents`: year → `[positive, valid]` per respondent.
pub fn year_respondents<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<[u64; 2]>>, D::Error> {
    unique_map(d, "respondents", |r: Vec<[u64; 2]>| r)
}

/// Any JSON value, refusing repeated keys in every object inside it.
struct StrictValue(serde_json::Value);

impl<'de> de::Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictSeed)? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("the key {key:?} is given twice; keep one")));
            }
            let v = map.next_value_seed(StrictSeed)?;
            out.insert(key, v);
        }
        Ok(serde_json::Value::Object(out))
    }
}

struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = serde_json::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

/// An optional free JSON value (`text`, `priority`, `value`), with repeated keys refused.
pub fn strict_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    let v = <Option<StrictValue> as de::Deserialize>::deserialize(d)?;
    Ok(v.map(|v| v.0))
}

/// The closest of `known` to a misspelt `given`, if it is near enough to be a typing mistake.
pub fn did_you_mean<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut last = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let old = row[j + 1];
                row[j + 1] = (old + 1).min(row[j] + 1).min(last + usize::from(ca != *cb));
                last = old;
            }
        }
        row[b.len()]
    }
    known
        .iter()
        .map(|k| (distance(given, k), *k))
        .filter(|(d, k)| *d <= 2.min(k.len() / 2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Holder {
        #[serde(deserialize_with = "year_counts")]
        counts: BTreeMap<String, Vec<u64>>,
        #[serde(default, deserialize_with = "strict_value")]
        text: Option<serde_json::Value>,
    }

    #[test]
    fn repeated_years_and_keys_are_refused() {
        let ok: Holder = serde_json::from_str(r#"{"counts": {"2023": [1, 2]}, "text": {"en": "x"}}"#).unwrap();
        assert_eq!(ok.counts["2023"], vec![1, 2]);
        assert_eq!(ok.text, Some(serde_json::json!({"en": "x"})));
        let e = serde_json::from_str::<Holder>(r#"{"counts": {"2023": [1], "2023": [2]}}"#).unwrap_err();
        assert!(e.to_string().contains("counts for \"2023\" are given twice"), "{e}");
        let e = serde_json::from_str::<Holder>(r#"{"counts": {}, "text": {"a": 1, "a": 2}}"#).unwrap_err();
        assert!(e.to_string().contains("the key \"a\" is given twice"), "{e}");
    }

    #[test]
    fn counts_that_are_not_counts_are_named() {
        for (json, want) in [
            ("-1", "cannot be negative"),
            ("1.5", "not a count"),
            ("18446744073709551616", "far more answers"),
            ("\"12\"", "a count: a whole number"),
        ] {
            let e = serde_json::from_str::<Holder>(&format!(r#"{{"counts": {{"2023": [{json}]}}}}"#)).unwrap_err();
            assert!(e.to_string().contains(want), "{json}: {e}");
        }
    }

    #[test]
    fn typing_mistakes_are_recognised() {
        assert_eq!(did_you_mean("exluded", &["positive", "negative", "excluded"]), Some("excluded"));
        assert_eq!(did_you_mean("wibble", &["positive", "negative", "excluded"]), None);
    }
}
