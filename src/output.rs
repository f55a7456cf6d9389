//! The one place that decides where bytes go, and writes them as every Unix tool does:
//!
//! - standard output for `-` (and for a path that is this process's standard output itself,
//!   such as `/dev/stdout`);
//! - a regular file, or a path with nothing there yet, is replaced whole: a temporary file in the
//!   same folder, then a rename, so no reader ever sees half a file and a failed run leaves none;
//! - a symlink is followed (link by link) and its target written, so the link stays a link;
//! - anything else (a character device such as `/dev/null`, a FIFO, a socket, a descriptor of
//!   this process such as `/dev/fd/N` from a shell's `>(...)`) is opened and written in place,
//!   never replaced.
//!
//! Every output of a command is checked before any work: its folder exists and is writable, it is
//! not an input, no two share a path, at most one is standard output.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Message, Result, Setting};

/// Links followed before a path is refused as a loop (Linux's own limit).
const MAX_LINKS: usize = 40;

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

    /// Writes `bytes` here: see the module's comment for how each kind of path is written.
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
            Destination::File(path) => {
                let err = |source: std::io::Error| Error::Output {
                    file: path.clone(),
                    source: bare(source),
                };
                let at = target(path).map_err(|source| Error::Output {
                    file: path.clone(),
                    source,
                })?;
                match at {
                    Target::Replace(at) => replace(path, &at, bytes),
                    Target::Through(at) => write_through(&at, bytes).map_err(err),
                }
            }
        }
    }

    /// Checks, before any work, that this destination can be written: it is not one of
    /// `inputs`, not a folder, and a file to be replaced has a folder that exists and takes a new
    /// file. What is written in place (a device, a FIFO) is not opened here: a FIFO would wait
    /// for its reader.
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
        let at = match target(path) {
            Ok(Target::Replace(at)) => at,
            Ok(Target::Through(_)) => return Ok(()),
            Err(e) => return refuse(format!("cannot write {}: {e}", path.display())),
        };
        let dir = folder_of(&at);
        if !dir.is_dir() {
            let through = if at == *path {
                String::new()
            } else {
                format!(" (where the link {} leads)", path.display())
            };
            return refuse(format!(
                "the folder {}{through} does not exist; create it or write elsewhere",
                dir.display()
            ));
        }
        // The only sure test of writability is to write: a temporary file, removed at once.
        if let Err(e) = tempfile::Builder::new().prefix(".lrfind-").tempfile_in(dir) {
            return refuse(format!("cannot write in {}: {}", folder_name(dir), bare(e)));
        }
        Ok(())
    }

    /// This destination, with a path that leads to this process's standard output (`/dev/stdout`,
    /// `/proc/self/fd/1`, the terminal it is) read as standard output itself, so that the summary
    /// moves aside for it as it does for `-`.
    fn settled(self) -> Self {
        match &self {
            Destination::File(path) => match target(path) {
                Ok(Target::Through(at)) if is_stdout(&at) => Destination::Stdout,
                _ => self,
            },
            Destination::Stdout => self,
        }
    }
}

/// How a path is written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A regular file, or nothing yet, at this path (every link on the way followed): replaced
    /// whole through a temporary file beside it.
    Replace(PathBuf),
    /// Something that is not a file (a device, a FIFO, a socket) or a descriptor of this
    /// process: opened and written in place.
    Through(PathBuf),
}

/// Follows `path` link by link to what it names. A link in a folder of descriptors
/// (`/proc/<pid>/fd`, `/dev/fd`) is not followed: its target (`pipe:[...]`, a terminal, a file a
/// shell opened) is reached only by opening the link itself.
fn target(path: &Path) -> std::io::Result<Target> {
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&at) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Target::Replace(at)),
            other => other?,
        };
        let kind = meta.file_type();
        if kind.is_file() {
            return Ok(Target::Replace(at));
        }
        if !kind.is_symlink() || in_descriptor_folder(&at) {
            return Ok(Target::Through(at));
        }
        // A relative target is relative to the link's folder; an absolute one replaces it.
        let to = std::fs::read_link(&at)?;
        at = folder_of(&at).join(to);
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links in a row (a loop?)"
    )))
}

/// Whether `link` sits in a folder of a process's open descriptors.
fn in_descriptor_folder(link: &Path) -> bool {
    let Ok(dir) = folder_of(link).canonicalize() else {
        return false;
    };
    dir == Path::new("/dev/fd") || (dir.starts_with("/proc") && dir.ends_with("fd"))
}

