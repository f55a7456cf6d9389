//! Recorders that store a smoothed loss instead of the raw one: what each stores, undoing it, and
//! recognising it in a saved curve.
//!
//! - torch-lr-finder (`history`, `smooth_f = f`, 0.05): `s_0 = x_0`,
//!   `s_i = f x_i + (1 - f) s_{i-1}`.
//! - fastai (`learn.recorder.losses` after `lr_find`, `AvgSmoothLoss` with `beta = b`, 0.98):
//!   `m_i = b m_{i-1} + (1 - b) x_i` (`m_{-1} = 0`), `s_i = m_i / (1 - b^(i+1))`, the count
//!   `i + 1` of losses so far.
//! - Lightning 2.x (`lr_finder.results`, `_LRCallback.on_train_batch_end`, `beta` 0.98): the same
//!   average divided by `1 - b^(g + 1)`, where `g` is the trainer's `global_step`, already 1 at
//!   the first batch (the optimizer has stepped when the hook runs): `s_i = m_i / (1 - b^(i+2))`,
//!   so its first value is about half the first loss (`(1 - b) / (1 - b^2) = 0.505`). A batch
//!   whose `training_step` returned None is stored as NaN, leaves the average alone and still
//!   counts a step, so `i` is the step's place in the recording ([`Sample::step`]), skipped steps
//!   included.
//!
//! Undoing one ([`Smoothing::undo`]) gives the raw loss back: the inverse of each formula, step
//! by step. It multiplies rounding errors by up to `1 / min(f, 1 - b)` (50 for 0.98), so the
//! smoothed values must be saved with full precision (`json.dump` does).
//!
//! Recognising one ([`recognise`]) from the values alone, since every recorder saves the same
//! `{"lr": [...], "loss": [...]}`:
//!
//! - Lightning's off-by-one start is its signature: its first value is half the losses that
//!   follow, and undone with Lightning's formula the start is level. A curve whose first value is
//!   below [`LIGHTNING_START`] times the median of the next ten while the undone one's is within
//!   [`LEVEL_START`] of level is Lightning's, and undone.
//! - Any other smoothed curve is told by its [`roughness`]: the median absolute second difference
//!   of the loss relative to its median level, on the points before the lowest loss. A raw loss
//!   of mini-batches carries the batches' noise (0.0074 and above on all 138 of lrfind's own
//!   curves of the regret benchmark's tables); torch-lr-finder's and fastai's smoothed curves are
//!   some 20 times smoother (0.0004). Below [`SMOOTH_ROUGHNESS`], the reading says which factor
//!   to give; it does not undo it, since a full-batch raw loss (a table of 60 rows) is as smooth
//!   (0.0001 to 0.0014) and inverting it would distort it.

use super::Sample;

/// torch-lr-finder's default `smooth_f`.
pub const TORCH_LR_FINDER_F: f64 = 0.05;
/// fastai's and Lightning's default `beta`.
pub const BETA: f64 = 0.98;
/// A first value below this fraction of the median of the next ten points is Lightning's start.
pub const LIGHTNING_START: f64 = 0.75;
/// Undone, the first value of a recognised curve is within this factor of the next ten's median.
pub const LEVEL_START: f64 = 1.25;
/// A curve smoother than this (see [`roughness`]) looks smoothed by its recorder.
pub const SMOOTH_ROUGHNESS: f64 = 0.003;
/// The smoothest raw loss of mini-batches among lrfind's own 138 curves of the regret
/// benchmark's tables (digits, SGD): the [`roughness`] a raw loss has at least.
pub const RAW_ROUGHNESS: f64 = 0.0074;

/// How a recorder smoothed the loss it stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Smoothing {
    /// torch-lr-finder's: `s_0 = x_0`, `s_i = f x_i + (1 - f) s_{i-1}`.
    Plain {
        /// The weight of the new loss (`smooth_f`).
        f: f64,
    },
    /// fastai's and Lightning's: `s_i = m_i / (1 - b^(step + offset))` with `m` the average
    /// `m_i = b m_{i-1} + (1 - b) x_i`; fastai's offset is 1, Lightning's 2.
    BiasCorrected {
        /// The weight of the old average (`beta`).
        beta: f64,
        /// What the bias correction adds to the step's place to count the steps.
        offset: i32,
    },
}

impl Smoothing {
    /// The smoothing a factor stands for, as `--smoothed-by` reads it: below 0.5 the weight of
    /// the new loss (torch-lr-finder's `smooth_f`), from 0.5 the weight of the old average
    /// (`beta`, bias-corrected), counted as fastai or as Lightning counts, whichever leaves the
    /// start of `samples` level ([`bias_offset`]).
    pub fn of_factor(b: f64, samples: &[Sample]) -> Self {
        if b < 0.5 {
            Smoothing::Plain { f: b }
        } else {
            Smoothing::BiasCorrected {
                beta: b,
                offset: bias_offset(samples, b),
            }
        }
    }

