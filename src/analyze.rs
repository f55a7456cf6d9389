//! One `lrfind analyze`: curves recorded elsewhere (PyTorch, Keras, JAX, a cluster), each read as
//! lrfind reads its own: the divergence point from the raw loss, the lag-free smoothed curve, every
//! rule's pick and the diagnostics. The library entry point behind the command; a Rust user with
//! (LR, loss) pairs from their own training calls [`analyze_pairs`].
//!
//! ```
//! use lrfind::analyze::{analyze_pairs, AnalyzeConfig};
//!
//! // A recorded range test: flat, a fall between 1e-4 and 1e-2, then a blow-up.
//! let pairs: Vec<(f64, f64)> = (0..100)
//!     .map(|i| {
//!         let x = -6.0 + 0.07 * i as f64;
//!         let loss = if x < -1.0 { 2.3 - 2.0 / (1.0 + (-(x + 3.0) * 3.0).exp()) } else { 50.0 };
//!         (10f64.powf(x), loss)
//!     })
//!     .collect();
//! let report = analyze_pairs("my-model", &pairs, &AnalyzeConfig::default())?;
//! let lr = report.suggested_lr().expect("a falling curve");
//! assert!(lr > 1e-5 && lr < 1e-1);
//! assert!(report.main().stop().divergence_lr().is_some());
//! # Ok::<(), lrfind::Error>(())
//! ```

use crate::curve::diagnose::Origin;
use crate::curve::read::{from_pairs, Recorded, RecordedRun};
use crate::curve::recorder::{
    recognise, Recognised, Smoothing, BETA, RAW_ROUGHNESS, TORCH_LR_FINDER_F,
};
use crate::curve::rules::suggest_points;
use crate::curve::{Curve, Stop};
use crate::error::{Error, Result};
use crate::report::{Group, Report, RunCurve, Settings};

pub use crate::curve::read::ReadConfig as AnalyzeConfig;

/// Reads one recorded run: undoes the recorder's smoothing (the factor given, or the recorder
/// recognised from the curve), finds the divergence, smooths and applies every rule. Returns the
/// run and what was made of its smoothing, for the notes.
fn read_run(run: &RecordedRun, config: &AnalyzeConfig) -> (RunCurve, Option<String>) {
    let (samples, note) = match config.smoothed_by {
        Some(0.0) => (run.samples.clone(), None),
        Some(b) => {
            let how = Smoothing::of_factor(b, &run.samples);
            (how.undo(&run.samples), Some(format!("undid {}", how.describe())))
        }
        None => match recognise(&run.samples) {
            Recognised::Raw => (run.samples.clone(), None),
            Recognised::Known(how) => (
                how.undo(&run.samples),
                Some(format!(
                    "the loss is {}, recognised from its start and undone (set smoothed_by to 0 to read it as it is)",
                    how.describe()
                )),
            ),
            Recognised::LooksSmoothed { roughness } => (
                run.samples.clone(),
                Some(format!(
                    "the loss looks smoothed: it wiggles from step to step {:.0} times less than a raw loss of mini-batches does; give the recorder's factor with the smoothed_by setting ({TORCH_LR_FINDER_F} for torch-lr-finder, {BETA} for fastai or Lightning), unless it is a full-batch raw loss, which is this smooth too",
                    RAW_ROUGHNESS / roughness
                )),
            ),
        },
    };
    let curve = Curve::read(&samples, Stop::Completed, &config.curve);
    let picks = suggest_points(curve.before_divergence(), config.rule);
    let read = RunCurve {
        seed: None,
        curve,
        val_curve: None,
        picks,
        planned_steps: None,
        batch_size: None,
        cut_short: false,
    };
    (read, note)
}

/// The report of recorded logs: one group per log, one run per curve in it.
pub fn analyze(logs: &[Recorded], config: &AnalyzeConfig) -> Result<Report> {
    config.validate()?;
    if logs.is_empty() {
        return Err(Error::dataset("", "no recorded curve to read"));
    }
    let label = |log: &Recorded| {
        if logs.len() > 1 {
            file_name(&log.file)
        } else {
            String::new()
        }
    };
    let mut notes: Vec<String> = Vec::new();
    let groups = logs
        .iter()
        .map(|log| {
            let mut runs = Vec::new();
            for run in &log.runs {
                let (read, note) = read_run(run, config);
                if let Some(n) = note {
                    let which = if run.name.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", run.name)
                    };
                    notes.push(format!("{}{which}: {n}", file_name(&log.file)));
                }
                runs.push(read);
            }
            Group::read(label(log), runs, config.rule, &Origin::Recorded)
        })
        .collect();
    Ok(Report {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data: None,
        model: None,
        worker: None,
        optimizer: None,
        sources: logs.iter().map(|l| l.file.clone()).collect(),
        notes: logs
            .iter()
            .flat_map(|l| {
                l.notes
                    .iter()
                    .map(move |n| format!("{}: {n}", file_name(&l.file)))
            })
            .chain(notes)
            .collect(),
        settings: Settings::Read(*config),
        groups,
        grid: None,
        detail: Default::default(),
    })
}

/// The report of one curve given as (LR, loss) pairs in the order recorded; `name` names it.
pub fn analyze_pairs(name: &str, pairs: &[(f64, f64)], config: &AnalyzeConfig) -> Result<Report> {
    analyze(&[from_pairs(std::path::Path::new(name), pairs)?], config)
}

/// A file's name without its folders.
fn file_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_name()
        .map_or(file.to_string(), |f| f.to_string_lossy().into_owned())
}
