//! The figure in docs/range-test.md: one range test's raw loss, the old lagged EMA (fastai's
//! 0.98, bias-corrected) and lrfind's zero-phase curve, on the same axes, with the divergence
//! each sees. Reads the recorded digits curve in tests/fixtures/curves/ (adam, seed 0, run to the
//! end LR without stopping).
//!
//! Run: `cargo run --release --example smoothing_figure -- docs/smoothing.png`

use plotters::prelude::*;

use lrfind::curve::smooth::Ema;
use lrfind::curve::{Curve, CurveSettings, Sample, Stop};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/smoothing.png".into());
    let samples: Vec<Sample> = lrfind::curve::read::read(
        include_bytes!("../tests/fixtures/curves/digits_adam_seed0.csv"),
        std::path::Path::new("digits_adam_seed0.csv"),
        &Default::default(),
    )?
    .runs
    .remove(0)
    .samples;
    let curve = Curve::read(&samples, Stop::Completed, &CurveSettings::default());
    let mut ema = Ema::new(0.98);
    let lagged: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| (s.lr.log10(), ema.push(s.loss)))
        .collect();
    plotters::style::register_font(
        "sans-serif",
        plotters::style::FontStyle::Normal,
        dejavu::sans::regular(),
    )
    .map_err(|_| "font")?;
    let (w, h) = (1200u32, 700u32);
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "digits.csv, adam, 100 steps: raw loss, the old lagged EMA, lrfind's curve",
                ("sans-serif", 24),
            )
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(-6.0f64..1.0, 0.0f64..4.0)?;
        chart
            .configure_mesh()
            .x_desc("log10 learning rate")
            .y_desc("loss (cross-entropy)")
            .label_style(("sans-serif", 16))
            .draw()?;
        let clip = |y: f64| y.min(4.0);
        chart
            .draw_series(LineSeries::new(
                samples.iter().map(|s| (s.lr.log10(), clip(s.loss))),
                RGBColor(160, 185, 220).stroke_width(1),
            ))?
            .label("loss of each step")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], RGBColor(160, 185, 220)));
        chart
            .draw_series(LineSeries::new(
                lagged.iter().map(|&(x, y)| (x, clip(y))),
                RGBColor(213, 94, 0).stroke_width(3),
            ))?
            .label("EMA 0.98, bias-corrected (old): a ~50-step memory, 3.5 decades here")
            .legend(|(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    RGBColor(213, 94, 0).stroke_width(3),
                )
            });
        chart
            .draw_series(LineSeries::new(
                curve
                    .before_divergence()
                    .iter()
                    .map(|p| (p.lr.log10(), p.smoothed_loss)),
                RGBColor(0, 90, 170).stroke_width(3),
            ))?
            .label("local linear fit, 0.2 decades (lrfind): runs through the loss")
            .legend(|(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    RGBColor(0, 90, 170).stroke_width(3),
                )
            });
        if let Some(lr) = curve.stop.divergence_lr() {
            let x = lr.log10();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, 4.0)],
                    RGBColor(90, 90, 90).stroke_width(2),
                )))?
                .label(format!("divergence seen in the raw loss, LR {lr:.2e}"))
                .legend(|(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 24, y)],
                        RGBColor(90, 90, 90).stroke_width(2),
                    )
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 16))
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
        root.present()?;
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    std::fs::write(&out, bytes)?;
    println!("wrote {out}");
    Ok(())
}
