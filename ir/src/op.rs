//! The closed set of operations.
//!
//! Every variant documents its inputs, attributes, broadcasting and output-shape rule. Inputs are
//! a plain list of values; ops with optional inputs (e.g. a bias) accept a shorter list, as
//! documented. Shape-determining operands (reshape targets, slice bounds, pads, ...) are static
//! attributes: the ONNX importer folds the shape subgraphs that compute them.
//!
//! Axes are `i64` and may be negative (counted from the end), as in ONNX.

use crate::dtype::DType;
use crate::shape::Dim;
use crate::ConstId;

/// Elementwise functions of one input; output has the input's shape and dtype.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    Neg,
    Abs,
    Exp,
    Log,
    Sqrt,
    /// `1 / sqrt(x)`.
    Rsqrt,
    Reciprocal,
    Tanh,
    Sigmoid,
    Erf,
    Relu,
    /// `x` if `x >= 0`, else `alpha * x`.
    LeakyRelu {
        alpha: f32,
    },
    /// `0.5 x (1 + erf(x / sqrt 2))`, or with `tanh: true`
    /// `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    Gelu {
        tanh: bool,
    },
    /// `x * sigmoid(x)`.
    Silu,
    Sin,
    Cos,
    Floor,
    Ceil,
    /// Round half to even (as ONNX `Round`).
    Round,
    /// Logical not; bool input and output.
    Not,
}

impl UnaryOp {
    /// Every unary op (with representative attributes), for tests and the text format.
    pub const ALL: [UnaryOp; 21] = [
        UnaryOp::Neg,
        UnaryOp::Abs,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Rsqrt,
        UnaryOp::Reciprocal,
        UnaryOp::Tanh,
        UnaryOp::Sigmoid,
        UnaryOp::Erf,
        UnaryOp::Relu,
        UnaryOp::LeakyRelu { alpha: 0.01 },
        UnaryOp::Gelu { tanh: false },
        UnaryOp::Gelu { tanh: true },
        UnaryOp::Silu,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Round,
        UnaryOp::Not,
    ];

    /// The op's name in the text format.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "Neg",
            UnaryOp::Abs => "Abs",
            UnaryOp::Exp => "Exp",
            UnaryOp::Log => "Log",
            UnaryOp::Sqrt => "Sqrt",
            UnaryOp::Rsqrt => "Rsqrt",
            UnaryOp::Reciprocal => "Reciprocal",
            UnaryOp::Tanh => "Tanh",
            UnaryOp::Sigmoid => "Sigmoid",
            UnaryOp::Erf => "Erf",
            UnaryOp::Relu => "Relu",
            UnaryOp::LeakyRelu { .. } => "LeakyRelu",
            UnaryOp::Gelu { .. } => "Gelu",
            UnaryOp::Silu => "Silu",
            UnaryOp::Sin => "Sin",
            UnaryOp::Cos => "Cos",
            UnaryOp::Floor => "Floor",
            UnaryOp::Ceil => "Ceil",
            UnaryOp::Round => "Round",
            UnaryOp::Not => "Not",
        }
    }

    /// True for ops defined only on floating-point inputs.
    pub fn float_only(self) -> bool {
        !matches!(self, UnaryOp::Neg | UnaryOp::Abs | UnaryOp::Relu | UnaryOp::Not)
    }
}

/// Elementwise functions of two inputs with numpy broadcasting. Both inputs have the same dtype.
/// Arithmetic ops return that dtype; comparisons return bool; `And`/`Or` take and return bool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    /// Division; integer division truncates toward zero (as ONNX `Div`).
    Div,
    Pow,
    Max,
    Min,
    /// Integer modulo with the sign of the divisor (Python `%`; ONNX `Mod` with `fmod=0`).
    Mod,
    /// Remainder with the sign of the dividend (C `fmod`; ONNX `Mod` with `fmod=1`).
    Fmod,
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
}

