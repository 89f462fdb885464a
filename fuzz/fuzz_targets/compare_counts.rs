//! `heard compare-counts` on any bytes: a refusal (one line, nothing written) or results that
//! parse as JSON, never a panic, an abort or a hang. Inputs that pass the checks are bounded
//! (counts up to 100,000,000), so every run is quick.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    match heard::stats::stream::compare_counts(data, &mut out) {
        Ok(()) => {
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&out);
            assert!(parsed.is_ok(), "the results are JSON");
        }
        Err(e) => {
            assert!(!e.to_string().contains('\n'), "a refusal is one line: {e}");
            assert!(out.is_empty(), "a refused file writes nothing");
        }
    }
});
