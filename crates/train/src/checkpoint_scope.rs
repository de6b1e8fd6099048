//! A checkpoint scope for runs that train several models in sequence (a pipeline): while a
//! scope is open on a thread, every [`fit`](crate::fit) call on that thread that has no checkpoint
//! directory of its own checkpoints into `<root>/fit-NNN`, numbered in call order, and with
//! `resume` continues from there. A killed pipeline rerun with `--resume` therefore loads the
//! models it had finished from their last checkpoint (no epoch left to run) and continues
//! the one it was training from its last epoch, provided it trains the same models in the
//! same order (same pipeline, same data).

use std::cell::RefCell;
use std::path::PathBuf;

struct Scope {
    root: PathBuf,
    resume: bool,
    next: usize,
}

thread_local! {
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// Closes the scope when dropped.
#[must_use = "the scope closes when the guard is dropped"]
pub struct CheckpointScope(());

impl Drop for CheckpointScope {
    fn drop(&mut self) {
        SCOPE.with(|s| *s.borrow_mut() = None);
    }
}

/// Open the scope rooted at `root` on this thread (replacing any open one).
pub fn open_checkpoint_scope(root: impl Into<PathBuf>, resume: bool) -> CheckpointScope {
    let root = root.into();
    SCOPE.with(|s| *s.borrow_mut() = Some(Scope { root, resume, next: 0 }));
    CheckpointScope(())
}

/// The checkpoint directory and resume flag of the next fit in the open scope, if any.
pub(crate) fn next_fit_checkpoint() -> Option<(PathBuf, bool)> {
    SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        let scope = s.as_mut()?;
        let dir = scope.root.join(format!("fit-{:03}", scope.next));
        scope.next += 1;
        Some((dir, scope.resume))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_are_numbered_in_call_order_while_the_scope_is_open() {
        assert_eq!(next_fit_checkpoint(), None);
        let guard = open_checkpoint_scope("/tmp/ck", true);
        assert_eq!(next_fit_checkpoint(), Some((PathBuf::from("/tmp/ck/fit-000"), true)));
        assert_eq!(next_fit_checkpoint(), Some((PathBuf::from("/tmp/ck/fit-001"), true)));
        drop(guard);
        assert_eq!(next_fit_checkpoint(), None);
    }
}
