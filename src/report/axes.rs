//! Axis ticks for lrfind's pictures (the PNG/SVG and the terminal plot): the learning rate on a
//! log10 axis labelled as powers of ten (`10⁻³`, superscripts that DejaVu Sans and terminals
//! draw), and the loss at round values carrying just the decimals their spacing needs (`0.5`, not
//! `0.500`).

/// One tick: where it sits on the axis and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// The position, in the axis' units (log10 LR, or loss).
    pub at: f64,
    /// The label.
    pub label: String,
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `10^k` written with a superscript exponent: `10⁻³`, `10⁰`, `10¹`.
pub fn power_of_ten(k: i32) -> String {
    let mut s = String::from("10");
    if k < 0 {
        s.push('⁻');
    }
    for d in k.unsigned_abs().to_string().bytes() {
        s.push(SUPERSCRIPT[(d - b'0') as usize]);
    }
    s
}

/// Ticks for a log10-LR axis from `a` to `b`: every decade when at least three fit (every second
/// or fifth on a very wide axis), else the multiples 1, 2 and 5 of a power of ten (all of 1..9
/// on an axis narrower than a decade), labelled `2×10⁻³`. An axis at least half a decade
/// wide gets at least one tick.
pub fn lr_ticks(a: f64, b: f64) -> Vec<Tick> {
    let decades: Vec<i32> = (a.ceil() as i32..=b.floor() as i32).collect();
    if decades.len() >= 3 {
        let every = match decades.len() {
            0..=13 => 1,
            14..=26 => 2,
            _ => 5,
        };
        return decades
            .into_iter()
            .filter(|k| k.rem_euclid(every) == 0)
            .map(|k| Tick {
                at: k as f64,
                label: power_of_ten(k),
            })
            .collect();
    }
    let multiples: &[u32] = if b - a < 1.0 {
        &[1, 2, 3, 4, 5, 6, 7, 8, 9]
    } else {
        &[1, 2, 5]
    };
    let mut ticks = Vec::new();
    for k in (a.floor() as i32)..=(b.ceil() as i32) {
        for &m in multiples {
            let at = (m as f64).log10() + k as f64;
            if at >= a - 1e-9 && at <= b + 1e-9 {
                let label = match m {
                    1 => power_of_ten(k),
                    _ => format!("{m}×{}", power_of_ten(k)),
                };
                ticks.push(Tick { at, label });
            }
        }
    }
    ticks
}

/// The faint gridlines of a log10-LR axis from `a` to `b`: 2..9 times each power of ten.
pub fn lr_minor(a: f64, b: f64) -> Vec<f64> {
    let mut out = Vec::new();
    for k in (a.floor() as i32)..=(b.ceil() as i32) {
        for m in 2..=9 {
            let at = (m as f64).log10() + k as f64;
            if at > a && at < b {
                out.push(at);
            }
        }
    }
    out
}

/// A round step near `span / count`: 1, 2 or 5 times a power of ten.
pub fn nice_step(span: f64, count: usize) -> f64 {
    let raw = span / count.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = match raw / magnitude {
        r if r <= 1.0 => 1.0,
        r if r <= 2.0 => 2.0,
        r if r <= 5.0 => 5.0,
        _ => 10.0,
    };
    m * magnitude
}

/// The decimals a round `step` needs: none for 1, 5 or 20, one for 0.5, two for 0.05.
pub fn decimals(step: f64) -> usize {
    (-(step.log10() + 1e-9).floor()).max(0.0) as usize
}

/// About `count` ticks at round values from `lo` to `hi`, all with the same decimals, as many as
/// the spacing needs.
pub fn linear_ticks(lo: f64, hi: f64, count: usize) -> Vec<Tick> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let step = nice_step(hi - lo, count);
    let places = decimals(step);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|i| {
            let at = i as f64 * step;
            // -0.0 prints as "-0".
            let label = format!("{:.*}", places, if at == 0.0 { 0.0 } else { at });
            Tick { at, label }
        })
        .collect()
}

/// Halfway between consecutive ticks: the faint gridlines of a linear axis.
pub fn midpoints(ticks: &[Tick]) -> Vec<f64> {
    ticks
        .windows(2)
        .map(|w| 0.5 * (w[0].at + w[1].at))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[Tick]) -> Vec<&str> {
        ticks.iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn powers_of_ten_are_superscripts() {
        assert_eq!(power_of_ten(-3), "10⁻³");
        assert_eq!(power_of_ten(0), "10⁰");
        assert_eq!(power_of_ten(12), "10¹²");
    }

    #[test]
    fn decades_when_two_fit_else_multiples() {
        assert_eq!(
            labels(&lr_ticks(-6.0, 1.0)),
            ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"]
        );
        let wide = lr_ticks(-20.0, 5.0);
        assert_eq!(wide.len(), 13, "{:?}", labels(&wide));
        // Less than two decades: 1, 2 and 5 times a power of ten.
        assert_eq!(
            labels(&lr_ticks(-6.0, -5.0)),
            ["10⁻⁶", "2×10⁻⁶", "5×10⁻⁶", "10⁻⁵"]
        );
        assert_eq!(labels(&lr_ticks(-3.2, -2.1)), ["10⁻³", "2×10⁻³", "5×10⁻³"]);
        // Half a decade between two powers of ten still gets ticks.
        assert_eq!(labels(&lr_ticks(3.05, 3.55)), ["2×10³", "3×10³"]);
        assert_eq!(lr_minor(-1.0, 0.0).len(), 8);
    }

    #[test]
    fn loss_ticks_carry_the_decimals_their_step_needs() {
        assert_eq!(
            labels(&linear_ticks(0.0, 3.6, 8)),
            ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5"]
        );
        assert_eq!(
            labels(&linear_ticks(0.0, 7.5, 8)),
            ["0", "1", "2", "3", "4", "5", "6", "7"]
        );
        assert_eq!(
            labels(&linear_ticks(0.52, 0.61, 5)),
            ["0.52", "0.54", "0.56", "0.58", "0.60"]
        );
        assert_eq!(
            labels(&linear_ticks(-0.1, 0.1, 4)),
            ["-0.10", "-0.05", "0.00", "0.05", "0.10"]
        );
        assert_eq!(
            labels(&linear_ticks(100.0, 400.0, 4)),
            ["100", "200", "300", "400"]
        );
        assert!(linear_ticks(1.0, 1.0, 5).is_empty());
        assert_eq!([decimals(0.05), decimals(0.5), decimals(5.0)], [2, 1, 0]);
    }
}
