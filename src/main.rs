//! The `lrfind` binary: parse the command line, run the command, print any error once, and exit
//! with its code (0 an LR was suggested, 1 no usable LR, 2 a usage or input error).

mod app;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let command = cli::Cli::parse().into_command();
    match app::run(command) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            eprintln!("lrfind: error: {}", e.render(&cli::flag));
            ExitCode::from(2)
        }
    }
}
