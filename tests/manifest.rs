//! What the library depends on: only what it uses. `anyhow` is for the edges, and the only edge
//! that uses it is `examples/stages.rs`, so it is a dev-dependency (the binary's errors are the
//! library's typed ones).

/// The names in one `[section]` of Cargo.toml, one a line (`name = ...`).
fn section(manifest: &str, name: &str) -> Vec<String> {
    let header = format!("[{name}]");
    manifest
        .lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.starts_with('#'))
        .collect()
}

#[test]
fn anyhow_is_for_the_example_only() {
    let manifest = include_str!("../Cargo.toml");
    let normal = section(manifest, "dependencies");
    assert!(normal.iter().any(|d| d == "clap"), "{normal:?}");
    assert!(!normal.iter().any(|d| d == "anyhow"), "{normal:?}");
    assert!(section(manifest, "dev-dependencies")
        .iter()
        .any(|d| d == "anyhow"));
    for dir in ["src", "src/app", "src/cli"] {
        for entry in
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + dir).unwrap()
        {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(!text.contains("anyhow"), "{path:?} uses anyhow");
            }
        }
    }
}

/// The benchmark commands a reader copies run the Python of the environment bench/README.md
/// tells them to make, never a path of the machine they were first measured on.
#[test]
fn benchmark_commands_use_the_readers_environment() {
    let setup = include_str!("../bench/README.md");
    assert!(
        setup.contains("python3.11 -m venv bench/.venv\n"),
        "bench/README.md's setup"
    );
    assert!(setup.contains("bench/.venv/bin/pip install -r bench/requirements.txt"));
    for (name, text) in [
        ("bench/README.md", setup),
        ("docs/quality.md", include_str!("../docs/quality.md")),
        (
            "bench/check_snippets.py",
            include_str!("../bench/check_snippets.py"),
        ),
    ] {
        assert!(
            !text.contains("/work/"),
            "{name} names a path of one machine"
        );
        for line in text.lines().filter(|l| l.contains("bin/python ")) {
            assert!(
                line.contains("bench/.venv/bin/python ")
                    || line.contains("bench/.venv-schedules/bin/python "),
                "{name}: {line}"
            );
        }
    }
}
