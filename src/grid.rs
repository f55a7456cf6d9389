//! The disciplined approach (Smith, "A disciplined approach to neural network hyper-parameters",
//! 2018): weight decay, momentum and batch size are found with the LR, not after it. One range
//! test (a whole `find`, race included) runs per configuration of the knobs' values, on the same
//! seed and split, and the curves are read side by side.
//!
//! - **Configurations** are the product of the lists (`weight_decay`, `momentum`, `batch_size`),
//!   at most [`MAX_CONFIGURATIONS`]. Momentum is SGD's momentum, or beta1 for Adam and AdamW.
//! - **Batch sizes** are compared at an equal number of examples seen ([`Equal::Examples`]): the
//!   smallest batch takes the range test's usual steps, a batch `k` times larger `1/k` of them,
//!   over the same LR range. [`Equal::Steps`] gives every batch size the same steps instead.
//! - **Smith's reading**: the lowest curve (the validation curve where there is one) that stays
//!   stable up to the largest LR. The configuration with the lowest smoothed loss wins; those
//!   within [`NEAR`] of it are tied, and the one that diverges at the largest LR among them is
//!   kept.
//! - **The race** then checks it: every configuration trains at its own suggested LR (batch
//!   sizes again at equal examples), with successive halving, and the best validation loss
//!   decides. The summary says which rule chose and how close the runner-up was.

use indicatif::ProgressBar;
use serde::Serialize;

use crate::curve::Point;
use crate::data::Dataset;
use crate::engine::{Engine, Setup};
use crate::error::{Error, Message, Result, Setting};
use crate::find::{builtin_engine, find_with, FindConfig, Findings};
use crate::optim::{OptimizerConfig, OptimizerKind};
use crate::range_test::{RangeTestConfig, MAX_DEFAULT_STEPS, MIN_DEFAULT_STEPS};
use crate::report::Knob;
use crate::train::race::{race, Candidate, Ledger, Race, RacePlan};

/// The most configurations one run tests.
pub const MAX_CONFIGURATIONS: usize = 36;
/// Configurations whose lowest smoothed loss is within this fraction of the best are tied.
pub const NEAR: f64 = 0.02;
/// Steps of the first round of the configurations' race (for the smallest batch).
pub const RACE_FIRST_STEPS: usize = 100;
/// Steps of its last round (for the smallest batch).
pub const RACE_STEPS: usize = 400;
/// The fewest range-test steps a configuration gets, however large its batch.
pub const MIN_STEPS: usize = 30;

/// How batch sizes are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Equal {
    /// At an equal number of examples seen: larger batches take fewer steps.
    #[default]
    Examples,
    /// At an equal number of steps: larger batches see more examples.
    Steps,
}

/// The values each knob takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Knobs {
    /// Weight decay values.
    pub weight_decay: Vec<f64>,
    /// Momentum values (SGD's momentum, Adam's beta1).
    pub momentum: Vec<f64>,
    /// Batch sizes.
    pub batch_size: Vec<usize>,
}

/// A grid of finds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridConfig {
    /// The find every configuration runs (its optimizer's weight decay and momentum, and its
    /// batch size, are replaced by each configuration's).
    pub base: FindConfig,
    /// The knobs' values.
    pub knobs: Knobs,
    /// How batch sizes are compared.
    pub equal: Equal,
    /// Whether the configurations race at their suggested LRs.
    pub verify: bool,
}

/// One configuration of the knobs: its values and the find it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    /// `weight_decay=1e-4, batch_size=64`: the knobs with several values.
    pub label: String,
    /// The knobs with several values.
    pub knobs: Vec<Knob>,
    /// The find.
    pub find: FindConfig,
}

fn check(setting: Setting, ok: bool, value: impl std::fmt::Display, why: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::config(setting, format!("{value} {why}")))
    }
}

impl GridConfig {
    /// Whether any knob has more than one value.
    pub fn is_grid(&self) -> bool {
        self.knobs.weight_decay.len() > 1
            || self.knobs.momentum.len() > 1
            || self.knobs.batch_size.len() > 1
    }

