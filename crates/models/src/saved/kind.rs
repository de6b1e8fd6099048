//! The typed kind of a saved model.

use serde::{Deserialize, Serialize};

/// Which model a saved directory holds; written into the header and checked on load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Random forest pixel classifier.
    RandomForest,
    /// Support vector machine pixel classifier.
    Svm,
    /// Burn MLP pixel classifier.
    Mlp,
    /// Patch CNN land-use classifier.
    PatchCnn,
    /// Object-based CNN land-use classifier.
    Ocnn,
    /// Joint deep learning land-use classifier.
    Jdl,
    /// TempCNN time-series classifier.
    Tempcnn,
    /// LSTM time-series classifier.
    Lstm,
    /// L-TAE time-series classifier.
    Ltae,
    /// CenterNet-style object detector.
    Detector,
    /// U-Net plant segmenter.
    PlantSegmenter,
    /// A training checkpoint: current and best weights, optimizer state and loop state.
    Checkpoint,
}

/// `kinds` as `a`, `a or b`, `a, b or c`.
pub(crate) fn one_of(kinds: &[ModelKind]) -> String {
    let names: Vec<String> = kinds.iter().map(ToString::to_string).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned));
        f.write_str(name.as_deref().unwrap_or("unknown"))
    }
}
