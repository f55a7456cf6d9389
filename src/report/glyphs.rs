//! Text as lrfind's pictures draw it: DejaVu Sans laid out once (each glyph at its advance, with
//! kerning and its own side bearing) and drawn from the same glyph outlines in both formats,
//! rasterised with coverage into the PNG by [`PngBackend`] and written as SVG paths by
//! `svg::SvgBackend`. Plotters' own bitmap text drops each glyph's left side bearing (so that
//! `4.53e-3` came out as `4.53 e-3`) and would put the PNG's letters a pixel or two from the
//! SVG's; drawn here, both formats have them in the same places. The layout box, its anchor,
//! the baseline (half the font size below the box's top) and the rotation are plotters' own.

use ab_glyph::{point, Font, FontRef, Glyph, GlyphId, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// The DejaVu Sans face of `style` (bold, or regular for anything else).
pub(crate) fn font(style: FontStyle) -> FontRef<'static> {
    let bytes = match style {
        FontStyle::Bold => dejavu::sans::bold(),
        _ => dejavu::sans::regular(),
    };
    FontRef::try_from_slice(bytes).expect("the built-in font parses")
}

/// A line of text laid out: its glyphs along the baseline, and where the layout box lands in the
/// picture.
pub(crate) struct Laid {
    /// The face.
    pub font: FontRef<'static>,
    /// The font size in pixels.
    pub size: f32,
    /// Each glyph with the pen's position, in pixels from the box's left edge.
    pub glyphs: Vec<(GlyphId, f32)>,
    /// The box's top-left corner relative to the anchor, before rotation.
    offset: (i32, i32),
    transform: FontTransform,
    pos: BackendCoord,
}

impl Laid {
    /// `text` in `style` anchored at `pos`, as plotters anchors it; `None` for a style whose
    /// layout fails.
    pub fn new<S: BackendTextStyle>(text: &str, style: &S, pos: BackendCoord) -> Option<Laid> {
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
        let mut glyphs = Vec::new();
        let mut pen = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            glyphs.push((id, pen));
            pen += scaled.h_advance(id);
        }
        Some(Laid {
            font,
            size,
            glyphs,
            offset: (dx - min_x, dy - min_y),
            transform: style.transform(),
            pos,
        })
    }

    /// The baseline's height in the box: half the font size below its top, as plotters has it.
    pub fn baseline(&self) -> f32 {
        self.size / 2.0
    }

    /// A point of the box (pixels right of its left edge and down from its top) in the picture.
    pub fn place(&self, x: f32, y: f32) -> (f32, f32) {
        let (x, y) = (x + self.offset.0 as f32, y + self.offset.1 as f32);
        let (x, y) = match self.transform {
            FontTransform::None => (x, y),
            FontTransform::Rotate90 => (-y, x),
            FontTransform::Rotate180 => (-x, -y),
            FontTransform::Rotate270 => (y, -x),
        };
        (self.pos.0 as f32 + x, self.pos.1 as f32 + y)
    }

    /// The pixel of the picture that the box's pixel `(x, y)` lands on: the same square as
    /// [`place`](Self::place) maps its corners to.
    fn pixel(&self, x: i32, y: i32) -> BackendCoord {
        let (x, y) = (x + self.offset.0, y + self.offset.1);
        let (x, y) = match self.transform {
            FontTransform::None => (x, y),
            FontTransform::Rotate90 => (-y - 1, x),
            FontTransform::Rotate180 => (-x - 1, -y - 1),
            FontTransform::Rotate270 => (y, -x - 1),
        };
        (self.pos.0 + x, self.pos.1 + y)
    }

    /// Each pixel the text covers, with how much of it (0 to 1).
    pub fn coverage(&self, mut plot: impl FnMut(BackendCoord, f32)) {
        let scale = PxScale::from(self.size);
        for &(id, pen) in &self.glyphs {
            let glyph: Glyph = id.with_scale_and_position(scale, point(pen, self.baseline()));
            if let Some(outlined) = self.font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                let (bx, by) = (bounds.min.x as i32, bounds.min.y as i32);
                outlined.draw(|x, y, c| {
                    if c > 0.0 {
                        plot(self.pixel(bx + x as i32, by + y as i32), c.min(1.0));
                    }
                });
            }
        }
    }
}

/// Plotters' bitmap backend with text drawn from [`Laid`]'s layout: the PNG's letters where the
/// SVG's are.
pub struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> PngBackend<'a> {
    /// A picture of `size` drawn into `rgb` (three bytes a pixel, row by row).
    pub fn new(rgb: &'a mut [u8], size: (u32, u32)) -> Self {
        PngBackend {
            inner: BitMapBackend::with_buffer(rgb, size),
        }
    }
}

impl DrawingBackend for PngBackend<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

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
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let Some(laid) = Laid::new(text, style, pos) else {
            return Ok(());
        };
        let mut result = Ok(());
        laid.coverage(|at, c| {
            if result.is_ok() {
                result = self.inner.draw_pixel(
                    at,
                    BackendColor {
                        alpha: colour.alpha * c as f64,
                        rgb: colour.rgb,
                    },
                );
            }
        });
        result
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

    /// Each glyph starts at its own bearing: the ink of `e` after `4.53` begins right of the
    /// pen by the glyph's left side bearing, not on the pen (as plotters' bitmap text had it).
    #[test]
    fn glyphs_keep_their_side_bearings() {
        crate::report::plot::register_fonts().unwrap();
        let style = TextStyle::from((crate::report::plot::FONT, 22).into_font());
        let laid = Laid::new("e", &style, (0, 0)).unwrap();
        let mut left = i32::MAX;
        laid.coverage(|(x, _), c| {
            if c > 0.5 {
                left = left.min(x);
            }
        });
        let scaled = laid.font.as_scaled(laid.size);
        let bearing = scaled.h_side_bearing(laid.glyphs[0].0);
        assert!(bearing >= 1.0, "{bearing}");
        assert!((left as f32 - bearing).abs() <= 1.0, "{left} {bearing}");
    }
}
