//! The picture of a report, as PNG or SVG (the file's extension decides): loss against learning
//! rate on a log10 axis, with what the numbers mean drawn on it. docs/figure.md shows one and
//! explains every mark.
//!
//! - One group (a range test, or one recorded file): the loss at each step (thin, pale), the
//!   smoothed loss of the run shown (bold), the other runs' smoothed losses (pale), the validation
//!   loss (dashed); the good range (see [`good_range`]) shaded; each run's own pick as a short
//!   tick on the LR axis, so their spread shows; each rule's pick; the suggestion as a red line
//!   with its value written beside it; the candidates of the race and its short- and long-run
//!   bests when the LR was raced; where the loss diverged. Without a suggestion, the LR axis
//!   zooms to where the curve is.
//! - Several groups (files, or configurations of a grid): one colour per group, each group's
//!   smoothed loss (its validation loss dashed) and its suggestion; the recommended
//!   configuration drawn bolder.
//!
//! The legend stands in its own panel right of the chart, so it never covers a curve. Text uses
//! DejaVu Sans, which ships inside the `dejavu` crate, so a machine without system fonts draws the
//! same picture (and the SVG draws its text as glyph outlines, see `svg`). The plot only reads the
//! report: it never recomputes a suggestion.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::Once;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use super::axes::{linear_ticks, lr_minor, lr_ticks, midpoints, Tick};
use super::glyphs::PngBackend;
use super::svg::{self, SvgBackend};
use super::sweep::SweepReport;
use super::{fmt_lr, Group, Report, Settings};
use crate::curve::rules::{Method, MIN_POINTS, MIN_RELATIVE_FALL};
use crate::curve::{Point, Stop};
use crate::error::{Error, Result, Setting};
use crate::model::{Loss, ModelKind};
use crate::range_test::Signal;

/// Width of the picture in pixels.
pub const WIDTH: u32 = 1200;
/// Height of the picture in pixels.
pub const HEIGHT: u32 = 800;
/// Width of the legend panel, right of the chart.
const LEGEND_WIDTH: u32 = 330;
/// Height of the title band.
const TITLE_HEIGHT: u32 = 52;

pub(crate) const FONT: &str = "sans-serif";
const RAW: RGBColor = RGBColor(150, 180, 220);
pub(crate) const SMOOTH: RGBColor = RGBColor(25, 80, 160);
pub(crate) const PICK: RGBColor = RGBColor(205, 30, 40);
pub(crate) const DIVERGED: RGBColor = RGBColor(110, 110, 110);
const VAL: RGBColor = RGBColor(0, 150, 150);
const VERIFIED: RGBColor = RGBColor(120, 40, 160);
const BAND: RGBColor = RGBColor(60, 170, 90);

/// One colour per group when several share the picture (Okabe & Ito's palette, safe for colour
/// blindness), cycled past eight.
pub const PALETTE: [RGBColor; 8] = [
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

/// A picture's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A PNG of [`WIDTH`] x [`HEIGHT`] pixels.
    Png,
    /// An SVG of the same size, its text drawn as outlines.
    Svg,
}

impl Format {
    /// The format a file's extension names: `.png` or `.svg`, in any case. Any other extension is
    /// refused, naming the plot setting, so that a typo is caught before any work.
    pub fn of_path(path: &Path) -> Result<Format> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(Error::config(
                Setting::Plot,
                format!(
                    "{} does not end in .png or .svg; the extension decides the picture's format",
                    path.display()
                ),
            )),
        }
    }
}

/// How much the range test's figure shows. The sweep's and the schedules' figures have one
/// level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Detail {
    /// What a reader needs at a glance: the smoothed loss, the other runs faintly, the
    /// validation loss, the good range, the suggestion and where the loss diverged.
    #[default]
    Basic,
    /// Also each step's loss, every rule's pick on the curve, and a strip under the chart with
    /// each run's pick and the race of candidate LRs.
    Full,
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

pub(crate) type DrawResult<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn plot_error(e: Box<dyn std::error::Error>) -> Error {
    Error::Plot(e.to_string())
}

/// Where the chart lies in the picture and what its axes span, so that a point of a curve can
/// be found among the pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The plotting area in pixels: left, top, right, bottom (exclusive).
    pub area: (i32, i32, i32, i32),
    /// log10 of the LR at the left and right edges.
    pub x: (f64, f64),
    /// The loss at the bottom and top edges.
    pub y: (f64, f64),
    /// The lanes of the strip under the chart (the detailed figure's), each with the pixel row
    /// its marks are centred on; on the chart's LR axis.
    pub lanes: Vec<(Lane, i32)>,
}

impl Frame {
    /// The pixel where the point (`lr`, `loss`) is drawn.
    pub fn pixel(&self, lr: f64, loss: f64) -> (i32, i32) {
        let (left, top, right, bottom) = self.area;
        let fx = (lr.log10() - self.x.0) / (self.x.1 - self.x.0);
        let fy = (loss - self.y.0) / (self.y.1 - self.y.0);
        (
            left + (fx * (right - 1 - left) as f64).round() as i32,
            bottom - 1 - (fy * (bottom - 1 - top) as f64).round() as i32,
        )
    }
}

/// Draws the report in `format`.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Png => to_png(report),
        Format::Svg => to_svg(report),
    }
}

/// Draws the report and returns it as PNG bytes.
pub fn to_png(report: &Report) -> Result<Vec<u8>> {
    let (rgb, _) = picture(report)?;
    encode_png(&rgb, (WIDTH, HEIGHT), png::Compression::Best)
}

/// Draws the report and returns it as SVG bytes.
pub fn to_svg(report: &Report) -> Result<Vec<u8>> {
    register_fonts()?;
    svg_bytes(|root| draw(report, root).map(|_| ()))
}

