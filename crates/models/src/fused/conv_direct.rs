//! Direct convolution of one row block on its zero-padded copy ([`Padded`]), for CPUs with
//! AVX-512: a register-blocked micro-kernel computes `MR` output channels x `NR` positions at
//! once, reading the padded input rows in place at each kernel offset's shift. It replaces
//! the `kh * kw` GEMMs of [`forward_block_shifted`](super::forward_block_shifted), which
//! re-packed the same input once per offset and passed over the output once per offset.
//!
//! The weights are packed once per call ([`PackedWeights`]); a block then runs, per group of
//! `MR` output channels (whose packed weights stay in L2), over its positions in steps of
//! `NR`. Positions past the block's last one and the `kw - 1` extra columns of each padded row
//! are computed and dropped, as on the GEMM path. The input gradient of such a call is the
//! same kind of convolution (flipped kernel, channels swapped: [`input_grad`]).
//!
//! 3-wide kernels (the U-Net's and the detector's) load each padded row once per input
//! channel and make its shifts by one and two positions in registers ([`kernel3`]); other
//! widths load at every offset ([`kernel`]).

use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Geometry, Padded, SharedMut, add_bias, blocks, give_workspace, take_workspace};

/// Output channels per micro-kernel call.
const MR: usize = 12;
/// Positions per micro-kernel call: two 16-lane vectors.
const NR: usize = 32;

/// Whether the direct kernel may run where the CPU has it (tests clear it to cover the GEMM
/// path on such CPUs too).
pub(super) static ENABLED: AtomicBool = AtomicBool::new(true);

/// Whether the direct kernel runs: enabled, and this CPU has AVX-512.
pub(super) fn available() -> bool {
    ENABLED.load(Ordering::Relaxed) && cpu_has_avx512()
}

