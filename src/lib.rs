//! lrfind: Leslie Smith's learning-rate range test on a CSV.
//!
//! The pipeline runs one way: CSV --> [`data::csv::Table`] --> [`data::Dataset`] (encoded,
//! standardised) --> [`model::Mlp`] + [`optim::Optimizer`] --> [`finder`] (LR schedule, EMA
//! smoothing, divergence stop) --> [`finder::History`] --> [`suggest`] (pure functions of the
//! history) --> [`report::Report`] --> text, JSON, CSV and PNG writers.
//!
//! Used as a library:
//!
//! ```
//! use std::path::Path;
//!
//! use indicatif::ProgressBar;
//! use lrfind::data::{csv::ReadOptions, load_reader, EncodeOptions};
//! use lrfind::finder::{run, RangeTestConfig};
//! use lrfind::optim::{OptimizerConfig, OptimizerKind};
//! use lrfind::suggest::suggest;
//! use lrfind::train::ModelConfig;
//!
//! // Two noisy clusters: the label is the sign of x + y.
//! let mut csv = String::from("x,y,label\n");
//! for i in 0..200 {
//!     let (x, y) = (((i * 37) % 101) as f64 / 50.0 - 1.0, ((i * 59) % 103) as f64 / 51.0 - 1.0);
//!     csv += &format!("{x},{y},{}\n", if x + y > 0.0 { "up" } else { "down" });
//! }
//! let options = (ReadOptions::default(), EncodeOptions::default());
//! let data = load_reader(csv.as_bytes(), Path::new("clusters.csv"), &options.0, &options.1)?;
//! let config = RangeTestConfig::with_defaults(
//!     ModelConfig { hidden: vec![16] },
//!     OptimizerConfig::new(OptimizerKind::Adam),
//! );
//! let history = run(&data, &config, &ProgressBar::hidden())?;
//! let lr = suggest(&history).headline.expect("a falling curve").lr;
//! assert!(lr > 1e-6 && lr < 10.0);
//! # Ok::<(), lrfind::Error>(())
//! ```

pub mod app;
pub mod cli;
pub mod data;
pub mod diagnose;
pub mod error;
pub mod finder;
pub mod model;
pub mod optim;
pub mod output;
pub mod plot;
pub mod report;
pub mod schedule;

pub mod suggest;
pub mod sweep;
pub mod train;

pub use error::{Error, Result};