    /// Checks every value once; `train_rows` are the rows a range test trains on.
    pub fn validate(&self, train_rows: usize) -> Result<()> {
        let k = &self.knobs;
        for (setting, n) in [
            (Setting::WeightDecay, k.weight_decay.len()),
            (Setting::Momentum, k.momentum.len()),
            (Setting::BatchSize, k.batch_size.len()),
        ] {
            check(setting, n > 0, "an empty list", "gives no configuration")?;
        }
        for &wd in &k.weight_decay {
            check(
                Setting::WeightDecay,
                wd.is_finite() && wd >= 0.0,
                wd,
                "is not a weight decay: it must be a number of 0 or more",
            )?;
        }
        for &m in &k.momentum {
            check(
                Setting::Momentum,
                m.is_finite() && (0.0..1.0).contains(&m),
                m,
                "is not in [0, 1)",
            )?;
        }
        let kind = self.base.range.optimizer.kind;
        if k.momentum.len() > 1 && matches!(kind, OptimizerKind::Rmsprop | OptimizerKind::Adagrad) {
            return Err(Error::config(
                Setting::Momentum,
                format!(
                    "{kind} has no momentum in lrfind; give one value, or use sgd, adam or adamw"
                ),
            ));
        }
        for &b in &k.batch_size {
            check(
                Setting::BatchSize,
                b > 0,
                b,
                "is not a batch size: it must be at least 1",
            )?;
            // One batch size is clamped to the rows, as in a single test; in a list, sizes clamped
            // to the same rows would compare nothing.
            if k.batch_size.len() > 1 {
                check(
                    Setting::BatchSize,
                    b <= train_rows,
                    b,
                    &format!("is more than the {train_rows} rows the range test trains on"),
                )?;
            }
        }
        let n = k.weight_decay.len() * k.momentum.len() * k.batch_size.len();
        if n > MAX_CONFIGURATIONS {
            let longest = [
                (Setting::WeightDecay, k.weight_decay.len()),
                (Setting::Momentum, k.momentum.len()),
                (Setting::BatchSize, k.batch_size.len()),
            ]
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .expect("three knobs")
            .0;
            return Err(Error::config(
                longest,
                Message::new(format!(
                    "{} x {} x {} = {n} configurations is more than the {MAX_CONFIGURATIONS} lrfind tests at once; shorten the lists of ",
                    k.weight_decay.len(),
                    k.momentum.len(),
                    k.batch_size.len()
                ))
                .setting(Setting::WeightDecay)
                .text(", ")
                .setting(Setting::Momentum)
                .text(" or ")
                .setting(Setting::BatchSize),
            ));
        }
        self.base.validate()
    }

    /// Every configuration, in the order of the lists (weight decay outermost), for a range test
    /// on `train_rows` rows.
    pub fn configurations(&self, train_rows: usize) -> Vec<Configuration> {
        let k = &self.knobs;
        let smallest = *k.batch_size.iter().min().unwrap_or(&1);
        let base_steps = self.base.range.steps.unwrap_or_else(|| {
            let batch = smallest.min(train_rows).max(1);
            (train_rows / batch).clamp(MIN_DEFAULT_STEPS, MAX_DEFAULT_STEPS)
        });
        let mut out = Vec::new();
        for &wd in &k.weight_decay {
            for &m in &k.momentum {
                for &b in &k.batch_size {
                    let mut knobs = Vec::new();
                    let mut push = |setting: Setting, many: bool, value: String| {
                        if many {
                            knobs.push(Knob { setting, value });
                        }
                    };
                    push(
                        Setting::WeightDecay,
                        k.weight_decay.len() > 1,
                        format!("{wd}"),
                    );
                    push(Setting::Momentum, k.momentum.len() > 1, format!("{m}"));
                    push(Setting::BatchSize, k.batch_size.len() > 1, format!("{b}"));
                    let steps = match self.equal {
                        Equal::Examples if self.is_grid() => {
                            Some((base_steps * smallest / b).max(MIN_STEPS))
                        }
                        _ if self.is_grid() => Some(base_steps),
                        _ => self.base.range.steps,
                    };
                    let find = FindConfig {
                        range: RangeTestConfig {
                            optimizer: with_knobs(&self.base.range.optimizer, wd, m),
                            batch_size: b,
                            steps,
                            ..self.base.range.clone()
                        },
                        ..self.base.clone()
                    };
                    out.push(Configuration {
                        label: knobs
                            .iter()
                            .map(|k| format!("{}={}", k.setting.key(), k.value))
                            .collect::<Vec<_>>()
                            .join(", "),
                        knobs,
                        find,
                    });
                }
            }
        }
        out
    }
}

/// `optimizer` with weight decay `wd` and momentum `m` (SGD's momentum, Adam's beta1).
pub fn with_knobs(optimizer: &OptimizerConfig, wd: f64, m: f64) -> OptimizerConfig {
    let mut o = OptimizerConfig {
        weight_decay: wd,
        ..*optimizer
    };
    match o.kind {
        OptimizerKind::Sgd => o.momentum = m,
        OptimizerKind::Adam | OptimizerKind::Adamw => o.beta1 = m,
        OptimizerKind::Rmsprop | OptimizerKind::Adagrad => {}
    }
    o
}

