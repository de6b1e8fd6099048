//! Short number formatting for axis ticks, colour bars and tables.

/// Format `v` with `decimals` decimals, then drop trailing zeros (and the dot).
pub(crate) fn trim_fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() { "NaN".into() } else if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".into() } else { s }
}

/// A compact label for a value of unknown magnitude (about 3 significant digits).
pub(crate) fn compact(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = if a >= 100.0 { 0 } else if a >= 10.0 { 1 } else if a >= 1.0 { 2 } else { 3 };
    trim_fixed(v, decimals)
}

/// A tick label given the tick step (enough decimals to tell ticks apart).
pub(crate) fn tick_label(v: f64, step: f64) -> String {
    if step.abs() >= 1e6 || (step != 0.0 && step.abs() < 1e-4) {
        return format!("{v:.1e}");
    }
    // Fewest decimals that represent the step exactly (0.25 -> 2, 0.2 -> 1, 5 -> 0).
    let step = step.abs();
    let decimals = (0..=10)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(10);
    trim_fixed(v, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(trim_fixed(0.500, 3), "0.5");
        assert_eq!(trim_fixed(2.0, 2), "2");
        assert_eq!(trim_fixed(-0.0001, 2), "0");
        assert_eq!(compact(0.12345), "0.123");
        assert_eq!(compact(1234.7), "1235");
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(1e-5), "1.00e-5");
        assert_eq!(tick_label(0.25, 0.05), "0.25");
        assert_eq!(tick_label(20.0, 5.0), "20");
        assert_eq!(tick_label(0.2, 0.2), "0.2");
        assert_eq!(tick_label(0.075, 0.025), "0.075");
        assert_eq!(tick_label(0.05, 0.025), "0.05");
        assert_eq!(tick_label(0.6000000000000001, 0.2), "0.6");
        assert_eq!(tick_label(7.5, 2.5), "7.5");
        assert_eq!(trim_fixed(f64::NAN, 2), "NaN");
    }
}