/// The report drawn into an RGB buffer of [`WIDTH`] x [`HEIGHT`] pixels (three bytes each, row
/// by row), with where its chart lies.
pub fn picture(report: &Report) -> Result<(Vec<u8>, Frame)> {
    register_fonts()?;
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    let frame = {
        let root = PngBackend::new(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        draw(report, &root).map_err(plot_error)?
    };
    Ok((rgb, frame))
}

/// Draws a sweep (validation loss against fixed LR) in `format`.
pub fn render_sweep(report: &SweepReport, format: Format) -> Result<Vec<u8>> {
    register_fonts()?;
    match format {
        Format::Png => {
            let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
            {
                let root = PngBackend::new(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
                draw_sweep(report, &root).map_err(plot_error)?;
            }
            encode_png(&rgb, (WIDTH, HEIGHT), png::Compression::Best)
        }
        Format::Svg => svg_bytes(|root| draw_sweep(report, root)),
    }
}

/// Draws a sweep and returns it as PNG bytes.
pub fn sweep_png(report: &SweepReport) -> Result<Vec<u8>> {
    render_sweep(report, Format::Png)
}

/// The PNG of a `width` x `height` RGB buffer, with adaptive filtering at `compression`. The
/// range test's figure uses the best level (a third of the default size for these flat-coloured
/// pictures, for a few tens of milliseconds); the schedules' figure the default one.
pub(crate) fn encode_png(
    rgb: &[u8],
    (width, height): (u32, u32),
    compression: png::Compression,
) -> Result<Vec<u8>> {
    let plot = |e: png::EncodingError| Error::Plot(e.to_string());
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(compression);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
    let mut writer = encoder.write_header().map_err(plot)?;
    writer.write_image_data(rgb).map_err(plot)?;
    writer.finish().map_err(plot)?;
    Ok(bytes)
}

fn svg_bytes(
    draw: impl FnOnce(&DrawingArea<SvgBackend<'_>, Shift>) -> DrawResult,
) -> Result<Vec<u8>> {
    let text = Rc::new(RefCell::new(String::new()));
    let mut buf = String::new();
    {
        let root = SvgBackend::new(&mut buf, (WIDTH, HEIGHT), Rc::clone(&text)).into_drawing_area();
        draw(&root).map_err(plot_error)?;
        root.present().map_err(|e| Error::Plot(e.to_string()))?;
    }
    let text = text.borrow();
    Ok(svg::finish(buf, &text).into_bytes())
}

/// A linear axis with lrfind's own ticks: bold gridlines and labels at `ticks`, faint gridlines
/// at `light`.
struct Axis {
    range: (f64, f64),
    ticks: Vec<Tick>,
    light: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    /// As plotters maps an `f64` range.
    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (a, b) = self.range;
        let t = (v - a) / (b - a);
        let length = (limit.1 - limit.0) as f64;
        if length >= 0.0 {
            limit.0 + (length * t + 1e-3).floor() as i32
        } else {
            limit.0 + (length * t - 1e-3).ceil() as i32
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.ticks.iter().map(|t| t.at).collect()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.0..self.range.1
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        tick_label(&self.ticks, *value)
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// The picture's parts: the title across the top, the chart's area, the legend's panel.
fn layout<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> DrawResult<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>)>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, 16),
        TextStyle::from((FONT, 24, FontStyle::Bold).into_font())
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    let body = root.margin(TITLE_HEIGHT, 0, 0, 0);
    let (w, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(w - LEGEND_WIDTH))
}

/// The label of the tick nearest `v`.
fn tick_label(ticks: &[Tick], v: f64) -> String {
    ticks
        .iter()
        .min_by(|a, b| (a.at - v).abs().total_cmp(&(b.at - v).abs()))
        .map_or(String::new(), |t| t.label.clone())
}

/// The chart every lrfind picture shares: log10(LR) from `x.0` to `x.1` across, labelled as
/// powers of ten, and `y_desc` from `y.0` to `y.1` up, at round values. Without `x_labels` the LR
/// axis is left unlabelled, for a strip drawn underneath that carries the labels.
fn chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    y_desc: &str,
    x: (f64, f64),
    y: (f64, f64),
    x_labels: bool,
) -> DrawResult<Chart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let y_ticks = linear_ticks(y.0, y.1, 8);
    let y_axis = Axis {
        range: y,
        light: midpoints(&y_ticks),
        ticks: y_ticks,
    };
    let mut chart = ChartBuilder::on(area)
        .margin_top(8)
        .margin_left(12)
        .margin_right(20)
        .margin_bottom(if x_labels { 12 } else { 0 })
        .x_label_area_size(if x_labels { 58 } else { 0 })
        .y_label_area_size(76)
        .build_cartesian_2d(lr_axis(x), y_axis)?;
    let mut mesh = chart.configure_mesh();
    mesh.y_desc(y_desc)
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 19))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(214, 214, 214));
    if x_labels {
        mesh.x_desc("learning rate");
    }
    mesh.draw()?;
    if !x_labels {
        // The chart's foot, which the strip's gap would otherwise leave open.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x.0, y.0), (x.1, y.0)],
            BLACK.stroke_width(1),
        )))?;
    }
    Ok(chart)
}

/// The log10-LR axis from `x.0` to `x.1`, labelled as powers of ten.
fn lr_axis(x: (f64, f64)) -> Axis {
    Axis {
        range: x,
        ticks: lr_ticks(x.0, x.1),
        light: lr_minor(x.0, x.1),
    }
}

/// The gap between the chart and the strip under it.
const STRIP_GAP: u32 = 12;

/// The lanes of the strip under the detailed figure's chart, each a row of marks at LRs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Each run's pick by the headline rule, as a tick.
    Runs,
    /// The race: its candidates as triangles, the best of its short round ringed above its
    /// triangle and of its long round boxed below, so that the two never hide each other.
    Race,
}

impl Lane {
    fn label(self) -> &'static str {
        match self {
            Lane::Runs => "runs",
            Lane::Race => "race",
        }
    }

    /// The lane's height in pixels.
    fn height(self) -> u32 {
        match self {
            Lane::Runs => 30,
            Lane::Race => 50,
        }
    }
}

/// Where the lanes' centres are in a strip's coordinates (pixels up from its foot), the first
/// lane on top.
fn lane_centres(lanes: &[Lane]) -> Vec<f64> {
    let total: u32 = lanes.iter().map(|l| l.height()).sum();
    let mut above = 0;
    lanes
        .iter()
        .map(|l| {
            let centre = total as f64 - above as f64 - l.height() as f64 / 2.0;
            above += l.height();
            centre
        })
        .collect()
}

/// The strip under the chart, on the chart's LR axis (and carrying its labels): one row per
/// lane, named at the left.
fn strip<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: (f64, f64),
    lanes: &[Lane],
) -> DrawResult<Chart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let total: u32 = lanes.iter().map(|l| l.height()).sum();
    let rows = Axis {
        range: (0.0, total as f64),
        ticks: lanes
            .iter()
            .zip(lane_centres(lanes))
            .map(|(lane, at)| Tick {
                at,
                label: lane.label().to_string(),
            })
            .collect(),
        light: Vec::new(),
    };
    let mut strip = ChartBuilder::on(area)
        .margin_top(STRIP_GAP)
        .margin_left(12)
        .margin_right(20)
        .margin_bottom(12)
        .x_label_area_size(58)
        .y_label_area_size(76)
        .build_cartesian_2d(lr_axis(x), rows)?;
    strip
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("learning rate")
        .label_style((FONT, 18))
        .axis_desc_style((FONT, 19))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(214, 214, 214))
        .draw()?;
    Ok(strip)
}

