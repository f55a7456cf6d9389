//! Diagnostics: what looks wrong with a curve, each with a stable code (for the JSON) and a
//! message that says what to do (for a person). Pure functions of the curve and its suggestions.
//! Advice about the range test's own settings is only given for a curve lrfind recorded itself.
//!
//! - `never_diverged`: the loss never diverged, so the curve may not show where LRs get too high.
//! - `diverged_at_once`: divergence within the first 10% of steps (or before a curve could form).
//! - `too_few_points`: fewer than [`FEW_POINTS`] points before divergence; rules read a coarse curve.
//! - `flat_curve`: the smoothed loss never fell by 1%: nothing was learned.
//! - `initial_loss_off`: a C-class softmax classifier starts near `ln C` (its logits start near 0
//!   with lrfind's initialisation); a first loss off by more than `max(1, ln C / 2)` points at a
//!   broken label or scaling.
//! - `interrupted`: the test was stopped by Ctrl-C before it diverged; the picks read a part of
//!   the curve.
//! - `unstable`: the middle half of repeated runs' picks spreads over more than a quarter of a
//!   decade (for three runs: their picks spread over more than half a decade).
//!
//! Two more doubt the suggestion itself, for lrfind's own range test on a table: a command that
//! suggests an LR with one of them says so in its exit code ([`Diagnostic::doubts_the_answer`]).
//!
//! - `weak_fit`: the best loss measured (the race's validation loss, else the lowest point of
//!   the curve) recovers less than [`WEAK_FIT`] of the reference loss: the model barely learns
//!   the label, and an LR that "trains best" on it is a guess (see [`weak_fit`]).
//! - `label_like_year`, `label_like_date`, `label_like_id`: the label was taken by default and
//!   holds years, dates, or identifiers (a name that says so, a row number, a class per row).

use serde::Serialize;

use super::consensus::{is_unstable, UNSTABLE_DECADES};
use super::rules::{NoSuggestion, Suggestions, MIN_POINTS};
use super::{Curve, Stop};
use crate::data::{DataSummary, LabelDoubt, Task};
use crate::error::{Message, Setting};

/// A curve with fewer points than this before divergence is coarse.
pub const FEW_POINTS: usize = 30;

/// Where a curve came from, which decides what advice fits it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// lrfind's own range test.
    RangeTest {
        /// The configured end of the LR ramp.
        end_lr: f64,
        /// Steps the test planned to run.
        planned_steps: usize,
        /// Classes of a classifier (`None` for regression).
        classes: Option<usize>,
    },
    /// A curve recorded elsewhere and read from a file.
    Recorded,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable identifier.
    pub code: &'static str,
    /// What it means and what to try.
    pub message: Message,
}

fn diag(code: &'static str, message: Message) -> Diagnostic {
    Diagnostic { code, message }
}

/// The codes of the diagnostics that doubt a suggestion: with one, a suggestion is weak.
pub const DOUBTS: &[&str] = &[
    "weak_fit",
    "label_like_year",
    "label_like_date",
    "label_like_id",
];

impl Diagnostic {
    /// Whether the finding makes the suggestion doubtful (see [`DOUBTS`]).
    pub fn doubts_the_answer(&self) -> bool {
        DOUBTS.contains(&self.code)
    }
}

/// A fit that recovers less than this share of its reference loss is weak: `weak_fit`.
///
/// The share is `1 - best / reference`: for a classifier, the reference being the loss of
/// predicting the class shares, it is McFadden's pseudo-R^2; for a regression on the
/// standardised label, the reference being its variance (1), it is R^2. Below 0.1 the model
/// explains less than a tenth of what a constant leaves unexplained. Measured (docs/data.md):
/// random labels on 20,000 columns x 50 rows recover -0.04 to 0.05 in the race; 21 of the 23
/// benchmark tables 0.27 to 0.997; fair and randhie, regressions with a weak signal, -0.08 and
/// 0.09; penguins' `year` 0.095.
pub const WEAK_FIT: f64 = 0.1;

