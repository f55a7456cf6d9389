//! The agreement of several runs' suggestions: per rule, the median pick in log10 LR, and how
//! far the runs' headline picks spread: their whole range, and the interquartile range that the
//! unstable flag reads (the range only grows with more runs; the quartiles settle).

use serde::Serialize;

use super::rules::{Method, Suggestions};

/// The agreement of several runs' suggestions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consensus {
    /// Median of the runs' headline picks (in log10 LR), if any run gave one.
    pub headline: Option<f64>,
    /// Median of each rule's picks.
    pub by_method: Vec<(Method, f64)>,
    /// `log10(max) - log10(min)` of the headline picks (0 for a single run).
    pub spread_decades: Option<f64>,
    /// The interquartile range of the headline picks in log10 LR (see [`iqr_decades`]).
    pub iqr_decades: Option<f64>,
    /// How many runs gave a headline pick.
    pub agreeing_runs: usize,
}

/// Above this interquartile range of the runs' picks, in decades, a result is flagged unstable.
/// For the default three runs the interquartile range is half the whole range, so this is the
/// earlier rule "the picks spread over more than half a decade" there; unlike the whole range it
/// does not grow with the number of runs (1,000 runs of a steady curve have a wide range, from
/// their few outliers, and the same quartiles as 10).
pub const UNSTABLE_DECADES: f64 = 0.25;

/// Whether the interquartile range of the runs' picks (in decades) is too wide to trust one
/// number.
pub fn is_unstable(iqr_decades: Option<f64>) -> bool {
    iqr_decades.is_some_and(|s| s > UNSTABLE_DECADES)
}

/// Combines the suggestions of several runs: per rule, the median pick in log10 LR (for an even
/// count, the geometric mean of the middle two).
pub fn consensus(runs: &[Suggestions]) -> Consensus {
    let picks =
        |m: Method| -> Vec<f64> { runs.iter().filter_map(|s| s.get(m).map(|p| p.lr)).collect() };
    let heads: Vec<f64> = runs
        .iter()
        .filter_map(|s| s.headline.map(|h| h.lr))
        .collect();
    Consensus {
        headline: log_median(&heads),
        by_method: Method::ALL
            .iter()
            .filter_map(|&m| log_median(&picks(m)).map(|lr| (m, lr)))
            .collect(),
        spread_decades: spread_decades(&heads),
        iqr_decades: iqr_decades(&heads),
        agreeing_runs: heads.len(),
    }
}

/// Median of positive values in log10 space: for an odd count the middle value itself (exactly),
/// for an even count the geometric mean of the middle two; `None` for no values.
pub fn log_median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] * sorted[n / 2]).sqrt()),
    }
}

/// `log10(max / min)` of positive values; `None` for no values.
pub fn spread_decades(values: &[f64]) -> Option<f64> {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (!values.is_empty()).then(|| (hi / lo).log10())
}

/// The `q`-quantile (0 to 1) of sorted values, interpolated linearly between the order
/// statistics at rank `q (n - 1)` (R's and NumPy's default).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (rank - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The first quartile, the median and the third quartile of positive values, taken in log10
/// and interpolated linearly between the sorted values at rank `q (n - 1)` (R's and NumPy's
/// default); `None` for no values.
pub fn quartiles(values: &[f64]) -> Option<[f64; 3]> {
    let mut logs: Vec<f64> = values.iter().map(|v| v.log10()).collect();
    if logs.is_empty() {
        return None;
    }
    logs.sort_by(f64::total_cmp);
    Some([0.25, 0.5, 0.75].map(|q| 10f64.powf(quantile(&logs, q))))
}

/// The interquartile range of positive values in log10: the third quartile of `log10(v)` minus
/// the first (see [`quartiles`]); `None` for no values. Two or three values give half their
/// range; many values give the spread of their middle half, whatever their outliers.
pub fn iqr_decades(values: &[f64]) -> Option<f64> {
    quartiles(values).map(|[q1, _, q3]| (q3 / q1).log10())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::rules::suggest;
    use crate::curve::u_shape;
    use crate::curve::{Curve, Stop};

    #[test]
    fn consensus_takes_log_medians_and_spread() {
        assert_eq!(log_median(&[]), None);
        assert!((log_median(&[1e-3, 1e-1, 1e-2]).unwrap() - 1e-2).abs() < 1e-15);
        assert!((log_median(&[1e-3, 1e-1]).unwrap() - 1e-2).abs() < 1e-15);
        assert!((spread_decades(&[1e-3, 1e-1, 1e-2]).unwrap() - 2.0).abs() < 1e-12);
        let h = Curve::from_losses(&u_shape(), 0.1, Stop::Diverged { lr: 1.0 });
        let one = suggest(&h);
        let c = consensus(&[one.clone(), one.clone(), one.clone()]);
        assert_eq!(c.headline, one.headline.map(|s| s.lr));
        assert_eq!(c.spread_decades, Some(0.0));
        assert_eq!(c.iqr_decades, Some(0.0));
        assert_eq!(c.agreeing_runs, 3);
        assert_eq!(c.by_method.len(), 3);
    }

    #[test]
    fn the_interquartile_range_by_hand() {
        assert_eq!(iqr_decades(&[]), None);
        assert_eq!(iqr_decades(&[1e-3]), Some(0.0));
        // Three picks: quartiles halfway between the middle one and either end.
        let three = iqr_decades(&[1e-3, 1e-2, 1e-1]).unwrap();
        assert!((three - 1.0).abs() < 1e-12, "{three}");
        // 1..=9 in log10 units: quartiles at ranks 2 and 6, values 3 and 7.
        let nine: Vec<f64> = (1..=9).map(|k| 10f64.powi(k)).collect();
        assert!((iqr_decades(&nine).unwrap() - 4.0).abs() < 1e-12);
        let [q1, median, q3] = quartiles(&nine).unwrap();
        assert!((q1 / 1e3 - 1.0).abs() < 1e-12 && (median / 1e5 - 1.0).abs() < 1e-12);
        assert!((q3 / 1e7 - 1.0).abs() < 1e-12);
    }

    /// The unstable flag does not grow with the number of runs: 1,000 picks whose middle half
    /// spans a tenth of a decade are steady, however far their two outliers lie; the whole
    /// range would call them unstable.
    #[test]
    fn many_runs_with_a_few_outliers_are_not_unstable() {
        let mut picks: Vec<f64> = (0..998)
            .map(|i| 10f64.powf(-3.0 + 0.2 * (i as f64 / 997.0 - 0.5)))
            .collect();
        picks.extend([1e-5, 1e-1]);
        assert!(spread_decades(&picks).unwrap() > 3.9);
        let iqr = iqr_decades(&picks).unwrap();
        assert!((iqr - 0.1).abs() < 0.01, "{iqr}");
        assert!(!is_unstable(Some(iqr)));
        // Three runs spread over more than half a decade still are.
        assert!(is_unstable(iqr_decades(&[1e-3, 2e-3, 4e-3])));
        assert!(!is_unstable(iqr_decades(&[1e-3, 1.5e-3, 3e-3])));
    }
}
