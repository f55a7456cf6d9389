//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The lrfind binary under test.
pub fn lrfind() -> Command {
    Command::cargo_bin("lrfind").unwrap()
}

/// A CSV in the repository's data/ folder.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// Width and height of a PNG file.
pub fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    (info.width, info.height)
}

/// The element of a JSON array with the lowest `mean_loss`.
pub fn lowest_mean_loss(items: &[serde_json::Value]) -> &serde_json::Value {
    items
        .iter()
        .min_by(|a, b| {
            a["mean_loss"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["mean_loss"].as_f64().unwrap())
        })
        .unwrap()
}

/// Runs `command` with `--no-plot --json -`, expects success, and parses the report on stdout.
pub fn json_report(command: &mut Command) -> serde_json::Value {
    let out = command
        .args(["--no-plot", "--json", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}
