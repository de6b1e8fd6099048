//! Linear <-> decibel conversion for SAR backscatter.
//!
//! Power quantities (sigma0, intensity, |S|^2) use `10 log10`; amplitude
//! quantities (|S|, DN of amplitude products) use `20 log10`.
//!
//! Nodata rule: a linear value that is zero, negative or not finite has no
//! logarithm and becomes NaN (the crate's nodata marker); a dB value that is
//! not finite becomes NaN on the way back.
//!
//! ```
//! use terradl_sar::db::{amplitude_to_db, power_to_db};
//! assert!((amplitude_to_db(10.0) - 20.0).abs() < 1e-6);
//! assert!(power_to_db(0.0).is_nan());
//! assert!(power_to_db(-1.0).is_nan());
//! ```

/// Linear power to dB: `10 log10(x)`; NaN where `x <= 0` or not finite.
pub fn power_to_db(x: f32) -> f32 {
    if x.is_finite() && x > 0.0 { 10.0 * x.log10() } else { f32::NAN }
}

/// dB to linear power: `10^(db/10)`; NaN where `db` is not finite.
pub fn db_to_power(db: f32) -> f32 {
    if db.is_finite() { 10f32.powf(db / 10.0) } else { f32::NAN }
}

/// Linear amplitude to dB: `20 log10(x)`; NaN where `x <= 0` or not finite.
pub fn amplitude_to_db(x: f32) -> f32 {
    if x.is_finite() && x > 0.0 { 20.0 * x.log10() } else { f32::NAN }
}

/// dB to linear amplitude: `10^(db/20)`; NaN where `db` is not finite.
pub fn db_to_amplitude(db: f32) -> f32 {
    if db.is_finite() { 10f32.powf(db / 20.0) } else { f32::NAN }
}

/// Convert a slice of linear powers to dB in place (see [`power_to_db`]).
pub fn power_to_db_in_place(data: &mut [f32]) {
    data.iter_mut().for_each(|v| *v = power_to_db(*v));
}

/// Convert a slice of dB values to linear power in place (see [`db_to_power`]).
pub fn db_to_power_in_place(data: &mut [f32]) {
    data.iter_mut().for_each(|v| *v = db_to_power(*v));
}

/// Convert a slice of linear amplitudes to dB in place (see [`amplitude_to_db`]).
pub fn amplitude_to_db_in_place(data: &mut [f32]) {
    data.iter_mut().for_each(|v| *v = amplitude_to_db(*v));
}

/// Convert a slice of dB values to linear amplitude in place (see [`db_to_amplitude`]).
pub fn db_to_amplitude_in_place(data: &mut [f32]) {
    data.iter_mut().for_each(|v| *v = db_to_amplitude(*v));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // 10 log10(1) = 0, 10 log10(100) = 20, 10 log10(0.5) = -3.0103
        assert_eq!(power_to_db(1.0), 0.0);
        assert!((power_to_db(100.0) - 20.0).abs() < 1e-5);
        assert!((power_to_db(0.5) - -3.010_3).abs() < 1e-4);
        // amplitude a has power a^2, so the dB value is the same quantity.
        assert!((amplitude_to_db(0.5) - power_to_db(0.25)).abs() < 1e-5);
    }

    #[test]
    fn invalid_inputs_become_nan() {
        for x in [0.0, -0.0, -3.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert!(power_to_db(x).is_nan(), "{x}");
            assert!(amplitude_to_db(x).is_nan(), "{x}");
        }
        for x in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert!(db_to_power(x).is_nan());
            assert!(db_to_amplitude(x).is_nan());
        }
    }

    #[test]
    fn round_trip_over_the_sar_range() {
        let mut data: Vec<f32> = (0..200).map(|i| 1e-4 * 1.07f32.powi(i)).collect();
        let orig = data.clone();
        power_to_db_in_place(&mut data);
        db_to_power_in_place(&mut data);
        for (a, b) in data.iter().zip(&orig) {
            assert!(((a - b) / b).abs() < 1e-5, "{a} vs {b}");
        }
        let mut amp = orig.clone();
        amplitude_to_db_in_place(&mut amp);
        db_to_amplitude_in_place(&mut amp);
        for (a, b) in amp.iter().zip(&orig) {
            assert!(((a - b) / b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}
