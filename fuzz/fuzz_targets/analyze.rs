//! Any bytes given to the recorded-curve reader give a log or a clean error, never a panic, and
//! whatever it reads analyses without one. The first byte picks the options: column names given
//! or found, the recorder's smoothing undone or not, and the smoother's width.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use lrfind::analyze::{analyze, AnalyzeConfig};
use lrfind::curve::read::{read, LogOptions};
use lrfind::curve::CurveSettings;

fuzz_target!(|bytes: &[u8]| {
    let [knobs, log @ ..] = bytes else {
        return;
    };
    let options = LogOptions {
        lr_column: (knobs & 1 != 0).then(|| "lr".to_string()),
        loss_column: (knobs & 2 != 0).then(|| "loss".to_string()),
    };
    let config = AnalyzeConfig {
        curve: CurveSettings {
            smoothing: [0.05, 0.2, 0.5, 2.0][usize::from(knobs >> 2 & 3)],
            ..CurveSettings::default()
        },
        smoothed_by: [None, Some(0.05), Some(0.98), None][usize::from(knobs >> 4 & 3)],
        ..AnalyzeConfig::default()
    };
    if let Ok(recorded) = read(log, Path::new("fuzz.log"), &options) {
        for run in &recorded.runs {
            assert!(run.samples.len() >= 2 || run.samples.iter().any(|s| !s.loss.is_finite()));
            assert!(run.samples.windows(2).all(|w| w[0].lr <= w[1].lr));
            assert!(run.samples.iter().all(|s| s.lr.is_finite() && s.lr > 0.0));
        }
        if let Ok(report) = analyze(&[recorded], &config) {
            if let Some(lr) = report.suggested_lr() {
                assert!(lr.is_finite() && lr > 0.0);
            }
        }
    }
});
