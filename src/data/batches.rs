//! Mini-batches from a seeded shuffle. Every pass over the rows is a fresh permutation; a pass
//! ends when fewer rows remain than a batch needs (those rows lead the next permutation's odds of
//! being picked like any other), so every batch has exactly `batch_size` rows and the training
//! step never reshapes its buffers.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Hands out batches of row indices, reshuffling at every pass.
#[derive(Debug, Clone)]
pub struct Batcher {
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
    passes: usize,
    rng: ChaCha8Rng,
}

impl Batcher {
    /// A batcher over `rows` rows (which must be at least `batch_size`, and `batch_size` at least 1).
    pub fn new(rows: usize, batch_size: usize, rng: ChaCha8Rng) -> Self {
        assert!(
            batch_size >= 1 && batch_size <= rows,
            "batch size out of range"
        );
        Self::over((0..rows).collect(), batch_size, rng)
    }

    /// A batcher over the given row indices.
    pub fn over(order: Vec<usize>, batch_size: usize, mut rng: ChaCha8Rng) -> Self {
        assert!(
            batch_size >= 1 && batch_size <= order.len(),
            "batch size out of range"
        );
        let mut order = order;
        order.shuffle(&mut rng);
        Batcher {
            order,
            batch_size,
            next: 0,
            passes: 0,
            rng,
        }
    }

    /// The next batch of row indices.
    pub fn next_batch(&mut self) -> &[usize] {
        if self.next + self.batch_size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.next = 0;
            self.passes += 1;
        }
        let start = self.next;
        self.next += self.batch_size;
        &self.order[start..self.next]
    }

    /// Batches in one pass over the rows.
    pub fn batches_per_pass(&self) -> usize {
        self.order.len() / self.batch_size
    }

    /// Completed reshuffles so far.
    pub fn passes(&self) -> usize {
        self.passes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_row_once_per_pass_and_reshuffled() {
        let mut b = Batcher::new(10, 3, ChaCha8Rng::seed_from_u64(1));
        assert_eq!(b.batches_per_pass(), 3);
        let mut first: Vec<usize> = (0..3).flat_map(|_| b.next_batch().to_vec()).collect();
        assert_eq!(b.passes(), 0);
        let second: Vec<usize> = (0..3).flat_map(|_| b.next_batch().to_vec()).collect();
        assert_eq!(b.passes(), 1);
        assert_ne!(first, second);
        first.sort();
        first.dedup();
        assert_eq!(first.len(), 9);
    }

    #[test]
    fn same_seed_same_batches() {
        let mut a = Batcher::new(50, 7, ChaCha8Rng::seed_from_u64(3));
        let mut b = Batcher::new(50, 7, ChaCha8Rng::seed_from_u64(3));
        for _ in 0..20 {
            assert_eq!(a.next_batch(), b.next_batch());
        }
    }
}
