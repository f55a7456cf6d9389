//! lrfind: Leslie Smith's learning-rate range test on a CSV, and a second opinion on a curve
//! recorded anywhere.
//!
//! The pipeline runs one way:
//!
//! ```text
//! find:     CSV --> data (Table, Dataset) --> model + optim --> range_test (Run) --> curve (smooth,
//!           divergence, rules, consensus, diagnose) --> train::race (candidate LRs trained)
//!           --> report (Report: groups of curves) --> text | JSON | CSV | PNG | SVG, by output
//! grid:     CSV --> data --> one find per (weight decay, momentum, batch size) --> Smith's
//!           reading + train::race of the configurations --> report (one group each) --> output
//! analyze:  recorded (LR, loss) file --> curve::read --> curve (smooth, divergence, rules,
//!           diagnose) --> report --> output
//! sweep:    CSV --> data --> train::sweep (fixed-LR runs over a grid) --> report (SweepReport)
//! schedule: an LR (given, or from a find) --> schedule (each kind's formula, step by step)
//!           --> report (ScheduleReport) | train::schedule_race (kinds trained side by side)
//! ```
//!
//! [`find`] ties the range tests, their reading and the race together; [`grid`] runs a find per
//! configuration; [`analyze`] reads a curve recorded elsewhere; [`range_test::driver`] runs the
//! test on any model given a step closure.
//!
//! Used as a library:
//!
//! ```
//! use std::path::Path;
//!
//! use indicatif::ProgressBar;
//! use lrfind::data::{csv::ReadOptions, load_reader, EncodeOptions};
//! use lrfind::find::{find, FindConfig};
//! use lrfind::model::ModelConfig;
//! use lrfind::optim::{OptimizerConfig, OptimizerKind};
//! use lrfind::range_test::RangeTestConfig;
//!
//! // Two noisy clusters: the label is the sign of x + y.
//! let mut csv = String::from("x,y,label\n");
//! for i in 0..200 {
//!     let (x, y) = (((i * 37) % 101) as f64 / 50.0 - 1.0, ((i * 59) % 103) as f64 / 51.0 - 1.0);
//!     csv += &format!("{x},{y},{}\n", if x + y > 0.0 { "up" } else { "down" });
//! }
//! let data = load_reader(
//!     csv.as_bytes(),
//!     Path::new("clusters.csv"),
//!     &ReadOptions::default(),
//!     &EncodeOptions::default(),
//! )?;
//! let range = RangeTestConfig::with_defaults(
//!     ModelConfig { hidden: vec![16], ..ModelConfig::default() },
//!     OptimizerConfig::new(OptimizerKind::Adam),
//! );
//! let findings = find(&data, &FindConfig::with_defaults(range), &ProgressBar::hidden())?;
//! let lr = findings.consensus.headline.expect("a falling curve");
//! assert!(lr > 1e-6 && lr < 10.0);
//! # Ok::<(), lrfind::Error>(())
//! ```

pub mod analyze;
pub mod curve;
pub mod data;
pub mod drive;
pub mod engine;
pub mod error;
pub mod find;
pub mod grid;
pub mod interrupt;
pub mod model;
pub mod optim;
pub mod output;
pub mod range_test;
pub mod report;
pub mod schedule;
pub mod train;

pub use error::{Error, Result};
