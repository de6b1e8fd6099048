//! Class-stratified k-fold assignment (no spatial blocking: for samples that are already
//! independent, such as series from separate fields or a benchmark's table).

use crate::error::{DataError, Result};
use rand::seq::SliceRandom;

/// The fold (`0..k`) of every sample: each class's samples are shuffled with `seed` and dealt
/// round-robin, so every fold holds `n_c / k` (rounded) of every class `c`, and every class is
/// on the training side of every fold.
///
/// A class with fewer samples than `k` is an error (some fold would train without it).
///
/// ```
/// use terradl_data::sampling::stratified_folds;
/// let labels = [0, 0, 0, 1, 1, 1, 1, 0];
/// let folds = stratified_folds(&labels, 2, 7).unwrap();
/// for k in 0..2 {
///     let in_fold = |c| labels.iter().zip(&folds).filter(|&(&l, &f)| l == c && f == k).count();
///     assert_eq!((in_fold(0), in_fold(1)), (2, 2));
/// }
/// assert!(stratified_folds(&labels, 5, 7).is_err());
/// ```
pub fn stratified_folds(labels: &[u32], k: usize, seed: u64) -> Result<Vec<usize>> {
    if k < 2 {
        return Err(DataError::Invalid(format!("{k} folds: need at least 2")));
    }
    let mut by_class: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, &l) in labels.iter().enumerate() {
        by_class.entry(l).or_default().push(i);
    }
    let mut rng = super::rng(seed);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for (class, mut members) in by_class {
        if members.len() < k {
            return Err(DataError::Invalid(format!("class {class} has {} samples, fewer than the {k} folds", members.len())));
        }
        members.shuffle(&mut rng);
        // Continue the deal where the previous class stopped, so fold sizes stay even.
        for i in members {
            fold[i] = next;
            next = (next + 1) % k;
        }
    }
    Ok(fold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_per_class_and_seeded() {
        let labels: Vec<u32> = (0..103).map(|i| (i % 3) as u32).collect();
        let a = stratified_folds(&labels, 5, 1).unwrap();
        assert_eq!(a, stratified_folds(&labels, 5, 1).unwrap());
        assert_ne!(a, stratified_folds(&labels, 5, 2).unwrap());
        for c in 0..3 {
            let sizes: Vec<usize> = (0..5).map(|f| labels.iter().zip(&a).filter(|&(&l, &g)| l == c && g == f).count()).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "class {c}: fold sizes {sizes:?}");
        }
        let totals: Vec<usize> = (0..5).map(|f| a.iter().filter(|&&g| g == f).count()).collect();
        assert!(totals.iter().max().unwrap() - totals.iter().min().unwrap() <= 1, "{totals:?}");
    }

    #[test]
    fn too_few_samples_or_folds_are_errors() {
        let e = stratified_folds(&[0, 0, 0, 1], 3, 1).unwrap_err().to_string();
        assert!(e.contains("class 1 has 1 samples"), "{e}");
        assert!(stratified_folds(&[0, 1], 1, 1).is_err());
    }
}