/// Whether `path` opens this process's standard output: the same file, device or pipe.
#[cfg(unix)]
fn is_stdout(path: &Path) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let ours = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| std::fs::File::from(fd).metadata());
    match (ours, std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_stdout(_: &Path) -> bool {
    false
}

/// Opens `at` and writes `bytes` in place, as a shell's `>` does: a regular file reached through
/// a descriptor is truncated first; a device or FIFO takes the bytes as they come. A reader that
/// closed its end early (`--json >(head -c 10)`) is not an error, as for standard output.
fn write_through(at: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let regular = std::fs::metadata(at).is_ok_and(|m| m.is_file());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(regular)
        .open(at)?;
    match file.write_all(bytes).and_then(|_| file.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
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

/// A folder as a message names it: `.` is the current folder.
fn folder_name(dir: &Path) -> String {
    if dir == Path::new(".") {
        "the current folder".into()
    } else {
        dir.display().to_string()
    }
}

/// What the path will write, as one spelling: a file to replace as its canonical folder and its
/// name (so that `a.json`, `./a.json` and a link to it are the same output), anything written in
/// place as its canonical path (two names of one FIFO are one output).
fn resolved(path: &Path) -> PathBuf {
    let at = match target(path) {
        Ok(Target::Through(at)) => return at.canonicalize().unwrap_or(at),
        Ok(Target::Replace(at)) => at,
        Err(_) => path.to_path_buf(),
    };
    let dir = folder_of(&at)
        .canonicalize()
        .unwrap_or_else(|_| folder_of(&at).to_path_buf());
    match at.file_name() {
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
    /// file, no output is an input, no two outputs share a path, at most one is standard output
    /// (a path that leads there counts as `-`).
    pub fn check(outputs: Vec<(Setting, Destination)>, inputs: &[&Path]) -> Result<Self> {
        let outputs: Vec<(Setting, Destination)> =
            outputs.into_iter().map(|(s, d)| (s, d.settled())).collect();
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

/// Replaces the regular file `at` (or makes it) with `bytes`, through a temporary file in its
/// folder and a rename; errors name the output as the user gave it, `named`. A file replaced
/// keeps its permissions; a new one is readable by all (0644), as a shell's `>` makes it.
fn replace(named: &Path, at: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source: std::io::Error| Error::Output {
        file: named.to_path_buf(),
        source: bare(source),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".lrfind-")
        .tempfile_in(folder_of(at))
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // A temporary file is private (0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(at).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(at).map_err(|e| err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
        Destination::File(path.to_path_buf()).write(bytes)
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_file(&path, b"one").unwrap();
        write_file(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o644);
            // A file replaced keeps its permissions: a private file stays private.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            write_file(&path, b"three").unwrap();
            assert_eq!(mode(&path), 0o600);
        }
    }

    /// A descriptor of this process named by path (what `/dev/fd/N` and a shell's `>(...)`
    /// give) is written through: here the write end of a pipe, read back from its other end.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_descriptor_path_is_written_through() {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let (mut reader, writer) = std::io::pipe().unwrap();
        let path = PathBuf::from(format!("/proc/self/fd/{}", writer.as_raw_fd()));
        assert!(matches!(target(&path), Ok(Target::Through(_))));
        let dest = Destination::File(path.clone());
        Outputs::check(vec![(Setting::Json, dest.clone())], &[]).unwrap();
        dest.write(b"{}").unwrap();
        drop(writer);
        let mut got = String::new();
        reader.read_to_string(&mut got).unwrap();
        assert_eq!(got, "{}");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_to_what_they_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.json");
        let link = dir.path().join("l.json");
        std::os::unix::fs::symlink("f.json", &link).unwrap();
        assert_eq!(
            target(&link).unwrap(),
            Target::Replace(dir.path().join("f.json"))
        );
        assert_eq!(target(&file).unwrap(), Target::Replace(file.clone()));
        // A link and its target are one output.
        let e = Outputs::check(
            vec![
                (Setting::Json, Destination::File(file.clone())),
                (Setting::Csv, Destination::File(link.clone())),
            ],
            &[],
        );
        assert!(e.unwrap_err().to_string().contains("also where"));
        // A loop is an error, not a hang.
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(target(&a).is_err());
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
        let e = write_file(Path::new("/no/such/dir/x.png"), b"x").unwrap_err();
        assert!(e.to_string().contains("/no/such/dir/x.png"));
    }
}
