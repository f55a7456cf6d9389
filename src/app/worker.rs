//! `lrfind worker CSV`: lrfind's own MLP served through the protocol. It loads the table as
//! `lrfind CSV` does, says hello with its sizes, and trains each job as the built-in engine would:
//! a range test on the same rows (measuring the same held-out rows, with `--val-split`), a
//! training run on the split of the job's seed. Run under `lrfind drive`, it gives the suggestion
//! `lrfind CSV` gives.

use indicatif::ProgressBar;

use super::Outcome;
use crate::cli::drive::WorkerArgs;
use lrfind::drive::protocol::{Hello, JobKind};
use lrfind::drive::worker::Worker;
use lrfind::engine::builtin::RangeSession;
use lrfind::engine::Setup;
use lrfind::error::{Error, Message, Result};
use lrfind::find::{builtin_engine, FindConfig};
use lrfind::grid::with_knobs;
use lrfind::optim::OptimizerKind;
use lrfind::range_test::RangeTestConfig;
use lrfind::train::{Evaluator, Trainer};

/// Runs `lrfind worker` with `args`.
pub fn run(args: &WorkerArgs) -> Result<Outcome> {
    args.model.single()?;
    let dataset = args.data.load(args.model.seed, &ProgressBar::hidden())?;
    let mut config = FindConfig::with_defaults(RangeTestConfig {
        seed: args.model.seed,
        batch_size: args.model.batch_size(),
        ..RangeTestConfig::with_defaults(args.model.model(), args.model.optimizer())
    });
    config.val_split = args.val_split;
    config.validate()?;
    let engine = builtin_engine(&dataset, &config)?;
    let optimizer = args.model.optimizer();
    let hello = Hello {
        name: Some(format!("lrfind worker {}", args.data.input().display())),
        framework: Some("lrfind".into()),
        validation: true,
        knobs: vec![
            "batch_size".into(),
            "weight_decay".into(),
            "momentum".into(),
        ],
        train_size: Some(engine.range_rows().len() as u64),
        val_size: engine.range_val().map(|v| v.len() as u64),
        batch_size: Some(args.model.batch_size() as u64),
        optimizer: Some(optimizer.kind.to_string()),
        classes: dataset.target.classes().map(|c| c as u64),
        ..Hello::default()
    };
    let lost = |e: std::io::Error| Error::Worker {
        worker: "lrfind worker".into(),
        message: Message::new(format!("lost lrfind: {e}")),
    };
    let mut worker = Worker::connect_from_env(hello).map_err(lost)?;
    while let Some(mut job) = worker.next_job().map_err(lost)? {
        let spec = job.spec().clone();
        let momentum = spec.knobs.momentum.unwrap_or(match optimizer.kind {
            OptimizerKind::Adam | OptimizerKind::Adamw => optimizer.beta1,
            _ => optimizer.momentum,
        });
        let setup = Setup {
            optimizer: with_knobs(
                &optimizer,
                spec.knobs.weight_decay.unwrap_or(optimizer.weight_decay),
                momentum,
            ),
            batch_size: spec
                .knobs
                .batch_size
                .map_or(args.model.batch_size(), |b| b as usize),
            seed: spec.seed,
        };
        match spec.kind {
            JobKind::Range => {
                let val = (!spec.evaluate_at.is_empty())
                    .then(|| engine.range_val().map(<[usize]>::to_vec))
                    .flatten();
                let mut session = RangeSession::new(
                    &dataset,
                    engine.range_rows().to_vec(),
                    val,
                    engine.model(),
                    &setup,
                );
                while let Some(lr) = job.next_lr().map_err(lost)? {
                    let step = job.done() as usize;
                    let loss = session.train(&dataset, lr);
                    job.step(loss).map_err(lost)?;
                    if job.wants_eval() && loss.is_finite() {
                        if let Some(v) = session.measure(&dataset, step, lr) {
                            job.eval(v).map_err(lost)?;
                        }
                    }
                }
            }
            JobKind::Train => {
                let split = engine.split(spec.seed);
                let batch = setup.batch_size.min(split.train.len()).max(1);
                let mut trainer = Trainer::new(
                    &dataset,
                    split.train.clone(),
                    engine.model(),
                    &setup.optimizer,
                    batch,
                    setup.seed,
                );
                let mut evaluator = Evaluator::new(&dataset, trainer.model(), split.val.clone());
                if job.wants_eval() {
                    let v = trainer.evaluate(&mut evaluator, &dataset);
                    job.eval(v).map_err(lost)?;
                }
                while let Some(lr) = job.next_lr().map_err(lost)? {
                    let loss = trainer.step(&dataset, lr) as f64;
                    job.step(loss).map_err(lost)?;
                    if job.wants_eval() {
                        let v = trainer.evaluate(&mut evaluator, &dataset);
                        job.eval(v).map_err(lost)?;
                    }
                }
            }
        }
    }
    Ok(Outcome::Suggested)
}