/// Where a fit was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measured {
    /// The race: the untrained model's validation loss, and the best any candidate reached.
    Race,
    /// A validation curve of the range test: its first and its lowest smoothed loss.
    ValidationCurve,
    /// A training curve of the range test: its first and its lowest smoothed loss. A model can
    /// learn a small table by heart, so a curve that falls far proves less than one that does not.
    TrainingCurve,
}

/// How well the model fit, as a run measured it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The untrained model's loss.
    pub untrained: f64,
    /// The lowest loss reached.
    pub best: f64,
    /// Where.
    pub measured: Measured,
}

impl Fit {
    /// The fit of a curve: its first smoothed loss against its lowest before divergence.
    pub fn of_curve(curve: &Curve, measured: Measured) -> Option<Fit> {
        let points = curve.before_divergence();
        let best = points
            .iter()
            .map(|p| p.smoothed_loss)
            .filter(|l| l.is_finite())
            .fold(f64::INFINITY, f64::min);
        let untrained = points.first()?.smoothed_loss;
        (untrained.is_finite() && best.is_finite()).then_some(Fit {
            untrained,
            best,
            measured,
        })
    }
}

/// A constant prediction and its loss: what a model that learned nothing from the features
/// can reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant {
    /// Its loss.
    pub loss: f64,
    /// What it predicts, for a person.
    pub predicts: &'static str,
}

/// The loss of a constant prediction on `data`'s label, the reference a model must beat: for
/// classes, the cross-entropy of predicting each row's class with the class shares,
/// `-sum_k p_k ln p_k`; for a regression, the label's variance: 1 on the standardised label,
/// `sd^2` when the model trains on the label in its own units (`raw_label`, the tabular model).
pub fn constant_loss(data: &DataSummary, raw_label: bool) -> Option<Constant> {
    match (&data.task, &data.classes) {
        (Task::Classification, Some(classes)) => {
            let n: usize = classes.iter().map(|c| c.count).sum();
            let loss = classes
                .iter()
                .filter(|c| c.count > 0)
                .map(|c| {
                    let p = c.count as f64 / n as f64;
                    -p * p.ln()
                })
                .sum();
            Some(Constant {
                loss,
                predicts: "the class shares",
            })
        }
        (Task::Regression, _) => Some(Constant {
            loss: match (raw_label, data.label_sd) {
                (true, Some(sd)) => sd * sd,
                _ => 1.0,
            },
            predicts: "the mean",
        }),
        _ => None,
    }
}

/// `weak_fit`, when `fit` recovers less than [`WEAK_FIT`] of its reference: the lower of the
/// untrained loss and `constant`'s (see [`constant_loss`]; an untrained model can start above
/// a constant prediction, which learning only the class shares would then seem to beat).
pub fn weak_fit(fit: &Fit, constant: Option<Constant>) -> Option<Diagnostic> {
    let (reference, what) = match constant {
        Some(c) if c.loss < fit.untrained => (c.loss, format!("predicting {}", c.predicts)),
        _ => (fit.untrained, "the untrained model".to_string()),
    };
    if reference.is_nan() || reference <= 0.0 {
        return None;
    }
    let recovered = 1.0 - fit.best / reference;
    if recovered >= WEAK_FIT {
        return None;
    }
    let loss = match fit.measured {
        Measured::Race => "the race's best validation loss",
        Measured::ValidationCurve => "the lowest validation loss of the range test",
        Measured::TrainingCurve => "the lowest training loss of the range test",
    };
    let by = if recovered > 0.0 {
        format!("is only {:.1}% below", 100.0 * recovered)
    } else {
        "is no lower than".to_string()
    };
    Some(diag(
        "weak_fit",
        Message::new(format!(
            "{loss}, {:.4}, {by} {reference:.4}, the loss of {what} (less than {:.0}%): the model barely learns the label, so the suggested LR is a guess; check the label (",
            fit.best,
            100.0 * WEAK_FIT
        ))
        .setting(Setting::Target)
        .text(") and the features, or give it more rows"),
    ))
}

