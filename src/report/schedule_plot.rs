//! The PNG of `lrfind schedule`: one schedule's LR against the step with its momentum on a second
//! axis; several schedules one panel each; a race as two panels side by side, every kind's LR
//! against the step and its validation loss (mean over seeds) against the step. The picture only
//! reads the report: the LRs are the schedules' tables, the losses the race's measurements.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::fmt_lr;
use super::glyphs::PngBackend;
use super::plot::{encode_png, register_fonts, DrawResult, DIVERGED, FONT, PALETTE, PICK, SMOOTH};
use super::schedule::{LrSource, ScheduleEntry, ScheduleReport};
use crate::error::{Error, Result};
use crate::schedule::LrSchedule;
use crate::train::schedule_race::{RaceEntry, ScheduleRace};

/// Size of one schedule's picture.
pub const SINGLE: (u32, u32) = (1200, 800);
/// Size of a race's picture: two panels and a key.
pub const RACE: (u32, u32) = (1800, 800);
/// Width of the picture of several schedules; its height grows with the rows of panels.
pub const GRID_WIDTH: u32 = 1600;
/// Height of one row of panels.
pub const GRID_ROW: u32 = 330;

const MOMENTUM: RGBColor = RGBColor(213, 94, 0);

type Area<'a> = DrawingArea<PngBackend<'a>, Shift>;

/// The picture's size for `report`.
pub fn size(report: &ScheduleReport) -> (u32, u32) {
    if report.race.is_some() {
        RACE
    } else if report.single() {
        SINGLE
    } else {
        let (_, rows) = grid(tables(report).len());
        (GRID_WIDTH, 70 + rows as u32 * GRID_ROW)
    }
}

/// Columns and rows of panels for `n` schedules.
fn grid(n: usize) -> (usize, usize) {
    let cols = match n {
        0..=3 => n.max(1),
        4 => 2,
        5..=9 => 3,
        _ => 4,
    };
    (cols, n.div_ceil(cols).max(1))
}

fn tables(report: &ScheduleReport) -> Vec<&ScheduleEntry> {
    report
        .entries
        .iter()
        .filter(|e| e.schedule().is_some())
        .collect()
}

/// Draws the report and returns it as PNG bytes.
pub fn schedule_png(report: &ScheduleReport) -> Result<Vec<u8>> {
    register_fonts()?;
    let (w, h) = size(report);
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = PngBackend::new(&mut rgb, (w, h)).into_drawing_area();
        let drawn = match &report.race {
            Some(race) => draw_race(&root, report, race),
            None if report.single() => draw_single(&root, report),
            None => draw_grid(&root, report),
        };
        drawn
            .and_then(|_| root.present().map_err(Into::into))
            .map_err(|e| Error::Plot(e.to_string()))?;
    }
    // Adaptive filtering and default compression make a line drawing about 20 times smaller
    // than the fast setting (65 KB against 1.4 MB for docs/schedules-all.png), for a few
    // milliseconds.
    encode_png(&rgb, (w, h), png::Compression::Default)
}

/// An LR tick: `0`, or three significant digits in scientific form.
fn lr_label(y: &f64) -> String {
    if *y == 0.0 {
        "0".into()
    } else {
        fmt_lr(*y)
    }
}

/// Where the LR came from, for titles.
fn source(report: &ScheduleReport) -> String {
    match (&report.lr_source, &report.data) {
        (LrSource::Given { .. }, _) => "LR given".into(),
        (LrSource::RangeTest { .. }, Some(d)) => format!("LR found on {}", file_name(&d.file)),
        (LrSource::RangeTest { .. }, None) => "LR found".into(),
    }
}

fn file_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_name()
        .map_or(file.to_string(), |f| f.to_string_lossy().into_owned())
}

