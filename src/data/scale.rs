//! Standardisation: each feature column to mean 0 and standard deviation 1.

use ndarray::{Array2, Axis};

/// Standardises each column of `x` in place, `x' = (x - mean) / sd`, with the population standard
/// deviation computed in f64. A constant column (sd below 1e-12 of its scale) becomes all zeros:
/// it carries no information and must not blow up to inf. The matrix is walked row by row (one
/// pass for the statistics, one to apply them), which keeps a large row-major matrix in cache
/// order.
pub fn standardise_columns(x: &mut Array2<f32>) {
    let cols = x.ncols();
    let (mut mean, mut m2) = (vec![0f64; cols], vec![0f64; cols]);
    for (i, row) in x.axis_iter(Axis(0)).enumerate() {
        // Welford's update, with 1/n shared by the whole row.
        let inv_n = 1.0 / (i + 1) as f64;
        for ((&v, mean), m2) in row.iter().zip(&mut mean).zip(&mut m2) {
            let v = f64::from(v);
            let d = v - *mean;
            *mean += d * inv_n;
            *m2 += d * (v - *mean);
        }
    }
    let n = x.nrows().max(1) as f64;
    let scale: Vec<f64> = mean
        .iter()
        .zip(&m2)
        .map(|(mean, m2)| {
            let sd = (m2 / n).sqrt();
            if sd > 1e-12 * mean.abs().max(1.0) {
                1.0 / sd
            } else {
                0.0
            }
        })
        .collect();
    for mut row in x.axis_iter_mut(Axis(0)) {
        for ((v, mean), scale) in row.iter_mut().zip(&mean).zip(&scale) {
            *v = ((f64::from(*v) - mean) * scale) as f32;
        }
    }
}

/// Mean and population standard deviation of the values, by Welford's update (stable for large
/// offsets). Returns (0, 0) for no values.
pub fn mean_sd(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut n, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
    for v in values {
        n += 1.0;
        let d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
    }
    if n == 0.0 {
        (0.0, 0.0)
    } else {
        (mean, (m2 / n).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn columns_get_mean_zero_sd_one() {
        let mut x = array![[1.0f32, 5.0], [2.0, 5.0], [3.0, 5.0]];
        standardise_columns(&mut x);
        let s = (2.0f32 / 3.0).sqrt();
        assert!((x[[0, 0]] + 1.0 / s).abs() < 1e-6);
        assert_eq!(x[[1, 0]], 0.0);
        assert!((x[[2, 0]] - 1.0 / s).abs() < 1e-6);
        assert_eq!(x.column(1).to_vec(), [0.0, 0.0, 0.0]);
    }

    #[test]
    fn welford_matches_two_pass() {
        let v = [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0, 1e9 + 4.0];
        let (m, sd) = mean_sd(v.iter().copied());
        assert!((m - (1e9 + 2.5)).abs() < 1e-6);
        assert!((sd - 1.25f64.sqrt()).abs() < 1e-9);
    }
}
