//! Rendering [`ReportData`] to one self-contained HTML page and writing it.

use super::data::{Figure, FigureImage, ReportData};
use super::escape::escape;
use super::{base64, clock};
use crate::error::{ReportError, Result};
use crate::numfmt::trim_fixed;
use crate::png_io::{is_png, write_atomic};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// File name of the report inside its directory.
pub const REPORT_FILE: &str = "report.html";

/// Content-Security-Policy of the page: nothing may be loaded from anywhere;
/// images only from `data:` URIs, styles only inline. A browser therefore
/// refuses (and reports) any external resource.
pub const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const STYLE: &str = include_str!("style.css");

/// MIME type of encoded image bytes (PNG or JPEG), `None` for anything else.
fn mime_of(bytes: &[u8]) -> Option<&'static str> {
    if is_png(bytes) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The `data:` URI of a figure's image; relative paths resolve against `base_dir`.
pub fn figure_data_uri(figure: &Figure, base_dir: &Path) -> Result<String> {
    let (bytes, origin): (std::borrow::Cow<[u8]>, String) = match &figure.image {
        FigureImage::Png(b) => (b.as_slice().into(), "embedded bytes".into()),
        FigureImage::Path(p) => {
            let full: PathBuf = if p.is_absolute() { p.clone() } else { base_dir.join(p) };
            let b = std::fs::read(&full).map_err(|e| ReportError::io(&full, e))?;
            (b.into(), full.display().to_string())
        }
    };
    let mime = mime_of(&bytes)
        .ok_or_else(|| ReportError::Invalid(format!("figure '{}': {origin} is not a PNG or JPEG image", figure.title)))?;
    Ok(format!("data:{mime};base64,{}", base64::encode(&bytes)))
}

fn pct(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite()).map(|x| format!("{}%", trim_fixed(x * 100.0, 1))).unwrap_or_else(|| "–".into())
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite()).map(|x| format!("{x:.decimals$}")).unwrap_or_else(|| "–".into())
}

