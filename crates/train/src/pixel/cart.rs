//! CART classification tree (Gini impurity), grown the way scikit-learn's
//! `DecisionTreeClassifier` grows one, but with presorted, partitioned index lists.
//!
//! - **Splits**: exact best threshold over the sampled features; the threshold is the midpoint
//!   of two consecutive distinct values (`a / 2 + b / 2`, `a` if that rounds up to `b`); rows
//!   with `value <= threshold` go left. The impurity decrease is compared through
//!   scikit-learn's proxy `sum_k L_k^2 / |L| + sum_k R_k^2 / |R|` (weighted class counts), here
//!   in exact integer sums; the first strictly better candidate wins.
//! - **Feature sampling** per split (`max_features`): features are drawn without replacement
//!   until `max_features` have been visited and at least one of them is not constant in the
//!   node (scikit-learn's rule).
//! - **Stopping**: pure node, `depth >= max_depth` (root depth 0), fewer than `2` or
//!   `2 * min_samples_leaf` rows; both children of a split hold at least `min_samples_leaf`
//!   rows. Rows are the distinct in-bag rows, each weighted by its bootstrap multiplicity,
//!   exactly as scikit-learn counts `min_samples_leaf` for a bootstrapped forest.
//! - **Algorithm**: the rows are sorted once per feature for the whole forest ([`Presorted`]);
//!   a tree keeps, for each candidate feature, its in-bag `(value, row)` pairs in that order,
//!   and every node owns the same range `[start, end)` of each list. A node scans its ranges
//!   with running class counts and stably partitions them into the children's ranges, so a
//!   node costs O(rows in node x features), with no re-sorting.
//! - **Storage**: a flat `Vec` of 12-byte nodes, children of a split stored side by side after
//!   their parent; prediction walks it reading features straight from a row.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// `Node::feature` of a leaf.
const LEAF: u32 = u32::MAX;

/// One node of a [`CartTree`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Node {
    /// Feature compared at a split; [`LEAF`] for a leaf.
    #[serde(rename = "f")]
    feature: u32,
    /// Rows with `value <= threshold` go to `child`, the others to `child + 1`.
    #[serde(rename = "t")]
    threshold: f32,
    /// Left child of a split (the right one is `child + 1`); the class of a leaf.
    #[serde(rename = "c")]
    child: u32,
}

impl Node {
    fn leaf(class: u32) -> Self {
        Node {
            feature: LEAF,
            threshold: 0.0,
            child: class,
        }
    }
}

/// A trained classification tree. Deserialisation checks the node links, feature and class
/// numbers, so a loaded tree cannot index out of range or loop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawTree")]
pub(crate) struct CartTree {
    n_features: u32,
    n_classes: u32,
    nodes: Vec<Node>,
}

#[derive(Deserialize)]
struct RawTree {
    n_features: u32,
    n_classes: u32,
    nodes: Vec<Node>,
}

impl TryFrom<RawTree> for CartTree {
    type Error = String;

    fn try_from(raw: RawTree) -> Result<Self, String> {
        if raw.nodes.is_empty() {
            return Err("tree without nodes".into());
        }
        for (i, node) in raw.nodes.iter().enumerate() {
            let ok = if node.feature == LEAF {
                node.child < raw.n_classes
            } else {
                // Children after their parent: every walk ends.
                node.feature < raw.n_features
                    && (node.child as usize) > i
                    && (node.child as usize) + 1 < raw.nodes.len()
            };
            if !ok {
                return Err(format!("tree node {i} is out of range: {node:?}"));
            }
        }
        Ok(CartTree {
            n_features: raw.n_features,
            n_classes: raw.n_classes,
            nodes: raw.nodes,
        })
    }
}

impl CartTree {
    /// Number of features the tree was trained on.
    pub(crate) fn n_features(&self) -> usize {
        self.n_features as usize
    }

    /// Number of classes the tree was trained on (leaf classes are below it).
    pub(crate) fn n_classes(&self) -> usize {
        self.n_classes as usize
    }

    /// The class of one row (`row.len() >= n_features`, else this panics). A NaN value goes
    /// right, as in scikit-learn.
    #[inline]
    pub(crate) fn predict_row(&self, row: &[f32]) -> u32 {
        let mut i = 0usize;
        loop {
            let node = self.nodes[i];
            if node.feature == LEAF {
                return node.child;
            }
            let left = row[node.feature as usize] <= node.threshold;
            i = node.child as usize + usize::from(!left);
        }
    }

