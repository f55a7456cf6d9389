//! The one place that decides where bytes go: a path written atomically (a temporary file in the
//! same folder, then a rename, so no reader ever sees half a file and a failed run leaves none), or
//! standard output for `-`. Every output of a command is checked before any work: its folder
//! exists and is writable, it is not an input, no two share a path, at most one is `-`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Message, Result, Setting};

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

    /// Writes `bytes` here.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        match self {
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                match out.write_all(bytes).and_then(|_| out.flush()) {
                    // A closed pipe (`lrfind ... --json - | head -1`) is not an error.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    other => other.map_err(|source| Error::Output {
                        file: PathBuf::from("<stdout>"),
                        source,
                    }),
                }
            }
            Destination::File(path) => write_atomic(path, bytes),
        }
    }

    /// Checks, before any work, that this destination can be written: its folder exists and
    /// takes a new file, it is not a folder itself, and it is not one of `inputs`.
    fn check(&self, setting: Setting, inputs: &[&Path]) -> Result<()> {
        let Destination::File(path) = self else {
            return Ok(());
        };
        let refuse = |why: String| Err(Error::config(setting, why));
        if inputs.iter().any(|input| same_file(path, input)) {
            return refuse(format!(
                "{} is an input file; lrfind never overwrites its input",
                path.display()
            ));
        }
        if path.is_dir() {
            return refuse(format!("{} is a folder; give a file name", path.display()));
        }
        let dir = folder_of(path);
        if !dir.is_dir() {
            return refuse(format!(
                "the folder {} does not exist; create it or write elsewhere",
                dir.display()
            ));
        }
        // The only sure test of writability is to write: a temporary file, removed at once.
        if let Err(e) = tempfile::Builder::new().prefix(".lrfind-").tempfile_in(dir) {
            return refuse(format!("cannot write in {}: {}", dir.display(), bare(e)));
        }
        Ok(())
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

/// Where a file would be written: its parent, or the current folder.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The path as it will be written: the canonical folder and the file name, so that `a.json` and
/// `./a.json` are the same output.
fn resolved(path: &Path) -> PathBuf {
    let dir = folder_of(path)
        .canonicalize()
        .unwrap_or_else(|_| folder_of(path).to_path_buf());
    match path.file_name() {
        Some(name) => dir.join(name),
        None => dir,
    }
}

/// Every output of one command, each named by the setting that asked for it, checked together
/// before any work is done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    list: Vec<(Setting, Destination)>,
}

impl Outputs {
    /// Checks `outputs` against each other and against `inputs`: every folder exists and takes a
    /// file, no output is an input, no two outputs share a path, at most one is standard output.
    pub fn check(outputs: Vec<(Setting, Destination)>, inputs: &[&Path]) -> Result<Self> {
        let mut seen: Vec<(Setting, PathBuf)> = Vec::new();
        let mut stdout: Option<Setting> = None;
        for (setting, dest) in &outputs {
            dest.check(*setting, inputs)?;
            match dest {
                Destination::Stdout => {
                    if let Some(first) = stdout {
                        return Err(Error::config(
                            *setting,
                            Message::new("standard output (-) is already taken by ")
                                .setting(first)
                                .text("; write one of them to a file"),
                        ));
                    }
                    stdout = Some(*setting);
                }
                Destination::File(path) => {
                    let path = resolved(path);
                    if let Some((first, _)) = seen.iter().find(|(_, p)| *p == path) {
                        return Err(Error::config(
                            *setting,
                            Message::new(format!("{} is also where ", path.display()))
                                .setting(*first)
                                .text(" goes; give each output its own file"),
                        ));
                    }
                    seen.push((*setting, path));
                }
            }
        }
        Ok(Outputs { list: outputs })
    }

    /// Where the output of `setting` goes, if it was asked for.
    pub fn get(&self, setting: Setting) -> Option<&Destination> {
        self.list
            .iter()
            .find(|(s, _)| *s == setting)
            .map(|(_, d)| d)
    }

    /// Whether an output goes to standard output (so the summary must not).
    pub fn stdout_taken(&self) -> bool {
        self.list.iter().any(|(_, d)| *d == Destination::Stdout)
    }

    /// Writes each rendered output to its destination. Every output is attempted, so one that
    /// fails does not cost the others; the failures are returned.
    pub fn write(&self, rendered: Vec<(Setting, Result<Vec<u8>>)>) -> Vec<Error> {
        let mut failures = Vec::new();
        for (setting, bytes) in rendered {
            let Some(dest) = self.get(setting) else {
                continue;
            };
            if let Err(e) = bytes.and_then(|b| dest.write(&b)) {
                failures.push(e);
            }
        }
        failures
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// What went wrong in `e`, without the path of the temporary file it may carry (tempfile's
/// errors name it): messages name the output, never the temporary file.
fn bare(e: std::io::Error) -> std::io::Error {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => std::io::Error::from(e.kind()),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source: std::io::Error| Error::Output {
        file: path.to_path_buf(),
        source: bare(source),
    };
    let dir = folder_of(path);
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
    fn refuses_the_input_a_missing_folder_a_shared_path_and_two_stdouts() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n").unwrap();
        let file = |p: PathBuf| Destination::File(p);
        let check = |outs: Vec<(Setting, Destination)>| Outputs::check(outs, &[input.as_path()]);
        let e = check(vec![(
            Setting::Plot,
            file(dir.path().join(".").join("in.csv")),
        )]);
        assert!(e.unwrap_err().to_string().contains("never overwrites"));
        let e = check(vec![(
            Setting::Plot,
            file(dir.path().join("no/such/x.png")),
        )]);
        assert!(e.unwrap_err().to_string().contains("does not exist"));
        let e = check(vec![(Setting::Json, file(dir.path().to_path_buf()))]);
        assert!(e.unwrap_err().to_string().contains("is a folder"));
        let same = dir.path().join("same.out");
        let e = check(vec![
            (Setting::Plot, file(same.clone())),
            (Setting::Json, file(dir.path().join(".").join("same.out"))),
        ]);
        assert!(matches!(
            e,
            Err(Error::Config {
                setting: Setting::Json,
                ..
            })
        ));
        let e = check(vec![
            (Setting::Json, Destination::Stdout),
            (Setting::Csv, Destination::Stdout),
        ]);
        assert!(matches!(
            e,
            Err(Error::Config {
                setting: Setting::Csv,
                ..
            })
        ));
        let ok = check(vec![
            (Setting::Json, Destination::Stdout),
            (Setting::Plot, file(same)),
        ])
        .unwrap();
        assert!(ok.stdout_taken());
        assert!(ok.get(Setting::Csv).is_none());
        // Checking leaves nothing behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_folder_is_a_clean_error() {
        let e = write_atomic(Path::new("/no/such/dir/x.png"), b"x").unwrap_err();
        assert!(e.to_string().contains("/no/such/dir/x.png"));
    }
}
