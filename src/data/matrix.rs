//! The feature matrix: every kept row encoded (numbers as they are, booleans as 0/1, a filled
//! value plus its indicator, categories one-hot), then each column standardised. It is built
//! inside the table's own buffer, so the loader never holds two full matrices. A column with
//! numbers beyond f32's range is standardised from its f64 values before it is stored.

use ndarray::Array2;

use super::csv::Table;
use super::levels::MISSING_LEVEL;
use super::missing::Kept;
use super::plan::Plan;
use super::scale::{standardise_columns, Moments};

/// Encodes row `r` of the table, whose cells are `cells`, into `out` (one entry per input).
fn encode_row(plans: &[Plan], cells: &[f32], r: usize, out: &mut [f32]) {
    let mut j = 0;
    for (c, plan) in plans.iter().enumerate() {
        match plan {
            Plan::Numeric {
                truth,
                levels,
                fill,
            } => {
                let v = match (truth, levels) {
                    (Some(truth), Some(levels)) => match levels.rows[r] {
                        MISSING_LEVEL => f32::NAN,
                        l => truth[l as usize],
                    },
                    _ => cells[c],
                };
                match fill {
                    Some(fill) => {
                        let missing = v.is_nan();
                        out[j] = if missing { *fill as f32 } else { v };
                        out[j + 1] = f32::from(u8::from(missing));
                        j += 2;
                    }
                    None => {
                        out[j] = v;
                        j += 1;
                    }
                }
            }
            Plan::Categorical {
                levels,
                missing_level,
            } => {
                let k = levels.names.len() + usize::from(*missing_level);
                out[j..j + k].fill(0.0);
                match levels.rows[r] {
                    MISSING_LEVEL => out[j + levels.names.len()] = 1.0,
                    l => out[j + l as usize] = 1.0,
                }
                j += k;
            }
            Plan::Label | Plan::Dropped(_) => {}
        }
    }
}

/// Builds the standardised `n x width` feature matrix inside the table's buffer. Rows are first
/// compacted (dropped rows squeezed out, width unchanged) front to back; then each row is encoded
/// into its final width, front to back when the matrix is narrower than the table and back to
/// front when wider, so no row is overwritten before it has been read. Returns the matrix and each
/// column's mean and standard deviation before standardisation (0 for a constant column).
pub fn build_matrix(
    table: &mut Table,
    plans: &[Plan],
    kept: &Kept,
    width: usize,
) -> (Array2<f32>, Vec<(f64, f64)>) {
    let cols = table.cols();
    let n = kept.count();
    let mut values = std::mem::take(&mut table.values);
    let mut scratch = vec![0f32; cols];
    let mut out = vec![0f32; width];
    // The common case, numbers only and nothing to fill: each output is a copy of one input.
    let copies: Option<Vec<usize>> = plans
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_used())
        .map(|(c, p)| {
            matches!(
                p,
                Plan::Numeric {
                    truth: None,
                    fill: None,
                    ..
                }
            )
            .then_some(c)
        })
        .collect();
    if let Some(copies) = copies {
        for (k, r) in kept.rows().enumerate() {
            scratch.copy_from_slice(&values[r * cols..(r + 1) * cols]);
            for (o, &c) in values[k * width..(k + 1) * width].iter_mut().zip(&copies) {
                *o = scratch[c];
            }
        }
    } else if width <= cols {
        for (k, r) in kept.rows().enumerate() {
            scratch.copy_from_slice(&values[r * cols..(r + 1) * cols]);
            encode_row(plans, &scratch, r, &mut out);
            values[k * width..(k + 1) * width].copy_from_slice(&out);
        }
    } else {
        for (k, r) in kept.rows().enumerate() {
            values.copy_within(r * cols..(r + 1) * cols, k * cols);
        }
        let len = (n * width).max(values.len());
        values.reserve_exact(len - values.len());
        values.resize(len, 0.0);
        let mut k = n;
        for r in kept.rows().rev() {
            k -= 1;
            scratch.copy_from_slice(&values[k * cols..(k + 1) * cols]);
            encode_row(plans, &scratch, r, &mut out);
            values[k * width..(k + 1) * width].copy_from_slice(&out);
        }
    }
    values.truncate(n * width);
    values.shrink_to_fit();
    let mut x = Array2::from_shape_vec((n, width), values).expect("n * width values");
    let wide = standardise_wide(table, plans, kept, &mut x);
    let skip: Vec<bool> = wide.iter().map(Option::is_some).collect();
    let mut moments = standardise_columns(&mut x, &skip);
    for (j, m) in wide.iter().enumerate() {
        if let Some(m) = m {
            moments[j] = (m.mean(), if m.is_constant() { 0.0 } else { m.sd() });
        }
    }
    (x, moments)
}

/// Writes each wide column (one holding numbers beyond f32's range) into `x` standardised in f64,
/// where its values are, so that only numbers near 1 are rounded to f32. Returns the moments of
/// the inputs it wrote.
fn standardise_wide(
    table: &Table,
    plans: &[Plan],
    kept: &Kept,
    x: &mut Array2<f32>,
) -> Vec<Option<Moments>> {
    let mut done = vec![None; x.ncols()];
    let mut j = 0;
    for (c, plan) in plans.iter().enumerate() {
        if let Plan::Numeric {
            truth: None, fill, ..
        } = plan
        {
            if table.is_wide(c) {
                let values: Vec<f64> = kept
                    .rows()
                    .map(|r| {
                        let v = table.number(r, c);
                        match fill {
                            Some(fill) if v.is_nan() => *fill,
                            _ => v,
                        }
                    })
                    .collect();
                let moments = Moments::of(values.iter().copied());
                for (k, v) in values.into_iter().enumerate() {
                    x[[k, j]] = moments.standardise(v) as f32;
                }
                done[j] = Some(moments);
            }
        }
        j += plan.width();
    }
    done
}
