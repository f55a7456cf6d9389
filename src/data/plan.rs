//! Deciding what each column is, from every row read: a numeric or boolean feature, a categorical
//! one (one-hot), the label, or of no use (with the reason). A column that is mostly numbers with
//! a few stray words is refused, naming the first word.

use std::collections::HashSet;

use super::columns::Selection;
use super::csv::Table;
use super::levels::{levels, Levels, MISSING_LEVEL};
use super::number::parse_number;
use super::options::Decimal;
use super::summary::ColumnKind;
use super::suspect::{counts_rows, integer_codes, named_like_identifier};
use crate::error::{Error, Message, Result, Setting};

/// A mostly numeric column with at most this many distinct non-numeric values is an error (they
/// look like typos or missing-value markers); with more, it is a text column.
pub const MAX_STRAY_WORDS: usize = 5;

/// A text column with more than this many levels, more than half of its present values distinct,
/// is a name or an identifier: one-hot encoding it would give a column per row.
pub const MIN_IDENTIFIER_LEVELS: usize = 10;

/// Name of the one-hot level that stands for a missing category.
pub const MISSING_CATEGORY: &str = "<missing>";

/// How a column will be encoded.
pub enum Plan {
    /// The label, encoded apart.
    Label,
    /// Numbers (or booleans mapped to 0/1 through `truth`, one entry per level of `levels`), with
    /// the value that fills a missing cell when the policy fills.
    Numeric {
        /// For a boolean column: 0 or 1 per level.
        truth: Option<Vec<f32>>,
        /// For a boolean column: each row's level.
        levels: Option<Levels>,
        /// The value of a missing cell, set when the policy fills.
        fill: Option<f64>,
    },
    /// One column per level; a missing cell gets a level of its own when `missing_level`.
    Categorical {
        /// The levels, one input each.
        levels: Levels,
        /// Whether a missing cell has an input of its own.
        missing_level: bool,
    },
    /// Not used.
    Dropped(Message),
}

impl Plan {
    /// Whether the column gives inputs to the model.
    pub fn is_used(&self) -> bool {
        !matches!(self, Plan::Label | Plan::Dropped(_))
    }

    /// The raw value of a numeric or boolean column at row `r` (NaN when missing).
    pub fn numeric_value(&self, table: &Table, r: usize, c: usize) -> f64 {
        match self {
            Plan::Numeric {
                truth: Some(truth),
                levels: Some(levels),
                ..
            } => match levels.rows[r] {
                MISSING_LEVEL => f64::NAN,
                l => f64::from(truth[l as usize]),
            },
            _ => table.number(r, c),
        }
    }

    /// How many model inputs the column gives.
    pub fn width(&self) -> usize {
        match self {
            Plan::Numeric { fill, .. } => 1 + usize::from(fill.is_some()),
            Plan::Categorical {
                levels,
                missing_level,
            } => levels.names.len() + usize::from(*missing_level),
            Plan::Label | Plan::Dropped(_) => 0,
        }
    }

    /// How the summary shows the column.
    pub fn kind(&self) -> ColumnKind {
        match self {
            Plan::Label => ColumnKind::Label,
            Plan::Numeric { truth: None, .. } => ColumnKind::Numeric,
            Plan::Numeric { truth: Some(_), .. } => ColumnKind::Boolean,
            Plan::Categorical {
                levels,
                missing_level,
            } => ColumnKind::Categorical {
                levels: levels.names.len() + usize::from(*missing_level),
            },
            Plan::Dropped(reason) => ColumnKind::Dropped {
                reason: reason.clone(),
            },
        }
    }

    /// The names of the model inputs the column gives (`name`, `name_missing`, `name=level`).
    pub fn feature_names(&self, name: &str) -> Vec<String> {
        match self {
            Plan::Numeric { fill, .. } => {
                let mut names = vec![name.to_string()];
                if fill.is_some() {
                    names.push(format!("{name}_missing"));
                }
                names
            }
            Plan::Categorical {
                levels,
                missing_level,
            } => {
                let mut names: Vec<String> =
                    levels.names.iter().map(|l| format!("{name}={l}")).collect();
                if *missing_level {
                    names.push(format!("{name}={MISSING_CATEGORY}"));
                }
                names
            }
            Plan::Label | Plan::Dropped(_) => Vec::new(),
        }
    }
}

