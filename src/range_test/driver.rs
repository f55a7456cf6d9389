//! The range test on any model: the LR ramp, one call of the caller's step per LR, and the
//! divergence watch that stops it. lrfind's own range test is this driver around its MLP; a user
//! of another Rust framework passes a closure that trains their own model for one step.
//!
//! ```
//! use indicatif::ProgressBar;
//! use lrfind::range_test::driver::{drive, Ramp};
//!
//! // A stand-in for a real model: the loss falls with the LR, then blows up past 0.1.
//! let step = |lr: f64| if lr < 0.1 { 2.0 - 0.1 * (lr.log10() + 6.0) } else { 2.0 + 1e3 * lr };
//! let recording = drive(&Ramp::default(), step, &ProgressBar::hidden())?;
//! let stop_lr = recording.stop.divergence_lr().expect("it blew up");
//! assert!(stop_lr > 0.1 && stop_lr < 0.2);
//! # Ok::<(), lrfind::Error>(())
//! ```

use indicatif::ProgressBar;
use serde::Serialize;

use crate::curve::{CurveSettings, Sample, Stop};
use crate::error::Result;
use crate::schedule::ExponentialSchedule;

/// First LR: below any useful LR for these optimizers on standardised inputs.
pub const DEFAULT_START_LR: f64 = 1e-6;
/// Last LR: above where every optimizer here diverges on standardised data.
pub const DEFAULT_END_LR: f64 = 10.0;
/// Steps when nothing else decides them.
pub const DEFAULT_STEPS: usize = 100;

/// The LR ramp and the stop rule of a range test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ramp {
    /// First learning rate.
    pub start_lr: f64,
    /// Last learning rate.
    pub end_lr: f64,
    /// Steps from the first LR to the last.
    pub steps: usize,
    /// How the curve is smoothed and when it has diverged.
    pub curve: CurveSettings,
}

impl Default for Ramp {
    fn default() -> Self {
        Ramp {
            start_lr: DEFAULT_START_LR,
            end_lr: DEFAULT_END_LR,
            steps: DEFAULT_STEPS,
            curve: CurveSettings::default(),
        }
    }
}

impl Ramp {
    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        self.schedule()?;
        self.curve.validate()
    }

    /// The LR of every step.
    pub fn schedule(&self) -> Result<ExponentialSchedule> {
        ExponentialSchedule::new(self.start_lr, self.end_lr, self.steps)
    }

    /// Steps per decade of LR.
    pub fn points_per_decade(&self) -> f64 {
        (self.steps.max(2) - 1) as f64 / (self.end_lr / self.start_lr).log10()
    }
}

/// What a range test recorded: one sample per step up to the stop, and why it stopped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recording {
    /// Every recorded step, in order, up to the one where the test stopped (which may hold a
    /// non-finite loss).
    pub samples: Vec<Sample>,
    /// Why it stopped.
    pub stop: Stop,
    /// Steps planned.
    pub planned_steps: usize,
}

/// Runs the range test of `ramp` with `step`, which trains one step at the LR it is given and
/// returns that step's loss. `progress` is advanced once per step. A stop requested through
/// [`crate::interrupt`] ends it after the step it is on, keeping what was recorded.
pub fn drive(
    ramp: &Ramp,
    step: impl FnMut(f64) -> f64,
    progress: &ProgressBar,
) -> Result<Recording> {
    drive_until(ramp, step, progress, crate::interrupt::requested)
}

/// [`drive`], stopping after any step at which `stop()` says so: the recording then ends
/// [`Stop::Interrupted`] at that step's LR.
pub fn drive_until(
    ramp: &Ramp,
    mut step: impl FnMut(f64) -> f64,
    progress: &ProgressBar,
    stop_requested: impl Fn() -> bool,
) -> Result<Recording> {
    drive_fallible(ramp, |lr| Some(step(lr)), progress, stop_requested)
}

