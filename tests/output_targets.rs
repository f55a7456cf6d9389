//! Where an output path leads, and how it is written there, as every Unix tool writes: a FIFO, a
//! character device or a descriptor of this process (`/dev/fd/N`, `/proc/self/fd/N`) is opened
//! and written in place; a symlink is followed and its target replaced; only a regular file (or
//! none yet) is replaced through a temporary file and a rename. Every case is made in a temporary
//! folder, never under /dev: CI runs as root, and a test that wrote /dev/null wrongly would break
//! the machine. A FIFO is always opened by a reader thread first, so no test waits for ever.
#![cfg(unix)]

mod common;

use std::fs::FileType;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use common::{data, lrfind};

/// `lrfind schedule` with nothing to train: the quickest command that writes a JSON report.
fn schedule_json_to(path: &Path) -> std::process::Output {
    lrfind()
        .args(["schedule", "constant", "--lr", "0.01", "--steps", "5"])
        .args(["--no-plot", "--json"])
        .arg(path)
        .output()
        .unwrap()
}

fn make_fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {path:?}");
}

/// Reads `fifo` to its end on a thread of its own; the bytes come back on the channel.
fn read_in_background(fifo: &Path) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    let fifo = fifo.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::read(fifo).unwrap_or_default());
    });
    rx
}

/// What the reader of `fifo` got. If lrfind never opened it, the reader is still waiting: it is
/// released by opening the FIFO here (when it still is one), and the test fails on what it read.
fn what_the_reader_got(fifo: &Path, rx: mpsc::Receiver<Vec<u8>>) -> Vec<u8> {
    if let Ok(bytes) = rx.recv_timeout(Duration::from_secs(5)) {
        return bytes;
    }
    if file_type(fifo).is_some_and(|t| t.is_fifo()) {
        drop(std::fs::OpenOptions::new().write(true).open(fifo));
    }
    rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default()
}

fn file_type(path: &Path) -> Option<FileType> {
    std::fs::symlink_metadata(path).ok().map(|m| m.file_type())
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn parses_as_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
}

#[test]
fn a_fifo_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    make_fifo(&fifo);
    let rx = read_in_background(&fifo);
    let out = schedule_json_to(&fifo);
    let got = what_the_reader_got(&fifo, rx);
    assert!(out.status.success(), "{out:?}");
    assert!(file_type(&fifo).unwrap().is_fifo(), "the FIFO was replaced");
    assert!(parses_as_json(&got), "the reader got {} bytes", got.len());
    assert_eq!(names(dir.path()), ["fifo"], "a temporary file was left");
}

#[test]
fn a_symlink_is_followed_and_its_target_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("target.json"), "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("sub/target.json", &link).unwrap();
    let out = schedule_json_to(&link);
    assert!(out.status.success(), "{out:?}");
    assert!(
        file_type(&link).unwrap().is_symlink(),
        "the link was replaced"
    );
    assert!(parses_as_json(
        &std::fs::read(sub.join("target.json")).unwrap()
    ));
    // The temporary file was made beside the target, and is gone.
    assert_eq!(names(dir.path()), ["link.json", "sub"]);
    assert_eq!(names(&sub), ["target.json"]);
    // A link to a file not there yet makes the file.
    let fresh = dir.path().join("fresh.json");
    std::os::unix::fs::symlink("sub/new.json", &fresh).unwrap();
    assert!(schedule_json_to(&fresh).status.success());
    assert!(file_type(&fresh).unwrap().is_symlink());
    assert!(parses_as_json(
        &std::fs::read(sub.join("new.json")).unwrap()
    ));
}

#[test]
fn a_symlink_to_a_fifo_writes_into_the_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    make_fifo(&fifo);
    let link = dir.path().join("to-fifo.json");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let rx = read_in_background(&fifo);
    let out = schedule_json_to(&link);
    let got = what_the_reader_got(&fifo, rx);
    assert!(out.status.success(), "{out:?}");
    assert!(file_type(&link).unwrap().is_symlink());
    assert!(file_type(&fifo).unwrap().is_fifo());
    assert!(parses_as_json(&got));
    assert_eq!(names(dir.path()), ["fifo", "to-fifo.json"]);
}

/// A link whose target's folder is missing, or a loop of links, is refused before any work.
#[test]
fn a_link_that_leads_nowhere_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("no/such/folder/r.json", &dangling).unwrap();
    let out = schedule_json_to(&dangling);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("invalid --json") && err.contains("does not exist"),
        "{err}"
    );
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let out = schedule_json_to(&a);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("invalid --json"), "{err}");
    assert_eq!(names(dir.path()), ["a", "b", "dangling.json"]);
}

/// This process's own standard output named as a path (`/dev/stdout` is a link to it) is
/// standard output: the JSON goes there alone and the summary moves to stderr, as with `-`.
#[cfg(target_os = "linux")]
#[test]
fn a_path_to_standard_output_is_standard_output() {
    let out = schedule_json_to(Path::new("/proc/self/fd/1"));
    assert!(out.status.success(), "{out:?}");
    assert!(
        parses_as_json(&out.stdout),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8(out.stderr).unwrap().contains("constant"));
}

/// A character device (the null device, made here with mknod: only root can) is written
/// through, as `/dev/null` must be, by the range test and by the schedule command alike.
#[test]
fn a_character_device_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: mknod needs root (CI runs as root)");
        return;
    }
    let device = |p: &PathBuf| file_type(p).is_some_and(|t| t.is_char_device());
    assert!(schedule_json_to(&null).status.success());
    assert!(device(&null), "the device was replaced by a file");
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["-q", "--runs", "1", "--no-verify", "--no-plot", "--json"])
        .arg(&null)
        .arg("--csv")
        .arg(&null)
        .output()
        .unwrap();
    // The same device twice is one output twice: refused.
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["-q", "--runs", "1", "--no-verify", "--no-plot", "--json"])
        .arg(&null)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(device(&null), "the device was replaced by a file");
    assert_eq!(names(dir.path()), ["null"]);
}