impl BinaryOp {
    pub const ALL: [BinaryOp; 16] = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
        BinaryOp::Max,
        BinaryOp::Min,
        BinaryOp::Mod,
        BinaryOp::Fmod,
        BinaryOp::Equal,
        BinaryOp::Less,
        BinaryOp::LessOrEqual,
        BinaryOp::Greater,
        BinaryOp::GreaterOrEqual,
        BinaryOp::And,
        BinaryOp::Or,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "Add",
            BinaryOp::Sub => "Sub",
            BinaryOp::Mul => "Mul",
            BinaryOp::Div => "Div",
            BinaryOp::Pow => "Pow",
            BinaryOp::Max => "Max",
            BinaryOp::Min => "Min",
            BinaryOp::Mod => "Mod",
            BinaryOp::Fmod => "Fmod",
            BinaryOp::Equal => "Equal",
            BinaryOp::Less => "Less",
            BinaryOp::LessOrEqual => "LessOrEqual",
            BinaryOp::Greater => "Greater",
            BinaryOp::GreaterOrEqual => "GreaterOrEqual",
            BinaryOp::And => "And",
            BinaryOp::Or => "Or",
        }
    }

    /// True for comparisons (bool output).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Equal | BinaryOp::Less | BinaryOp::LessOrEqual | BinaryOp::Greater | BinaryOp::GreaterOrEqual
        )
    }

    /// True for the logical ops (bool inputs and output).
    pub fn is_logical(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or)
    }
}

/// Reductions over a set of axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Mean,
    Max,
    Min,
    Prod,
}

impl ReduceOp {
    pub const ALL: [ReduceOp; 5] = [
        ReduceOp::Sum,
        ReduceOp::Mean,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::Prod,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "ReduceSum",
            ReduceOp::Mean => "ReduceMean",
            ReduceOp::Max => "ReduceMax",
            ReduceOp::Min => "ReduceMin",
            ReduceOp::Prod => "ReduceProd",
        }
    }
}

/// Padding modes of [`Op::Pad`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PadMode {
    Constant,
    /// Mirror without repeating the edge element (`[1,2,3]` padded by 2 → `3,2,1,2,3,2,1`).
    Reflect,
    /// Repeat the edge element.
    Edge,
}

impl PadMode {
    pub fn name(self) -> &'static str {
        match self {
            PadMode::Constant => "constant",
            PadMode::Reflect => "reflect",
            PadMode::Edge => "edge",
        }
    }
}

/// Interpolation modes of [`Op::Resize`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResizeMode {
    Nearest,
    /// Linear in each resized axis (bilinear for 2 spatial axes).
    Linear,
}

impl ResizeMode {
    pub fn name(self) -> &'static str {
        match self {
            ResizeMode::Nearest => "nearest",
            ResizeMode::Linear => "linear",
        }
    }
}

/// How an output coordinate maps to an input coordinate in [`Op::Resize`] (ONNX
/// `coordinate_transformation_mode`). `scale` is output/input along the axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoordMode {
    /// `(x + 0.5) / scale - 0.5`
    HalfPixel,
    /// Like half-pixel, but -0.5 (clamped to the first element) when the output length is 1.
    PytorchHalfPixel,
    /// `x * (in - 1) / (out - 1)`, with the unrounded output length `out = in * scale` (0 when it
    /// is 1)
    AlignCorners,
    /// `x / scale`
    Asymmetric,
}

impl CoordMode {
    pub fn name(self) -> &'static str {
        match self {
            CoordMode::HalfPixel => "half_pixel",
            CoordMode::PytorchHalfPixel => "pytorch_half_pixel",
            CoordMode::AlignCorners => "align_corners",
            CoordMode::Asymmetric => "asymmetric",
        }
    }
}

/// How [`Op::Resize`] in nearest mode rounds a fractional input coordinate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NearestMode {
    RoundPreferFloor,
    RoundPreferCeil,
    Floor,
    Ceil,
}

impl NearestMode {
    pub fn name(self) -> &'static str {
        match self {
            NearestMode::RoundPreferFloor => "round_prefer_floor",
            NearestMode::RoundPreferCeil => "round_prefer_ceil",
            NearestMode::Floor => "floor",
            NearestMode::Ceil => "ceil",
        }
    }
}

