//! Object adjacency: which objects share a 4-edge, and how long that border is.

use crate::segmentation::Segmentation;
use std::collections::HashMap;

/// Two objects that share at least one pixel edge (`a < b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectAdjacency {
    /// The smaller object id.
    pub a: u32,
    /// The larger object id.
    pub b: u32,
    /// Number of pixel edges the two objects share.
    pub border_length: usize,
}

/// Every adjacent pair of objects, sorted by `(a, b)`.
///
/// ```
/// use terradl_segment::{adjacency, Segmentation};
/// // 0 0 1
/// // 2 2 1
/// let seg = Segmentation::from_labels(vec![0, 0, 1, 2, 2, 1], 2, 3).unwrap();
/// let pairs: Vec<_> = adjacency(&seg).iter().map(|p| (p.a, p.b, p.border_length)).collect();
/// assert_eq!(pairs, vec![(0, 1, 1), (0, 2, 2), (1, 2, 1)]);
/// ```
pub fn adjacency(seg: &Segmentation) -> Vec<ObjectAdjacency> {
    let mut borders: HashMap<(u32, u32), usize> = HashMap::new();
    let (rows, cols) = (seg.rows, seg.cols);
    let mut add = |x: u32, y: u32| {
        if x != y {
            *borders.entry((x.min(y), x.max(y))).or_default() += 1;
        }
    };
    for r in 0..rows {
        for c in 0..cols {
            let l = seg.labels[r * cols + c];
            if c + 1 < cols {
                add(l, seg.labels[r * cols + c + 1]);
            }
            if r + 1 < rows {
                add(l, seg.labels[(r + 1) * cols + c]);
            }
        }
    }
    let mut out: Vec<ObjectAdjacency> =
        borders.into_iter().map(|((a, b), border_length)| ObjectAdjacency { a, b, border_length }).collect();
    out.sort_by_key(|p| (p.a, p.b));
    out
}
