//! The built-in engine: lrfind's own MLP on a loaded table. Its jobs run on rayon's threads; a
//! training job's rows come from its seed ([`Holdout`]), and the trainings the pipeline may carry
//! further are held in memory so that a later round continues them instead of starting again.
//!
//! The two sessions here are the unit of work of one job, and they are public because `lrfind
//! worker` serves the same jobs through the protocol: a [`RangeSession`] takes one step at an LR,
//! a [`TrainSession`] trains up to a step and measures where asked.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::ProgressBar;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{
    Capabilities, Engine, JobKey, Knobs, LrFollower, RangeJob, Setup, TrainJob, Trained,
    TrainingWatch, ValPoint,
};
use crate::curve::Sample;
use crate::data::split::{split, Split};
use crate::data::Dataset;
use crate::error::Result;
use crate::model::ModelConfig;
use crate::range_test::driver::drive;
use crate::range_test::Run;
use crate::train::{Evaluator, Trainer};

/// The most held-out rows a training job measures: enough to rank LRs (the standard error of a
/// mean loss over 4,096 rows is about 1.6% of its spread), and it keeps a race's cost
/// independent of the table's size.
pub const MAX_VAL_ROWS: usize = 4096;
/// The most training rows a training job draws its batches from: more than a race's longest run
/// sees (800 steps of 64 rows), so a larger table gains nothing from more.
pub const MAX_TRAIN_ROWS: usize = 65_536;

/// How a training job's rows are split from its seed: `fraction` held out (stratified by class),
/// each side capped at [`MAX_TRAIN_ROWS`] and [`MAX_VAL_ROWS`] by a seeded sample when `capped`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holdout {
    /// Fraction of the rows held out.
    pub fraction: f64,
    /// Whether each side is capped.
    pub capped: bool,
}

/// lrfind's MLP on `dataset`.
pub struct Builtin<'a> {
    dataset: &'a Dataset,
    model: ModelConfig,
    range_rows: Vec<usize>,
    range_val: Option<Vec<usize>>,
    holdout: Holdout,
    splits: Mutex<HashMap<u64, Arc<Split>>>,
    held: Mutex<HashMap<JobKey, TrainSession>>,
    updates: AtomicUsize,
    stop: &'a (dyn Fn() -> bool + Sync),
}

impl<'a> Builtin<'a> {
    /// The engine of `model` on `dataset`: range tests train on every row and measure nothing;
    /// training jobs hold out `holdout` of the rows.
    pub fn new(dataset: &'a Dataset, model: ModelConfig, holdout: Holdout) -> Self {
        Builtin {
            dataset,
            model,
            range_rows: (0..dataset.rows()).collect(),
            range_val: None,
            holdout,
            splits: Mutex::new(HashMap::new()),
            held: Mutex::new(HashMap::new()),
            updates: AtomicUsize::new(0),
            stop: &crate::interrupt::requested,
        }
    }

    /// Training jobs end early (their results say how far they got) once `stop()` says so, in
    /// place of a stop asked for through [`crate::interrupt`]: for tests that stop at a chosen
    /// point.
    pub fn with_stop(mut self, stop: &'a (dyn Fn() -> bool + Sync)) -> Self {
        self.stop = stop;
        self
    }

    /// Range tests train on `split.train` and measure `split.val`.
    pub fn with_range_split(mut self, split: Split) -> Self {
        self.range_rows = split.train;
        self.range_val = Some(split.val);
        self
    }

    /// The data set.
    pub fn dataset(&self) -> &Dataset {
        self.dataset
    }

    /// The model trained.
    pub fn model(&self) -> &ModelConfig {
        &self.model
    }

    /// The rows range tests train on.
    pub fn range_rows(&self) -> &[usize] {
        &self.range_rows
    }

    /// The rows range tests measure, with a validation split.
    pub fn range_val(&self) -> Option<&[usize]> {
        self.range_val.as_deref()
    }

    /// The rows a training job with `seed` trains on and measures.
    pub fn split(&self, seed: u64) -> Arc<Split> {
        let mut splits = self.splits.lock().expect("no job panicked");
        splits
            .entry(seed)
            .or_insert_with(|| Arc::new(holdout_split(self.dataset, self.holdout, seed)))
            .clone()
    }

