//! The picture: a golden hash of a fixed curve's pixels (the font ships in a crate, so the
//! picture is the same everywhere), the curve where its points are, each run's pick and the good
//! range drawn, several groups in their own colours, the PNG at most 150 KB, the SVG with its
//! text as outlines, and the extension deciding the format before any work.

mod common;

use std::path::Path;

use common::{data, lrfind};
use indicatif::ProgressBar;
use lrfind::analyze::{analyze, analyze_pairs, AnalyzeConfig};
use lrfind::curve::read::from_pairs;
use lrfind::data::{csv::ReadOptions, load_reader, EncodeOptions};
use lrfind::find::{find, FindConfig};
use lrfind::model::ModelConfig;
use lrfind::optim::{OptimizerConfig, OptimizerKind};
use lrfind::range_test::RangeTestConfig;
use lrfind::report::plot::{good_range, picture, Frame, HEIGHT, PALETTE, WIDTH};
use lrfind::report::Report;
use predicates::str::contains;

/// A recorded range test: flat, a fall between 1e-4 and 1e-2 with a little deterministic noise,
/// then a blow-up.
fn pairs(shift: f64) -> Vec<(f64, f64)> {
    let mut noise = 12345u64;
    (0..100)
        .map(|i| {
            noise = noise
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let wobble = ((noise >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.08;
            let x = -6.0 + 0.07 * i as f64;
            let loss = if x < -1.0 {
                2.3 - 2.0 / (1.0 + (-(x + 3.0 + shift) * 3.0).exp()) + wobble
            } else {
                50.0
            };
            (10f64.powf(x), loss)
        })
        .collect()
}

/// FNV-1a, 64 bits: a stable hash that needs no crate.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn rgb_at(rgb: &[u8], (x, y): (i32, i32)) -> [u8; 3] {
    let i = 3 * (y as usize * WIDTH as usize + x as usize);
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// Whether a pixel within `r` of `at` satisfies `test`.
fn near(rgb: &[u8], at: (i32, i32), r: i32, test: impl Fn([u8; 3]) -> bool) -> bool {
    (-r..=r).any(|dx| {
        (-r..=r).any(|dy| {
            let (x, y) = (at.0 + dx, at.1 + dy);
            x >= 0 && y >= 0 && x < WIDTH as i32 && y < HEIGHT as i32 && test(rgb_at(rgb, (x, y)))
        })
    })
}

fn close(c: [u8; 3], want: (u8, u8, u8)) -> bool {
    let d = |a: u8, b: u8| (a as i32 - b as i32).abs();
    d(c[0], want.0) + d(c[1], want.1) + d(c[2], want.2) < 40
}

/// The bold smoothed line's colour.
const SMOOTH: (u8, u8, u8) = (25, 80, 160);

#[test]
fn a_fixed_curve_draws_the_same_pixels() {
    let report = analyze_pairs("golden.csv", &pairs(0.0), &AnalyzeConfig::default()).unwrap();
    let (rgb, _) = picture(&report).unwrap();
    let hash = fnv1a(&rgb);
    // After a deliberate change to the picture, look at the PNG this writes, then update the hash.
    if hash != GOLDEN {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden.png");
        std::fs::write(&out, lrfind::report::plot::to_png(&report).unwrap()).unwrap();
        panic!(
            "the picture changed: hash {hash:#018x}, expected {GOLDEN:#018x}; see {}",
            out.display()
        );
    }
}

const GOLDEN: u64 = 0x1caf5c8434fe78c6;

#[test]
fn the_curve_is_where_its_points_are() {
    let report = analyze_pairs("curve.csv", &pairs(0.0), &AnalyzeConfig::default()).unwrap();
    let (rgb, frame) = picture(&report).unwrap();
    let curve = report.main().first().curve.before_divergence();
    let mut seen = 0;
    for p in curve.iter().step_by(5) {
        let at = frame.pixel(p.lr, p.smoothed_loss);
        if near(&rgb, at, 3, |c| close(c, SMOOTH)) {
            seen += 1;
        }
    }
    let checked = curve.iter().step_by(5).count();
    // A few points may sit under a marker; the line shows at nearly all of them.
    assert!(seen * 10 >= checked * 8, "{seen} of {checked}");
    // And not everywhere: far above the curve the chart is blank.
    let above = frame.pixel(curve[50].lr, frame.y.1 - 0.02 * (frame.y.1 - frame.y.0));
    assert!(!near(&rgb, above, 3, |c| close(c, SMOOTH)));
}

/// The legend has its own panel: the chart ends where it begins, so it covers no curve.
#[test]
fn the_legend_is_outside_the_chart() {
    let report = analyze_pairs("curve.csv", &pairs(0.0), &AnalyzeConfig::default()).unwrap();
    let (rgb, frame) = picture(&report).unwrap();
    assert!(frame.area.2 <= WIDTH as i32 - 300, "{frame:?}");
    // The legend's text is drawn right of the chart.
    let inked = (frame.area.2 + 40..WIDTH as i32)
        .flat_map(|x| (frame.area.1..frame.area.1 + 100).map(move |y| (x, y)))
        .filter(|&at| rgb_at(&rgb, at)[0] < 100)
        .count();
    assert!(inked > 50, "{inked}");
}

fn clusters() -> lrfind::data::Dataset {
    let mut csv = String::from("x,y,label\n");
    for i in 0..300 {
        let (x, y) = (
            ((i * 37) % 101) as f64 / 50.0 - 1.0,
            ((i * 59) % 103) as f64 / 51.0 - 1.0,
        );
        csv += &format!("{x},{y},{}\n", if x + y > 0.0 { "up" } else { "down" });
    }
    load_reader(
        csv.as_bytes(),
        Path::new("clusters.csv"),
        &ReadOptions::default(),
        &EncodeOptions::default(),
    )
    .unwrap()
}

fn found() -> Report {
    found_with(None)
}

fn found_with(verify: Option<lrfind::find::VerifyConfig>) -> Report {
    let data = clusters();
    let range = RangeTestConfig::with_defaults(
        ModelConfig {
            hidden: vec![16],
            ..ModelConfig::default()
        },
        OptimizerConfig::new(OptimizerKind::Adam),
    );
    let config = FindConfig {
        verify,
        ..FindConfig::with_defaults(range)
    };
    let findings = find(&data, &config, &ProgressBar::hidden()).unwrap();
    Report::of_find(&data, config, findings)
}

/// Each run's pick is a tick at the foot of the chart, the good range a shaded band.
#[test]
fn each_runs_pick_and_the_good_range_are_drawn() {
    let report = found();
    let (rgb, frame) = picture(&report).unwrap();
    let g = report.main();
    assert_eq!(g.runs.len(), 3);
    let reddish = |c: [u8; 3]| c[0] > 180 && c[1] < 140 && c[2] < 140;
    for r in &g.runs {
        let lr = r.picks.headline.unwrap().lr;
        let foot = frame.pixel(lr, frame.y.0);
        assert!(
            near(&rgb, (foot.0, foot.1 - 8), 2, reddish),
            "no tick at {lr}"
        );
    }
    let (a, b) = good_range(g.first().curve.before_divergence()).unwrap();
    let mid = (a * b).sqrt();
    let top = frame.pixel(mid, frame.y.1);
    let greenish = |c: [u8; 3]| {
        let [r, g, b] = c.map(i32::from);
        g > r + 8 && g > b + 5 && g > 200
    };
    assert!(near(&rgb, (top.0, top.1 + 30), 4, greenish));
    // Left of the range, the chart is not shaded.
    let left = frame.pixel(a / 100.0, frame.y.1);
    assert!(!near(&rgb, (left.0, left.1 + 30), 2, greenish));
}

/// A raced LR: its candidates as triangles on the curve, the bests of the short and the long
/// round outlined, in the race's purple.
#[test]
fn the_race_is_drawn() {
    let verify = lrfind::find::VerifyConfig {
        steps: 200,
        seeds: 1,
        ..Default::default()
    };
    let report = found_with(Some(verify));
    let g = report.main();
    let race = g.race.as_ref().expect("a race");
    let (rgb, frame) = picture(&report).unwrap();
    let purple = |c: [u8; 3]| {
        let [r, g, b] = c.map(i32::from);
        // The race's purple (blue over red), not the steepest rule's magenta (red = blue).
        b > g + 40 && r > g + 20 && b > r + 10
    };
    let curve = g.first().curve.before_divergence();
    let on_curve = |lr: f64| {
        curve
            .iter()
            .min_by(|a, b| (a.lr / lr).ln().abs().total_cmp(&(b.lr / lr).ln().abs()))
            .unwrap()
            .smoothed_loss
    };
    let drawn = race
        .entries
        .iter()
        .filter(|e| near(&rgb, frame.pixel(e.lr, on_curve(e.lr)), 8, purple))
        .count();
    assert!(
        drawn * 4 >= race.entries.len() * 3,
        "{drawn} of {}",
        race.entries.len()
    );
    for lr in [race.short_lr, race.long_lr] {
        assert!(
            near(&rgb, frame.pixel(lr, on_curve(lr)), 14, purple),
            "{lr}"
        );
    }
}

/// Several groups: each its own colour from the palette.
#[test]
fn several_groups_each_in_its_colour() {
    let logs = [
        from_pairs(Path::new("a.csv"), &pairs(0.0)).unwrap(),
        from_pairs(Path::new("b.csv"), &pairs(-1.0)).unwrap(),
    ];
    let report = analyze(&logs, &AnalyzeConfig::default()).unwrap();
    let (rgb, frame) = picture(&report).unwrap();
    for (g, colour) in report.groups.iter().zip(PALETTE) {
        let want = (colour.0, colour.1, colour.2);
        let curve = g.first().curve.before_divergence();
        let hits = curve
            .iter()
            .step_by(5)
            .filter(|p| {
                near(&rgb, frame.pixel(p.lr, p.smoothed_loss), 3, |c| {
                    close(c, want)
                })
            })
            .count();
        assert!(hits * 2 > curve.len() / 5, "{}: {hits}", g.label);
    }
}

fn frame_is_sane(frame: &Frame) {
    assert!(frame.x.0 < frame.x.1 && frame.y.0 < frame.y.1);
}

/// A curve that diverges at once has no suggestion; the LR axis zooms to where it is.
#[test]
fn a_failed_curve_zooms_the_lr_axis_to_where_it_is() {
    let pairs: Vec<(f64, f64)> = (0..30)
        .map(|i| {
            (
                10f64.powf(-2.0 + 0.01 * i as f64),
                if i < 3 { 1.0 } else { 1e6 },
            )
        })
        .collect();
    let report = analyze_pairs("failed.csv", &pairs, &AnalyzeConfig::default()).unwrap();
    assert!(report.suggested_lr().is_none());
    let (_, frame) = picture(&report).unwrap();
    frame_is_sane(&frame);
    assert!(frame.x.0 > -2.4 && frame.x.1 < -1.4, "{frame:?}");
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn the_png_is_at_most_150_kb() {
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("digits.csv", vec![]),
        (
            "penguins.csv",
            vec!["--target", "species", "--val-split", "0.2"],
        ),
    ] {
        let plot = dir.path().join(format!("{name}.png"));
        lrfind()
            .arg(data(name))
            .args(&extra)
            .arg("--plot")
            .arg(&plot)
            .args(["-q", "--no-verify"])
            .assert()
            .success();
        assert!(size(&plot) <= 150_000, "{name}: {} bytes", size(&plot));
    }
}

/// `--plot x.svg` writes an SVG for every command that draws; its text is outlines, so it needs
/// no font.
#[test]
fn the_extension_svg_writes_an_svg_with_text_as_outlines() {
    let dir = tempfile::tempdir().unwrap();
    let logs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs");
    let runs: [Vec<std::ffi::OsString>; 3] = [
        vec![data("iris.csv").into(), "--no-verify".into()],
        vec!["analyze".into(), logs.join("raw.tsv").into()],
        vec![
            "sweep".into(),
            data("iris.csv").into(),
            "--lrs".into(),
            "0.001,0.01".into(),
            "--seeds".into(),
            "1".into(),
            "--epochs".into(),
            "1".into(),
            "--min-steps".into(),
            "20".into(),
        ],
    ];
    for (i, args) in runs.iter().enumerate() {
        let svg = dir.path().join(format!("{i}.svg"));
        lrfind()
            .args(args)
            .arg("--plot")
            .arg(&svg)
            .arg("-q")
            .assert()
            .success();
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg"), "{args:?}");
        assert!(text.trim_end().ends_with("</svg>"), "{args:?}");
        assert!(!text.contains("<text"), "{args:?}");
        assert!(text.contains("<path fill="), "{args:?}");
        assert!(text.len() < 1_000_000, "{args:?}: {}", text.len());
    }
}

/// Any other extension is a usage error naming --plot, found before the input is even read.
#[test]
fn another_extension_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    for command in [vec![], vec!["sweep"], vec!["analyze"]] {
        lrfind()
            .current_dir(dir.path())
            .args(&command)
            .args(["no-such-input.csv", "--plot", "curve.jpg"])
            .assert()
            .code(2)
            .stderr(contains("--plot"))
            .stderr(contains(".png or .svg"));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