    /// Who smooths this way, for a person.
    pub fn describe(&self) -> String {
        match *self {
            Smoothing::Plain { f } => format!("torch-lr-finder's moving average (smooth_f {f})"),
            Smoothing::BiasCorrected { beta, offset: 2 } => format!(
                "Lightning's bias-corrected moving average (beta {beta}, its step count off by one)"
            ),
            Smoothing::BiasCorrected { beta, .. } => {
                format!("fastai's bias-corrected moving average (beta {beta})")
            }
        }
    }

    /// The raw losses of `samples` smoothed this way (see the module doc): each finite loss
    /// replaced by the inverse of the formula; a non-finite one is kept, and leaves the average
    /// alone.
    pub fn undo(&self, samples: &[Sample]) -> Vec<Sample> {
        let mut previous: Option<f64> = None;
        samples
            .iter()
            .map(|s| {
                if !s.loss.is_finite() {
                    return *s;
                }
                let loss = match *self {
                    Smoothing::Plain { f } => {
                        let x = previous.map_or(s.loss, |p| (s.loss - (1.0 - f) * p) / f);
                        previous = Some(s.loss);
                        x
                    }
                    Smoothing::BiasCorrected { beta, offset } => {
                        let count = (s.step as f64 + offset as f64).min(i32::MAX as f64) as i32;
                        let m = s.loss * (1.0 - beta.powi(count));
                        let x = (m - beta * previous.unwrap_or(0.0)) / (1.0 - beta);
                        previous = Some(m);
                        x
                    }
                };
                Sample { loss, ..*s }
            })
            .collect()
    }
}

/// The first loss over the median of the next ten (fewer if the curve is shorter), from the
/// finite losses; `None` for fewer than four.
fn start_level(samples: &[Sample]) -> Option<f64> {
    let finite: Vec<f64> = samples
        .iter()
        .map(|s| s.loss)
        .filter(|l| l.is_finite())
        .take(11)
        .collect();
    if finite.len() < 4 {
        return None;
    }
    let mut next = finite[1..].to_vec();
    next.sort_by(f64::total_cmp);
    let median = next[next.len() / 2];
    Some(finite[0] / median)
}

/// How far from level (1) a start is, in log units; a start that is not positive is as far as
/// can be.
fn off_level(level: Option<f64>) -> f64 {
    match level {
        Some(r) if r > 0.0 => r.ln().abs(),
        Some(_) => f64::INFINITY,
        None => 0.0,
    }
}

/// For a bias-corrected average with factor `b`: 1 (fastai's count) or 2 (Lightning's), the one
/// whose inverse leaves the start of `samples` more level. A range test's first losses, at its
/// lowest LRs, are alike; the wrong count halves the first one or doubles it.
pub fn bias_offset(samples: &[Sample], b: f64) -> i32 {
    let off = |offset| {
        off_level(start_level(
            &Smoothing::BiasCorrected { beta: b, offset }.undo(samples),
        ))
    };
    if off(2) < off(1) {
        2
    } else {
        1
    }
}

/// The median absolute second difference of the finite losses, over their median absolute
/// value, on the points from the sixth (past a bias correction's start) up to the lowest loss
/// (at least twelve of them): how much a curve wiggles from step to step, relative to its level.
/// `None` for fewer than twelve finite losses.
pub fn roughness(samples: &[Sample]) -> Option<f64> {
    let finite: Vec<f64> = samples
        .iter()
        .map(|s| s.loss)
        .filter(|l| l.is_finite())
        .skip(5)
        .collect();
    if finite.len() < 12 {
        return None;
    }
    let lowest = finite
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i);
    let part = &finite[..(lowest + 1).max(12)];
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let second: Vec<f64> = part
        .windows(3)
        .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
        .collect();
    let level = median(part.iter().map(|l| l.abs()).collect());
    (level > 0.0).then(|| median(second) / level)
}

/// What [`recognise`] made of a curve saved without saying how it was smoothed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Recognised {
    /// A raw loss, as far as can be told.
    Raw,
    /// Smoothed by a recorder known from its signature: undo it.
    Known(Smoothing),
    /// Smoother than a raw loss of mini-batches, by no recorder's signature.
    LooksSmoothed {
        /// Its [`roughness`].
        roughness: f64,
    },
}

