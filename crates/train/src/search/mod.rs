//! Hyper-parameter and model-structure search: random search and successive
//! halving (Jamieson & Talwalkar 2016; the inner loop of Hyperband, Li et al.
//! 2018) over learning rate, batch size, depth/width, dropout and patch size,
//! reproducible with a seed and bounded by a wall-clock budget.
//!
//! The search only draws configurations and schedules their training
//! lengths; the caller's `evaluate(trial, epochs)` trains and returns a
//! validation score (higher is better). No test data belongs in it.
//!
//! Budget: before each evaluation the search stops when the time spent plus
//! the expected duration of that evaluation (seconds per epoch measured so
//! far, times its epochs) would exceed the budget. So a search overruns its
//! budget by at most one evaluation's estimation error, and usually not at all.

mod space;

pub use space::{SearchSpace, Trial};

use std::fmt::Write;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// How configurations are drawn and how long each trains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Strategy {
    /// `trials` random configurations, each trained `epochs` epochs.
    Random {
        /// Configurations to draw.
        trials: usize,
        /// Epochs per configuration.
        epochs: usize,
    },
    /// Successive halving: `configs` random configurations trained `min_epochs`
    /// epochs; the best `1/eta` are retrained with `eta` times more epochs, until one
    /// is left or `max_epochs` is reached.
    SuccessiveHalving {
        /// Configurations drawn for the first rung.
        configs: usize,
        /// Epochs of the first rung.
        min_epochs: usize,
        /// Most epochs of any rung.
        max_epochs: usize,
        /// Reduction factor between rungs (at least 2).
        eta: usize,
    },
}

/// A complete search description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Seed of the configuration draws (and, through them, of every training run).
    pub seed: u64,
    /// Wall-clock budget in seconds.
    pub budget_seconds: f64,
    /// How configurations are drawn and trained.
    pub strategy: Strategy,
    /// The hyper-parameter ranges to draw from.
    pub space: SearchSpace,
}

