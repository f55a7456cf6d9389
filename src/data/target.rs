//! The label: classification or regression (given, or inferred from the values), then encoded as
//! class indices or as standardised numbers, over the rows kept.

use super::csv::Table;
use super::dataset::Target;
use super::levels::{levels, number_name};
use super::missing::Kept;
use super::options::Task;
use super::scale::Moments;
use super::summary::ClassCount;
use crate::error::{Error, Message, Result, Setting};

/// A label with integer values and at most this many distinct values is taken as classes.
pub const MAX_INTEGER_CLASSES: usize = 20;
/// The largest integer read as a class code (2^24, the integers f32 holds exactly): a label of
/// larger integers is a number.
const MAX_CLASS_CODE: f64 = 16_777_216.0;
/// The most classes lrfind will train a classifier on.
pub const MAX_CLASSES: usize = 1000;
/// A class holding more than this share of the rows gets a note.
const DOMINANT_CLASS: f64 = 0.95;

/// The encoded label, with what the summary says about it.
pub struct EncodedTarget {
    /// The label per kept row.
    pub target: Target,
    /// Classes with their counts (empty for regression).
    pub classes: Vec<ClassCount>,
    /// Notes on what was decided.
    pub notes: Vec<Message>,
}

/// Encodes column `c` as the label over the kept rows; `task` forces the task.
pub fn encode_target(
    table: &Table,
    c: usize,
    kept: &Kept,
    task: Option<Task>,
) -> Result<EncodedTarget> {
    let cells = &table.columns[c];
    let name = &table.headers[c];
    let has_text = cells.text.is_some();
    let mut notes = Vec::new();
    let task = match task {
        Some(t) => t,
        None if has_text => Task::Classification,
        None => {
            // Class codes are small integers: 1e299 is an integer, but not a class.
            let integer = kept.rows().all(|r| {
                let v = table.number(r, c);
                v.fract() == 0.0 && v.abs() <= MAX_CLASS_CODE
            });
            let few = levels(table, c, MAX_INTEGER_CLASSES).is_some();
            if integer && !few {
                let distinct = levels(table, c, MAX_CLASSES).map_or_else(
                    || format!("more than {MAX_CLASSES}"),
                    |l| l.names.len().to_string(),
                );
                notes.push(
                    Message::new(format!(
                        "the label '{name}' holds {distinct} distinct integers, more than {MAX_INTEGER_CLASSES}, so it is taken as a number (regression); if they are classes, set "
                    ))
                    .setting_value(Setting::Task, "classification"),
                );
            }
            if integer && few {
                Task::Classification
            } else {
                Task::Regression
            }
        }
    };
    match task {
        Task::Regression => {
            if has_text {
                let (line, value) = cells.first_text.clone().unwrap_or_default();
                return Err(Error::data(
                    table.location(line, c),
                    Message::new(format!(
                        "'{value}' is not a number, so the label '{name}' cannot be regressed; drop "
                    ))
                    .setting_value(Setting::Task, "regression")
                    .text(" or pick another column with ")
                    .setting(Setting::Target),
                ));
            }
            let raw = kept.rows().map(|r| table.number(r, c));
            let moments = Moments::of(raw.clone());
            if moments.is_constant() {
                return Err(Error::dataset(
                    table.file.clone(),
                    Message::new(format!(
                        "the label '{name}' holds the same value ({}) in every row used; a regression needs a label that varies: pick another column with ",
                        number_name(raw.clone().next().unwrap_or_default())
                    ))
                    .setting(Setting::Target),
                ));
            }
            let values = raw.map(|v| moments.standardise(v) as f32).collect();
            Ok(EncodedTarget {
                target: Target::Values {
                    values,
                    mean: moments.mean(),
                    std: moments.sd(),
                },
                classes: Vec::new(),
                notes,
            })
        }
        Task::Classification => classes(table, c, kept),
    }
}

