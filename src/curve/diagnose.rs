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

use serde::Serialize;

use super::consensus::{is_unstable, UNSTABLE_DECADES};
use super::rules::{NoSuggestion, Suggestions, MIN_POINTS};
use super::{Curve, Stop};
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
                "the test was interrupted (Ctrl-C) at LR {lr:.2e}, before the loss diverged: every pick reads only the curve up to there"
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
    fn unstable_above_a_quarter_decade_between_quartiles() {
        let o = Origin::Recorded;
        assert!(unstable(Some(0.2), 3, &o).is_none());
        let found = unstable(Some(0.3), 3, &o).unwrap();
        assert_eq!(found.code, "unstable");
        assert_eq!(found.message.settings().count(), 0);
        assert!(unstable(None, 3, &o).is_none());
    }
}
