//! Calibration and uncertainty on real held-out data: Statlog (Landsat
//! Satellite), original split. Needs `terradl fetch-data`.
//!
//! Honest splits: the original 4435 training rows are split (stratified,
//! seeded) into 75% for fitting and 25% for calibration/validation; the
//! original 2000 test rows are touched only for the final figures.
//! Run with `--nocapture` to see the measured figures.

use burn::tensor::Device;
use terradl_assess::calibration::{TemperatureScaling, expected_calibration_error, top_label_confidence};
use terradl_assess::split_by_outcome;
use terradl_data::sampling::{PerClass, stratified_sample};
use terradl_data::sources::statlog::{TRAIN_ROWS, statlog_landsat};
use terradl_models::MlpConfig;
use terradl_predict::uncertainty::{ProbabilityLayout, UncertaintyAccumulator, entropy};
use terradl_train::pixel::{RandomForestConfig, RandomForest};
use terradl_train::{
    ClassProbabilities, FeatureAxis, FitOptions, Normalization, PixelClassifier, TensorDataset, TrainConfig, fit,
    predict_proba, predict_proba_mc,
};

const NF: usize = 36;
const K: usize = 6;

struct Split {
    fit: TensorDataset,
    cal: TensorDataset,
    test: TensorDataset,
}

fn split() -> Split {
    let s = statlog_landsat().expect("run `terradl fetch-data` first");
    let train_rows: Vec<usize> = (0..TRAIN_ROWS).collect();
    let cal = stratified_sample(&s.y, &train_rows, PerClass::Fraction(0.25), 11).unwrap();
    let fit_rows: Vec<usize> = train_rows.iter().copied().filter(|i| cal.binary_search(i).is_err()).collect();
    let test_rows: Vec<usize> = (TRAIN_ROWS..s.n_samples).collect();
    let ds = |rows: &[usize]| {
        let sub = s.subset(rows);
        TensorDataset::new(sub.x, vec![NF], sub.y).unwrap()
    };
    let (mut fit, mut cal, mut test) = (ds(&fit_rows), ds(&cal), ds(&test_rows));
    let norm = Normalization::fit(&fit.x, &fit.shape, FeatureAxis::Last).unwrap();
    for d in [&mut fit, &mut cal, &mut test] {
        norm.apply(&mut d.x, &[NF]).unwrap();
    }
    Split { fit, cal, test }
}

fn ece(probs: &[f64], labels: &[u32]) -> f64 {
    let (c, ok) = top_label_confidence(probs, K, labels).unwrap();
    expected_calibration_error(&c, &ok, 15).unwrap()
}

/// Log-probabilities as logits: softmax(ln p / T) is temperature scaling of the
/// network's logits, because ln p differs from them by a per-row constant.
fn log_probs(p: &ClassProbabilities) -> Vec<f32> {
    p.values.iter().map(|&v| v.max(1e-7).ln()).collect()
}

fn accuracy(p: &ClassProbabilities, y: &[u32]) -> f64 {
    p.argmax().iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
}

fn train_mlp(d: &Split, dropout: f64, epochs: usize) -> terradl_models::Mlp {
    // No early stopping and a generous learning rate: trained to fit the training
    // rows, as networks usually are, which makes them over-confident.
    let config = TrainConfig::new().with_epochs(epochs).with_patience(0).with_learning_rate(3e-3).with_seed(5);
    let empty = TensorDataset { shape: vec![NF], ..Default::default() };
    fit(|dev: &Device| MlpConfig::new(NF, K).with_hidden(vec![128, 64]).with_dropout(dropout).init(dev), &d.fit, &empty, &config, &FitOptions::default())
        .unwrap()
        .model
}