/// The chart's frame in pixels.
fn frame_of<DB: DrawingBackend>(chart: &Chart<'_, DB>, x: (f64, f64), y: (f64, f64)) -> Frame {
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    Frame {
        area: (xs.start, ys.start, xs.end, ys.end),
        x,
        y,
        lanes: Vec::new(),
    }
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Swatch {
    Line(RGBAColor, u32),
    Dashed(RGBAColor, u32),
    Band(RGBAColor),
    Dot(RGBAColor, u32),
    Ring(RGBAColor, u32),
    Square(RGBAColor),
    Triangle(RGBAColor),
    Tick(RGBAColor),
    Cross(RGBAColor),
}

/// One line of the legend (more when its text holds newlines).
struct Entry {
    swatch: Swatch,
    text: String,
    bold: bool,
}

fn entry(swatch: Swatch, text: impl Into<String>) -> Entry {
    Entry {
        swatch,
        text: text.into(),
        bold: false,
    }
}

fn rgba(c: RGBColor) -> RGBAColor {
    c.mix(1.0)
}

/// The legend, in its own panel: one row per entry, a swatch and its text.
fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[Entry]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    const ROW: i32 = 25;
    let mut y = 24;
    for e in entries {
        let (cx, cy) = (24, y);
        match e.swatch {
            Swatch::Line(c, w) => area.draw(&PathElement::new(
                vec![(6, cy), (42, cy)],
                c.stroke_width(w),
            ))?,
            Swatch::Dashed(c, w) => {
                for x in [6, 20, 34] {
                    area.draw(&PathElement::new(
                        vec![(x, cy), (x + 9, cy)],
                        c.stroke_width(w),
                    ))?
                }
            }
            Swatch::Band(c) => {
                area.draw(&Rectangle::new([(8, cy - 9), (40, cy + 9)], c.filled()))?
            }
            Swatch::Dot(c, r) => area.draw(&Circle::new((cx, cy), r, c.filled()))?,
            Swatch::Ring(c, r) => area.draw(&Circle::new((cx, cy), r, c.stroke_width(3)))?,
            Swatch::Square(c) => area.draw(&Rectangle::new(
                [(cx - 7, cy - 7), (cx + 7, cy + 7)],
                c.stroke_width(3),
            ))?,
            Swatch::Triangle(c) => area.draw(&TriangleMarker::new((cx, cy), 7, c.filled()))?,
            Swatch::Tick(c) => area.draw(&PathElement::new(
                vec![(cx, cy - 9), (cx, cy + 9)],
                c.stroke_width(2),
            ))?,
            Swatch::Cross(c) => area.draw(&Cross::new((cx, cy), 7, c.stroke_width(3)))?,
        }
        // The first line beside the swatch (bold for the entry that matters most), the rest
        // indented under it; each wrapped at spaces to the panel's width.
        for (i, line) in e.text.lines().enumerate() {
            let weight = if e.bold && i == 0 {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            };
            let style = TextStyle::from((FONT, 17, weight).into_font())
                .pos(Pos::new(HPos::Left, VPos::Center));
            let x = if i == 0 { 52 } else { 60 };
            let width = area.dim_in_pixel().0 as i32 - x - 8;
            for part in wrap(area, line, &style, width)? {
                area.draw(&Text::new(part, (x, y), style.clone()))?;
                y += ROW;
            }
        }
        y += 4;
    }
    Ok(())
}

/// `line` broken at spaces into lines at most `width` pixels wide in `style` (a word wider than
/// that stands alone).
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    line: &str,
    style: &TextStyle<'_>,
    width: i32,
) -> DrawResult<Vec<String>>
where
    DB::ErrorType: 'static,
{
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        let (w, _) = area.estimate_text_size(&candidate, style)?;
        if w as i32 > width && !current.is_empty() {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    lines.push(current);
    Ok(lines)
}

fn loss_units(loss: Loss) -> &'static str {
    match loss {
        Loss::Mse => "loss (MSE, standardised target)",
        Loss::CrossEntropy => "loss (cross-entropy)",
    }
}

/// The parts of the polyline through `points` that lie between `lo` and `hi` in y, cut where
/// it crosses either bound (a curve past divergence runs off the top instead of along it).
/// Non-finite points break the line.
fn clip(points: impl IntoIterator<Item = (f64, f64)>, lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    let inside = |y: f64| (lo..=hi).contains(&y);
    let cross = |a: (f64, f64), b: (f64, f64), bound: f64| {
        let t = (bound - a.1) / (b.1 - a.1);
        (a.0 + t * (b.0 - a.0), bound)
    };
    let mut parts = Vec::new();
    let mut part: Vec<(f64, f64)> = Vec::new();
    let mut prev: Option<(f64, f64)> = None;
    for p in points {
        if !(p.0.is_finite() && p.1.is_finite()) {
            parts.push(std::mem::take(&mut part));
            prev = None;
            continue;
        }
        match prev {
            None if inside(p.1) => part.push(p),
            None => {}
            Some(a) => match (inside(a.1), inside(p.1)) {
                (true, true) => part.push(p),
                (true, false) => {
                    part.push(cross(a, p, if p.1 > hi { hi } else { lo }));
                    parts.push(std::mem::take(&mut part));
                }
                (false, true) => {
                    part.push(cross(a, p, if a.1 > hi { hi } else { lo }));
                    part.push(p);
                }
                (false, false) => {
                    // From above to below (or back) in one step: the part between the bounds.
                    if (a.1 > hi) != (p.1 > hi) {
                        let (first, second) = if a.1 > hi { (hi, lo) } else { (lo, hi) };
                        parts.push(vec![cross(a, p, first), cross(a, p, second)]);
                    }
                }
            },
        }
        prev = Some(p);
    }
    parts.push(part);
    parts.retain(|p| p.len() > 1);
    parts
}

/// Draws the polyline through `points`, clipped to the chart's loss range.
fn draw_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: impl IntoIterator<Item = (f64, f64)>,
    (lo, hi): (f64, f64),
    style: ShapeStyle,
    dashed: bool,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for part in clip(points, lo, hi) {
        if dashed {
            chart.draw_series(DashedLineSeries::new(part, 10, 6, style))?;
        } else {
            chart.draw_series(LineSeries::new(part, style))?;
        }
    }
    Ok(())
}

/// A vertical line across the chart at `lr`.
fn vertical<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    lr: f64,
    (lo, hi): (f64, f64),
    style: ShapeStyle,
    dashed: bool,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    draw_line(
        chart,
        [(lr.log10(), lo), (lr.log10(), hi)],
        (lo, hi),
        style,
        dashed,
    )
}