    /// The class of each row of `x` (row-major, `n_features` values per row, at least the
    /// tree's, else this panics), handed to `record(row, class)`. Rows are walked eight at a
    /// time in lockstep, so that their independent node and feature loads overlap.
    pub(crate) fn predict_rows(
        &self,
        x: &[f32],
        n_features: usize,
        mut record: impl FnMut(usize, u32),
    ) {
        const LANES: usize = 8;
        let mut blocks = x.chunks_exact(LANES * n_features);
        for (b, block) in blocks.by_ref().enumerate() {
            let mut at = [0usize; LANES];
            loop {
                let mut moved = false;
                for (lane, i) in at.iter_mut().enumerate() {
                    // Branch-free: a lane at its leaf stays there.
                    let node = self.nodes[*i];
                    let split = node.feature != LEAF;
                    let f = if split { node.feature as usize } else { 0 };
                    let left = block[lane * n_features + f] <= node.threshold;
                    let next = node.child as usize + usize::from(!left);
                    *i = if split { next } else { *i };
                    moved |= split;
                }
                if !moved {
                    break;
                }
            }
            for (lane, &i) in at.iter().enumerate() {
                record(b * LANES + lane, self.nodes[i].child);
            }
        }
        let done = (x.len() / n_features) / LANES * LANES;
        for (r, row) in blocks.remainder().chunks_exact(n_features).enumerate() {
            record(done + r, self.predict_row(row));
        }
    }

    /// Number of leaves.
    #[cfg(test)]
    fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.feature == LEAF).count()
    }

    /// Depth of the deepest leaf (a single leaf: 0).
    #[cfg(test)]
    fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            if n.feature != LEAF {
                depth[n.child as usize] = depth[i] + 1;
                depth[n.child as usize + 1] = depth[i] + 1;
            }
        }
        depth.into_iter().max().unwrap_or(0)
    }

    /// The index of the leaf a row lands in.
    #[cfg(test)]
    fn leaf_of(&self, row: &[f32]) -> usize {
        let mut i = 0usize;
        while self.nodes[i].feature != LEAF {
            let n = self.nodes[i];
            i = n.child as usize + usize::from(!(row[n.feature as usize] <= n.threshold));
        }
        i
    }
}

/// Row indices sorted by value, one list per feature; computed once, shared by all trees.
pub(crate) struct Presorted {
    n_rows: usize,
    order: Vec<u32>,
}

impl Presorted {
    /// Sorts the rows of `x` (row-major `[n, n_features]`, finite values) per feature.
    /// `n` must fit in `u32`.
    pub(crate) fn new(x: &[f32], n_features: usize) -> Self {
        let n_rows = x.len() / n_features;
        let mut order = Vec::with_capacity(n_rows * n_features);
        for f in 0..n_features {
            let start = order.len();
            order.extend(0..n_rows as u32);
            order[start..].sort_by(|&a, &b| {
                x[a as usize * n_features + f].total_cmp(&x[b as usize * n_features + f])
            });
        }
        Presorted { n_rows, order }
    }

    fn column(&self, f: usize) -> &[u32] {
        &self.order[f * self.n_rows..(f + 1) * self.n_rows]
    }
}

/// The training rows a tree is grown on.
pub(crate) struct TrainingSet<'a> {
    /// Row-major `[n, n_features]`, finite.
    pub x: &'a [f32],
    pub n_features: usize,
    /// Classes `< n_classes`, one per row.
    pub y: &'a [u32],
    pub n_classes: usize,
    /// `x`'s rows sorted per feature.
    pub sorted: &'a Presorted,
}

/// Growth limits of a tree.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TreeParams {
    /// Maximum depth (root: 0); `None`: unlimited.
    pub max_depth: Option<u16>,
    /// Minimum distinct rows in a leaf (values below 1 act as 1).
    pub min_samples_leaf: usize,
    /// Features examined per split (clamped to `1..=` the candidate count).
    pub max_features: usize,
}

/// An in-bag row in one feature's sorted list.
#[derive(Clone, Copy, Default)]
struct Entry {
    value: f32,
    row: u32,
}

/// The best split found so far at a node.
struct Split {
    proxy: f64,
    /// Index into the candidate features.
    slot: usize,
    /// Rows going left.
    n_left: usize,
    threshold: f32,
}

/// Running class counts of one side of a candidate split.
struct Side {
    counts: Vec<u64>,
    /// Sum of weights.
    total: u64,
    /// Sum of squared counts.
    squares: u64,
}

