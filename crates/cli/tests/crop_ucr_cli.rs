//! `terradl train` on sample tables, end to end on real labelled crop series: a
//! class-stratified subset of the UCR archive's "Crop" set (FORMOSAT-2 NDVI, 46 steps, 24
//! classes; needs `terradl fetch-data`). The best method must beat the 1-NN Euclidean
//! baseline computed here on the same subset; bad tables must fail with an error naming the
//! file, row and column.

mod common;

use common::{fresh_dir, s};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use terradl_samples::sample_path;

/// Training and test series per class in the subset.
const TRAIN_PER_CLASS: usize = 40;
const TEST_PER_CLASS: usize = 60;

fn terradl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).env("TERRADL_LOG", "warn").output().expect("run terradl")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The first `per_class` rows of each class of a UCR file (file order), as lines and parsed.
fn subset(file: &str, per_class: usize) -> (Vec<String>, Vec<(u32, Vec<f64>)>) {
    let path = sample_path("ucr", file).expect("run `terradl fetch-data` first");
    let mut taken = std::collections::HashMap::new();
    let (mut lines, mut rows) = (Vec::new(), Vec::new());
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        let label: u32 = cells[0].parse().unwrap();
        let n = taken.entry(label).or_insert(0usize);
        if *n < per_class {
            *n += 1;
            lines.push(line.to_string());
            rows.push((label, cells[1..].iter().map(|c| c.parse().unwrap()).collect()));
        }
    }
    (lines, rows)
}

/// Overall accuracy of 1-nearest-neighbour (Euclidean) classification of `test` by `train`.
fn one_nn_accuracy(train: &[(u32, Vec<f64>)], test: &[(u32, Vec<f64>)]) -> f64 {
    let d2 = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
    let correct = test
        .iter()
        .filter(|(y, x)| {
            let nearest = train.iter().min_by(|a, b| d2(&a.1, x).total_cmp(&d2(&b.1, x))).unwrap();
            nearest.0 == *y
        })
        .count();
    correct as f64 / test.len() as f64
}