/// The smoothed loss at the point of `curve` nearest to `lr` (in log10 LR).
fn smoothed_near(curve: &[Point], lr: f64) -> Option<f64> {
    let x = lr.log10();
    curve
        .iter()
        .filter(|p| p.smoothed_loss.is_finite())
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

/// The good range ends where the smoothed loss has made all but this fraction of the descent's
/// fall (from where the descent starts to the minimum): the flat bottom before the minimum is not
/// "falling steadily".
pub const GOOD_END: f64 = 0.1;

/// The good range of a curve: its descent to the minimum as the valley rule reads it
/// ([`crate::curve::rules::descent`]: from the last point still within a tenth of the whole fall
/// below the highest smoothed loss, after the start-up), up to where the smoothed loss first has
/// [`GOOD_END`] of the descent's fall left. A bump on the way (the loss rising a little, then falling on) is
/// inside the range, since the descent is one; the valley pick, its middle in log LR, lies inside
/// it. `points` are the curve before divergence; `None` when the curve is too short for the rules
/// or never falls by 1% of where it starts.
pub fn good_range(points: &[Point]) -> Option<(f64, f64)> {
    if points.iter().any(|p| !p.smoothed_loss.is_finite()) {
        return None;
    }
    let (start, min) = crate::curve::rules::descent(points).ok()?;
    let top = points[start].smoothed_loss;
    let bottom = points[min].smoothed_loss;
    let level = bottom + GOOD_END * (top - bottom);
    let end = (start..=min)
        .find(|&i| points[i].smoothed_loss <= level)
        .unwrap_or(min);
    (end > start).then(|| (points[start].lr, points[end].lr))
}

/// The picture's title: the file, the optimizer, the batch size and the initialisation.
fn title(report: &Report) -> String {
    let what = match (&report.data, report.sources.as_slice()) {
        (Some(d), _) => file_name(&d.file),
        (None, []) if report.worker.is_some() => {
            let w = report.worker.as_ref().expect("checked");
            let name = w.hello.name.clone().unwrap_or_else(|| w.command.clone());
            match (name.is_empty(), &w.hello.optimizer) {
                (true, _) => "workers started elsewhere".to_string(),
                (false, Some(o)) => format!("{name}, {o}"),
                (false, None) => name,
            }
        }
        (None, many) if (1..=3).contains(&many.len()) => many
            .iter()
            .map(|s| file_name(s))
            .collect::<Vec<_>>()
            .join(", "),
        (None, many) => format!("{} recorded curves", many.len()),
    };
    let mut parts = Vec::new();
    if let Some(o) = &report.optimizer {
        parts.push(o.kind.to_string());
    }
    let batches: Vec<usize> = report
        .groups
        .iter()
        .filter_map(|g| g.first().batch_size)
        .collect();
    if let Some(&b) = batches.first() {
        if batches.iter().all(|&x| x == b) {
            parts.push(format!("batch size {b}"));
        }
    }
    if let Some(m) = &report.model {
        parts.push(match m.kind {
            // Its own initialisation, whatever `--init` says (docs/tabular.md).
            ModelKind::Tabular => "fastai's tabular model".to_string(),
            ModelKind::Mlp => format!("{} init", m.init),
        });
    }
    if parts.is_empty() {
        what
    } else {
        format!("{what} — {}", parts.join(", "))
    }
}

/// The LR axis, in log10: from the start of the range test (or the first recorded LR), in whole
/// decades, to the last LR recorded. When no group has a suggestion, the axis zooms to where
/// the curves are, at least half a decade wide, so a curve that failed at once is seen.
pub(super) fn x_range(report: &Report) -> (f64, f64) {
    let lrs = || {
        report
            .groups
            .iter()
            .flat_map(|g| g.runs.iter().flat_map(|r| r.curve.points.iter()))
            .map(|p| p.lr)
            .filter(|lr| lr.is_finite() && *lr > 0.0)
    };
    let first = lrs().fold(f64::INFINITY, f64::min);
    let last = lrs().fold(f64::NEG_INFINITY, f64::max);
    if report.groups.iter().all(|g| g.suggested_lr.is_none()) && first.is_finite() {
        let (a, b) = (first.log10(), last.log10());
        let pad = 0.04 * (b - a);
        let (a, b) = (a - pad, b + pad);
        if b - a < 0.5 {
            let mid = 0.5 * (a + b);
            return (mid - 0.25, mid + 0.25);
        }
        return (a, b);
    }
    let start = match &report.settings {
        Settings::Find(c) => c.range.start_lr,
        Settings::Grid(g) => g.base.range.start_lr,
        Settings::Read(_) if first.is_finite() => first,
        Settings::Read(_) => 1e-6,
    };
    // A start written as 9.99999e-7 is still the 1e-6 decade.
    let x0 = (start.log10() + 1e-6).floor();
    let x1 = last.max(start).log10().ceil().max(x0 + 1.0);
    (x0, x1)
}

fn draw<DB: DrawingBackend>(report: &Report, root: &DrawingArea<DB, Shift>) -> DrawResult<Frame>
where
    DB::ErrorType: 'static,
{
    let detail = report.detail;
    let x = x_range(report);
    let y = y_range(report, detail);
    let units = report.model.as_ref().map_or("loss", |m| loss_units(m.loss));
    let (plot_area, legend_area) = layout(root, &title(report))?;
    let single = report.groups.len() == 1;
    let lanes = match detail {
        Detail::Full if single => lanes_of(report.main()),
        _ => Vec::new(),
    };
    let (chart_area, strip_area) = if lanes.is_empty() {
        (plot_area, None)
    } else {
        let (_, h) = plot_area.dim_in_pixel();
        let (chart_area, strip_area) = plot_area
            .split_vertically(h - 70 - STRIP_GAP - lanes.iter().map(|l| l.height()).sum::<u32>());
        (chart_area, Some(strip_area))
    };
    let mut chart = chart(&chart_area, units, x, y, strip_area.is_none())?;
    let mut strip = strip_area
        .as_ref()
        .map(|area| strip(area, x, &lanes))
        .transpose()?;
    let mut legend = Vec::new();
    if single {
        let strip = strip.as_mut().map(|s| (s, &lanes[..]));
        draw_group(&mut chart, strip, report, report.main(), y, &mut legend)?;
    } else {
        draw_groups(&mut chart, report, y, &mut legend)?;
    }
    if report.groups.iter().all(|g| g.suggested_lr.is_none()) {
        chart.plotting_area().draw(
            &(EmptyElement::at((x.0, y.1))
                + Text::new(
                    "no suggested LR — see the summary",
                    (14, 12),
                    (FONT, 22).into_font().color(&PICK),
                )),
        )?;
    }
    draw_legend(&legend_area, &legend)?;
    let mut frame = frame_of(&chart, x, y);
    if let Some(s) = &strip {
        frame.lanes = lanes
            .iter()
            .zip(lane_centres(&lanes))
            .map(|(lane, at)| (*lane, s.backend_coord(&(x.0, at)).1))
            .collect();
    }
    root.present()?;
    Ok(frame)
}

/// Several groups: one colour each, their smoothed curves (validation dashed), their
/// suggestions, the recommended configuration bolder.
fn draw_groups<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    report: &Report,
    y: (f64, f64),
    legend: &mut Vec<Entry>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = y;
    let recommended = report
        .grid
        .as_ref()
        .and_then(|g| g.recommended.as_ref())
        .map(|r| r.label.as_str());
    for (i, g) in report.groups.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let chosen = recommended == Some(g.label.as_str());
        let width = match (recommended, chosen) {
            (_, true) => 6,
            (Some(_), false) => 2,
            (None, _) => 3,
        };
        let first = g.first();
        draw_line(
            chart,
            first
                .curve
                .before_divergence()
                .iter()
                .map(|p| (p.lr.log10(), p.smoothed_loss)),
            y,
            colour.stroke_width(width),
            false,
        )?;
        if let Some(v) = &first.val_curve {
            draw_line(
                chart,
                v.before_divergence()
                    .iter()
                    .map(|p| (p.lr.log10(), p.smoothed_loss)),
                y,
                colour.stroke_width(width.min(3)),
                true,
            )?;
        }
        let mut text = g.label.clone();
        match g.suggested_lr {
            Some(lr) => {
                let at = smoothed_near(marked_curve(report, g), lr)
                    .unwrap_or(lo)
                    .clamp(lo, hi);
                let r = if chosen { 11 } else { 8 };
                chart.draw_series(std::iter::once(
                    EmptyElement::at((lr.log10(), at))
                        + Circle::new((0, 0), r + 2, WHITE.filled())
                        + Circle::new((0, 0), r, colour.filled()),
                ))?;
                text.push_str(&format!("\nsuggested {}", fmt_lr(lr)));
            }
            None => text.push_str("\nno suggestion"),
        }
        if chosen {
            text.push_str(", recommended");
        }
        legend.push(Entry {
            swatch: Swatch::Line(rgba(colour), width.min(5)),
            text,
            bold: chosen,
        });
    }
    if report.groups.iter().any(|g| g.first().val_curve.is_some()) {
        legend.push(entry(
            Swatch::Dashed(rgba(DIVERGED), 2),
            "validation loss (dashed)",
        ));
    }
    legend.push(entry(
        Swatch::Dot(rgba(DIVERGED), 7),
        "each group's suggestion",
    ));
    Ok(())
}

