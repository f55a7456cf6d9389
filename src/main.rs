//! The `lrfind` binary: parse arguments, run, print any error once, exit with its code
//! (0 suggested, 1 no usable suggestion, 2 usage or input error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = lrfind::cli::Args::parse();
    match lrfind::app::run(&args) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            eprintln!("lrfind: error: {e}");
            ExitCode::from(2)
        }
    }
}
