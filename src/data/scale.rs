//! Standardisation: each feature column, and a numeric label, to mean 0 and standard deviation 1.
//! Statistics are computed in f64. A column is constant when its spread is nothing, or nothing but
//! rounding next to its mean; its size alone never makes it so (values near 1e-300 vary as much as
//! values near 1).

use ndarray::{Array2, Axis};

/// The spread below which a column counts as constant, relative to its mean.
const CONSTANT: f64 = 1e-12;

/// Whether values with this mean and (population) standard deviation are constant.
fn is_constant(mean: f64, sd: f64) -> bool {
    sd.is_nan() || sd <= CONSTANT * mean.abs()
}

/// Standardises each column of `x` in place, `x' = (x - mean) / sd`, except the columns marked in
/// `skip` (already standardised). The statistics are computed in f64 from the f32 values, whose
/// squares f64 always holds. A constant column becomes all zeros: it carries no information and
/// must not blow up to inf. The matrix is walked row by row (one pass for the statistics, one to
/// apply them), which keeps a large row-major matrix in cache order. Returns each column's mean
/// and standard deviation (0 for a constant column), so that `x = x' sd + mean`.
pub fn standardise_columns(x: &mut Array2<f32>, skip: &[bool]) -> Vec<(f64, f64)> {
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
        .map(|(&mean, m2)| {
            let sd = (m2 / n).sqrt();
            if is_constant(mean, sd) {
                0.0
            } else {
                1.0 / sd
            }
        })
        .collect();
    for mut row in x.axis_iter_mut(Axis(0)) {
        for (c, v) in row.iter_mut().enumerate() {
            if !skip.get(c).copied().unwrap_or(false) {
                *v = ((f64::from(*v) - mean[c]) * scale[c]) as f32;
            }
        }
    }
    mean.into_iter()
        .zip(scale)
        .map(|(m, s)| (m, if s > 0.0 { 1.0 / s } else { 0.0 }))
        .collect()
}

/// Mean and standard deviation of f64 values of any size. The values are first divided by the
/// power of two at or below their largest magnitude, so that `d * d` in Welford's update neither
/// overflows (values near 1e300) nor underflows to zero (values near 1e-300); dividing by a power
/// of two is exact, so ordinary values get exactly the statistics they would unscaled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// A power of two at or below the largest magnitude (1 when every value is 0).
    scale: f64,
    /// Mean of the scaled values.
    mean: f64,
    /// Population standard deviation of the scaled values.
    sd: f64,
}

impl Moments {
    /// The moments of `values` (finite); zero for none. The values are walked twice (the
    /// largest, then the moments), so a column need not be copied out to be measured.
    pub fn of(values: impl IntoIterator<Item = f64, IntoIter: Clone>) -> Self {
        let values = values.into_iter();
        let largest = values.clone().fold(0f64, |m, v| m.max(v.abs()));
        let scale = if largest > 0.0 && largest.is_finite() {
            // 2^e for the exponent e of `largest` (2^-1022 for a subnormal one).
            f64::from_bits(((largest.to_bits() >> 52) & 0x7ff).max(1) << 52)
        } else {
            1.0
        };
        let (mut n, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
        for v in values {
            let v = v / scale;
            n += 1.0;
            let d = v - mean;
            mean += d / n;
            m2 += d * (v - mean);
        }
        let sd = if n > 0.0 { (m2 / n).sqrt() } else { 0.0 };
        Moments { scale, mean, sd }
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        self.mean * self.scale
    }

    /// The population standard deviation.
    pub fn sd(&self) -> f64 {
        self.sd * self.scale
    }

    /// Whether the values are all the same (up to rounding).
    pub fn is_constant(&self) -> bool {
        is_constant(self.mean, self.sd)
    }

    /// `(v - mean) / sd`, computed on the scaled value; 0 for a constant column.
    pub fn standardise(&self, v: f64) -> f64 {
        if self.is_constant() {
            0.0
        } else {
            (v / self.scale - self.mean) / self.sd
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn columns_get_mean_zero_sd_one() {
        let mut x = array![[1.0f32, 5.0, 9.0], [2.0, 5.0, 9.0], [3.0, 5.0, 9.0]];
        standardise_columns(&mut x, &[false, false, true]);
        let s = (2.0f32 / 3.0).sqrt();
        assert!((x[[0, 0]] + 1.0 / s).abs() < 1e-6);
        assert_eq!(x[[1, 0]], 0.0);
        assert!((x[[2, 0]] - 1.0 / s).abs() < 1e-6);
        assert_eq!(x.column(1).to_vec(), [0.0, 0.0, 0.0]);
        assert_eq!(x.column(2).to_vec(), [9.0, 9.0, 9.0]);
    }

    #[test]
    fn tiny_values_are_a_column_not_a_constant() {
        let mut x = array![[1e-20f32], [2e-20], [3e-20]];
        standardise_columns(&mut x, &[]);
        assert!(x[[0, 0]] < -1.0 && x[[2, 0]] > 1.0, "{x}");
    }

    #[test]
    fn moments_hold_at_the_ends_of_f64() {
        for base in [1e299, 1e-300, 1.0, -1e300] {
            let v = [base, 2.0 * base, 3.0 * base, 4.0 * base];
            let m = Moments::of(v);
            assert!(!m.is_constant());
            assert!((m.mean() / (2.5 * base) - 1.0).abs() < 1e-12, "{base}");
            assert!(
                (m.sd() / (1.25f64.sqrt() * base.abs()) - 1.0).abs() < 1e-12,
                "{base}"
            );
            let z: Vec<f64> = v.iter().map(|&x| m.standardise(x)).collect();
            let s = 1.0 / 1.25f64.sqrt();
            let expected = [-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s];
            let expected = if base < 0.0 {
                expected.map(|e| -e)
            } else {
                expected
            };
            for (z, e) in z.iter().zip(expected) {
                assert!((z - e).abs() < 1e-12, "{base}: {z} vs {e}");
            }
        }
        assert!(Moments::of([7e-300; 5]).is_constant());
        assert!(Moments::of([0.0; 3]).is_constant());
        assert_eq!(Moments::of([]).mean(), 0.0);
    }

    #[test]
    fn welford_matches_two_pass() {
        let v = [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0, 1e9 + 4.0];
        let m = Moments::of(v);
        assert!((m.mean() - (1e9 + 2.5)).abs() < 1e-6);
        assert!((m.sd() - 1.25f64.sqrt()).abs() < 1e-9);
    }
}