/// `label_like_year`, `label_like_date` or `label_like_id`, when the label was taken by default
/// and the loader doubts it (see [`LabelDoubt`]).
pub fn label_doubt(data: &DataSummary) -> Option<Diagnostic> {
    let doubt = data.label_doubt.as_ref()?;
    let (code, what) = match doubt {
        LabelDoubt::Year { first, last } => (
            "label_like_year",
            format!("holds years ({first} to {last})"),
        ),
        LabelDoubt::Date { example } => ("label_like_date", format!("holds dates ({example})")),
        LabelDoubt::Identifier => ("label_like_id", "is named like an identifier".to_string()),
        LabelDoubt::RowNumber => (
            "label_like_id",
            "holds integers that count the rows (a row number)".to_string(),
        ),
        LabelDoubt::Unique { distinct, rows } => (
            "label_like_id",
            format!("holds {distinct} distinct values in {rows} rows, like a name or a code"),
        ),
    };
    Some(diag(
        code,
        Message::new(format!(
            "the label '{}' was taken by default (the last column) and {what}: such a column rarely follows from the others, and an LR found on it says little about your task; choose the label with ",
            data.target
        ))
        .setting(Setting::Target),
    ))
}

/// Looks over one curve and its suggestions.
pub fn diagnose(curve: &Curve, picks: &Suggestions, origin: &Origin) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let before = curve.before_divergence().len();
    let (own, planned) = match origin {
        Origin::RangeTest {
            end_lr,
            planned_steps,
            ..
        } => (Some(*end_lr), *planned_steps),
        Origin::Recorded => (None, curve.points.len()),
    };
    match (curve.stop, own) {
        (Stop::Completed, Some(end_lr)) => out.push(diag(
            "never_diverged",
            Message::new(format!("the loss never diverged up to the end LR {end_lr:e}; raise "))
                .setting(Setting::EndLr)
                .text(" to see where the LR gets too high"),
        )),
        (Stop::Completed, None) => out.push(diag(
            "never_diverged",
            Message::new(
                "the loss never diverged in this recording, so it may not show where the LR gets too high; record up to a higher LR",
            ),
        )),
        (Stop::Interrupted { lr }, _) => out.push(diag(
            "interrupted",
            Message::new(format!(
                "the test was interrupted ({}) at LR {lr:.2e}, before the loss diverged: every pick reads only the curve up to there",
                crate::interrupt::cause()
            )),
        )),
        (Stop::Diverged { lr } | Stop::NonFinite { lr }, _)
            if before < MIN_POINTS.max(planned / 10) =>
        {
            let m = Message::new(format!(
                "the loss diverged after {before} steps, at LR {lr:.2e}; "
            ));
            out.push(diag(
                "diverged_at_once",
                match own {
                    Some(_) => m.text("lower ").setting(Setting::StartLr),
                    None => m.text("record from a lower LR"),
                },
            ))
        }
        _ => {}
    }
    if (MIN_POINTS..FEW_POINTS).contains(&before) {
        let m = Message::new(format!("only {before} points before divergence; "));
        out.push(diag(
            "too_few_points",
            match own {
                Some(_) => m
                    .text("use more ")
                    .setting(Setting::Steps)
                    .text(" or a smaller ")
                    .setting(Setting::BatchSize)
                    .text(" for a finer curve"),
                None => m.text("record more steps for a finer curve"),
            },
        ));
    }
    if picks.failure == Some(NoSuggestion::NeverFalls) && before >= MIN_POINTS {
        let m = Message::new("the smoothed loss never fell: nothing was learned; ");
        out.push(diag(
            "flat_curve",
            match own {
                Some(_) => m
                    .text("check the label column (")
                    .setting(Setting::Target)
                    .text(") and the features"),
                None => m.text("check the labels, the data and the LR range"),
            },
        ));
    }
    if let (
        Origin::RangeTest {
            classes: Some(c), ..
        },
        Some(first),
    ) = (origin, curve.points.first())
    {
        let expected = (*c as f64).ln();
        if (first.loss - expected).abs() > (0.5 * expected).max(1.0) {
            out.push(diag(
                "initial_loss_off",
                Message::new(format!(
                    "the first loss is {:.3}, far from ln({c}) = {expected:.3} where a {c}-class classifier starts; check the label column and the feature scaling",
                    first.loss
                )),
            ));
        }
    }
    out
}

