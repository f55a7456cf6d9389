//! Typed errors of the library. Each variant says what went wrong, where, and what to do about it,
//! so the binary can print it as one line and pick the exit code.

use std::path::PathBuf;

/// Where in an input file a problem sits: the file, the 1-based line and the column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: PathBuf,
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// Column name, when the problem belongs to one column.
    pub column: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, line {}", self.file.display(), self.line)?;
        if let Some(c) = &self.column {
            write!(f, ", column '{c}'")?;
        }
        Ok(())
    }
}

/// Everything that can stop lrfind before it has a curve to report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input could not be opened or read.
    #[error("cannot read {}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV itself is malformed or holds a value lrfind cannot use.
    #[error("{location}: {message}")]
    Data {
        /// Where the problem is.
        location: Location,
        /// What is wrong and what to do.
        message: String,
    },
    /// A problem with the data set as a whole (no rows, one class, ...).
    #[error("{}: {message}", file.display())]
    Dataset {
        /// The file.
        file: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// An option value that cannot be used.
    #[error("invalid option {option}: {message}")]
    Config {
        /// The option as the user spells it, e.g. `--start-lr`.
        option: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// An output file could not be written.
    #[error("cannot write {}: {source}", file.display())]
    Output {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The plot could not be drawn.
    #[error("cannot draw the plot: {0}")]
    Plot(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds a [`Error::Config`].
    pub fn config(option: &'static str, message: impl Into<String>) -> Self {
        Error::Config {
            option,
            message: message.into(),
        }
    }
}
