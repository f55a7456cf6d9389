//! The `lrfind` binary: parse the command line, run the command, print any error once, and exit
//! with its code (0 an LR was suggested, 1 no usable LR, 2 a usage or input error, 130
//! interrupted by Ctrl-C).

mod app;
mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let command = match cli::parse(&argv) {
        Ok(command) => command,
        Err(code) => return code,
    };
    match app::run(command) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            app::print_lrfind_error(&e);
            ExitCode::from(2)
        }
    }
}
