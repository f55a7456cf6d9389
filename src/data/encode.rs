//! From a [`Table`] to a [`Dataset`], one step per file: resolve the columns the user named
//! (`columns`), decide what every other column is (`plan`), apply the missing-value policy
//! (`missing`), encode the label (`target`), build and standardise the feature matrix (`matrix`),
//! and say what was made of it all (`summary`).

use super::columns::Selection;
use super::csv::Table;
use super::dataset::{Dataset, InputColumn, Target, MIN_ROWS, MISSING_CODE};
use super::levels::MISSING_LEVEL;
use super::matrix::build_matrix;
use super::missing::Kept;
use super::missing::{fill, keep_rows};
use super::options::EncodeOptions;
use super::plan::{plan_columns, Plan};
use super::summary::{delimiter_name, prefixed, ColumnSummary, DataSummary, MissingSummary};
use super::suspect::{label_doubt, recording, shell_word, Recording};
use super::target::encode_target;
use crate::error::{Error, Message, Result, Setting};

/// Encodes `table` into a standardised [`Dataset`], reusing the table's buffer for the features.
pub fn encode(mut table: Table, options: &EncodeOptions) -> Result<Dataset> {
    let rows = table.rows();
    if rows == 0 {
        return Err(Error::dataset(
            table.file.clone(),
            "the file has a header but no data rows",
        ));
    }
    if options.target.is_none() && options.features.is_empty() {
        if let Some(r) = recording(&table) {
            return Err(recorded_range_test(&table, &r));
        }
    }
    let selection = Selection::resolve(options, &table)?;
    let t = selection.target;
    if let Some(reason) = &table.columns[t].unread {
        return Err(Error::dataset(
            table.file.clone(),
            prefixed(
                format!("the label '{}' cannot be used: ", table.headers[t]),
                reason,
            )
            .text("; or pick another label with ")
            .setting(Setting::Target),
        ));
    }
    let mut plans = plan_columns(&table, &selection, options.max_categories)?;
    let kept = keep_rows(&table, t, &plans, options.missing)?;
    let n = kept.count();
    if n < MIN_ROWS {
        return Err(Error::dataset(
            table.file.clone(),
            format!(
                "only {n} usable rows ({rows} read, {} without a label, {} incomplete); a range test needs at least {MIN_ROWS}",
                kept.label_rows_dropped, kept.incomplete_rows_dropped
            ),
        ));
    }
    let label = encode_target(&table, t, &kept, options.task)?;
    let label_doubt = if options.target.is_none() {
        label_doubt(&table, t, kept.rows(), label.target.classes())
    } else {
        None
    };
    let filled = fill(&table, &mut plans, &kept);

    let mut columns = Vec::with_capacity(table.cols());
    let mut notes = std::mem::take(&mut table.notes);
    let mut feature_names = Vec::new();
    for (c, plan) in plans.iter().enumerate() {
        let name = &table.headers[c];
        if let Plan::Dropped(reason) = plan {
            notes.push(prefixed(format!("dropped column '{name}': "), reason));
        }
        feature_names.extend(plan.feature_names(name));
        columns.push(ColumnSummary {
            name: name.clone(),
            kind: plan.kind(),
            missing: table.columns[c].missing,
            // The value the matrix holds: an f32, unless the column is wide.
            fill: match plan {
                Plan::Numeric { fill, .. } if table.is_wide(c) => *fill,
                Plan::Numeric { fill, .. } => fill.map(|f| f64::from(f as f32)),
                _ => None,
            },
        });
    }
    if feature_names.is_empty() {
        return Err(Error::dataset(
            table.file.clone(),
            Message::new(
                "every feature column was dropped (see the notes above: constant, free text, IDs, ",
            )
            .setting(Setting::Ignore)
            .text(" or ")
            .setting(Setting::Features)
            .text("); keep at least one column besides the label"),
        ));
    }
    notes.extend(label.notes);

    let (x, moments) = build_matrix(&mut table, &plans, &kept, feature_names.len());
    let inputs = input_columns(&table, &plans, &kept, &moments);
    let summary = DataSummary {
        file: table.file.display().to_string(),
        rows: n,
        rows_read: rows,
        rows_dropped: rows - n,
        rows_in_file: table.rows_in_file,
        sampled: table.sampled(),
        format: table.kind,
        header: table.has_header,
        header_detected: table.header_detected,
        delimiter: delimiter_name(table.delimiter),
        decimal: table.decimal,
        features: feature_names.len(),
        target: table.headers[t].clone(),
        task: label.target.task(),
        classes: (!label.classes.is_empty()).then_some(label.classes),
        label_sd: match &label.target {
            Target::Values { std, .. } => Some(*std),
            Target::Classes { .. } => None,
        },
        label_doubt,
        columns,
        missing: MissingSummary {
            policy: options.missing,
            label_rows_dropped: kept.label_rows_dropped,
            incomplete_rows_dropped: kept.incomplete_rows_dropped,
            filled: filled.filled,
            as_level: filled.as_level,
        },
        notes,
        options: options.clone(),
    };
    Ok(Dataset {
        x,
        target: label.target,
        feature_names,
        inputs,
        summary,
    })
}

