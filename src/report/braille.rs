//! A small plot of a report's curve for the terminal, under the summary: braille characters, each
//! a cell of 2 x 4 dots, on the same axes as the picture (log10 LR across, the loss up), the
//! suggested LR as a red column and the divergence as a dotted one. Printed only when standard
//! output is a terminal; colour only where the summary has it.

use std::fmt::Write;

use super::axes::{decimals, lr_ticks, nice_step};
use super::plot::{x_range, y_range, Detail};
use super::sweep::SweepReport;
use super::terminal::{paint, Paint, Terminal};
use super::{fmt_lr, Report};

/// Rows of cells.
const ROWS: usize = 10;
/// The widest plot, in cells.
const MAX_COLS: usize = 72;

/// ANSI colours of the groups' curves, in the picture's palette order (blue, orange, green, ...).
const GROUP_COLOURS: [&str; 6] = [
    "\x1b[34m", "\x1b[33m", "\x1b[32m", "\x1b[35m", "\x1b[36m", "\x1b[37m",
];
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The cells of a braille plot: which dots are set, and the colour of each cell.
struct Canvas {
    cols: usize,
    rows: usize,
    dots: Vec<u8>,
    colour: Vec<Option<&'static str>>,
    x: (f64, f64),
    y: (f64, f64),
}

impl Canvas {
    fn new(cols: usize, rows: usize, x: (f64, f64), y: (f64, f64)) -> Self {
        Canvas {
            cols,
            rows,
            dots: vec![0; cols * rows],
            colour: vec![None; cols * rows],
            x,
            y,
        }
    }

    /// The dot of (log10 LR, loss), if inside.
    fn dot(&self, x: f64, y: f64) -> Option<(i64, i64)> {
        let fx = (x - self.x.0) / (self.x.1 - self.x.0);
        let fy = (self.y.1 - y) / (self.y.1 - self.y.0);
        if !(fx.is_finite() && (0.0..=1.0).contains(&fy)) {
            return None;
        }
        let w = (2 * self.cols - 1) as f64;
        let h = (4 * self.rows - 1) as f64;
        Some(((fx * w).round() as i64, (fy * h).round() as i64))
    }

    /// The column of cells at log10 LR `x`.
    fn column(&self, x: f64) -> Option<usize> {
        let fx = (x - self.x.0) / (self.x.1 - self.x.0);
        (0.0..=1.0)
            .contains(&fx)
            .then(|| ((fx * (2 * self.cols - 1) as f64).round() as usize / 2).min(self.cols - 1))
    }

    fn set(&mut self, (dx, dy): (i64, i64), colour: Option<&'static str>) {
        if dx < 0 || dy < 0 || dx >= 2 * self.cols as i64 || dy >= 4 * self.rows as i64 {
            return;
        }
        let (dx, dy) = (dx as usize, dy as usize);
        let bit = match (dx % 2, dy % 4) {
            (0, 3) => 0x40,
            (1, 3) => 0x80,
            (0, r) => 1 << r,
            (_, r) => 1 << (r + 3),
        };
        let cell = (dy / 4) * self.cols + dx / 2;
        self.dots[cell] |= bit;
        if colour.is_some() {
            self.colour[cell] = colour;
        }
    }

    /// The line through `points` (log10 LR, loss), dot by dot; it breaks where a point is
    /// outside.
    fn line(&mut self, points: impl IntoIterator<Item = (f64, f64)>, colour: Option<&'static str>) {
        let mut prev: Option<(i64, i64)> = None;
        for (x, y) in points {
            let Some(d) = self.dot(x, y) else {
                prev = None;
                continue;
            };
            match prev {
                Some(p) => {
                    let n = (d.0 - p.0).abs().max((d.1 - p.1).abs()).max(1);
                    for k in 1..=n {
                        let t = k as f64 / n as f64;
                        let at = (
                            p.0 + ((d.0 - p.0) as f64 * t).round() as i64,
                            p.1 + ((d.1 - p.1) as f64 * t).round() as i64,
                        );
                        self.set(at, colour);
                    }
                }
                None => self.set(d, colour),
            }
            prev = Some(d);
        }
    }

