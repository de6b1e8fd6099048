//! Closed-form checks of the polarimetric decompositions.

use terradl_sar::GridShape;
use terradl_sar::polsar::{
    Complex64, Hermitian3, PauliPowers, QuadPolPixel, cloude_pottier, freeman_durden, multilook,
};

fn c(re: f64, im: f64) -> Complex64 {
    Complex64::new(re, im)
}

const Z: Complex64 = Complex64::new(0.0, 0.0);

#[test]
fn pure_surface_has_zero_entropy_and_alpha() {
    // T3 = diag(1, 0, 0): one mechanism with eigenvector e1, so H = 0, alpha = acos(1) = 0.
    let hap = cloude_pottier(&Hermitian3::from_real_diagonal([1.0, 0.0, 0.0])).unwrap();
    assert!(hap.entropy.abs() < 1e-12);
    assert!(hap.alpha_deg.abs() < 1e-9);
}

#[test]
fn pure_dihedral_has_zero_entropy_and_alpha_90() {
    // T3 = diag(0, 1, 0): eigenvector e2, alpha = acos(0) = 90°.
    let hap = cloude_pottier(&Hermitian3::from_real_diagonal([0.0, 1.0, 0.0])).unwrap();
    assert!(hap.entropy.abs() < 1e-12);
    assert!((hap.alpha_deg - 90.0).abs() < 1e-9);
    // The same from a single-look dihedral pixel (HH = -VV).
    let t3 = QuadPolPixel::new(c(1.0, 0.0), Z, Z, c(-1.0, 0.0)).coherency();
    let hap = cloude_pottier(&t3).unwrap();
    assert!(hap.entropy.abs() < 1e-12 && (hap.alpha_deg - 90.0).abs() < 1e-9);
}

#[test]
fn random_volume_of_dipoles() {
    // T3 ∝ diag(2, 1, 1): p = (1/2, 1/4, 1/4),
    // H = -(1/2 log3 1/2 + 2 * 1/4 log3 1/4) = (0.5 ln 2 + ln 2) / ln 3 = 1.5 ln2 / ln3 = 0.946395,
    // alpha = 1/2 * 0° + 1/4 * 90° + 1/4 * 90° = 45°, A = (1 - 1)/(1 + 1) = 0.
    let hap = cloude_pottier(&Hermitian3::from_real_diagonal([2.0, 1.0, 1.0]).scale(0.3)).unwrap();
    let h = 1.5 * 2f64.ln() / 3f64.ln();
    assert!((hap.entropy - h).abs() < 1e-12);
    assert!((hap.entropy - 0.946395).abs() < 1e-6);
    assert!((hap.alpha_deg - 45.0).abs() < 1e-9);
    assert!(hap.anisotropy.abs() < 1e-12);
}

#[test]
fn fully_random_target() {
    // T3 ∝ I: p_i = 1/3, H = 1, A = 0, alpha = (0 + 90 + 90) / 3 = 60°.
    let hap = cloude_pottier(&Hermitian3::identity().scale(5.0)).unwrap();
    assert!((hap.entropy - 1.0).abs() < 1e-12);
    assert!(hap.anisotropy.abs() < 1e-12);
    assert!((hap.alpha_deg - 60.0).abs() < 1e-9);
}

#[test]
fn anisotropy_closed_form() {
    // T3 = diag(4, 3, 1): A = (3 - 1) / (3 + 1) = 0.5.
    let hap = cloude_pottier(&Hermitian3::from_real_diagonal([1.0, 4.0, 3.0])).unwrap();
    assert!((hap.anisotropy - 0.5).abs() < 1e-12);
    assert_eq!(hap.eigenvalues, [4.0, 3.0, 1.0]);
}

