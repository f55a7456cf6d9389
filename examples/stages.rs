//! Wall time of each stage of one lrfind run, for docs/performance.md: read the CSV, encode it,
//! run the range test, suggest, draw and encode the PNG. Takes the same arguments as `lrfind`
//! (so the same defaults); prints one `stage seconds` line per stage and writes nothing else.
//!
//! Run: `cargo run --release --example stages -- data.csv` (after `cargo build --release`).

use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use indicatif::ProgressBar;

use lrfind::cli::Args;
use lrfind::data::{csv::read_path, encode};
use lrfind::report::Report;
use lrfind::suggest::suggest;
use lrfind::train::{loss_for, ModelConfig};
use lrfind::{finder, plot};

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = args.range_test()?;
    let mut last = Instant::now();
    let mut lap = |stage: &str| {
        let now = Instant::now();
        println!("{stage:<8} {:.3}", (now - last).as_secs_f64());
        last = now;
    };

    let table = read_path(&args.data.input, &args.data.read_options())
        .with_context(|| format!("reading {}", args.data.input.display()))?;
    lap("read");
    let dataset = encode(&table, &args.data.encode_options())?;
    drop(table);
    lap("encode");
    let history = finder::run(&dataset, &config, &ProgressBar::hidden())?;
    let steps = history.points.len();
    lap("train");
    let picks = suggest(&history);
    let model = ModelConfig::describe(&config.model, &dataset);
    let report = Report::new(
        dataset.summary.clone(),
        model,
        loss_for(&dataset.target),
        config,
        history,
        picks,
    );
    lap("suggest");
    let png = plot::to_png(&report)?;
    lap("plot");
    println!("# {steps} steps recorded, PNG {} bytes", png.len());
    Ok(())
}
