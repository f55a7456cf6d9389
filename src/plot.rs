//! The PNG: loss against learning rate on a log10 axis, raw per-step loss faint, smoothed loss
//! bold, the suggestion marked and labelled, the other rules' picks and the divergence point
//! marked. Text uses DejaVu Sans, which ships inside the `dejavu` crate, so a machine without
//! system fonts draws the same picture. The plot only reads the report: it never recomputes a
//! suggestion.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::error::{Error, Result};
use crate::finder::StopReason;
use crate::report::{fmt_lr, Report};
use crate::suggest::Method;

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;

const FONT: &str = "sans-serif";
const RAW: RGBColor = RGBColor(150, 180, 220);
const SMOOTH: RGBColor = RGBColor(25, 80, 160);
const PICK: RGBColor = RGBColor(205, 30, 40);
const DIVERGED: RGBColor = RGBColor(110, 110, 110);

fn rule_colour(method: Method) -> RGBColor {
    match method {
        Method::Steepest => PICK,
        Method::MinimumDiv10 => RGBColor(230, 140, 20),
        Method::Valley => RGBColor(40, 150, 70),
    }
}

fn register_fonts() -> Result<()> {
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

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn draw(report: &Report, rgb: &mut [u8]) -> DrawResult {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let curve = &report.curve;
    let file = std::path::Path::new(&report.data.file)
        .file_name()
        .map_or(report.data.file.clone(), |f| {
            f.to_string_lossy().into_owned()
        });
    let title = format!(
        "LR range test: {file} — {}, batch size {}",
        report.config.optimizer.describe(),
        report.batch_size
    );

    let x0 = report.config.start_lr.log10().floor();
    let last_lr = curve.last().map_or(report.config.end_lr, |p| p.lr);
    let x1 = last_lr.log10().ceil().max(x0 + 1.0);
    let (lo, hi) = y_range(report);
    let decades = (x1 - x0) as usize + 1;

    let units = match report.loss {
        crate::model::Loss::Mse => "loss (MSE, standardised target)",
        crate::model::Loss::CrossEntropy => "loss (cross-entropy)",
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 28).into_font().style(FontStyle::Bold))
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("learning rate (log scale)")
        .y_desc(units)
        .x_labels(decades)
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

    let xy = |lr: f64, y: f64| (lr.log10(), y.clamp(lo, hi));
    chart
        .draw_series(LineSeries::new(
            curve.iter().map(|p| xy(p.lr, p.loss)),
            RAW.stroke_width(1),
        ))?
        .label("loss per step")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], RAW.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            curve.iter().map(|p| xy(p.lr, p.smoothed_loss)),
            SMOOTH.stroke_width(3),
        ))?
        .label("smoothed loss")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], SMOOTH.stroke_width(3)));

    let smoothed_at = |step: usize| {
        curve
            .iter()
            .find(|p| p.step == step)
            .map_or(lo, |p| p.smoothed_loss)
    };
    // Other rules first, so the headline is drawn on top.
    let mut picks: Vec<_> = report.picks().candidates.clone();
    picks.sort_by_key(|s| Some(s.method) == report.suggested_by);
    for s in picks {
        let colour = rule_colour(s.method);
        let headline = Some(s.method) == report.suggested_by;
        let x = s.lr.log10();
        let y = if s.method == Method::MinimumDiv10 {
            // Marked at its LR on the curve, which lies a decade left of the minimum.
            curve
                .iter()
                .min_by(|a, b| {
                    (a.lr.log10() - x)
                        .abs()
                        .total_cmp(&(b.lr.log10() - x).abs())
                })
                .map_or(lo, |p| p.smoothed_loss)
        } else {
            smoothed_at(s.step)
        };
        let y = y.clamp(lo, hi);
        let width = if headline { 3 } else { 2 };
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, lo), (x, hi)],
            colour
                .mix(if headline { 0.9 } else { 0.5 })
                .stroke_width(width),
        )))?;
        let label = if headline {
            format!("suggested {} ({})", fmt_lr(s.lr), s.method)
        } else {
            format!("{} {}", s.method, fmt_lr(s.lr))
        };
        let size = if headline { 10 } else { 7 };
        chart
            .draw_series(std::iter::once(Circle::new((x, y), size, colour.filled())))?
            .label(label)
            .legend(move |(px, py)| Circle::new((px + 12, py), 6, colour.filled()));
    }
    if let Some(s) = report.picks().headline {
        let text = format!("suggested LR {}", fmt_lr(s.lr));
        let pos = chart.backend_coord(&(s.lr.log10(), hi));
        root.draw(&Text::new(
            text,
            (pos.0 + 8, pos.1 + 8),
            (FONT, 22).into_font().style(FontStyle::Bold).color(&PICK),
        ))?;
    }
    if let StopReason::Diverged { lr } | StopReason::NonFinite { lr } = report.stop_reason {
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
    if report.suggested_lr.is_none() {
        let why = "no suggested LR — see the summary";
        let pos = chart.backend_coord(&(x0, hi));
        root.draw(&Text::new(
            why,
            (pos.0 + 12, pos.1 + 12),
            (FONT, 22).into_font().color(&PICK),
        ))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .label_font((FONT, 18))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    root.present()?;
    Ok(())
}

/// The loss axis: from a little below the lowest loss to a little above the highest smoothed
/// loss before divergence (the loss at divergence can be far higher; it is clipped so the fall,
/// which is what the suggestion reads, fills the picture).
fn y_range(report: &Report) -> (f64, f64) {
    let curve = report.history().before_divergence();
    let curve = if curve.is_empty() {
        &report.curve[..]
    } else {
        curve
    };
    let lo = curve
        .iter()
        .map(|p| p.loss.min(p.smoothed_loss))
        .fold(f64::INFINITY, f64::min);
    let hi = curve
        .iter()
        .map(|p| p.smoothed_loss)
        .fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    ((lo - pad).max(floor), hi + pad)
}
