//! The recorded curve as CSV: `step,lr,loss,smoothed_loss`, one row per step.

use super::Report;

/// The curve as CSV bytes.
pub fn to_csv(report: &Report) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["step", "lr", "loss", "smoothed_loss"])
        .expect("writing to memory");
    for p in &report.curve {
        w.write_record([
            p.step.to_string(),
            format!("{:e}", p.lr),
            p.loss.to_string(),
            p.smoothed_loss.to_string(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