/// How one configuration did, side by side with the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// The configuration.
    pub label: String,
    /// Its suggested LR.
    pub suggested_lr: Option<f64>,
    /// The lowest smoothed loss of the curve the rules read (median over runs).
    pub lowest_loss: Option<f64>,
    /// Where it diverged (median over runs), if it did.
    pub divergence_lr: Option<f64>,
    /// Decades from where the loss starts to fall to where it diverges (or the last LR).
    pub stable_decades: Option<f64>,
}

/// The configuration to use and how it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// The configuration's label.
    pub label: String,
    /// Its LR.
    pub lr: f64,
    /// `race` when the race decided, `smith` when Smith's reading did (no race, or no winner).
    pub chosen_by: &'static str,
    /// Smith's reading's pick.
    pub smith: String,
    /// Its best validation loss in the race.
    pub val_loss: Option<f64>,
    /// The runner-up's label, and its validation loss in the race (or lowest smoothed loss).
    pub runner_up: Option<(String, Option<f64>)>,
}

/// Everything a grid found.
#[derive(Debug, Clone)]
pub struct GridFindings {
    /// Each configuration and its find, in order.
    pub configurations: Vec<(Configuration, Findings)>,
    /// Their standings, in the same order.
    pub standings: Vec<Standing>,
    /// The configurations' race, when they raced.
    pub race: Option<Race>,
    /// What to use.
    pub recommended: Option<Recommendation>,
}

/// The lowest smoothed loss of a find's curves (the validation curve where there is one), median
/// over runs.
fn lowest_loss(findings: &Findings) -> Option<f64> {
    let mut lows: Vec<f64> = findings
        .runs
        .iter()
        .filter_map(|r| {
            let curve: &[Point] = match &r.val_curve {
                Some(v) => v.before_divergence(),
                None => r.curve.before_divergence(),
            };
            curve
                .iter()
                .map(|p| p.smoothed_loss)
                .filter(|l| l.is_finite())
                .reduce(f64::min)
        })
        .collect();
    lows.sort_by(f64::total_cmp);
    lows.get(lows.len() / 2).copied()
}

/// Where the loss of a find's first run starts to fall: the first point at least 5% of the way
/// from its start to its minimum.
fn fall_start(findings: &Findings) -> Option<f64> {
    let curve = findings.runs.first()?.curve.before_divergence();
    let start = curve.first()?.smoothed_loss;
    let min = curve.iter().map(|p| p.smoothed_loss).reduce(f64::min)?;
    let target = start - 0.05 * (start - min);
    curve
        .iter()
        .find(|p| p.smoothed_loss <= target)
        .map(|p| p.lr)
}

fn standing(c: &Configuration, f: &Findings) -> Standing {
    let divergence = f.divergence_lr();
    let end = divergence.or_else(|| {
        f.runs
            .first()
            .and_then(|r| r.curve.before_divergence().last().map(|p| p.lr))
    });
    Standing {
        label: c.label.clone(),
        suggested_lr: f.suggested_lr(),
        lowest_loss: lowest_loss(f),
        divergence_lr: divergence,
        stable_decades: match (fall_start(f), end) {
            (Some(a), Some(b)) if b > a => Some((b / a).log10()),
            _ => None,
        },
    }
}

