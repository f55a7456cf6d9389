//! Diagnostics: what looks wrong with a range test, each with a stable code (for the JSON) and a
//! line that says what to do (for a person). Pure functions of the history and suggestions.
//!
//! - `never_diverged`: the loss never diverged, so the curve may not show where LRs get too high.
//! - `diverged_at_once`: divergence within the first 10% of steps (or before a curve could form).
//! - `too_few_points`: fewer than [`FEW_POINTS`] points before divergence; rules read a coarse curve.
//! - `flat_curve`: the smoothed loss never fell by 1%: nothing was learned.
//! - `initial_loss_off`: a C-class softmax classifier starts near `ln C` (its logits start near 0
//!   with lrfind's initialisation); a first loss off by more than `max(1, ln C / 2)` points at a
//!   broken label or scaling.
//! - `unstable`: repeated runs' picks spread over more than half a decade.

use serde::Serialize;

use crate::finder::{History, StopReason};
use crate::suggest::{is_unstable, NoSuggestion, Suggestions, MIN_POINTS, UNSTABLE_DECADES};

/// A curve with fewer points than this before divergence is coarse.
pub const FEW_POINTS: usize = 30;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable identifier.
    pub code: &'static str,
    /// What it means and what to try.
    pub message: String,
}

fn diag(code: &'static str, message: String) -> Diagnostic {
    Diagnostic { code, message }
}

/// Looks over one run. `classes` is the class count for classification; `end_lr` the configured
/// end of the schedule.
pub fn diagnose(
    history: &History,
    picks: &Suggestions,
    classes: Option<usize>,
    end_lr: f64,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let before = history.before_divergence().len();
    match history.stop {
        StopReason::Completed => out.push(diag(
            "never_diverged",
            format!(
                "the loss never diverged up to --end-lr {end_lr:e}; raise --end-lr to see where the LR gets too high"
            ),
        )),
        StopReason::Diverged { lr } | StopReason::NonFinite { lr }
            if before < MIN_POINTS.max(history.planned_steps / 10) =>
        {
            out.push(diag(
                "diverged_at_once",
                format!(
                    "the loss diverged after {before} steps, at LR {lr:.2e}; lower --start-lr"
                ),
            ))
        }
        _ => {}
    }
    if (MIN_POINTS..FEW_POINTS).contains(&before) {
        out.push(diag(
            "too_few_points",
            format!(
                "only {before} points before divergence; use more --steps or a smaller --batch-size for a finer curve"
            ),
        ));
    }
    if picks.failure == Some(NoSuggestion::NeverFalls) && before >= MIN_POINTS {
        out.push(diag(
            "flat_curve",
            "the smoothed loss never fell: nothing was learned; check the label column (--target) and the features".into(),
        ));
    }
    if let (Some(c), Some(first)) = (classes, history.points.first()) {
        let expected = (c as f64).ln();
        if (first.loss - expected).abs() > (0.5 * expected).max(1.0) {
            out.push(diag(
                "initial_loss_off",
                format!(
                    "the first loss is {:.3}, far from ln({c}) = {expected:.3} where a {c}-class classifier starts; check the label column and the feature scaling",
                    first.loss
                ),
            ));
        }
    }
    out
}

/// The diagnostic for repeated runs that disagree, if they do.
pub fn unstable(spread_decades: Option<f64>, runs: usize) -> Option<Diagnostic> {
    let spread = spread_decades?;
    is_unstable(Some(spread)).then(|| {
        diag(
            "unstable",
            format!(
                "the {runs} runs' picks spread over {spread:.2} decades (more than {UNSTABLE_DECADES}); the curve is noisy: use more --runs, a larger --batch-size or more --steps"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finder::Point;
    use crate::suggest::suggest;

    fn history(losses: &[f64], stop: StopReason, planned: usize) -> History {
        History::from_losses(losses, 0.07, stop, planned)
    }

    fn codes(h: &History, classes: Option<usize>) -> Vec<&'static str> {
        diagnose(h, &suggest(h), classes, 10.0)
            .iter()
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn each_code_on_its_curve() {
        let falling: Vec<f64> = (0..100).map(|i| 1.2 - 0.01 * i as f64).collect();
        assert_eq!(
            codes(&history(&falling, StopReason::Completed, 100), Some(3)),
            ["never_diverged"]
        );
        let at_once = history(&[1.0, 1.1, 9.0], StopReason::Diverged { lr: 1e-6 }, 100);
        assert_eq!(codes(&at_once, None), ["diverged_at_once"]);
        let mut short: Vec<f64> = (0..20).map(|i| 1.0 - 0.02 * i as f64).collect();
        short.push(50.0);
        let short = history(&short, StopReason::Diverged { lr: 1.0 }, 21);
        assert_eq!(codes(&short, None), ["too_few_points"]);
        let flat = vec![1.0; 60];
        let mut flat = history(&flat, StopReason::Diverged { lr: 1.0 }, 100);
        flat.points.push(Point {
            step: 60,
            lr: 1.0,
            loss: 9.0,
            smoothed_loss: 9.0,
        });
        assert_eq!(codes(&flat, None), ["flat_curve"]);
        let mut off: Vec<f64> = (0..100).map(|i| 9.0 - 0.01 * i as f64).collect();
        off.push(100.0);
        let off = history(&off, StopReason::Diverged { lr: 1.0 }, 101);
        assert_eq!(codes(&off, Some(3)), ["initial_loss_off"]);
    }

    #[test]
    fn unstable_above_half_a_decade() {
        assert!(unstable(Some(0.4), 3).is_none());
        assert_eq!(unstable(Some(0.6), 3).unwrap().code, "unstable");
        assert!(unstable(None, 3).is_none());
    }
}
