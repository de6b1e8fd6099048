//! Speckle filters on simulated multi-look intensity speckle.
//!
//! L-look intensity speckle is Gamma(L, 1/L) distributed (mean 1, variance
//! 1/L); it is drawn here as the mean of L unit exponentials, seeded.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use terradl_sar::GridShape;
use terradl_sar::speckle::{LeeConfig, RefinedLeeConfig, boxcar, lee, refined_lee};

const LOOKS: usize = 4;

fn speckle(truth: &[f32], seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    truth
        .iter()
        .map(|&mu| {
            let g: f64 = (0..LOOKS).map(|_| -(1.0 - rng.random::<f64>()).ln()).sum::<f64>() / LOOKS as f64;
            mu * g as f32
        })
        .collect()
}

fn mean_var(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    (m, v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n)
}

#[test]
fn lee_reduces_variance_and_keeps_the_mean_on_a_homogeneous_area() {
    let shape = GridShape::new(96, 96);
    let mu = 0.1f32;
    let noisy = speckle(&vec![mu; shape.len()], 7);
    let (m_in, v_in) = mean_var(&noisy);
    // Sanity of the simulation: variance ≈ mu² / L = 0.0025.
    assert!((v_in - 0.0025).abs() < 0.0003, "{v_in}");
    for (name, out) in [
        ("lee", lee(&noisy, shape, &LeeConfig { window: 7, enl: LOOKS as f64 }).unwrap()),
        ("refined lee", refined_lee(&noisy, shape, &RefinedLeeConfig { enl: LOOKS as f64 }).unwrap()),
    ] {
        let (m_out, v_out) = mean_var(&out);
        // A 7x7 boxcar would cut the variance by ~49; a Lee filter in a flat area is
        // close to it, so requiring a 4x cut is a loose but failing-if-broken bound.
        assert!(v_out < v_in / 4.0, "{name}: variance {v_out} vs input {v_in}");
        assert!(((m_out - mu as f64) / mu as f64).abs() < 0.03, "{name}: mean {m_out}");
        assert!(((m_out - m_in) / m_in).abs() < 0.03, "{name}: mean {m_out} vs {m_in}");
    }
}

#[test]
fn refined_lee_preserves_a_step_edge_better_than_boxcar() {
    // Left half 0.02, right half 0.2 (a 10 dB step at column 32).
    let shape = GridShape::new(64, 64);
    let truth: Vec<f32> = (0..shape.len()).map(|i| if i % 64 < 32 { 0.02 } else { 0.2 }).collect();
    let noisy = speckle(&truth, 11);
    let err_near_edge = |out: &[f32]| {
        let mut s = 0.0;
        let mut n = 0.0;
        for r in 4..60 {
            for c in 29..35 {
                let i = r * 64 + c;
                s += ((out[i] - truth[i]) as f64).powi(2);
                n += 1.0;
            }
        }
        (s / n).sqrt()
    };
    let box7 = boxcar(&noisy, shape, 7).unwrap();
    let rlee = refined_lee(&noisy, shape, &RefinedLeeConfig { enl: LOOKS as f64 }).unwrap();
    let (e_box, e_rlee) = (err_near_edge(&box7), err_near_edge(&rlee));
    assert!(e_rlee < 0.7 * e_box, "refined Lee RMSE {e_rlee} vs boxcar {e_box}");
    // Far from the edge both smooth: refined Lee still cuts the variance there.
    let flat: Vec<f32> = (0..64 * 64).filter(|i| i % 64 >= 40 && i % 64 < 60).map(|i| rlee[i]).collect();
    let flat_in: Vec<f32> = (0..64 * 64).filter(|i| i % 64 >= 40 && i % 64 < 60).map(|i| noisy[i]).collect();
    assert!(mean_var(&flat).1 < mean_var(&flat_in).1 / 3.0);
}

#[test]
fn nodata_stays_nodata() {
    let shape = GridShape::new(10, 10);
    let mut noisy = speckle(&[0.1; 100], 3);
    noisy[55] = f32::NAN;
    for out in [
        boxcar(&noisy, shape, 5).unwrap(),
        lee(&noisy, shape, &LeeConfig { window: 5, enl: 4.0 }).unwrap(),
        refined_lee(&noisy, shape, &RefinedLeeConfig { enl: 4.0 }).unwrap(),
    ] {
        assert!(out[55].is_nan());
        assert_eq!(out.iter().filter(|v| v.is_nan()).count(), 1, "NaN leaked into neighbours");
    }
}
