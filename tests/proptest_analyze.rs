//! Property tests of the recorded-curve reader: any bytes give a log or a clean error, never a
//! panic, and (LR, loss) pairs written in each format read back exactly.

use std::path::Path;

use lrfind::analyze::{analyze, AnalyzeConfig};
use lrfind::curve::read::{read, LogOptions};
use proptest::prelude::*;

fn log(bytes: &[u8]) -> lrfind::Result<lrfind::curve::read::Recorded> {
    read(bytes, Path::new("log"), &LogOptions::default())
}

/// Increasing positive LRs with losses, some of them huge or tiny.
fn curve() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((1e-3f64..2.0, 1e-6f64..1e3), 2..60).prop_map(|steps| {
        let mut lr = 1e-7;
        steps
            .into_iter()
            .map(|(factor, loss)| {
                lr *= 1.0 + factor;
                (lr, loss)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_read_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(recorded) = log(&bytes) {
            // Whatever was read can be analysed without a panic.
            let _ = analyze(&[recorded], &AnalyzeConfig::default());
        }
    }

    #[test]
    fn log_like_text_reads_or_fails_cleanly(
        (header, delimiter) in prop::sample::select(vec![
            ("lr,loss", ","),
            ("learning_rate\ttrain_loss", "\t"),
            ("lr;loss", ";"),
            ("x,y", ","),
        ]),
        cells in prop::collection::vec(
            prop::sample::select(vec!["1e-3", "0.5", "-1", "NaN", "", "inf", "oops", "2e-1", "1"]),
            0..60,
        ),
        json in any::<bool>(),
    ) {
        let text = if json {
            format!("{{\"lr\": [{}], \"loss\": [{}]}}", cells.join(","), cells.iter().rev().cloned().collect::<Vec<_>>().join(","))
        } else {
            let mut t = format!("{header}\n");
            for pair in cells.chunks(2) {
                t.push_str(&pair.join(delimiter));
                t.push('\n');
            }
            t
        };
        if let Ok(recorded) = log(text.as_bytes()) {
            let _ = analyze(&[recorded], &AnalyzeConfig::default());
        }
    }

    #[test]
    fn pairs_round_trip_through_every_format(pairs in curve()) {
        let csv: String = std::iter::once("lr,loss".to_string())
            .chain(pairs.iter().map(|(lr, loss)| format!("{lr:e},{loss:e}")))
            .collect::<Vec<_>>()
            .join("\n");
        let lrs: Vec<String> = pairs.iter().map(|p| format!("{:e}", p.0)).collect();
        let losses: Vec<String> = pairs.iter().map(|p| format!("{:e}", p.1)).collect();
        let json = format!("{{\"lr\": [{}], \"loss\": [{}]}}", lrs.join(","), losses.join(","));
        let lines: String = pairs
            .iter()
            .map(|(lr, loss)| format!("{{\"lr\": {lr:e}, \"loss\": {loss:e}}}\n"))
            .collect();
        for text in [csv, json, lines] {
            let r = log(text.as_bytes()).unwrap();
            let read: Vec<(f64, f64)> = r.runs[0].samples.iter().map(|s| (s.lr, s.loss)).collect();
            prop_assert_eq!(&read, &pairs);
        }
    }
}
