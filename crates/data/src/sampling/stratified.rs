//! Stratified random sampling per class.

use crate::error::{DataError, Result};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// How many samples to draw from each class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PerClass {
    /// At most this many per class (all of a smaller class).
    Count(usize),
    /// This fraction (0..=1] of each class, at least one sample per non-empty class.
    Fraction(f64),
}

/// Draw a seeded stratified sample from `candidates` (indices into `labels`).
/// Returns indices sorted ascending.
pub fn stratified_sample(labels: &[u32], candidates: &[usize], per_class: PerClass, seed: u64) -> Result<Vec<usize>> {
    if let PerClass::Fraction(f) = per_class {
        if !(f > 0.0 && f <= 1.0) {
            return Err(DataError::Invalid(format!("fraction {f} is not in (0, 1]")));
        }
    }
    let mut by_class: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for &i in candidates {
        let l = *labels.get(i).ok_or_else(|| DataError::Invalid(format!("candidate {i} beyond {} labels", labels.len())))?;
        by_class.entry(l).or_default().push(i);
    }
    let mut rng = super::rng(seed);
    let mut out = Vec::new();
    for (_, mut members) in by_class {
        members.shuffle(&mut rng);
        let n = match per_class {
            PerClass::Count(n) => n.min(members.len()),
            PerClass::Fraction(f) => ((members.len() as f64 * f).round() as usize).clamp(1, members.len()),
        };
        out.extend_from_slice(&members[..n]);
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_each_class_and_is_seeded() {
        let labels: Vec<u32> = (0..100).map(|i| if i < 90 { 0 } else { 1 }).collect();
        let all: Vec<usize> = (0..100).collect();
        let s = stratified_sample(&labels, &all, PerClass::Count(5), 7).unwrap();
        assert_eq!(s.iter().filter(|&&i| labels[i] == 0).count(), 5);
        assert_eq!(s.iter().filter(|&&i| labels[i] == 1).count(), 5);
        assert_eq!(s, stratified_sample(&labels, &all, PerClass::Count(5), 7).unwrap());
        assert_ne!(s, stratified_sample(&labels, &all, PerClass::Count(5), 8).unwrap());
        let f = stratified_sample(&labels, &all, PerClass::Fraction(0.1), 1).unwrap();
        assert_eq!(f.iter().filter(|&&i| labels[i] == 0).count(), 9);
        assert_eq!(f.iter().filter(|&&i| labels[i] == 1).count(), 1);
        assert!(stratified_sample(&labels, &all, PerClass::Fraction(0.0), 1).is_err());
        assert!(stratified_sample(&labels, &[200], PerClass::Count(1), 1).is_err());
    }
}
