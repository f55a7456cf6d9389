//! lrfind: Leslie Smith's learning-rate range test on a CSV.
//!
//! The pipeline runs one way: CSV --> [`data::csv::Table`] --> [`data::Dataset`] (encoded,
//! standardised) --> [`model::Mlp`] + [`optim::Optimizer`] --> [`finder`] (LR schedule, EMA
//! smoothing, divergence stop) --> [`finder::History`] --> [`suggest`] (pure functions of the
//! history) --> [`report::Report`] --> text, JSON, CSV and PNG writers.

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
pub mod split;
pub mod suggest;
pub mod sweep;
pub mod train;

pub use error::{Error, Result};
