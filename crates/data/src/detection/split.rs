//! Train/validation splits by image: chips of one image never land on both sides.

use rand::SeedableRng;
use rand::seq::SliceRandom;

/// Shuffle items (images) with `seed` and put `round(val_fraction * n)` of them
/// (at least one and at most n - 1 when n >= 2) into the validation set.
pub fn split_by_image<T>(mut items: Vec<T>, val_fraction: f32, seed: u64) -> (Vec<T>, Vec<T>) {
    let n = items.len();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    items.shuffle(&mut rng);
    let mut n_val = (val_fraction.clamp(0.0, 1.0) * n as f32).round() as usize;
    if n >= 2 && val_fraction > 0.0 {
        n_val = n_val.clamp(1, n - 1);
    }
    let val = items.split_off(n - n_val);
    (items, val)
}

/// Split named items into (train, held-out) by name: held out are those whose
/// name is in `held_out`.
pub fn split_by_name<T>(items: Vec<T>, name: impl Fn(&T) -> &str, held_out: &[&str]) -> (Vec<T>, Vec<T>) {
    items.into_iter().partition(|i| !held_out.contains(&name(i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_disjoint_and_deterministic() {
        let items: Vec<u32> = (0..10).collect();
        let (t, v) = split_by_image(items.clone(), 0.3, 7);
        assert_eq!((t.len(), v.len()), (7, 3));
        assert!(v.iter().all(|x| !t.contains(x)));
        assert_eq!(split_by_image(items, 0.3, 7).1, v);
        let (t, v) = split_by_image(vec![1, 2], 0.01, 1);
        assert_eq!((t.len(), v.len()), (1, 1));
        let (t, v) = split_by_name(vec!["a", "b", "c"], |s| s, &["b"]);
        assert_eq!((t, v), (vec!["a", "c"], vec!["b"]));
    }
}
