//! Suggested learning rates: pure functions of a [`Curve`], each a named rule.
//!
//! All rules read the smoothed loss on the points before divergence, as a function of
//! `x = log10(lr)` (evenly spaced by the schedule).
//!
//! - `valley` (the headline, chosen by the quality benchmark in docs/quality.md): the middle (in
//!   log10 LR) of the descent to the minimum. The descent runs from the last point (after the
//!   start-up) where the smoothed loss is still within [`DESCENT_START`] of its whole fall below
//!   its highest, to the lowest smoothed loss. A bump on the way (a loss that rises a little and
//!   falls again) is part of the one descent, where the longest run of falling points, the rule
//!   before it, broke there and picked the middle of one side. It sits inside the region where
//!   training makes fast, stable progress, away from both the flat start and the edge of
//!   divergence.
//! - `steepest`: the point where the smoothed loss falls fastest, i.e. the minimum
//!   of `ds/dx`, estimated by central differences `(s_{i+1} - s_{i-1}) / (x_{i+1} - x_{i-1})`
//!   (one-sided at the ends). Searched between the end of the first 10% of points (start-up
//!   noise: the first batches' losses are few and the average is still settling) and the minimum
//!   of the smoothed loss (past it the loss is rising, whatever its slope).
//! - `minimum/10`: the LR of the lowest smoothed loss divided by 10 (fastai's `lr_min`): the
//!   minimum is at the edge of stability, a decade below is safely inside it.

use serde::Serialize;

use super::diagnose::Origin;
use super::{Curve, Point, Stop};
use crate::error::{Message, Setting};

/// Fewer points than this before divergence give no suggestion.
pub const MIN_POINTS: usize = 10;
/// Fraction of the first points the steepest rule skips.
pub const SKIP_FRACTION: f64 = 0.1;
/// A curve whose smoothed loss never falls by this fraction of its starting value is flat.
pub const MIN_RELATIVE_FALL: f64 = 0.01;
/// The descent the valley rule reads begins where the smoothed loss has fallen this fraction of
/// its whole fall (from its highest after the start-up to its lowest) for the last time.
pub const DESCENT_START: f64 = 0.1;
/// Where in the descent, as a fraction of its width in log10 LR, the valley rule picks.
pub const DESCENT_POINT: f64 = 0.5;

/// A suggestion rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
pub enum Method {
    /// Middle of the descent to the minimum of the smoothed loss, bumps included.
    #[serde(rename = "valley")]
    #[value(name = "valley")]
    Valley,
    /// Fastest fall of the smoothed loss (the inflection point).
    #[serde(rename = "steepest")]
    #[value(name = "steepest")]
    Steepest,
    /// LR of the minimum smoothed loss / 10.
    #[serde(rename = "minimum/10")]
    #[value(name = "minimum/10", alias = "min10")]
    MinimumDiv10,
}

/// The rule behind the suggested LR unless `--rule` says otherwise: it had the lowest regret in
/// the quality benchmark (docs/quality.md).
pub const HEADLINE: Method = Method::Valley;

impl Method {
    /// Every rule, the default headline first.
    pub const ALL: [Method; 3] = [Method::Valley, Method::Steepest, Method::MinimumDiv10];

    /// The rule's name as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Steepest => "steepest",
            Method::MinimumDiv10 => "minimum/10",
            Method::Valley => "valley",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One rule's pick.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Suggestion {
    /// The rule.
    pub method: Method,
    /// The suggested learning rate.
    pub lr: f64,
    /// The point of the curve the rule picked (for `minimum/10`, the minimum itself).
    pub step: usize,
}

/// Why no suggestion could be made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoSuggestion {
    /// Too few points before divergence.
    TooFewPoints {
        /// How many there were.
        points: usize,
    },
    /// The smoothed loss never fell (in the part of the curve after start-up).
    NeverFalls,
}

