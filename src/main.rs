//! The `lrfind` binary: parse the command line, run the command, print any error once, and exit
//! with its code (0 an LR was suggested, 1 no usable LR, 2 a usage or input error, 130
//! interrupted by Ctrl-C).

mod app;
mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let command = match cli::Cli::try_parse() {
        Ok(cli) => cli.into_command(),
        Err(e) => return cli::usage_error(e),
    };
    match app::run(command) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            app::print_lrfind_error(&e);
            ExitCode::from(2)
        }
    }
}
