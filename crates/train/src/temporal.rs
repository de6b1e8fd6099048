//! Time-series classifiers behind the shared [`PixelClassifier`] interface: TempCNN, LSTM/GRU
//! and L-TAE (burn), plus the random-forest baseline on the flattened series.
//!
//! Samples are `[n_dates, n_bands]` series flattened date-major (`x[(s * T + t) * C + b]`), so
//! `n_features = T * C`. The deep models standardise each band with statistics over all dates of
//! the training series ([`FeatureAxis::Last`]), stored with the model, and hold out a stratified
//! validation share of the training samples for early stopping.

use std::path::Path;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use terradl_models::saved::{HEADER_FILE, ModelKind};
use terradl_models::{
    Classifier, LstmClassifier, LstmClassifierConfig, Ltae, LtaeConfig, RecurrentCell, SequencePooling, TempCnn,
    TempCnnConfig,
};

use crate::augment::Augmentation;
use crate::config::{ClassWeighting, LrSchedule, TrainConfig};
use crate::dataset::TensorDataset;
use crate::error::TrainError;
use crate::distill::{DistillSettings, Teacher};
use crate::fit::{FitOptions, fit, fit_distilled};
use crate::history::History;
use crate::inference::{ClassProbabilities, predict_proba};
use crate::model_dir::{header_normalisation, load_weights, read_header, save_weights, write_header};
use crate::normalization::{FeatureAxis, Normalization};
use crate::pixel::{PixelClassifier, RandomForest, RandomForestConfig};

/// Training settings of the deep temporal models (TOML-friendly: every field has a default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TemporalTraining {
    /// Maximum epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// AdamW learning rate.
    pub learning_rate: f64,
    /// Early-stopping patience in epochs (0 disables).
    pub patience: usize,
    /// Inverse-frequency class weights in the loss.
    pub balanced: bool,
    /// Share of the training samples held out (stratified) for early stopping.
    pub val_fraction: f64,
    /// Seed of initialisation, shuffling, dropout and the validation draw.
    pub seed: u64,
    /// AdamW decoupled weight decay.
    pub weight_decay: f32,
    /// Learning-rate schedule, e.g. `schedule = { OneCycle = { warmup_fraction = 0.3 } }`.
    pub schedule: LrSchedule,
    /// Label smoothing of the cross-entropy targets (0 = none).
    pub label_smoothing: f32,
    /// Augmentation of the training batches, e.g.
    /// `augment = { jitter = 0.03, scale = 0.1, shift = 1, mixup = 0.2 }`.
    pub augment: Augmentation,
    /// Stochastic weight averaging over the last this many epochs (0 = off; needs
    /// `patience = 0`).
    pub average_last: usize,
}

impl Default for TemporalTraining {
    fn default() -> Self {
        let base = TrainConfig::new();
        Self {
            epochs: 30,
            batch_size: 64,
            learning_rate: 1e-3,
            patience: 5,
            balanced: false,
            val_fraction: 0.1,
            seed: 42,
            weight_decay: base.weight_decay,
            schedule: base.lr_schedule,
            label_smoothing: base.label_smoothing,
            augment: base.augment,
            average_last: base.average_last,
        }
    }
}

impl TemporalTraining {
    fn train_config(&self) -> TrainConfig {
        TrainConfig::new()
            .with_epochs(self.epochs)
            .with_batch_size(self.batch_size)
            .with_learning_rate(self.learning_rate)
            .with_patience(self.patience)
            .with_seed(self.seed)
            .with_weight_decay(self.weight_decay)
            .with_lr_schedule(self.schedule.clone())
            .with_label_smoothing(self.label_smoothing)
            .with_augment(self.augment.clone())
            .with_average_last(self.average_last)
            .with_class_weights(if self.balanced { ClassWeighting::Balanced } else { ClassWeighting::Uniform })
    }
}

/// Settings of a TempCNN (Pelletier et al. 2019).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TempCnnSettings {
    /// Filters of each of the three convolutions.
    pub filters: usize,
    /// Temporal kernel size (odd).
    pub kernel_size: usize,
    /// Width of the dense layer.
    pub hidden: usize,
    /// Dropout probability.
    pub dropout: f64,
    /// Optimisation settings.
    pub train: TemporalTraining,
}

