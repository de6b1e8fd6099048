//! Process-wide allocator settings for training and tiled prediction.
//!
//! A training step allocates and frees the same few hundred kilobyte-to-megabyte buffers
//! (activations, im2col columns, gradients) thousands of times. glibc's malloc serves
//! blocks above its mmap threshold with fresh `mmap` pages and returns the top of the heap
//! to the kernel once more than `trim_threshold` bytes are free there, so each step pays
//! page faults and zeroing again: `perf` on patch-CNN training put ~15 % of the cycles in
//! the kernel (page faults, unmapping). Raising both thresholds keeps freed blocks in the
//! heap for reuse. Peak memory is unchanged (a freed block is reused, not added to); what
//! changes is that the resident size no longer shrinks back between steps.
//!
//! Blocks above the largest mmap threshold glibc accepts (32 MB: a U-Net's activations at
//! 256 px, batch 8) would still come from fresh pages every step, so mmap is switched off
//! too (`M_MMAP_MAX = 0`): every block comes from the heap. Measured with
//! `terradl-bench unet train|infer` (2 threads): training +8 %, inference +4 %, peak
//! resident memory +8-19 % (a freed block is not always the right size for the next).

/// Largest mmap threshold glibc accepts on 64-bit targets (`DEFAULT_MMAP_THRESHOLD_MAX`).
const MMAP_THRESHOLD: i32 = 32 * 1024 * 1024;
/// Free bytes at the top of the heap kept before trimming.
const TRIM_THRESHOLD: i32 = 1024 * 1024 * 1024;

/// Keeps freed memory in the process heap for reuse (see the module documentation).
/// Binaries call it once at start-up; it is a no-op where the C library is not glibc.
/// Returns whether the settings were applied.
///
/// ```
/// let applied = terradl_train::keep_freed_memory();
/// assert_eq!(applied, cfg!(all(target_os = "linux", target_env = "gnu")));
/// ```
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes malloc's tuning parameters; it is thread-safe and
        // has no memory-safety preconditions.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
                && libc::mallopt(libc::M_MMAP_MAX, 0) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = (MMAP_THRESHOLD, TRIM_THRESHOLD);
        false
    }
}