/// The lanes the detailed figure's strip has for `g`: each run's pick, when there are several
/// runs or a race (one run's pick is the suggestion itself); the race, when there was one.
fn lanes_of(g: &Group) -> Vec<Lane> {
    let mut lanes = Vec::new();
    if !run_picks(g).is_empty() && (g.runs.len() > 1 || g.race.is_some()) {
        lanes.push(Lane::Runs);
    }
    if g.race.is_some() {
        lanes.push(Lane::Race);
    }
    lanes
}

/// Each run's pick by the headline rule.
fn run_picks(g: &Group) -> Vec<f64> {
    g.runs
        .iter()
        .filter_map(|r| r.picks.headline.map(|p| p.lr))
        .collect()
}

/// Why the suggestion lies outside the good range `band`, in a few words; `None` when it lies
/// inside (or there is no suggestion or no range).
pub fn outside_band(g: &Group, band: Option<(f64, f64)>) -> Option<String> {
    let lr = g.suggested_lr?;
    let (a, b) = band?;
    // The band's ends are LRs of the curve; a suggestion on one is inside.
    let slack = 1e-9;
    let side = if lr.log10() < a.log10() - slack {
        "before the curve falls steadily"
    } else if lr.log10() > b.log10() + slack {
        "past where the curve falls steadily"
    } else {
        return None;
    };
    let who = match (&g.race, g.runs.len()) {
        (Some(_), _) => "the race trained best here".to_string(),
        (None, 1) => format!("the {} rule picks here", g.rule),
        (None, n) => format!("the median of the {n} runs' {} picks is here", g.rule),
    };
    Some(format!("{who}, {side}"))
}