impl Default for TempCnnSettings {
    fn default() -> Self {
        Self { filters: 32, kernel_size: 5, hidden: 128, dropout: 0.2, train: TemporalTraining::default() }
    }
}

/// Settings of an LSTM (or GRU) classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LstmSettings {
    /// Hidden state size.
    pub hidden: usize,
    /// Stacked recurrent layers.
    pub layers: usize,
    /// Use GRU cells instead of LSTM.
    pub gru: bool,
    /// Mean of the hidden states over time instead of the last one.
    pub mean_pooling: bool,
    /// Dropout probability.
    pub dropout: f64,
    /// Optimisation settings.
    pub train: TemporalTraining,
}

impl Default for LstmSettings {
    fn default() -> Self {
        Self { hidden: 64, layers: 2, gru: false, mean_pooling: false, dropout: 0.2, train: TemporalTraining::default() }
    }
}

/// Settings of a lightweight temporal attention encoder (L-TAE, Garnot & Landrieu 2020);
/// positions are the acquisition days of year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LtaeSettings {
    /// Width of the projected input (a multiple of `heads`).
    pub d_model: usize,
    /// Attention heads.
    pub heads: usize,
    /// Key/query width per head.
    pub d_k: usize,
    /// Width of the hidden layer of the classification head.
    pub mlp_hidden: usize,
    /// Dropout probability.
    pub dropout: f64,
    /// Optimisation settings.
    pub train: TemporalTraining,
}

impl Default for LtaeSettings {
    fn default() -> Self {
        Self { d_model: 64, heads: 8, d_k: 8, mlp_hidden: 64, dropout: 0.2, train: TemporalTraining::default() }
    }
}

/// Choice of time-series classifier, e.g. `kind = "tempcnn"` in a pipeline's TOML.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemporalModelConfig {
    /// TempCNN (Pelletier et al. 2019), `kind = "tempcnn"`.
    #[serde(rename = "tempcnn")]
    TempCnn(TempCnnSettings),
    /// LSTM or GRU classifier, `kind = "lstm"`.
    Lstm(LstmSettings),
    /// L-TAE attention encoder, `kind = "ltae"`.
    Ltae(LtaeSettings),
    /// Random forest on the flattened series (dates x bands features).
    RandomForest(RandomForestConfig),
}

impl TemporalModelConfig {
    /// An untrained classifier for series of `n_dates x n_bands`; `days` are the acquisition
    /// days (day of year, or days since the first date), used by L-TAE as positions.
    pub fn build(&self, n_dates: usize, n_bands: usize, days: &[f32]) -> Result<Box<dyn PixelClassifier>, TrainError> {
        Ok(match self {
            TemporalModelConfig::RandomForest(c) => {
                check_axes(n_dates, n_bands, days)?;
                Box::new(RandomForest::new(c.clone()))
            }
            _ => Box::new(self.build_network(n_dates, n_bands, days)?),
        })
    }

    /// An untrained network (TempCNN, LSTM or L-TAE), as [`build`](Self::build); a random
    /// forest is a [`TrainError::Config`].
    pub fn build_network(&self, n_dates: usize, n_bands: usize, days: &[f32]) -> Result<TemporalClassifier, TrainError> {
        check_axes(n_dates, n_bands, days)?;
        if !self.is_network() {
            return Err(TrainError::Config("a random forest is not a network (want tempcnn, lstm or ltae)".into()));
        }
        Ok(TemporalClassifier {
            config: self.clone(),
            n_dates,
            n_bands,
            days: days.to_vec(),
            n_classes: 0,
            model: None,
            normalization: None,
            history: History::default(),
        })
    }

    /// Whether this is a network (not the random forest).
    pub fn is_network(&self) -> bool {
        !matches!(self, TemporalModelConfig::RandomForest(_))
    }
}

fn check_axes(n_dates: usize, n_bands: usize, days: &[f32]) -> Result<(), TrainError> {
    if n_dates == 0 || n_bands == 0 || days.len() != n_dates {
        return Err(TrainError::Config(format!("{n_dates} dates x {n_bands} bands with {} days", days.len())));
    }
    Ok(())
}

