//! Every recorded curve as CSV in long form: one row per point, with the group, one column per
//! knob of the configurations, the run, its seed, which curve (`train` or `val`), the step, the LR,
//! the loss and the smoothed loss. A spreadsheet or a data frame plots any subset of it.

use super::sweep::SweepReport;
use super::Report;
use crate::curve::Point;

/// The report's curves as CSV bytes.
pub fn to_csv(report: &Report) -> Vec<u8> {
    let mut knobs: Vec<crate::error::Setting> = Vec::new();
    for g in &report.groups {
        for k in &g.knobs {
            if !knobs.contains(&k.setting) {
                knobs.push(k.setting);
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["group".into()];
    header.extend(knobs.iter().map(|k| k.key().to_string()));
    header.extend(
        [
            "run",
            "seed",
            "curve",
            "step",
            "lr",
            "loss",
            "smoothed_loss",
        ]
        .map(String::from),
    );
    w.write_record(&header).expect("writing to memory");
    for g in &report.groups {
        let knob_values: Vec<String> = knobs
            .iter()
            .map(|k| {
                g.knobs
                    .iter()
                    .find(|v| v.setting == *k)
                    .map_or(String::new(), |v| v.value.clone())
            })
            .collect();
        for (i, r) in g.runs.iter().enumerate() {
            let seed = r.seed.map_or(String::new(), |s| s.to_string());
            let curves = std::iter::once(("train", &r.curve.points))
                .chain(r.val_curve.iter().map(|c| ("val", &c.points)));
            for (which, points) in curves {
                for p in points.iter() {
                    let mut row = vec![g.label.clone()];
                    row.extend(knob_values.iter().cloned());
                    row.extend([i.to_string(), seed.clone(), which.to_string()]);
                    row.extend(point_fields(p));
                    w.write_record(&row).expect("writing to memory");
                }
            }
        }
    }
    w.into_inner().expect("writing to memory")
}

fn point_fields(p: &Point) -> [String; 4] {
    [
        p.step.to_string(),
        format!("{:e}", p.lr),
        p.loss.to_string(),
        p.smoothed_loss.to_string(),
    ]
}

/// A sweep's runs as CSV bytes: one row per (LR, seed) run, with the untrained and best
/// validation loss, whether it diverged and how many steps it trained.
pub fn sweep_csv(report: &SweepReport) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "lr",
        "seed",
        "initial_loss",
        "best_loss",
        "diverged",
        "steps",
    ])
    .expect("writing to memory");
    for p in &report.result.points {
        for r in &p.runs {
            w.write_record([
                format!("{:e}", r.lr),
                r.seed.to_string(),
                r.initial_loss.to_string(),
                r.best_loss.to_string(),
                r.diverged.to_string(),
                r.steps.to_string(),
            ])
            .expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}
