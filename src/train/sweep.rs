//! The sweep: fixed-LR training over a log grid of LRs and several seeds, in parallel, and the
//! best LR of the grid. Its best validation loss `L*` and the untrained loss `L0` define the
//! regret of any other LR.

use serde::Serialize;

use indicatif::ProgressBar;

use super::fixed::{measure_until, Measured, Training};
use crate::data::split::{try_split, Split};
use crate::data::Dataset;
use crate::error::{Error, Result, Setting};

/// The default grid: 1e-5 to 1, four points per decade.
pub fn default_grid() -> Vec<f64> {
    log_grid(1e-5, 1.0, 4)
}

/// LRs from `start` to `end` (both included) with `per_decade` points per decade.
pub fn log_grid(start: f64, end: f64, per_decade: usize) -> Vec<f64> {
    let n = ((end / start).log10() * per_decade as f64).round() as usize;
    (0..=n)
        .map(|i| start * 10f64.powf(i as f64 / per_decade as f64))
        .collect()
}

/// Seeds per LR unless told otherwise: enough for a mean and a spread.
pub const DEFAULT_SEEDS: usize = 3;
/// Fraction of rows held out for validation unless told otherwise.
pub const DEFAULT_VAL_SPLIT: f64 = 0.2;

/// What a sweep trains and at which LRs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepConfig {
    /// The model, optimizer, batch size and budget of every run.
    pub training: Training,
    /// The LRs to try.
    pub lrs: Vec<f64>,
    /// Seeds per LR: `seed..seed + seeds`.
    pub seeds: usize,
    /// The first seed: seed `seed + s` draws the weights, the batch order and the split of run
    /// `s` of every LR (a split per seed, as the race's, so the spread over seeds includes the
    /// split's).
    pub seed: u64,
    /// Fraction of rows held out for validation.
    pub val_split: f64,
}

impl SweepConfig {
    /// The default sweep (grid, seeds, split) of `training`.
    pub fn with_defaults(training: Training) -> Self {
        SweepConfig {
            training,
            lrs: default_grid(),
            seeds: DEFAULT_SEEDS,
            seed: 0,
            val_split: DEFAULT_VAL_SPLIT,
        }
    }

    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        self.training.validate()?;
        if self.lrs.is_empty() || self.lrs.iter().any(|&lr| !(lr.is_finite() && lr > 0.0)) {
            return Err(Error::config(
                Setting::Lrs,
                "give positive, finite learning rates",
            ));
        }
        if self.seeds == 0 {
            return Err(Error::config(Setting::Seeds, "must be at least 1"));
        }
        crate::data::split::check_fraction(Setting::ValSplit, self.val_split)
    }
}

/// A whole sweep, or what Ctrl-C left of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// Each LR of the grid whose every seed trained to the end, in the grid's order.
    pub points: Vec<Measured>,
    /// The LR with the lowest mean validation loss among those that improved on the untrained
    /// model; `None` when none did (every LR diverged or learned nothing).
    pub best_lr: Option<f64>,
    /// That loss (`L*`).
    pub best_loss: Option<f64>,
    /// The untrained model's validation loss (`L0`); NaN when no LR finished.
    pub initial_loss: f64,
    /// Whether a stop was requested (Ctrl-C) before every LR had trained: `points` then holds
    /// only the LRs that finished, and the best LR is the best of those.
    pub interrupted: bool,
    /// The LRs of the grid left out because they had not finished when the stop came.
    pub unfinished_lrs: Vec<f64>,
}

/// Runs the sweep of `config` on `dataset`.
pub fn sweep(dataset: &Dataset, config: &SweepConfig) -> Result<SweepResult> {
    sweep_with_progress(dataset, config, &ProgressBar::hidden())
}

