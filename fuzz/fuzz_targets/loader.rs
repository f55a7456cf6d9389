//! Any bytes given to the loader give a data set or a clean error, never a panic. The first two
//! bytes pick the options (delimiter detected or forced, header detected or absent, an extra
//! missing-value spelling, the missing-value policy, the label, the decimal separator detected or
//! forced, every row or a sample of 10 or 12 rows, and the sample's seed), so the fuzzer explores
//! those paths too; gzip, UTF-16 and the other formats are told by the bytes themselves.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lrfind::data::csv::ReadOptions;
use lrfind::data::{load_reader, Decimal, EncodeOptions, MissingPolicy};

fuzz_target!(|bytes: &[u8]| {
    let [low, high, csv @ ..] = bytes else {
        return;
    };
    let knobs = u16::from_le_bytes([*low, *high]);
    let read = ReadOptions {
        delimiter: [None, Some(b','), Some(b';'), Some(b'\t')][usize::from(knobs & 3)],
        header: (knobs & 4 != 0).then_some(false),
        na_values: if knobs & 8 != 0 { vec!["-1".into()] } else { Vec::new() },
        decimal: [None, Some(Decimal::Point), Some(Decimal::Comma), None][usize::from(knobs >> 8 & 3)],
        max_rows: [None, Some(10), Some(12), None][usize::from(knobs >> 10 & 3)],
        seed: u64::from(knobs >> 12),
    };
    let encode = EncodeOptions {
        missing: [MissingPolicy::Fill, MissingPolicy::Drop, MissingPolicy::Error]
            [usize::from(knobs >> 4 & 3) % 3],
        target: (knobs & 64 != 0).then(|| "0".to_string()),
        max_categories: 3,
        ..EncodeOptions::default()
    };
    if let Ok(d) = load_reader(csv, Path::new("fuzz.csv"), &read, &encode) {
        assert_eq!(d.x.nrows(), d.summary.rows);
        assert_eq!(d.x.ncols(), d.feature_names.len());
        assert!(d.x.iter().all(|v| v.is_finite()));
        assert!(d.summary.rows_read <= d.summary.rows_in_file);
        if let Some(max) = read.max_rows {
            assert!(d.summary.rows_read <= max);
        }
    }
});
