//! Running training steps on rayon's pool.

/// Runs `f` on a rayon worker thread and returns its result.
///
/// A parallel loop started from a thread outside the pool is queued for the pool, a
/// sleeping worker is woken and the caller blocks until the loop is done; a training step
/// of a small model is dozens of such loops, and that hand-over cost up to half of the step
/// (docs/BENCHMARKS.md). Started on a worker, each loop's halves go on that worker's own
/// queue and the other workers steal them.
///
/// ```
/// let on_worker = terradl_train::on_pool(|| rayon::current_thread_index().is_some());
/// assert!(on_worker);
/// ```
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}
