//! The agreement of several runs' suggestions: per rule, the median pick in log10 LR, and how
//! far the runs' headline picks spread.

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
    /// How many runs gave a headline pick.
    pub agreeing_runs: usize,
}

/// Above this spread of the runs' picks, in decades, a result is flagged unstable.
pub const UNSTABLE_DECADES: f64 = 0.5;

/// Whether a spread of the runs' picks (in decades) is too wide to trust one number.
pub fn is_unstable(spread_decades: Option<f64>) -> bool {
    spread_decades.is_some_and(|s| s > UNSTABLE_DECADES)
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
        assert_eq!(c.agreeing_runs, 3);
        assert_eq!(c.by_method.len(), 3);
    }
}
