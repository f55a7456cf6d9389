//! The `lrfind` binary: parse arguments, run, print any error once, exit with its code
//! (0 suggested, 1 no usable suggestion, 2 usage or input error). `lrfind sweep ...` runs the
//! fixed-LR sweep instead of the range test.

use std::process::ExitCode;

use clap::Parser;
use lrfind::cli::{Args, SweepArgs};

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let result = if argv.get(1).is_some_and(|a| a == "sweep") {
        let rest = std::iter::once(argv[0].clone()).chain(argv[2..].iter().cloned());
        lrfind::app::run_sweep(&SweepArgs::parse_from(rest))
    } else {
        lrfind::app::run(&Args::parse_from(argv))
    };
    match result {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            eprintln!("lrfind: error: {}", e.render(&lrfind::cli::flag));
            ExitCode::from(2)
        }
    }
}
