//! What a person sees in the terminal: the summary of many runs, what lrfind made of the table
//! before training, the plot and colours only on a terminal (and never with NO_COLOR or in a
//! pipe), and the same bytes as ever when stdout is not a terminal.

mod common;

use common::{data, lrfind};

/// The summary's line that starts with `label`.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in\n{text}"))
}

/// Many runs are summarised by the quartiles of their picks, not listed.
#[test]
fn many_runs_are_summarised() {
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["--runs", "40", "--no-verify", "--no-plot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let runs = line(&text, "runs");
    assert!(runs.contains("40 (seeds 0..39)"), "{runs}");
    assert!(runs.contains("quartiles"), "{runs}");
    assert!(runs.len() < 200, "{runs}");
    let lrs = runs.matches("e-").count();
    assert!(lrs <= 5, "{runs}");
    // A few runs are still listed one by one.
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["--runs", "3", "--no-verify", "--no-plot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let runs = line(&text, "runs");
    assert_eq!(
        runs.split(": ").nth(1).unwrap().split(", ").count(),
        3,
        "{runs}"
    );
}

/// What a terminal receives from `lrfind <args>` run with standard output (and standard error,
/// unless `stderr_too` is false) on a pseudo-terminal `cols` wide, made by `script`; `env` is
/// put before the command. `None` where `script` is not available.
fn on_terminal(args: &str, env: &str, cols: u16, stderr_too: bool) -> Option<String> {
    let script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .ok()?;
    if !script.status.success() {
        return None;
    }
    let bin = env!("CARGO_BIN_EXE_lrfind");
    let discard = if stderr_too { "" } else { "2>/dev/null" };
    let command = format!(
        "stty rows 40 cols {cols}; cd {}; {env} {bin} {args} {discard}",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"))
}

fn strip_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn has_braille(s: &str) -> bool {
    s.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c))
}

const RUN: &str = "data/iris.csv --no-plot --no-verify --runs 1";

/// On a terminal: the suggested LR in colour, a plot of the curve under the summary, every line
/// within the terminal's width.
#[test]
fn a_terminal_gets_colour_a_plot_and_lines_that_fit() {
    let Some(out) = on_terminal(RUN, "", 64, false) else {
        return;
    };
    assert!(out.contains("\x1b[1;32m"), "{out}");
    assert!(has_braille(&out), "{out}");
    let plain = strip_escapes(&out);
    assert!(plain.contains("│ suggested"), "{plain}");
    for l in plain.lines() {
        assert!(l.chars().count() <= 64, "{} chars: {l}", l.chars().count());
    }
    // The wrapped lines carry every word of the summary as written.
    let piped = lrfind().args(RUN.split(' ')).output().unwrap();
    let piped = String::from_utf8(piped.stdout).unwrap();
    let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert!(plain.starts_with(piped.lines().next().unwrap()));
    let shown = words(&plain);
    for w in words(&piped) {
        assert!(shown.contains(&w), "{w} is missing from\n{plain}");
    }
}

/// NO_COLOR keeps the plot and drops every escape; --no-term-plot drops the plot.
#[test]
fn no_color_and_no_term_plot_are_honoured() {
    let Some(out) = on_terminal(RUN, "NO_COLOR=1", 100, false) else {
        return;
    };
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(has_braille(&out));
    let Some(out) = on_terminal(&format!("{RUN} --no-term-plot"), "", 100, false) else {
        return;
    };
    assert!(!has_braille(&out), "{out}");
    assert!(out.contains("\x1b[1;32m"));
}

/// In a pipe the summary is printed as written: no colour, no plot, no wrapping, whatever the
/// environment says.
#[test]
fn a_pipe_gets_the_summary_as_written() {
    let out = lrfind()
        .args(RUN.split(' '))
        .env("COLUMNS", "40")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\x1b'));
    assert!(!has_braille(&text));
    assert!(text.lines().any(|l| l.len() > 60), "{text}");
    // The same bytes as the summary printed to standard error when standard output carries
    // the JSON.
    let json = lrfind()
        .args(RUN.split(' '))
        .args(["--json", "-"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(json.stderr).unwrap(), text);
    let _: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
}

/// What lrfind made of the table comes first: the rows, the columns, the label and the task.
#[test]
fn the_table_is_described_before_the_findings() {
    let out = lrfind()
        .arg(data("penguins.csv"))
        .args([
            "--target",
            "species",
            "--no-plot",
            "--no-verify",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stderr).unwrap();
    let at = |label: &str| {
        text.find(label)
            .unwrap_or_else(|| panic!("no {label} in\n{text}"))
    };
    assert!(at("lrfind ") < at("  data "));
    assert!(at("  data ") < at("  features "));
    assert!(at("  features ") < at("  label      'species': classification"));
    assert!(at("  label ") < at("  model "));
    assert!(at("  model ") < at("suggested LR"));
}

/// Each long stage has its bar on a terminal's standard error: the range test, the race and
/// the sweep; with -q, none.
#[test]
fn long_stages_show_progress_on_a_terminal() {
    let Some(out) = on_terminal("data/digits.csv --no-plot >/dev/null", "", 120, true) else {
        return;
    };
    let plain = strip_escapes(&out);
    assert!(
        plain.contains("range test") && plain.contains("steps ("),
        "{plain}"
    );
    assert!(
        plain.contains("race") && plain.contains("runs ("),
        "{plain}"
    );
    let sweep =
        "sweep data/iris.csv --no-plot --lrs 1e-3,1e-2 --seeds 2 --min-steps 2000 >/dev/null";
    let Some(out) = on_terminal(sweep, "", 120, true) else {
        return;
    };
    assert!(strip_escapes(&out).contains("/4 runs ("), "{out}");
    let Some(out) = on_terminal("data/digits.csv --no-plot -q", "", 120, true) else {
        return;
    };
    assert!(!out.contains("steps ("), "{out}");
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = lrfind().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        // fish names options without their dashes.
        for word in ["lrfind", "analyze", "no-plot", "no-term-plot"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let out = lrfind().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH lrfind 1"), "{page}");
    assert!(page.contains("completions"), "{page}");
}

/// Every error, clap's and lrfind's, reads `lrfind: error: ...` with exit code 2; help and
/// version are not errors.
#[test]
fn one_error_style_and_exit_codes() {
    let iris = data("iris.csv");
    for (args, starts) in [
        (
            vec!["--optimizer", "lbfgs"],
            "lrfind: error: invalid value 'lbfgs'",
        ),
        (vec!["--start-lr", "0"], "lrfind: error: invalid --start-lr"),
        (vec!["--no-such-flag"], "lrfind: error: unexpected argument"),
    ] {
        let out = lrfind()
            .arg(&iris)
            .args(&args)
            .arg("--no-plot")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with(starts), "{args:?}: {err}");
        assert!(!err.contains("\nerror:"), "{err}");
    }
    let out = lrfind().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("lrfind: error: the following required arguments"));
    for flag in ["--help", "-h", "--version"] {
        let out = lrfind().arg(flag).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert!(!out.stdout.is_empty() && out.stderr.is_empty(), "{flag}");
    }
}

/// The usage line names every command, and the CSV argument comes first, not under "Data".
#[test]
fn the_help_lists_the_commands_and_the_csv_on_top() {
    let out = lrfind().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let usage: String = help
        .split("\n\n")
        .find(|p| p.starts_with("Usage:"))
        .unwrap()
        .to_string();
    for command in ["find", "sweep", "analyze", "completions", "man"] {
        assert!(usage.contains(&format!("lrfind {command}")), "{usage}");
    }
    let arguments = help
        .find("Arguments:\n  <CSV>")
        .expect("<CSV> under Arguments");
    assert!(arguments < help.find("Data:").unwrap());
    for command in ["find", "sweep"] {
        let out = lrfind().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Arguments:\n  <CSV>"), "{command}: {help}");
    }
}

/// The terminal's plot clips its loss axis as the picture does: a curve that blows up to 30
/// times its lowest loss is drawn up to a little above where it started, not to the blow-up.
#[test]
fn the_terminal_plot_clips_the_blow_up() {
    use lrfind::analyze::{analyze_pairs, AnalyzeConfig};
    use lrfind::report::braille::curve_plot;
    use lrfind::report::terminal::Terminal;
    let pairs: Vec<(f64, f64)> = (0..100)
        .map(|i| {
            let x = -6.0 + 0.05 * i as f64;
            let loss = if x < -2.2 {
                0.1 + 0.9 / (1.0 + ((x + 3.5) * 4.0).exp())
            } else if x < -1.5 {
                0.1 * 30f64.powf((x + 2.2) / 0.6)
            } else {
                100.0
            };
            (10f64.powf(x), loss)
        })
        .collect();
    // A threshold high enough that the rise to 30 times the lowest loss comes before the
    // divergence, which the jump to 100 makes.
    let config = AnalyzeConfig {
        curve: lrfind::curve::CurveSettings {
            diverge_factor: 50.0,
            ..Default::default()
        },
        ..Default::default()
    };
    let report = analyze_pairs("blow-up.csv", &pairs, &config).unwrap();
    let plot = curve_plot(
        &report,
        &Terminal {
            width: 80,
            colour: false,
        },
    );
    let top: f64 = plot
        .lines()
        .next()
        .and_then(|l| l.split('┤').next())
        .and_then(|label| label.trim().parse().ok())
        .unwrap_or_else(|| panic!("no loss at the top of\n{plot}"));
    assert!(top > 1.0 && top < 1.2, "{top}\n{plot}");
    assert!(plot.contains("diverged at"), "{plot}");
}
