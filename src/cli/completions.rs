//! `lrfind completions SHELL` and `lrfind man [COMMAND]`: the shell completion scripts
//! (clap_complete) and the man pages (clap_mangen), lrfind(1) and one per command
//! (lrfind-schedule(1), ...), all generated from the one definition of the command line.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{shown, Cli};

/// The shell to complete for.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish or powershell (also elvish).
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The commands with a page of their own, as lrfind(1) names them.
pub const PAGES: [&str; 8] = [
    "find",
    "sweep",
    "analyze",
    "schedule",
    "drive",
    "worker",
    "completions",
    "man",
];

/// Which man page.
#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// The command whose page to print (lrfind-COMMAND(1)) [default: lrfind(1), the range test's
    /// options and the list of commands].
    #[arg(value_name = "COMMAND", value_parser = PAGES)]
    pub command: Option<String>,
}

/// Prints the completion script for `shell` on standard output.
pub fn print(shell: Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "lrfind", &mut std::io::stdout());
}

/// Prints a man page, in roff, on standard output: lrfind(1), or `command`'s lrfind-COMMAND(1).
pub fn print_man(command: Option<&str>) -> std::io::Result<()> {
    // The help command has no page: lrfind(1) lists only those `lrfind man` prints.
    let mut cli = shown().disable_help_subcommand(true);
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => cli
            .find_subcommand(name)
            .cloned()
            .expect("clap offers only the commands' names"),
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("lrfind {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)?;
    std::io::stdout().lock().write_all(&roff)
}
