//! Per-object sampling: split labelled objects (polygons) between training
//! and test, stratified by class, so that all pixels of an object land on
//! the same side; and cap the pixels drawn from each object.

use crate::error::{DataError, Result};
use crate::labelled_image::UNLABELLED;
use rand::seq::SliceRandom;
use std::collections::BTreeMap;

/// Pixels of the training and test objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSplit {
    /// Pixel indices of the training objects.
    pub train: Vec<usize>,
    /// Pixel indices of the test objects.
    pub test: Vec<usize>,
    /// Ids of the training objects.
    pub train_objects: Vec<u32>,
    /// Ids of the test objects.
    pub test_objects: Vec<u32>,
}

/// Split objects per class: of each class's objects, `round(n * test_fraction)`
/// (at least 1 when the class has 2 or more objects, 0 when it has one) go
/// to test. Every labelled pixel of `objects`/`labels` is returned on one side.
/// An object's class is the label of its first pixel.
pub fn object_split(objects: &[u32], labels: &[u32], test_fraction: f64, seed: u64) -> Result<ObjectSplit> {
    if objects.len() != labels.len() {
        return Err(DataError::Invalid("objects and labels differ in length".into()));
    }
    if !(0.0..1.0).contains(&test_fraction) {
        return Err(DataError::Invalid(format!("test fraction {test_fraction} is not in [0, 1)")));
    }
    let mut class_of: BTreeMap<u32, u32> = BTreeMap::new();
    for (&o, &l) in objects.iter().zip(labels) {
        if o != UNLABELLED && l != UNLABELLED {
            class_of.entry(o).or_insert(l);
        }
    }
    let mut by_class: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (&o, &c) in &class_of {
        by_class.entry(c).or_default().push(o);
    }
    let mut rng = super::rng(seed);
    let mut test_objects = Vec::new();
    for (_, mut objs) in by_class {
        objs.shuffle(&mut rng);
        let n = test_quota(objs.len(), test_fraction);
        test_objects.extend_from_slice(&objs[..n]);
    }
    Ok(assemble(objects, labels, class_of.keys().copied(), test_objects))
}

/// Test objects of a class with `n` objects: `round(n * test_fraction)`, at least 1 when
/// `n >= 2`, never all of them.
fn test_quota(n: usize, test_fraction: f64) -> usize {
    if n < 2 { 0 } else { ((n as f64 * test_fraction).round() as usize).clamp(1, n - 1) }
}

/// The split with `test_objects` held out of `all_objects`: every labelled pixel on its
/// object's side.
fn assemble(objects: &[u32], labels: &[u32], all_objects: impl Iterator<Item = u32>, mut test_objects: Vec<u32>) -> ObjectSplit {
    test_objects.sort_unstable();
    let train_objects: Vec<u32> = all_objects.filter(|o| test_objects.binary_search(o).is_err()).collect();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (i, &o) in objects.iter().enumerate() {
        if o == UNLABELLED || labels[i] == UNLABELLED {
            continue;
        }
        if test_objects.binary_search(&o).is_ok() { test.push(i) } else { train.push(i) }
    }
    ObjectSplit { train, test, train_objects, test_objects }
}

