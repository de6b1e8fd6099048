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
        let n = if objs.len() < 2 { 0 } else { ((objs.len() as f64 * test_fraction).round() as usize).clamp(1, objs.len() - 1) };
        test_objects.extend_from_slice(&objs[..n]);
    }
    test_objects.sort_unstable();
    let train_objects: Vec<u32> = class_of.keys().copied().filter(|o| test_objects.binary_search(o).is_err()).collect();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (i, &o) in objects.iter().enumerate() {
        if o == UNLABELLED || labels[i] == UNLABELLED {
            continue;
        }
        if test_objects.binary_search(&o).is_ok() { test.push(i) } else { train.push(i) }
    }
    Ok(ObjectSplit { train, test, train_objects, test_objects })
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
    fn caps_pixels_per_object() {
        let objects = [0, 0, 0, 1, UNLABELLED];
        let s = sample_per_object(&objects, &[0, 1, 2, 3, 4], 2, 1);
        assert_eq!(s.len(), 3);
        assert!(s.contains(&3));
    }
}