#[test]
fn rank_one_target_recovers_its_alpha() {
    // k = [cos a, sin a cos b e^{i d}, sin a sin b e^{i g}] has T3 = k k^H of rank
    // one: H = 0 and mean alpha = a (Cloude & Pottier's alpha parametrisation).
    for (a_deg, b, d, g) in [(30.0f64, 0.4f64, 0.7f64, -1.1f64), (72.0, 1.2, -2.0, 0.3), (5.0, 0.0, 0.0, 0.0)] {
        let a = a_deg.to_radians();
        let k = [
            c(a.cos(), 0.0),
            Complex64::from_polar(a.sin() * b.cos(), d),
            Complex64::from_polar(a.sin() * b.sin(), g),
        ];
        let hap = cloude_pottier(&Hermitian3::outer(k).scale(2.5)).unwrap();
        assert!(hap.entropy < 1e-6, "H = {}", hap.entropy);
        assert!((hap.alpha_deg - a_deg).abs() < 1e-6, "{} vs {a_deg}", hap.alpha_deg);
    }
}

#[test]
fn zero_power_has_no_decomposition() {
    assert!(cloude_pottier(&Hermitian3::zero()).is_none());
    assert!(freeman_durden(&Hermitian3::zero()).is_none());
}

#[test]
fn freeman_durden_canonical_surface() {
    // HH = VV = 1 (trihedral / flat surface): A = B = C = 1, Re C ≥ 0 so alpha = -1,
    // fd = (AB - |C|²)/(A + B + 2 Re C) = 0: Ps = span = 2.
    let fd = freeman_durden(&QuadPolPixel::new(c(1.0, 0.0), Z, Z, c(1.0, 0.0)).covariance()).unwrap();
    assert!((fd.surface - 2.0).abs() < 1e-12);
    assert!(fd.double_bounce.abs() < 1e-12 && fd.volume.abs() < 1e-12);
}

#[test]
fn freeman_durden_canonical_volume() {
    // C3 = fv [[1, 0, 1/3], [0, 2/3, 0], [1/3, 0, 1]]: Pv = 8 fv / 3 = span.
    let fv = 0.6;
    let mut c3 = Hermitian3::from_real_diagonal([fv, 2.0 * fv / 3.0, fv]);
    c3.m[0][2] = c(fv / 3.0, 0.0);
    c3.m[2][0] = c(fv / 3.0, 0.0);
    let fd = freeman_durden(&c3).unwrap();
    assert!((fd.volume - 8.0 * fv / 3.0).abs() < 1e-12);
    assert!(fd.surface.abs() < 1e-12 && fd.double_bounce.abs() < 1e-12);
}

/// Covariance of the Freeman–Durden model with the given parameters.
fn model_c3(fs: f64, beta: Complex64, fd: f64, alpha: Complex64, fv: f64) -> Hermitian3 {
    let surface = Hermitian3::outer([beta, Z, c(1.0, 0.0)]).scale(fs);
    let dihedral = Hermitian3::outer([alpha, Z, c(1.0, 0.0)]).scale(fd);
    let mut volume = Hermitian3::from_real_diagonal([fv, 2.0 * fv / 3.0, fv]);
    volume.m[0][2] = c(fv / 3.0, 0.0);
    volume.m[2][0] = c(fv / 3.0, 0.0);
    surface.add(&dihedral).add(&volume)
}

#[test]
fn freeman_durden_recovers_a_surface_dominated_mixture() {
    // alpha = -1 (fixed by the surface branch), beta = 0.6 + 0.1i, fs = 2, fd = 0.5, fv = 1:
    // Re<HH VV*> after volume removal = fs Re(beta) - fd = 0.7 ≥ 0 -> surface branch.
    // Expected Ps = fs (1 + |beta|²) = 2 * 1.37 = 2.74, Pd = 2 fd = 1, Pv = 8/3.
    let beta = c(0.6, 0.1);
    let fd = freeman_durden(&model_c3(2.0, beta, 0.5, c(-1.0, 0.0), 1.0)).unwrap();
    assert!((fd.surface - 2.74).abs() < 1e-10, "{fd:?}");
    assert!((fd.double_bounce - 1.0).abs() < 1e-10);
    assert!((fd.volume - 8.0 / 3.0).abs() < 1e-10);
}

