//! A box (or any detection geometry) with a confidence score and an optional class.

use serde::{Deserialize, Serialize};

/// `bbox` with its confidence `score` (higher is more confident) and, for
/// multi-class detectors, the class index it was detected as.
///
/// ```
/// use terradl_geo::{PixelBox, Scored};
/// let s = Scored::new(PixelBox::new(0.0, 0.0, 4.0, 4.0), 0.8);
/// assert_eq!((s.score, s.class), (0.8, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored<B> {
    /// The scored box.
    pub bbox: B,
    /// Confidence (detector probability or mean plant probability).
    pub score: f64,
    /// Class index, when the source distinguishes classes.
    #[serde(default)]
    pub class: Option<usize>,
}

impl<B> Scored<B> {
    /// `bbox` with `score` and no class.
    pub fn new(bbox: B, score: f64) -> Self {
        Scored { bbox, score, class: None }
    }

    /// The same, detected as class `class`.
    pub fn with_class(self, class: usize) -> Self {
        Scored { class: Some(class), ..self }
    }
}