/// What each used column became among the inputs, with the moments of its standardisation.
fn input_columns(
    table: &Table,
    plans: &[Plan],
    kept: &Kept,
    moments: &[(f64, f64)],
) -> Vec<InputColumn> {
    let mut inputs = Vec::new();
    let mut j = 0;
    for (c, plan) in plans.iter().enumerate() {
        let name = table.headers[c].clone();
        match plan {
            Plan::Numeric { fill, .. } => inputs.push(InputColumn::Number {
                name,
                index: j,
                mean: moments[j].0,
                sd: moments[j].1,
                flag: fill.is_some().then_some(j + 1),
            }),
            Plan::Categorical { levels, .. } => inputs.push(InputColumn::Category {
                name,
                levels: levels.names.clone(),
                codes: kept
                    .rows()
                    .map(|r| match levels.rows[r] {
                        MISSING_LEVEL => MISSING_CODE,
                        l => l,
                    })
                    .collect(),
            }),
            Plan::Label | Plan::Dropped(_) => {}
        }
        j += plan.width();
    }
    inputs
}

/// The error for a table that is a recorded LR range test: what gave it away, the command that
/// reads it, and how to train on it anyway.
fn recorded_range_test(table: &Table, r: &Recording) -> Error {
    let file = table.file.display().to_string();
    let file = if file == "<stdin>" {
        "-".into()
    } else {
        shell_word(&file)
    };
    Error::dataset(
        table.file.clone(),
        Message::new(format!(
            "this looks like a recorded LR range test (an LR column '{}' from {:.2e} to {:.2e}, and a loss column '{}'), not a table to learn from; read it with `lrfind analyze {file}`, or to train a model on it anyway, name the label with ",
            r.lr, r.range.0, r.range.1, r.loss
        ))
        .setting(Setting::Target),
    )
}

#[cfg(test)]
mod tests {
    use crate::data::dataset::Target;
    use crate::data::testing::{csv, dataset, defaults, flags};

    #[test]
    fn text_label_is_classification_and_text_feature_one_hot() {
        let body = ["1,red,a", "2,blue,b", "3,red,a", "4,green,b", "7,red,b"];
        let d = dataset(&csv("x,colour,y", &body), &defaults()).unwrap();
        assert_eq!(
            d.feature_names,
            ["x", "colour=blue", "colour=green", "colour=red"]
        );
        match &d.target {
            Target::Classes { labels, names } => {
                assert_eq!(names, &["a", "b"]);
                assert_eq!(&labels[..5], &[0, 1, 0, 1, 1]);
            }
            _ => panic!("expected classes"),
        }
        // Standardised: each column has mean 0.
        for col in d.x.columns() {
            assert!(col.sum().abs() < 1e-4);
        }
    }

    #[test]
    fn no_rows_and_few_rows_are_errors() {
        let e = dataset("a,y\n", &defaults()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv: the file has a header but no data rows"
        );
        let e = dataset("a,y\n1,x\n2,y\n", &defaults())
            .unwrap_err()
            .render(&flags);
        assert_eq!(
            e,
            "t.csv: only 2 usable rows (2 read, 0 without a label, 0 incomplete); a range test needs at least 10"
        );
    }
}
