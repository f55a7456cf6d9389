//! `lrfind completions SHELL` and `lrfind man`: the shell completion scripts (clap_complete) and
//! the man page (clap_mangen), both generated from the one definition of the command line.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// The shell to complete for.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish or powershell (also elvish).
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script for `shell` on standard output.
pub fn print(shell: Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "lrfind", &mut std::io::stdout());
}

/// Prints the man page, in roff, on standard output.
pub fn print_man() -> std::io::Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    std::io::stdout().lock().write_all(&page)
}