/// The label as classes, counted over the kept rows; a class no kept row holds is forgotten.
fn classes(table: &Table, c: usize, kept: &Kept) -> Result<EncodedTarget> {
    let name = &table.headers[c];
    let levels = levels(table, c, MAX_CLASSES).ok_or_else(|| {
        Error::dataset(
            table.file.clone(),
            Message::new(format!(
                "the label '{name}' has more than {MAX_CLASSES} distinct values; use "
            ))
            .setting_value(Setting::Task, "regression")
            .text(" for a numeric label or pick another column with ")
            .setting(Setting::Target),
        )
    })?;
    let mut counts = vec![0usize; levels.names.len()];
    for r in kept.rows() {
        counts[levels.rows[r] as usize] += 1;
    }
    let mut remap = vec![u32::MAX; counts.len()];
    let mut names = Vec::new();
    let mut classes = Vec::new();
    for (i, &k) in counts.iter().enumerate() {
        if k > 0 {
            remap[i] = names.len() as u32;
            names.push(levels.names[i].clone());
            classes.push(ClassCount {
                name: levels.names[i].clone(),
                count: k,
            });
        }
    }
    if names.len() < 2 {
        return Err(Error::dataset(
            table.file.clone(),
            Message::new(format!(
                "the label '{name}' has a single class ('{}') in the rows used; a classifier needs at least two: pick another column with ",
                names.first().map_or("", String::as_str)
            ))
            .setting(Setting::Target),
        ));
    }
    let labels = kept
        .rows()
        .map(|r| remap[levels.rows[r] as usize])
        .collect();
    let n = kept.count();
    let mut notes = Vec::new();
    if let Some(biggest) = classes.iter().max_by_key(|c| c.count) {
        if biggest.count as f64 > DOMINANT_CLASS * n as f64 {
            notes.push(Message::new(format!(
                "class '{}' holds {:.1}% of the rows: the loss curve will mostly reflect that class",
                biggest.name,
                100.0 * biggest.count as f64 / n as f64
            )));
        }
    }
    Ok(EncodedTarget {
        target: Target::Classes { labels, names },
        classes,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::options::EncodeOptions;
    use crate::data::testing::{csv, dataset, defaults, flags};

    #[test]
    fn few_integers_are_classes_many_reals_regression() {
        let d = dataset(&csv("x,y", &["1,0", "2,1", "3,2", "5,1"]), &defaults()).unwrap();
        assert_eq!(d.target.task(), Task::Classification);
        let d = dataset(&csv("x,y", &["1,0.5", "2,1.5", "3,2", "5,1"]), &defaults()).unwrap();
        assert_eq!(d.target.task(), Task::Regression);
        let forced = EncodeOptions {
            task: Some(Task::Regression),
            ..defaults()
        };
        let d = dataset(&csv("x,y", &["1,0", "2,1", "3,2", "5,1"]), &forced).unwrap();
        assert_eq!(d.target.task(), Task::Regression);
    }

    #[test]
    fn regression_target_is_standardised() {
        let d = dataset(
            "x,y\n1,10\n2,20\n3,30\n4,40.5\n5,1\n6,2\n7,3\n8,4\n9,5\n1,6\n",
            &defaults(),
        )
        .unwrap();
        let Target::Values { values, mean, .. } = &d.target else {
            panic!("expected values")
        };
        assert!((mean - 12.15).abs() < 1e-6, "{mean}");
        assert!(values.iter().sum::<f32>().abs() < 1e-5);
    }

    #[test]
    fn text_label_cannot_be_regressed() {
        let forced = EncodeOptions {
            task: Some(Task::Regression),
            ..defaults()
        };
        let e = dataset(&csv("x,y", &["1,a", "2,b"]), &forced).unwrap_err();
        assert_eq!(
            e.render(&flags),
            "t.csv, line 2, column 'y': 'a' is not a number, so the label 'y' cannot be regressed; drop --task regression or pick another column with --target"
        );
    }

    #[test]
    fn single_class_is_an_error() {
        let e = dataset(&csv("a,y", &["1,x", "2,x"]), &defaults()).unwrap_err();
        assert!(matches!(e, Error::Dataset { .. }), "{e}");
        assert_eq!(
            e.render(&flags),
            "t.csv: the label 'y' has a single class ('x') in the rows used; a classifier needs at least two: pick another column with --target"
        );
    }

    #[test]
    fn imbalanced_classes_are_noted() {
        let mut text = "x,y\n".to_string();
        for i in 0..40 {
            text.push_str(&format!("{},{}\n", i % 7, if i == 0 { "b" } else { "a" }));
        }
        let d = dataset(&text, &defaults()).unwrap();
        assert!(
            d.summary
                .notes
                .iter()
                .any(|n| n.to_string().contains("97.5%")),
            "{:?}",
            d.summary.notes
        );
    }

    #[test]
    fn constant_regression_label_is_an_error() {
        let e = dataset(&csv("x,y", &["1,2.5", "2,2.5"]), &defaults()).unwrap_err();
        assert!(matches!(e, Error::Dataset { .. }), "{e}");
        assert_eq!(
            e.render(&flags),
            "t.csv: the label 'y' holds the same value (2.5) in every row used; a regression needs a label that varies: pick another column with --target"
        );
    }

    #[test]
    fn many_integers_are_a_regression_with_a_note() {
        let mut s = String::from("x,y\n");
        for i in 0..60 {
            s += &format!("{},{}\n", i % 7, i % 30);
        }
        let d = dataset(&s, &defaults()).unwrap();
        assert_eq!(d.target.task(), Task::Regression);
        let notes: Vec<String> = d.summary.notes.iter().map(|n| n.render(&flags)).collect();
        assert!(notes.contains(&"the label 'y' holds 30 distinct integers, more than 20, so it is taken as a number (regression); if they are classes, set --task classification".to_string()), "{notes:?}");
        let classes = EncodeOptions {
            task: Some(Task::Classification),
            ..defaults()
        };
        let d = dataset(&s, &classes).unwrap();
        assert!(d.summary.notes.is_empty(), "{:?}", d.summary.notes);
        let Target::Classes { names, .. } = &d.target else {
            panic!("classes")
        };
        assert_eq!(names[..3], ["0", "1", "2"]);
        assert_eq!(names[29], "29");
    }

    #[test]
    fn class_names_are_in_natural_order() {
        let d = dataset(
            &csv("x,y", &["1,cls10", "2,cls2", "3,cls1", "4,cls2"]),
            &defaults(),
        )
        .unwrap();
        let Target::Classes { names, .. } = &d.target else {
            panic!("classes")
        };
        assert_eq!(names, &["cls1", "cls2", "cls10"]);
    }

    #[test]
    fn huge_and_tiny_labels_are_standardised_in_f64() {
        for scale in [1e299, 1e-300] {
            let mut s = String::from("x,y\n");
            for i in 0..12 {
                s += &format!("{},{:e}\n", i % 5, (i as f64 + 1.0) * scale);
            }
            let d = dataset(&s, &defaults()).unwrap();
            let Target::Values { values, mean, std } = &d.target else {
                panic!("values")
            };
            assert!((mean / (6.5 * scale) - 1.0).abs() < 1e-12, "{mean}");
            assert!(
                (std / ((143.0f64 / 12.0).sqrt() * scale) - 1.0).abs() < 1e-12,
                "{std}"
            );
            assert!(
                values.iter().all(|v| v.is_finite() && v.abs() < 2.0),
                "{values:?}"
            );
        }
    }
}
