//! The SVG of a picture: plotters' SVG backend, except that text is drawn as the outlines of
//! DejaVu Sans' glyphs (SVG paths) instead of `<text>` elements, so that a browser or viewer
//! without the font draws the same letters, and no font has to be embedded (a base64 copy of the
//! font would add about a megabyte). Glyphs are laid out by `glyphs`, as the PNG's are, so both
//! have them in the same places; each path carries its text as `aria-label`, for screen readers
//! and search. An outlined rectangle keeps its stroke width, which plotters' SVG backend drops.

use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

use ab_glyph::{Font, OutlineCurve, ScaleFont};
use plotters::prelude::*;

use super::glyphs::Laid;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// Plotters' SVG backend with text drawn as glyph outlines. The outlines are collected in
/// `text` and belong on top of the picture: [`finish`] puts them there.
pub struct SvgBackend<'a> {
    inner: SVGBackend<'a>,
    text: Rc<RefCell<String>>,
}

impl<'a> SvgBackend<'a> {
    /// A picture of `size` written into `buf`; the glyph outlines go into `text`.
    pub fn new(buf: &'a mut String, size: (u32, u32), text: Rc<RefCell<String>>) -> Self {
        SvgBackend {
            inner: SVGBackend::with_string(buf, size),
            text,
        }
    }
}

/// The finished document: `svg` (closed by plotters) with the text outlines before its end.
pub fn finish(mut svg: String, text: &str) -> String {
    let end = svg.rfind("</svg>").unwrap_or(svg.len());
    svg.insert_str(end, &format!("<g>\n{text}</g>\n"));
    svg
}

/// `text` as an XML attribute's value.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn colour(c: BackendColor) -> String {
    let (r, g, b) = c.rgb;
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// The outline of `text` as SVG path data, laid out as [`Laid`] lays it out for the PNG.
fn text_path<S: BackendTextStyle>(text: &str, style: &S, pos: BackendCoord) -> Option<String> {
    let laid = Laid::new(text, style, pos)?;
    let scaled = laid.font.as_scaled(laid.size);
    let (sx, sy) = (scaled.h_scale_factor(), scaled.v_scale_factor());
    let mut d = String::new();
    for &(id, pen) in &laid.glyphs {
        let Some(outline) = laid.font.outline(id) else {
            continue;
        };
        let at = |p: ab_glyph::Point| laid.place(pen + p.x * sx, laid.baseline() - p.y * sy);
        let mut last: Option<ab_glyph::Point> = None;
        for curve in &outline.curves {
            let start = match curve {
                OutlineCurve::Line(a, _)
                | OutlineCurve::Quad(a, _, _)
                | OutlineCurve::Cubic(a, _, _, _) => *a,
            };
            if last != Some(start) {
                if last.is_some() {
                    d.push('Z');
                }
                let (x, y) = at(start);
                let _ = write!(d, "M{x:.1} {y:.1}");
            }
            match curve {
                OutlineCurve::Line(_, b) => {
                    let (x, y) = at(*b);
                    let _ = write!(d, "L{x:.1} {y:.1}");
                    last = Some(*b);
                }
                OutlineCurve::Quad(_, b, e) => {
                    let ((x1, y1), (x, y)) = (at(*b), at(*e));
                    let _ = write!(d, "Q{x1:.1} {y1:.1} {x:.1} {y:.1}");
                    last = Some(*e);
                }
                OutlineCurve::Cubic(_, b, c, e) => {
                    let ((x1, y1), (x2, y2), (x, y)) = (at(*b), at(*c), at(*e));
                    let _ = write!(d, "C{x1:.1} {y1:.1} {x2:.1} {y2:.1} {x:.1} {y:.1}");
                    last = Some(*e);
                }
            }
        }
        if last.is_some() {
            d.push('Z');
        }
    }
    (!d.is_empty()).then_some(d)
}

