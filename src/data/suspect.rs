//! Columns that are not what they seem: an identifier or a row number among the features, a
//! label that holds years, dates or identifiers, and a whole table that is a recorded LR range
//! test rather than data to learn from. Each test reads names and values only; `plan`, `target`
//! and `encode` decide what follows from it.

use std::collections::HashSet;

use super::csv::Table;
use super::plan::MIN_IDENTIFIER_LEVELS;
use super::summary::LabelDoubt;

/// The words of a column name, lower-case: split at anything but a letter or a digit and where
/// camel case starts a word (`PassengerId` is `passenger`, `id`; `IDNumber` is `id`, `number`).
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (i, &ch) in chars.iter().enumerate() {
            let starts = i > 0
                && ch.is_uppercase()
                && (chars[i - 1].is_lowercase()
                    || chars.get(i + 1).is_some_and(|n| n.is_lowercase())
                        && chars[i - 1].is_uppercase());
            if starts && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.extend(ch.to_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// Whether a column name says "identifier": a word `id`, `ids`, `uuid`, `guid` or
/// `identifier` (`ID`, `sample_id`, `PassengerId`, `customer id`), or the whole name `index`
/// or pandas' `Unnamed: N` (a saved row index).
pub fn named_like_identifier(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    if lower == "index" || lower.starts_with("unnamed:") {
        return true;
    }
    words(name)
        .iter()
        .any(|w| matches!(w.as_str(), "id" | "ids" | "uuid" | "guid" | "identifier"))
}

/// Whether column `c` holds integers that go up by one from row to row of the file (a sample
/// skips rows: its integers go up by as many rows as it skips), with no cell missing.
pub fn counts_rows(table: &Table, c: usize) -> bool {
    let first = table.number(0, c);
    table.columns[c].missing == 0
        && first.fract() == 0.0
        && (0..table.rows())
            .all(|r| table.number(r, c) == first + (table.ordinal(r) - table.ordinal(0)) as f64)
}

/// The least magnitude of an integer code: five digits. Counts and measurements of that size
/// are rarely nearly all distinct *and* within two decades of each other; sample, customer and
/// order numbers are.
pub const MIN_CODE: f64 = 10_000.0;

/// The largest magnitude of an integer code: 2^24, the integers an f32 holds exactly (above it,
/// the table cannot tell an integer from a rounded measurement).
pub const MAX_CODE: f64 = 16_777_216.0;

/// Integer codes are within this ratio of each other (two decades): a code has a fixed or
/// nearly fixed number of digits, where populations, prices and counts span decades.
pub const CODE_SPAN: f64 = 100.0;

/// The share of distinct values among the present ones that makes integer codes "nearly all
/// distinct": a few rows may repeat a code (a sample measured twice).
pub const CODE_DISTINCT: f64 = 0.9;

/// When column `c` (numbers only) holds large integer codes nearly all distinct, such as a
/// 7-digit sample number: `Some((distinct, present))`. Every present value an integer from
/// [`MIN_CODE`] to [`MAX_CODE`], all within [`CODE_SPAN`] of each other, more than
/// [`MIN_IDENTIFIER_LEVELS`] of them and at least [`CODE_DISTINCT`] of them distinct.
pub fn integer_codes(table: &Table, c: usize) -> Option<(usize, usize)> {
    let present = table.rows() - table.columns[c].missing;
    if present <= MIN_IDENTIFIER_LEVELS {
        return None;
    }
    let values = (0..table.rows())
        .map(|r| table.number(r, c))
        .filter(|v| !v.is_nan());
    let (mut lo, mut hi) = (f64::INFINITY, 0f64);
    for v in values.clone() {
        if v.fract() != 0.0 || !(MIN_CODE..=MAX_CODE).contains(&v.abs()) {
            return None;
        }
        lo = lo.min(v.abs());
        hi = hi.max(v.abs());
    }
    if hi > CODE_SPAN * lo {
        return None;
    }
    let distinct = values.map(f64::to_bits).collect::<HashSet<_>>().len();
    (distinct as f64 >= CODE_DISTINCT * present as f64).then_some((distinct, present))
}

/// Whether a label of integers `lo..=hi` holds years: every value within 1800 to 2100.
fn years(lo: f64, hi: f64) -> bool {
    (1800.0..=2100.0).contains(&lo) && (1800.0..=2100.0).contains(&hi)
}

/// Whether an integer is a date written `yyyymmdd` (19000101 to 21001231, month 1 to 12, day 1
/// to 31). The value is the f32 the table holds, which rounds such integers to even ones, so
/// the day may read 0 or 32.
fn yyyymmdd(v: f64) -> bool {
    if v.fract() != 0.0 || !(19_000_100.0..=21_001_232.0).contains(&v) {
        return false;
    }
    let v = v as u64;
    let (month, day) = (v / 100 % 100, v % 100);
    (1..=12).contains(&month) && day <= 32
}

/// Whether a text is a date, optionally with a time: `2021-03-04`, `2021/03/04`, `04/03/2021`,
/// `3/4/2021`, `04.03.2021`, then optionally `T` or a space and a time (`12:30`, `12:30:05`).
pub fn is_date(text: &str) -> bool {
    let text = text.trim();
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
    let numbers: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect();
    let separators_agree = {
        let seps: Vec<char> = date.chars().filter(|c| "-/.".contains(*c)).collect();
        seps.windows(2).all(|w| w[0] == w[1])
    };
    let date_ok = match (numbers.as_deref(), parts.as_slice()) {
        (Some(&[y, m, d]), [py, ..]) if py.len() == 4 => {
            (1000..=2999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
        }
        (Some(&[a, b, y]), [.., py]) if py.len() == 4 => {
            (1000..=2999).contains(&y)
                && ((1..=12).contains(&a) && (1..=31).contains(&b)
                    || (1..=31).contains(&a) && (1..=12).contains(&b))
        }
        _ => false,
    };
    let time_ok = time.is_none_or(|t| {
        let t = t.trim_end_matches('Z');
        let clock = t.split(['+', '.']).next().unwrap_or("");
        let fields: Vec<&str> = clock.split(':').collect();
        (2..=3).contains(&fields.len())
            && fields
                .iter()
                .all(|f| f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit()))
    });
    separators_agree && date_ok && time_ok
}

/// Why label column `c` may not be what the user means to predict: a name that says
/// identifier, integers that count the rows, years, dates, or text with a class per row or
/// nearly (more than [`MIN_IDENTIFIER_LEVELS`] classes, more than half the rows distinct). `rows` are the
/// rows used; `classes` the label's classes, when it is a classification.
pub fn label_doubt(
    table: &Table,
    c: usize,
    rows: impl Iterator<Item = usize> + Clone,
    classes: Option<usize>,
) -> Option<LabelDoubt> {
    let name = &table.headers[c];
    if named_like_identifier(name) {
        return Some(LabelDoubt::Identifier);
    }
    if counts_rows(table, c) {
        return Some(LabelDoubt::RowNumber);
    }
    let used = rows.clone().count();
    let cells = &table.columns[c];
    match &cells.text {
        None => {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            let mut integers = true;
            let mut dates = true;
            for v in rows.map(|r| table.number(r, c)) {
                integers &= v.fract() == 0.0;
                dates &= yyyymmdd(v);
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if integers && years(lo, hi) {
                return Some(LabelDoubt::Year {
                    first: lo as i64,
                    last: hi as i64,
                });
            }
            if dates {
                return Some(LabelDoubt::Date {
                    example: "yyyymmdd integers".into(),
                });
            }
        }
        Some(text) => {
            if cells.numeric == 0
                && !text.levels.is_empty()
                && text.levels.iter().all(|l| is_date(l))
            {
                return Some(LabelDoubt::Date {
                    example: text.levels[0].clone(),
                });
            }
            // Words nearly one per row: names or codes (integers taken as classes are numbers).
            if let Some(k) = classes.filter(|&k| k > MIN_IDENTIFIER_LEVELS && 2 * k > used) {
                return Some(LabelDoubt::Unique {
                    distinct: k,
                    rows: used,
                });
            }
        }
    }
    None
}

/// Whether a column name says "learning rate" as recorders write it: `lr`, `learning_rate`
/// (also with a space, a dash or nothing between the words), `lrs`, a Lightning LR monitor's
/// `lr-Adam` or `lr_SGD/pg1`, or a name ending in `/lr`, `_lr` or `learning_rate`.
pub fn named_like_lr(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    matches!(
        n.as_str(),
        "lr" | "lrs" | "learning_rate" | "learning rate" | "learningrate" | "learning-rate"
    ) || ["lr-", "lr_", "lr/", "lr "]
        .iter()
        .any(|p| n.starts_with(p))
        || ["/lr", "_lr", "learning_rate"]
            .iter()
            .any(|s| n.ends_with(s))
}

/// Whether a column name says "training loss": `loss` in it, but no word `val`, `valid`,
/// `test` or `eval` (a validation loss is not what a range test records first).
pub fn named_like_loss(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    n.contains("loss")
        && !n.starts_with("val")
        && !n
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| matches!(w, "val" | "valid" | "test" | "eval"))
}

/// An LR column of a recorded range test spans at least this ratio (two decades): a range test
/// sweeps the LR over several decades (lrfind's own over seven).
pub const RAMP_SPAN: f64 = 100.0;

/// What makes a table a recorded LR range test: its LR column and its range, and its loss
/// column.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The LR column's name.
    pub lr: String,
    /// The lowest and the highest LR.
    pub range: (f64, f64),
    /// The loss column's name.
    pub loss: String,
}

/// Whether column `c` holds numbers only, all above 0, and `(lowest, highest, ramps)`: `ramps`
/// when, in the file's order, they never fall but to start again (at most once per 10 values:
/// one ramp per run) and span at least [`RAMP_SPAN`], as a range test's LRs do.
fn positive_ramp(table: &Table, c: usize) -> Option<(f64, f64, bool)> {
    let cells = &table.columns[c];
    if cells.text.is_some() || cells.numeric < 2 {
        return None;
    }
    let values: Vec<f64> = (0..table.rows())
        .map(|r| table.number(r, c))
        .filter(|v| !v.is_nan())
        .collect();
    if values.iter().any(|&v| v <= 0.0) {
        return None;
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(0.0, f64::max);
    let falls = values.windows(2).filter(|w| w[1] < w[0]).count();
    Some((lo, hi, hi >= RAMP_SPAN * lo && 10 * falls <= values.len()))
}

/// The table as a recorded LR range test, if it is one: a column named like a training loss
/// ([`named_like_loss`]) holding numbers, beside an LR column, which is either a column whose
/// positive values rise over at least two decades in the file's order (restarting once per run
/// at most; see [`positive_ramp`]), or, in a table of at most three columns (`lr,loss` or
/// `step,lr,loss`), a column named like an LR ([`named_like_lr`]) whose values are all above 0
/// and at most 100.
pub fn recording(table: &Table) -> Option<Recording> {
    let loss = (0..table.cols())
        .find(|&c| named_like_loss(&table.headers[c]) && table.columns[c].numeric > 0)?;
    let (lr, (lo, hi, _)) = (0..table.cols())
        .filter(|&c| c != loss)
        .filter_map(|c| positive_ramp(table, c).map(|ramp| (c, ramp)))
        .find(|&(c, (_, hi, ramps))| {
            ramps || table.cols() <= 3 && named_like_lr(&table.headers[c]) && hi <= 100.0
        })?;
    Some(Recording {
        lr: table.headers[lr].clone(),
        range: (lo, hi),
        loss: table.headers[loss].clone(),
    })
}

/// `path` as a shell word: as it is when it holds only letters, digits and `._/+-=:,@%`, else
/// in single quotes.
pub fn shell_word(path: &str) -> String {
    let plain = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/+-=:,@%".contains(c));
    if plain {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::table;

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("PassengerId"), ["passenger", "id"]);
        assert_eq!(words("IDNumber"), ["id", "number"]);
        assert_eq!(words("sample_code number"), ["sample", "code", "number"]);
        assert_eq!(words("customerID"), ["customer", "id"]);
        for yes in [
            "ID",
            "id",
            "Sample_ID",
            "PassengerId",
            "user id",
            "uuid",
            "index",
        ] {
            assert!(named_like_identifier(yes), "{yes}");
        }
        for no in [
            "idea",
            "paid",
            "Idaho",
            "liquid",
            "width",
            "bmi_index",
            "Sample code number",
        ] {
            assert!(!named_like_identifier(no), "{no}");
        }
    }

    #[test]
    fn dates_are_told_from_other_text() {
        for yes in [
            "2021-03-04",
            "2021/3/4",
            "04/03/2021",
            "12/31/2020",
            "31.12.2020",
            "2021-03-04T12:30:05Z",
            "2021-03-04 12:30",
        ] {
            assert!(is_date(yes), "{yes}");
        }
        for no in [
            "2021-13-04",
            "1-2-3",
            "2021-03",
            "Adelie",
            "12:30",
            "2021-03/04",
            "1.5",
        ] {
            assert!(!is_date(no), "{no}");
        }
        assert!(yyyymmdd(20210304.0) && !yyyymmdd(20211304.0) && !yyyymmdd(2021.0));
        assert!(!yyyymmdd(20210340.0) && !yyyymmdd(20210004.0));
    }

    #[test]
    fn labels_taken_by_default_are_doubted_by_what_they_hold() {
        use crate::data::testing::{dataset, defaults};
        let doubt = |label: &dyn Fn(usize) -> String, header: &str| {
            let mut s = format!("x,{header}\n");
            for i in 0..30 {
                s += &format!("{},{}\n", (i * 7) % 11, label(i));
            }
            dataset(&s, &defaults()).unwrap().summary.label_doubt
        };
        assert_eq!(
            doubt(&|i| format!("{}", 1990 + i % 3), "y"),
            Some(LabelDoubt::Year {
                first: 1990,
                last: 1992
            })
        );
        assert_eq!(
            doubt(&|i| format!("2021-03-{:02}", 1 + i % 4), "y"),
            Some(LabelDoubt::Date {
                example: "2021-03-01".into()
            })
        );
        assert_eq!(
            doubt(&|i| format!("{}", 20210301 + i % 28), "y"),
            Some(LabelDoubt::Date {
                example: "yyyymmdd integers".into()
            })
        );
        assert_eq!(
            doubt(&|i| format!("{}", i + 1), "y"),
            Some(LabelDoubt::RowNumber)
        );
        assert_eq!(
            doubt(&|i| format!("{}", i % 3), "sample_id"),
            Some(LabelDoubt::Identifier)
        );
        assert_eq!(
            doubt(&|i| format!("person {}", i * 2 / 3), "y"),
            Some(LabelDoubt::Unique {
                distinct: 20,
                rows: 30
            })
        );
        // Classes, numbers and small integer codes are labels.
        let labels: [Box<dyn Fn(usize) -> String>; 4] = [
            Box::new(|i| format!("{}", i % 3)),
            Box::new(|i| format!("{}.5", i * 3)),
            Box::new(|i| ["a", "b", "c"][i % 3].to_string()),
            Box::new(|i| format!("{}", 2500 + i % 3)),
        ];
        for label in &labels {
            assert_eq!(doubt(label.as_ref(), "y"), None);
        }
    }

    #[test]
    fn a_recorded_range_test_is_told_by_its_lr_and_loss_columns() {
        let ramp = |header: &str, row: &dyn Fn(usize, f64) -> String| {
            let mut s = format!("{header}\n");
            for i in 0..40 {
                s += &format!("{}\n", row(i, 1e-6 * 10f64.powf(i as f64 / 6.0)));
            }
            recording(&table(&s))
        };
        let found = ramp("lr,loss", &|i, lr| {
            format!("{lr:e},{}", 2.0 - 0.01 * i as f64)
        })
        .unwrap();
        assert_eq!((found.lr.as_str(), found.loss.as_str()), ("lr", "loss"));
        assert!((found.range.0 / 1e-6 - 1.0).abs() < 1e-6, "{found:?}");
        // Any name for a rising LR, restarting once per run, among other columns.
        let runs = |i: usize, _| {
            let lr = 1e-5 * 10f64.powf((i % 20) as f64 / 5.0);
            format!("{},{},{lr:e},{}", i / 20, i % 20, 1.0 + lr)
        };
        assert_eq!(ramp("run,step,rate,train_loss", &runs).unwrap().lr, "rate");
        // A named LR that does not rise, in a small table.
        let flat = |i: usize, _| format!("{},{}", 0.01 * (1 + i % 3) as f64, i % 5);
        assert_eq!(
            ramp("learning_rate,loss", &flat).unwrap().lr,
            "learning_rate"
        );
        // Not recordings: no loss column, a validation loss only, an `lr` feature that does not
        // rise among other columns, a ramp under two decades.
        type Row = Box<dyn Fn(usize, f64) -> String>;
        let cases: [(&str, Row); 4] = [
            ("lr,y", Box::new(|i, lr| format!("{lr:e},{}", i % 2))),
            ("lr,val_loss", Box::new(|i, lr| format!("{lr:e},{i}"))),
            (
                "lr,x,z,loss",
                Box::new(|i, _| format!("{},{i},{},{}", 1 + i % 3, i % 7, i % 4)),
            ),
            (
                "rate,loss",
                Box::new(|i, _| format!("{},{i}", 1.0 + i as f64)),
            ),
        ];
        for (header, row) in &cases {
            assert_eq!(ramp(header, row.as_ref()), None, "{header}");
        }
        assert!(named_like_lr("lr-Adam") && named_like_lr("optimizer/lr"));
        assert!(!named_like_lr("selfLR") && !named_like_lr("clr"));
        assert!(named_like_loss("train_loss_step") && !named_like_loss("valid/loss"));
    }

    #[test]
    fn paths_are_quoted_for_the_shell_when_they_need_it() {
        assert_eq!(shell_word("data/lr_range.csv"), "data/lr_range.csv");
        assert_eq!(shell_word("my runs/it's.csv"), "'my runs/it'\\''s.csv'");
    }

    #[test]
    fn large_integer_codes_are_found_and_measurements_are_not() {
        let column = |values: &[String]| {
            let mut s = String::from("a,y\n");
            for (i, v) in values.iter().enumerate() {
                s += &format!("{v},{}\n", i % 2);
            }
            integer_codes(&table(&s), 0)
        };
        // 7-digit codes, a few repeated.
        let codes: Vec<String> = (0..40)
            .map(|i| format!("{}", 1_000_025 + (i % 37) * 7919))
            .collect();
        assert_eq!(column(&codes), Some((37, 40)));
        // Populations spread over decades, small counts, a measurement with decimals.
        let populations: Vec<String> = (0..40)
            .map(|i| format!("{}", 10_000 * (i + 1) * (i + 1)))
            .collect();
        let counts: Vec<String> = (0..40).map(|i| format!("{}", 100 + i)).collect();
        let decimals: Vec<String> = (0..40).map(|i| format!("{}.5", 100_000 + i)).collect();
        let huge: Vec<String> = (0..40).map(|i| format!("1.{i:02}e299")).collect();
        for values in [populations, counts, decimals, huge] {
            assert_eq!(column(&values), None, "{values:?}");
        }
    }
}