/// One schedule's panel: LR (left axis) and momentum (right axis, if any) against the step.
fn draw_schedule(
    area: &Area,
    e: &ScheduleEntry,
    caption: &str,
    big: bool,
    legend: bool,
) -> DrawResult {
    let s = e.schedule().expect("only tables are drawn");
    let table = s.table();
    let steps = s.steps();
    let peak = table.iter().map(|r| r.lr).fold(0.0, f64::max);
    let x1 = (steps.max(2) - 1) as f64;
    let momenta: Vec<(f64, f64)> = table
        .iter()
        .filter_map(|r| r.momentum.map(|m| (r.step as f64, m)))
        .collect();
    let (m_lo, m_hi) = momenta
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, m)| {
            (lo.min(*m), hi.max(*m))
        });
    let m_pad = ((m_hi - m_lo) * 0.1).max(0.01);
    let (font, label, stroke) = if big { (28, 18, 3) } else { (20, 13, 2) };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, font, FontStyle::Bold).into_font())
        .margin(if big { 24 } else { 10 })
        .x_label_area_size(if big { 60 } else { 36 })
        .y_label_area_size(if big { 90 } else { 70 })
        .right_y_label_area_size(if momenta.is_empty() {
            0
        } else if big {
            70
        } else {
            50
        })
        .build_cartesian_2d(0f64..x1, 0f64..peak * 1.08)?
        .set_secondary_coord(0f64..x1, (m_lo - m_pad)..(m_hi + m_pad));
    chart
        .configure_mesh()
        .x_desc(if big { "optimizer step" } else { "" })
        .y_desc(if big { "learning rate" } else { "" })
        .x_labels(if big { 11 } else { 5 })
        .y_labels(if big { 10 } else { 5 })
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_label_formatter(&lr_label)
        .label_style((FONT, label))
        .axis_desc_style((FONT, label + 2))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()?;
    let series = chart.draw_series(LineSeries::new(
        table.iter().map(|r| (r.step as f64, r.lr)),
        SMOOTH.stroke_width(stroke),
    ))?;
    if legend {
        series
            .label("learning rate (left axis)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], SMOOTH.stroke_width(3))
            });
    }
    if !momenta.is_empty() {
        chart
            .configure_secondary_axes()
            .y_desc(if big { "momentum" } else { "" })
            .y_labels(5)
            .y_label_formatter(&|m| format!("{m:.2}"))
            .label_style((FONT, label).into_font().color(&MOMENTUM))
            .axis_desc_style((FONT, label + 2).into_font().color(&MOMENTUM))
            .draw()?;
        let series = chart.draw_secondary_series(LineSeries::new(
            momenta.iter().copied(),
            MOMENTUM.stroke_width(stroke.max(2) - 1),
        ))?;
        if legend {
            series.label("momentum (right axis)").legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], MOMENTUM.stroke_width(2))
            });
        }
    }
    if legend {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 18))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }
    Ok(())
}

fn draw_single(root: &Area, report: &ScheduleReport) -> DrawResult {
    root.fill(&WHITE)?;
    let e = &report.entries[0];
    let s = e.schedule().expect("one kind has a table");
    let m = s.summary();
    let caption = format!(
        "{} schedule: {} steps, peak LR {} ({})",
        e.kind(),
        m.steps,
        fmt_lr(m.peak_lr),
        source(report)
    );
    draw_schedule(root, e, &caption, true, true)
}

fn draw_grid(root: &Area, report: &ScheduleReport) -> DrawResult {
    root.fill(&WHITE)?;
    let entries = tables(report);
    let title = format!(
        "{} schedules over the same {} steps from LR {} (learning rate; momentum in orange)",
        entries.len(),
        report.steps,
        entries.first().map_or("-".into(), |e| fmt_lr(e.lr()))
    );
    let body = root
        .margin(8, 0, 0, 0)
        .titled(&title, (FONT, 26, FontStyle::Bold).into_font())?;
    let (cols, rows) = grid(entries.len());
    for (area, e) in body.split_evenly((rows, cols)).iter().zip(entries) {
        let caption = match (e.kind(), e.filled.is_empty()) {
            (k, true) => k.to_string(),
            (k, false) => {
                let filled: Vec<&str> = e.filled.iter().map(|s| s.key()).collect();
                format!("{k} (filled: {})", filled.join(", "))
            }
        };
        draw_schedule(area, e, &caption, false, false)?;
    }
    Ok(())
}

