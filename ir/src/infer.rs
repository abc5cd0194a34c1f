//! Shape and dtype inference for every op.
//!
//! [`infer`] maps an op and its input types to its output types, or to a message saying what is
//! wrong (the caller adds the node's name). Symbolic dims flow through: elementwise ops broadcast
//! them, reshape keeps them where it can prove the element count, and ops that need a static
//! extent (e.g. the reduced axis of a pool window) say so.

mod broadcast;
mod layout;
mod nn;

use crate::dtype::DType;
use crate::graph::{Constant, TensorType};
use crate::op::{BinaryOp, Op, UnaryOp};
use crate::shape::{normalize_axis, Dim, Shape};

pub use broadcast::{broadcast_dim, broadcast_shapes};
pub use layout::slice_len;

/// Output types of `op` applied to inputs of the given types; the error says what is wrong.
pub fn infer(op: &Op, inputs: &[TensorType], consts: &[Constant]) -> Result<Vec<TensorType>, String> {
    check_arity(op, inputs.len())?;
    for (i, t) in inputs.iter().enumerate() {
        check_extents(&t.shape).map_err(|e| format!("input {i}: {e}"))?;
    }
    let out = infer_unchecked(op, inputs, consts)?;
    for (i, t) in out.iter().enumerate() {
        check_extents(&t.shape).map_err(|e| format!("output {i}: {e}"))?;
    }
    Ok(out)
}

/// The largest extent of one dim (and of a symbolic dim's bound): 2^40. Keeping extents far
/// below `i64::MAX` lets inference do its arithmetic without overflow.
pub const MAX_EXTENT: u64 = 1 << 40;

/// The largest element count of one tensor (symbolic dims at their bound): 2^40.
pub const MAX_ELEMENTS: u64 = 1 << 40;

fn check_extents(s: &Shape) -> Result<(), String> {
    if let Some(d) = s.0.iter().find(|d| d.upper_bound() > MAX_EXTENT) {
        return Err(format!("extent {d} exceeds the limit {MAX_EXTENT} (2^40)"));
    }
    // Checked even when a dim is 0: an empty input must not license an absurd output.
    let nonzero = Shape(s.0.iter().filter(|d| d.upper_bound() != 0).cloned().collect());
    if nonzero.max_numel() > MAX_ELEMENTS {
        return Err(format!("shape {s} has more than {MAX_ELEMENTS} (2^40) elements"));
    }
    Ok(())
}

fn infer_unchecked(op: &Op, inputs: &[TensorType], consts: &[Constant]) -> Result<Vec<TensorType>, String> {
    let one = |t: TensorType| Ok(vec![t]);
    match op {
        Op::Constant(c) => {
            let c = consts
                .get(c.index())
                .ok_or_else(|| format!("constant @{} does not exist", c.0))?;
            one(TensorType::new(c.data.dtype(), Shape::of(c.data.shape())))
        }
        Op::Identity => one(inputs[0].clone()),
        Op::Unary(u) => {
            let t = &inputs[0];
            match u {
                UnaryOp::Not => require_dtype(t, 0, DType::Bool)?,
                u if u.float_only() => require_float(t, 0)?,
                _ => require_numeric(t, 0)?,
            }
            if let UnaryOp::LeakyRelu { alpha } = u {
                if !alpha.is_finite() {
                    return Err(format!("alpha must be finite, got {alpha}"));
                }
            }
            one(t.clone())
        }
        Op::Cast { .. } => one(TensorType::new(cast_to(op), inputs[0].shape.clone())),
        Op::Binary(b) => {
            let (a, c) = (&inputs[0], &inputs[1]);
            if a.dtype != c.dtype {
                return Err(format!(
                    "inputs have different dtypes {} and {}; insert a Cast",
                    a.dtype, c.dtype
                ));
            }
            if b.is_logical() {
                require_dtype(a, 0, DType::Bool)?;
            } else if *b != BinaryOp::Equal {
                require_numeric(a, 0)?;
            }
            let shape = broadcast_shapes(&[&a.shape, &c.shape])?;
            let dtype = if b.is_comparison() { DType::Bool } else { a.dtype };
            one(TensorType::new(dtype, shape))
        }
        Op::Where => {
            require_dtype(&inputs[0], 0, DType::Bool)?;
            if inputs[1].dtype != inputs[2].dtype {
                return Err(format!(
                    "x and y have different dtypes {} and {}",
                    inputs[1].dtype, inputs[2].dtype
                ));
            }
            let shape = broadcast_shapes(&[&inputs[0].shape, &inputs[1].shape, &inputs[2].shape])?;
            one(TensorType::new(inputs[1].dtype, shape))
        }
        Op::Clip { min, max } => {
            require_numeric(&inputs[0], 0)?;
            if min.is_some_and(f64::is_nan) || max.is_some_and(f64::is_nan) {
                return Err("clip bounds must not be NaN".into());
            }
            one(inputs[0].clone())
        }
        Op::Reduce { axes, keepdims, .. } => {
            require_numeric(&inputs[0], 0)?;
            let shape = reduce_shape(&inputs[0].shape, axes, *keepdims)?;
            one(TensorType::new(inputs[0].dtype, shape))
        }
        Op::ArgMax { axis, keepdims, .. } | Op::ArgMin { axis, keepdims, .. } => {
            require_numeric(&inputs[0], 0)?;
            let shape = reduce_shape(&inputs[0].shape, &[*axis], *keepdims)?;
            one(TensorType::new(DType::I64, shape))
        }
        Op::Softmax { axis } | Op::LogSoftmax { axis } => {
            require_float(&inputs[0], 0)?;
            axis_of(*axis, inputs[0].shape.rank())?;
            one(inputs[0].clone())
        }
        Op::CumSum { axis, .. } => {
            require_numeric(&inputs[0], 0)?;
            axis_of(*axis, inputs[0].shape.rank())?;
            one(inputs[0].clone())
        }
        Op::Trilu { .. } => {
            if inputs[0].shape.rank() < 2 {
                return Err(format!("input must have rank >= 2, got {}", inputs[0].shape));
            }
            one(inputs[0].clone())
        }
        Op::TopK { k, axis, .. } => {
            require_numeric(&inputs[0], 0)?;
            let t = &inputs[0];
            let a = axis_of(*axis, t.shape.rank())?;
            if let Some(n) = t.shape.0[a].as_static() {
                if *k > n {
                    return Err(format!("k = {k} exceeds the extent {n} of axis {axis}"));
                }
            }
            let mut dims = t.shape.0.clone();
            dims[a] = Dim::Static(*k);
            Ok(vec![
                TensorType::new(t.dtype, Shape(dims.clone())),
                TensorType::new(DType::I64, Shape(dims)),
            ])
        }
        Op::LayerNorm { .. }
        | Op::RmsNorm { .. }
        | Op::GroupNorm { .. }
        | Op::InstanceNorm { .. }
        | Op::BatchNorm { .. }
        | Op::MatMul
        | Op::Gemm { .. }
        | Op::Conv { .. }
        | Op::ConvTranspose { .. }
        | Op::MaxPool { .. }
        | Op::AveragePool { .. }
        | Op::GlobalAveragePool
        | Op::Resize { .. }
        | Op::Attention { .. } => nn::infer(op, inputs),
        Op::Reshape { .. }
        | Op::Transpose { .. }
        | Op::Concat { .. }
        | Op::Split { .. }
        | Op::Slice { .. }
        | Op::Crop { .. }
        | Op::Gather { .. }
        | Op::GatherElements { .. }
        | Op::Expand { .. }
        | Op::Squeeze { .. }
        | Op::Unsqueeze { .. }
        | Op::Flatten { .. }
        | Op::Pad { .. }
        | Op::Tile { .. }
        | Op::Range { .. }
        | Op::Shape { .. }
        | Op::ConstantOfShape { .. } => layout::infer(op, inputs),
    }
}

