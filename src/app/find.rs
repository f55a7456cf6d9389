//! `lrfind [find] CSV`: check the outputs, load the table, run and read the range tests, write up
//! the report, write every output, print the summary.

use super::{check_outputs, deliver, progress_bar, Outcome};
use crate::cli::{self, FindArgs};
use lrfind::error::{Result, Setting};
use lrfind::find::find;
use lrfind::grid::run_grid;
use lrfind::report::{csv::to_csv, json::report_json, plot::render, text::to_text, Report};

/// Runs the range test with `args`.
pub fn run(args: &FindArgs) -> Result<Outcome> {
    let grid = args.grid();
    let config = args.config();
    config.validate()?;
    let (outputs, plot) = check_outputs(
        args.output.destinations(&args.data.stem(), "lrfind"),
        &[args.data.input()],
    )?;
    let mut dataset = args.data.load()?;
    let report = if grid.is_grid() {
        let bar = progress_bar(args.output.quiet, "configurations", "tested");
        let found = run_grid(&dataset, &grid, &bar)?;
        Report::of_grid(&dataset, grid, found)
    } else {
        let bar = progress_bar(args.output.quiet, "range test", "steps");
        let findings = find(&dataset, &config, &bar)?;
        // The range test caps the batch at the training rows; say so when it did.
        let used = findings.runs[0].run.batch_size;
        dataset
            .summary
            .notes
            .extend(lrfind::data::batch_note(config.range.batch_size, used));
        Report::of_find(&dataset, config, findings)
    };
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
    deliver(&outputs, rendered, args.output.quiet, lr, why, |plot| {
        to_text(&report, plot, naming)
    })?;
    Ok(if lr.is_some() {
        Outcome::Suggested
    } else {
        Outcome::NoSuggestion
    })
}