impl NoSuggestion {
    /// What happened and what to try, for a person, for a curve that ended for `stop` and was
    /// recorded as `origin` says (advice about the range test's settings only fits lrfind's own).
    pub fn explain(&self, stop: &Stop, origin: &Origin) -> Message {
        let own = matches!(origin, Origin::RangeTest { .. });
        match (self, stop) {
            (NoSuggestion::TooFewPoints { points }, Stop::Interrupted { .. }) => {
                Message::new(format!(
                    "the test was interrupted after {points} steps, too few to read; let it run longer"
                ))
            }
            (NoSuggestion::NeverFalls, Stop::Interrupted { .. }) => Message::new(
                "the test was interrupted before the smoothed loss fell; let it run longer",
            ),
            (NoSuggestion::TooFewPoints { points }, Stop::Completed) if own => {
                Message::new(format!("only {points} steps ran; use more "))
                    .setting(Setting::Steps)
                    .text(format!(" (at least {MIN_POINTS})"))
            }
            (NoSuggestion::TooFewPoints { points }, Stop::Completed) => Message::new(format!(
                "the curve has only {points} points; record at least {MIN_POINTS}"
            )),
            (NoSuggestion::TooFewPoints { points }, _) if own => Message::new(format!(
                "the loss diverged after only {points} steps, so the curve has no falling part to read; lower "
            ))
            .setting(Setting::StartLr)
            .text(", or use more ")
            .setting(Setting::Steps),
            (NoSuggestion::TooFewPoints { points }, _) => Message::new(format!(
                "the loss diverged after only {points} points, so the curve has no falling part to read; record from a lower LR, or more steps"
            )),
            (NoSuggestion::NeverFalls, Stop::Completed) if own => {
                Message::new("the smoothed loss never fell up to the end LR: raise ")
                    .setting(Setting::EndLr)
                    .text(", or, if the model learns nothing from these features, check the label column with ")
                    .setting(Setting::Target)
            }
            (NoSuggestion::NeverFalls, _) if own => {
                Message::new("the smoothed loss never fell: either ")
                    .setting(Setting::StartLr)
                    .text(" is already too high (lower it), or the model learns nothing from these features (check the label column with ")
                    .setting(Setting::Target)
                    .text(")")
            }
            (NoSuggestion::NeverFalls, Stop::Completed) => Message::new(
                "the smoothed loss never fell: record up to a higher LR, or check that the model learns at all",
            ),
            (NoSuggestion::NeverFalls, _) => Message::new(
                "the smoothed loss never fell before it diverged: the recording starts at too high an LR, or the model learns nothing",
            ),
        }
    }
}

/// Every rule's pick, and the headline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    /// The headline suggestion, if one could be made.
    pub headline: Option<Suggestion>,
    /// Every rule that gave an answer, the headline's rule included.
    pub candidates: Vec<Suggestion>,
    /// Why there is no headline.
    pub failure: Option<NoSuggestion>,
}

impl Suggestions {
    /// The pick of one rule.
    pub fn get(&self, method: Method) -> Option<&Suggestion> {
        self.candidates.iter().find(|s| s.method == method)
    }
}

/// Applies every rule to the points of `curve` before divergence, with [`HEADLINE`] as the
/// headline.
pub fn suggest(curve: &Curve) -> Suggestions {
    suggest_points(curve.before_divergence(), HEADLINE)
}

/// Applies every rule to `points` (a curve before divergence), with `headline` as the headline.
pub fn suggest_points(points: &[Point], headline: Method) -> Suggestions {
    let pick = |method: Method| match method {
        Method::Valley => valley(points),
        Method::Steepest => steepest(points),
        Method::MinimumDiv10 => minimum_div10(points),
    };
    let mut failure = None;
    let mut candidates = Vec::new();
    for method in Method::ALL {
        match pick(method) {
            Ok(s) => candidates.push(s),
            Err(e) if method == headline => failure = Some(e),
            Err(_) => {}
        }
    }
    if failure.is_some() {
        // Without a falling part, the other rules' picks are just as meaningless.
        candidates.clear();
    }
    Suggestions {
        headline: candidates.iter().find(|s| s.method == headline).copied(),
        candidates,
        failure,
    }
}

/// Index of the lowest smoothed loss (the first, if tied).
fn argmin(points: &[Point]) -> usize {
    points.iter().enumerate().fold(0, |best, (i, p)| {
        if p.smoothed_loss < points[best].smoothed_loss {
            i
        } else {
            best
        }
    })
}

/// Checks that a curve has enough points and a real fall; returns the index of its minimum.
fn falling_part(points: &[Point]) -> Result<usize, NoSuggestion> {
    if points.len() < MIN_POINTS {
        return Err(NoSuggestion::TooFewPoints {
            points: points.len(),
        });
    }
    let skip = skipped(points.len());
    let min = argmin(points);
    let start = points[skip].smoothed_loss;
    if min <= skip || start - points[min].smoothed_loss <= MIN_RELATIVE_FALL * start.abs() {
        return Err(NoSuggestion::NeverFalls);
    }
    Ok(min)
}

fn skipped(n: usize) -> usize {
    (n as f64 * SKIP_FRACTION).ceil() as usize
}

/// `d smoothed / d log10(lr)` at every point, by central differences (one-sided at the ends).
pub fn slopes(points: &[Point]) -> Vec<f64> {
    let n = points.len();
    let x = |i: usize| points[i].lr.log10();
    let s = |i: usize| points[i].smoothed_loss;
    (0..n)
        .map(|i| {
            let (a, b) = (i.saturating_sub(1), (i + 1).min(n - 1));
            if a == b {
                0.0
            } else {
                (s(b) - s(a)) / (x(b) - x(a))
            }
        })
        .collect()
}

