//! Disjoint-set union (union by size, path halving).

/// A disjoint-set forest over `0..n` that tracks component sizes.
///
/// ```
/// use terradl_segment::DisjointSet;
/// let mut d = DisjointSet::new(4);
/// d.union(0, 1);
/// d.union(2, 1);
/// assert_eq!(d.find(2), d.find(0));
/// assert_eq!(d.size(0), 3);
/// assert_ne!(d.find(3), d.find(0));
/// ```
#[derive(Debug, Clone)]
pub struct DisjointSet {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl DisjointSet {
    /// `n` singleton sets.
    pub fn new(n: usize) -> Self {
        DisjointSet { parent: (0..n as u32).collect(), size: vec![1; n] }
    }
    /// Representative of the set holding `x`.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] as usize != x {
            let grand = self.parent[self.parent[x] as usize];
            self.parent[x] = grand;
            x = grand as usize;
        }
        x
    }
    /// Merge the sets of `a` and `b`; returns the new representative.
    pub fn union(&mut self, a: usize, b: usize) -> usize {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return a;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a as u32;
        self.size[a] += self.size[b];
        a
    }
    /// Number of elements in the set holding `x`.
    pub fn size(&mut self, x: usize) -> usize {
        let r = self.find(x);
        self.size[r] as usize
    }
    /// Representative of every element.
    pub fn roots(&mut self) -> Vec<u32> {
        (0..self.parent.len()).map(|x| self.find(x) as u32).collect()
    }
}