    /// Dots at `points`, unconnected.
    fn points(
        &mut self,
        points: impl IntoIterator<Item = (f64, f64)>,
        colour: Option<&'static str>,
    ) {
        for (x, y) in points {
            if let Some(d) = self.dot(x, y) {
                self.set(d, colour);
            }
        }
    }

    /// The plot as lines: the loss labels at the top and bottom rows, the axes, the LR labels,
    /// and `marks` (a column, the character for its empty cells, and its colour).
    fn render(&self, marks: &[(usize, char, &'static str)], colour: bool) -> Vec<String> {
        let step = nice_step(self.y.1 - self.y.0, 4);
        let places = decimals(step / 10.0);
        let top = format!("{:.*}", places, self.y.1);
        let bottom = format!("{:.*}", places, self.y.0);
        let gutter = top.chars().count().max(bottom.chars().count());
        let mut lines = Vec::with_capacity(self.rows + 2);
        for r in 0..self.rows {
            let label = match r {
                0 => top.as_str(),
                _ if r == self.rows - 1 => bottom.as_str(),
                _ => "",
            };
            let tick = if label.is_empty() { '│' } else { '┤' };
            let mut line = format!("{label:>gutter$} {tick}");
            // Consecutive cells of one colour share one escape sequence.
            let mut open: Option<&str> = None;
            for c in 0..self.cols {
                let cell = r * self.cols + c;
                let mask = self.dots[cell];
                let mark = marks.iter().find(|(col, _, _)| *col == c);
                let (ch, tint) = match (mask, mark) {
                    (0, Some((_, ch, tint))) => (*ch, Some(*tint)),
                    (0, None) => (' ', None),
                    (m, mark) => (
                        char::from_u32(0x2800 + m as u32).unwrap_or(' '),
                        self.colour[cell].or(mark.map(|m| m.2)),
                    ),
                };
                let tint = tint.filter(|_| colour && ch != ' ');
                if tint != open && ch != ' ' {
                    if open.is_some() {
                        line.push_str(RESET);
                    }
                    if let Some(code) = tint {
                        line.push_str(code);
                    }
                    open = tint;
                }
                line.push(ch);
            }
            if open.is_some() {
                line.push_str(RESET);
            }
            lines.push(line);
        }
        lines.push(format!("{} └{}", " ".repeat(gutter), "─".repeat(self.cols)));
        // LR labels under their columns, where they fit.
        let mut row: Vec<char> = vec![' '; self.cols + 2];
        let mut free = 0;
        for t in lr_ticks(self.x.0, self.x.1) {
            let Some(c) = self.column(t.at) else {
                continue;
            };
            let label: Vec<char> = t.label.chars().collect();
            let start = c.saturating_sub(label.len() / 2);
            if start < free || start + label.len() > row.len() {
                continue;
            }
            row[start..start + label.len()].copy_from_slice(&label);
            free = start + label.len() + 1;
        }
        let labels: String = row.into_iter().collect();
        lines.push(format!("{}  {}", " ".repeat(gutter), labels.trim_end()));
        lines
    }
}

fn cols_for(term: &Terminal) -> usize {
    term.width.saturating_sub(12).clamp(20, MAX_COLS)
}

/// The report's curves: for one group, each step's loss (faint dots, in colour only) and the
/// smoothed loss, the suggestion and the divergence marked; for several, each group's smoothed
/// loss in its colour. Lines end in newlines.
pub fn curve_plot(report: &Report, term: &Terminal) -> String {
    // The loss axis of the detailed figure: the plot draws each step's loss too, as faint dots.
    let (x, y) = (x_range(report), y_range(report, Detail::Full));
    let mut canvas = Canvas::new(cols_for(term), ROWS, x, y);
    let mut marks = Vec::new();
    let mut legend = Vec::new();
    let many = report.groups.len() > 1;
    for (i, g) in report.groups.iter().enumerate() {
        let first = g.first();
        let tint = if many {
            Some(GROUP_COLOURS[i % GROUP_COLOURS.len()])
        } else {
            Some("\x1b[34m")
        };
        if !many && term.colour {
            canvas.points(
                first.curve.points.iter().map(|p| (p.lr.log10(), p.loss)),
                Some(DIM),
            );
        }
        canvas.line(
            first
                .curve
                .before_divergence()
                .iter()
                .map(|p| (p.lr.log10(), p.smoothed_loss)),
            tint,
        );
        if many {
            let mut lr = g.suggested_lr.map_or("no suggestion".into(), fmt_lr);
            if std::ptr::eq(g, report.main()) && report.grid.is_some() {
                lr.push_str(", recommended");
            }
            let swatch = match tint.filter(|_| term.colour) {
                Some(code) => format!("{code}━━{RESET}"),
                None => format!("{}", i + 1),
            };
            legend.push(format!("{swatch} {} {lr}", g.label));
        }
    }
    let main = report.main();
    let mut notes = Vec::new();
    if !many {
        if let Some(lr) = main.stop().divergence_lr() {
            if let Some(c) = canvas.column(lr.log10()) {
                marks.push((c, '┊', DIM));
                notes.push(format!("┊ diverged at {}", fmt_lr(lr)));
            }
        }
    }
    if let Some(lr) = main.suggested_lr {
        if let Some(c) = canvas.column(lr.log10()) {
            marks.push((c, '│', RED));
            notes.insert(
                0,
                paint(
                    &format!("│ suggested {}", fmt_lr(lr)),
                    Paint::Bad,
                    term.colour,
                ),
            );
        }
    }
    let mut out = String::new();
    for line in canvas.render(&marks, term.colour) {
        let _ = writeln!(out, "  {line}");
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "  {}", notes.join("   "));
    }
    for l in legend {
        let _ = writeln!(out, "  {l}");
    }
    out
}

/// A sweep's mean validation loss at each LR, the best LR marked. Lines end in newlines.
pub fn sweep_plot(report: &SweepReport, term: &Terminal) -> String {
    let points = &report.result.points;
    let xs = points.iter().map(|p| p.lr.log10());
    let x0 = xs.clone().fold(f64::INFINITY, f64::min).floor();
    let x1 = xs.fold(f64::NEG_INFINITY, f64::max).ceil().max(x0 + 1.0);
    let lo = points
        .iter()
        .map(|p| p.mean_loss)
        .fold(f64::INFINITY, f64::min);
    let hi = points
        .iter()
        .map(|p| p.mean_loss)
        .fold(report.result.initial_loss, f64::max);
    let pad = 0.05 * (hi - lo).max(1e-9);
    let mut canvas = Canvas::new(
        cols_for(term),
        ROWS,
        (x0, x1),
        ((lo - pad).max(0.0), hi + pad),
    );
    canvas.line(
        points.iter().map(|p| (p.lr.log10(), p.mean_loss)),
        Some("\x1b[34m"),
    );
    let mut marks = Vec::new();
    let mut out = String::new();
    let best = report
        .best_lr
        .and_then(|lr| Some((lr, canvas.column(lr.log10())?)));
    if let Some((_, c)) = best {
        marks.push((c, '│', RED));
    }
    for line in canvas.render(&marks, term.colour) {
        let _ = writeln!(out, "  {line}");
    }
    if let Some((lr, _)) = best {
        let _ = writeln!(
            out,
            "  {}",
            paint(
                &format!("│ best LR {}", fmt_lr(lr)),
                Paint::Bad,
                term.colour
            )
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_make_braille_cells() {
        let mut c = Canvas::new(2, 1, (0.0, 1.0), (0.0, 1.0));
        // The top-left dot of the first cell, the bottom-right dot of the second.
        c.set((0, 0), None);
        c.set((3, 3), None);
        assert_eq!(c.dots, [0x01, 0x80]);
        let lines = c.render(&[], false);
        assert!(
            lines[0].contains('\u{2801}') && lines[0].contains('\u{2880}'),
            "{lines:?}"
        );
    }

    #[test]
    fn a_falling_line_fills_the_rows_it_crosses() {
        let mut c = Canvas::new(20, 5, (0.0, 1.0), (0.0, 1.0));
        c.line([(0.0, 1.0), (1.0, 0.0)], None);
        for r in 0..5 {
            assert!(
                c.dots[r * 20..(r + 1) * 20].iter().any(|&d| d != 0),
                "row {r}"
            );
        }
        let lines = c.render(&[(10, '│', RED)], false);
        // Five rows, the axis and the labels; no escape codes without colour.
        assert_eq!(lines.len(), 7);
        assert!(lines.iter().all(|l| !l.contains('\x1b')));
    }
}
