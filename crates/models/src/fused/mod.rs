//! Fused CPU kernels with hand-written backward passes, for training on the Flex backend.
//!
//! A conv block step built from burn tensor operations records a dozen graph nodes, each
//! of which allocates its output and walks memory again in the backward pass (im2col by
//! shifted slices and `cat`, batch norm by reductions and broadcasts, ReLU, max-pool). On
//! the CPU that overhead, not arithmetic, dominated a patch-CNN training step
//! (docs/BENCHMARKS.md). Here each of [`conv_strided`] / [`conv_same`], [`linear`],
//! [`batch_norm_relu`], [`max_pool_2x2`], [`dropout`] and [`lstm_sequence`] (a whole
//! LSTM layer over a sequence) is one autodiff node with a direct kernel forward and
//! backward (rayon over channels, planes or batch rows, gemm for the matrix products), and
//! [`adamw_update`] is the optimizer's per-parameter update in one pass.
//!
//! The kernels run when the tensors live on burn's Flex CPU device (plain or autodiff
//! without gradient checkpointing) and hold `f32`; everywhere else (GPU backends, ndarray,
//! other float types) the callers fall back to the equivalent burn operations, so results
//! agree up to float rounding and every backend still trains.

mod adamw;
mod add_relu;
mod conv;
mod dropout;
mod gemm;
mod linear;
mod lstm;
mod math;
mod norm;
mod pool;
mod upsample_cat;

pub use adamw::{AdamWStep, AdamWTensors, adamw_update};
pub use add_relu::add_relu;
pub use conv::{conv_same, conv_strided};
pub use dropout::dropout;
pub use linear::linear;
pub use lstm::{lstm_forward, lstm_sequence, packed_weights};
pub use norm::{batch_norm, batch_norm_relu, batch_norm_relu_train};
pub use pool::max_pool_2x2;
pub use upsample_cat::upsample_cat;

use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, AutodiffBackend, BackendTensor, DispatchAutodiffContext, DispatchTensor, DispatchTensorKind, Flex,
    GradientCheckpointingStrategy,
};
use burn::tensor::{DType, Shape, Tensor, TensorData};