/// The split of each seed of `config`: `val_split` of the rows held out, drawn by seed
/// `seed + s`.
pub fn splits(dataset: &Dataset, config: &SweepConfig) -> Result<Vec<Split>> {
    (0..config.seeds as u64)
        .map(|s| {
            try_split(
                dataset,
                Setting::ValSplit,
                config.val_split,
                config.seed + s,
            )
        })
        .collect()
}

/// [`sweep`], counting its runs (one per LR and seed) on `progress`. A stop requested through
/// [`crate::interrupt`] ends it early, keeping the LRs already trained (see [`sweep_until`]).
pub fn sweep_with_progress(
    dataset: &Dataset,
    config: &SweepConfig,
    progress: &ProgressBar,
) -> Result<SweepResult> {
    sweep_until(dataset, config, progress, &crate::interrupt::requested)
}

/// [`sweep_with_progress`], stopping once `stop()` says so: the runs still training are given
/// up, none is started after, and the result keeps each LR whose every seed had finished,
/// marked interrupted with the LRs left out.
pub fn sweep_until(
    dataset: &Dataset,
    config: &SweepConfig,
    progress: &ProgressBar,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<SweepResult> {
    config.validate()?;
    let splits = splits(dataset, config)?;
    let measured = measure_until(
        dataset,
        &splits,
        &config.training,
        &config.lrs,
        config.seed,
        config.seeds,
        progress,
        stop,
    );
    progress.finish_and_clear();
    let unfinished_lrs: Vec<f64> = measured
        .iter()
        .zip(&config.lrs)
        .filter(|(m, _)| m.is_none())
        .map(|(_, &lr)| lr)
        .collect();
    let points: Vec<Measured> = measured.into_iter().flatten().collect();
    let initial_loss = points.first().map_or(f64::NAN, |p| p.initial_loss);
    let best = points
        .iter()
        .filter(|p| p.diverged < p.runs.len() && p.mean_loss < p.initial_loss)
        .min_by(|a, b| a.mean_loss.total_cmp(&b.mean_loss));
    Ok(SweepResult {
        best_lr: best.map(|b| b.lr),
        best_loss: best.map(|b| b.mean_loss),
        initial_loss,
        points,
        interrupted: !unfinished_lrs.is_empty(),
        unfinished_lrs,
    })
}

/// Regret of a loss `l` against the best `l_star` and the untrained `l0`:
/// `(l - l_star) / (l0 - l_star)`, clamped to [0, 1]. 0: as good as the best LR; 1: no better
/// than not training.
pub fn regret(l: f64, l_star: f64, l0: f64) -> f64 {
    let span = l0 - l_star;
    if span <= 0.0 {
        return 0.0;
    }
    ((l - l_star) / span).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::fixed::Budget;

    /// A 4-unit MLP trained by Adam on batches of 16 for `epochs` passes and `min_steps` steps.
    fn tiny_training(epochs: usize, min_steps: usize) -> Training {
        Training {
            model: crate::model::ModelConfig {
                hidden: vec![4],
                ..Default::default()
            },
            optimizer: crate::optim::OptimizerConfig::new(crate::optim::OptimizerKind::Adam),
            batch_size: 16,
            budget: Budget { epochs, min_steps },
        }
    }

    #[test]
    fn grid_and_budget() {
        let g = default_grid();
        assert_eq!(g.len(), 21);
        assert_eq!(g[0], 1e-5);
        assert!((g[20] - 1.0).abs() < 1e-12);
        assert!((g[4] - 1e-4).abs() < 1e-16);
        let b = Budget::default();
        assert_eq!(b.steps(10), 500);
        assert_eq!(b.steps(100), 1000);
    }

    #[test]
    fn the_progress_counts_every_run() {
        let mut csv = String::from("x,label\n");
        for i in 0..60 {
            csv += &format!(
                "{},{}\n",
                i as f64 / 30.0 - 1.0,
                if i % 2 == 0 { "a" } else { "b" }
            );
        }
        let t = crate::data::csv::read(
            csv.as_bytes(),
            std::path::Path::new("t.csv"),
            &Default::default(),
        )
        .unwrap();
        let d = crate::data::encode(t, &crate::data::EncodeOptions::default()).unwrap();
        let training = tiny_training(1, 5);
        let config = SweepConfig {
            lrs: vec![1e-3, 1e-2, 1e-1],
            seeds: 2,
            ..SweepConfig::with_defaults(training)
        };
        let bar = ProgressBar::hidden();
        let r = sweep_with_progress(&d, &config, &bar).unwrap();
        assert_eq!(r.points.len(), 3);
        assert_eq!((bar.position(), bar.length()), (6, Some(6)));
    }

    /// A stop keeps the LRs whose every seed finished, in the grid's order, identical to the
    /// same LRs swept without a stop, and names the others.
    #[test]
    fn a_stop_keeps_the_lrs_trained() {
        let d = crate::train::race::tests::xor_dataset(200);
        let training = tiny_training(0, 200);
        let config = SweepConfig {
            lrs: log_grid(1e-4, 1.0, 3),
            seeds: 2,
            ..SweepConfig::with_defaults(training)
        };
        let bar = ProgressBar::hidden();
        // Two threads: the stop comes once four runs have finished.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let r = pool
            .install(|| sweep_until(&d, &config, &bar, &|| bar.position() >= 4))
            .unwrap();
        assert!(r.interrupted);
        let kept: Vec<f64> = r.points.iter().map(|p| p.lr).collect();
        assert!(
            !kept.is_empty() && kept.len() < config.lrs.len(),
            "{kept:?}"
        );
        assert_eq!(kept.len() + r.unfinished_lrs.len(), config.lrs.len());
        let whole = sweep_until(&d, &config, &ProgressBar::hidden(), &|| false).unwrap();
        assert!(!whole.interrupted && whole.unfinished_lrs.is_empty());
        for p in &r.points {
            assert_eq!(p.runs.len(), 2);
            assert_eq!(Some(p), whole.points.iter().find(|w| w.lr == p.lr));
        }
        assert!(kept.windows(2).all(|w| w[0] < w[1]));
        // Stopped before anything finished: nothing kept, nothing to compare against.
        let none = sweep_until(&d, &config, &ProgressBar::hidden(), &|| true).unwrap();
        assert!(none.points.is_empty() && none.best_lr.is_none() && none.initial_loss.is_nan());
    }

    /// Seed `s` trains on the split seed `s` draws, as the race's runs do: the spread over seeds
    /// includes the split's (on a table of a few hundred rows, most of it).
    #[test]
    fn each_seed_trains_on_its_own_split() {
        use crate::data::split::split;
        use crate::train::fixed::train_fixed;
        let d = crate::train::race::tests::xor_dataset(200);
        let training = tiny_training(0, 40);
        let config = SweepConfig {
            lrs: vec![1e-2],
            seeds: 2,
            seed: 5,
            ..SweepConfig::with_defaults(training.clone())
        };
        let r = sweep(&d, &config).unwrap();
        for s in 0..2u64 {
            let own = train_fixed(&d, &split(&d, 0.2, 5 + s), &training, 1e-2, 5 + s);
            assert_eq!(r.points[0].runs[s as usize], own, "seed {}", 5 + s);
        }
        let on_the_first = train_fixed(&d, &split(&d, 0.2, 5), &training, 1e-2, 6);
        assert_ne!(r.points[0].runs[1], on_the_first);
    }

    #[test]
    fn regret_by_hand() {
        assert_eq!(regret(0.5, 0.5, 2.0), 0.0);
        assert_eq!(regret(2.0, 0.5, 2.0), 1.0);
        assert!((regret(0.8, 0.5, 2.0) - 0.2).abs() < 1e-12);
        assert_eq!(regret(3.0, 0.5, 2.0), 1.0);
        assert_eq!(regret(0.4, 0.5, 2.0), 0.0);
    }
}