/// Whether this CPU has AVX-512F (checked once).
fn cpu_has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static AVX512: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVX512.get_or_init(|| std::arch::is_x86_feature_detected!("avx512f"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The weights `[c_out, kh * kw * c_in]` (offset-major, channel-minor) regrouped for the
/// micro-kernel: per group of [`MR`] output channels, `[c_in][kh * kw][MR]`, the channels past
/// `c_out` in the last group zero.
pub(super) struct PackedWeights {
    data: Vec<f32>,
    per_group: usize,
}

impl PackedWeights {
    /// The weights of call `g`.
    pub(super) fn new(g: &Geometry, weight: &[f32]) -> Self {
        let k = g.k();
        Self::pack(g, |co, off, ci| weight[co * k + off * g.c_in + ci])
    }

    /// The weights of `g`'s input gradient (geometry `g.transposed()`): the kernel flipped
    /// in both directions, input and output channels swapped.
    pub(super) fn flipped(g: &Geometry, weight: &[f32]) -> Self {
        let (k, last) = (g.k(), g.kh * g.kw - 1);
        Self::pack(&g.transposed(), |ci, off, co| weight[co * k + (last - off) * g.c_in + ci])
    }

    /// Packs `w(co, off, ci)` for the output channels, offsets and input channels of `g`.
    fn pack(g: &Geometry, w: impl Fn(usize, usize, usize) -> f32) -> Self {
        let offs = g.kh * g.kw;
        let per_group = g.c_in * offs * MR;
        let mut data = vec![0f32; g.c_out.div_ceil(MR) * per_group];
        for (grp, dst) in data.chunks_mut(per_group).enumerate() {
            for ci in 0..g.c_in {
                for off in 0..offs {
                    let cell = &mut dst[(ci * offs + off) * MR..][..MR];
                    for (r, v) in cell.iter_mut().enumerate().filter(|(r, _)| grp * MR + r < g.c_out) {
                        *v = w(grp * MR + r, off, ci);
                    }
                }
            }
        }
        PackedWeights { data, per_group }
    }

    fn groups(&self) -> usize {
        self.data.len() / self.per_group
    }
}

/// A stride-1 "same" convolution of the batch `x` (`[B, c_in, H, W]`) with packed weights,
/// plus `bias`: one row block per rayon task, as on the GEMM path. Only call when
/// [`available`].
pub(super) fn forward(g: &Geometry, x: &[f32], weights: &PackedWeights, bias: Option<&[f32]>) -> Vec<f32> {
    let (hw, plane_in) = (g.hw(), g.c_in * g.hw());
    let mut out = vec![0f32; g.b * g.c_out * hw];
    let dst = SharedMut(out.as_mut_ptr());
    blocks(g).into_par_iter().for_each(|(bi, r0, r1)| {
        let dst = &dst;
        let nb = (r1 - r0) * g.w;
        let start = bi * g.c_out * hw + r0 * g.w;
        // SAFETY: this task alone writes rows [r0, r1) of image bi's planes, and the view
        // spans only image bi's planes; `forward_block` writes only those rows.
        let y = unsafe { std::slice::from_raw_parts_mut(dst.0.add(start), (g.c_out - 1) * hw + nb) };
        let p = Padded::new(g, r0, r1);
        let padded = p.fill(g, &x[bi * plane_in..(bi + 1) * plane_in], GUARD);
        let mut acc = take_workspace(acc_len(p.nq()));
        forward_block(g, &p, &padded, weights, &mut acc, y);
        give_workspace(padded);
        give_workspace(acc);
        if let Some(bias) = bias {
            add_bias(y, bias, hw, nb);
        }
    });
    out
}

/// The input gradient `[B, c_in, H, W]` of stride-1 call `g` (weights `[c_out, K]`) for the
/// output gradient `dy`: `dy` convolved with the flipped kernel, channels swapped. Only call
/// when [`available`].
pub(super) fn input_grad(g: &Geometry, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    forward(&g.transposed(), dy, &PackedWeights::flipped(g, weight), None)
}

/// Values the padded copy needs past its end so that the last step of [`NR`] positions reads
/// inside the buffer ([`kernel3`] reads `NR + 16` values a row).
pub(super) const GUARD: usize = NR + 16;

/// Output rows `[r0, r1)` of one image of a stride-1 convolution, like
/// [`forward_block_shifted`](super::forward_block_shifted): `padded` is the block's padded
/// copy with [`GUARD`] more zero values at its end; writes the block's `c_out` rows of `y`
/// (row stride `H * W`), without the bias. Panics without AVX-512F.
pub(super) fn forward_block(g: &Geometry, p: &Padded, padded: &[f32], weights: &PackedWeights, acc: &mut [f32], y: &mut [f32]) {
    let (w, hw, nq) = (g.w, g.hw(), p.nq());
    let steps = nq.div_ceil(NR);
    let ldc = steps * NR;
    assert!(cpu_has_avx512(), "the direct convolution kernel needs AVX-512F");
    assert!(padded.len() >= p.len(g) + GUARD, "padded copy without its guard");
    assert!(acc.len() >= MR * ldc, "accumulator too short");
    let shifts: Vec<usize> = (0..g.kh * g.kw).map(|off| p.shift(g, off)).collect();
    for grp in 0..weights.groups() {
        let a = &weights.data[grp * weights.per_group..][..weights.per_group];
        for s in 0..steps {
            // SAFETY: AVX-512F is present (asserted). Reads: `a` holds `c_in * offs * MR`
            // values; the last B read of channel `ci` ends at `ci * plane + shift_max + (s + 1)
            // * NR <= (c_in - 1) * plane + shift_max + ldc`, and `shift_max + nq = plane` with
            // `ldc - nq < NR`; `kernel3` reads 16 values further; GUARD = NR + 16 covers both.
            // Writes: MR rows of `ldc` in `acc`, at column `s * NR`, NR wide.
            unsafe {
                let (b, c) = (padded.as_ptr().add(s * NR), acc.as_mut_ptr().add(s * NR));
                if g.kw == 3 {
                    kernel3(a.as_ptr(), b, p.plane, p.wp, g.kh, g.c_in, c, ldc)
                } else {
                    kernel(a.as_ptr(), b, p.plane, &shifts, g.c_in, c, ldc)
                }
            };
        }
        for r in 0..MR.min(g.c_out - grp * MR) {
            let co = grp * MR + r;
            for row in 0..p.nr {
                y[co * hw + row * w..][..w].copy_from_slice(&acc[r * ldc + row * p.wp..][..w]);
            }
        }
    }
}

/// The `MR x NR` accumulators of one micro-kernel call: 24 registers.
#[cfg(target_arch = "x86_64")]
struct Tile {
    lo: [std::arch::x86_64::__m512; MR],
    hi: [std::arch::x86_64::__m512; MR],
}

#[cfg(target_arch = "x86_64")]
impl Tile {
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn zero() -> Self {
        use std::arch::x86_64::_mm512_setzero_ps;
        Tile { lo: [_mm512_setzero_ps(); MR], hi: [_mm512_setzero_ps(); MR] }
    }

    /// Adds the `MR` weights at `a` times the `NR` values `(b0, b1)`.
    ///
    /// # Safety
    /// AVX-512F must be present and `a` hold `MR` values.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn fma(&mut self, a: *const f32, b0: std::arch::x86_64::__m512, b1: std::arch::x86_64::__m512) {
        use std::arch::x86_64::{_mm512_fmadd_ps, _mm512_set1_ps};
        for r in 0..MR {
            // SAFETY: `a` holds MR values.
            let av = _mm512_set1_ps(unsafe { *a.add(r) });
            self.lo[r] = _mm512_fmadd_ps(av, b0, self.lo[r]);
            self.hi[r] = _mm512_fmadd_ps(av, b1, self.hi[r]);
        }
    }

    /// Writes the tile: `MR` rows of `NR` values, `ldc` apart.
    ///
    /// # Safety
    /// AVX-512F must be present and `c` have `MR` rows of `ldc >= NR` writable values.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn store(&self, c: *mut f32, ldc: usize) {
        use std::arch::x86_64::_mm512_storeu_ps;
        for r in 0..MR {
            // SAFETY: by the function's contract.
            unsafe {
                _mm512_storeu_ps(c.add(r * ldc), self.lo[r]);
                _mm512_storeu_ps(c.add(r * ldc + 16), self.hi[r]);
            }
        }
    }
}