/// An operation. Output dtype equals the (first) input dtype unless stated otherwise.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A graph constant (weight). No inputs; output is the constant's dtype and shape.
    Constant(ConstId),
    /// Output = input.
    Identity,
    /// Elementwise function of one input.
    Unary(UnaryOp),
    /// Elementwise conversion to `to` (floats to ints truncate toward zero; to bool is `x != 0`).
    Cast { to: DType },
    /// Elementwise function of two inputs, numpy broadcasting.
    Binary(BinaryOp),
    /// `(cond: bool, x, y)` → `cond ? x : y`, broadcasting all three.
    Where,
    /// Clamp to `[min, max]`; a missing bound does not clamp.
    Clip { min: Option<f64>, max: Option<f64> },
    /// Reduce over `axes` (empty: all axes). `keepdims` keeps reduced axes with extent 1.
    Reduce {
        op: ReduceOp,
        axes: Vec<i64>,
        keepdims: bool,
    },
    /// Index (i64) of the largest element along `axis`; ties → first index, or last with
    /// `select_last_index`.
    ArgMax {
        axis: i64,
        keepdims: bool,
        select_last_index: bool,
    },
    /// Index (i64) of the smallest element along `axis`.
    ArgMin {
        axis: i64,
        keepdims: bool,
        select_last_index: bool,
    },
    /// `exp(x - max) / sum(exp(x - max))` along `axis`.
    Softmax { axis: i64 },
    /// `log(softmax(x))` along `axis`, computed stably.
    LogSoftmax { axis: i64 },
    /// `(x, scale[, bias])`: normalize over axes `axis..rank` to zero mean and unit variance
    /// (`/ sqrt(var + epsilon)`), then `* scale + bias` (broadcast over the normalized axes).
    LayerNorm { axis: i64, epsilon: f32 },
    /// `(x, scale)`: `x / sqrt(mean(x^2 over axes axis..rank) + epsilon) * scale`.
    RmsNorm { axis: i64, epsilon: f32 },
    /// `(x [N, C, ...], scale [C], bias [C])`: normalize each of `num_groups` channel groups over
    /// its channels and spatial positions, then per-channel `* scale + bias`.
    GroupNorm { num_groups: u32, epsilon: f32 },
    /// `(x [N, C, ...], scale [C], bias [C])`: normalize each (n, c) over the spatial positions.
    InstanceNorm { epsilon: f32 },
    /// `(x [N, C, ...], scale, bias, mean, var)` each `[C]`: inference batch norm,
    /// `(x - mean) / sqrt(var + epsilon) * scale + bias`.
    BatchNorm { epsilon: f32 },
    /// `(a [.., M, K], b [.., K, N])` → `[.., M, N]`; batch dims broadcast; a rank-1 operand is
    /// promoted (prepended / appended 1) and that axis removed from the result, as numpy.
    MatMul,
    /// `(a, b[, c])` 2-D: `alpha * op(a) @ op(b) + beta * c`, op = transpose when the flag is set;
    /// `c` broadcasts to `[M, N]`.
    Gemm {
        alpha: f32,
        beta: f32,
        trans_a: bool,
        trans_b: bool,
    },
    /// `(x [N, C, *spatial], w [M, C/groups, *kernel][, b [M]])`, 1-D or 2-D spatial.
    /// `pads` is `[begin_0, begin_1, .., end_0, end_1, ..]`. Output spatial extent:
    /// `floor((in + pad_begin + pad_end - dilation * (k - 1) - 1) / stride) + 1`.
    Conv {
        strides: Vec<u64>,
        pads: Vec<u64>,
        dilations: Vec<u64>,
        groups: u32,
    },
    /// `(x [N, C, H, W], w [C, M/groups, kh, kw][, b [M]])`: the gradient of Conv w.r.t. its input.
    /// Output extent: `stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - pad_begin - pad_end`.
    ConvTranspose {
        strides: Vec<u64>,
        pads: Vec<u64>,
        dilations: Vec<u64>,
        output_padding: Vec<u64>,
        groups: u32,
    },
    /// `x [N, C, *spatial]` (1-D or 2-D spatial, any numeric dtype) → max over each window; padding
    /// never wins. Extent as Conv, or with `ceil_mode` rounded up (a window must start inside the
    /// input or left padding).
    MaxPool {
        kernel: Vec<u64>,
        strides: Vec<u64>,
        pads: Vec<u64>,
        dilations: Vec<u64>,
        ceil_mode: bool,
    },
    /// Float `x [N, C, *spatial]` (1-D or 2-D spatial): average over each window; padded positions
    /// count only with `count_include_pad`. Extent as `MaxPool` without dilations.
    AveragePool {
        kernel: Vec<u64>,
        strides: Vec<u64>,
        pads: Vec<u64>,
        ceil_mode: bool,
        count_include_pad: bool,
    },
    /// `x [N, C, *spatial]` → `[N, C, 1, ..]`: mean over spatial axes.
    GlobalAveragePool,
    /// Resize every axis by `scales` (one per axis). The output extent is `sizes[i]` when `sizes`
    /// is given, else `floor(in * scales[i])`. Coordinates map through `coord`; nearest mode
    /// rounds with `nearest`, linear interpolates (clamped at the edges).
    Resize {
        mode: ResizeMode,
        coord: CoordMode,
        nearest: NearestMode,
        scales: Vec<f32>,
        sizes: Option<Vec<u64>>,
    },
    /// Reinterpret with a new shape. `0` copies the input extent at that position (unless
    /// `allowzero`), `-1` (at most one) takes the remaining elements.
    Reshape { shape: Vec<i64>, allowzero: bool },
    /// Permute axes: output axis `i` is input axis `perm[i]`.
    Transpose { perm: Vec<u64> },
    /// Join inputs (same rank, equal extents except `axis`) along `axis`.
    Concat { axis: i64 },
    /// Split along `axis` into pieces of the given `sizes` (summing to the extent); one output each.
    Split { axis: i64, sizes: Vec<u64> },
    /// For each axis in `axes` (default all, in order): elements `start, start+step, ..` before
    /// `end`. Negative starts/ends count from the end; bounds are clamped as in ONNX/numpy;
    /// steps are nonzero and may be negative.
    Slice {
        starts: Vec<i64>,
        ends: Vec<i64>,
        axes: Vec<i64>,
        steps: Vec<i64>,
    },
    /// The leading `shape[i]` elements along each axis `i` (rank unchanged): `out[i..] =
    /// x[i..]`. A dim may be symbolic, at most the input's extent: a table sized at a bound is
    /// cut to a run-time length (ONNX `Slice(table, 0, seq)`, `Range(0, seq)` and
    /// `ConstantOfShape([seq, seq])` import as their bound-sized form and a `Crop`).
    Crop { shape: Vec<Dim> },
    /// `(data, indices: i32|i64)`: take slices of `data` along `axis` at `indices` (negative
    /// indices count from the end). Output shape: `data[..axis] ++ indices ++ data[axis+1..]`.
    Gather { axis: i64 },
    /// `(data, indices)` same rank: `out[i][j].. = data[.. indices[i][j].. at axis ..]`.
    GatherElements { axis: i64 },
    /// Broadcast to `shape` (numpy rules in both directions, as ONNX `Expand`).
    Expand { shape: Vec<i64> },
    /// Remove the given extent-1 axes (empty: all extent-1 axes).
    Squeeze { axes: Vec<i64> },
    /// Insert extent-1 axes at the given positions of the output.
    Unsqueeze { axes: Vec<i64> },
    /// To 2-D: `[prod(dims[..axis]), prod(dims[axis..])]`.
    Flatten { axis: i64 },
    /// Pad with `pads = [begin_0.., end_0..]` (negative values crop) in `mode`; constant mode
    /// fills with `value`.
    Pad { pads: Vec<i64>, mode: PadMode, value: f64 },
    /// Repeat the input `repeats[i]` times along axis `i`.
    Tile { repeats: Vec<u64> },
    /// No inputs: `start, start+delta, ..` up to (not including) `limit`, rank 1, in `dtype`.
    Range {
        start: f64,
        limit: f64,
        delta: f64,
        dtype: DType,
    },
    /// The input's shape as an i64 rank-1 tensor, optionally sliced to `start..end`.
    Shape { start: i64, end: Option<i64> },
    /// No inputs: a tensor of `shape` filled with `value` in `dtype`.
    ConstantOfShape { shape: Vec<u64>, value: f64, dtype: DType },
    /// Keep the upper (or lower) triangle of the last two axes, offset by diagonal `k`; zero the rest.
    Trilu { upper: bool, k: i64 },
    /// Cumulative sum along `axis`; `exclusive` excludes the element itself, `reverse` sums from the end.
    CumSum { axis: i64, exclusive: bool, reverse: bool },
    /// Two outputs: the `k` largest (or smallest) values along `axis` and their i64 indices,
    /// sorted (ties: lower index first).
    TopK { k: u64, axis: i64, largest: bool },
    /// Scaled dot-product attention `(q [.., Sq, D], k [.., Sk, D], v [.., Sk, Dv][, mask])` →
    /// `[.., Sq, Dv]`: `softmax(q kᵀ * scale + mask) v`. `scale` defaults to `1/sqrt(D)`; the
    /// additive mask (float) or keep-mask (bool) broadcasts to `[.., Sq, Sk]`; `causal` masks
    /// key `j > i + (Sk - Sq)`. Batch dims (e.g. batch, heads) broadcast.
    Attention { scale: Option<f32>, causal: bool },
}