fn write(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn pipeline(dir: &Path, models: &str, extra: &str) -> PathBuf {
    let text = format!(
        "kind = \"time_series\"\nname = \"ucr-subset\"\nsamples = \"train.tsv\"\ntest_samples = \"test.tsv\"\nsteps = 46\n\
         band_names = [\"ndvi\"]\noutput = \"run\"\n{extra}\n[table]\nheader = false\nlabel = 0\n[split]\nval_fraction = 0.15\n\
         [importance]\nrepeats = 1\n{models}"
    );
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const DEEP: &str = "[models.train]\nepochs = 40\nbatch_size = 32\nlearning_rate = 0.003\npatience = 0\nval_fraction = 0.0\n\
                    weight_decay = 0.01\nschedule = { OneCycle = { warmup_fraction = 0.3 } }\n";

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

#[test]
fn stratified_subset_beats_one_nn_and_writes_the_report() {
    let dir = fresh_dir("crop-ucr-cli");
    let (train_lines, train) = subset("Crop_TRAIN.tsv", TRAIN_PER_CLASS);
    let (test_lines, test) = subset("Crop_TEST.tsv", TEST_PER_CLASS);
    assert_eq!((train.len(), test.len()), (24 * TRAIN_PER_CLASS, 24 * TEST_PER_CLASS));
    write(&dir.join("train.tsv"), &train_lines);
    write(&dir.join("test.tsv"), &test_lines);
    let baseline = one_nn_accuracy(&train, &test);
    assert!(baseline > 0.3, "1-NN baseline {baseline} far above chance 1/24");

    let models = format!(
        "[[models]]\nkind = \"tempcnn\"\nfilters = 32\nhidden = 128\n{DEEP}\
         [[models]]\nkind = \"ltae\"\nd_model = 64\nheads = 4\nd_k = 8\nmlp_hidden = 64\n{DEEP}\
         [[models]]\nkind = \"random_forest\"\nn_trees = 100\n\
         [distill]\nteachers = [0, 1]\ninclude_validation = true\ntransfer_copies = 1\ngenerations = 2\n[distill.student]\nkind = \"tempcnn\"\nfilters = 32\nhidden = 128\n{}",
        DEEP.replace("[models.train]", "[distill.student.train]")
    );
    let toml = pipeline(&dir, &models, "ensemble = true");
    let out = terradl(&["train", s(&toml)]);
    assert!(out.status.success(), "{}", text(&out));
    let run = dir.join("run");
    let methods = json(&run.join("methods.json"));
    let rows = methods.as_array().unwrap();
    assert!(rows.iter().all(|r| r["target"] == "sample"), "no fields in the table: sample level only");
    let oa = |m: &str| {
        rows.iter().find(|r| r["method"].as_str().unwrap().starts_with(m)).unwrap_or_else(|| panic!("no {m} in {methods}"))
            ["overall_accuracy"]
            .as_f64()
            .unwrap()
    };
    let best = rows.iter().map(|r| r["overall_accuracy"].as_f64().unwrap()).fold(0.0, f64::max);
    eprintln!(
        "1-NN {baseline:.3}; tempcnn {:.3}, ltae {:.3}, rf {:.3}, ensemble {:.3}, distilled tempcnn {:.3}",
        oa("tempcnn"),
        oa("ltae"),
        oa("random_forest"),
        oa("ensemble"),
        oa("distilled-tempcnn")
    );
    assert!(best > baseline + 0.02, "best OA {best:.3} does not beat 1-NN {baseline:.3}");
    // The student taught by TempCNN + L-TAE is one more single model, scored and saved.
    assert!(oa("distilled-tempcnn") > baseline, "distilled TempCNN {:.3} vs 1-NN {baseline:.3}", oa("distilled-tempcnn"));
    // It also learnt from the validation series (15 % of the training table).
    let n_train = |m: &str| rows.iter().find(|r| r["method"].as_str().unwrap().starts_with(m)).unwrap()["n_train"].as_u64().unwrap();
    assert_eq!(n_train("distilled-tempcnn") as usize, train.len());
    assert!(n_train("tempcnn") < n_train("distilled-tempcnn"));
    let manifest = std::fs::read_to_string(run.join("model/manifest.json")).unwrap_or_default();
    assert!(manifest.contains("distilled-tempcnn"), "the student is saved with the run's models: {manifest}");
    // The second generation, taught by the first student, is one more scored and saved model.
    assert!(oa("born-again-tempcnn-g2") > baseline, "born-again TempCNN {:.3} vs 1-NN {baseline:.3}", oa("born-again-tempcnn-g2"));
    assert_eq!(n_train("born-again-tempcnn-g2") as usize, train.len());
    assert!(manifest.contains("born-again-tempcnn-g2"), "the second generation is saved too: {manifest}");
    let ensemble = rows.iter().find(|r| r["method"].as_str().unwrap().starts_with("ensemble")).unwrap()["method"].as_str().unwrap();
    assert!(!ensemble.contains("distilled") && !ensemble.contains("born-again"), "students are not ensemble members: {ensemble}");
    for r in rows {
        assert_eq!(r["n_test"].as_u64(), Some(test.len() as u64));
        assert_eq!(r["f1"].as_array().unwrap().len(), 24);
    }
    // ensemble of the two deep models is scored; the report's files are there
    assert!(oa("ensemble") > 0.3);
    let imp = json(&run.join("importance.json"));
    assert_eq!(imp[0]["dates"].as_array().unwrap().len(), 46, "one importance per step");
    assert_eq!(imp.as_array().unwrap().len(), 1, "importance of the best single model only (the default)");
    let cal = json(&run.join("reliability_calibrated.json"));
    assert!(cal["temperature"].as_f64().unwrap() > 0.0);
    let outcome = json(&run.join("uncertainty_outcome.json"));
    assert!(
        outcome["mean_wrong"].as_f64().unwrap() > outcome["mean_correct"].as_f64().unwrap(),
        "wrong predictions are more uncertain: {outcome}"
    );
    assert!(run.join("figures/entropy_wrong_vs_right.png").is_file());
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    for fig in ["Confusion matrix", "Reliability after temperature scaling", "Per-date permutation importance", "entropy wrong vs right"] {
        assert!(html.contains(fig), "report lacks {fig}");
    }
}

/// `[calibration]` with no validation series: the model learns from every training series,
/// its temperature is fitted on out-of-fold probabilities, and the report shows both diagrams.
#[test]
fn cross_fitted_calibration_without_validation_series() {
    let dir = fresh_dir("crop-ucr-calibration");
    let (train_lines, train) = subset("Crop_TRAIN.tsv", 20);
    let (test_lines, _) = subset("Crop_TEST.tsv", 30);
    write(&dir.join("train.tsv"), &train_lines);
    write(&dir.join("test.tsv"), &test_lines);
    let models = format!(
        "[[models]]\nkind = \"ltae\"\nd_model = 32\nheads = 4\nd_k = 8\nmlp_hidden = 32\n{}\
         [calibration]\nmodel = 0\nfolds = 3\n",
        DEEP.replace("epochs = 40", "epochs = 20")
    );
    let toml = pipeline(&dir, &models, "");
    let no_validation = std::fs::read_to_string(&toml).unwrap().replace("val_fraction = 0.15", "val_fraction = 0.0");
    std::fs::write(&toml, &no_validation).unwrap();
    let out = terradl(&["train", s(&toml)]);
    assert!(out.status.success(), "{}", text(&out));
    let run = dir.join("run");
    let methods = json(&run.join("methods.json"));
    assert_eq!(methods[0]["n_train"].as_u64(), Some(train.len() as u64), "every training series teaches the model");
    let before = json(&run.join("reliability.json"));
    let after = json(&run.join("reliability_calibrated.json"));
    let t = after["temperature"].as_f64().unwrap();
    let (ece, ece_after) = (before["ece"].as_f64().unwrap(), after["ece"].as_f64().unwrap());
    eprintln!("T = {t:.3}, test ECE {ece:.3} -> {ece_after:.3}");
    assert!(t > 0.2 && t < 5.0, "temperature {t}");
    assert!(ece_after < ece, "out-of-fold temperature lowers the test ECE: {ece:.3} -> {ece_after:.3}");
    let run_json = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(run_json.contains("calibration folds of ltae#0"), "the folds' time is reported: {run_json}");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("Reliability after temperature scaling"), "report lacks the calibrated diagram");
    assert!(html.contains("out-of-fold probabilities of 3 folds"), "report says what the temperature was fitted on");

    // A class with fewer training series than folds stops the run before any training.
    let too_many = no_validation.replace("folds = 3", "folds = 21");
    std::fs::write(&toml, too_many).unwrap();
    let out = terradl(&["train", s(&toml)]);
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains("fewer than the 21 folds"), "{msg}");
    // With validation series the temperature is fitted on them: [calibration] is refused.
    std::fs::write(&toml, no_validation.replace("val_fraction = 0.0", "val_fraction = 0.1")).unwrap();
    let out = terradl(&["train", s(&toml)]);
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains("split.val_fraction = 0"), "{msg}");
}