/// The diagnostic for repeated runs that disagree, if they do: `iqr_decades` is the
/// interquartile range of their picks.
pub fn unstable(iqr_decades: Option<f64>, runs: usize, origin: &Origin) -> Option<Diagnostic> {
    let iqr = iqr_decades?;
    is_unstable(Some(iqr)).then(|| {
        let m = Message::new(format!(
            "the {runs} runs' picks spread over {iqr:.2} decades between their quartiles (more than {UNSTABLE_DECADES}); the curve is noisy: "
        ));
        diag(
            "unstable",
            match origin {
                Origin::RangeTest { .. } => m
                    .text("use more ")
                    .setting(Setting::Runs)
                    .text(", a larger ")
                    .setting(Setting::BatchSize)
                    .text(" or more ")
                    .setting(Setting::Steps),
                Origin::Recorded => {
                    m.text("record more runs, more steps or with a larger batch")
                }
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::rules::suggest;
    use crate::curve::Point;

    fn curve(losses: &[f64], stop: Stop) -> Curve {
        Curve::from_losses(losses, 0.07, stop)
    }

    fn codes(c: &Curve, planned_steps: usize, classes: Option<usize>) -> Vec<&'static str> {
        let origin = Origin::RangeTest {
            end_lr: 10.0,
            planned_steps,
            classes,
        };
        diagnose(c, &suggest(c), &origin)
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn each_code_on_its_curve() {
        let falling: Vec<f64> = (0..100).map(|i| 1.2 - 0.01 * i as f64).collect();
        assert_eq!(
            codes(&curve(&falling, Stop::Completed), 100, Some(3)),
            ["never_diverged"]
        );
        let at_once = curve(&[1.0, 1.1, 9.0], Stop::Diverged { lr: 1e-6 });
        assert_eq!(codes(&at_once, 100, None), ["diverged_at_once"]);
        let mut short: Vec<f64> = (0..20).map(|i| 1.0 - 0.02 * i as f64).collect();
        short.push(50.0);
        let short = curve(&short, Stop::Diverged { lr: 1.0 });
        assert_eq!(codes(&short, 21, None), ["too_few_points"]);
        let flat = vec![1.0; 60];
        let mut flat = curve(&flat, Stop::Diverged { lr: 1.0 });
        flat.points.push(Point {
            step: 60,
            lr: 1.0,
            loss: 9.0,
            smoothed_loss: 9.0,
        });
        assert_eq!(codes(&flat, 100, None), ["flat_curve"]);
        let mut off: Vec<f64> = (0..100).map(|i| 9.0 - 0.01 * i as f64).collect();
        off.push(100.0);
        let off = curve(&off, Stop::Diverged { lr: 1.0 });
        assert_eq!(codes(&off, 101, Some(3)), ["initial_loss_off"]);
    }

    #[test]
    fn an_interrupted_curve_says_the_picks_read_part_of_it() {
        let falling: Vec<f64> = (0..40).map(|i| 1.2 - 0.01 * i as f64).collect();
        let c = curve(&falling, Stop::Interrupted { lr: 1e-4 });
        assert_eq!(codes(&c, 1000, None), ["interrupted"]);
        let short = curve(&[1.0, 0.9], Stop::Interrupted { lr: 1e-6 });
        let why = suggest(&short).failure.unwrap();
        let origin = Origin::Recorded;
        let m = why.explain(&short.stop, &origin);
        assert!(m.to_string().contains("interrupted after 2 steps"), "{m}");
    }

    #[test]
    fn a_recorded_curve_gets_no_advice_about_the_range_test() {
        let flat = curve(&[1.0; 60], Stop::Completed);
        let found = diagnose(&flat, &suggest(&flat), &Origin::Recorded);
        let codes: Vec<_> = found.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["never_diverged", "flat_curve"]);
        assert!(found.iter().all(|d| d.message.settings().count() == 0));
    }

    #[test]
    fn a_fit_below_a_tenth_of_its_reference_is_weak() {
        let race = |untrained, best| Fit {
            untrained,
            best,
            measured: Measured::Race,
        };
        // Random labels on 20,000 columns x 50 rows, as the race measured them.
        let found = weak_fit(&race(0.699, 0.668), None).unwrap();
        assert_eq!(found.code, "weak_fit");
        assert!(found.doubts_the_answer());
        assert_eq!(
            found.message.to_string(),
            "the race's best validation loss, 0.6680, is only 4.4% below 0.6990, the loss of the untrained model (less than 10%): the model barely learns the label, so the suggested LR is a guess; check the label (`target`) and the features, or give it more rows"
        );
        // Iris and digits.
        let shares = |loss| {
            Some(Constant {
                loss,
                predicts: "the class shares",
            })
        };
        assert_eq!(weak_fit(&race(1.0746, 0.0872), shares(1.0986)), None);
        assert_eq!(weak_fit(&race(2.3048, 0.0882), shares(10f64.ln())), None);
        // Learning the class shares of a 95/5 label beats the untrained model, not the shares.
        let uneven = -(0.95f64 * 0.95f64.ln() + 0.05 * 0.05f64.ln());
        let found = weak_fit(&race(0.693, 0.2), shares(uneven)).unwrap();
        assert!(
            found
                .message
                .to_string()
                .contains("is no lower than 0.1985, the loss of predicting the class shares"),
            "{}",
            found.message
        );
        let curve = Fit::of_curve(
            &curve(
                &(0..50).map(|i| 1.0 - 0.001 * i as f64).collect::<Vec<_>>(),
                Stop::Completed,
            ),
            Measured::TrainingCurve,
        )
        .unwrap();
        assert!(weak_fit(&curve, None).is_some());
    }

    #[test]
    fn the_constant_prediction_loses_the_entropy_of_the_class_shares() {
        use crate::data::{load_reader, EncodeOptions, ReadOptions};
        let mut text = String::from("x,y\n");
        for i in 0..40 {
            text += &format!("{},{}\n", (i * 7) % 11, ["a", "b", "b", "c"][i % 4]);
        }
        let d = load_reader(
            text.as_bytes(),
            std::path::Path::new("t.csv"),
            &ReadOptions::default(),
            &EncodeOptions::default(),
        )
        .unwrap();
        let expected = -(0.5f64 * 0.5f64.ln() + 2.0 * 0.25 * 0.25f64.ln());
        assert!((constant_loss(&d.summary, false).unwrap().loss - expected).abs() < 1e-12);
        let diagnostic = label_doubt(&d.summary);
        assert_eq!(diagnostic, None);
    }

    #[test]
    fn unstable_above_a_quarter_decade_between_quartiles() {
        let o = Origin::Recorded;
        assert!(unstable(Some(0.2), 3, &o).is_none());
        let found = unstable(Some(0.3), 3, &o).unwrap();
        assert_eq!(found.code, "unstable");
        assert_eq!(found.message.settings().count(), 0);
        assert!(unstable(None, 3, &o).is_none());
    }
}
