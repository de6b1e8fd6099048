//! Errors of the pipelines: running one ([`crate::run`]) or predicting with a saved run
//! ([`crate::predict`]). Causes are kept as `source`s, so a caller prints the whole chain.

use std::error::Error;

use thiserror::Error;

/// A boxed cause of a failed [`PipelineError::Step`].
pub type BoxedCause = Box<dyn Error + Send + Sync + 'static>;

/// What can go wrong running a pipeline or predicting with a saved run.
#[derive(Debug, Error)]
pub enum PipelineError {
    /// The pipeline, its data, the saved run or the request is not usable; the message says
    /// why.
    #[error("{0}")]
    Invalid(String),
    /// A step failed: `step` says what was being done (and on which file), `source` why.
    #[error("{step}")]
    Step {
        /// What was being done, e.g. `reading labels <path>`.
        step: String,
        /// Why it failed.
        #[source]
        source: BoxedCause,
    },
    /// Reading or writing a raster or vector file failed.
    #[error(transparent)]
    Geo(#[from] terradl_geo::GeoError),
    /// The data layer rejected a request.
    #[error(transparent)]
    Data(#[from] terradl_data::DataError),
    /// Training, saving or loading a model failed.
    #[error(transparent)]
    Train(#[from] terradl_train::TrainError),
    /// Tiled prediction failed.
    #[error(transparent)]
    Predict(#[from] terradl_predict::PredictError),
    /// Accuracy assessment failed.
    #[error(transparent)]
    Assess(#[from] terradl_assess::AssessError),
    /// Writing the report failed.
    #[error(transparent)]
    Report(#[from] terradl_report::ReportError),
    /// Segmenting the imagery failed.
    #[error(transparent)]
    Segment(#[from] terradl_segment::SegmentError),
    /// The sample-data cache could not be found.
    #[error(transparent)]
    Samples(#[from] terradl_samples::SamplesError),
}

/// Result of the pipeline crate.
pub type Result<T, E = PipelineError> = std::result::Result<T, E>;

/// Names the step a failure happened in: turns an error into a [`PipelineError::Step`]
/// (keeping it as the source), or a `None` into a [`PipelineError::Invalid`].
pub(crate) trait Context<T> {
    /// With `step` as the message of the failure.
    fn context(self, step: impl Into<String>) -> Result<T>;
    /// With the message `step()`, built only on failure.
    fn with_context<S: Into<String>>(self, step: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<BoxedCause>> Context<T> for std::result::Result<T, E> {
    fn context(self, step: impl Into<String>) -> Result<T> {
        self.map_err(|e| PipelineError::Step { step: step.into(), source: e.into() })
    }

    fn with_context<S: Into<String>>(self, step: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| PipelineError::Step { step: step().into(), source: e.into() })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, step: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| PipelineError::Invalid(step.into()))
    }

    fn with_context<S: Into<String>>(self, step: impl FnOnce() -> S) -> Result<T> {
        self.ok_or_else(|| PipelineError::Invalid(step().into()))
    }
}

/// Returns a [`PipelineError::Invalid`] with a `format!` message.
macro_rules! bail {
    ($($arg:tt)+) => {
        return Err($crate::PipelineError::Invalid(format!($($arg)+)))
    };
}

/// Returns a [`PipelineError::Invalid`] with a `format!` message unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            $crate::error::bail!($($arg)+);
        }
    };
}

pub(crate) use {bail, ensure};

/// The messages of `e` and its sources, outermost first.
#[cfg(test)]
pub(crate) fn chain(e: &(dyn Error + 'static)) -> Vec<String> {
    let mut levels = Vec::new();
    let mut cause = Some(e);
    while let Some(e) = cause {
        levels.push(e.to_string());
        cause = e.source();
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_cause() {
        let io: std::result::Result<(), _> = Err(std::io::Error::other("disk on fire"));
        let e = io.context("writing a.json").context("saving the run").unwrap_err();
        assert_eq!(chain(&e), ["saving the run", "writing a.json", "disk on fire"]);
    }

    #[test]
    fn macros_and_options_give_invalid() {
        fn check(n: usize) -> Result<usize> {
            ensure!(n > 1, "{n} is too small");
            if n > 9 {
                bail!("{n} is too large");
            }
            Some(n).filter(|n| n % 2 == 0).context("odd")
        }
        assert!(matches!(check(1), Err(PipelineError::Invalid(m)) if m == "1 is too small"));
        assert!(matches!(check(10), Err(PipelineError::Invalid(m)) if m == "10 is too large"));
        assert!(matches!(check(3), Err(PipelineError::Invalid(m)) if m == "odd"));
        assert_eq!(check(4).unwrap(), 4);
    }
}
