//! Wall time of each stage of one lrfind run with default settings, for docs/performance.md: read
//! the CSV, encode it, run the range tests and read them, write up the report, draw and encode
//! the PNG. Prints one `stage seconds` line per stage and writes nothing else.
//!
//! Run: `cargo run --release --example stages -- data.csv [optimizer]` (adam unless given).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::ValueEnum;
use indicatif::ProgressBar;

use lrfind::data::csv::{read_path, ReadOptions};
use lrfind::data::{encode, EncodeOptions};
use lrfind::find::{find, FindConfig};
use lrfind::model::ModelConfig;
use lrfind::optim::{OptimizerConfig, OptimizerKind};
use lrfind::range_test::RangeTestConfig;
use lrfind::report::{plot::to_png, Report};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let input = PathBuf::from(args.next().context("usage: stages CSV [optimizer]")?);
    let kind = match args.next() {
        Some(name) => OptimizerKind::from_str(&name, true).map_err(anyhow::Error::msg)?,
        None => OptimizerKind::Adam,
    };
    let config = FindConfig::with_defaults(RangeTestConfig::with_defaults(
        ModelConfig::default(),
        OptimizerConfig::new(kind),
    ));
    let mut last = Instant::now();
    let mut lap = |stage: &str| {
        let now = Instant::now();
        println!("{stage:<8} {:.3}", (now - last).as_secs_f64());
        last = now;
    };

    let table = read_path(&input, &ReadOptions::default())
        .with_context(|| format!("reading {}", input.display()))?;
    lap("read");
    let dataset = encode(table, &EncodeOptions::default())?;
    lap("encode");
    let findings = find(&dataset, &config, &ProgressBar::hidden())?;
    let steps: usize = findings.runs.iter().map(|r| r.curve.points.len()).sum();
    lap("train");
    let report = Report::of_find(&dataset, config, findings);
    lap("report");
    let png = to_png(&report)?;
    lap("plot");
    println!(
        "# {steps} steps recorded over all runs, PNG {} bytes",
        png.len()
    );
    Ok(())
}