/// The steepest-fall rule.
pub fn steepest(points: &[Point]) -> Result<Suggestion, NoSuggestion> {
    let min = falling_part(points)?;
    let slope = slopes(points);
    let i = (skipped(points.len())..=min)
        .min_by(|&a, &b| slope[a].total_cmp(&slope[b]))
        .ok_or(NoSuggestion::NeverFalls)?;
    if slope[i] >= 0.0 {
        return Err(NoSuggestion::NeverFalls);
    }
    Ok(Suggestion {
        method: Method::Steepest,
        lr: points[i].lr,
        step: points[i].step,
    })
}

/// The minimum/10 rule.
pub fn minimum_div10(points: &[Point]) -> Result<Suggestion, NoSuggestion> {
    let min = falling_part(points)?;
    Ok(Suggestion {
        method: Method::MinimumDiv10,
        lr: points[min].lr / 10.0,
        step: points[min].step,
    })
}

/// The descent to the minimum (see the module doc): the indices of its first and last points.
pub fn descent(points: &[Point]) -> Result<(usize, usize), NoSuggestion> {
    let min = falling_part(points)?;
    let skip = skipped(points.len());
    let top = points[skip..=min]
        .iter()
        .map(|p| p.smoothed_loss)
        .fold(f64::NEG_INFINITY, f64::max);
    let level = top - DESCENT_START * (top - points[min].smoothed_loss);
    let start = (skip..=min)
        .rev()
        .find(|&i| points[i].smoothed_loss >= level)
        .unwrap_or(skip);
    if start >= min {
        return Err(NoSuggestion::NeverFalls);
    }
    Ok((start, min))
}

