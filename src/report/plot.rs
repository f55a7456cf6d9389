//! The PNG: loss against learning rate on a log10 axis, raw per-step loss faint, smoothed loss
//! bold, the suggestion marked and labelled, the other rules' picks and the divergence point
//! marked. Text uses DejaVu Sans, which ships inside the `dejavu` crate, so a machine without
//! system fonts draws the same picture. The plot only reads the report: it never recomputes a
//! suggestion.

use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::sweep::SweepReport;
use super::{fmt_lr, Group, Report, Settings};
use crate::curve::rules::Method;
use crate::curve::Point;
use crate::error::{Error, Result};
use crate::model::Loss;
use crate::range_test::Signal;

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;

pub(crate) const FONT: &str = "sans-serif";
const RAW: RGBColor = RGBColor(150, 180, 220);
pub(crate) const SMOOTH: RGBColor = RGBColor(25, 80, 160);
pub(crate) const PICK: RGBColor = RGBColor(205, 30, 40);
pub(crate) const DIVERGED: RGBColor = RGBColor(110, 110, 110);
const VAL: RGBColor = RGBColor(0, 150, 150);
const VERIFIED: RGBColor = RGBColor(120, 40, 160);

/// One colour per group when several share the picture (Okabe & Ito's palette, safe for colour
/// blindness), cycled past eight.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

fn rule_colour(method: Method) -> RGBColor {
    match method {
        Method::Steepest => RGBColor(170, 60, 170),
        Method::MinimumDiv10 => RGBColor(230, 140, 20),
        Method::Valley => RGBColor(40, 150, 70),
    }
}

pub(crate) fn register_fonts() -> Result<()> {
    static REGISTER: Once = Once::new();
    let mut failed = false;
    REGISTER.call_once(|| {
        failed = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .is_err()
            || plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_err();
    });
    if failed {
        return Err(Error::Plot("the built-in font could not be loaded".into()));
    }
    Ok(())
}

/// Draws the report's curve and returns it as PNG bytes.
pub fn to_png(report: &Report) -> Result<Vec<u8>> {
    register_fonts()?;
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    draw(report, &mut rgb).map_err(|e| Error::Plot(e.to_string()))?;
    encode_png(&rgb)
}

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder
        .write_header()
        .map_err(|e| Error::Plot(e.to_string()))?;
    writer
        .write_image_data(rgb)
        .map_err(|e| Error::Plot(e.to_string()))?;
    writer.finish().map_err(|e| Error::Plot(e.to_string()))?;
    Ok(bytes)
}

pub(crate) type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;
type LogLrChart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart with log10(LR) from `x.0` to `x.1` (whole decades) across and loss up, labelled,
/// with one tick per decade: the frame every lrfind picture shares.
fn log_lr_chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    title: &str,
    y_desc: &str,
    x: (f64, f64),
    y: (f64, f64),
) -> std::result::Result<LogLrChart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 28).into_font().style(FontStyle::Bold))
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .x_desc("learning rate (log scale)")
        .y_desc(y_desc)
        .x_labels((x.1 - x.0) as usize + 1)
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-9 {
                format!("1e{}", x.round() as i32)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y:.3}"))
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 20))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    Ok(chart)
}

/// The legend box every picture shares.
fn draw_legend<'a, 'b: 'a>(
    chart: &mut LogLrChart<'a, 'b>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, 18))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    Ok(())
}

fn loss_units(loss: Loss) -> &'static str {
    match loss {
        Loss::Mse => "loss (MSE, standardised target)",
        Loss::CrossEntropy => "loss (cross-entropy)",
    }
}

/// Draws a sweep (validation loss against fixed LR) and returns it as PNG bytes.
pub fn sweep_png(report: &SweepReport) -> Result<Vec<u8>> {
    register_fonts()?;
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    draw_sweep(report, &mut rgb).map_err(|e| Error::Plot(e.to_string()))?;
    encode_png(&rgb)
}