fn cast_to(op: &Op) -> DType {
    match op {
        Op::Cast { to } => *to,
        _ => DType::F32,
    }
}

fn check_arity(op: &Op, n: usize) -> Result<(), String> {
    let (lo, hi) = op.arity();
    let ok = n >= lo && hi.is_none_or(|h| n <= h);
    if ok {
        return Ok(());
    }
    let want = match hi {
        Some(h) if h == lo => format!("{lo}"),
        Some(h) => format!("{lo} to {h}"),
        None => format!("at least {lo}"),
    };
    Err(format!("takes {want} inputs, got {n}"))
}

/// Normalizes `axis` against `rank`, with an error naming both.
pub(crate) fn axis_of(axis: i64, rank: usize) -> Result<usize, String> {
    normalize_axis(axis, rank).ok_or_else(|| format!("axis {axis} is out of range for rank {rank}"))
}

pub(crate) fn require_float(t: &TensorType, i: usize) -> Result<(), String> {
    if t.dtype.is_float() {
        Ok(())
    } else {
        Err(format!(
            "input {i} must be a float type (f32, f16, bf16), got {}",
            t.dtype
        ))
    }
}

pub(crate) fn require_numeric(t: &TensorType, i: usize) -> Result<(), String> {
    if t.dtype.is_numeric() {
        Ok(())
    } else {
        Err(format!("input {i} must be numeric, got {}", t.dtype))
    }
}

pub(crate) fn require_dtype(t: &TensorType, i: usize, d: DType) -> Result<(), String> {
    if t.dtype == d {
        Ok(())
    } else {
        Err(format!("input {i} must be {d}, got {}", t.dtype))
    }
}

pub(crate) fn require_rank(t: &TensorType, i: usize, rank: usize) -> Result<(), String> {
    if t.shape.rank() == rank {
        Ok(())
    } else {
        Err(format!("input {i} must have rank {rank}, got shape {}", t.shape))
    }
}

/// The shape after reducing `axes` (empty: all).
fn reduce_shape(shape: &Shape, axes: &[i64], keepdims: bool) -> Result<Shape, String> {
    let rank = shape.rank();
    let mut reduced = vec![axes.is_empty(); rank];
    for &a in axes {
        let i = axis_of(a, rank)?;
        if reduced[i] {
            return Err(format!("axis {a} is given twice"));
        }
        reduced[i] = true;
    }
    let mut dims = Vec::new();
    for (i, d) in shape.0.iter().enumerate() {
        if !reduced[i] {
            dims.push(d.clone());
        } else if keepdims {
            dims.push(Dim::Static(1));
        }
    }
    Ok(Shape(dims))
}
