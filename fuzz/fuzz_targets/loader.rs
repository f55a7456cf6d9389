//! Any bytes given to the loader give a data set or a clean error, never a panic. The first byte
//! picks the options (delimiter detected or forced, header detected or absent, missing-value
//! policy), so the fuzzer explores those paths too.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lrfind::data::csv::ReadOptions;
use lrfind::data::{load_reader, EncodeOptions, MissingPolicy};

fuzz_target!(|bytes: &[u8]| {
    let Some((&knobs, csv)) = bytes.split_first() else {
        return;
    };
    let read = ReadOptions {
        delimiter: [None, Some(b','), Some(b';'), Some(b'\t')][usize::from(knobs & 3)],
        header: (knobs & 4 != 0).then_some(false),
        na_values: if knobs & 8 != 0 { vec!["-1".into()] } else { Vec::new() },
    };
    let encode = EncodeOptions {
        missing: [MissingPolicy::Fill, MissingPolicy::Drop, MissingPolicy::Error]
            [usize::from(knobs >> 4) % 3],
        target: (knobs & 64 != 0).then(|| "0".to_string()),
        max_categories: 3,
        ..EncodeOptions::default()
    };
    if let Ok(d) = load_reader(csv, Path::new("fuzz.csv"), &read, &encode) {
        assert_eq!(d.x.nrows(), d.summary.rows);
        assert!(d.x.iter().all(|v| v.is_finite()));
    }
});