/// A trained burn network.
#[derive(Debug)]
enum Net {
    TempCnn(TempCnn),
    Lstm(LstmClassifier),
    Ltae(Ltae),
}

/// TempCNN / LSTM / L-TAE with its per-band normalisation; see the module documentation.
#[derive(Debug)]
pub struct TemporalClassifier {
    config: TemporalModelConfig,
    n_dates: usize,
    n_bands: usize,
    days: Vec<f32>,
    n_classes: usize,
    model: Option<Net>,
    normalization: Option<Normalization>,
    history: History,
}

impl TemporalClassifier {
    /// Training history of the last fit.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Per-band statistics learnt from the training series.
    pub fn normalization(&self) -> Option<&Normalization> {
        self.normalization.as_ref()
    }

    fn shape(&self) -> [usize; 2] {
        [self.n_dates, self.n_bands]
    }

    fn check_features(&self, n_features: usize) -> Result<(), TrainError> {
        if n_features != self.n_dates * self.n_bands {
            return Err(TrainError::Data(format!(
                "{n_features} features per sample, but the model takes {} dates x {} bands",
                self.n_dates, self.n_bands
            )));
        }
        Ok(())
    }
}

fn tempcnn_config(s: &TempCnnSettings, c: usize, t: usize, k: usize) -> TempCnnConfig {
    TempCnnConfig::new(c, t, k)
        .with_filters(s.filters)
        .with_kernel_size(s.kernel_size)
        .with_hidden(s.hidden)
        .with_dropout(s.dropout)
}

fn lstm_config(s: &LstmSettings, c: usize, k: usize) -> LstmClassifierConfig {
    LstmClassifierConfig::new(c, k)
        .with_hidden(s.hidden)
        .with_n_layers(s.layers)
        .with_cell(if s.gru { RecurrentCell::Gru } else { RecurrentCell::Lstm })
        .with_pooling(if s.mean_pooling { SequencePooling::Mean } else { SequencePooling::Last })
        .with_dropout(s.dropout)
}

fn ltae_config(s: &LtaeSettings, c: usize, k: usize, days: &[f32]) -> LtaeConfig {
    LtaeConfig::new(c, k)
        .with_d_model(s.d_model)
        .with_n_head(s.heads)
        .with_d_k(s.d_k)
        .with_mlp_hidden(s.mlp_hidden)
        .with_dropout(s.dropout)
        .with_positions(Some(days.to_vec()))
}

/// Weights file of a saved temporal model.
const WEIGHTS_FILE: &str = "temporal.bpk";

/// The saved-model kinds of the temporal networks (a GRU is saved as an `lstm`).
pub(crate) const TEMPORAL_KINDS: [ModelKind; 3] = [ModelKind::Tempcnn, ModelKind::Lstm, ModelKind::Ltae];

/// The header's config of a saved temporal model: everything but the weights and the
/// normalisation statistics (in the header).
#[derive(Serialize, Deserialize)]
struct SavedTemporal {
    config: TemporalModelConfig,
    n_dates: usize,
    n_bands: usize,
    days: Vec<f32>,
    n_classes: usize,
    history: History,
}

impl TemporalClassifier {
    /// Reads a model written by [`PixelClassifier::save`] (the header, with settings and
    /// normalisation, and `temporal.bpk`); a directory without a header, of another format
    /// version or of a kind other than `tempcnn`, `lstm` or `ltae` is a
    /// [`TrainError::Saved`].
    pub fn load(dir: &Path) -> Result<Self, TrainError> {
        let (header, saved): (_, SavedTemporal) = read_header(dir, &TEMPORAL_KINDS)?;
        let normalization = header_normalisation(dir, &header, FeatureAxis::Last)?;
        let (c, t, k, d) = (saved.n_bands, saved.n_dates, saved.n_classes, terradl_models::compute_device());
        let net = match &saved.config {
            TemporalModelConfig::TempCnn(s) => Net::TempCnn(load_weights(tempcnn_config(s, c, t, k).init(&d), dir, WEIGHTS_FILE)?),
            TemporalModelConfig::Lstm(s) => Net::Lstm(load_weights(lstm_config(s, c, k).init(&d), dir, WEIGHTS_FILE)?),
            TemporalModelConfig::Ltae(s) => Net::Ltae(load_weights(ltae_config(s, c, k, &saved.days).init(&d), dir, WEIGHTS_FILE)?),
            TemporalModelConfig::RandomForest(_) => {
                return Err(TrainError::checkpoint(dir.join(HEADER_FILE), "a random forest is not a temporal network"));
            }
        };
        Ok(Self {
            config: saved.config,
            n_dates: t,
            n_bands: c,
            days: saved.days,
            n_classes: k,
            model: Some(net),
            normalization: Some(normalization),
            history: saved.history,
        })
    }