/// [`drive_until`] with a step that may give no loss (its trainer is gone: a worker that
/// crashed): the recording then ends [`Stop::Interrupted`] after the last step that gave one.
pub fn drive_fallible(
    ramp: &Ramp,
    mut step: impl FnMut(f64) -> Option<f64>,
    progress: &ProgressBar,
    stop_requested: impl Fn() -> bool,
) -> Result<Recording> {
    ramp.validate()?;
    let schedule = ramp.schedule()?;
    let mut watch = ramp.curve.watch(ramp.points_per_decade());
    let mut samples: Vec<Sample> = Vec::with_capacity(schedule.steps());
    let mut stop = Stop::Completed;
    for (i, lr) in schedule.iter().enumerate() {
        let Some(loss) = step(lr) else {
            stop = Stop::Interrupted {
                lr: samples.last().map_or(lr, |s| s.lr),
            };
            break;
        };
        progress.inc(1);
        samples.push(Sample { step: i, lr, loss });
        if let Some(s) = watch.observe(lr, loss) {
            stop = s;
            break;
        }
        if stop_requested() && i + 1 < schedule.steps() {
            stop = Stop::Interrupted { lr };
            break;
        }
    }
    Ok(Recording {
        samples,
        stop,
        planned_steps: schedule.steps(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_a_non_finite_loss_and_records_it() {
        let ramp = Ramp {
            steps: 50,
            ..Ramp::default()
        };
        let mut n = 0;
        let r = drive(
            &ramp,
            |_| {
                n += 1;
                if n == 20 {
                    f64::NAN
                } else {
                    1.0
                }
            },
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert_eq!(r.samples.len(), 20);
        assert!(r.samples[19].loss.is_nan());
        assert!(matches!(r.stop, Stop::NonFinite { .. }));
        assert_eq!(r.planned_steps, 50);
    }

    /// The range test stops on a loss that swings between 3 and 30 times its minimum, as the
    /// reading of a recorded curve does: the same watch.
    #[test]
    fn a_swinging_loss_stops_the_range_test() {
        let mut n = 0;
        let r = drive(
            &Ramp::default(),
            |_| {
                n += 1;
                match n {
                    ..=60 => 5.0 - 2.12 * (n - 1) as f64 / 59.0,
                    _ if n % 3 == 1 => 80.0,
                    _ => 9.0,
                }
            },
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert_eq!(
            r.stop,
            Stop::Diverged {
                lr: r.samples[60].lr
            }
        );
        assert!(r.samples.len() < 75, "{}", r.samples.len());
    }

    #[test]
    fn an_interruption_keeps_the_steps_recorded() {
        let calls = std::cell::Cell::new(0);
        let r = drive_until(
            &Ramp::default(),
            |_| {
                calls.set(calls.get() + 1);
                1.0
            },
            &ProgressBar::hidden(),
            || calls.get() >= 7,
        )
        .unwrap();
        assert_eq!(r.samples.len(), 7);
        assert_eq!(
            r.stop,
            Stop::Interrupted {
                lr: r.samples[6].lr
            }
        );
        assert_eq!(r.planned_steps, DEFAULT_STEPS);
    }

    #[test]
    fn runs_every_step_of_a_calm_curve() {
        let r = drive(&Ramp::default(), |_| 1.0, &ProgressBar::hidden()).unwrap();
        assert_eq!(r.samples.len(), DEFAULT_STEPS);
        assert_eq!(r.stop, Stop::Completed);
        assert_eq!(r.samples[0].lr, DEFAULT_START_LR);
    }

    #[test]
    fn bad_ramps_are_refused() {
        for bad in [
            Ramp {
                curve: CurveSettings {
                    smoothing: 0.0,
                    ..CurveSettings::default()
                },
                ..Ramp::default()
            },
            Ramp {
                curve: CurveSettings {
                    diverge_factor: 1.0,
                    ..CurveSettings::default()
                },
                ..Ramp::default()
            },
            Ramp {
                start_lr: 0.0,
                ..Ramp::default()
            },
        ] {
            assert!(drive(&bad, |_| 1.0, &ProgressBar::hidden()).is_err());
        }
    }
}
