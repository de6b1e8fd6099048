//! A global allocator that keeps large freed buffers for reuse, on 2 MiB pages.
//!
//! Networks on image chips allocate and free the same few buffers of tens to hundreds of
//! megabytes every step (a U-Net's activations at 256 px, batch 8, are 67 MB a level).
//! glibc serves those from fresh `mmap` pages whenever the request comes from a worker
//! thread: a thread's arena cannot hold a block over 64 MB and then maps one directly, even
//! with mmap switched off ([`keep_freed_memory`](crate::keep_freed_memory)), and unmaps it
//! on free. `perf` on U-Net inference (2 threads) counted 270,000 page faults a batch and
//! ~15 % of the cycles in the kernel's fault path.
//!
//! [`LargeBlockAllocator`] sends requests of [`MIN_LARGE`] bytes and more to mappings of its
//! own, rounded to 2 MiB, aligned to 2 MiB and advised as transparent huge pages (as NumPy
//! and PyTorch do for large arrays), and keeps freed ones in a small cache (at most
//! [`CACHE_BYTES`]) for the next request of the same rounded size. Everything smaller goes
//! to the system allocator unchanged, so small-tensor work keeps glibc's per-thread arenas
//! (putting every thread on glibc's main arena instead, `M_ARENA_MAX = 1`, was as fast on
//! the U-Net but cost LSTM training 3-5 %). Measured with `terradl-bench unet` (2 threads,
//! against the binary before, same hour): inference +17 %, training +20 %; peak resident
//! memory 725-790 MB vs 480-515 MB inference and 2.7 vs 2.1-2.2 GB training (cached blocks;
//! PyTorch: 1.35 and 2.7 GB). Binaries opt in:
//!
//! ```
//! #[global_allocator]
//! static ALLOCATOR: terradl_train::LargeBlockAllocator = terradl_train::LargeBlockAllocator::new();
//!
//! fn main() {
//!     let activations = vec![0f32; 8 * 32 * 256 * 256]; // 67 MB: a 2 MiB-page mapping
//!     assert!(activations.iter().all(|&v| v == 0.0));
//!     drop(activations); // kept for the next request of that size
//!     assert_eq!(ALLOCATOR.cached_bytes(), if cfg!(target_os = "linux") { 64 << 20 } else { 0 });
//! }
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;

/// Requests of this many bytes or more get their own mapping: the largest mmap threshold
/// glibc accepts, so everything it would keep in its heap stays there.
pub const MIN_LARGE: usize = 32 << 20;
/// Freed mappings kept for reuse, in bytes at most; beyond it the oldest are unmapped.
pub const CACHE_BYTES: usize = 2 << 30;
const HUGE_PAGE: usize = 2 << 20;
const SLOTS: usize = 64;

#[derive(Clone, Copy)]
struct Block {
    addr: usize,
    len: usize,
}

const EMPTY: Block = Block { addr: 0, len: 0 };

/// Freed mappings, oldest first.
struct Cache {
    blocks: [Block; SLOTS],
    n: usize,
    bytes: usize,
}

impl Cache {
    /// Removes the most recently freed block of exactly `len` bytes. Only exact lengths:
    /// handing out a longer block and unmapping its tail made the next request of the
    /// longer size map (and the kernel zero) a fresh one, slower on U-Net training than
    /// glibc's heap (measured: `terradl-bench unet train`, 1.5 vs 1.9 samples/s).
    fn take(&mut self, len: usize) -> Option<Block> {
        let best = (0..self.n).rev().find(|&i| self.blocks[i].len == len)?;
        let block = self.blocks[best];
        self.blocks.copy_within(best + 1..self.n, best);
        self.n -= 1;
        self.bytes -= block.len;
        Some(block)
    }

    /// Adds a freed block; returns the blocks pushed out (oldest first) to keep within
    /// [`SLOTS`] and [`CACHE_BYTES`].
    fn put(&mut self, block: Block) -> ([Block; SLOTS], usize) {
        let mut evicted = [EMPTY; SLOTS];
        let mut n_evicted = 0;
        while self.n > 0 && (self.n == SLOTS || self.bytes + block.len > CACHE_BYTES) {
            evicted[n_evicted] = self.blocks[0];
            n_evicted += 1;
            self.bytes -= self.blocks[0].len;
            self.blocks.copy_within(1..self.n, 0);
            self.n -= 1;
        }
        self.blocks[self.n] = block;
        self.n += 1;
        self.bytes += block.len;
        (evicted, n_evicted)
    }
}