/// One colour per kind raced: Okabe & Ito's palette, then five more as far from it as can be.
const KIND_COLOURS: [RGBColor; 13] = [
    PALETTE[0],
    PALETTE[1],
    PALETTE[2],
    PALETTE[3],
    PALETTE[4],
    PALETTE[5],
    PALETTE[6],
    PALETTE[7],
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(188, 189, 34),
    RGBColor(170, 0, 120),
    RGBColor(31, 60, 120),
];

fn colour(i: usize) -> RGBColor {
    KIND_COLOURS[i % KIND_COLOURS.len()]
}

/// The mean validation loss over a kind's runs at each measurement all of them reached.
fn mean_curve(e: &RaceEntry) -> Vec<(f64, f64)> {
    let n = e.runs.iter().map(|r| r.curve.len()).min().unwrap_or(0);
    (0..n)
        .map(|i| {
            let step = e.runs[0].curve[i].step as f64;
            let loss = e.runs.iter().map(|r| r.curve[i].loss).sum::<f64>() / e.runs.len() as f64;
            (step, loss)
        })
        .collect()
}

/// The LRs a kind trained with: its table, or (a plateau) the first run's steps.
fn lr_path(report: &ScheduleReport, e: &RaceEntry) -> Vec<(f64, f64)> {
    if let Some(s) = report.entry(e.kind).and_then(|x| x.schedule()) {
        return s.table().iter().map(|r| (r.step as f64, r.lr)).collect();
    }
    let curve = &e.runs[0].curve;
    let mut path = vec![(0.0, curve[0].lr)];
    for w in curve.windows(2) {
        path.push((w[0].step as f64, w[1].lr));
        path.push((w[1].step as f64, w[1].lr));
    }
    path
}

/// Decades of LR the race's LR panel shows below the highest peak.
const LR_DECADES: f64 = 4.0;

fn draw_race(root: &Area, report: &ScheduleReport, race: &ScheduleRace) -> DrawResult {
    root.fill(&WHITE)?;
    let c = &race.config;
    let data = report
        .data
        .as_ref()
        .map_or(String::new(), |d| format!(" on {}", file_name(&d.file)));
    let optimizer = report
        .optimizer
        .map_or(String::new(), |o| format!(", {}", o.kind));
    let title = format!(
        "Schedule race{data}{optimizer}: {} steps, batch size {}, {} seeds each ({})",
        c.steps,
        c.batch_size,
        c.seeds,
        source(report)
    );
    let body = root
        .margin(8, 0, 0, 0)
        .titled(&title, (FONT, 26, FontStyle::Bold).into_font())?;
    let (panels, key) = body.split_horizontally(RACE.0 - RACE_KEY);
    let (left, right) = panels.split_horizontally((RACE.0 - RACE_KEY) / 2);
    let x1 = c.steps as f64;

    // Left: the LR each kind trained with, on a log scale.
    let paths: Vec<Vec<(f64, f64)>> = race.entries.iter().map(|e| lr_path(report, e)).collect();
    let peak = paths
        .iter()
        .flatten()
        .map(|p| p.1)
        .fold(f64::MIN_POSITIVE, f64::max);
    let (lr_lo, lr_hi) = (peak / 10f64.powf(LR_DECADES), peak * 1.5);
    let mut lr_chart = ChartBuilder::on(&left)
        .caption("learning rate (log scale)", (FONT, 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x1, (lr_lo..lr_hi).log_scale())?;
    lr_chart
        .configure_mesh()
        .x_desc("optimizer step")
        .x_labels(6)
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_label_formatter(&lr_label)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()?;
    for (i, path) in paths.into_iter().enumerate() {
        lr_chart.draw_series(LineSeries::new(
            path.into_iter().map(|(s, lr)| (s, lr.clamp(lr_lo, lr_hi))),
            colour(i).stroke_width(2),
        ))?;
    }

    // Middle: the validation loss each kind reached, on a log scale when it spans a decade or
    // more (drawn as log10 of the loss, labelled with the loss).
    let curves: Vec<Vec<(f64, f64)>> = race.entries.iter().map(mean_curve).collect();
    let hi = race.initial_loss * 1.15;
    let lo = curves
        .iter()
        .flatten()
        .map(|p| p.1)
        .filter(|l| l.is_finite() && *l > 0.0)
        .fold(hi, f64::min)
        * 0.9;
    let lo = lo.max(hi * 1e-6);
    let log = (hi / lo).log10() >= 1.0;
    let y = |l: f64| {
        let l = if l.is_finite() { l.clamp(lo, hi) } else { hi };
        if log {
            l.log10()
        } else {
            l
        }
    };
    let caption = if log {
        "validation loss, mean over seeds (log scale)"
    } else {
        "validation loss, mean over seeds"
    };
    let mut loss_chart = ChartBuilder::on(&right)
        .caption(caption, (FONT, 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..x1, y(lo)..y(hi))?;
    let label = |v: &f64| {
        let loss = if log { 10f64.powf(*v) } else { *v };
        format!("{loss:.3}")
    };
    loss_chart
        .configure_mesh()
        .x_desc("optimizer step")
        .x_labels(6)
        .y_labels(10)
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_label_formatter(&label)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(220, 220, 220))
        .draw()?;
    let untrained = y(race.initial_loss);
    loss_chart.draw_series(DashedLineSeries::new(
        [(0.0, untrained), (x1, untrained)],
        6,
        4,
        DIVERGED.mix(0.7).stroke_width(1),
    ))?;
    for (i, curve) in curves.iter().enumerate() {
        loss_chart.draw_series(LineSeries::new(
            curve.iter().map(|&(s, l)| (s, y(l))),
            colour(i).stroke_width(2),
        ))?;
    }
    if let Some(i) = race.entries.iter().position(|e| Some(e.kind) == race.best) {
        if let Some(&(s, l)) = curves[i].iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
            loss_chart.draw_series(std::iter::once(Circle::new((s, y(l)), 7, PICK.filled())))?;
        }
    }

    // Right: the key, one line per kind with its peak and losses.
    draw_key(&key, race)
}

