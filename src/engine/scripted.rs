//! An engine whose losses come from closures: the pipeline's tests give it a curve of their
//! choosing (one that swings, one whose best LR sits below every candidate) and count the
//! updates it was asked for, without training anything.

use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::ProgressBar;

use super::{
    Capabilities, Engine, Knobs, LrFollower, RangeJob, Setup, TrainJob, Trained, TrainingWatch,
    ValPoint,
};
use crate::error::Result;
use crate::range_test::driver::drive;
use crate::range_test::Run;

/// A range test's training loss at step `i` (from 0) and LR `lr`, for a setup.
pub type RangeLoss = dyn Fn(&Setup, usize, f64) -> f64 + Sync;
/// A training job's validation loss after `steps` updates at LR `lr` (the plan's LR of the last
/// update), for a setup; at 0 steps, the untrained model's.
pub type ValLoss = dyn Fn(&Setup, usize, f64) -> f64 + Sync;

/// Losses from closures.
pub struct Scripted<'a> {
    range_loss: &'a RangeLoss,
    val_loss: &'a ValLoss,
    capabilities: Capabilities,
    updates: AtomicUsize,
}

impl<'a> Scripted<'a> {
    /// An engine with these losses, that validates and applies every knob, with `train_rows`
    /// rows.
    pub fn new(range_loss: &'a RangeLoss, val_loss: &'a ValLoss, train_rows: usize) -> Self {
        Scripted {
            range_loss,
            val_loss,
            capabilities: Capabilities {
                validation: true,
                train_rows: Some(train_rows),
                classes: None,
                knobs: Knobs::ALL,
                parallel: 1,
                carries_on: false,
            },
            updates: AtomicUsize::new(0),
        }
    }

    /// The same engine claiming other capabilities.
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }
}

impl Engine for Scripted<'_> {
    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn range_tests(&self, jobs: &[RangeJob], progress: &ProgressBar) -> Result<Vec<Run>> {
        jobs.iter()
            .map(|job| {
                let mut i = 0;
                let recording = drive(
                    &job.ramp,
                    |lr| {
                        let loss = (self.range_loss)(&job.setup, i, lr);
                        i += 1;
                        loss
                    },
                    progress,
                )?;
                Ok(Run {
                    recording,
                    val_samples: Vec::new(),
                    val_every: 0,
                    batch_size: job.setup.batch_size,
                    seed: job.setup.seed,
                })
            })
            .collect()
    }

    fn train(&self, jobs: &[TrainJob], progress: &ProgressBar) -> Result<Vec<Trained>> {
        jobs.iter()
            .map(|job| {
                let mut follower = LrFollower::new(job.lr.clone())?;
                let initial_loss = (self.val_loss)(&job.setup, 0, follower.lr(0));
                let watch = TrainingWatch::new(initial_loss);
                let mut t = Trained {
                    initial_loss,
                    evaluations: Vec::new(),
                    steps: 0,
                    diverged: false,
                    seconds: 0.0,
                };
                for &at in job.evaluate_at.iter().filter(|&&s| s > 0 && s <= job.until) {
                    let lr = follower.lr(at - 1);
                    let loss = (self.val_loss)(&job.setup, at, lr);
                    t.steps = at;
                    t.evaluations.push(ValPoint { step: at, loss, lr });
                    if watch.val_diverged(loss) {
                        t.diverged = true;
                        break;
                    }
                    follower.measured(loss);
                }
                if !t.diverged {
                    t.steps = job.until;
                }
                self.updates.fetch_add(t.steps, Ordering::Relaxed);
                progress.inc(1);
                Ok(t)
            })
            .collect()
    }

    /// This engine holds nothing: every job trains from the start, and costs all its updates.
    fn trained_updates(&self) -> usize {
        self.updates.load(Ordering::Relaxed)
    }
}