impl DrawingBackend for SvgBackend<'_> {
    type ErrorType = <SVGBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if fill || style.stroke_width() <= 1 {
            return self.inner.draw_rect(upper_left, bottom_right, style, fill);
        }
        // Round once and on past the first corner, so that no corner is left unjoined.
        let ((x0, y0), (x1, y1)) = (upper_left, bottom_right);
        let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0), (x1, y0)];
        self.inner.draw_path(corners, style)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let c = style.color();
        if c.alpha == 0.0 {
            return Ok(());
        }
        if let Some(d) = text_path(text, style, pos) {
            let opacity = if c.alpha < 1.0 {
                format!(" fill-opacity=\"{:.3}\"", c.alpha)
            } else {
                String::new()
            };
            let _ = writeln!(
                self.text.borrow_mut(),
                "<path fill=\"{}\"{opacity} aria-label=\"{}\" d=\"{d}\"/>",
                colour(c),
                escape(text)
            );
        }
        Ok(())
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, (iw, ih), src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::glyphs::PngBackend;
    use crate::report::plot::{register_fonts, FONT};
    use plotters::style::FontStyle;

    /// The ink of `text` drawn into a PNG buffer of `size`: the box around its pixels and how
    /// many there are.
    fn png_ink(text: &str, style: FontStyle, size: (u32, u32)) -> ((i32, i32, i32, i32), usize) {
        let mut rgb = vec![255u8; (size.0 * size.1 * 3) as usize];
        {
            let root = PngBackend::new(&mut rgb, size).into_drawing_area();
            root.draw(&Text::new(text, (10, 10), (FONT, 22, style).into_font()))
                .unwrap();
            root.present().unwrap();
        }
        let mut bounds = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        let mut count = 0;
        for (i, px) in rgb.chunks(3).enumerate() {
            if px[0] < 128 {
                let (x, y) = ((i as u32 % size.0) as i32, (i as u32 / size.0) as i32);
                bounds = (
                    bounds.0.min(x),
                    bounds.1.min(y),
                    bounds.2.max(x),
                    bounds.3.max(y),
                );
                count += 1;
            }
        }
        (bounds, count)
    }

    /// The SVG's outline of a text lies where the PNG inks it (to a pixel), and bold is bold in
    /// both: plotters' `.style(Bold)` kept the regular face's glyphs for the PNG.
    #[test]
    fn the_svg_and_the_png_put_the_same_letters_in_the_same_place() {
        register_fonts().unwrap();
        for style in [FontStyle::Normal, FontStyle::Bold] {
            let text = "suggested 4.53e-3";
            let font = TextStyle::from((FONT, 22, style).into_font());
            let d = text_path(text, &font, (10, 10)).unwrap();
            let numbers: Vec<f32> = d
                .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
                .filter_map(|n| n.parse().ok())
                .collect();
            let (xs, ys): (Vec<f32>, Vec<f32>) = numbers
                .chunks(2)
                .filter(|p| p.len() == 2)
                .map(|p| (p[0], p[1]))
                .unzip();
            let fold =
                |v: &[f32], f: fn(f32, f32) -> f32, start: f32| v.iter().copied().fold(start, f);
            let outline = (
                fold(&xs, f32::min, f32::MAX),
                fold(&ys, f32::min, f32::MAX),
                fold(&xs, f32::max, f32::MIN),
                fold(&ys, f32::max, f32::MIN),
            );
            let (ink, _) = png_ink(text, style, (300, 60));
            for (a, b) in [
                (outline.0, ink.0),
                (outline.1, ink.1),
                (outline.2, ink.2 + 1),
                (outline.3, ink.3 + 1),
            ] {
                assert!(
                    (a - b as f32).abs() <= 1.5,
                    "{}: {outline:?} {ink:?}",
                    style.as_str()
                );
            }
        }
        let (_, regular) = png_ink("suggested", FontStyle::Normal, (300, 60));
        let (_, bold) = png_ink("suggested", FontStyle::Bold, (300, 60));
        assert!(bold * 10 > regular * 13, "{bold} {regular}");
    }

    /// An outlined rectangle keeps its stroke width (plotters' SVG backend writes none).
    #[test]
    fn an_outlined_rectangle_keeps_its_width() {
        let mut buf = String::new();
        {
            let text = Rc::new(RefCell::new(String::new()));
            let root = SvgBackend::new(&mut buf, (40, 40), text).into_drawing_area();
            root.draw(&Rectangle::new(
                [(5, 5), (30, 30)],
                ShapeStyle::from(&BLUE).stroke_width(3),
            ))
            .unwrap();
            root.present().unwrap();
        }
        assert!(buf.contains("stroke-width=\"3\""), "{buf}");
    }
}