/// Smith's reading: the lowest curve, ties within [`NEAR`] broken by the largest LR it stays
/// stable to. Returns the index of the pick, if any configuration has a suggestion.
pub fn smiths_pick(standings: &[Standing]) -> Option<usize> {
    let usable: Vec<(usize, &Standing)> = standings
        .iter()
        .enumerate()
        .filter(|(_, s)| s.suggested_lr.is_some() && s.lowest_loss.is_some())
        .collect();
    let best = usable
        .iter()
        .filter_map(|(_, s)| s.lowest_loss)
        .reduce(f64::min)?;
    let tie = best + NEAR * best.abs();
    usable
        .iter()
        .filter(|(_, s)| s.lowest_loss.is_some_and(|l| l <= tie))
        .max_by(|a, b| {
            let reach = |s: &Standing| s.divergence_lr.unwrap_or(f64::INFINITY);
            reach(a.1).total_cmp(&reach(b.1)).then(
                b.1.lowest_loss
                    .partial_cmp(&a.1.lowest_loss)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
        })
        .map(|(i, _)| *i)
}

/// Runs the find of every configuration of `config` on `dataset` with lrfind's own model:
/// [`run_grid_with`] on the find's built-in engine.
pub fn run_grid(
    dataset: &Dataset,
    config: &GridConfig,
    progress: &ProgressBar,
) -> Result<GridFindings> {
    config.base.validate()?;
    run_grid_with(&builtin_engine(dataset, &config.base)?, config, progress)
}

/// Runs the find of every configuration of `config` on `engine`, reads them side by side and
/// recommends one. `progress` counts configurations.
pub fn run_grid_with(
    engine: &dyn Engine,
    config: &GridConfig,
    progress: &ProgressBar,
) -> Result<GridFindings> {
    let caps = engine.capabilities();
    let train_rows = caps.train_rows.unwrap_or(usize::MAX);
    config.validate(train_rows)?;
    let configurations = config.configurations(caps.train_rows.unwrap_or(MIN_DEFAULT_STEPS));
    progress.set_length(configurations.len() as u64);
    let mut found = Vec::with_capacity(configurations.len());
    for c in configurations {
        let f = find_with(engine, &c.find, &ProgressBar::hidden())?;
        progress.inc(1);
        found.push((c, f));
    }
    progress.finish_and_clear();
    let standings: Vec<Standing> = found.iter().map(|(c, f)| standing(c, f)).collect();
    let smith = smiths_pick(&standings);
    let race = if config.verify && caps.validation {
        race_configurations(engine, config, &found)?
    } else {
        None
    };
    let recommended = smith.map(|s| recommend(&found, &standings, s, race.as_ref()));
    Ok(GridFindings {
        configurations: found,
        standings,
        race,
        recommended,
    })
}

/// Every configuration with a suggestion trains at it; batch sizes at equal examples.
fn race_configurations(
    engine: &dyn Engine,
    config: &GridConfig,
    found: &[(Configuration, Findings)],
) -> Result<Option<Race>> {
    let Some(smallest) = found.iter().map(|(c, _)| c.find.range.batch_size).min() else {
        return Ok(None);
    };
    let candidates: Vec<Candidate> = found
        .iter()
        .filter_map(|(c, f)| {
            let lr = f.suggested_lr()?;
            let scale = match config.equal {
                Equal::Examples => smallest as f64 / c.find.range.batch_size as f64,
                Equal::Steps => 1.0,
            };
            Some(Candidate {
                label: c.label.clone(),
                lr,
                setup: Setup {
                    optimizer: c.find.range.optimizer,
                    batch_size: c.find.range.batch_size,
                    seed: c.find.range.seed,
                },
                steps_scale: scale,
            })
        })
        .collect();
    if candidates.len() < 2 {
        return Ok(None);
    }
    let seed = config.base.range.seed;
    let seeds = config.base.verify.map_or(1, |v| v.seeds);
    let plan = RacePlan {
        first: RACE_FIRST_STEPS,
        steps: RACE_STEPS,
        seeds: (0..seeds as u64).map(|s| seed + s).collect(),
        shape: config.base.race_shape(),
    };
    let mut ledger = Ledger::new();
    let raced = race(
        engine,
        &candidates,
        &plan,
        &mut ledger,
        &ProgressBar::hidden(),
    );
    engine.release(&ledger.keys());
    raced
}

/// The recommendation: the race's survivor when there was a race, else Smith's pick.
fn recommend(
    found: &[(Configuration, Findings)],
    standings: &[Standing],
    smith: usize,
    race: Option<&Race>,
) -> Recommendation {
    let smith_label = standings[smith].label.clone();
    match race {
        Some(r) => {
            let winner = &r.entries[0];
            let runner = r.entries.get(1);
            Recommendation {
                label: winner.label.clone(),
                lr: winner.lr,
                chosen_by: "race",
                smith: smith_label,
                val_loss: Some(winner.mean_loss),
                runner_up: runner.map(|e| (e.label.clone(), Some(e.mean_loss))),
            }
        }
        None => {
            let runner = standings
                .iter()
                .enumerate()
                .filter(|(i, s)| *i != smith && s.lowest_loss.is_some())
                .min_by(|a, b| {
                    a.1.lowest_loss
                        .partial_cmp(&b.1.lowest_loss)
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
            Recommendation {
                label: smith_label.clone(),
                lr: found[smith]
                    .1
                    .suggested_lr()
                    .expect("Smith's pick has a suggestion"),
                chosen_by: "smith",
                smith: smith_label,
                val_loss: None,
                runner_up: runner.map(|(_, s)| (s.label.clone(), s.lowest_loss)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelConfig;

    fn grid(wd: &[f64], m: &[f64], b: &[usize], equal: Equal) -> GridConfig {
        GridConfig {
            base: FindConfig::with_defaults(RangeTestConfig::with_defaults(
                ModelConfig::default(),
                OptimizerConfig::new(OptimizerKind::Adam),
            )),
            knobs: Knobs {
                weight_decay: wd.to_vec(),
                momentum: m.to_vec(),
                batch_size: b.to_vec(),
            },
            equal,
            verify: true,
        }
    }

    #[test]
    fn configurations_are_the_product_labelled_by_the_lists() {
        let g = grid(&[0.0, 1e-4], &[0.9], &[32, 128], Equal::Examples);
        assert!(g.is_grid());
        let c = g.configurations(10_000);
        assert_eq!(c.len(), 4);
        assert_eq!(c[1].label, "weight_decay=0, batch_size=128");
        assert_eq!(c[2].find.range.optimizer.weight_decay, 1e-4);
        // Equal examples: the smallest batch takes the usual steps (10,000 / 32 clamped to 200),
        // a batch four times larger a quarter of them.
        assert_eq!(c[0].find.range.steps, Some(200));
        assert_eq!(c[1].find.range.steps, Some(50));
        let c = grid(&[0.0], &[0.9], &[32, 128], Equal::Steps).configurations(10_000);
        assert_eq!(
            (c[0].find.range.steps, c[1].find.range.steps),
            (Some(200), Some(200))
        );
        // Momentum is Adam's beta1.
        let c = grid(&[0.0], &[0.85, 0.95], &[64], Equal::Examples).configurations(1000);
        assert_eq!(c[1].find.range.optimizer.beta1, 0.95);
        // One value of each: not a grid, and the find is the base's.
        let one = grid(&[0.0], &[0.9], &[64], Equal::Examples);
        assert!(!one.is_grid());
        assert_eq!(one.configurations(1000)[0].find, one.base);
    }

    #[test]
    fn bad_lists_name_their_setting() {
        let setting = |g: GridConfig| match g.validate(1000) {
            Err(Error::Config { setting, .. }) => Some(setting),
            _ => None,
        };
        assert_eq!(
            setting(grid(&[-1e-4], &[0.9], &[64], Equal::Examples)),
            Some(Setting::WeightDecay)
        );
        assert_eq!(
            setting(grid(&[0.0], &[1.0], &[64], Equal::Examples)),
            Some(Setting::Momentum)
        );
        assert_eq!(
            setting(grid(&[0.0], &[0.9], &[0], Equal::Examples)),
            Some(Setting::BatchSize)
        );
        assert_eq!(
            setting(grid(&[0.0, 1e-4], &[0.9], &[64, 2000], Equal::Examples)),
            Some(Setting::BatchSize)
        );
        let many: Vec<f64> = (0..7).map(|i| i as f64 * 1e-4).collect();
        assert_eq!(
            setting(grid(
                &many,
                &[0.8, 0.85, 0.9, 0.95, 0.99, 0.5],
                &[64],
                Equal::Examples
            )),
            Some(Setting::WeightDecay)
        );
        assert_eq!(
            setting(grid(&[0.0, 1e-4], &[0.9], &[64], Equal::Examples)),
            None
        );
    }

    fn standing(label: &str, lr: f64, low: f64, div: f64) -> Standing {
        Standing {
            label: label.into(),
            suggested_lr: Some(lr),
            lowest_loss: Some(low),
            divergence_lr: Some(div),
            stable_decades: None,
        }
    }

    #[test]
    fn smith_takes_the_lowest_curve_and_breaks_ties_by_the_largest_stable_lr() {
        let s = [
            standing("a", 1e-3, 0.50, 1e-1),
            standing("b", 1e-3, 0.40, 1e-2),
            standing("c", 1e-3, 0.405, 3e-1),
        ];
        // b is lowest; c is within 2% of it and stays stable to a larger LR.
        assert_eq!(smiths_pick(&s), Some(2));
        let s = [
            standing("a", 1e-3, 0.50, 1e-1),
            standing("b", 1e-3, 0.40, 1e-2),
        ];
        assert_eq!(smiths_pick(&s), Some(1));
        let none = Standing {
            suggested_lr: None,
            ..standing("a", 1e-3, 0.5, 1e-1)
        };
        assert_eq!(smiths_pick(&[none]), None);
    }
}