impl SearchConfig {
    /// Errors on an empty strategy, a non-positive budget or a bad space.
    pub fn validate(&self) -> Result<(), TrainError> {
        self.space.validate()?;
        if !(self.budget_seconds > 0.0) {
            return Err(TrainError::Config("budget_seconds must be positive".into()));
        }
        match self.strategy {
            Strategy::Random { trials, epochs } if trials == 0 || epochs == 0 => {
                Err(TrainError::Config("random search needs trials >= 1 and epochs >= 1".into()))
            }
            Strategy::SuccessiveHalving { configs, min_epochs, max_epochs, eta }
                if configs == 0 || min_epochs == 0 || max_epochs < min_epochs || eta < 2 =>
            {
                Err(TrainError::Config(
                    "successive halving needs configs >= 1, 1 <= min_epochs <= max_epochs and eta >= 2".into(),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// One evaluation of one configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    /// The configuration.
    pub trial: Trial,
    /// Successive-halving rung (0 for random search).
    pub rung: usize,
    /// Epochs it was trained.
    pub epochs: usize,
    /// Validation score (higher is better).
    pub score: f64,
    /// Training and evaluation time in seconds.
    pub seconds: f64,
}

/// Everything a search tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchOutcome {
    /// Evaluations in the order they ran.
    pub results: Vec<TrialResult>,
    /// Index into `results` of the best evaluation: the highest score among the
    /// evaluations of the highest rung reached (ties: the earlier one).
    pub best: Option<usize>,
    /// Whether the budget stopped the search before its schedule was done.
    pub stopped_by_budget: bool,
    /// Wall-clock time of the whole search in seconds.
    pub seconds: f64,
}

impl SearchOutcome {
    /// The best evaluation.
    pub fn best_result(&self) -> Option<&TrialResult> {
        self.best.map(|i| &self.results[i])
    }

    /// The results table as CSV (one row per evaluation).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("trial,rung,epochs,learning_rate,batch_size,depth,hidden,dropout,patch_size,seed,score,seconds,best\n");
        for (i, r) in self.results.iter().enumerate() {
            let t = &r.trial;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{:.3},{}",
                t.id,
                r.rung,
                r.epochs,
                t.learning_rate,
                t.batch_size,
                t.hidden.len(),
                t.hidden_label(),
                t.dropout,
                t.patch_size.map(|p| p.to_string()).unwrap_or_default(),
                t.seed,
                r.score,
                r.seconds,
                self.best == Some(i)
            );
        }
        out
    }
}

fn best_of(results: &[TrialResult]) -> Option<usize> {
    let top = results.iter().map(|r| r.rung).max()?;
    let mut best: Option<usize> = None;
    for (i, r) in results.iter().enumerate() {
        if r.rung == top && r.score.is_finite() && best.is_none_or(|b| r.score > results[b].score) {
            best = Some(i);
        }
    }
    best
}

/// Tracks the budget with the measured cost per epoch.
struct Clock {
    start: Instant,
    budget: f64,
    epoch_seconds: f64,
    epochs_done: usize,
}

impl Clock {
    fn affordable(&self, epochs: usize) -> bool {
        let spent = self.start.elapsed().as_secs_f64();
        let per_epoch = if self.epochs_done > 0 { self.epoch_seconds / self.epochs_done as f64 } else { 0.0 };
        spent + per_epoch * epochs as f64 <= self.budget
    }
    fn record(&mut self, epochs: usize, seconds: f64) {
        self.epochs_done += epochs;
        self.epoch_seconds += seconds;
    }
}

/// Run the search; `evaluate(trial, epochs)` trains one configuration for
/// `epochs` epochs and returns its validation score. An evaluation error ends the
/// search with that error; a non-finite score counts as the worst.
pub fn run_search<F>(config: &SearchConfig, mut evaluate: F) -> Result<SearchOutcome, TrainError>
where
    F: FnMut(&Trial, usize) -> Result<f64, TrainError>,
{
    config.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let mut clock = Clock { start: Instant::now(), budget: config.budget_seconds, epoch_seconds: 0.0, epochs_done: 0 };
    let mut results = Vec::new();
    let mut stopped = false;
    let mut eval = |trial: &Trial, rung: usize, epochs: usize, clock: &mut Clock, results: &mut Vec<TrialResult>| {
        if !clock.affordable(epochs) {
            return Ok(false);
        }
        let t = Instant::now();
        let score = evaluate(trial, epochs)?;
        let seconds = t.elapsed().as_secs_f64();
        clock.record(epochs, seconds);
        let score = if score.is_finite() { score } else { f64::NEG_INFINITY };
        tracing::info!(trial = trial.id, rung, epochs, score, seconds, "search evaluation");
        results.push(TrialResult { trial: trial.clone(), rung, epochs, score, seconds });
        Ok::<bool, TrainError>(true)
    };
    match config.strategy {
        Strategy::Random { trials, epochs } => {
            let drawn: Vec<Trial> = (0..trials).map(|i| config.space.sample(i, &mut rng)).collect();
            for t in &drawn {
                if !eval(t, 0, epochs, &mut clock, &mut results)? {
                    stopped = true;
                    break;
                }
            }
        }
        Strategy::SuccessiveHalving { configs, min_epochs, max_epochs, eta } => {
            let mut alive: Vec<Trial> = (0..configs).map(|i| config.space.sample(i, &mut rng)).collect();
            let mut epochs = min_epochs;
            let mut rung = 0;
            'rungs: loop {
                let first = results.len();
                for t in &alive {
                    if !eval(t, rung, epochs, &mut clock, &mut results)? {
                        stopped = true;
                        break 'rungs;
                    }
                }
                if alive.len() <= 1 || epochs >= max_epochs {
                    break;
                }
                // Keep the best ceil(n / eta), by score then draw order.
                let mut ranked: Vec<&TrialResult> = results[first..].iter().collect();
                ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.trial.id.cmp(&b.trial.id)));
                let keep = alive.len().div_ceil(eta);
                alive = ranked[..keep].iter().map(|r| r.trial.clone()).collect();
                epochs = (epochs * eta).min(max_epochs);
                rung += 1;
            }
        }
    }
    Ok(SearchOutcome {
        best: best_of(&results),
        results,
        stopped_by_budget: stopped,
        seconds: clock.start.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth validation surface: best near lr = 1e-3, dropout 0.1, 2 layers,
    /// improving with epochs (a learning curve), so halving has something to rank.
    fn surface(t: &Trial, epochs: usize) -> Result<f64, TrainError> {
        let lr = (t.learning_rate.log10() + 3.0).powi(2);
        let d = (t.dropout - 0.1).powi(2) * 4.0;
        let depth = (t.hidden.len() as f64 - 2.0).abs() * 0.1;
        Ok(1.0 - lr * 0.2 - d - depth - 0.5 / epochs as f64)
    }

    fn config(strategy: Strategy) -> SearchConfig {
        SearchConfig { seed: 3, budget_seconds: 60.0, strategy, space: SearchSpace::default() }
    }

    #[test]
    fn random_search_returns_the_best_tried_and_repeats_with_the_seed() {
        let c = config(Strategy::Random { trials: 20, epochs: 5 });
        let a = run_search(&c, surface).unwrap();
        assert_eq!(a.results.len(), 20);
        let best = a.best_result().unwrap();
        assert!(a.results.iter().all(|r| r.score <= best.score));
        let b = run_search(&c, surface).unwrap();
        let strip = |o: &SearchOutcome| o.results.iter().map(|r| (r.trial.clone(), r.score)).collect::<Vec<_>>();
        assert_eq!(strip(&a), strip(&b));
        let other = run_search(&SearchConfig { seed: 4, ..c }, surface).unwrap();
        assert_ne!(strip(&a), strip(&other));
        assert_eq!(a.to_csv().lines().count(), 21);
    }

    #[test]
    fn successive_halving_schedule() {
        let c = config(Strategy::SuccessiveHalving { configs: 9, min_epochs: 1, max_epochs: 9, eta: 3 });
        let o = run_search(&c, surface).unwrap();
        // 9 x 1 epoch, 3 x 3 epochs, 1 x 9 epochs.
        let per_rung: Vec<(usize, usize)> =
            (0..3).map(|r| (o.results.iter().filter(|x| x.rung == r).count(), o.results.iter().find(|x| x.rung == r).unwrap().epochs)).collect();
        assert_eq!(per_rung, vec![(9, 1), (3, 3), (1, 9)]);
        // The survivors of rung 0 are its three best.
        let mut r0: Vec<&TrialResult> = o.results.iter().filter(|x| x.rung == 0).collect();
        r0.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut top: Vec<usize> = r0[..3].iter().map(|x| x.trial.id).collect();
        let mut next: Vec<usize> = o.results.iter().filter(|x| x.rung == 1).map(|x| x.trial.id).collect();
        top.sort();
        next.sort();
        assert_eq!(top, next);
        assert_eq!(o.best_result().unwrap().rung, 2);
        assert!(!o.stopped_by_budget);
    }

    #[test]
    fn budget_stops_the_search() {
        let c = SearchConfig { budget_seconds: 0.3, ..config(Strategy::Random { trials: 1000, epochs: 1 }) };
        let o = run_search(&c, |t, e| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            surface(t, e)
        })
        .unwrap();
        assert!(o.stopped_by_budget);
        assert!(o.results.len() < 1000 && !o.results.is_empty());
        assert!(o.seconds < 0.3 + 0.1, "{} s", o.seconds);
    }

    #[test]
    fn bad_configs_are_errors() {
        assert!(config(Strategy::Random { trials: 0, epochs: 1 }).validate().is_err());
        assert!(config(Strategy::SuccessiveHalving { configs: 4, min_epochs: 2, max_epochs: 1, eta: 2 }).validate().is_err());
        assert!(SearchConfig { budget_seconds: 0.0, ..config(Strategy::Random { trials: 1, epochs: 1 }) }.validate().is_err());
    }
}