    /// One range test.
    fn range_test(&self, job: &RangeJob, progress: &ProgressBar) -> Result<Run> {
        self.model.check_size(self.dataset)?;
        let val = job.validation.then(|| self.range_val.clone()).flatten();
        let mut session = RangeSession::new(
            self.dataset,
            self.range_rows.clone(),
            val,
            &self.model,
            &job.setup,
        );
        let recording = drive(&job.ramp, |lr| session.step(self.dataset, lr).0, progress)?;
        Ok(Run {
            recording,
            val_every: session.val_every(),
            val_samples: session.val_samples,
            batch_size: session.batch_size,
            seed: job.setup.seed,
        })
    }
}

/// The split of `holdout` for `seed`.
pub fn holdout_split(dataset: &Dataset, holdout: Holdout, seed: u64) -> Split {
    let s = split(dataset, holdout.fraction, seed);
    if holdout.capped {
        capped(s, seed)
    } else {
        s
    }
}

/// `split` with at most [`MAX_TRAIN_ROWS`] training and [`MAX_VAL_ROWS`] validation rows, seeded
/// samples of its own.
fn capped(mut split: Split, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(3);
    for (rows, max) in [
        (&mut split.train, MAX_TRAIN_ROWS),
        (&mut split.val, MAX_VAL_ROWS),
    ] {
        if rows.len() > max {
            rows.shuffle(&mut rng);
            rows.truncate(max);
            rows.sort_unstable();
        }
    }
    split
}

impl Engine for Builtin<'_> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            validation: true,
            train_rows: Some(self.range_rows.len()),
            classes: self.dataset.target.classes(),
            knobs: Knobs::ALL,
            parallel: rayon::current_num_threads(),
            carries_on: true,
        }
    }

    fn range_tests(&self, jobs: &[RangeJob], progress: &ProgressBar) -> Result<Vec<Run>> {
        jobs.par_iter()
            .map(|job| self.range_test(job, progress))
            .collect()
    }

    fn train(&self, jobs: &[TrainJob], progress: &ProgressBar) -> Result<Vec<Trained>> {
        jobs.par_iter()
            .map(|job| {
                let held = self.held.lock().expect("no job panicked").remove(&job.key);
                let mut session = match held {
                    Some(s) if s.continues(job) => s,
                    _ => TrainSession::new(
                        self.dataset,
                        &self.split(job.setup.seed),
                        &self.model,
                        job,
                    )?,
                };
                let before = session.trained.steps;
                session.advance(self.dataset, job.until, &job.evaluate_at, self.stop);
                self.updates
                    .fetch_add(session.trained.steps - before, Ordering::Relaxed);
                let trained = session.trained();
                self.held
                    .lock()
                    .expect("no job panicked")
                    .insert(job.key, session);
                progress.inc(1);
                Ok(trained)
            })
            .collect()
    }

    fn release(&self, keys: &[JobKey]) {
        let mut held = self.held.lock().expect("no job panicked");
        for k in keys {
            held.remove(k);
        }
    }

    fn trained_updates(&self) -> usize {
        self.updates.load(Ordering::Relaxed)
    }
}

/// A range test on lrfind's model, one step at a time: the model, and the held-out rows it
/// measures, if any, every `k = ceil(validation rows / batch size)` steps (measuring then costs
/// about a third of training: a forward pass is about a third of a step).
pub struct RangeSession {
    trainer: Trainer,
    validation: Option<(Evaluator, usize)>,
    /// Validation losses so far, at the steps measured (after the step's update).
    pub val_samples: Vec<Sample>,
    /// The batch size used (the setup's, capped at the rows).
    pub batch_size: usize,
    step: usize,
}

impl RangeSession {
    /// A fresh model of `model` for `setup`, training on `rows` of `dataset` and measuring `val`.
    pub fn new(
        dataset: &Dataset,
        rows: Vec<usize>,
        val: Option<Vec<usize>>,
        model: &ModelConfig,
        setup: &Setup,
    ) -> Self {
        let batch_size = setup.batch_size.min(rows.len()).max(1);
        let trainer = Trainer::new(
            dataset,
            rows,
            model,
            &setup.optimizer,
            batch_size,
            setup.seed,
        );
        let validation = val.filter(|v| !v.is_empty()).map(|v| {
            let every = v.len().div_ceil(batch_size).max(1);
            (Evaluator::new(dataset, trainer.model(), v), every)
        });
        RangeSession {
            trainer,
            validation,
            val_samples: Vec::new(),
            batch_size,
            step: 0,
        }
    }

    /// Steps between validation measurements (0 without validation rows).
    pub fn val_every(&self) -> usize {
        self.validation.as_ref().map_or(0, |(_, every)| *every)
    }