impl Op {
    /// The op's name in the text format and in error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Constant(_) => "Constant",
            Op::Identity => "Identity",
            Op::Unary(u) => u.name(),
            Op::Cast { .. } => "Cast",
            Op::Binary(b) => b.name(),
            Op::Where => "Where",
            Op::Clip { .. } => "Clip",
            Op::Reduce { op, .. } => op.name(),
            Op::ArgMax { .. } => "ArgMax",
            Op::ArgMin { .. } => "ArgMin",
            Op::Softmax { .. } => "Softmax",
            Op::LogSoftmax { .. } => "LogSoftmax",
            Op::LayerNorm { .. } => "LayerNorm",
            Op::RmsNorm { .. } => "RMSNorm",
            Op::GroupNorm { .. } => "GroupNorm",
            Op::InstanceNorm { .. } => "InstanceNorm",
            Op::BatchNorm { .. } => "BatchNorm",
            Op::MatMul => "MatMul",
            Op::Gemm { .. } => "Gemm",
            Op::Conv { .. } => "Conv",
            Op::ConvTranspose { .. } => "ConvTranspose",
            Op::MaxPool { .. } => "MaxPool",
            Op::AveragePool { .. } => "AveragePool",
            Op::GlobalAveragePool => "GlobalAveragePool",
            Op::Resize { .. } => "Resize",
            Op::Reshape { .. } => "Reshape",
            Op::Transpose { .. } => "Transpose",
            Op::Concat { .. } => "Concat",
            Op::Split { .. } => "Split",
            Op::Slice { .. } => "Slice",
            Op::Crop { .. } => "Crop",
            Op::Gather { .. } => "Gather",
            Op::GatherElements { .. } => "GatherElements",
            Op::Expand { .. } => "Expand",
            Op::Squeeze { .. } => "Squeeze",
            Op::Unsqueeze { .. } => "Unsqueeze",
            Op::Flatten { .. } => "Flatten",
            Op::Pad { .. } => "Pad",
            Op::Tile { .. } => "Tile",
            Op::Range { .. } => "Range",
            Op::Shape { .. } => "Shape",
            Op::ConstantOfShape { .. } => "ConstantOfShape",
            Op::Trilu { .. } => "Trilu",
            Op::CumSum { .. } => "CumSum",
            Op::TopK { .. } => "TopK",
            Op::Attention { .. } => "Attention",
        }
    }

    /// Accepted number of inputs `(min, max)`; `None` max means unbounded.
    pub fn arity(&self) -> (usize, Option<usize>) {
        match self {
            Op::Constant(_) | Op::Range { .. } | Op::ConstantOfShape { .. } => (0, Some(0)),
            Op::Binary(_) | Op::MatMul | Op::GatherElements { .. } | Op::Gather { .. } => (2, Some(2)),
            Op::Where => (3, Some(3)),
            Op::LayerNorm { .. } => (2, Some(3)),
            Op::RmsNorm { .. } => (2, Some(2)),
            Op::GroupNorm { .. } | Op::InstanceNorm { .. } => (3, Some(3)),
            Op::BatchNorm { .. } => (5, Some(5)),
            Op::Gemm { .. } | Op::Conv { .. } | Op::ConvTranspose { .. } => (2, Some(3)),
            Op::Concat { .. } => (1, None),
            Op::Attention { .. } => (3, Some(4)),
            _ => (1, Some(1)),
        }
    }

    /// The dims the op's attributes hold (`Crop`'s shape; none for other ops), for specializing
    /// or rebounding symbolic dims along with the graph's inputs.
    pub fn attr_dims_mut(&mut self) -> &mut [Dim] {
        match self {
            Op::Crop { shape } => shape,
            _ => &mut [],
        }
    }

    /// Number of outputs the op produces.
    pub fn num_outputs(&self) -> usize {
        match self {
            Op::Split { sizes, .. } => sizes.len(),
            Op::TopK { .. } => 2,
            _ => 1,
        }
    }
}