/// Recognises a recorder's smoothing in `samples` (see the module doc).
pub fn recognise(samples: &[Sample]) -> Recognised {
    let lightning = Smoothing::BiasCorrected {
        beta: BETA,
        offset: 2,
    };
    let raw_start = start_level(samples);
    let undone_start = start_level(&lightning.undo(samples));
    if raw_start.is_some_and(|r| r > 0.0 && r < LIGHTNING_START)
        && off_level(undone_start) < LEVEL_START.ln()
    {
        return Recognised::Known(lightning);
    }
    match roughness(samples) {
        Some(r) if r < SMOOTH_ROUGHNESS => Recognised::LooksSmoothed { roughness: r },
        _ => Recognised::Raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw range test with batch noise: flat at 2.3, a fall to 0.3, a rise; alternating noise
    /// of 3%.
    fn raw() -> Vec<Sample> {
        (0..100)
            .map(|i| {
                let x = -6.0 + 0.07 * i as f64;
                let level = 0.3 + 2.0 / (1.0 + ((x + 3.0) * 3.0).exp()) + (x + 1.0).max(0.0);
                let noise = 1.0 + 0.03 * (((i * 7919) % 13) as f64 / 6.0 - 1.0);
                Sample {
                    step: i,
                    lr: 10f64.powf(x),
                    loss: level * noise,
                }
            })
            .collect()
    }

    /// Smooths `raw` as a recorder does (the module doc's formulas, written forwards).
    fn smoothed(raw: &[Sample], how: Smoothing) -> Vec<Sample> {
        let mut state: Option<f64> = None;
        raw.iter()
            .map(|s| {
                let loss = match how {
                    Smoothing::Plain { f } => {
                        let v = state.map_or(s.loss, |p| f * s.loss + (1.0 - f) * p);
                        state = Some(v);
                        v
                    }
                    Smoothing::BiasCorrected { beta, offset } => {
                        let m = beta * state.unwrap_or(0.0) + (1.0 - beta) * s.loss;
                        state = Some(m);
                        m / (1.0 - beta.powi(s.step as i32 + offset))
                    }
                };
                Sample { loss, ..*s }
            })
            .collect()
    }

    fn close(a: &[Sample], b: &[Sample]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x.loss - y.loss).abs() < 1e-9, "{x:?} vs {y:?}");
        }
    }

    #[test]
    fn undo_inverts_every_recorder() {
        let raw = raw();
        for how in [
            Smoothing::Plain { f: 0.05 },
            Smoothing::BiasCorrected {
                beta: 0.98,
                offset: 1,
            },
            Smoothing::BiasCorrected {
                beta: 0.98,
                offset: 2,
            },
        ] {
            close(&how.undo(&smoothed(&raw, how)), &raw);
        }
    }

    /// Lightning's first value is half the first loss (1.16 where the loss was 2.29 in the
    /// issue); undone as fastai counts, its start is still low, undone as Lightning counts it is
    /// level.
    #[test]
    fn lightning_counts_one_step_more_than_fastai() {
        let raw = raw();
        let lightning = smoothed(
            &raw,
            Smoothing::BiasCorrected {
                beta: 0.98,
                offset: 2,
            },
        );
        assert!((lightning[0].loss / raw[0].loss - 0.02 / (1.0 - 0.98f64.powi(2))).abs() < 1e-12);
        assert_eq!(bias_offset(&lightning, 0.98), 2);
        let fastai = smoothed(
            &raw,
            Smoothing::BiasCorrected {
                beta: 0.98,
                offset: 1,
            },
        );
        assert_eq!(bias_offset(&fastai, 0.98), 1);
        assert_eq!(
            Smoothing::of_factor(0.98, &lightning),
            Smoothing::BiasCorrected {
                beta: 0.98,
                offset: 2
            }
        );
        assert_eq!(
            Smoothing::of_factor(0.05, &lightning),
            Smoothing::Plain { f: 0.05 }
        );
    }

    /// Skipped steps (left out by the reader, their places kept) leave Lightning's average alone
    /// and still count: undoing the curve without them gives the other raw losses back.
    #[test]
    fn skipped_steps_keep_their_count() {
        let raw = raw();
        let how = Smoothing::BiasCorrected {
            beta: 0.98,
            offset: 2,
        };
        let mut with_nan = raw.clone();
        for i in [16, 45, 74] {
            with_nan[i].loss = f64::NAN;
        }
        // Lightning's average skips the NaN; the stored curve, read, leaves those steps out.
        let mut m = 0.0;
        let stored: Vec<Sample> = with_nan
            .iter()
            .filter(|r| r.loss.is_finite())
            .map(|r| {
                m = 0.98 * m + 0.02 * r.loss;
                Sample {
                    loss: m / (1.0 - 0.98f64.powi(r.step as i32 + 2)),
                    ..*r
                }
            })
            .collect();
        let expected: Vec<Sample> = with_nan
            .into_iter()
            .filter(|s| s.loss.is_finite())
            .collect();
        close(&how.undo(&stored), &expected);
    }

    #[test]
    fn recognises_lightning_and_says_when_a_curve_looks_smoothed() {
        let raw = raw();
        assert_eq!(recognise(&raw), Recognised::Raw);
        let lightning = Smoothing::BiasCorrected {
            beta: 0.98,
            offset: 2,
        };
        assert_eq!(
            recognise(&smoothed(&raw, lightning)),
            Recognised::Known(lightning)
        );
        for how in [
            Smoothing::Plain { f: 0.05 },
            Smoothing::BiasCorrected {
                beta: 0.98,
                offset: 1,
            },
        ] {
            let r = recognise(&smoothed(&raw, how));
            assert!(
                matches!(r, Recognised::LooksSmoothed { roughness } if roughness < SMOOTH_ROUGHNESS),
                "{how:?}: {r:?}"
            );
        }
        assert!(roughness(&raw).unwrap() > SMOOTH_ROUGHNESS);
        assert_eq!(roughness(&raw[..10]), None);
    }
}