    /// One step at `lr`: the batch's loss, and the validation loss when this step measured it
    /// (every [`RangeSession::val_every`] steps, after the update, when its loss is a number).
    pub fn step(&mut self, dataset: &Dataset, lr: f64) -> (f64, Option<f64>) {
        let step = self.step;
        let loss = self.train(dataset, lr);
        let due = self
            .validation
            .as_ref()
            .is_some_and(|(_, every)| step.is_multiple_of(*every));
        let val = if due && loss.is_finite() {
            self.measure(dataset, step, lr)
        } else {
            None
        };
        (loss, val)
    }

    /// One update at `lr`; its batch's loss.
    pub fn train(&mut self, dataset: &Dataset, lr: f64) -> f64 {
        self.step += 1;
        self.trainer.step(dataset, lr) as f64
    }

    /// The validation loss now, recorded as step `step`'s (at `lr`) when it is a number; `None`
    /// without validation rows.
    pub fn measure(&mut self, dataset: &Dataset, step: usize, lr: f64) -> Option<f64> {
        let (evaluator, _) = self.validation.as_mut()?;
        let v = self.trainer.evaluate(evaluator, dataset);
        v.is_finite().then(|| {
            self.val_samples.push(Sample { step, lr, loss: v });
            v
        })
    }
}

/// A training job on lrfind's model, carried as far as asked: the model, its held-out rows, the
/// LR plan being followed, and what was measured.
pub struct TrainSession {
    trainer: Trainer,
    evaluator: Evaluator,
    follower: LrFollower,
    setup: Setup,
    watch: TrainingWatch,
    trained: Trained,
}

impl TrainSession {
    /// A fresh model for `job` on `split` of `dataset`, measured once before training.
    pub fn new(
        dataset: &Dataset,
        split: &Split,
        model: &ModelConfig,
        job: &TrainJob,
    ) -> Result<Self> {
        let batch = job.setup.batch_size.min(split.train.len()).max(1);
        let trainer = Trainer::new(
            dataset,
            split.train.clone(),
            model,
            &job.setup.optimizer,
            batch,
            job.setup.seed,
        );
        let mut evaluator = Evaluator::new(dataset, trainer.model(), split.val.clone());
        let initial_loss = trainer.evaluate(&mut evaluator, dataset);
        Ok(TrainSession {
            trainer,
            evaluator,
            follower: LrFollower::new(job.lr.clone())?,
            setup: job.setup,
            watch: TrainingWatch::new(initial_loss),
            trained: Trained {
                initial_loss,
                evaluations: Vec::new(),
                steps: 0,
                diverged: false,
                seconds: 0.0,
            },
        })
    }

    /// Whether `job` carries this training further: the same setup and plan, not yet past it.
    pub fn continues(&self, job: &TrainJob) -> bool {
        self.setup == job.setup
            && *self.follower.plan() == job.lr
            && self.trained.steps <= job.until
    }

    /// Trains up to `until` updates in all, measuring after each update count in `evaluate_at`
    /// (ascending); stops for good at a divergence, and for now (short of `until`) once `stop()`
    /// says so.
    pub fn advance(
        &mut self,
        dataset: &Dataset,
        until: usize,
        evaluate_at: &[usize],
        stop: &dyn Fn() -> bool,
    ) {
        let clock = Instant::now();
        let t = &mut self.trained;
        let mut next = evaluate_at.partition_point(|&s| s <= t.steps);
        while t.steps < until && !t.diverged && !stop() {
            let lr = self.follower.lr(t.steps);
            let loss = self.trainer.step(dataset, lr) as f64;
            t.steps += 1;
            if self.watch.train_diverged(loss) {
                t.diverged = true;
                break;
            }
            if evaluate_at.get(next) == Some(&t.steps) {
                next += 1;
                let val = self.trainer.evaluate(&mut self.evaluator, dataset);
                t.evaluations.push(ValPoint {
                    step: t.steps,
                    loss: val,
                    lr,
                });
                if self.watch.val_diverged(val) {
                    t.diverged = true;
                    break;
                }
                self.follower.measured(val);
            }
        }
        t.seconds += clock.elapsed().as_secs_f64();
    }

    /// What it measured so far.
    pub fn trained(&self) -> Trained {
        self.trained.clone()
    }

    /// Batches in one pass over its training rows.
    pub fn batches_per_pass(&self) -> usize {
        self.trainer.batches_per_pass()
    }
}
