//! [`ReportData`]: everything the HTML report shows, as a serde struct.

use crate::html::base64;
use crate::run_files::{AccuracyMetrics, Timing};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Run metadata shown in the report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RunMetadata {
    /// Command line that produced the run.
    pub command: String,
    /// Pipeline configuration, verbatim TOML.
    pub config_toml: String,
    /// Dataset name or description.
    pub dataset: String,
    /// Wall-clock time per stage.
    pub timings: Vec<Timing>,
    /// Version of terradl that made the run.
    pub terradl_version: String,
    /// Date of the run (free text, ISO 8601 recommended).
    pub date: String,
}

/// The image of a figure: a PNG (or JPEG) file, or encoded bytes.
///
/// JSON: `{"path": "figures/map.png"}` or `{"png": "<base64>"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureImage {
    /// A file; relative paths are resolved against the report directory.
    Path(PathBuf),
    /// Encoded image bytes (stored as base64 in JSON).
    Png(#[serde(with = "base64::serde_bytes")] Vec<u8>),
}

/// One figure of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Figure title, shown above the image.
    pub title: String,
    /// Optional explanatory text under the title.
    #[serde(default)]
    pub caption: Option<String>,
    /// The image, embedded in the HTML as a data URI.
    pub image: FigureImage,
}

impl Figure {
    /// A figure from encoded PNG bytes.
    pub fn png(title: impl Into<String>, bytes: Vec<u8>) -> Self {
        Figure { title: title.into(), caption: None, image: FigureImage::Png(bytes) }
    }
    /// A figure from a file.
    pub fn path(title: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Figure { title: title.into(), caption: None, image: FigureImage::Path(path.into()) }
    }
    /// Set the caption (builder style).
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }
}

/// Everything a report shows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportData {
    /// Page title (default "terradl run report").
    pub title: String,
    /// What was run, on what, and when.
    pub run: RunMetadata,
    /// Overall accuracy, kappa and the per-class table (producer's, user's, F1, area ± CI).
    pub accuracy: AccuracyMetrics,
    /// Figures, in page order.
    pub figures: Vec<Figure>,
    /// Free-text notes (each one paragraph/list item).
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_json_forms() {
        let f = Figure::png("t", vec![1, 2, 3]);
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains(r#""png":"AQID""#), "{json}");
        assert_eq!(serde_json::from_str::<Figure>(&json).unwrap(), f);
        let p: Figure = serde_json::from_str(r#"{"title":"m","image":{"path":"a/b.png"}}"#).unwrap();
        assert_eq!(p.image, FigureImage::Path("a/b.png".into()));
        let d: ReportData = serde_json::from_str("{}").unwrap();
        assert!(d.figures.is_empty());
    }
}
