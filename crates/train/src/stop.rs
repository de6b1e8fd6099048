//! A graceful stop on SIGINT / SIGTERM: long training loops poll [`stop_requested`] after
//! each step and write a checkpoint before returning. A second signal ends the process at
//! once (the default action), so a stuck run can still be interrupted.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(signal: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
    // Restore the default action: the next signal terminates.
    // SAFETY: `signal` is async-signal-safe; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
    }
}

/// Route SIGINT and SIGTERM to [`stop_requested`] (once per process; later calls re-arm).
pub fn install_stop_handler() {
    STOP.store(false, Ordering::SeqCst);
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only touches an atomic and calls `signal`, both async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// True once SIGINT or SIGTERM arrived after [`install_stop_handler`].
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigterm_sets_the_flag_and_rearms_the_default() {
        install_stop_handler();
        assert!(!stop_requested());
        // SAFETY: raising a signal whose handler is installed above.
        unsafe {
            libc::raise(libc::SIGTERM);
        }
        assert!(stop_requested());
        install_stop_handler();
        assert!(!stop_requested());
    }
}
