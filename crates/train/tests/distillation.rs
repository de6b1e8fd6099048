//! Knowledge distillation: a student with the teacher's term alone learns what the teacher
//! says, not the labels, and the soft targets stay aligned with their samples after the
//! internal validation split. (One test per binary: burn's NdArray RNG is global.)

mod common;

use common::{accuracy, phenology};
use terradl_train::distill::DistillSettings;
use terradl_train::pixel::PixelClassifier;
use terradl_train::temporal::{TempCnnSettings, TemporalModelConfig, TemporalTraining};

/// Rows of confident probabilities for `classes`.
fn confident(classes: &[u32], k: usize) -> Vec<f32> {
    classes.iter().flat_map(|&c| (0..k as u32).map(move |j| if j == c { 0.98 } else { 0.01 })).collect()
}

#[test]
fn student_follows_the_teacher() {
    let (k, t) = (3usize, 12usize);
    let data = phenology(30, t, 1, k, 5);
    let days: Vec<f32> = (0..t).map(|d| d as f32 * 10.0).collect();
    let train = TemporalTraining { epochs: 25, batch_size: 16, learning_rate: 3e-3, patience: 0, val_fraction: 0.0, ..Default::default() };
    let tempcnn = |train: TemporalTraining| TemporalModelConfig::TempCnn(TempCnnSettings { filters: 8, hidden: 16, train, ..Default::default() });
    let only_teacher = DistillSettings { temperature: 2.0, weight: 1.0 };

    // A teacher sure of the *next* class: a student on its term alone learns the shift.
    let shifted: Vec<u32> = data.y.iter().map(|&c| (c + 1) % k as u32).collect();
    let teacher = confident(&shifted, k);
    let mut student = tempcnn(train.clone()).build_network(t, 1, &days).unwrap();
    student.fit_distilled(&data.x, t, &data.y, &teacher, &only_teacher).unwrap();
    let pred = student.predict(&data.x, t).unwrap();
    let (to_teacher, to_labels) = (accuracy(&pred, &shifted), accuracy(&pred, &data.y));
    assert!(to_teacher > 0.85 && to_labels < 0.15, "student agrees with the teacher {to_teacher}, the labels {to_labels}");

    // With the labels' term alone the same teacher is ignored.
    let mut plain = tempcnn(train.clone()).build_network(t, 1, &days).unwrap();
    plain.fit_distilled(&data.x, t, &data.y, &teacher, &DistillSettings { temperature: 2.0, weight: 0.0 }).unwrap();
    let labels = accuracy(&plain.predict(&data.x, t).unwrap(), &data.y);
    assert!(labels > 0.85, "labels only: accuracy {labels}");

    // After the internal validation split each sample keeps its own soft target: a teacher
    // that agrees with the labels still teaches them (misaligned rows would teach noise).
    let split = TemporalTraining { val_fraction: 0.2, ..train };
    let mut aligned = tempcnn(split).build_network(t, 1, &days).unwrap();
    aligned.fit_distilled(&data.x, t, &data.y, &confident(&data.y, k), &only_teacher).unwrap();
    let acc = accuracy(&aligned.predict(&data.x, t).unwrap(), &data.y);
    assert!(acc > 0.85, "teacher = labels after a validation split: accuracy {acc}");

    // A teacher for other samples is refused before training.
    let err = student.fit_distilled(&data.x, t, &data.y, &teacher[..teacher.len() - k], &only_teacher).unwrap_err();
    assert!(err.to_string().contains("teacher"), "{err}");
    assert!(TemporalModelConfig::RandomForest(Default::default()).build_network(t, 1, &days).is_err());
}