/// Decides every column: the label, the columns left out by the selection, and the others from
/// their cells.
pub fn plan_columns(
    table: &Table,
    selection: &Selection,
    max_categories: usize,
) -> Result<Vec<Plan>> {
    (0..table.cols())
        .map(|c| {
            Ok(if c == selection.target {
                Plan::Label
            } else if selection.ignore.contains(&c) {
                Plan::Dropped(Message::new("listed in ").setting(Setting::Ignore))
            } else if !selection.features.is_empty() && !selection.chosen(c) {
                Plan::Dropped(Message::new("not listed in ").setting(Setting::Features))
            } else {
                plan_feature(table, c, max_categories, selection.chosen(c))?
            })
        })
        .collect()
}

fn is_boolean_word(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "t" | "y" => Some(true),
        "false" | "no" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// Why numeric column `c` is an identifier rather than a measurement, if it is: its integers
/// count the rows, its name says identifier and it holds more than [`MIN_IDENTIFIER_LEVELS`]
/// distinct integers, or it holds large integer codes nearly all distinct (see
/// [`integer_codes`]), whatever their order.
fn identifier(table: &Table, c: usize) -> Option<Message> {
    if counts_rows(table, c) {
        return Some("its integers just count the rows (a row number or ID)".into());
    }
    let present = table.rows() - table.columns[c].missing;
    if named_like_identifier(&table.headers[c]) {
        let values = (0..table.rows())
            .map(|r| table.number(r, c))
            .filter(|v| !v.is_nan());
        let integers = values.clone().all(|v| v.fract() == 0.0);
        let distinct = values.map(f64::to_bits).collect::<HashSet<_>>().len();
        if integers && distinct > MIN_IDENTIFIER_LEVELS {
            return Some(
                Message::new(format!(
                    "named like an identifier, with {distinct} distinct integers in {present} rows: codes, not a measurement (list it in "
                ))
                .setting(Setting::Features)
                .text(" to use it)"),
            );
        }
    }
    integer_codes(table, c).map(|(distinct, present)| {
        Message::new(format!(
            "large integer codes, {distinct} distinct in {present} rows, like a sample or customer number (an ID), not a measurement (list it in "
        ))
        .setting(Setting::Features)
        .text(" to use it)")
    })
}

fn constant() -> Plan {
    Plan::Dropped("constant: every row holds the same value".into())
}

/// Decides what feature column `c` is, from every row read; `chosen` when the user listed it in
/// `features`.
fn plan_feature(table: &Table, c: usize, max_categories: usize, chosen: bool) -> Result<Plan> {
    let cells = &table.columns[c];
    if let Some(reason) = &cells.unread {
        return Ok(Plan::Dropped(reason.clone()));
    }
    let rows = table.rows();
    let text = rows - cells.numeric - cells.missing;
    if cells.numeric == 0 && text == 0 {
        return Ok(Plan::Dropped("every value is missing".into()));
    }
    if table.unnamed[c] && !chosen {
        return Ok(Plan::Dropped(
            Message::new(
                "no name in the header, so taken for a saved row index (name it or list it in ",
            )
            .setting(Setting::Features)
            .text(" to use it)"),
        ));
    }
    if text == 0 {
        let mut present = (0..rows)
            .map(|r| table.number(r, c))
            .filter(|v| v.is_finite());
        let first = present.next();
        if present.all(|v| Some(v) == first) {
            return Ok(constant());
        }
        if !chosen {
            if let Some(reason) = identifier(table, c) {
                return Ok(Plan::Dropped(reason));
            }
        }
        return Ok(Plan::Numeric {
            truth: None,
            levels: None,
            fill: None,
        });
    }
    // Mostly numbers with a few distinct words among them: the words are typos or undeclared
    // missing-value markers, and guessing would silently change the column, so say where they
    // are. Many distinct words among the numbers (ticket numbers, codes) make it a text column.
    let distinct_words = cells.text.as_ref().map_or(0, |t| {
        if t.overflowed {
            usize::MAX
        } else {
            t.levels.len()
        }
    });
    if cells.numeric >= text && distinct_words <= MAX_STRAY_WORDS {
        let (line, value) = cells.first_text.clone().unwrap_or_default();
        let mut message = Message::new(format!(
            "'{value}' is not a number, but the column is otherwise numeric; fix the value, or if it marks a missing value pass "
        ))
        .setting_value(Setting::NaValues, format!("'{}'", value.trim()))
        .text(" (then ")
        .setting(Setting::Missing)
        .text(" decides what happens to such rows)");
        // A number written with the other decimal separator (past the lines it was told from).
        let other = match table.decimal {
            Decimal::Point => Decimal::Comma,
            Decimal::Comma => Decimal::Point,
        };
        if parse_number(value.as_bytes(), other).is_some() {
            message = message
                .text(format!(
                    "; if it is a number with a decimal {}, set ",
                    other.name()
                ))
                .setting_value(Setting::Decimal, other.to_string());
        }
        return Err(Error::data(table.location(line, c), message));
    }
    let Some(levels) = levels(table, c, max_categories) else {
        return Ok(Plan::Dropped(
            Message::new(format!(
                "text with more than {max_categories} distinct values, like a name or free text ("
            ))
            .setting(Setting::MaxCategories)
            .text(")"),
        ));
    };
    let present = rows - cells.missing;
    if levels.names.len() > MIN_IDENTIFIER_LEVELS && 2 * levels.names.len() > present {
        return Ok(Plan::Dropped(
            format!(
                "text with {} distinct values in {present} rows, like a name or an identifier",
                levels.names.len()
            )
            .into(),
        ));
    }
    let truth: Option<Vec<bool>> = levels.names.iter().map(|n| is_boolean_word(n)).collect();
    if let Some(truth) = truth {
        if truth.iter().any(|&t| t) && truth.iter().any(|&t| !t) {
            return Ok(Plan::Numeric {
                truth: Some(truth.iter().map(|&t| f32::from(u8::from(t))).collect()),
                levels: Some(levels),
                fill: None,
            });
        }
    }
    if levels.names.len() < 2 && cells.missing == 0 {
        return Ok(constant());
    }
    Ok(Plan::Categorical {
        levels,
        missing_level: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::options::{EncodeOptions, ReadOptions};
    use crate::data::testing::{csv, dataset, dataset_with, defaults, flags};

    #[test]
    fn identifiers_and_codes_are_dropped_not_one_hot() {
        // Every name distinct; ticket codes that are mostly numbers but with many distinct words.
        let mut s = String::from("name,ticket,x,y\n");
        for i in 0..30 {
            let ticket = if i % 3 == 0 {
                format!("PC {i}")
            } else {
                format!("{}", 1000 + i * 7)
            };
            s += &format!("person {i},{ticket},{},{}\n", (i * 7) % 11, i % 2);
        }
        let d = dataset(&s, &EncodeOptions::default()).unwrap();
        assert_eq!(d.feature_names, ["x"]);
        let reasons: Vec<String> = d.summary.notes.iter().map(|n| n.render(&flags)).collect();
        assert!(
            reasons
                .iter()
                .any(|n| n.contains("'name'") && n.contains("identifier")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|n| n.contains("'ticket'")),
            "{reasons:?}"
        );
    }

    #[test]
    fn stray_text_in_numeric_column_is_an_error_with_hint() {
        let e = dataset("a,y\n1,x\n2,y\noops,x\n4,y\n", &defaults()).unwrap_err();
        let Error::Data { location, message } = &e else {
            panic!("{e}")
        };
        assert_eq!((location.line, location.column.as_deref()), (4, Some("a")));
        assert_eq!(
            message.settings().collect::<Vec<_>>(),
            [Setting::NaValues, Setting::Missing]
        );
        let e = e.render(&flags);
        assert!(e.contains("line 4, column 'a'"), "{e}");
        assert!(
            e.contains("--na-values 'oops'") && e.contains("(then --missing decides"),
            "{e}"
        );
    }

    #[test]
    fn constant_id_and_unnamed_columns_are_dropped() {
        let options = EncodeOptions {
            target: Some("0".into()),
            ..defaults()
        };
        let text = "y,a,k,id,\nx,1,7,1,0\ny,2,7,2,1\nx,3,7,3,2\ny,5,7,4,3\nx,1,7,5,4\ny,2,7,6,5\nx,3,7,7,6\ny,5,7,8,7\nx,1,7,9,8\ny,2,7,10,9\n";
        let d = dataset(text, &options).unwrap();
        assert_eq!(d.summary.target, "y");
        assert_eq!(d.feature_names, ["a"]);
        let notes: Vec<String> = d.summary.notes.iter().map(|n| n.render(&flags)).collect();
        let notes = notes.join("\n");
        assert!(notes.contains("'k': constant"), "{notes}");
        assert!(
            notes.contains("'id': its integers just count the rows"),
            "{notes}"
        );
        assert!(
            notes.contains("'c4': no name in the header, so taken for a saved row index (name it or list it in --features to use it)"),
            "{notes}"
        );
        let keep_id = EncodeOptions {
            features: vec!["id".into()],
            ..options.clone()
        };
        let d = dataset(text, &keep_id).unwrap();
        assert_eq!(d.feature_names, ["id"]);
        let reasons: Vec<String> = d
            .summary
            .columns
            .iter()
            .filter_map(|c| match &c.kind {
                ColumnKind::Dropped { reason } => Some(reason.render(&flags)),
                _ => None,
            })
            .collect();
        assert!(reasons.contains(&"not listed in --features".to_string()));
        let ignore_all = EncodeOptions {
            ignore: vec!["a".into()],
            ..options
        };
        let e = dataset(text, &ignore_all).unwrap_err();
        assert!(
            e.render(&flags)
                .contains("every feature column was dropped (see the notes above: constant, free text, IDs, --ignore or --features)"),
            "{e}"
        );
    }

    #[test]
    fn a_row_number_is_found_in_a_sample_too() {
        let mut s = String::from("id,x,y\n");
        for i in 0..500 {
            s += &format!("{},{},{}\n", i + 1, (i * 7) % 13, i % 2);
        }
        let read = ReadOptions {
            max_rows: Some(40),
            ..ReadOptions::default()
        };
        let d = dataset_with(&s, &read, &defaults()).unwrap();
        assert!(d.summary.sampled);
        assert_eq!((d.summary.rows_read, d.summary.rows_in_file), (40, 500));
        assert_eq!(d.feature_names, ["x"]);
        assert!(
            d.summary.notes.iter().any(|n| n
                .to_string()
                .contains("'id': its integers just count the rows")),
            "{:?}",
            d.summary.notes
        );
    }

    #[test]
    fn a_stray_decimal_comma_says_how_to_read_it() {
        let mut s = String::from("a;y\n");
        for i in 0..1200 {
            s += &format!("{};{}\n", i % 9, i % 2);
        }
        s += "2,5;1\n";
        let e = dataset(&s, &defaults()).unwrap_err().render(&flags);
        assert!(
            e.ends_with("'2,5' is not a number, but the column is otherwise numeric; fix the value, or if it marks a missing value pass --na-values '2,5' (then --missing decides what happens to such rows); if it is a number with a decimal comma, set --decimal ,"),
            "{e}"
        );
    }

    #[test]
    fn huge_and_tiny_columns_are_features_not_constants() {
        for scale in [1e299, 1e-300] {
            let mut s = String::from("big,x,y\n");
            for i in 0..12 {
                s += &format!("{:e},{},{}\n", (i % 4 + 1) as f64 * scale, i % 3, i % 2);
            }
            let d = dataset(&s, &defaults()).unwrap();
            assert_eq!(d.summary.columns[0].kind, ColumnKind::Numeric, "{scale}");
            assert_eq!(d.feature_names, ["big", "x"]);
            let big = d.x.column(0);
            let mean = big.sum() / 12.0;
            let var = big.iter().map(|v| v * v).sum::<f32>() / 12.0;
            assert!(
                mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5,
                "{scale}: {big}"
            );
            assert!(
                big[0] < big[1] && big[1] < big[2] && big[2] < big[3],
                "{big}"
            );
        }
    }

    #[test]
    fn free_text_names_the_category_limit() {
        let mut s = String::from("w,x,y\n");
        for i in 0..40 {
            s += &format!("w{},{},{}\n", i % 8, i % 5, i % 2);
        }
        let options = EncodeOptions {
            max_categories: 5,
            ..defaults()
        };
        let d = dataset(&s, &options).unwrap();
        assert_eq!(
            d.summary.notes[0].render(&flags),
            "dropped column 'w': text with more than 5 distinct values, like a name or free text (--max-categories)"
        );
    }

    #[test]
    fn boolean_words_become_zero_one_in_any_case() {
        let body = ["yes,1,a", "no,0,b", "YES,1,a", "No,0,b", "true,2,a"];
        let d = dataset(&csv("b,z,y", &body[..4]), &defaults()).unwrap();
        assert_eq!(d.summary.columns[0].kind, ColumnKind::Boolean);
        assert!(d.x[[0, 0]] > 0.0 && d.x[[1, 0]] < 0.0 && d.x[[2, 0]] > 0.0);
        let d = dataset(&csv("b,z,y", &body), &defaults()).unwrap();
        assert_eq!(d.summary.columns[0].kind, ColumnKind::Boolean);
    }
}