impl Side {
    fn add(&mut self, class: usize, w: u64) {
        self.squares += w * (2 * self.counts[class] + w);
        self.counts[class] += w;
        self.total += w;
    }

    fn remove(&mut self, class: usize, w: u64) {
        self.squares -= w * (2 * self.counts[class] - w);
        self.counts[class] -= w;
        self.total -= w;
    }

    fn proxy(&self) -> f64 {
        self.squares as f64 / self.total as f64
    }
}

/// Grows a tree on the rows with `weights[r] > 0` (each counted `weights[r]` times), choosing
/// splits among `features` (ascending, each `< n_features`, not empty).
pub(crate) fn grow(
    data: &TrainingSet,
    weights: &[u32],
    features: &[u32],
    params: &TreeParams,
    rng: &mut impl Rng,
) -> CartTree {
    let nf = data.n_features;
    let k = data.n_classes.max(1);
    let label = data.y;
    let m = weights.iter().filter(|&&w| w > 0).count();
    let mut cols: Vec<Entry> = Vec::with_capacity(m * features.len());
    for &f in features {
        let f = f as usize;
        cols.extend(
            data.sorted
                .column(f)
                .iter()
                .filter(|&&r| weights[r as usize] > 0)
                .map(|&r| Entry {
                    value: data.x[r as usize * nf + f],
                    row: r,
                }),
        );
    }
    let mut tree = CartTree {
        n_features: nf as u32,
        n_classes: k as u32,
        nodes: vec![Node::leaf(0)],
    };
    if m == 0 {
        return tree;
    }
    let n_slots = features.len();
    let max_features = params.max_features.clamp(1, n_slots);
    let min_leaf = params.min_samples_leaf.max(1);
    let max_depth = params.max_depth.map_or(usize::MAX, usize::from);
    let mut goes_left = vec![false; weights.len()];
    let mut spill = vec![Entry::default(); m];
    let mut slots: Vec<usize> = (0..n_slots).collect();
    let mut parent = Side {
        counts: vec![0; k],
        total: 0,
        squares: 0,
    };
    let mut left = Side {
        counts: vec![0; k],
        total: 0,
        squares: 0,
    };
    let mut right = Side {
        counts: vec![0; k],
        total: 0,
        squares: 0,
    };
    // (node, start, end, depth)
    let mut stack = vec![(0usize, 0usize, m, 0usize)];
    while let Some((id, start, end, depth)) = stack.pop() {
        parent.counts.iter_mut().for_each(|c| *c = 0);
        (parent.total, parent.squares) = (0, 0);
        for e in &cols[start..end] {
            parent.add(
                label[e.row as usize] as usize,
                u64::from(weights[e.row as usize]),
            );
        }
        let majority = (0..k).fold(0, |b, c| {
            if parent.counts[c] > parent.counts[b] {
                c
            } else {
                b
            }
        });
        tree.nodes[id] = Node::leaf(majority as u32);
        let n_node = end - start;
        if parent.counts[majority] == parent.total || depth >= max_depth || n_node < 2 * min_leaf {
            continue;
        }
        let mut best: Option<Split> = None;
        let (mut visited, mut non_constant) = (0usize, 0usize);
        for j in 0..n_slots {
            if visited >= max_features && non_constant > 0 {
                break;
            }
            slots.swap(j, rng.random_range(j..n_slots));
            let slot = slots[j];
            visited += 1;
            let col = &cols[slot * m + start..slot * m + end];
            if col[0].value >= col[n_node - 1].value {
                continue;
            }
            non_constant += 1;
            left.counts.iter_mut().for_each(|c| *c = 0);
            (left.total, left.squares) = (0, 0);
            right.counts.copy_from_slice(&parent.counts);
            (right.total, right.squares) = (parent.total, parent.squares);
            for i in 0..n_node - min_leaf {
                let e = col[i];
                let (class, w) = (
                    label[e.row as usize] as usize,
                    u64::from(weights[e.row as usize]),
                );
                left.add(class, w);
                right.remove(class, w);
                let next = col[i + 1].value;
                if i + 1 < min_leaf || next <= e.value {
                    continue;
                }
                let proxy = left.proxy() + right.proxy();
                if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                    let mut threshold = e.value / 2.0 + next / 2.0;
                    if threshold >= next || !threshold.is_finite() {
                        threshold = e.value;
                    }
                    best = Some(Split {
                        proxy,
                        slot,
                        n_left: i + 1,
                        threshold,
                    });
                }
            }
        }
        let Some(split) = best else { continue };
        let base = split.slot * m;
        for (i, e) in cols[base + start..base + end].iter().enumerate() {
            goes_left[e.row as usize] = i < split.n_left;
        }
        for slot in (0..n_slots).filter(|&s| s != split.slot) {
            let seg = &mut cols[slot * m + start..slot * m + end];
            let (mut l, mut r) = (0usize, 0usize);
            for i in 0..seg.len() {
                let e = seg[i];
                let g = usize::from(goes_left[e.row as usize]);
                seg[l] = e;
                spill[r] = e;
                l += g;
                r += 1 - g;
            }
            seg[l..].copy_from_slice(&spill[..r]);
        }
        let child = tree.nodes.len();
        tree.nodes[id] = Node {
            feature: features[split.slot],
            threshold: split.threshold,
            child: child as u32,
        };
        tree.nodes.extend([Node::leaf(0), Node::leaf(0)]);
        let mid = start + split.n_left;
        stack.push((child + 1, mid, end, depth + 1));
        stack.push((child, start, mid, depth + 1));
    }
    tree
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn fit(
        x: &[f32],
        nf: usize,
        y: &[u32],
        weights: Option<&[u32]>,
        params: TreeParams,
        seed: u64,
    ) -> CartTree {
        let k = *y.iter().max().unwrap() as usize + 1;
        let sorted = Presorted::new(x, nf);
        let data = TrainingSet {
            x,
            n_features: nf,
            y,
            n_classes: k,
            sorted: &sorted,
        };
        let ones = vec![1u32; y.len()];
        let features: Vec<u32> = (0..nf as u32).collect();
        grow(
            &data,
            weights.unwrap_or(&ones),
            &features,
            &params,
            &mut ChaCha8Rng::seed_from_u64(seed),
        )
    }

    const FULL: TreeParams = TreeParams {
        max_depth: None,
        min_samples_leaf: 1,
        max_features: usize::MAX,
    };

    /// `n` rows of `nf` uniform values in [0, 1); class from a few thresholds (not separable
    /// by one split), 20 % of the labels replaced by random ones (so full trees grow deep).
    fn random_set(n: usize, nf: usize, seed: u64) -> (Vec<f32>, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x: Vec<f32> = (0..n * nf).map(|_| rng.random_range(0.0..1.0)).collect();
        let y = x
            .chunks_exact(nf)
            .map(|r| {
                u32::from(r[0] > 0.5) + u32::from(r[1 % nf] > 0.3) + u32::from(r[2 % nf] > 0.8)
            })
            .map(|c| {
                if rng.random_bool(0.2) {
                    rng.random_range(0..4)
                } else {
                    c
                }
            })
            .collect();
        (x, y)
    }

    #[test]
    fn fits_a_separable_set_exactly() {
        // XOR of two features: needs depth 2, no single split separates it.
        let x: Vec<f32> = vec![
            0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.1, 0.2, 0.9, 0.1, 0.2, 0.8, 0.9, 0.95,
        ];
        let y = vec![0, 1, 1, 0, 0, 1, 1, 0];
        let tree = fit(&x, 2, &y, None, FULL, 1);
        for (row, &c) in x.chunks_exact(2).zip(&y) {
            assert_eq!(tree.predict_row(row), c, "{row:?}");
        }
        let (x, y) = random_set(300, 4, 5);
        let tree = fit(&x, 4, &y, None, FULL, 2);
        let correct = x
            .chunks_exact(4)
            .zip(&y)
            .filter(|(r, c)| tree.predict_row(r) == **c)
            .count();
        assert_eq!(correct, 300, "distinct rows must be fitted exactly");
    }

    #[test]
    fn batched_prediction_equals_row_by_row() {
        let (x, y) = random_set(300, 4, 8);
        let tree = fit(&x, 4, &y, None, FULL, 2);
        let (xt, _) = random_set(203, 4, 9);
        let mut got = vec![u32::MAX; 203];
        tree.predict_rows(&xt, 4, |i, c| got[i] = c);
        let want: Vec<u32> = xt.chunks_exact(4).map(|r| tree.predict_row(r)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn thresholds_are_midpoints_of_distinct_values() {
        // One feature: 1, 2 | 4, 8 -> threshold 3; three classes: 1.5 and 6.
        let x = [1.0f32, 2.0, 4.0, 8.0];
        let tree = fit(&x, 1, &[0, 0, 1, 1], None, FULL, 0);
        assert_eq!(tree.nodes[0].feature, 0);
        assert_eq!(tree.nodes[0].threshold, 3.0);
        assert_eq!(tree.n_leaves(), 2);
        let tree = fit(&x, 1, &[0, 1, 1, 2], None, FULL, 0);
        let mut thresholds: Vec<f32> = tree
            .nodes
            .iter()
            .filter(|n| n.feature != LEAF)
            .map(|n| n.threshold)
            .collect();
        thresholds.sort_by(f32::total_cmp);
        assert_eq!(thresholds, [1.5, 6.0]);
        // Repeated values are never split apart: 2, 2 | 5.
        let tree = fit(&[2.0, 2.0, 5.0, 2.0], 1, &[0, 1, 1, 0], None, FULL, 0);
        assert_eq!(tree.nodes[0].threshold, 3.5);
        // Adjacent floats: the midpoint rounds to one of them; a value equal to `a` goes left.
        let a = 1.0f32;
        let b = f32::from_bits(a.to_bits() + 1);
        let tree = fit(&[a, b], 1, &[0, 1], None, FULL, 0);
        assert_eq!(tree.predict_row(&[a]), 0);
        assert_eq!(tree.predict_row(&[b]), 1);
    }

    /// Weighted Gini impurity decrease proxy of the best root split, by brute force over every
    /// feature and every threshold between distinct values.
    fn brute_force_root(x: &[f32], nf: usize, y: &[u32], w: &[u32], k: usize) -> f64 {
        let mut best = f64::NEG_INFINITY;
        for f in 0..nf {
            let mut values: Vec<f32> = (0..y.len())
                .filter(|&r| w[r] > 0)
                .map(|r| x[r * nf + f])
                .collect();
            values.sort_by(f32::total_cmp);
            values.dedup();
            for pair in values.windows(2) {
                let t = pair[0] / 2.0 + pair[1] / 2.0;
                let (mut l, mut r) = (vec![0f64; k], vec![0f64; k]);
                for row in 0..y.len() {
                    let side = if x[row * nf + f] <= t { &mut l } else { &mut r };
                    side[y[row] as usize] += f64::from(w[row]);
                }
                let sq = |s: &[f64]| s.iter().map(|c| c * c).sum::<f64>() / s.iter().sum::<f64>();
                best = best.max(sq(&l) + sq(&r));
            }
        }
        best
    }

    #[test]
    fn root_split_is_the_exact_best() {
        for seed in 0..5 {
            let (x, y) = random_set(120, 5, 10 + seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let w: Vec<u32> = (0..y.len()).map(|_| rng.random_range(0..3)).collect();
            let tree = fit(&x, 5, &y, Some(&w), FULL, seed);
            let root = tree.nodes[0];
            let (mut l, mut r) = (vec![0f64; 4], vec![0f64; 4]);
            for row in 0..y.len() {
                let side = if x[row * 5 + root.feature as usize] <= root.threshold {
                    &mut l
                } else {
                    &mut r
                };
                side[y[row] as usize] += f64::from(w[row]);
            }
            let sq = |s: &[f64]| s.iter().map(|c| c * c).sum::<f64>() / s.iter().sum::<f64>();
            let expected = brute_force_root(&x, 5, &y, &w, 4);
            assert!(
                (sq(&l) + sq(&r) - expected).abs() < 1e-9,
                "seed {seed}: {} vs {expected}",
                sq(&l) + sq(&r)
            );
        }
    }

    #[test]
    fn min_samples_leaf_and_max_depth_are_respected() {
        let (x, y) = random_set(400, 3, 7);
        for min_samples_leaf in [1, 5, 20] {
            let params = TreeParams {
                min_samples_leaf,
                ..FULL
            };
            let tree = fit(&x, 3, &y, None, params, 3);
            let mut per_leaf = std::collections::HashMap::new();
            for row in x.chunks_exact(3) {
                *per_leaf.entry(tree.leaf_of(row)).or_insert(0usize) += 1;
            }
            assert_eq!(per_leaf.len(), tree.n_leaves());
            let smallest = per_leaf.values().min().copied().unwrap();
            assert!(
                smallest >= min_samples_leaf,
                "leaf of {smallest} < {min_samples_leaf}"
            );
            if min_samples_leaf == 1 {
                assert_eq!(
                    smallest, 1,
                    "a fully grown tree on noisy labels reaches single rows"
                );
            }
        }
        // Rows counted once however heavy: 3 distinct rows, weight 10 each, min leaf 2 -> a
        // split must leave 2 rows on one side and 1 on the other: impossible, so one leaf.
        let tree = fit(
            &[0.0, 1.0, 2.0],
            1,
            &[0, 1, 0],
            Some(&[10, 10, 10]),
            TreeParams {
                min_samples_leaf: 2,
                ..FULL
            },
            0,
        );
        assert_eq!(tree.n_leaves(), 1);
        let full_depth = fit(&x, 3, &y, None, FULL, 3).depth();
        assert!(full_depth > 3);
        for max_depth in [0u16, 1, 2, 3] {
            let tree = fit(
                &x,
                3,
                &y,
                None,
                TreeParams {
                    max_depth: Some(max_depth),
                    ..FULL
                },
                3,
            );
            assert_eq!(tree.depth(), max_depth as usize, "max_depth {max_depth}");
        }
    }

    #[test]
    fn out_of_bag_rows_are_ignored() {
        // Row 1 (class 1 at x = 1) is out of the bag: a single leaf of class 0.
        let tree = fit(&[0.0, 1.0, 2.0], 1, &[0, 1, 0], Some(&[1, 0, 2]), FULL, 0);
        assert_eq!(tree.n_leaves(), 1);
        assert_eq!(tree.predict_row(&[1.0]), 0);
        // A heavy row outweighs two light ones in the majority of an impure leaf.
        let params = TreeParams {
            max_depth: Some(0),
            ..FULL
        };
        let tree = fit(&[0.0, 1.0, 2.0], 1, &[0, 1, 0], Some(&[1, 5, 1]), params, 0);
        assert_eq!(tree.predict_row(&[0.0]), 1);
    }

    #[test]
    fn deterministic_for_a_seed_and_sampling_matters() {
        let (x, y) = random_set(300, 8, 4);
        let sampled = TreeParams {
            max_features: 2,
            ..FULL
        };
        let a = fit(&x, 8, &y, None, sampled, 11);
        assert_eq!(a, fit(&x, 8, &y, None, sampled, 11));
        let differs = (12..20).any(|s| fit(&x, 8, &y, None, sampled, s) != a);
        assert!(differs, "per-split sampling must depend on the seed");
        // All features per split: every seed finds the same best root split (no ties here).
        assert_eq!(
            fit(&x, 8, &y, None, FULL, 1).nodes[0],
            fit(&x, 8, &y, None, FULL, 2).nodes[0]
        );
    }

    #[test]
    fn constant_features_and_labels() {
        // All features constant: a leaf, whatever the labels.
        let tree = fit(&[3.0, 3.0, 3.0, 3.0], 2, &[0, 1], None, FULL, 0);
        assert_eq!(tree.n_leaves(), 1);
        // max_features 1 with feature 0 constant still finds the informative feature 1.
        let x = [5.0, 0.0, 5.0, 1.0, 5.0, 2.0, 5.0, 3.0];
        for seed in 0..8 {
            let tree = fit(
                &x,
                2,
                &[0, 0, 1, 1],
                None,
                TreeParams {
                    max_features: 1,
                    ..FULL
                },
                seed,
            );
            assert_eq!(tree.nodes[0].feature, 1, "seed {seed}");
        }
    }

    #[test]
    fn deserialisation_rejects_broken_links() {
        let (x, y) = random_set(50, 3, 1);
        let tree = fit(&x, 3, &y, None, FULL, 1);
        let json = serde_json::to_string(&tree).unwrap();
        let back: CartTree = serde_json::from_str(&json).unwrap();
        assert_eq!(back, tree);
        for bad in [
            r#"{"n_features":1,"n_classes":2,"nodes":[]}"#,
            r#"{"n_features":1,"n_classes":2,"nodes":[{"f":0,"t":0.5,"c":0}]}"#,
            r#"{"n_features":1,"n_classes":2,"nodes":[{"f":0,"t":0.5,"c":5},{"f":4294967295,"t":0,"c":0}]}"#,
            r#"{"n_features":1,"n_classes":2,"nodes":[{"f":3,"t":0.5,"c":1},{"f":4294967295,"t":0,"c":0},{"f":4294967295,"t":0,"c":1}]}"#,
            r#"{"n_features":1,"n_classes":2,"nodes":[{"f":4294967295,"t":0,"c":2}]}"#,
        ] {
            assert!(serde_json::from_str::<CartTree>(bad).is_err(), "{bad}");
        }
    }
}
