//! `lrfind [find] CSV`: check the outputs, load the table and say what was made of it, run and
//! read the range tests (Ctrl-C keeps the curve so far), write up the report, write every
//! output, print the rest of the summary.

use super::{catch_interrupt, deliver_report, open_table, progress_bar, Outcome};
use crate::cli::{self, FindArgs};
use lrfind::data::split::split;
use lrfind::error::Result;
use lrfind::find::find;
use lrfind::grid::run_grid;
use lrfind::report::text::{data_text, findings_text};
use lrfind::report::Report;

/// Runs the range test with `args`.
pub fn run(args: &FindArgs) -> Result<Outcome> {
    let grid = args.grid();
    let config = args.config();
    config.validate()?;
    let (outputs, plot, console, mut dataset) =
        open_table(&args.data, &args.output, args.model.seed, "lrfind")?;
    if grid.knobs.batch_size.len() == 1 {
        // The range test caps the batch at the training rows; say so when it will.
        let rows = config.val_split.map_or(dataset.rows(), |f| {
            split(&dataset, f, config.range.seed).train.len()
        });
        let note = lrfind::data::batch_note(config.range.batch_size, rows);
        dataset.summary.notes.extend(note);
    }
    // Caught from here on, so that a Ctrl-C once the table is described keeps the curve.
    catch_interrupt();
    console.say(&data_text(&dataset.summary, &cli::flag));
    let mut report = if grid.is_grid() {
        let bar = progress_bar(args.output.quiet, "grid", "configurations");
        let found = run_grid(&dataset, &grid, &bar)?;
        Report::of_grid(&dataset, grid, found)
    } else {
        let bar = progress_bar(args.output.quiet, "range test", "steps");
        let findings = find(&dataset, &config, &bar)?;
        Report::of_find(&dataset, config.clone(), findings)
    };
    if lrfind::interrupt::requested() && config.verify.is_some() && report.main().race.is_none() {
        report.notes.push(format!(
            "interrupted (Ctrl-C): the race of candidate LRs did not run to its end, so the suggestion is the {} rule's pick on the curves recorded",
            config.rule
        ));
    }
    report.detail = args.output.plot_detail;
    deliver_report(&report, plot, &outputs, &console, |plot| {
        findings_text(&report, plot, &cli::flag)
    })
}
