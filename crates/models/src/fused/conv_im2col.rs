//! im2col and its adjoint for the GEMM paths of [`super`]: the whole batch's columns
//! (batch-folded calls) or one row block's (blocked calls), any stride.

use rayon::prelude::*;

use super::{Geometry, SharedMut};

/// The im2col matrix `[K, nb]` of output rows `[r0, r1)` of one image `x` (`c_in * H * W`
/// values), `nb = (r1 - r0) * OW`: every entry written, zeros outside the image included.
pub(super) fn im2col_block(g: &Geometry, x: &[f32], r0: usize, r1: usize, cols: &mut [f32]) {
    let (hw, ow, s, nb) = (g.hw(), g.ow(), g.stride, (r1 - r0) * g.ow());
    for (r, row) in cols.chunks_mut(nb).enumerate() {
        let (off, ci) = (r / g.c_in, r % g.c_in);
        let (oy, ox) = (off / g.kw, off % g.kw);
        let ((y0, y1), (x0, x1)) = (g.rows(oy), g.cols(ox));
        let plane = &x[ci * hw..(ci + 1) * hw];
        for (y, line) in (r0..r1).zip(row.chunks_mut(ow)) {
            if y < y0 || y >= y1 || x0 >= x1 {
                line.fill(0.0);
                continue;
            }
            line[..x0].fill(0.0);
            line[x1..].fill(0.0);
            let src = (s * y + oy - g.kh / 2) * g.w + s * x0 + ox - g.kw / 2;
            gather_strided(&mut line[x0..x1], &plane[src..], s);
        }
    }
}

/// Adjoint of [`im2col_block`]: adds each entry of `dcols` `[K, nb]` onto the pixel of the
/// image gradient `dx` (`c_in * H * W` values) it came from.
pub(super) fn col2im_block(g: &Geometry, dcols: &[f32], r0: usize, r1: usize, dx: &mut [f32]) {
    let (hw, ow, s, nb) = (g.hw(), g.ow(), g.stride, (r1 - r0) * g.ow());
    for (r, row) in dcols.chunks(nb).enumerate() {
        let (off, ci) = (r / g.c_in, r % g.c_in);
        let (oy, ox) = (off / g.kw, off % g.kw);
        let ((y0, y1), (x0, x1)) = (g.rows(oy), g.cols(ox));
        if x0 >= x1 {
            continue;
        }
        let plane = &mut dx[ci * hw..(ci + 1) * hw];
        for (y, line) in (r0..r1).zip(row.chunks(ow)) {
            if y < y0 || y >= y1 {
                continue;
            }
            let src = (s * y + oy - g.kh / 2) * g.w + s * x0 + ox - g.kw / 2;
            scatter_add_strided(&mut plane[src..], &line[x0..x1], s);
        }
    }
}

/// Calls `f(src, dst, len)` for each run of output pixels of kernel offset `off` in image
/// `bi` and channel `ci` whose sources are inside the image: `len` outputs from column index
/// `dst` of the im2col row, reading the input plane from `src` every `stride` pixels.
fn for_each_run(g: &Geometry, off: usize, mut f: impl FnMut(usize, usize, usize)) {
    let (oy, ox) = (off / g.kw, off % g.kw);
    let (ph, pw) = (g.kh / 2, g.kw / 2);
    let ((y0, y1), (x0, x1)) = (g.rows(oy), g.cols(ox));
    if x0 >= x1 {
        return;
    }
    for y in y0..y1 {
        let sy = g.stride * y + oy - ph;
        f(sy * g.w + g.stride * x0 + ox - pw, y * g.ow() + x0, x1 - x0);
    }
}

/// `[K, N]` with row `(oy * kw + ox) * c_in + ci` holding input channel `ci` at the kernel
/// offset `(oy - kh/2, ox - kw/2)` from each output pixel's centre, zero outside the image.
pub(super) fn im2col(g: &Geometry, x: &[f32]) -> Vec<f32> {
    let (hw, ohw, n, s) = (g.hw(), g.ohw(), g.n(), g.stride);
    let mut cols = vec![0f32; g.k() * n];
    cols.par_chunks_mut(n).enumerate().for_each(|(r, row)| {
        let (off, ci) = (r / g.c_in, r % g.c_in);
        for bi in 0..g.b {
            let plane = &x[(bi * g.c_in + ci) * hw..(bi * g.c_in + ci + 1) * hw];
            let out = &mut row[bi * ohw..(bi + 1) * ohw];
            for_each_run(g, off, |src, dst, len| gather_strided(&mut out[dst..dst + len], &plane[src..], s));
        }
    });
    cols
}

/// `out[j] = src[s * j]` for every `j` of `out` (`src` holds at least
/// `s * (out.len() - 1) + 1` values): a copy at stride 1, and at stride 2 a loop over
/// contiguous pairs that the compiler vectorises (the indexed form was a scalar gather).
#[inline]
fn gather_strided(out: &mut [f32], src: &[f32], s: usize) {
    let Some(last) = out.len().checked_sub(1) else { return };
    match s {
        1 => out.copy_from_slice(&src[..out.len()]),
        2 => {
            out[..last].iter_mut().zip(src[..2 * last].chunks_exact(2)).for_each(|(o, p)| *o = p[0]);
            out[last] = src[2 * last];
        }
        _ => out.iter_mut().zip(src.iter().step_by(s)).for_each(|(o, v)| *o = *v),
    }
}

/// Adjoint of [`gather_strided`]: `dst[s * j] += v[j]` for every `j` of `v`.
#[inline]
fn scatter_add_strided(dst: &mut [f32], v: &[f32], s: usize) {
    let Some(last) = v.len().checked_sub(1) else { return };
    match s {
        1 => dst[..v.len()].iter_mut().zip(v).for_each(|(d, x)| *d += x),
        2 => {
            dst[..2 * last].chunks_exact_mut(2).zip(&v[..last]).for_each(|(p, x)| p[0] += x);
            dst[2 * last] += v[last];
        }
        _ => dst.iter_mut().step_by(s).zip(v).for_each(|(d, x)| *d += x),
    }
}

/// Adjoint of [`im2col`]: sums each column entry back onto the input pixel it came from.
pub(super) fn col2im(g: &Geometry, dcols: &[f32]) -> Vec<f32> {
    let (hw, ohw, n, s) = (g.hw(), g.ohw(), g.n(), g.stride);
    let mut dx = vec![0f32; g.b * g.c_in * hw];
    let out = SharedMut(dx.as_mut_ptr());
    // One task per input channel: it writes only the planes (bi, ci) of that channel.
    (0..g.c_in).into_par_iter().for_each(|ci| {
        let out = &out;
        for off in 0..g.kh * g.kw {
            let row = &dcols[(off * g.c_in + ci) * n..(off * g.c_in + ci + 1) * n];
            for bi in 0..g.b {
                // SAFETY: plane (bi, ci) of dx, written only by this task.
                let plane = unsafe { std::slice::from_raw_parts_mut(out.0.add((bi * g.c_in + ci) * hw), hw) };
                let cols = &row[bi * ohw..(bi + 1) * ohw];
                for_each_run(g, off, |src, dst, len| scatter_add_strided(&mut plane[src..], &cols[dst..dst + len], s));
            }
        }
    });
    dx
}