    /// The saved-model kind of the network.
    fn kind(&self) -> ModelKind {
        match self.config {
            TemporalModelConfig::TempCnn(_) => ModelKind::Tempcnn,
            TemporalModelConfig::Ltae(_) => ModelKind::Ltae,
            TemporalModelConfig::Lstm(_) | TemporalModelConfig::RandomForest(_) => ModelKind::Lstm,
        }
    }
}

fn train_net<M: Classifier>(
    init: impl Fn(&Device) -> M,
    train: &TensorDataset,
    teacher: Option<&Teacher>,
    val: &TensorDataset,
    settings: &TemporalTraining,
) -> Result<(M, History), TrainError> {
    let (config, options) = (settings.train_config(), FitOptions::default());
    let fitted = match teacher {
        None => fit(init, train, val, &config, &options)?,
        Some(t) => fit_distilled(init, train, t, val, &config, &options)?,
    };
    Ok((fitted.model, fitted.history))
}

impl TemporalClassifier {
    /// Trains on `x` / `y` as [`PixelClassifier::fit`], and learns from `teacher`'s class
    /// probabilities (one row per sample, for instance a deep ensemble's) beside the labels:
    /// knowledge distillation, see [`crate::distill`].
    pub fn fit_distilled(
        &mut self,
        x: &[f32],
        n_features: usize,
        y: &[u32],
        teacher: &[f32],
        settings: &DistillSettings,
    ) -> Result<(), TrainError> {
        self.fit_with(x, n_features, y, Some((teacher, settings)))
    }

    fn fit_with(
        &mut self,
        x: &[f32],
        n_features: usize,
        y: &[u32],
        teacher: Option<(&[f32], &DistillSettings)>,
    ) -> Result<(), TrainError> {
        self.check_features(n_features)?;
        let (_, k) = crate::pixel::check_xy(x, n_features, y)?;
        let shape = self.shape();
        let norm = Normalization::fit(x, &shape, FeatureAxis::Last)?;
        let mut xs = x.to_vec();
        norm.apply(&mut xs, &shape)?;
        let data = TensorDataset::new(xs, shape.to_vec(), y.to_vec())?;
        let settings = match &self.config {
            TemporalModelConfig::TempCnn(s) => &s.train,
            TemporalModelConfig::Lstm(s) => &s.train,
            TemporalModelConfig::Ltae(s) => &s.train,
            TemporalModelConfig::RandomForest(_) => unreachable!("random forests are built as RandomForest"),
        };
        let teacher = teacher.map(|(p, s)| Teacher::new(p, k, s.clone())).transpose()?;
        if let Some(t) = &teacher
            && t.len() != data.len()
        {
            return Err(TrainError::Data(format!("teacher probabilities for {} samples, but {} samples", t.len(), data.len())));
        }
        let (train, val, teacher) = if settings.val_fraction > 0.0 {
            let (ti, vi) = data.stratified_indices(settings.val_fraction, settings.seed);
            (data.subset(&ti), data.subset(&vi), teacher.map(|t| t.subset(&ti)))
        } else {
            (data, TensorDataset { shape: shape.to_vec(), ..Default::default() }, teacher)
        };
        let teacher = teacher.as_ref();
        let (t, c) = (self.n_dates, self.n_bands);
        let (net, history) = match &self.config {
            TemporalModelConfig::TempCnn(s) => {
                if s.kernel_size % 2 == 0 {
                    return Err(TrainError::Config(format!(
                        "tempcnn kernel_size = {} must be odd (\"same\" padding keeps the series length)",
                        s.kernel_size
                    )));
                }
                let cfg = tempcnn_config(s, c, t, k);
                let (m, h) = train_net(|d: &Device| cfg.init(d), &train, teacher, &val, &s.train)?;
                (Net::TempCnn(m), h)
            }
            TemporalModelConfig::Lstm(s) => {
                let cfg = lstm_config(s, c, k);
                let (m, h) = train_net(|d: &Device| cfg.init(d), &train, teacher, &val, &s.train)?;
                (Net::Lstm(m), h)
            }
            TemporalModelConfig::Ltae(s) => {
                let cfg = ltae_config(s, c, k, &self.days);
                cfg.validate()?;
                let (m, h) = train_net(|d: &Device| cfg.init(d), &train, teacher, &val, &s.train)?;
                (Net::Ltae(m), h)
            }
            TemporalModelConfig::RandomForest(_) => unreachable!("random forests are built as RandomForest"),
        };
        self.n_classes = k;
        self.model = Some(net);
        self.history = history;
        self.normalization = Some(norm);
        Ok(())
    }

}

