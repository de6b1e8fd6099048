//! Spatially blocked k-fold cross-validation.
//!
//! The raster is cut into square blocks of `block_size` pixels. Each block
//! holding samples is assigned to exactly one fold; fold *k*'s test set is
//! the samples in its blocks and its training set all other samples. So no
//! block contributes to both the training and the test set of a fold, and
//! every sample is tested exactly once. Blocks are shuffled with the seed,
//! then assigned greedily (largest first) to the fold with the fewest
//! samples, which balances fold sizes.

use crate::error::{DataError, Result};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Configuration of blocked k-fold CV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedKFold {
    /// Block side in pixels.
    pub block_size: usize,
    /// Number of folds (at least 2).
    pub k: usize,
    /// Seed of the random assignment of blocks to folds.
    pub seed: u64,
}

/// One fold: sample indices (positions in the `pixels` slice given to
/// [`BlockedKFold::folds`]) for training and test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Training sample indices.
    pub train: Vec<usize>,
    /// Test sample indices.
    pub test: Vec<usize>,
}

impl BlockedKFold {
    /// Block (block_row, block_col) of a row-major pixel index.
    pub fn block_of(&self, pixel: usize, cols: usize) -> (usize, usize) {
        (pixel / cols / self.block_size, pixel % cols / self.block_size)
    }

    /// Fold number of each sample; `pixels` are row-major indices on a grid
    /// with `cols` columns.
    pub fn assign(&self, pixels: &[usize], cols: usize) -> Result<Vec<usize>> {
        if self.k < 2 || self.block_size == 0 || cols == 0 {
            return Err(DataError::Invalid(format!(
                "blocked k-fold needs k >= 2 and block size >= 1 (k = {}, block size = {})",
                self.k, self.block_size
            )));
        }
        let mut blocks: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for &p in pixels {
            *blocks.entry(self.block_of(p, cols)).or_default() += 1;
        }
        if blocks.len() < self.k {
            return Err(DataError::Invalid(format!(
                "only {} blocks hold samples, fewer than {} folds: use smaller blocks",
                blocks.len(),
                self.k
            )));
        }
        let mut order: Vec<((usize, usize), usize)> = blocks.into_iter().collect();
        order.shuffle(&mut super::rng(self.seed));
        order.sort_by(|a, b| b.1.cmp(&a.1)); // stable: ties keep the shuffled order
        let mut load = vec![0usize; self.k];
        let mut fold_of = BTreeMap::new();
        for (block, n) in order {
            let f = (0..self.k).min_by_key(|&f| (load[f], f)).expect("k >= 2");
            load[f] += n;
            fold_of.insert(block, f);
        }
        Ok(pixels.iter().map(|&p| fold_of[&self.block_of(p, cols)]).collect())
    }

    /// The k folds.
    pub fn folds(&self, pixels: &[usize], cols: usize) -> Result<Vec<Fold>> {
        let fold = self.assign(pixels, cols)?;
        Ok((0..self.k)
            .map(|k| {
                let (test, train): (Vec<usize>, Vec<usize>) = (0..pixels.len()).partition(|&i| fold[i] == k);
                Fold { train, test }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        #[test]
        fn no_block_in_both_train_and_test(
            cols in 1usize..60,
            raw in proptest::collection::btree_set(0usize..3600, 10..300),
            block in 1usize..12,
            k in 2usize..6,
            seed in any::<u64>(),
        ) {
            let pixels: Vec<usize> = raw.into_iter().collect();
            let cv = BlockedKFold { block_size: block, k, seed };
            match cv.folds(&pixels, cols) {
                Err(_) => {
                    let blocks: BTreeSet<_> = pixels.iter().map(|&p| cv.block_of(p, cols)).collect();
                    prop_assert!(blocks.len() < k);
                }
                Ok(folds) => {
                    prop_assert_eq!(folds.len(), k);
                    let mut tested = vec![0usize; pixels.len()];
                    for f in &folds {
                        prop_assert_eq!(f.train.len() + f.test.len(), pixels.len());
                        let test_blocks: BTreeSet<_> = f.test.iter().map(|&i| cv.block_of(pixels[i], cols)).collect();
                        for &i in &f.train {
                            prop_assert!(!test_blocks.contains(&cv.block_of(pixels[i], cols)));
                        }
                        for &i in &f.test { tested[i] += 1; }
                        prop_assert!(!f.test.is_empty());
                    }
                    prop_assert!(tested.iter().all(|&t| t == 1));
                }
            }
        }
    }

    #[test]
    fn seeded_and_balanced() {
        let pixels: Vec<usize> = (0..100 * 100).step_by(7).collect();
        let cv = BlockedKFold { block_size: 10, k: 5, seed: 42 };
        let a = cv.assign(&pixels, 100).unwrap();
        assert_eq!(a, cv.assign(&pixels, 100).unwrap());
        let sizes: Vec<usize> = (0..5).map(|k| a.iter().filter(|&&f| f == k).count()).collect();
        let (mn, mx) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(mx - mn <= 15, "{sizes:?}");
        assert!(BlockedKFold { block_size: 1000, k: 5, seed: 0 }.assign(&pixels, 100).is_err());
    }
}