#[test]
fn bad_tables_fail_with_file_row_and_column() {
    let dir = fresh_dir("crop-ucr-bad");
    let (train_lines, _) = subset("Crop_TRAIN.tsv", 3);
    let (test_lines, _) = subset("Crop_TEST.tsv", 2);
    let rf = "[[models]]\nkind = \"random_forest\"\nn_trees = 5\n";
    let run = |train: &[String], test: &[String], extra: &str| {
        write(&dir.join("train.tsv"), train);
        write(&dir.join("test.tsv"), test);
        text(&terradl(&["train", s(&pipeline(&dir, rf, extra))]))
    };
    // ragged row: line 5 loses its last value
    let mut ragged = train_lines.clone();
    ragged[4] = ragged[4].rsplit_once('\t').unwrap().0.to_string();
    let e = run(&ragged, &test_lines, "");
    assert!(e.contains("train.tsv, row 5: 46 columns, but the table has 47"), "{e}");
    // non-numeric cell in column #3 of line 2
    let mut words = train_lines.clone();
    let mut cells: Vec<String> = words[1].split('\t').map(str::to_string).collect();
    cells[3] = "cloudy".into();
    words[1] = cells.join("\t");
    let e = run(&words, &test_lines, "");
    assert!(e.contains("train.tsv, row 2, column #3: \"cloudy\" is not a number"), "{e}");
    // NaN: rejected by default, filled when the layout says so
    let mut nan = train_lines.clone();
    let mut cells: Vec<String> = nan[0].split('\t').map(str::to_string).collect();
    cells[10] = "NaN".into();
    nan[0] = cells.join("\t");
    let e = run(&nan, &test_lines, "");
    assert!(e.contains("train.tsv, row 1, column #10: missing value"), "{e}");
    // a test label unseen in training
    let mut unseen = test_lines.clone();
    unseen[3] = format!("99{}", &unseen[3][unseen[3].find('\t').unwrap()..]);
    let e = run(&train_lines, &unseen, "");
    assert!(e.contains("test.tsv, row 4, column #0: label \"99\" does not occur in the training samples"), "{e}");
    // a class with one training series cannot give one to validation and one to training
    let mut lonely = train_lines.clone();
    let first_of_24 = lonely.iter().position(|l| l.starts_with("24\t")).unwrap();
    lonely.drain(first_of_24 + 1..first_of_24 + 3);
    let e = run(&lonely, &test_lines, "");
    assert!(e.contains("class \"24\" has 1 samples, but the split needs at least 2 per class"), "{e}");
}