/// Width of the race's key.
const RACE_KEY: u32 = 440;

fn draw_key(area: &Area, race: &ScheduleRace) -> DrawResult {
    let text = |size: i32| (FONT, size).into_font();
    let bold = |size: i32| (FONT, size, FontStyle::Bold).into_font();
    let (x0, mut y) = (12, 70);
    area.draw(&Text::new("kind, peak LR", (x0 + 34, y), text(16)))?;
    area.draw(&Text::new("best  final", (x0 + 300, y), text(16)))?;
    y += 28;
    for (i, e) in race.entries.iter().enumerate() {
        let c = colour(i);
        area.draw(&PathElement::new(
            vec![(x0, y + 9), (x0 + 26, y + 9)],
            c.stroke_width(4),
        ))?;
        let best = race.best == Some(e.kind);
        let style = if best { bold(17) } else { text(17) };
        area.draw(&Text::new(
            format!("{} {}", e.kind, fmt_lr(e.peak_lr)),
            (x0 + 34, y),
            style.clone(),
        ))?;
        let losses = match e.final_loss {
            Some(f) if e.diverged == 0 => format!("{:.3}  {f:.3}", e.best_loss),
            _ => format!("{:.3}  {}/{} div.", e.best_loss, e.diverged, e.runs.len()),
        };
        area.draw(&Text::new(losses, (x0 + 300, y), style))?;
        y += 30;
    }
    y += 10;
    area.draw(&PathElement::new(
        vec![(x0, y + 9), (x0 + 26, y + 9)],
        DIVERGED.stroke_width(1),
    ))?;
    area.draw(&Text::new(
        format!("untrained  {:.3}", race.initial_loss),
        (x0 + 34, y),
        text(17),
    ))?;
    y += 30;
    area.draw(&Circle::new((x0 + 13, y + 9), 6, PICK.filled()))?;
    area.draw(&Text::new(
        "lowest mean validation loss",
        (x0 + 34, y),
        text(17),
    ))?;
    y += 40;
    for line in [
        "best: lowest validation loss measured",
        "(mean over seeds; diverged runs",
        "count the untrained loss)",
        "final: at the last step",
    ] {
        area.draw(&Text::new(line, (x0, y), text(15).color(&DIVERGED)))?;
        y += 22;
    }
    Ok(())
}