/// Render the page. Figures given by path are read (relative to `base_dir`)
/// and embedded as base64 `data:` URIs; nothing external is referenced.
pub fn render_html(data: &ReportData, base_dir: &Path) -> Result<String> {
    let title = if data.title.trim().is_empty() { "terradl run report" } else { data.title.as_str() };
    let run = &data.run;
    let acc = &data.accuracy;
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape(title)
    );
    let subtitle: Vec<String> = [
        (!run.dataset.is_empty()).then(|| format!("Dataset: {}", escape(&run.dataset))),
        (!run.date.is_empty()).then(|| format!("Run: {}", escape(&run.date))),
        (!run.terradl_version.is_empty()).then(|| format!("terradl {}", escape(&run.terradl_version))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let _ = write!(h, "<header>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n</header>\n", escape(title), subtitle.join(" · "));

    // Accuracy summary and per-class table.
    if acc.overall_accuracy.is_some() || acc.kappa.is_some() || !acc.per_class.is_empty() {
        h.push_str("<section id=\"accuracy\">\n<h2>Accuracy</h2>\n<div class=\"kpis\">\n");
        if let Some(oa) = acc.overall_accuracy {
            let ci = acc.overall_accuracy_ci95.map(|c| format!(" ± {}", pct(Some(c)))).unwrap_or_default();
            let _ = writeln!(h, "<div class=\"kpi\"><div class=\"value\">{}{ci}</div><div class=\"label\">Overall accuracy</div></div>", pct(Some(oa)));
        }
        if acc.kappa.is_some() {
            let _ = writeln!(h, "<div class=\"kpi\"><div class=\"value\">{}</div><div class=\"label\">Cohen's kappa</div></div>", num(acc.kappa, 3));
        }
        if let Some(n) = acc.n_samples {
            let _ = writeln!(h, "<div class=\"kpi\"><div class=\"value\">{n}</div><div class=\"label\">Assessment samples</div></div>");
        }
        h.push_str("</div>\n");
        if !acc.per_class.is_empty() {
            let has_support = acc.per_class.iter().any(|r| r.support.is_some());
            let has_area = acc.per_class.iter().any(|r| r.area.is_some());
            h.push_str("<table class=\"classes\">\n<thead><tr><th>Class</th><th>Producer's accuracy</th><th>User's accuracy</th><th>F1</th>");
            if has_support {
                h.push_str("<th>Samples</th>");
            }
            if has_area {
                h.push_str("<th>Area estimate (± 95% CI)</th>");
            }
            h.push_str("</tr></thead>\n<tbody>\n");
            for r in &acc.per_class {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                    escape(&r.class),
                    pct(r.producers_accuracy),
                    pct(r.users_accuracy),
                    num(r.f1, 3)
                );
                if has_support {
                    let _ = write!(h, "<td>{}</td>", r.support.map(|s| s.to_string()).unwrap_or_else(|| "–".into()));
                }
                if has_area {
                    let area = r
                        .area
                        .as_ref()
                        .map(|a| format!("{} ± {} {}", trim_fixed(a.estimate, 1), trim_fixed(a.ci95, 1), escape(&a.unit)))
                        .unwrap_or_else(|| "–".into());
                    let _ = write!(h, "<td>{}</td>", area.trim_end());
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</tbody>\n</table>\n");
        }
        h.push_str("</section>\n");
    }

    // Figures.
    if !data.figures.is_empty() {
        h.push_str("<section id=\"figures\">\n<h2>Figures</h2>\n");
        for (i, f) in data.figures.iter().enumerate() {
            let uri = figure_data_uri(f, base_dir)?;
            let caption = f.caption.as_ref().map(|c| format!("<span class=\"caption\">{}</span>", escape(c))).unwrap_or_default();
            let _ = write!(
                h,
                "<figure id=\"figure-{}\">\n<figcaption>{}{caption}</figcaption>\n<img src=\"{uri}\" alt=\"{}\">\n</figure>\n",
                i + 1,
                escape(&f.title),
                escape(&f.title)
            );
        }
        h.push_str("</section>\n");
    }

    // Run metadata.
    h.push_str("<section id=\"run\">\n<h2>Run</h2>\n<table class=\"meta\">\n");
    for (k, v) in [("Command", &run.command), ("Dataset", &run.dataset), ("Date", &run.date), ("terradl version", &run.terradl_version)] {
        if !v.is_empty() {
            let _ = writeln!(h, "<tr><th>{k}</th><td><code>{}</code></td></tr>", escape(v));
        }
    }
    h.push_str("</table>\n");
    if !run.timings.is_empty() {
        h.push_str("<h3>Timings</h3>\n<table class=\"timings\">\n<thead><tr><th>Stage</th><th>Seconds</th></tr></thead>\n<tbody>\n");
        for t in &run.timings {
            let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", escape(&t.stage), trim_fixed(t.seconds, 1));
        }
        let total: f64 = run.timings.iter().map(|t| t.seconds).sum();
        let _ = writeln!(h, "<tr><th>Total</th><th>{}</th></tr>\n</tbody>\n</table>", trim_fixed(total, 1));
    }
    if !run.config_toml.trim().is_empty() {
        let _ = writeln!(h, "<h3>Configuration</h3>\n<pre class=\"config\">{}</pre>", escape(&run.config_toml));
    }
    h.push_str("</section>\n");

    if !data.notes.is_empty() {
        h.push_str("<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n");
        for n in &data.notes {
            let _ = writeln!(h, "<li>{}</li>", escape(n));
        }
        h.push_str("</ul>\n</section>\n");
    }
    let _ = write!(
        h,
        "<footer>Generated by terradl-report {} on {}</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        clock::now_utc()
    );
    Ok(h)
}

/// Write `dir/report.html` (creating `dir`), atomically (temporary file and
/// rename). Returns the path of the report.
pub fn write_html_report(dir: &Path, data: &ReportData) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| ReportError::io(dir, e))?;
    let html = render_html(data, dir)?;
    let path = dir.join(REPORT_FILE);
    write_atomic(&path, html.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::Canvas;
    use crate::color::Rgba;
    use crate::html::data::RunMetadata;
    use crate::run_files::{AccuracyMetrics, AreaEstimate, ClassAccuracy};

    fn png() -> Vec<u8> {
        Canvas::new(3, 2, Rgba::rgb(1, 2, 3)).to_png().unwrap()
    }

    #[test]
    fn page_has_tables_figures_and_escaping() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.png"), png()).unwrap();
        let data = ReportData {
            title: "Crops <2024>".into(),
            run: RunMetadata { command: "terradl train".into(), config_toml: "[model]\nkind = \"unet\"".into(), ..Default::default() },
            accuracy: AccuracyMetrics {
                overall_accuracy: Some(0.9123),
                kappa: Some(0.85),
                per_class: vec![ClassAccuracy {
                    class: "wheat".into(),
                    producers_accuracy: Some(0.9),
                    users_accuracy: None,
                    f1: Some(0.8),
                    support: None,
                    area: Some(AreaEstimate { estimate: 120.0, ci95: 8.5, unit: "ha".into() }),
                }],
                ..Default::default()
            },
            figures: vec![Figure::png("inline", png()), Figure::path("file", "f.png").with_caption("from disk")],
            notes: vec!["a & b".into()],
        };
        let path = write_html_report(dir.path(), &data).unwrap();
        let html = std::fs::read_to_string(&path).unwrap();
        assert!(html.contains("<title>Crops &lt;2024&gt;</title>"));
        assert!(html.contains("91.2%"));
        assert!(html.contains("0.850"));
        assert!(html.contains("<td>wheat</td><td>90%</td><td>–</td><td>0.800</td><td>120 ± 8.5 ha</td>"));
        assert_eq!(html.matches("<img src=\"data:image/png;base64,").count(), 2);
        assert!(html.contains(&base64::encode(&png())));
        assert!(html.contains("kind = &quot;unet&quot;"));
        assert!(html.contains("<li>a &amp; b</li>"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }

    #[test]
    fn bad_figures_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = ReportData { figures: vec![Figure::path("x", "missing.png")], ..Default::default() };
        assert!(matches!(write_html_report(dir.path(), &missing), Err(ReportError::Io { .. })));
        let not_png = ReportData { figures: vec![Figure::png("x", b"GIF89a".to_vec())], ..Default::default() };
        assert!(matches!(write_html_report(dir.path(), &not_png), Err(ReportError::Invalid(_))));
        assert!(!dir.path().join(REPORT_FILE).exists());
    }
}