#[test]
fn temperature_scaling_fitted_on_validation_lowers_test_ece_of_the_mlp() {
    let d = split();
    let model = train_mlp(&d, 0.0, 60);
    let cal_p = predict_proba(&model, &d.cal.x, &[NF], 1024).unwrap();
    let test_p = predict_proba(&model, &d.test.x, &[NF], 1024).unwrap();
    let (cal_z, test_z) = (log_probs(&cal_p), log_probs(&test_p));
    let t = TemperatureScaling::fit(&cal_z, K, &d.cal.y).unwrap();
    let one = TemperatureScaling { temperature: 1.0 };
    let cal_before = ece(&one.apply(&cal_z, K), &d.cal.y);
    let cal_after = ece(&t.apply(&cal_z, K), &d.cal.y);
    let test_before = ece(&one.apply(&test_z, K), &d.test.y);
    let test_after = ece(&t.apply(&test_z, K), &d.test.y);
    println!(
        "Statlog MLP: test accuracy {:.4}; T = {:.3}; ECE (15 bins) validation {cal_before:.4} -> {cal_after:.4}, \
         held-out test {test_before:.4} -> {test_after:.4}",
        accuracy(&test_p, &d.test.y),
        t.temperature
    );
    assert!(accuracy(&test_p, &d.test.y) > 0.84);
    assert!(t.temperature > 1.0, "an over-fitted MLP is over-confident: T = {}", t.temperature);
    assert!(cal_after < cal_before);
    assert!(test_after < 0.75 * test_before, "test ECE {test_before} -> {test_after}");
}

#[test]
fn misclassified_pixels_are_more_uncertain_mc_dropout_and_forest_votes() {
    let d = split();
    // MC dropout: 20 stochastic passes of an MLP trained with dropout 0.3.
    let model = train_mlp(&d, 0.3, 30);
    let passes = predict_proba_mc(&model, &d.test.x, &[NF], 1024, 20, 3).unwrap();
    let mut acc = UncertaintyAccumulator::new(d.test.len(), K, ProbabilityLayout::PixelMajor).unwrap();
    for p in &passes {
        acc.add_pass(&p.values).unwrap();
    }
    let u = acc.finish().unwrap();
    let mean = ClassProbabilities::mean(&passes).unwrap();
    let correct: Vec<bool> = mean.argmax().iter().zip(&d.test.y).map(|(a, b)| a == b).collect();
    let to64 = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    let h = split_by_outcome("predictive entropy", &to64(&u.predictive_entropy), &correct).unwrap();
    let mi = split_by_outcome("mutual information", &to64(&u.mutual_information), &correct).unwrap();

    // Random forest: entropy of the vote distribution of 100 trees.
    let mut rf = RandomForest::new(RandomForestConfig { n_trees: 100, seed: 9, ..Default::default() });
    rf.fit(&d.fit.x, NF, &d.fit.y).unwrap();
    let votes = rf.predict_proba(&d.test.x, NF).unwrap();
    let rf_correct: Vec<bool> = votes.argmax().iter().zip(&d.test.y).map(|(a, b)| a == b).collect();
    let rf_h: Vec<f64> = votes.values.chunks(K).map(|r| entropy(&to64(r))).collect();
    let rf_split = split_by_outcome("vote entropy", &rf_h, &rf_correct).unwrap();

    for (model, s) in [("MC-dropout MLP", &h), ("MC-dropout MLP", &mi), ("random forest", &rf_split)] {
        println!(
            "Statlog test, {model}: {} mean {:.4} on {} correct vs {:.4} on {} misclassified; AUROC {:.3}",
            s.measure,
            s.mean_correct,
            s.n_correct,
            s.mean_wrong,
            s.n_wrong,
            s.auroc.unwrap()
        );
    }
    for s in [&h, &mi, &rf_split] {
        assert!(s.n_wrong > 100, "too few errors to compare: {}", s.n_wrong);
        assert!(s.mean_wrong > 1.5 * s.mean_correct, "{}: {} vs {}", s.measure, s.mean_wrong, s.mean_correct);
        assert!(s.auroc.unwrap() > 0.75, "{}: AUROC {:?}", s.measure, s.auroc);
    }
}