/// Number of fused kernel calls that recorded an autodiff node (training on Flex).
static TRACKED_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many fused kernel calls so far ran in training mode on Flex (process-wide): lets a
/// test check that a training loop really takes the fused path.
pub fn tracked_calls() -> usize {
    TRACKED_CALLS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Float tensor of the autodiff Flex backend.
pub(crate) type AdTensor = FloatTensor<Autodiff<Flex, NoCheckpointing>>;

/// Inputs of a fused operation, unwrapped from burn's dispatch layer.
pub(crate) enum Flexed<const N: usize> {
    /// Flex tensors without autodiff (inference).
    Plain([FlexTensor; N]),
    /// Autodiff Flex tensors (training), and the context to wrap outputs in.
    Tracked([AdTensor; N], DispatchAutodiffContext),
}

impl<const N: usize> Flexed<N> {
    /// The plain tensors, or the tracked ones wrapped back for burn's API.
    pub(crate) fn into_vec<const D: usize>(self) -> Result<Vec<FlexTensor>, Vec<Tensor<D>>> {
        match self {
            Flexed::Plain(ts) => Ok(ts.into()),
            Flexed::Tracked(ts, ctx) => Err(ts.into_iter().map(|t| tracked_out(t, ctx)).collect()),
        }
    }
}

const TRACKED: DispatchAutodiffContext = DispatchAutodiffContext::Enabled(GradientCheckpointingStrategy::Disabled);

fn is_f32_flex(kind: &DispatchTensorKind, ctx: DispatchAutodiffContext) -> bool {
    match (kind, ctx) {
        (DispatchTensorKind::Flex(BackendTensor::Float(t)), DispatchAutodiffContext::Disabled | TRACKED) => {
            t.dtype() == DType::F32
        }
        (DispatchTensorKind::Autodiff(inner), TRACKED) => match &**inner {
            DispatchTensorKind::Flex(BackendTensor::Autodiff(t)) => {
                <Autodiff<Flex> as AutodiffBackend>::inner(t.clone()).dtype() == DType::F32
            }
            _ => false,
        },
        _ => false,
    }
}

/// Unwraps `tensors` when all of them are `f32` Flex tensors, all plain or under one
/// autodiff context without checkpointing; otherwise gives them back unchanged.
///
/// Under autodiff, burn's dispatch layer holds a tracked Flex tensor as
/// `Autodiff(Flex(BackendTensor::Autodiff(t)))`; a plain Flex tensor mixed in (e.g. a
/// constant) joins the graph as an untracked leaf.
pub(crate) fn flexed<const N: usize>(tensors: [DispatchTensor; N]) -> Result<Flexed<N>, [DispatchTensor; N]> {
    let ctx = tensors.iter().fold(DispatchAutodiffContext::Disabled, |c, t| if t.autodiff == TRACKED { TRACKED } else { c });
    if !tensors.iter().all(|t| is_f32_flex(&t.kind, ctx) && (t.autodiff == ctx || t.autodiff == DispatchAutodiffContext::Disabled)) {
        return Err(tensors);
    }
    if ctx == DispatchAutodiffContext::Disabled {
        return Ok(Flexed::Plain(tensors.map(|t| match t.kind {
            DispatchTensorKind::Flex(BackendTensor::Float(t)) => t,
            _ => unreachable!("checked above"),
        })));
    }
    TRACKED_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(Flexed::Tracked(
        tensors.map(|t| match t.kind {
            DispatchTensorKind::Autodiff(inner) => match *inner {
                DispatchTensorKind::Flex(BackendTensor::Autodiff(t)) => t,
                _ => unreachable!("checked above"),
            },
            DispatchTensorKind::Flex(BackendTensor::Float(t)) => <Autodiff<Flex> as AutodiffBackend>::from_inner(t),
            _ => unreachable!("checked above"),
        }),
        ctx,
    ))
}

/// Wraps a plain Flex tensor for burn's API.
pub(crate) fn plain_out<const D: usize>(t: FlexTensor) -> Tensor<D> {
    Tensor::from_dispatch(DispatchTensor { kind: DispatchTensorKind::Flex(BackendTensor::Float(t)), autodiff: DispatchAutodiffContext::Disabled })
}

/// Wraps an autodiff Flex tensor for burn's API.
pub(crate) fn tracked_out<const D: usize>(t: AdTensor, ctx: DispatchAutodiffContext) -> Tensor<D> {
    let kind = DispatchTensorKind::Autodiff(Box::new(DispatchTensorKind::Flex(BackendTensor::Autodiff(t))));
    Tensor::from_dispatch(DispatchTensor { kind, autodiff: ctx })
}

/// The inner Flex tensor of an autodiff tensor (shares its data).
pub(crate) fn inner(t: &AdTensor) -> FlexTensor {
    <Autodiff<Flex> as AutodiffBackend>::inner(t.clone())
}

/// A contiguous copy of the values (no copy when already contiguous).
pub(crate) fn values(t: &FlexTensor) -> std::borrow::Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(t.to_contiguous().as_slice::<f32>().expect("contiguous").to_vec()),
    }
}

/// A Flex tensor owning `data` with `shape`.
pub(crate) fn flex_tensor(data: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, Shape::from(shape.to_vec())))
}

/// Dimensions of a Flex tensor.
pub(crate) fn dims(t: &FlexTensor) -> Vec<usize> {
    t.layout().shape().to_vec()
}

/// Raw pointer that may be shared across rayon tasks writing disjoint elements.
#[derive(Clone, Copy)]
pub(crate) struct SharedMut(pub *mut f32);
// SAFETY: users write disjoint index sets from different tasks (documented at each use).
unsafe impl Send for SharedMut {}
unsafe impl Sync for SharedMut {}

impl SharedMut {
    /// The `len` values from `start` as memory to write once (it may be uninitialised).
    ///
    /// # Safety
    /// They lie inside the allocation, and no other task reads or writes them while the
    /// slice lives.
    pub(crate) unsafe fn uninit<'a>(self, start: usize, len: usize) -> &'a mut [std::mem::MaybeUninit<f32>] {
        // SAFETY: by the function's contract.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(start).cast(), len) }
    }
}

/// Test helpers shared by the kernels' tests.
#[cfg(test)]
pub(crate) mod testing {
    use burn::tensor::Tensor;

    /// The values of `t` as `f32`.
    pub(crate) fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
    }

    /// Asserts `a` equals `b` within `rel` times the largest magnitude in `b`.
    pub(crate) fn assert_close<const D: usize>(a: Tensor<D>, b: Tensor<D>, rel: f32, what: &str) {
        let (a, b) = (values(a), values(b));
        assert_eq!(a.len(), b.len(), "{what}");
        let scale = b.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() <= rel * scale, "{what}: {u} vs {v}");
        }
    }
}