/// Spatially blocked per-object split: the image is cut into square blocks of
/// `block_size` pixels, each object belongs to the block holding its centroid, and whole
/// blocks go to test (in seeded random order) while they keep every class at or under its
/// test quota, `round(n * test_fraction)` (at least 1 for a class with 2 or more objects,
/// never all of them). Test objects then lie in blocks holding no training object, so the
/// test figures are not inflated by spatial autocorrelation between neighbouring polygons.
/// A class whose blocks all overflow its quota may get no test object; check
/// [`ObjectSplit::test_objects`].
pub fn object_split_blocked(
    objects: &[u32],
    labels: &[u32],
    cols: usize,
    block_size: usize,
    test_fraction: f64,
    seed: u64,
) -> Result<ObjectSplit> {
    if objects.len() != labels.len() || cols == 0 || objects.len() % cols != 0 {
        return Err(DataError::Invalid("objects and labels must cover the same whole rows".into()));
    }
    if block_size == 0 {
        return Err(DataError::Invalid("split block size must be at least 1 pixel".into()));
    }
    if !(0.0..1.0).contains(&test_fraction) {
        return Err(DataError::Invalid(format!("test fraction {test_fraction} is not in [0, 1)")));
    }
    // Class and centroid of each object.
    let mut acc: BTreeMap<u32, (u32, f64, f64, f64)> = BTreeMap::new();
    for (i, (&o, &l)) in objects.iter().zip(labels).enumerate() {
        if o != UNLABELLED && l != UNLABELLED {
            let e = acc.entry(o).or_insert((l, 0.0, 0.0, 0.0));
            e.1 += (i / cols) as f64;
            e.2 += (i % cols) as f64;
            e.3 += 1.0;
        }
    }
    let mut per_class: BTreeMap<u32, usize> = BTreeMap::new();
    let mut blocks: BTreeMap<(usize, usize), Vec<(u32, u32)>> = BTreeMap::new();
    for (&o, &(c, r, k, n)) in &acc {
        *per_class.entry(c).or_default() += 1;
        let block = ((r / n) as usize / block_size, (k / n) as usize / block_size);
        blocks.entry(block).or_default().push((o, c));
    }
    let quota: BTreeMap<u32, usize> = per_class.iter().map(|(&c, &n)| (c, test_quota(n, test_fraction))).collect();
    let mut order: Vec<Vec<(u32, u32)>> = blocks.into_values().collect();
    order.shuffle(&mut super::rng(seed));
    let mut taken: BTreeMap<u32, usize> = BTreeMap::new();
    let mut test_objects = Vec::new();
    for block in order {
        let mut add: BTreeMap<u32, usize> = BTreeMap::new();
        block.iter().for_each(|&(_, c)| *add.entry(c).or_default() += 1);
        let fits = add.iter().all(|(c, &k)| taken.get(c).copied().unwrap_or(0) + k <= quota[c]);
        if fits {
            add.iter().for_each(|(&c, &k)| *taken.entry(c).or_default() += k);
            test_objects.extend(block.iter().map(|&(o, _)| o));
        }
    }
    Ok(assemble(objects, labels, acc.keys().copied(), test_objects))
}

/// At most `per_object` randomly chosen pixels of each object among `candidates`.
/// Returns indices sorted ascending.
pub fn sample_per_object(objects: &[u32], candidates: &[usize], per_object: usize, seed: u64) -> Vec<usize> {
    let mut by_obj: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for &i in candidates {
        if let Some(&o) = objects.get(i) {
            if o != UNLABELLED {
                by_obj.entry(o).or_default().push(i);
            }
        }
    }
    let mut rng = super::rng(seed);
    let mut out = Vec::new();
    for (_, mut px) in by_obj {
        px.shuffle(&mut rng);
        px.truncate(per_object);
        out.extend(px);
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_never_straddle_the_split() {
        // 6 objects of 3 pixels, classes 0,0,0,1,1,1
        let objects: Vec<u32> = (0..18).map(|i| i / 3).collect();
        let labels: Vec<u32> = objects.iter().map(|&o| o / 3).collect();
        let s = object_split(&objects, &labels, 0.34, 3).unwrap();
        assert_eq!(s.test_objects.len(), 2);
        assert_eq!(s.train.len() + s.test.len(), 18);
        for &i in &s.test {
            assert!(s.test_objects.contains(&objects[i]));
            assert!(!s.train.iter().any(|&j| objects[j] == objects[i]));
        }
        let classes: Vec<u32> = s.test_objects.iter().map(|&o| o / 3).collect();
        assert!(classes.contains(&0) && classes.contains(&1), "{classes:?}");
    }

    #[test]
    fn blocked_split_keeps_blocks_whole_and_quotas() {
        // 8 x 8 image, 16 objects of 2 x 2 pixels; classes alternate by object column.
        let cols = 8;
        let objects: Vec<u32> = (0..64).map(|i| ((i / cols / 2) * 4 + (i % cols) / 2) as u32).collect();
        let labels: Vec<u32> = objects.iter().map(|&o| o % 2).collect();
        for seed in 0..5 {
            let s = object_split_blocked(&objects, &labels, cols, 4, 0.25, seed).unwrap();
            // Blocks of 4 x 4 pixels hold 4 objects, 2 of each class; the quota of 2 per
            // class takes exactly one block.
            assert_eq!(s.test_objects.len(), 4, "seed {seed}");
            let block = |o: u32| ((o / 4) / 2, (o % 4) / 2);
            let b0 = block(s.test_objects[0]);
            assert!(s.test_objects.iter().all(|&o| block(o) == b0));
            assert!(s.train_objects.iter().all(|&o| block(o) != b0));
            assert_eq!(s.train.len() + s.test.len(), 64);
        }
        assert!(object_split_blocked(&objects, &labels, cols, 0, 0.25, 0).is_err());
        assert!(object_split_blocked(&objects, &labels, 7, 4, 0.25, 0).is_err());
    }

    #[test]
    fn caps_pixels_per_object() {
        let objects = [0, 0, 0, 1, UNLABELLED];
        let s = sample_per_object(&objects, &[0, 1, 2, 3, 4], 2, 1);
        assert_eq!(s.len(), 3);
        assert!(s.contains(&3));
    }
}