/// The valley rule.
pub fn valley(points: &[Point]) -> Result<Suggestion, NoSuggestion> {
    let (start, end) = descent(points)?;
    let (a, b) = (points[start].lr.log10(), points[end].lr.log10());
    let target = a + DESCENT_POINT * (b - a);
    let i = (start..=end)
        .min_by(|&i, &j| {
            let d = |k: usize| (points[k].lr.log10() - target).abs();
            d(i).total_cmp(&d(j))
        })
        .unwrap_or(start);
    Ok(Suggestion {
        method: Method::Valley,
        lr: points[i].lr,
        step: points[i].step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::u_shape;

    /// A history from smoothed losses at LRs 10^(-6 + 0.1 i).
    fn curve(smoothed: &[f64], stop: Stop) -> Curve {
        Curve::from_losses(smoothed, 0.1, stop)
    }

    #[test]
    fn u_shape_steepest_at_the_inflection() {
        let h = curve(&u_shape(), Stop::Diverged { lr: 1.0 });
        let s = suggest(&h);
        let top = s.headline.unwrap();
        assert_eq!(top.method, HEADLINE);
        assert_eq!(s.get(Method::Steepest).unwrap().step, 30);
        let min = s.get(Method::MinimumDiv10).unwrap();
        assert_eq!(min.step, 45);
        assert!((min.lr - h.points[45].lr / 10.0).abs() < 1e-15);
        // The descent runs from 23 (the loss is within a tenth of its fall from the top up to
        // there) to the minimum at 45; its middle is 34.
        assert_eq!(s.get(Method::Valley).unwrap().step, 34);
        assert!(s.failure.is_none());
    }

    #[test]
    fn monotone_fall_uses_the_last_point_as_minimum() {
        // Falls fastest at i = 40 and keeps falling to the end: never diverges.
        let c: Vec<f64> = (0..50).map(|i| 3.0 - (i as f64 - 40.0).atan()).collect();
        let s = suggest(&curve(&c, Stop::Completed));
        assert_eq!(s.get(Method::Steepest).unwrap().step, 40);
        assert_eq!(s.get(Method::MinimumDiv10).unwrap().step, 49);
        // The descent: 36 (a tenth of the fall below the top) to 49; its middle is 42.5.
        let step = s.get(Method::Valley).unwrap().step;
        assert!((42..=43).contains(&step), "{step}");
    }

    #[test]
    fn immediate_divergence_gives_no_suggestion() {
        let h = curve(&[1.0, 2.0, 9.0], Stop::Diverged { lr: 1e-6 });
        let s = suggest(&h);
        assert!(s.headline.is_none());
        assert!(s.candidates.is_empty());
        assert_eq!(s.failure, Some(NoSuggestion::TooFewPoints { points: 2 }));
        let why = s.failure.unwrap().explain(
            &h.stop,
            &Origin::RangeTest {
                end_lr: 10.0,
                planned_steps: 3,
                classes: None,
            },
        );
        assert!(why.settings().any(|s| s == Setting::StartLr), "{why}");
        let why = s.failure.unwrap().explain(&h.stop, &Origin::Recorded);
        assert_eq!(why.settings().count(), 0, "{why}");
    }

    #[test]
    fn rising_or_flat_curve_gives_no_suggestion() {
        let rising: Vec<f64> = (0..40).map(|i| 1.0 + 0.01 * i as f64).collect();
        assert_eq!(
            suggest(&curve(&rising, Stop::Completed)).failure,
            Some(NoSuggestion::NeverFalls)
        );
        let flat: Vec<f64> = (0..40).map(|i| 1.0 - 1e-5 * i as f64).collect();
        assert_eq!(
            suggest(&curve(&flat, Stop::Completed)).failure,
            Some(NoSuggestion::NeverFalls)
        );
    }

    #[test]
    fn noisy_curve_still_finds_the_fall() {
        // The U shape with deterministic noise of amplitude 0.01: the steepest point stays within
        // a few steps of 30.
        let c: Vec<f64> = u_shape()
            .iter()
            .enumerate()
            .map(|(i, v)| v + 0.01 * ((i * 7919) % 13) as f64 / 13.0)
            .collect();
        let s = suggest_points(
            &curve(&c, Stop::Diverged { lr: 1.0 }).points,
            Method::Steepest,
        );
        let step = s.headline.unwrap().step;
        assert!((27..=33).contains(&step), "{step}");
    }

    #[test]
    fn the_first_tenth_is_skipped() {
        // A steep drop in the first points (start-up noise) must not be chosen.
        let mut c = u_shape();
        c[1] = c[0] - 0.9;
        for v in c.iter_mut().skip(2) {
            *v -= 0.9;
        }
        let s = suggest(&curve(&c, Stop::Completed));
        assert_eq!(s.get(Method::Steepest).unwrap().step, 30);
    }

    #[test]
    fn valley_is_the_middle_of_the_longest_fall() {
        // Falls 0..=5, rises at 6, falls 6..=30 (the longest), minimum at 30, then rises.
        let mut c: Vec<f64> = (0..40).map(|i| 10.0 - 0.1 * i as f64).collect();
        c[6] = 10.0;
        for (i, v) in c.iter_mut().enumerate().skip(31) {
            *v = 7.0 + 0.5 * i as f64;
        }
        let s = valley(&curve(&c, Stop::Completed).points).unwrap();
        assert_eq!(s.step, 18);
        let s = suggest_points(&curve(&c, Stop::Completed).points, Method::Valley);
        assert_eq!(s.headline.unwrap().method, Method::Valley);
    }

    /// The fine-tune of the issue: a long descent (2.7 to 0.2 over four decades) with one bump
    /// in it. The bump does not split the descent: the pick is the one of the same curve
    /// without the bump, in the middle of the whole descent. The old rule (the longest run of
    /// falling points) picked the middle of one side.
    #[test]
    fn a_descent_with_a_bump_is_one_descent() {
        let smooth: Vec<f64> = (0..90)
            .map(|i| {
                let x = i as f64 / 20.0; // 4.5 decades
                if x < 0.5 {
                    2.7
                } else {
                    0.2 + 2.5 * (1.0 - (x - 0.5) / 4.0).max(0.0).powf(1.5)
                }
            })
            .collect();
        let mut bumped = smooth.clone();
        for (k, v) in bumped.iter_mut().enumerate().skip(44).take(8) {
            *v += 0.3 * (1.0 - ((k as f64 - 47.5) / 4.0).powi(2)).max(0.0);
        }
        let c = |v: &[f64]| Curve::from_losses(v, 0.05, Stop::Completed);
        let plain = valley(&c(&smooth).points).unwrap();
        let bump = valley(&c(&bumped).points).unwrap();
        assert!(
            (44..52).any(|k| bumped[k + 1] > bumped[k]),
            "the bump rises"
        );
        assert!(
            (bump.lr / plain.lr).log10().abs() <= 0.05,
            "{} vs {}",
            bump.lr,
            plain.lr
        );
        // The descent: from 0.77 decades in (a tenth of the fall) to the end at 4.45; its middle
        // is 2.6 decades in, step 52.
        assert!((plain.step as i64 - 52).abs() <= 1, "{}", plain.step);
        assert_eq!(descent(&c(&bumped).points).unwrap().1, 89);
    }

    #[test]
    fn slopes_by_hand() {
        let h = curve(&[3.0, 2.0, 0.0], Stop::Completed);
        let d = slopes(&h.points);
        assert!((d[0] + 10.0).abs() < 1e-9);
        assert!((d[1] + 15.0).abs() < 1e-9);
        assert!((d[2] + 20.0).abs() < 1e-9);
    }
}