fn draw_sweep(report: &SweepReport, rgb: &mut [u8]) -> DrawResult {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let points = &report.result.points;
    let training = &report.config.training;
    let title = format!(
        "LR sweep: {}, {}, batch size {}, {} init, {} seeds",
        file_name(&report.data.file),
        training.optimizer.kind,
        training.batch_size,
        report.model.init,
        report.config.seeds
    );
    let lrs = points.iter().map(|p| p.lr.log10());
    let x0 = lrs.clone().fold(f64::INFINITY, f64::min).floor();
    let x1 = lrs.fold(f64::NEG_INFINITY, f64::max).ceil().max(x0 + 1.0);
    let l0 = report.result.initial_loss;
    let lo = points
        .iter()
        .map(|p| p.mean_loss - p.sd_loss)
        .fold(f64::INFINITY, f64::min)
        .min(l0);
    let hi = points
        .iter()
        .map(|p| p.mean_loss + p.sd_loss)
        .fold(l0, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let (lo, hi) = ((lo - pad).max(0.0), hi + pad);
    let y_desc = format!(
        "best validation {}",
        loss_units(report.model.loss).trim_start_matches("loss ")
    );
    let mut chart = log_lr_chart(&root, &title, &y_desc, (x0, x1), (lo, hi))?;

    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(x0, l0), (x1, l0)],
            DIVERGED.mix(0.6).stroke_width(2),
        )))?
        .label(format!("untrained model {l0:.3}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], DIVERGED.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|p| (p.lr.log10(), p.mean_loss)),
            SMOOTH.stroke_width(3),
        ))?
        .label("mean over seeds (± one sd)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], SMOOTH.stroke_width(3)));
    chart.draw_series(points.iter().map(|p| {
        let x = p.lr.log10();
        PathElement::new(
            vec![(x, p.mean_loss - p.sd_loss), (x, p.mean_loss + p.sd_loss)],
            SMOOTH.mix(0.5).stroke_width(2),
        )
    }))?;
    chart.draw_series(points.iter().map(|p| {
        let colour = if p.diverged > 0 { DIVERGED } else { SMOOTH };
        Circle::new((p.lr.log10(), p.mean_loss), 5, colour.filled())
    }))?;
    if points.iter().any(|p| p.diverged > 0) {
        chart
            .draw_series(
                points
                    .iter()
                    .filter(|p| p.diverged > 0)
                    .map(|p| Cross::new((p.lr.log10(), p.mean_loss), 9, DIVERGED.stroke_width(3))),
            )?
            .label("some seeds diverged")
            .legend(|(x, y)| Cross::new((x + 12, y), 6, DIVERGED.stroke_width(2)));
    }
    if let (Some(lr), Some(loss)) = (report.best_lr, report.result.best_loss) {
        chart
            .draw_series(std::iter::once(Circle::new(
                (lr.log10(), loss),
                10,
                PICK.filled(),
            )))?
            .label(format!("best LR {}", fmt_lr(lr)))
            .legend(|(x, y)| Circle::new((x + 12, y), 6, PICK.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

/// The smoothed loss at the point of `curve` nearest to `lr` (in log10 LR).
fn smoothed_near(curve: &[Point], lr: f64) -> Option<f64> {
    let x = lr.log10();
    curve
        .iter()
        .min_by(|a, b| {
            (a.lr.log10() - x)
                .abs()
                .total_cmp(&(b.lr.log10() - x).abs())
        })
        .map(|p| p.smoothed_loss)
}

/// The data file's name without its folders, for titles.
fn file_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_name()
        .map_or(file.to_string(), |f| f.to_string_lossy().into_owned())
}

/// The curve a group's suggestion reads: the validation curve when the rules read it.
fn marked_curve<'a>(report: &Report, g: &'a Group) -> &'a [Point] {
    let first = g.first();
    match (&report.settings, &first.val_curve) {
        (settings, Some(v)) if settings.find().is_some_and(|c| c.signal == Signal::Val) => {
            v.before_divergence()
        }
        _ => first.curve.before_divergence(),
    }
}

/// The picture's title: what was tested, with what.
fn title(report: &Report) -> String {
    let what = match (&report.data, report.sources.as_slice()) {
        (Some(d), _) => file_name(&d.file),
        (None, [one]) => file_name(one),
        (None, many) => format!("{} recorded curves", many.len()),
    };
    let mut parts = vec![what];
    if let Some(o) = &report.optimizer {
        parts.push(o.kind.to_string());
    }
    if let Some(b) = report.main().first().batch_size {
        parts.push(format!("batch size {b}"));
    }
    if let Some(m) = &report.model {
        parts.push(format!("{} init", m.init));
    }
    let runs = report.main().runs.len();
    if report.groups.len() == 1 && runs > 1 {
        parts.push(format!("{runs} runs"));
    }
    format!("LR range test: {}", parts.join(", "))
}

fn draw(report: &Report, rgb: &mut [u8]) -> DrawResult {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let all_points = || {
        report
            .groups
            .iter()
            .flat_map(|g| g.runs.iter().flat_map(|r| r.curve.points.iter()))
    };
    let first_lr = all_points().map(|p| p.lr).fold(f64::INFINITY, f64::min);
    let last_lr = all_points().map(|p| p.lr).fold(f64::NEG_INFINITY, f64::max);
    let first_lr = match &report.settings {
        Settings::Find(c) => c.range.start_lr,
        Settings::Grid(g) => g.base.range.start_lr,
        Settings::Read(_) if first_lr.is_finite() => first_lr,
        Settings::Read(_) => 1e-6,
    };
    // A start written as 9.99999e-7 is still the 1e-6 decade.
    let x0 = (first_lr.log10() + 1e-6).floor();
    let x1 = last_lr.max(first_lr).log10().ceil().max(x0 + 1.0);
    let (lo, hi) = y_range(report);

    let units = report.model.as_ref().map_or("loss", |m| loss_units(m.loss));
    let mut chart = log_lr_chart(&root, &title(report), units, (x0, x1), (lo, hi))?;
    let xy = |lr: f64, y: f64| (lr.log10(), y.clamp(lo, hi));
    if report.groups.len() == 1 {
        draw_group_in_detail(&root, &mut chart, report, report.main(), xy, (lo, hi))?;
    } else {
        for (i, g) in report.groups.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let first = g.first();
            chart
                .draw_series(LineSeries::new(
                    first
                        .curve
                        .before_divergence()
                        .iter()
                        .map(|p| xy(p.lr, p.smoothed_loss)),
                    colour.stroke_width(3),
                ))?
                .label(match g.suggested_lr {
                    Some(lr) => format!("{}: suggested {}", g.label, fmt_lr(lr)),
                    None => format!("{}: no suggestion", g.label),
                })
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
            if let Some(v) = &first.val_curve {
                chart.draw_series(DashedLineSeries::new(
                    v.before_divergence()
                        .iter()
                        .map(|p| xy(p.lr, p.smoothed_loss)),
                    8,
                    5,
                    colour.stroke_width(2),
                ))?;
            }
            if let Some(lr) = g.suggested_lr {
                let y = smoothed_near(marked_curve(report, g), lr)
                    .unwrap_or(lo)
                    .clamp(lo, hi);
                chart.draw_series(std::iter::once(Circle::new(
                    (lr.log10(), y),
                    9,
                    colour.filled(),
                )))?;
            }
        }
    }
    if report.groups.iter().all(|g| g.suggested_lr.is_none()) {
        let pos = chart.backend_coord(&(x0, hi));
        root.draw(&Text::new(
            "no suggested LR — see the summary",
            (pos.0 + 12, pos.1 + 12),
            (FONT, 22).into_font().color(&PICK),
        ))?;
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
    root.present()?;
    Ok(())
}

/// One group drawn with everything it holds: every step's loss, the smoothed loss of each run,
/// the validation curve, each rule's pick, the verified LR and the divergence point.
fn draw_group_in_detail<'a, 'b: 'a>(
    root: &DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    chart: &mut LogLrChart<'a, 'b>,
    report: &Report,
    g: &Group,
    xy: impl Fn(f64, f64) -> (f64, f64) + Copy,
    (lo, hi): (f64, f64),
) -> DrawResult {
    let first = g.first();
    let curve = &first.curve.points;
    let runs = g.runs.len();
    chart
        .draw_series(LineSeries::new(
            curve
                .iter()
                .filter(|p| p.loss.is_finite())
                .map(|p| xy(p.lr, p.loss)),
            RAW.stroke_width(1),
        ))?
        .label("loss per step")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], RAW.stroke_width(2)));
    for (i, r) in g.runs.iter().enumerate().skip(1) {
        let series = chart.draw_series(LineSeries::new(
            r.curve
                .before_divergence()
                .iter()
                .map(|p| xy(p.lr, p.smoothed_loss)),
            SMOOTH.mix(0.3).stroke_width(2),
        ))?;
        if i == 1 {
            series.label("smoothed loss, other runs").legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], SMOOTH.mix(0.3).stroke_width(2))
            });
        }
    }
    chart
        .draw_series(LineSeries::new(
            first
                .curve
                .before_divergence()
                .iter()
                .map(|p| xy(p.lr, p.smoothed_loss)),
            SMOOTH.stroke_width(3),
        ))?
        .label(if runs > 1 {
            "smoothed loss, first run"
        } else {
            "smoothed loss"
        })
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], SMOOTH.stroke_width(3)));
    if let Some(v) = first.val_curve.as_ref().filter(|v| !v.points.is_empty()) {
        chart
            .draw_series(LineSeries::new(
                v.before_divergence()
                    .iter()
                    .map(|p| xy(p.lr, p.smoothed_loss)),
                VAL.stroke_width(3),
            ))?
            .label("validation loss (smoothed)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], VAL.stroke_width(3)));
    }

    let marked = marked_curve(report, g);
    // Other rules first, so the headline is drawn on top.
    let mut picks: Vec<(Method, f64)> = g.suggestions.clone();
    let raced = g.race.is_some();
    picks.sort_by_key(|(m, _)| *m == g.rule);
    for (method, lr) in picks {
        let headline = !raced && method == g.rule;
        let colour = if headline { PICK } else { rule_colour(method) };
        let x = lr.log10();
        let y = smoothed_near(marked, lr).unwrap_or(lo).clamp(lo, hi);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            colour
                .mix(if headline { 0.9 } else { 0.5 })
                .stroke_width(if headline { 3 } else { 2 }),
        )))?;
        let label = if headline {
            let median = if runs > 1 { ", median of runs" } else { "" };
            format!("suggested {} ({method}{median})", fmt_lr(lr))
        } else {
            format!("{method} {}", fmt_lr(lr))
        };
        let size = if headline { 10 } else { 7 };
        chart
            .draw_series(std::iter::once(Circle::new((x, y), size, colour.filled())))?
            .label(label)
            .legend(move |(px, py)| Circle::new((px + 12, py), 6, colour.filled()));
    }
    if let Some(r) = &g.race {
        let x = r.winner.log10();
        let y = smoothed_near(marked, r.winner).unwrap_or(lo).clamp(lo, hi);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            PICK.mix(0.9).stroke_width(3),
        )))?;
        chart
            .draw_series(r.entries.iter().map(|e| {
                let y = smoothed_near(marked, e.lr).unwrap_or(lo).clamp(lo, hi);
                TriangleMarker::new((e.lr.log10(), y), 7, VERIFIED.filled())
            }))?
            .label(format!("raced candidates ({})", r.entries.len()))
            .legend(|(px, py)| TriangleMarker::new((px + 12, py), 7, VERIFIED.filled()));
        chart
            .draw_series(std::iter::once(Circle::new((x, y), 10, PICK.filled())))?
            .label(format!("suggested {} (trained best)", fmt_lr(r.winner)))
            .legend(|(px, py)| Circle::new((px + 12, py), 6, PICK.filled()));
    }
    if let Some(lr) = g.suggested_lr {
        let text = format!("suggested LR {}", fmt_lr(lr));
        let pos = chart.backend_coord(&(lr.log10(), hi));
        root.draw(&Text::new(
            text,
            (pos.0 + 8, pos.1 + 8),
            (FONT, 22).into_font().style(FontStyle::Bold).color(&PICK),
        ))?;
    }
    if let Some(lr) = g.stop().divergence_lr() {
        let x = lr.log10();
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, lo), (x, hi)],
                DIVERGED.mix(0.8).stroke_width(2),
            )))?
            .label(format!("diverged at {}", fmt_lr(lr)))
            .legend(|(px, py)| {
                PathElement::new(vec![(px, py), (px + 24, py)], DIVERGED.stroke_width(2))
            });
    }
    Ok(())
}

/// The loss axis: from a little below the lowest loss to a little above the highest smoothed
/// loss before divergence (the loss at divergence can be far higher; it is clipped so the fall,
/// which is what the suggestion reads, fills the picture).
fn y_range(report: &Report) -> (f64, f64) {
    let before = || {
        report.groups.iter().flat_map(|g| {
            g.runs.iter().flat_map(|r| {
                let val = r
                    .val_curve
                    .as_ref()
                    .map_or(&[][..], |v| v.before_divergence());
                r.curve.before_divergence().iter().chain(val)
            })
        })
    };
    let lo = before()
        .map(|p| p.loss.min(p.smoothed_loss))
        .fold(f64::INFINITY, f64::min);
    let hi = before()
        .map(|p| p.smoothed_loss)
        .fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    ((lo - pad).max(floor), hi + pad)
}