impl PixelClassifier for TemporalClassifier {
    fn name(&self) -> &'static str {
        match self.config {
            TemporalModelConfig::TempCnn(_) => "tempcnn",
            TemporalModelConfig::Lstm(ref s) if s.gru => "gru",
            TemporalModelConfig::Lstm(_) => "lstm",
            TemporalModelConfig::Ltae(_) => "ltae",
            TemporalModelConfig::RandomForest(_) => "random_forest",
        }
    }

    fn fit(&mut self, x: &[f32], n_features: usize, y: &[u32]) -> Result<(), TrainError> {
        self.fit_with(x, n_features, y, None)
    }

    fn predict_proba(&self, x: &[f32], n_features: usize) -> Result<ClassProbabilities, TrainError> {
        self.check_features(n_features)?;
        let (Some(net), Some(norm)) = (&self.model, &self.normalization) else {
            return Err(TrainError::Classical(format!("{} used before fit", self.name())));
        };
        crate::pixel::check_x(x, n_features)?;
        let shape = self.shape();
        let mut xs = x.to_vec();
        norm.apply(&mut xs, &shape)?;
        match net {
            Net::TempCnn(m) => predict_proba(m, &xs, &shape, 1024),
            Net::Lstm(m) => predict_proba(m, &xs, &shape, 1024),
            Net::Ltae(m) => predict_proba(m, &xs, &shape, 1024),
        }
    }

    fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        let (Some(net), Some(norm)) = (&self.model, &self.normalization) else {
            return Err(TrainError::Classical(format!("{} saved before fit", self.name())));
        };
        match net {
            Net::TempCnn(m) => save_weights(m, dir, WEIGHTS_FILE)?,
            Net::Lstm(m) => save_weights(m, dir, WEIGHTS_FILE)?,
            Net::Ltae(m) => save_weights(m, dir, WEIGHTS_FILE)?,
        }
        let saved = SavedTemporal {
            config: self.config.clone(),
            n_dates: self.n_dates,
            n_bands: self.n_bands,
            days: self.days.clone(),
            n_classes: self.n_classes,
            history: self.history.clone(),
        };
        write_header(dir, self.kind(), &saved, Some(norm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixel::SavedPixelModel;
    use terradl_models::saved::{ModelHeader, SavedModelError};

    /// Two classes told apart only by the timing of a peak in band 0 (date 2 vs date 5).
    fn fixture(n: usize) -> (Vec<f32>, Vec<u32>) {
        let (t, c) = (8, 2);
        let mut x = Vec::with_capacity(n * t * c);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let class = (i % 2) as u32;
            let peak = if class == 0 { 2.0 } else { 5.0 };
            for d in 0..t {
                let jitter = ((i * 7 + d * 3) % 11) as f32 / 11.0 - 0.5;
                x.push((-((d as f32 - peak).powi(2)) / 2.0).exp() * 5.0 + jitter);
                x.push(100.0 + jitter * 10.0);
            }
            y.push(class);
        }
        (x, y)
    }

    #[test]
    fn every_kind_learns_peak_timing() {
        let (x, y) = fixture(96);
        let days: Vec<f32> = (0..8).map(|d| 100.0 + 20.0 * d as f32).collect();
        let train = TemporalTraining { epochs: 15, batch_size: 16, learning_rate: 3e-3, patience: 0, val_fraction: 0.0, ..Default::default() };
        let kinds = [
            TemporalModelConfig::TempCnn(TempCnnSettings { filters: 8, hidden: 16, train: train.clone(), ..Default::default() }),
            TemporalModelConfig::Lstm(LstmSettings { hidden: 16, layers: 1, train: train.clone(), ..Default::default() }),
            TemporalModelConfig::Ltae(LtaeSettings { d_model: 16, heads: 4, d_k: 4, mlp_hidden: 16, train, ..Default::default() }),
            TemporalModelConfig::RandomForest(RandomForestConfig { n_trees: 10, ..Default::default() }),
        ];
        for kind in kinds {
            let mut m = kind.build(8, 2, &days).unwrap();
            m.fit(&x, 16, &y).unwrap();
            let pred = m.predict(&x, 16).unwrap();
            let acc = pred.iter().zip(&y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64;
            assert!(acc > 0.9, "{}: training accuracy {acc}", m.name());
            assert!(m.predict(&x, 15).is_err());
            if m.name() != "random_forest" {
                // weights, settings and per-band normalisation survive a save / load round trip
                let dir = tempfile::tempdir().unwrap();
                m.save(dir.path()).unwrap();
                let back = TemporalClassifier::load(dir.path()).unwrap();
                assert_eq!(back.normalization().unwrap().mean.len(), 2);
                let header = ModelHeader::read(dir.path()).unwrap();
                assert_eq!(header.kind.to_string(), m.name());
                assert_eq!(header.normalisation.unwrap().std, back.normalization().unwrap().std);
                assert!(matches!(SavedPixelModel::load(dir.path()).unwrap(), SavedPixelModel::Temporal(_)));
                assert_eq!(back.predict_proba(&x, 16).unwrap().values, m.predict_proba(&x, 16).unwrap().values);
            }
        }
        assert!(TemporalModelConfig::Lstm(LstmSettings::default()).build(8, 2, &days[..3]).is_err());
    }

    #[test]
    fn loading_another_kind_is_a_kind_error() {
        let dir = tempfile::tempdir().unwrap();
        ModelHeader::new(ModelKind::Mlp, serde_json::Value::Null).write(dir.path()).unwrap();
        let e = TemporalClassifier::load(dir.path()).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::KindMismatch { found: ModelKind::Mlp, .. })), "{e}");
        assert!(e.to_string().contains("expected a tempcnn, lstm or ltae model"), "{e}");
        ModelHeader::new(ModelKind::Ocnn, serde_json::Value::Null).write(dir.path()).unwrap();
        let e = SavedPixelModel::load(dir.path()).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::KindMismatch { found: ModelKind::Ocnn, .. })), "{e}");
        let e = TemporalClassifier::load(&dir.path().join("none")).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::MissingHeader { .. })), "{e}");
    }

    #[test]
    fn kinds_parse_with_defaults() {
        let models: Vec<TemporalModelConfig> = serde_json::from_str(
            r#"[{"kind": "tempcnn", "filters": 16, "train": {"epochs": 3}}, {"kind": "ltae"},
                {"kind": "lstm", "gru": true}, {"kind": "random_forest", "n_trees": 5}]"#,
        )
        .unwrap();
        assert_eq!(models.len(), 4);
        assert!(serde_json::from_str::<TemporalModelConfig>(r#"{"kind": "lstm", "hiden": 3}"#).is_err());
        match &models[0] {
            TemporalModelConfig::TempCnn(s) => assert_eq!((s.filters, s.train.epochs, s.train.batch_size), (16, 3, 64)),
            other => panic!("{other:?}"),
        }
    }
}
