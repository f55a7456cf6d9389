//! `lrfind analyze FILE...`: check the outputs, read every recorded curve, read them as lrfind
//! reads its own, write every output, print the summary.

use super::{check_input, check_outputs, deliver_report, Console, Outcome};
use crate::cli::args::stem;
use crate::cli::{self, AnalyzeArgs};
use lrfind::analyze::analyze;
use lrfind::curve::read::read_path;
use lrfind::error::Result;
use lrfind::report::text::to_text;

/// Runs `lrfind analyze` with `args`.
pub fn run(args: &AnalyzeArgs) -> Result<Outcome> {
    let config = args.config();
    config.validate()?;
    let inputs: Vec<&std::path::Path> = args.files.iter().map(|f| f.as_path()).collect();
    for input in &inputs {
        check_input(input)?;
    }
    let default_plot = args.output.default_plot(&stem(&args.files[0]), "analyze");
    let (outputs, plot) = check_outputs(&args.output, default_plot, false, &inputs)?;
    let console = Console::new(&args.output, &outputs);
    let logs = args
        .files
        .iter()
        .map(|f| read_path(f, &args.log_options()))
        .collect::<Result<Vec<_>>>()?;
    let mut report = analyze(&logs, &config)?;
    report.detail = args.output.plot_detail;
    deliver_report(&report, plot, &outputs, &console, |plot| {
        to_text(&report, plot, &cli::flag)
    })
}
