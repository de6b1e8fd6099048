//! Merging objects smaller than a minimum size into their most similar neighbour.

use crate::adjacency::adjacency;
use crate::dsu::DisjointSet;
use crate::image::ImageView;
use crate::segmentation::Segmentation;

/// Merge every valid object with fewer than `min_size` pixels into the
/// 4-adjacent valid object whose mean colour (Euclidean across bands) is
/// closest, repeating until no small object has a valid neighbour left.
/// Objects stay 4-connected (only objects sharing an edge merge); nodata
/// objects are never merged. `image` must match the segmentation's shape.
pub fn merge_small_objects(seg: &mut Segmentation, image: &ImageView, min_size: usize) {
    if min_size <= 1 {
        return;
    }
    for _pass in 0..64 {
        let n = seg.n_objects;
        let means = object_means(seg, image);
        let mut dsu = DisjointSet::new(n);
        // Pixel counts indexed by DSU representative.
        let mut size = seg.object_sizes();
        let mut neighbours: Vec<Vec<u32>> = vec![Vec::new(); n];
        for p in adjacency(seg) {
            if !seg.nodata_objects[p.a as usize] && !seg.nodata_objects[p.b as usize] {
                neighbours[p.a as usize].push(p.b);
                neighbours[p.b as usize].push(p.a);
            }
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| size[i] < min_size && !seg.nodata_objects[i]).collect();
        order.sort_by_key(|&i| size[i]);
        let mut merged_any = false;
        for i in order {
            let root = dsu.find(i);
            if size[root] >= min_size {
                continue;
            }
            let best = neighbours[i]
                .iter()
                .map(|&j| j as usize)
                .filter(|&j| dsu.find(j) != root)
                .min_by(|&x, &y| distance(&means[i], &means[x]).total_cmp(&distance(&means[i], &means[y])));
            if let Some(j) = best {
                let rj = dsu.find(j);
                let total = size[root] + size[rj];
                let new_root = dsu.union(root, rj);
                size[new_root] = total;
                merged_any = true;
            }
        }
        if !merged_any {
            return;
        }
        let roots = dsu.roots();
        let labels: Vec<u32> = seg.labels.iter().map(|&l| roots[l as usize]).collect();
        let flags: Vec<bool> = (0..n).map(|i| seg.nodata_objects[roots[i] as usize]).collect();
        seg.labels = labels;
        seg.nodata_objects = flags;
        seg.relabel_connected();
    }
}

/// Mean of every band per object over valid pixels (NaN where none).
pub(crate) fn object_means(seg: &Segmentation, image: &ImageView) -> Vec<Vec<f32>> {
    let bands = image.bands();
    let mut sum = vec![vec![0f64; bands]; seg.n_objects];
    let mut count = vec![0usize; seg.n_objects];
    for (p, &l) in seg.labels.iter().enumerate() {
        if image.is_valid(p) {
            count[l as usize] += 1;
            for (b, s) in sum[l as usize].iter_mut().enumerate() {
                *s += image.value(b, p) as f64;
            }
        }
    }
    sum.into_iter()
        .zip(count)
        .map(|(s, n)| s.into_iter().map(|v| if n == 0 { f32::NAN } else { (v / n as f64) as f32 }).collect())
        .collect()
}

fn distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_object_joins_the_most_similar_neighbour() {
        // Row [0 0 0 | 5 | 9 9 9]: the single pixel of value 5 is closer to the
        // 9s (|5-9| = 4) than to the 0s (|5-0| = 5), so it joins the 9s.
        let data = [0.0, 0.0, 0.0, 5.0, 9.0, 9.0, 9.0];
        let img = ImageView::new(&data, 1, 1, 7).unwrap();
        let mut seg = Segmentation::from_labels(vec![0, 0, 0, 1, 2, 2, 2], 1, 7).unwrap();
        merge_small_objects(&mut seg, &img, 2);
        seg.check_invariants().unwrap();
        assert_eq!(seg.n_objects, 2);
        assert_eq!(seg.labels, vec![0, 0, 0, 1, 1, 1, 1]);
    }

    #[test]
    fn nodata_objects_are_never_merged() {
        let data = [1.0, f32::NAN, 1.0];
        let img = ImageView::new(&data, 1, 1, 3).unwrap();
        let mut seg = Segmentation::from_labels_with_nodata(vec![0, 1, 2], &[false, true, false], 1, 3).unwrap();
        merge_small_objects(&mut seg, &img, 5);
        assert_eq!(seg.n_objects, 3);
        assert_eq!(seg.nodata_objects, vec![false, true, false]);
    }
}
