//! The numerical example of Olofsson et al. (2014), "Good practices for
//! estimating area and assessing accuracy of land change", Remote Sensing of
//! Environment 148:42–57, section 5.
//!
//! Strata (map classes): 1 deforestation, 2 forest gain, 3 stable forest,
//! 4 stable non-forest. Mapped areas in 30 m pixels: 200,000; 150,000;
//! 3,200,000; 6,450,000 (0.09 ha per pixel, 900,000 ha in total).
//! Sample error matrix as printed in the paper, rows = MAP class, columns =
//! REFERENCE class (n_i. = 75, 75, 165, 325):
//!   [66,  0,   5,   4]
//!   [ 0, 55,   8,  12]
//!   [ 1,  0, 153,  11]
//!   [ 2,  1,   9, 313]
//!
//! Published results (ha, ± 95% CI half width):
//!   area: deforestation 21,158 ± 6,158; gain 11,686 ± 3,756;
//!         stable forest 285,770 ± 15,510; stable non-forest 581,386 ± 16,282;
//!   user's accuracy: 0.88 ± 0.07, 0.73 ± 0.10, 0.93 ± 0.04, 0.96 ± 0.02;
//!   producer's accuracy: 0.75 ± 0.21, 0.85, 0.93, 0.96 (the CIs of the other
//!   producer's accuracies are checked against a hand evaluation of eq. 7 instead);
//!   overall accuracy: 0.95 ± 0.02.
//! Hand derivation of the first area: p_.1 = 0.02*66/75 + 0.32*1/165 +
//! 0.645*2/325 = 0.0235086, i.e. 235,086 px = 21,157.7 ha; SE² = 0.02²(0.88*0.12/74)
//! + 0.32²((1/165)(164/165)/164) + 0.645²((2/325)(323/325)/324) = 1.2185e-5,
//! so 1.96 SE = 0.0068418 -> 68,418 px = 6,157.6 ha.

use terradl_assess::{AreaAdjusted, ConfusionMatrix};

const HA_PER_PIXEL: f64 = 0.09;

fn example() -> AreaAdjusted {
    let cm = ConfusionMatrix::from_map_rows(&[
        vec![66, 0, 5, 4],
        vec![0, 55, 8, 12],
        vec![1, 0, 153, 11],
        vec![2, 1, 9, 313],
    ])
    .unwrap();
    let pixels = [200_000.0, 150_000.0, 3_200_000.0, 6_450_000.0];
    let ha: Vec<f64> = pixels.iter().map(|p| p * HA_PER_PIXEL).collect();
    AreaAdjusted::estimate(&cm, &ha).unwrap()
}

#[test]
fn areas_match_the_published_example() {
    let e = example();
    let published = [(21_158.0, 6_158.0), (11_686.0, 3_756.0), (285_770.0, 15_510.0), (581_386.0, 16_282.0)];
    for (k, (area, ci)) in published.into_iter().enumerate() {
        let got = e.classes[k].area;
        assert!((got.value - area).abs() < 1.0, "class {k}: area {} vs {area}", got.value);
        assert!((got.ci95_half_width() - ci).abs() < 1.0, "class {k}: CI {} vs {ci}", got.ci95_half_width());
    }
    assert!((e.total_area - 900_000.0).abs() < 1e-6);
    // In pixels: the deforestation figures of the derivation above.
    assert!((e.classes[0].area.value / HA_PER_PIXEL - 235_086.0).abs() < 1.0);
    assert!((e.classes[0].area.ci95_half_width() / HA_PER_PIXEL - 68_418.0).abs() < 1.0);
}

#[test]
fn accuracies_match_the_published_example() {
    let e = example();
    let users = [(0.88, 0.07), (0.73, 0.10), (0.93, 0.04), (0.96, 0.02)];
    let producers = [0.75, 0.85, 0.93, 0.96];
    for k in 0..4 {
        let u = e.classes[k].users_accuracy.unwrap();
        let p = e.classes[k].producers_accuracy.unwrap();
        // Published to two decimals.
        assert!((u.value - users[k].0).abs() <= 0.005, "UA {k}: {}", u.value);
        assert!((u.ci95_half_width() - users[k].1).abs() <= 0.005, "UA CI {k}: {}", u.ci95_half_width());
        assert!((p.value - producers[k]).abs() <= 0.005, "PA {k}: {}", p.value);
    }
    // Producer's accuracy CI of deforestation, published 0.21.
    let pa0 = e.classes[0].producers_accuracy.unwrap();
    assert!((pa0.ci95_half_width() - 0.21).abs() <= 0.005, "{}", pa0.ci95_half_width());
    // Forest gain, eq. 7 by hand: N_.j = 150,000*55/75 + 6,450,000*1/325 = 129,846 px,
    // P = 0.011/0.0129846 = 0.84714; first term 150,000² (1-P)² (0.7333*0.2667/74) = 1.3882e6;
    // second P² * 6,450,000² (1/325)(324/325)/324 = 0.71765 * 3.9388e8 = 2.8267e8;
    // V = 2.8406e8 / 129,846² = 0.016848, 1.96 SE = 0.2544.
    let pa1 = e.classes[1].producers_accuracy.unwrap();
    assert!((pa1.ci95_half_width() - 0.2544).abs() <= 0.0005, "{}", pa1.ci95_half_width());
    assert!((e.overall_accuracy.value - 0.95).abs() <= 0.005);
    assert!((e.overall_accuracy.ci95_half_width() - 0.02).abs() <= 0.005);
    // Proportions sum to one and the areas to the total.
    let s: f64 = e.classes.iter().map(|c| c.proportion.value).sum();
    assert!((s - 1.0).abs() < 1e-12);
}
