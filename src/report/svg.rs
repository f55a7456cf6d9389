//! The SVG of a picture: plotters' SVG backend, except that text is drawn as the outlines of
//! DejaVu Sans' glyphs (SVG paths) instead of `<text>` elements, so that a browser or viewer
//! without the font draws the same letters, and no font has to be embedded (a base64 copy of the
//! font would add about a megabyte). Glyphs are placed exactly as plotters places them in the
//! PNG: the same layout box, anchor, baseline and rotation.

use std::cell::RefCell;
use std::fmt::Write;
use std::rc::Rc;

use ab_glyph::{Font, FontRef, OutlineCurve, ScaleFont};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_backend::text_anchor::{HPos, VPos};
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

fn font(style: FontStyle) -> FontRef<'static> {
    let bytes = match style {
        FontStyle::Bold => dejavu::sans::bold(),
        _ => dejavu::sans::regular(),
    };
    FontRef::try_from_slice(bytes).expect("the built-in font parses")
}

fn colour(c: BackendColor) -> String {
    let (r, g, b) = c.rgb;
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// The outline of `text` as SVG path data, placed as plotters' default `draw_text` places the
/// rasterised glyphs: the layout box anchored at `pos`, the baseline half the font size below the
/// box's top, then the box's rotation.
fn text_path<S: BackendTextStyle>(text: &str, style: &S, pos: BackendCoord) -> Option<String> {
    let ((min_x, min_y), (max_x, max_y)) = style.layout_box(text).ok()?;
    let (width, height) = (max_x - min_x, max_y - min_y);
    let dx = match style.anchor().h_pos {
        HPos::Left => 0,
        HPos::Right => -width,
        HPos::Center => -width / 2,
    };
    let dy = match style.anchor().v_pos {
        VPos::Top => 0,
        VPos::Center => -height / 2,
        VPos::Bottom => -height,
    };
    let size = style.size() as f32;
    let font = font(style.style());
    let scaled = font.as_scaled(size);
    let (sx, sy) = (scaled.h_scale_factor(), scaled.v_scale_factor());
    let transform = style.transform();
    let place = |x: f32, y: f32| -> (f32, f32) {
        let (x, y) = (x + (dx - min_x) as f32, y + (dy - min_y) as f32);
        let (x, y) = match transform {
            FontTransform::None => (x, y),
            FontTransform::Rotate90 => (-y, x),
            FontTransform::Rotate180 => (-x, -y),
            FontTransform::Rotate270 => (y, -x),
        };
        (pos.0 as f32 + x, pos.1 as f32 + y)
    };
    let mut d = String::new();
    let mut pen = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        prev = Some(id);
        if let Some(outline) = font.outline(id) {
            let at = |p: ab_glyph::Point| place(pen + p.x * sx, size / 2.0 - p.y * sy);
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
        pen += scaled.h_advance(id);
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
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
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
                "<path fill=\"{}\"{opacity} d=\"{d}\"/>",
                colour(c)
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