#[test]
fn freeman_durden_recovers_a_double_bounce_dominated_mixture() {
    // beta = 1 fixed, alpha = -0.5 + 0.3i, fs = 0.4, fd = 3, fv = 0.3:
    // Re C = fs + fd Re(alpha) = 0.4 - 1.5 < 0 -> double-bounce branch.
    // Expected Ps = 2 fs = 0.8, Pd = fd (1 + |alpha|²) = 3 * 1.34 = 4.02, Pv = 0.8.
    let fd = freeman_durden(&model_c3(0.4, c(1.0, 0.0), 3.0, c(-0.5, 0.3), 0.3)).unwrap();
    assert!((fd.surface - 0.8).abs() < 1e-10, "{fd:?}");
    assert!((fd.double_bounce - 4.02).abs() < 1e-10);
    assert!((fd.volume - 0.8).abs() < 1e-10);
}

#[test]
fn freeman_durden_conserves_span_and_stays_non_negative() {
    // A deterministic spread of pixels, including cross-pol heavy ones where the
    // volume exceeds the co-pol powers (clamping branch).
    let mut state = 12345u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let pixels: Vec<QuadPolPixel> = (0..400)
        .map(|i| {
            let hv = c(next(), next()) * if i % 5 == 0 { 3.0 } else { 0.3 };
            QuadPolPixel::new(c(next(), next()), hv, hv, c(next(), next()))
        })
        .collect();
    let c3: Vec<Hermitian3> = pixels.iter().map(|p| p.covariance()).collect();
    let looks = multilook(&c3, GridShape::new(20, 20), 5).unwrap();
    for m in c3.iter().chain(&looks) {
        let fd = freeman_durden(m).unwrap();
        let span = m.trace();
        assert!((fd.total() - span).abs() < 1e-9 * span.max(1.0), "{fd:?} vs {span}");
        assert!(fd.surface >= 0.0 && fd.double_bounce >= 0.0 && fd.volume >= 0.0);
        let t3 = m.c3_to_t3();
        let pauli = PauliPowers::from_t3(&t3);
        assert!((pauli.total() - span).abs() < 1e-9 * span.max(1.0));
        let hap = cloude_pottier(&t3).unwrap();
        assert!((0.0..=1.0).contains(&hap.entropy) && (0.0..=90.0).contains(&hap.alpha_deg));
    }
    // Single-look pixels: span of the scattering matrix itself.
    for p in &pixels {
        assert!((PauliPowers::from_pixel(p).total() - p.span()).abs() < 1e-12);
    }
}

#[test]
fn multilook_of_orthogonal_mechanisms_raises_entropy() {
    // Averaging a trihedral (k = [√2, 0, 0]) and a dihedral (k = [0, √2, 0]) gives
    // T3 = diag(1, 1, 0): p = (1/2, 1/2, 0), H = ln2 / ln3 = 0.63093, alpha = 45°, A = 1.
    let one = c(1.0, 0.0);
    let t = QuadPolPixel::new(one, Z, Z, one).coherency();
    let d = QuadPolPixel::new(one, Z, Z, -one).coherency();
    let looks = multilook(&[t, d], GridShape::new(1, 2), 3).unwrap();
    assert!((looks[0].m[0][0].re - 1.0).abs() < 1e-12 && (looks[0].m[1][1].re - 1.0).abs() < 1e-12);
    let hap = cloude_pottier(&looks[0]).unwrap();
    assert!((hap.entropy - 2f64.ln() / 3f64.ln()).abs() < 1e-12);
    assert!((hap.alpha_deg - 45.0).abs() < 1e-9);
    assert!((hap.anisotropy - 1.0).abs() < 1e-12);
}
