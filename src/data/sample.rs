//! Sampling a large file as it streams past: a reservoir of a fixed number of rows, each row of the
//! file equally likely to be in it, and the same rows for the same seed. Li's Algorithm L ("Reservoir
//! sampling algorithms of time complexity O(n(1 + log(N/n)))", 1994) says in advance how many
//! rows to pass over before the next one enters, so rows that are not kept are never parsed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Message, Setting};

/// The rows that enter the reservoir after it has been filled with rows `0..size`.
#[derive(Debug, Clone)]
pub struct Reservoir {
    size: usize,
    rng: ChaCha8Rng,
    /// Algorithm L's running weight: the largest of `size` uniform draws among the rows so far.
    w: f64,
    next: u64,
}

impl Reservoir {
    /// A reservoir of `size` rows (at least 1), whose first `size` rows are rows `0..size`.
    pub fn new(size: usize, seed: u64) -> Self {
        assert!(size > 0, "a reservoir holds at least one row");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // A stream of its own, apart from those of the split and the batches.
        rng.set_stream(3);
        let mut reservoir = Reservoir {
            size,
            rng,
            w: 1.0,
            next: size as u64 - 1,
        };
        reservoir.w = reservoir.shrink();
        reservoir.advance();
        reservoir
    }

    /// The index (0-based, among all rows) of the next row that enters the reservoir.
    pub fn next(&self) -> u64 {
        self.next
    }

    /// Row [`next`](Self::next) enters: returns the slot (in `0..size`) whose row it replaces,
    /// and picks the row after it.
    pub fn take(&mut self) -> usize {
        let slot = self.rng.random_range(0..self.size);
        self.w *= self.shrink();
        self.advance();
        slot
    }

    /// A uniform draw in (0, 1].
    fn uniform(&mut self) -> f64 {
        1.0 - self.rng.random::<f64>()
    }

    /// `u^(1/size)` for a uniform `u`: the factor by which the weight falls at each entry.
    fn shrink(&mut self) -> f64 {
        (self.uniform().ln() / self.size as f64).exp()
    }

    /// Skips a geometric number of rows, `floor(ln u / ln(1 - w))`, to the next one that enters.
    fn advance(&mut self) {
        let skip = (self.uniform().ln() / (-self.w).ln_1p()).floor();
        // `as` saturates: a skip past u64::MAX is past the end of any file.
        self.next = self.next.saturating_add(skip as u64).saturating_add(1);
    }
}

/// The rows (0-based, in order) a reservoir of `size` keeps out of `n` rows: the rows a file of `n`
/// data rows streamed past the reservoir leaves in it. A file that says up front how many rows it
/// holds (Parquet, Arrow) gets the same sample this way as the same table read from a CSV with
/// the same seed, without reading the rows that are not kept.
pub fn kept_rows(n: u64, size: usize, seed: u64) -> Vec<u64> {
    let mut kept: Vec<u64> = (0..size as u64).collect();
    let mut r = Reservoir::new(size, seed);
    while r.next() < n {
        let row = r.next();
        kept[r.take()] = row;
    }
    kept.sort_unstable();
    kept
}

/// The summary's note on a sampled file.
pub fn note(rows_in_file: u64, size: usize) -> Message {
    Message::new(format!(
        "the file has {rows_in_file} data rows: a random sample of {size} is used (seeded by "
    ))
    .setting(Setting::Seed)
    .text("); set ")
    .setting(Setting::MaxRows)
    .text(" to use more")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(size: usize, n: u64, seed: u64) -> Vec<u64> {
        kept_rows(n, size, seed)
    }

    #[test]
    fn keeps_distinct_rows_the_same_for_a_seed() {
        let a = sample(100, 100_000, 7);
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && a[99] < 100_000);
        assert_eq!(sample(100, 100_000, 7), a);
        assert_ne!(sample(100, 100_000, 8), a);
    }

    #[test]
    fn every_row_is_equally_likely() {
        // 10 of 50 rows, 20,000 times: each row is kept with probability 1/5, 4,000 times on
        // average with a standard deviation of about 57; 6 deviations is far outside chance.
        let mut counts = [0u32; 50];
        for seed in 0..20_000 {
            for row in sample(10, 50, seed) {
                counts[row as usize] += 1;
            }
        }
        for (row, &c) in counts.iter().enumerate() {
            assert!((3_660..=4_340).contains(&c), "row {row}: {c}");
        }
    }
}
