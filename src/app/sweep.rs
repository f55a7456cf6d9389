//! `lrfind sweep CSV`: check the outputs, load the table and say what was made of it, train at
//! every LR of the grid (Ctrl-C keeps the LRs trained), write up the report, write every output,
//! print the rest of the summary.

use super::{catch_interrupt, deliver, open_table, progress_bar, Delivery, Outcome};
use crate::cli::SweepArgs;
use lrfind::error::{Result, Setting};
use lrfind::report::braille::sweep_plot;
use lrfind::report::csv::sweep_csv;
use lrfind::report::json::to_json;
use lrfind::report::plot::render_sweep;
use lrfind::report::sweep::SweepReport;
use lrfind::report::text::{sweep_data_text, sweep_findings_text};
use lrfind::report::ModelSummary;
use lrfind::train::sweep::sweep_with_progress;

/// Runs the sweep with `args`.
pub fn run(args: &SweepArgs) -> Result<Outcome> {
    args.model.single()?;
    let config = args.config();
    config.validate()?;
    let (outputs, plot, console, mut dataset) =
        open_table(&args.data, &args.output, args.model.seed, "sweep")?;
    let held_out = lrfind::train::sweep::splits(&dataset, &config)?;
    let batch_note = lrfind::data::batch_note(config.training.batch_size, held_out[0].train.len());
    dataset.summary.notes.extend(batch_note);
    // Caught from here on, so that a Ctrl-C once the table is described keeps the LRs trained.
    catch_interrupt();
    console.say(&sweep_data_text(&dataset.summary, &crate::cli::flag));
    let bar = progress_bar(args.output.quiet, "sweep", "runs");
    let result = sweep_with_progress(&dataset, &config, &bar)?;
    if result.points.is_empty() {
        eprintln!(
            "lrfind: interrupted (Ctrl-C) before any LR had trained to the end: nothing written"
        );
        return Ok(Outcome::Interrupted);
    }
    let report = SweepReport::new(
        dataset.summary.clone(),
        ModelSummary::new(&config.training.model, &dataset),
        config,
        result,
    );
    let mut rendered = Vec::new();
    if let Some(format) = plot {
        rendered.push((Setting::Plot, render_sweep(&report, format)));
    }
    rendered.push((Setting::Json, Ok(to_json(&report))));
    rendered.push((Setting::Csv, Ok(sweep_csv(&report))));
    let why = report.best_lr.is_none().then(|| {
        "every LR diverged or did not improve on the untrained model; try lower LRs".to_string()
    });
    deliver(
        &outputs,
        &console,
        Delivery {
            rendered,
            lr: report.best_lr,
            why,
            text: |plot| sweep_findings_text(&report, plot),
            plot: |t| sweep_plot(&report, t),
        },
    )?;
    Ok(Outcome::of(report.best_lr))
}