/// The process's global allocator in terradl's binaries (see the module documentation).
pub struct LargeBlockAllocator {
    cache: Mutex<Cache>,
}

impl Default for LargeBlockAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl LargeBlockAllocator {
    /// An allocator with an empty cache (usable in a `static`).
    pub const fn new() -> Self {
        Self { cache: Mutex::new(Cache { blocks: [EMPTY; SLOTS], n: 0, bytes: 0 }) }
    }

    /// Bytes of freed mappings held for reuse now.
    pub fn cached_bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn is_large(layout: Layout) -> bool {
        cfg!(target_os = "linux") && layout.size() >= MIN_LARGE && layout.align() <= HUGE_PAGE
    }

    fn block_len(size: usize) -> usize {
        size.next_multiple_of(HUGE_PAGE)
    }

    /// A mapping of exactly `len` bytes: a cached one (not zeroed) or a fresh one (zeroed
    /// by the kernel). `None` when the kernel refuses.
    fn obtain(&self, len: usize) -> Option<(*mut u8, bool)> {
        let cached = self.lock().take(len);
        if let Some(block) = cached {
            return Some((block.addr as *mut u8, false));
        }
        map(len).map(|ptr| (ptr, true))
    }

    fn release(&self, addr: usize, len: usize) {
        if len > CACHE_BYTES {
            unmap(addr, len);
            return;
        }
        let (evicted, n) = self.lock().put(Block { addr, len });
        for block in &evicted[..n] {
            unmap(block.addr, block.len);
        }
    }
}

