//! Value-column names as `(date, band)`: `2018-04-29_B4`, `B4_20180429`, `20180429` (one band).

use crate::time_series::Date;

/// The date and band named by a value column, when its name holds exactly one date token
/// (tokens split on `_`, `:` and spaces); the band is the rest of the name, if any.
pub(crate) fn date_band(name: &str) -> Option<(Date, Option<String>)> {
    let tokens: Vec<&str> = name.split(['_', ':', ' ']).filter(|t| !t.is_empty()).collect();
    let mut found = tokens.iter().enumerate().filter_map(|(i, t)| Date::parse(t).map(|d| (i, d)));
    let (at, date) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let rest: Vec<&str> = tokens.iter().enumerate().filter(|&(i, _)| i != at).map(|(_, t)| *t).collect();
    Some((date, (!rest.is_empty()).then(|| rest.join("_"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_the_usual_export_forms() {
        let d = Date::from_yyyymmdd(20180429).unwrap();
        assert_eq!(date_band("2018-04-29_B4"), Some((d, Some("B4".into()))));
        assert_eq!(date_band("B8A_20180429"), Some((d, Some("B8A".into()))));
        assert_eq!(date_band("20180429"), Some((d, None)));
        assert_eq!(date_band("2018/04/29"), Some((d, None)));
        assert_eq!(date_band("red_edge_2018-04-29"), Some((d, Some("red_edge".into()))));
        assert_eq!(date_band("t12"), None);
        assert_eq!(date_band("20180230_B4"), None);
        assert_eq!(date_band("20180429_20180513"), None);
        assert_eq!(date_band("2018x0429"), None);
    }
}
