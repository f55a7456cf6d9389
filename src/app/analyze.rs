//! `lrfind analyze FILE...`: check the outputs, read every recorded curve, read them as lrfind
//! reads its own, write every output, print the summary.

use super::{check_outputs, deliver, Console, Delivery, Outcome};
use crate::cli::args::stem;
use crate::cli::{self, AnalyzeArgs};
use lrfind::analyze::analyze;
use lrfind::curve::read::read_path;
use lrfind::error::{Result, Setting};
use lrfind::report::braille::curve_plot;
use lrfind::report::plot::render;
use lrfind::report::{csv::to_csv, json::report_json, text::to_text};

/// Runs `lrfind analyze` with `args`.
pub fn run(args: &AnalyzeArgs) -> Result<Outcome> {
    let config = args.config();
    config.validate()?;
    let inputs: Vec<&std::path::Path> = args.files.iter().map(|f| f.as_path()).collect();
    let (outputs, plot) = check_outputs(
        args.output.destinations(&stem(&args.files[0]), "analyze"),
        &inputs,
    )?;
    let console = Console::new(&args.output, &outputs);
    let logs = args
        .files
        .iter()
        .map(|f| read_path(f, &args.log_options()))
        .collect::<Result<Vec<_>>>()?;
    let report = analyze(&logs, &config)?;
    let naming = &cli::flag;
    let mut rendered = Vec::new();
    if let Some(format) = plot {
        rendered.push((Setting::Plot, render(&report, format)));
    }
    rendered.push((Setting::Json, Ok(report_json(&report, naming))));
    rendered.push((Setting::Csv, Ok(to_csv(&report))));
    let lr = report.suggested_lr();
    let why = report
        .main()
        .no_suggestion
        .as_ref()
        .map(|m| m.render(naming));
    deliver(
        &outputs,
        &console,
        Delivery {
            rendered,
            lr,
            why,
            text: |plot| to_text(&report, plot, naming),
            plot: |t| curve_plot(&report, t),
        },
    )?;
    Ok(Outcome::of(lr))
}