/// One group: the smoothed loss, the other runs faintly (up to where the loss diverged), the
/// validation loss, the good range, the divergence and the suggestion with its value; with
/// [`Detail::Full`] also each step's loss and every rule's pick on the curve, and in `strip`,
/// each run's pick and the race.
fn draw_group<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    mut strip: Option<(&mut Chart<'_, DB>, &[Lane])>,
    report: &Report,
    g: &Group,
    y: (f64, f64),
    legend: &mut Vec<Entry>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = y;
    let full = report.detail == Detail::Full;
    let first = g.first();
    let marked = marked_curve(report, g);
    let on_curve = |lr: f64| smoothed_near(marked, lr).unwrap_or(lo).clamp(lo, hi);
    let runs = g.runs.len();
    let rows = strip.as_ref().map_or((0.0, 1.0), |(_, lanes)| {
        (0.0, lanes.iter().map(|l| l.height()).sum::<u32>() as f64)
    });

    // Where the loss diverged, or the test was interrupted: no curve is drawn past it.
    let end = match g.stop() {
        Stop::Diverged { lr } | Stop::NonFinite { lr } => Some((lr, "diverged".to_string())),
        Stop::Interrupted { lr } => {
            Some((lr, format!("interrupted ({})", crate::interrupt::cause())))
        }
        Stop::Completed => None,
    };
    let cut = end.as_ref().map_or(f64::INFINITY, |(lr, _)| *lr);
    let smoothed = |points: &[Point]| -> Vec<(f64, f64)> {
        points
            .iter()
            .take_while(|p| p.lr <= cut)
            .map(|p| (p.lr.log10(), p.smoothed_loss))
            .collect()
    };

    // Underneath everything: the good range.
    let band = good_range(marked);
    if let Some((a, b)) = band {
        let shade = BAND.mix(0.13).filled();
        chart.draw_series(std::iter::once(Rectangle::new(
            [(a.log10(), lo), (b.log10(), hi)],
            shade,
        )))?;
        if let Some((s, _)) = strip.as_mut() {
            s.draw_series(std::iter::once(Rectangle::new(
                [(a.log10(), rows.0), (b.log10(), rows.1)],
                shade,
            )))?;
        }
    }

    // The curves: each step's loss, the other runs, the run shown, the validation loss.
    if full {
        draw_line(
            chart,
            first.curve.points.iter().map(|p| (p.lr.log10(), p.loss)),
            y,
            RAW.stroke_width(1),
            false,
        )?;
        legend.push(entry(Swatch::Line(rgba(RAW), 2), "loss at each step"));
    }
    if first.curve.before_divergence().len() < MIN_POINTS {
        // Too short a curve to read: each step's loss as a dot, so that every one shows.
        chart.draw_series(
            first
                .curve
                .points
                .iter()
                .filter(|p| (lo..=hi).contains(&p.loss))
                .map(|p| Circle::new((p.lr.log10(), p.loss), 4, SMOOTH.filled())),
        )?;
    }
    for r in g.runs.iter().skip(1) {
        draw_line(
            chart,
            smoothed(r.curve.before_divergence()),
            y,
            SMOOTH.mix(0.3).stroke_width(2),
            false,
        )?;
    }
    draw_line(
        chart,
        smoothed(first.curve.before_divergence()),
        y,
        SMOOTH.stroke_width(3),
        false,
    )?;
    legend.push(entry(
        Swatch::Line(rgba(SMOOTH), 3),
        if runs > 1 {
            "smoothed loss, first run"
        } else {
            "smoothed loss"
        },
    ));
    if runs > 1 {
        legend.push(entry(
            Swatch::Line(SMOOTH.mix(0.3), 2),
            format!("smoothed loss, other {} runs", runs - 1),
        ));
    }
    if let Some(v) = first.val_curve.as_ref().filter(|v| !v.points.is_empty()) {
        draw_line(
            chart,
            smoothed(v.before_divergence()),
            y,
            VAL.stroke_width(3),
            true,
        )?;
        legend.push(entry(
            Swatch::Dashed(rgba(VAL), 3),
            "validation loss, smoothed",
        ));
    }
    if let Some((a, b)) = band {
        legend.push(entry(
            Swatch::Band(BAND.mix(0.25)),
            format!("falls steadily: {} to {}", fmt_lr(a), fmt_lr(b)),
        ));
    }
    if let Some((lr, what)) = end {
        let style = DIVERGED.mix(0.8).stroke_width(2);
        vertical(chart, lr, y, style, true)?;
        if let Some((s, _)) = strip.as_mut() {
            vertical(s, lr, rows, style, true)?;
        }
        legend.push(entry(
            Swatch::Dashed(DIVERGED.mix(0.8), 2),
            format!("{what} at {}", fmt_lr(lr)),
        ));
    }

    // The suggestion: a line (through the strip too), a dot on the curve.
    if let Some(lr) = g.suggested_lr {
        let style = PICK.mix(0.85).stroke_width(2);
        vertical(chart, lr, y, style, false)?;
        if let Some((s, _)) = strip.as_mut() {
            vertical(s, lr, rows, style, false)?;
        }
        chart.draw_series(std::iter::once(
            EmptyElement::at((lr.log10(), on_curve(lr)))
                + Circle::new((0, 0), 12, WHITE.filled())
                + Circle::new((0, 0), 9, PICK.filled()),
        ))?;
    }

    if full {
        // The rules' picks (median over runs), over the suggestion's dot so that one on it
        // shows as its centre. The headline rule's is the suggestion unless the LR was raced.
        let raced = g.race.is_some();
        let x_axis = chart.x_range();
        for (method, lr) in &g.suggestions {
            if !raced && *method == g.rule && g.suggested_lr.is_some() {
                continue;
            }
            if !x_axis.contains(&lr.log10()) {
                // minimum/10 can fall left of the first LR tested: not on this axis.
                continue;
            }
            let colour = rule_colour(*method);
            chart.draw_series(std::iter::once(Circle::new(
                (lr.log10(), on_curve(*lr)),
                6,
                colour.filled(),
            )))?;
            let median = if runs > 1 { ", median" } else { "" };
            legend.push(entry(
                Swatch::Dot(rgba(colour), 6),
                format!("{method} {}{median}", fmt_lr(*lr)),
            ));
        }
    }

    if let Some((s, lanes)) = strip {
        draw_lanes(s, lanes, g, legend)?;
    }

    if let Some(lr) = g.suggested_lr {
        suggestion_label(chart, lr, hi)?;
        let how = match (&g.race, full) {
            (Some(r), false) => format!("trained best of {} LRs raced", r.entries.len()),
            (Some(_), true) => "halfway between the bests".to_string(),
            (None, _) if runs > 1 => format!("{} rule, median of {runs} runs", g.rule),
            (None, _) => format!("{} rule", g.rule),
        };
        let mut text = format!("suggested {}\n{how}", fmt_lr(lr));
        if let Some(why) = outside_band(g, band) {
            text.push('\n');
            text.push_str(&why);
        }
        legend.insert(
            0,
            Entry {
                swatch: Swatch::Dot(rgba(PICK), 8),
                text,
                bold: true,
            },
        );
    }
    Ok(())
}

/// The suggestion's value, at the top of its line: above the curves, whose highest point the
/// loss axis leaves room over. Right of the line unless that leaves the chart.
fn suggestion_label<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, lr: f64, top: f64) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (xs, _) = chart.plotting_area().get_pixel_range();
    let (px, _) = chart.backend_coord(&(lr.log10(), top));
    let text = fmt_lr(lr);
    let font = (FONT, 22, FontStyle::Bold).into_font();
    let (w, h) = chart
        .plotting_area()
        .estimate_text_size(&text, &TextStyle::from(font.clone()))
        .map(|(w, h)| (w as i32, h as i32))?;
    let dx = if px + 10 + w + 6 < xs.end {
        10
    } else {
        -10 - w
    };
    let dy = 6;
    chart.plotting_area().draw(
        &(EmptyElement::at((lr.log10(), top))
            + Rectangle::new(
                [(dx - 5, dy - 3), (dx + w + 5, dy + h + 3)],
                WHITE.mix(0.9).filled(),
            )
            + Text::new(text, (dx, dy), font.color(&PICK))),
    )?;
    Ok(())
}

