//! Standardisation: each feature column to mean 0 and standard deviation 1.

use ndarray::{Array2, Axis};

/// Standardises each column of `x` in place, `x' = (x - mean) / sd`, with the population standard
/// deviation computed in f64. A constant column (sd below 1e-12 of its scale) becomes all zeros:
/// it carries no information and must not blow up to inf.
pub fn standardise_columns(x: &mut Array2<f32>) {
    for mut col in x.axis_iter_mut(Axis(1)) {
        let (mean, sd) = mean_sd(col.iter().map(|&v| v as f64));
        let scale = if sd > 1e-12 * mean.abs().max(1.0) {
            1.0 / sd
        } else {
            0.0
        };
        col.mapv_inplace(|v| ((v as f64 - mean) * scale) as f32);
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
