//! Wall time of each stage of one lrfind run, for docs/performance.md: read the CSV, encode it,
//! run the range tests and read them (suggestions, diagnostics, verification if asked), write up
//! the report, draw and encode the PNG. Takes the same arguments as `lrfind`
//! (so the same defaults); prints one `stage seconds` line per stage and writes nothing else.
//!
//! Run: `cargo run --release --example stages -- data.csv` (after `cargo build --release`).

use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use indicatif::ProgressBar;

use lrfind::app::analyse;
use lrfind::cli::Args;
use lrfind::data::{csv::read_path, encode};
use lrfind::plot;
use lrfind::report::Report;
use lrfind::train::{loss_for, ModelConfig};

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = args.find_config()?;
    let mut last = Instant::now();
    let mut lap = |stage: &str| {
        let now = Instant::now();
        println!("{stage:<8} {:.3}", (now - last).as_secs_f64());
        last = now;
    };

    let table = read_path(&args.data.input, &args.data.read_options())
        .with_context(|| format!("reading {}", args.data.input.display()))?;
    lap("read");
    let dataset = encode(table, &args.data.encode_options())?;
    lap("encode");
    let findings = analyse(&dataset, &config, &ProgressBar::hidden())?;
    let steps: usize = findings.histories.iter().map(|h| h.points.len()).sum();
    lap("train");
    let model = ModelConfig::describe(&config.range.model, &dataset);
    let report = Report::new(
        dataset.summary.clone(),
        model,
        loss_for(&dataset.target),
        config,
        findings,
    );
    lap("report");
    let png = plot::to_png(&report)?;
    lap("plot");
    println!(
        "# {steps} steps recorded over all runs, PNG {} bytes",
        png.len()
    );
    Ok(())
}
