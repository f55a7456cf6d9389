//! The one place that decides where bytes go: a path written atomically (a temporary file in the
//! same folder, then a rename, so no reader ever sees half a file and a failed run leaves none), or
//! standard output for `-`. Refuses to write over the input.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, Setting};

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A file.
    File(PathBuf),
}

impl Destination {
    /// `-` means standard output; anything else is a path.
    pub fn parse(s: &str) -> Self {
        if s == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(s))
        }
    }

    /// Fails when this destination is the input file itself.
    pub fn check_not_input(&self, setting: Setting, input: &Path) -> Result<()> {
        if let Destination::File(path) = self {
            if same_file(path, input) {
                return Err(Error::config(
                    setting,
                    format!(
                        "{} is the input file; lrfind never overwrites its input",
                        path.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Writes `bytes` here.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        match self {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes)
                    .and_then(|_| out.flush())
                    .map_err(|source| Error::Output {
                        file: PathBuf::from("<stdout>"),
                        source,
                    })
            }
            Destination::File(path) => write_atomic(path, bytes),
        }
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::Stdout => f.write_str("<stdout>"),
            Destination::File(p) => write!(f, "{}", p.display()),
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source| Error::Output {
        file: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".lrfind-")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // A temporary file is private (0600); an output is an ordinary file others may read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    #[test]
    fn refuses_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n").unwrap();
        let d = Destination::File(dir.path().join(".").join("in.csv"));
        assert!(d.check_not_input(Setting::Plot, &input).is_err());
        assert!(Destination::Stdout
            .check_not_input(Setting::Json, &input)
            .is_ok());
    }

    #[test]
    fn missing_folder_is_a_clean_error() {
        let e = write_atomic(Path::new("/no/such/dir/x.png"), b"x").unwrap_err();
        assert!(e.to_string().contains("/no/such/dir/x.png"));
    }
}
