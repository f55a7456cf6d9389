//! The picture: a golden hash of a fixed curve's pixels (the font ships in a crate, so the
//! picture is the same everywhere); each mark of the default figure (the curve, the other runs
//! faintly up to the divergence, the good range, the divergence, the suggestion and its value,
//! why it lies outside the good range) and of the detailed one (each step's loss, the rules'
//! picks, the strip with each run's pick and the race) found where it belongs; the loss axis
//! clipped at the blow-up; several groups in their own colours; the PNG at most 150 KB, the SVG
//! with its text as outlines, and the extension deciding the format before any work.

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
use lrfind::report::plot::{
    good_range, picture, to_svg, Detail, Frame, Lane, HEIGHT, PALETTE, WIDTH,
};
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

const GOLDEN: u64 = 0xdc63d60ed6718701;

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

/// The texts of a report's picture, read from its SVG, whose text paths carry their text.
fn texts(report: &Report) -> Vec<String> {
    let svg = String::from_utf8(to_svg(report).unwrap()).unwrap();
    svg.split("aria-label=\"")
        .skip(1)
        .map(|s| {
            s[..s.find('"').unwrap()]
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

fn detailed(mut report: Report) -> Report {
    report.detail = Detail::Full;
    report
}

fn reddish(c: [u8; 3]) -> bool {
    c[0] > 180 && c[1] < 140 && c[2] < 140
}

/// The divergence line's grey, over white or over the good range's green.
fn greyish(c: [u8; 3]) -> bool {
    let [r, g, b] = c.map(i32::from);
    (110..=175).contains(&r) && (g - r).abs() < 20 && (b - r).abs() < 20
}

/// The smoothed loss of `curve` at the point nearest `lr`.
fn on(curve: &[lrfind::curve::Point], lr: f64) -> f64 {
    curve
        .iter()
        .min_by(|a, b| (a.lr / lr).ln().abs().total_cmp(&(b.lr / lr).ln().abs()))
        .unwrap()
        .smoothed_loss
}

fn recorded() -> Report {
    analyze_pairs("curve.csv", &pairs(0.0), &AnalyzeConfig::default()).unwrap()
}

/// The recorded curve with a second run that falls later and blows up far past the first.
fn two_runs() -> Report {
    let mut report = recorded();
    let later: Vec<(f64, f64)> = (0..100)
        .map(|i| {
            let x = -6.0 + 0.07 * i as f64;
            let loss = if x < -0.2 {
                2.3 - 2.0 / (1.0 + (-(x + 3.5) * 3.0).exp())
            } else {
                50.0
            };
            (10f64.powf(x), loss)
        })
        .collect();
    let mut other = analyze_pairs("later.csv", &later, &AnalyzeConfig::default()).unwrap();
    report.groups[0]
        .runs
        .push(other.groups.remove(0).runs.remove(0));
    report
}

/// The other runs are drawn faintly, and only up to where the run shown diverged.
#[test]
fn the_other_runs_are_faint_and_end_at_the_divergence() {
    let report = two_runs();
    let g = report.main();
    let cut = g.stop().divergence_lr().expect("the first run diverges");
    let other = g.runs[1].curve.before_divergence();
    assert!(
        other.last().unwrap().lr > 3.0 * cut,
        "the other run goes on"
    );
    let (rgb, frame) = picture(&report).unwrap();
    let faint = |c: [u8; 3]| close(c, (186, 202, 226));
    let (before, after): (Vec<_>, Vec<_>) = other
        .iter()
        .filter(|p| p.lr > 1e-2 && (p.lr / cut).log10().abs() > 0.1)
        .partition(|p| p.lr < cut);
    let seen = |points: &[&lrfind::curve::Point]| {
        points
            .iter()
            .filter(|p| near(&rgb, frame.pixel(p.lr, p.smoothed_loss), 2, faint))
            .count()
    };
    assert!(!before.is_empty() && !after.is_empty());
    assert!(
        seen(&before) * 10 >= before.len() * 7,
        "{} of {}",
        seen(&before),
        before.len()
    );
    assert_eq!(seen(&after), 0, "drawn past the divergence");
}

/// The good range is a shaded band over the whole height of the chart, and only there.
#[test]
fn the_good_range_is_shaded() {
    let report = recorded();
    let (rgb, frame) = picture(&report).unwrap();
    let (a, b) = good_range(report.main().first().curve.before_divergence()).unwrap();
    let greenish = |c: [u8; 3]| {
        let [r, g, b] = c.map(i32::from);
        g > r + 8 && g > b + 5 && g > 200
    };
    let mid = (a * b).sqrt();
    for loss in [frame.y.0, frame.y.1] {
        let at = frame.pixel(mid, loss);
        let inside = (at.0, at.1.clamp(frame.area.1 + 40, frame.area.3 - 10));
        assert!(near(&rgb, inside, 3, greenish), "{loss}");
    }
    let left = frame.pixel(a / 100.0, frame.y.1);
    assert!(!near(&rgb, (left.0, left.1 + 30), 2, greenish));
}

/// Where the loss diverged: a dashed grey line across the chart.
#[test]
fn the_divergence_is_a_dashed_line() {
    let report = recorded();
    let lr = report.main().stop().divergence_lr().unwrap();
    let (rgb, frame) = picture(&report).unwrap();
    let x = frame.pixel(lr, frame.y.0).0;
    let rows = frame.area.1 + 5..frame.area.3 - 5;
    let inked = rows
        .clone()
        .filter(|&y| near(&rgb, (x, y), 1, greyish))
        .count();
    let total = rows.len();
    // Dashes of 10 pixels with gaps of 6.
    assert!(
        inked * 2 > total && inked * 10 < total * 9,
        "{inked} of {total}"
    );
    let left = frame.pixel(lr / 10.0, frame.y.0).0;
    assert_eq!(
        rows.filter(|&y| near(&rgb, (left, y), 1, greyish)).count(),
        0
    );
}

/// The suggestion: a red line, a red dot on the curve, and its value at the top of the line,
/// written in the legend too.
#[test]
fn the_suggestion_is_a_line_a_dot_and_its_value() {
    for report in [recorded(), detailed(recorded())] {
        let g = report.main();
        let lr = g.suggested_lr.unwrap();
        let (rgb, frame) = picture(&report).unwrap();
        let curve = g.first().curve.before_divergence();
        let dot = frame.pixel(lr, on(curve, lr));
        // The dot: red well left and right of the line.
        assert!(near(&rgb, (dot.0 - 6, dot.1), 1, reddish));
        assert!(near(&rgb, (dot.0 + 6, dot.1), 1, reddish));
        let mid = frame.pixel(lr, 0.5 * (frame.y.0 + frame.y.1));
        let line = ((frame.area.1 + 60)..(frame.area.3 - 5))
            .filter(|&y| near(&rgb, (mid.0, y), 1, reddish))
            .count();
        assert!(
            line as i32 > (frame.area.3 - frame.area.1) * 8 / 10,
            "{line}"
        );
        // The value: red text right of the line, at its top.
        let label = (mid.0 + 12..mid.0 + 90)
            .flat_map(|x| (frame.area.1 + 6..frame.area.1 + 30).map(move |y| (x, y)))
            .filter(|&at| reddish(rgb_at(&rgb, at)))
            .count();
        assert!(label > 60, "{label}");
        let value = format!("{lr:.2e}");
        let texts = texts(&report);
        assert!(texts.contains(&value), "{texts:?}");
        assert!(texts.contains(&format!("suggested {value}")), "{texts:?}");
    }
}

/// A suggestion outside the good range says why, in the legend; one inside says nothing.
#[test]
fn a_suggestion_outside_the_good_range_says_why() {
    let mut report = recorded();
    let (a, b) = good_range(report.main().first().curve.before_divergence()).unwrap();
    let rule = report.main().rule;
    let says = |report: &Report, what: &str| texts(report).join(" ").contains(what);
    report.groups[0].suggested_lr = Some(a / 3.0);
    assert!(says(&report, &format!("the {rule} rule picks here,")));
    assert!(says(&report, "before the curve falls steadily"));
    report.groups[0].suggested_lr = Some(b * 3.0);
    assert!(says(&report, "past where the curve falls steadily"));
    report.groups[0].suggested_lr = Some((a * b).sqrt());
    assert!(!says(&report, "falls steadily,"));
    assert!(!says(&report, "picks here"));
}

/// A curve that blows up to 30 times its lowest loss: the loss axis ends a little above where
/// the curve started, not at the blow-up, and the divergence is drawn.
#[test]
fn the_loss_axis_is_clipped_at_the_blow_up() {
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
    let g = report.main();
    let lr = g.stop().divergence_lr().expect("it diverges");
    let lowest = g
        .first()
        .curve
        .before_divergence()
        .iter()
        .map(|p| p.smoothed_loss)
        .fold(f64::INFINITY, f64::min);
    let highest = g
        .first()
        .curve
        .before_divergence()
        .iter()
        .map(|p| p.smoothed_loss)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(lowest < 0.15 && highest > 30.0 * 0.1, "{lowest} {highest}");
    for report in [report.clone(), detailed(report.clone())] {
        let (rgb, frame) = picture(&report).unwrap();
        assert!(frame.y.1 > 1.0 && frame.y.1 < 1.15, "{frame:?}");
        let x = frame.pixel(lr, frame.y.0).0;
        let dashes = (frame.area.1..frame.area.3)
            .filter(|&y| near(&rgb, (x, y), 1, greyish))
            .count();
        assert!(dashes > 100, "{dashes}");
    }
}

/// The detailed figure draws each step's loss; the default one does not.
#[test]
fn the_detailed_figure_draws_each_steps_loss() {
    let report = recorded();
    let curve = report.main().first().curve.clone();
    let raw = |report: &Report| {
        let (rgb, frame) = picture(report).unwrap();
        let off: Vec<_> = curve
            .before_divergence()
            .iter()
            .filter(|p| {
                let (a, b) = (
                    frame.pixel(p.lr, p.loss).1,
                    frame.pixel(p.lr, p.smoothed_loss).1,
                );
                (a - b).abs() > 6
            })
            .collect();
        let seen = off
            .iter()
            .filter(|p| {
                near(&rgb, frame.pixel(p.lr, p.loss), 1, |c| {
                    close(c, (150, 180, 220))
                })
            })
            .count();
        (seen, off.len())
    };
    let (seen, of) = raw(&detailed(report.clone()));
    assert!(of > 10 && seen * 10 >= of * 8, "{seen} of {of}");
    let (seen, of) = raw(&report);
    assert!(seen * 10 <= of, "{seen} of {of}");
}

fn rule_colour(method: lrfind::curve::rules::Method) -> (u8, u8, u8) {
    use lrfind::curve::rules::Method;
    match method {
        Method::Steepest => (170, 60, 170),
        Method::MinimumDiv10 => (230, 140, 20),
        Method::Valley => (40, 150, 70),
    }
}

/// The detailed figure marks every rule's pick (but the suggestion's own) on the curve, in the
/// rule's colour; the default one does not.
#[test]
fn the_detailed_figure_marks_each_rules_pick() {
    let report = recorded();
    let g = report.main();
    let curve = g.first().curve.before_divergence();
    let others: Vec<_> = g
        .suggestions
        .iter()
        .filter(|(m, _)| *m != g.rule)
        .copied()
        .collect();
    assert_eq!(others.len(), 2);
    for (detail, drawn) in [(Detail::Full, true), (Detail::Basic, false)] {
        let mut report = report.clone();
        report.detail = detail;
        let (rgb, frame) = picture(&report).unwrap();
        for (method, lr) in &others {
            let at = frame.pixel(*lr, on(curve, *lr));
            let want = rule_colour(*method);
            assert_eq!(near(&rgb, at, 3, |c| close(c, want)), drawn, "{method}");
        }
    }
}

/// In the detailed figure each run's pick is a tick in the strip under the chart, in its rule's
/// colour; the default figure has no strip.
#[test]
fn each_runs_pick_is_a_tick_in_the_strip() {
    let report = found();
    let (_, frame) = picture(&report).unwrap();
    assert!(frame.lanes.is_empty(), "{frame:?}");
    let report = detailed(report);
    let g = report.main();
    assert_eq!(g.runs.len(), 3);
    let (rgb, frame) = picture(&report).unwrap();
    let (_, row) = *frame
        .lanes
        .iter()
        .find(|(l, _)| *l == Lane::Runs)
        .expect("a lane of the runs' picks");
    assert!(row > frame.area.3, "the strip is under the chart");
    let want = rule_colour(g.rule);
    for r in &g.runs {
        let lr = r.picks.headline.unwrap().lr;
        let x = frame.pixel(lr, frame.y.0).0;
        assert!(
            near(&rgb, (x, row), 2, |c| close(c, want)),
            "no tick at {lr}"
        );
    }
}

/// A raced LR: in the detailed figure's strip, its candidates as triangles, the best of the
/// short round ringed above its triangle and of the long round boxed below, in the race's
/// purple; the legend says how the suggestion came of them, and why when it lies outside the
/// good range.
#[test]
fn the_race_is_drawn_in_the_strip() {
    let verify = lrfind::find::VerifyConfig {
        steps: 200,
        seeds: 1,
        ..Default::default()
    };
    let mut report = detailed(found_with(Some(verify)));
    let g = report.main();
    let race = g.race.as_ref().expect("a race").clone();
    let (rgb, frame) = picture(&report).unwrap();
    let purple = |c: [u8; 3]| {
        let [r, g, b] = c.map(i32::from);
        // The race's purple (blue over red), not the steepest rule's magenta (red = blue).
        b > g + 40 && r > g + 20 && b > r + 10
    };
    let (_, row) = *frame.lanes.iter().find(|(l, _)| *l == Lane::Race).unwrap();
    let x = |lr: f64| frame.pixel(lr, frame.y.0).0;
    let drawn = race
        .entries
        .iter()
        .filter(|e| near(&rgb, (x(e.lr), row), 3, purple))
        .count();
    assert!(
        drawn * 4 >= race.entries.len() * 3,
        "{drawn} of {}",
        race.entries.len()
    );
    assert!(near(&rgb, (x(race.short_lr), row - 15), 8, purple));
    assert!(near(&rgb, (x(race.long_lr), row + 15), 8, purple));
    // Nothing of the race is drawn on the curve.
    let curve = g.first().curve.before_divergence();
    let on_curve = race
        .entries
        .iter()
        .filter(|e| near(&rgb, frame.pixel(e.lr, on(curve, e.lr)), 4, purple))
        .count();
    assert_eq!(on_curve, 0);
    assert!(texts(&report).contains(&"halfway between the bests".to_string()));
    let (a, _) = good_range(curve).unwrap();
    report.groups[0].suggested_lr = Some(a / 3.0);
    let said = texts(&report).join(" ");
    assert!(said.contains("the race trained best here,"), "{said}");
    assert!(said.contains("before the curve falls steadily"), "{said}");
    report.detail = Detail::Basic;
    let said = texts(&report).join(" ");
    assert!(
        said.contains(&format!("trained best of {} LRs raced", race.entries.len())),
        "{said}"
    );
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
        ("digits.csv", vec!["--plot-detail", "full"]),
        (
            "penguins.csv",
            vec![
                "--target",
                "species",
                "--val-split",
                "0.2",
                "--plot-detail",
                "full",
            ],
        ),
    ] {
        let plot = dir.path().join(format!("{name}{}.png", extra.len()));
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