/// The strip's lanes: each run's pick as a tick in its rule's colour; the race's candidates as
/// triangles, the best of its short round ringed above and of its long round boxed below (the
/// suggestion's line runs halfway between them, in log LR).
fn draw_lanes<DB: DrawingBackend>(
    strip: &mut Chart<'_, DB>,
    lanes: &[Lane],
    g: &Group,
    legend: &mut Vec<Entry>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for (lane, at) in lanes.iter().zip(lane_centres(lanes)) {
        match lane {
            Lane::Runs => {
                let picks = run_picks(g);
                let colour = rule_colour(g.rule);
                strip.draw_series(picks.iter().map(|lr| {
                    PathElement::new(
                        vec![(lr.log10(), at - 10.0), (lr.log10(), at + 10.0)],
                        colour.stroke_width(3),
                    )
                }))?;
                legend.push(entry(
                    Swatch::Tick(rgba(colour)),
                    if g.runs.len() > 1 {
                        format!("each run's {} pick ({})", g.rule, picks.len())
                    } else {
                        format!("the {} pick", g.rule)
                    },
                ));
            }
            Lane::Race => {
                let Some(r) = &g.race else { continue };
                strip.draw_series(r.entries.iter().map(|e| {
                    TriangleMarker::new((e.lr.log10(), at), 6, VERIFIED.mix(0.6).filled())
                }))?;
                legend.push(entry(
                    Swatch::Triangle(VERIFIED.mix(0.6)),
                    format!("LRs raced ({}, {} runs each)", r.entries.len(), r.seeds),
                ));
                strip.draw_series(std::iter::once(Circle::new(
                    (r.short_lr.log10(), at + 15.0),
                    7,
                    VERIFIED.stroke_width(3),
                )))?;
                legend.push(entry(
                    Swatch::Ring(rgba(VERIFIED), 8),
                    format!("best after {} steps: {}", r.first_steps, fmt_lr(r.short_lr)),
                ));
                strip.draw_series(std::iter::once(
                    EmptyElement::at((r.long_lr.log10(), at - 15.0))
                        + Rectangle::new([(-7, -7), (7, 7)], VERIFIED.stroke_width(3)),
                ))?;
                legend.push(entry(
                    Swatch::Square(rgba(VERIFIED)),
                    format!("best after {} steps: {}", r.steps, fmt_lr(r.long_lr)),
                ));
            }
        }
    }
    Ok(())
}

/// The loss axis, from the curves shown in full (each group's first run and its validation
/// curve, before divergence): from a little below their lowest loss (the smoothed loss; with
/// [`Detail::Full`], which draws it, also each step's loss) to a little above their
/// [`ceiling`]. The loss rising into the blow-up runs off the top once it passes where the
/// curve started, so that the start and the fall, which is what the suggestion reads, fill the
/// picture; the drawn divergence says where the curve goes. A curve with too few points before
/// divergence to read shows its raw loss, up to ten times where it started.
pub(super) fn y_range(report: &Report, detail: Detail) -> (f64, f64) {
    let shown = || report.groups.iter().map(|g| g.first());
    let curves = || {
        shown().flat_map(|r| {
            std::iter::once(r.curve.before_divergence())
                .chain(r.val_curve.as_ref().map(|v| v.before_divergence()))
        })
    };
    let finite = |l: &f64| l.is_finite();
    let lowest = |p: &Point| match detail {
        Detail::Basic => p.smoothed_loss,
        Detail::Full => p.loss.min(p.smoothed_loss),
    };
    let mut lo = curves()
        .flatten()
        .map(lowest)
        .filter(finite)
        .fold(f64::INFINITY, f64::min);
    let mut hi = curves()
        .filter_map(ceiling)
        .fold(f64::NEG_INFINITY, f64::max);
    if curves().map(<[Point]>::len).sum::<usize>() < MIN_POINTS * report.groups.len() {
        let raw = || {
            shown()
                .flat_map(|r| r.curve.points.iter().map(|p| p.loss))
                .filter(finite)
        };
        let cap = raw()
            .next()
            .map_or(f64::INFINITY, |first| 10.0 * first.abs());
        lo = raw().fold(lo, f64::min);
        hi = raw().filter(|l| *l <= cap).fold(hi, f64::max);
    }
    // A loss that is never negative gets no negative axis, whatever the smoother's overshoot.
    let nonnegative = shown().all(|r| {
        r.curve
            .points
            .iter()
            .all(|p| p.loss.is_nan() || p.loss >= 0.0)
    });
    let (lo, hi) = padded(lo, hi);
    (if nonnegative { lo.max(0.0) } else { lo }, hi)
}

/// The highest smoothed loss of `points` (a curve before divergence) that the loss axis must
/// show: the highest up to the lowest smoothed loss, i.e. where the curve starts and falls.
/// Past the lowest, the loss rises into the blow-up; fastai's picture leaves out the last steps
/// for the same reason. A curve that never falls by [`MIN_RELATIVE_FALL`] of that height (it
/// only rises, or stays flat) has no fall to show: its ceiling is its highest smoothed loss.
fn ceiling(points: &[Point]) -> Option<f64> {
    let finite: Vec<f64> = points
        .iter()
        .map(|p| p.smoothed_loss)
        .filter(|l| l.is_finite())
        .collect();
    let (at, min) = finite
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let top = finite[..=at]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    if top - min > MIN_RELATIVE_FALL * top.abs() {
        Some(top)
    } else {
        finite.iter().copied().reduce(f64::max)
    }
}

/// `lo` to `hi` with a margin of 8% of the span (5% of the value for a single value), not below
/// zero for a loss that is not.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 1e-9 * hi.abs().max(1.0) {
        0.08 * span
    } else {
        0.05 * hi.abs().max(1e-3)
    };
    let floor = if lo >= 0.0 { 0.0 } else { f64::NEG_INFINITY };
    ((lo - pad).max(floor), hi + pad)
}