// SAFETY: large requests get distinct live mappings of at least `layout.size()` bytes,
// aligned to 2 MiB (>= every alignment routed there); a mapping is in the cache only after
// it was freed, and leaves it before it is handed out again. Everything else is `System`'s.
unsafe impl GlobalAlloc for LargeBlockAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !Self::is_large(layout) {
            // SAFETY: forwarded with the caller's guarantees.
            return unsafe { System.alloc(layout) };
        }
        self.obtain(Self::block_len(layout.size())).map_or(std::ptr::null_mut(), |(ptr, _)| ptr)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !Self::is_large(layout) {
            // SAFETY: forwarded with the caller's guarantees.
            return unsafe { System.alloc_zeroed(layout) };
        }
        match self.obtain(Self::block_len(layout.size())) {
            Some((ptr, true)) => ptr,
            Some((ptr, false)) => {
                // SAFETY: the block is ours and at least `layout.size()` bytes long.
                unsafe { std::ptr::write_bytes(ptr, 0, layout.size()) };
                ptr
            }
            None => std::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !Self::is_large(layout) {
            // SAFETY: a small layout was allocated by `System` (see `alloc` / `realloc`).
            return unsafe { System.dealloc(ptr, layout) };
        }
        self.release(ptr as usize, Self::block_len(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to the alignment, fits isize.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (Self::is_large(layout), Self::is_large(new_layout)) {
            // SAFETY: both sizes belong to `System`; forwarded with the caller's guarantees.
            (false, false) => return unsafe { System.realloc(ptr, layout, new_size) },
            (true, true) if Self::block_len(layout.size()) == Self::block_len(new_size) => return ptr,
            _ => {}
        }
        // SAFETY: `new_layout` has a non-zero size (`layout`'s or `new_size` is large).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live, distinct, and hold at least the copied bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// A fresh anonymous mapping of `len` bytes (a multiple of 2 MiB) aligned to 2 MiB and
/// advised as transparent huge pages.
#[cfg(target_os = "linux")]
fn map(len: usize) -> Option<*mut u8> {
    let span = len + HUGE_PAGE;
    // SAFETY: an anonymous private mapping of a fresh range; no existing memory is touched.
    let raw = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            span,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if raw == libc::MAP_FAILED {
        return None;
    }
    let start = raw as usize;
    let aligned = start.next_multiple_of(HUGE_PAGE);
    if aligned > start {
        unmap(start, aligned - start);
    }
    if start + span > aligned + len {
        unmap(aligned + len, start + span - aligned - len);
    }
    // SAFETY: the range is the mapping just made; the advice changes only how the kernel
    // backs its pages, never their contents. A refusal (THP off) changes nothing.
    unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
    Some(aligned as *mut u8)
}

#[cfg(not(target_os = "linux"))]
fn map(_len: usize) -> Option<*mut u8> {
    None // never reached: `is_large` is false off Linux
}

fn unmap(addr: usize, len: usize) {
    #[cfg(target_os = "linux")]
    // SAFETY: the range is (part of) a mapping of ours that no live allocation uses.
    unsafe {
        libc::munmap(addr as *mut libc::c_void, len);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (addr, len);
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    const BIG: usize = MIN_LARGE + (3 << 20);

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 64).unwrap()
    }

    #[test]
    fn small_requests_go_to_the_system_allocator() {
        let a = LargeBlockAllocator::new();
        unsafe {
            let p = a.alloc_zeroed(layout(MIN_LARGE - 1));
            assert!(!p.is_null());
            a.dealloc(p, layout(MIN_LARGE - 1));
        }
        assert_eq!(a.cached_bytes(), 0);
    }

    #[test]
    fn freed_blocks_are_reused_and_zeroed_on_request() {
        let a = LargeBlockAllocator::new();
        unsafe {
            let p = a.alloc_zeroed(layout(BIG));
            assert_eq!(p as usize % HUGE_PAGE, 0);
            assert!(std::slice::from_raw_parts(p, BIG).iter().all(|&b| b == 0));
            std::ptr::write_bytes(p, 7, BIG);
            a.dealloc(p, layout(BIG));
            assert_eq!(a.cached_bytes(), MIN_LARGE + (4 << 20));
            let q = a.alloc_zeroed(layout(BIG - 100));
            assert_eq!(q, p, "the freed mapping is handed out again");
            assert_eq!(a.cached_bytes(), 0);
            assert!(std::slice::from_raw_parts(q, BIG - 100).iter().all(|&b| b == 0));
            a.dealloc(q, layout(BIG - 100));
            let r = a.alloc(layout(BIG + (4 << 20)));
            assert_ne!(r, q, "a longer request gets a fresh mapping");
            a.dealloc(r, layout(BIG + (4 << 20)));
            assert_eq!(a.cached_bytes(), 2 * MIN_LARGE + (12 << 20));
        }
    }

    #[test]
    fn realloc_keeps_contents_across_the_threshold() {
        let a = LargeBlockAllocator::new();
        unsafe {
            let p = a.alloc(layout(1 << 20));
            for i in 0..(1 << 20) {
                *p.add(i) = (i % 251) as u8;
            }
            let q = a.realloc(p, layout(1 << 20), BIG);
            assert_eq!(q as usize % HUGE_PAGE, 0);
            let r = a.realloc(q, layout(BIG), BIG + 5);
            assert_eq!(r, q, "same 2 MiB rounding: grown in place");
            let s = a.realloc(r, layout(BIG + 5), 3 << 20);
            assert!((0..(1 << 20)).all(|i| *s.add(i) == (i % 251) as u8));
            a.dealloc(s, layout(3 << 20));
            assert_eq!(a.cached_bytes(), MIN_LARGE + (4 << 20), "the large block was freed into the cache");
        }
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let mut cache = Cache { blocks: [EMPTY; SLOTS], n: 0, bytes: 0 };
        let block = |i: usize, len: usize| Block { addr: i * (1 << 40), len };
        for i in 0..SLOTS {
            let (_, n) = cache.put(block(i, HUGE_PAGE));
            assert_eq!(n, 0);
        }
        let (evicted, n) = cache.put(block(SLOTS, HUGE_PAGE));
        assert_eq!((n, evicted[0].addr), (1, 0), "the oldest goes first");
        let (_, n) = cache.put(block(SLOTS + 1, CACHE_BYTES - 4 * HUGE_PAGE));
        assert!(n >= 60 && cache.bytes <= CACHE_BYTES, "evicted {n}, {} bytes kept", cache.bytes);
        assert_eq!(cache.take(HUGE_PAGE).map(|b| b.addr), Some(SLOTS * (1 << 40)), "the newest of that length");
        assert!(cache.take(3 * HUGE_PAGE).is_none(), "only exact lengths");
    }
}