/// `MR x NR` outputs: for every input channel and kernel offset, `NR` consecutive padded
/// values at the offset's shift times `MR` packed weights.
///
/// # Safety
/// AVX-512F must be present; `a` holds `c_in * shifts.len() * MR` values, `b + ci * plane +
/// shift + NR` stays inside its buffer for every channel and shift, and `c` has `MR` rows of
/// `ldc >= NR` writable values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn kernel(a: *const f32, b: *const f32, plane: usize, shifts: &[usize], c_in: usize, c: *mut f32, ldc: usize) {
    use std::arch::x86_64::_mm512_loadu_ps;
    let mut tile = Tile::zero();
    let (mut ap, mut bc) = (a, b);
    for _ in 0..c_in {
        for &shift in shifts {
            // SAFETY: in bounds by the function's contract.
            unsafe {
                let bp = bc.add(shift);
                tile.fma(ap, _mm512_loadu_ps(bp), _mm512_loadu_ps(bp.add(16)));
                ap = ap.add(MR);
            }
        }
        // The step past the last channel is never read.
        bc = bc.wrapping_add(plane);
    }
    // SAFETY: by the function's contract.
    unsafe { tile.store(c, ldc) };
}

/// [`kernel`] for `kw = 3`: per input channel and kernel row, three loads of 48 values and
/// the shifts by one and two positions made in registers.
///
/// # Safety
/// AVX-512F must be present; `a` holds `c_in * kh * 3 * MR` values, `b + ci * plane +
/// oy * wp + NR + 16` stays inside its buffer for every channel and kernel row, and `c` has
/// `MR` rows of `ldc >= NR` writable values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel3(a: *const f32, b: *const f32, plane: usize, wp: usize, kh: usize, c_in: usize, c: *mut f32, ldc: usize) {
    use std::arch::x86_64::{_mm512_alignr_epi32, _mm512_castps_si512, _mm512_castsi512_ps, _mm512_loadu_ps};
    let mut tile = Tile::zero();
    let (mut ap, mut bc) = (a, b);
    for _ in 0..c_in {
        for oy in 0..kh {
            // SAFETY: in bounds by the function's contract.
            unsafe {
                let bp = bc.add(oy * wp);
                let v0 = _mm512_castps_si512(_mm512_loadu_ps(bp));
                let v1 = _mm512_castps_si512(_mm512_loadu_ps(bp.add(16)));
                let v2 = _mm512_castps_si512(_mm512_loadu_ps(bp.add(32)));
                tile.fma(ap, _mm512_castsi512_ps(v0), _mm512_castsi512_ps(v1));
                let (s0, s1) = (_mm512_alignr_epi32::<1>(v1, v0), _mm512_alignr_epi32::<1>(v2, v1));
                tile.fma(ap.add(MR), _mm512_castsi512_ps(s0), _mm512_castsi512_ps(s1));
                let (s0, s1) = (_mm512_alignr_epi32::<2>(v1, v0), _mm512_alignr_epi32::<2>(v2, v1));
                tile.fma(ap.add(2 * MR), _mm512_castsi512_ps(s0), _mm512_castsi512_ps(s1));
                ap = ap.add(3 * MR);
            }
        }
        bc = bc.wrapping_add(plane);
    }
    // SAFETY: by the function's contract.
    unsafe { tile.store(c, ldc) };
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn kernel(_: *const f32, _: *const f32, _: usize, _: &[usize], _: usize, _: *mut f32, _: usize) {
    unreachable!("the direct kernel runs only where `available()`");
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn kernel3(_: *const f32, _: *const f32, _: usize, _: usize, _: usize, _: usize, _: *mut f32, _: usize) {
    unreachable!("the direct kernel runs only where `available()`");
}

/// Widest layer whose weight gradient runs on [`weight_grad_block`]. Measured (2 threads,
/// idle host): with every layer on it, the crown detector trained 1-2 % faster and the U-Net
/// 5-8 % slower (its 64-256-channel layers suit the GEMM); with layers up to 32 channels, the
/// detector 5 % faster than on GEMMs alone and the U-Net unchanged; up to 64, in between.
const WEIGHT_GRAD_MAX_CHANNELS: usize = 32;

/// Whether [`weight_grad_block`] serves call `g`: 3x3 kernels (the U-Net's and the
/// detector's) of at most [`WEIGHT_GRAD_MAX_CHANNELS`] input and output channels; other
/// shapes keep the GEMM path.
pub(super) fn weight_grad_fits(g: &Geometry) -> bool {
    g.kh == 3 && g.kw == 3 && g.c_in.max(g.c_out) <= WEIGHT_GRAD_MAX_CHANNELS
}

/// Adds the weight gradient of output rows `[r0, r1)` of one image to `dw` (`[c_out, K]`,
/// offset-major, channel-minor): `dw[co, off, ci] += sum_q dy[co, q] * padded[ci, q + shift]`
/// over the block's padded positions `q` (`dy` zero in the `kw - 1` extra columns), on the
/// block's padded copy, without the `kh * kw` GEMMs that packed the shifted input once per
/// offset. `x` is the image (`c_in * H * W` values), `dy` its output gradient (`c_out * H * W`).
/// Only call when [`available`] and [`weight_grad_fits`].
pub(super) fn weight_grad_block(g: &Geometry, x: &[f32], dy: &[f32], (r0, r1): (usize, usize), dw: &mut [f32]) {
    assert!(cpu_has_avx512(), "the direct convolution kernel needs AVX-512F");
    assert!(weight_grad_fits(g), "direct weight gradient of a non-3x3 kernel");
    let k = g.k();
    let p = Padded::new(g, r0, r1);
    let padded = p.fill(g, x, GUARD);
    // Each channel's row of dy `ld` values long, a multiple of 16.
    let ld = p.nq().div_ceil(16) * 16;
    let dyq = p.lay_out(g, dy, ld);
    let mut sums = [0f32; 3 * WR];
    for ci in 0..g.c_in {
        for co in (0..g.c_out).step_by(WR) {
            let m = (g.c_out - co).min(WR);
            for oy in 0..3 {
                // SAFETY: AVX-512F is present (asserted). `dyq` holds rows `co .. co + m` of
                // `ld` values; the padded reads of channel `ci`, kernel row `oy`, end at
                // `ci * plane + 2 * wp + (ld - 16) + 32 <= ci * plane + plane + 29` (as
                // `ld < nq + 16` and `plane = nq + 2 * wp + 2`), inside the copy and its GUARD.
                unsafe {
                    let (d, b) = (dyq.as_ptr().add(co * ld), padded.as_ptr().add(ci * p.plane + oy * p.wp));
                    match m {
                        4 => weight_grad_row::<4>(d, ld, b, &mut sums),
                        3 => weight_grad_row::<3>(d, ld, b, &mut sums),
                        2 => weight_grad_row::<2>(d, ld, b, &mut sums),
                        _ => weight_grad_row::<1>(d, ld, b, &mut sums),
                    }
                }
                for r in 0..m {
                    for ox in 0..3 {
                        dw[(co + r) * k + (oy * 3 + ox) * g.c_in + ci] += sums[r * 3 + ox];
                    }
                }
            }
        }
    }
    give_workspace(padded);
    give_workspace(dyq);
}

/// Output channels per [`weight_grad_row`] call.
const WR: usize = 4;

/// The three sums `sum_q dy[r, q] * b[q + ox]` (`ox < 3`) of `M <= WR` rows of `dy` (`ld`
/// values apart, `ld` a multiple of 16) against one padded row sequence `b` (a channel's
/// copy at one kernel row), into `out[r * 3 + ox]`: per 16 positions two loads of `b`, the
/// shifts by one and two made in registers, `3 * M` accumulators.
///
/// # Safety
/// AVX-512F must be present; `dy` holds `M` rows of `ld` values and `b + ld + 16` stays
/// inside its buffer.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn weight_grad_row<const M: usize>(dy: *const f32, ld: usize, b: *const f32, out: &mut [f32; 3 * WR]) {
    use std::arch::x86_64::{
        _mm512_alignr_epi32, _mm512_castps_si512, _mm512_castsi512_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_reduce_add_ps, _mm512_setzero_ps,
    };
    let mut acc = [[_mm512_setzero_ps(); 3]; M];
    for q in (0..ld).step_by(16) {
        // SAFETY: in bounds by the function's contract.
        let (v0, v1) = unsafe { (_mm512_castps_si512(_mm512_loadu_ps(b.add(q))), _mm512_castps_si512(_mm512_loadu_ps(b.add(q + 16)))) };
        let shifted = [
            _mm512_castsi512_ps(v0),
            _mm512_castsi512_ps(_mm512_alignr_epi32::<1>(v1, v0)),
            _mm512_castsi512_ps(_mm512_alignr_epi32::<2>(v1, v0)),
        ];
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: row r of dy has `ld` values.
            let d = unsafe { _mm512_loadu_ps(dy.add(r * ld + q)) };
            for ox in 0..3 {
                acc[ox] = _mm512_fmadd_ps(d, shifted[ox], acc[ox]);
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        for ox in 0..3 {
            out[r * 3 + ox] = _mm512_reduce_add_ps(acc[ox]);
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn weight_grad_row<const M: usize>(_: *const f32, _: usize, _: *const f32, _: &mut [f32; 3 * WR]) {
    unreachable!("the direct kernel runs only where `available()`");
}

/// Accumulator values [`forward_block`] needs for a block with `nq` positions.
pub(super) fn acc_len(nq: usize) -> usize {
    MR * nq.div_ceil(NR) * NR
}