fn draw_sweep<DB: DrawingBackend>(report: &SweepReport, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let points = &report.result.points;
    let training = &report.config.training;
    let title = format!(
        "{} — {}, batch size {}, {} init",
        file_name(&report.data.file),
        training.optimizer.kind,
        training.batch_size,
        report.model.init,
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
    let y = padded(lo, hi);
    let y_desc = format!(
        "best validation {}",
        loss_units(report.model.loss).trim_start_matches("loss ")
    );
    let (plot_area, legend_area) = layout(root, &title)?;
    let mut chart = chart(&plot_area, &y_desc, (x0, x1), y, true)?;
    let mut legend = Vec::new();

    draw_line(
        &mut chart,
        [(x0, l0), (x1, l0)],
        y,
        DIVERGED.mix(0.7).stroke_width(2),
        true,
    )?;
    legend.push(entry(
        Swatch::Dashed(DIVERGED.mix(0.7), 2),
        format!("untrained model: {l0:.3}"),
    ));
    draw_line(
        &mut chart,
        points.iter().map(|p| (p.lr.log10(), p.mean_loss)),
        y,
        SMOOTH.stroke_width(3),
        false,
    )?;
    legend.push(entry(
        Swatch::Line(rgba(SMOOTH), 3),
        format!("mean over {} seeds, ± one sd", report.config.seeds),
    ));
    for p in points {
        let x = p.lr.log10();
        draw_line(
            &mut chart,
            [(x, p.mean_loss - p.sd_loss), (x, p.mean_loss + p.sd_loss)],
            y,
            SMOOTH.mix(0.5).stroke_width(2),
            false,
        )?;
    }
    chart.draw_series(points.iter().map(|p| {
        let colour = if p.diverged > 0 { DIVERGED } else { SMOOTH };
        Circle::new((p.lr.log10(), p.mean_loss), 5, colour.filled())
    }))?;
    if points.iter().any(|p| p.diverged > 0) {
        chart.draw_series(
            points
                .iter()
                .filter(|p| p.diverged > 0)
                .map(|p| Cross::new((p.lr.log10(), p.mean_loss), 9, DIVERGED.stroke_width(3))),
        )?;
        legend.push(entry(Swatch::Cross(rgba(DIVERGED)), "some seeds diverged"));
    }
    if let (Some(lr), Some(loss)) = (report.best_lr, report.result.best_loss) {
        chart.draw_series(std::iter::once(
            EmptyElement::at((lr.log10(), loss))
                + Circle::new((0, 0), 12, WHITE.filled())
                + Circle::new((0, 0), 9, PICK.filled()),
        ))?;
        legend.insert(
            0,
            Entry {
                swatch: Swatch::Dot(rgba(PICK), 8),
                text: format!("best LR {}\nlowest validation loss {loss:.3}", fmt_lr(lr)),
                bold: true,
            },
        );
    }
    draw_legend(&legend_area, &legend)?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(i: usize, x: f64, loss: f64) -> Point {
        Point {
            step: i,
            lr: 10f64.powf(x),
            loss,
            smoothed_loss: loss,
        }
    }

    #[test]
    fn the_extension_decides_the_format() {
        assert_eq!(Format::of_path(Path::new("a/b.png")).unwrap(), Format::Png);
        assert_eq!(Format::of_path(Path::new("b.SVG")).unwrap(), Format::Svg);
        for bad in ["b.jpg", "b", "b.png.txt"] {
            let e = Format::of_path(Path::new(bad)).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::Config {
                        setting: Setting::Plot,
                        ..
                    }
                ),
                "{bad}: {e}"
            );
        }
    }

    /// A logistic fall from 2 to 0 centred at 10^-3, over 10^-6 to 10^0: the range runs from
    /// where a tenth of the fall is done to where a tenth of the rest is left. The fall is
    /// measured from the highest point after the start-up (x = -5.39, loss 1.9833) to the lowest
    /// (x = 0, 0.0049): the descent starts where the logistic is 1.7855, and the range ends where
    /// it is 0.0049 + 0.1 (1.7855 - 0.0049) = 0.1830; x = -3 + 0.5 ln(2 / L - 1) gives -4.0597 and
    /// -1.8530. A drop at the very start (start-up noise) is not the range, however steep.
    #[test]
    fn the_good_range_is_the_descent_without_its_flat_bottom() {
        let logistic = |x: f64| 2.0 / (1.0 + ((x + 3.0) / 0.5).exp());
        let curve: Vec<Point> = (0..=600)
            .map(|i| {
                let x = -6.0 + 0.01 * i as f64;
                let start_up = if i < 10 { 1.0 - 0.1 * i as f64 } else { 0.0 };
                pt(i, x, logistic(x) + start_up)
            })
            .collect();
        let (a, b) = good_range(&curve).unwrap();
        assert!((a.log10() + 4.0597).abs() < 0.011, "{}", a.log10());
        assert!((b.log10() + 1.8530).abs() < 0.011, "{}", b.log10());
        // A bump on the way down (the loss rising by a tenth of its fall near 10^-3.5) does not
        // cut the range short: it is one descent.
        let bumped: Vec<Point> = (0..=600)
            .map(|i| {
                let x = -6.0 + 0.01 * i as f64;
                let bump = 0.2 * (-((x + 3.3) / 0.08).powi(2)).exp();
                pt(i, x, logistic(x) + bump)
            })
            .collect();
        let (c, d) = good_range(&bumped).unwrap();
        assert!(
            c.log10() < -3.9 && d.log10() > -2.0,
            "{} {}",
            c.log10(),
            d.log10()
        );
        // A flat curve, or one that only rises, has none.
        let flat: Vec<Point> = (0..100)
            .map(|i| pt(i, -6.0 + 0.05 * i as f64, 1.0))
            .collect();
        assert_eq!(good_range(&flat), None);
        let rising: Vec<Point> = (0..100)
            .map(|i| pt(i, -6.0 + 0.05 * i as f64, 1.0 + 0.01 * i as f64))
            .collect();
        assert_eq!(good_range(&rising), None);
    }

    /// The title is the file, the optimizer, the batch size and the initialisation: nothing
    /// else (not the number of runs).
    #[test]
    fn the_title_names_what_the_suggestion_is_for() {
        use crate::data::{csv::ReadOptions, load_reader, EncodeOptions};
        use crate::find::{find, FindConfig};
        use crate::model::ModelConfig;
        use crate::optim::{OptimizerConfig, OptimizerKind};
        use crate::range_test::RangeTestConfig;
        let mut csv = String::from("x,label\n");
        for i in 0..80 {
            csv += &format!("{},{}\n", i as f64 / 40.0 - 1.0, i % 2);
        }
        let data = load_reader(
            csv.as_bytes(),
            Path::new("dir/t.csv"),
            &ReadOptions::default(),
            &EncodeOptions::default(),
        )
        .unwrap();
        let range = RangeTestConfig {
            batch_size: 16,
            steps: Some(20),
            ..RangeTestConfig::with_defaults(
                ModelConfig {
                    hidden: vec![4],
                    ..ModelConfig::default()
                },
                OptimizerConfig::new(OptimizerKind::Sgd),
            )
        };
        let config = FindConfig {
            runs: 2,
            verify: None,
            ..FindConfig::with_defaults(range)
        };
        let findings = find(&data, &config, &indicatif::ProgressBar::hidden()).unwrap();
        let report = Report::of_find(&data, config.clone(), findings);
        assert_eq!(title(&report), "t.csv — sgd, batch size 16, pytorch init");
        // The tabular model has fastai's initialisation whatever --init says.
        let mut tabular = config;
        tabular.range.model = ModelConfig {
            hidden: vec![4],
            ..ModelConfig::tabular()
        };
        let findings = find(&data, &tabular, &indicatif::ProgressBar::hidden()).unwrap();
        let report = Report::of_find(&data, tabular, findings);
        assert_eq!(
            title(&report),
            "t.csv — sgd, batch size 16, fastai's tabular model"
        );
    }

    #[test]
    fn lines_are_cut_where_they_leave_the_chart() {
        let parts = clip([(0.0, 0.5), (1.0, 1.5), (2.0, 3.0), (3.0, 0.5)], 0.0, 1.0);
        assert_eq!(
            parts,
            vec![vec![(0.0, 0.5), (0.5, 1.0)], vec![(2.8, 1.0), (3.0, 0.5)]]
        );
        let gap = clip(
            [(0.0, 0.5), (1.0, f64::NAN), (2.0, 0.5), (3.0, 0.6)],
            0.0,
            1.0,
        );
        assert_eq!(gap, vec![vec![(2.0, 0.5), (3.0, 0.6)]]);
    }
}
