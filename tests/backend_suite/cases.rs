//! The cases: every op of the IR that a backend runs, every fused-kernel kind, and whole models.
//! Each function builds one [`Case`]; `cases!` in `backend_suite.rs` lists them all.

pub use super::sweeps::*;

use super::harness::{Case, Dist};
use edgecc::models;
use std::collections::BTreeMap;

// ---------------------------------------------------------------- elementwise

pub fn unary_float() -> Case {
    Case::text(
        "unary_float",
        "graph unary_float {
  input %x: f32[3, 37]
  input %h: f32[2, 8]
  %neg = Neg(%x)
  %abs = Abs(%x)
  %exp = Exp(%x)
  %tanh = Tanh(%x)
  %sigmoid = Sigmoid(%x)
  %erf = Erf(%x)
  %relu = Relu(%x)
  %leaky = LeakyRelu<alpha=0.1>(%x)
  %gelu = Gelu<tanh=false>(%x)
  %gelu_tanh = Gelu<tanh=true>(%x)
  %silu = Silu(%x)
  %sin = Sin(%x)
  %cos = Cos(%x)
  %floor = Floor(%x)
  %ceil = Ceil(%x)
  %round = Round(%x)
  %round_half = Round(%h)
  %id = Identity(%x)
  output %neg
  output %abs
  output %exp
  output %tanh
  output %sigmoid
  output %erf
  output %relu
  output %leaky
  output %gelu
  output %gelu_tanh
  output %silu
  output %sin
  output %cos
  output %floor
  output %ceil
  output %round
  output %round_half
  output %id
}",
    )
    .with("x", Dist::Uniform(-4.0, 4.0))
    .with(
        "h",
        Dist::Values(vec![-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 0.25, -0.75]),
    )
}

pub fn unary_positive() -> Case {
    Case::text(
        "unary_positive",
        "graph unary_positive {
  input %x: f32[4, 33]
  %log = Log(%x)
  %sqrt = Sqrt(%x)
  %rsqrt = Rsqrt(%x)
  %recip = Reciprocal(%x)
  output %log
  output %sqrt
  output %rsqrt
  output %recip
}",
    )
    .with("x", Dist::Uniform(0.1, 3.0))
}

pub fn unary_int() -> Case {
    Case::text(
        "unary_int",
        "graph unary_int {
  input %x: i32[5, 7]
  input %y: i64[5, 7]
  %nx = Neg(%x)
  %ax = Abs(%x)
  %rx = Relu(%x)
  %ny = Neg(%y)
  %ay = Abs(%y)
  %ry = Relu(%y)
  output %nx
  output %ax
  output %rx
  output %ny
  output %ay
  output %ry
}",
    )
    .with("x", Dist::Ints(-20, 20))
    .with("y", Dist::Ints(-100000, 100000))
}

pub fn logical_bool() -> Case {
    Case::text(
        "logical_bool",
        "graph logical_bool {
  input %a: bool[4, 9]
  input %b: bool[9]
  %not = Not(%a)
  %and = And(%a, %b)
  %or = Or(%a, %b)
  %eq = Equal(%a, %b)
  %nand = Not(%and)
  output %not
  output %and
  output %or
  output %eq
  output %nand
}",
    )
}

pub fn binary_float_broadcast() -> Case {
    Case::text(
        "binary_float_broadcast",
        "graph binary_float_broadcast {
  input %a: f32[3, 1, 5]
  input %b: f32[4, 5]
  %add = Add(%a, %b)
  %sub = Sub(%b, %a)
  %mul = Mul(%a, %b)
  %div = Div(%a, %b)
  %max = Max(%a, %b)
  %min = Min(%a, %b)
  output %add
  output %sub
  output %mul
  output %div
  output %max
  output %min
}",
    )
    .with("b", Dist::AwayFromZero(-2.0, 2.0, 0.25))
}

pub fn pow_float() -> Case {
    Case::text(
        "pow_float",
        "graph pow_float {
  input %base: f32[4, 6]
  input %e: f32[6]
  input %nbase: f32[4, 6]
  input %ie: f32[6]
  %p = Pow(%base, %e)
  %np = Pow(%nbase, %ie)
  output %p
  output %np
}",
    )
    .with("base", Dist::Uniform(0.1, 2.0))
    .with("e", Dist::Uniform(-2.0, 2.0))
    .with("nbase", Dist::AwayFromZero(-2.0, 2.0, 0.25))
    .with("ie", Dist::Values(vec![2.0, 3.0, -1.0, 0.0, 1.0, -2.0]))
}

fn int_arith(name: &'static str, dtype: &str) -> Case {
    let text = format!(
        "graph {name} {{
  input %a: {dtype}[4, 7]
  input %b: {dtype}[7]
  input %pb: {dtype}[3, 6]
  input %pe: {dtype}[6]
  %add = Add(%a, %b)
  %sub = Sub(%a, %b)
  %mul = Mul(%a, %b)
  %div = Div(%a, %b)
  %mod = Mod(%a, %b)
  %fmod = Fmod(%a, %b)
  %max = Max(%a, %b)
  %min = Min(%a, %b)
  %pow = Pow(%pb, %pe)
  output %add
  output %sub
  output %mul
  output %div
  output %mod
  output %fmod
  output %max
  output %min
  output %pow
}}"
    );
    Case::text(name, &text)
        .with("a", Dist::Ints(-50, 50))
        .with("b", Dist::Values(vec![3.0, -3.0, 7.0, -7.0, 1.0, -1.0, 5.0]))
        .with("pb", Dist::NonZeroInts(-4, 5))
        .with("pe", Dist::Values(vec![0.0, 1.0, 2.0, 3.0, -1.0, -2.0]))
}

/// Integer Div truncates toward zero, Mod takes the divisor's sign, Fmod the dividend's.
pub fn binary_i32_sign_rules() -> Case {
    int_arith("binary_i32_sign_rules", "i32")
}

pub fn binary_i64_sign_rules() -> Case {
    int_arith("binary_i64_sign_rules", "i64")
}

pub fn mod_float() -> Case {
    Case::text(
        "mod_float",
        "graph mod_float {
  input %a: f32[5, 8]
  input %b: f32[5, 8]
  %mod = Mod(%a, %b)
  %fmod = Fmod(%a, %b)
  output %mod
  output %fmod
}",
    )
    .with("a", Dist::Uniform(-5.0, 5.0))
    .with("b", Dist::AwayFromZero(-3.0, 3.0, 0.25))
}

pub fn compare() -> Case {
    Case::text(
        "compare",
        "graph compare {
  input %a: f32[3, 8]
  input %b: f32[8]
  input %i: i32[3, 8]
  input %j: i32[3, 1]
  %eq = Equal(%a, %b)
  %lt = Less(%a, %b)
  %le = LessOrEqual(%a, %b)
  %gt = Greater(%a, %b)
  %ge = GreaterOrEqual(%a, %b)
  %ieq = Equal(%i, %j)
  %ilt = Less(%i, %j)
  %ige = GreaterOrEqual(%i, %j)
  output %eq
  output %lt
  output %le
  output %gt
  output %ge
  output %ieq
  output %ilt
  output %ige
}",
    )
    .with("a", Dist::Ints(-2, 3))
    .with("b", Dist::Ints(-2, 3))
    .with("i", Dist::Ints(-3, 3))
    .with("j", Dist::Ints(-3, 3))
}

pub fn where_clip() -> Case {
    Case::text(
        "where_clip",
        "graph where_clip {
  input %c: bool[3, 1]
  input %x: f32[3, 5]
  input %y: f32[5]
  input %i: i32[4, 6]
  %w = Where(%c, %x, %y)
  %clip = Clip<min=-0.5, max=0.5>(%x)
  %lo = Clip<min=0.25>(%x)
  %hi = Clip<max=-0.25>(%x)
  %iclip = Clip<min=-3, max=4>(%i)
  output %w
  output %clip
  output %lo
  output %hi
  output %iclip
}",
    )
    .with("i", Dist::Ints(-10, 10))
}

/// A cast from `from` (drawn from `dist`) to every dtype a tensor can have on the device.
fn cast_case(name: &'static str, from: &str, dist: Dist) -> Case {
    let targets = ["f32", "f16", "bf16", "i64", "i32", "i8", "u8", "bool"];
    let mut text = format!("graph {name} {{\n  input %x: {from}[4, 9]\n");
    for t in targets {
        text += &format!("  %to_{t} = Cast<to={t}>(%x)\n");
    }
    for t in targets {
        text += &format!("  output %to_{t}\n");
    }
    text += "}";
    Case::text(name, &text).with("x", dist)
}

pub fn cast_from_f32() -> Case {
    cast_case("cast_from_f32", "f32", Dist::Uniform(-300.0, 300.0))
}

pub fn cast_from_f32_small() -> Case {
    cast_case(
        "cast_from_f32_small",
        "f32",
        Dist::Values(vec![0.0, -0.0, 0.5, -1.5, 2.75, -3.0, 1e-3, 127.5]),
    )
}

pub fn cast_from_f16() -> Case {
    cast_case("cast_from_f16", "f16", Dist::Uniform(-300.0, 300.0))
}

pub fn cast_from_bf16() -> Case {
    cast_case("cast_from_bf16", "bf16", Dist::Uniform(-300.0, 300.0))
}

pub fn cast_from_i64() -> Case {
    cast_case("cast_from_i64", "i64", Dist::Ints(-5000, 5000))
}

pub fn cast_from_i32() -> Case {
    cast_case("cast_from_i32", "i32", Dist::Ints(-5000, 5000))
}

pub fn cast_from_i8() -> Case {
    cast_case("cast_from_i8", "i8", Dist::Ints(-128, 128))
}

pub fn cast_from_u8() -> Case {
    cast_case("cast_from_u8", "u8", Dist::Ints(0, 256))
}

pub fn cast_from_bool() -> Case {
    cast_case("cast_from_bool", "bool", Dist::Bools)
}

/// Casts chained through narrow types: each rounding or wrap happens at its own step.
pub fn cast_chain() -> Case {
    Case::text(
        "cast_chain",
        "graph cast_chain {
  input %x: f32[6, 7]
  %h = Cast<to=f16>(%x)
  %hb = Cast<to=bf16>(%h)
  %i = Cast<to=i32>(%hb)
  %u = Cast<to=u8>(%i)
  %s = Cast<to=i8>(%u)
  %f = Cast<to=f32>(%s)
  %y = Add(%f, %x)
  output %y
  output %s
}",
    )
    .with("x", Dist::Uniform(-400.0, 400.0))
}

pub fn batchnorm() -> Case {
    Case::text(
        "batchnorm",
        "graph batchnorm {
  input %x: f32[2, 3, 4, 5]
  weight %scale: f32[3]
  weight %bias: f32[3]
  weight %mean: f32[3]
  weight %var: f32[3] = uniform(0.5, 2)
  %y = BatchNorm<epsilon=1e-5>(%x, %scale, %bias, %mean, %var)
  output %y
}",
    )
}

pub fn trilu() -> Case {
    Case::text(
        "trilu",
        "graph trilu {
  input %x: f32[2, 5, 7]
  input %i: i32[6, 4]
  %u0 = Trilu<upper=true, k=0>(%x)
  %l1 = Trilu<upper=false, k=-1>(%x)
  %u2 = Trilu<upper=true, k=2>(%x)
  %li = Trilu<upper=false, k=1>(%i)
  output %u0
  output %l1
  output %u2
  output %li
}",
    )
}

/// A chain of pointwise ops with broadcast weights and scalar constants: one elementwise kernel
/// with two outputs (an intermediate is an output too).
pub fn elementwise_chain() -> Case {
    Case::text(
        "elementwise_chain",
        "graph elementwise_chain {
  input %x: f32[6, 10]
  input %y: f32[6, 1]
  weight %w: f32[10]
  weight %s: f32[]
  %a = Mul(%x, %w)
  %b = Add(%a, %s)
  %c = Tanh(%b)
  %d = Sigmoid(%y)
  %e = Mul(%c, %d)
  %f = Sub(%e, %x)
  %g = Max(%f, %a)
  output %g
  output %c
}",
    )
}

/// Ops whose result is known at compile time (Range, Shape, ConstantOfShape): folded by the
/// pipeline into constants, then combined with an input.
pub fn constant_ops() -> Case {
    Case::text(
        "constant_ops",
        "graph constant_ops {
  input %x: f32[3, 12]
  %r = Range<start=0, limit=12, delta=1, dtype=f32>()
  %ri = Range<start=10, limit=-2, delta=-3, dtype=i64>()
  %s = Shape<start=0>(%x)
  %sf = Cast<to=f32>(%s)
  %s0 = Shape<start=1, end=2>(%x)
  %c = ConstantOfShape<shape=[3, 12], value=2.5, dtype=f32>()
  %a = Add(%x, %r)
  %b = Mul(%a, %c)
  output %b
  output %ri
  output %sf
  output %s0
}",
    )
}

// ---------------------------------------------------------------- reductions

pub fn reduce_last_axis() -> Case {
    Case::text(
        "reduce_last_axis",
        "graph reduce_last_axis {
  input %x: f32[5, 37]
  input %p: f32[5, 12]
  %sum = ReduceSum<axes=[-1], keepdims=false>(%x)
  %mean = ReduceMean<axes=[-1], keepdims=true>(%x)
  %max = ReduceMax<axes=[1], keepdims=false>(%x)
  %min = ReduceMin<axes=[-1], keepdims=true>(%x)
  %prod = ReduceProd<axes=[-1], keepdims=false>(%p)
  output %sum
  output %mean
  output %max
  output %min
  output %prod
}",
    )
    .with("p", Dist::Uniform(0.8, 1.25))
}

pub fn reduce_several_axes() -> Case {
    Case::text(
        "reduce_several_axes",
        "graph reduce_several_axes {
  input %x: f32[3, 4, 5, 6]
  %s02 = ReduceSum<axes=[0, 2], keepdims=true>(%x)
  %m13 = ReduceMean<axes=[1, 3], keepdims=false>(%x)
  %all = ReduceMax<axes=[], keepdims=false>(%x)
  %last2 = ReduceMin<axes=[-1, -2], keepdims=false>(%x)
  %first = ReduceSum<axes=[0], keepdims=false>(%x)
  output %s02
  output %m13
  output %all
  output %last2
  output %first
}",
    )
}

/// Integer reductions are exact, also with values that f16 cannot hold.
pub fn reduce_int() -> Case {
    Case::text(
        "reduce_int",
        "graph reduce_int {
  input %x: i32[4, 9]
  input %p: i64[3, 9]
  %sum = ReduceSum<axes=[-1], keepdims=false>(%x)
  %max = ReduceMax<axes=[0], keepdims=true>(%x)
  %min = ReduceMin<axes=[-1], keepdims=false>(%x)
  %mean = ReduceMean<axes=[-1], keepdims=false>(%x)
  %prod = ReduceProd<axes=[-1], keepdims=false>(%p)
  %amax = ArgMax<axis=0, keepdims=false, select_last_index=false>(%p)
  output %sum
  output %max
  output %min
  output %mean
  output %prod
  output %amax
}",
    )
    .with("x", Dist::Ints(-5000, 5000))
    .with("p", Dist::Ints(-3, 4))
}

pub fn argmax_argmin() -> Case {
    Case::text(
        "argmax_argmin",
        "graph argmax_argmin {
  input %x: f32[4, 7, 5]
  %amax = ArgMax<axis=1, keepdims=true, select_last_index=false>(%x)
  %amin = ArgMin<axis=-1, keepdims=false, select_last_index=false>(%x)
  output %amax
  output %amin
}",
    )
}

pub fn argmax_ties() -> Case {
    Case::text(
        "argmax_ties",
        "graph argmax_ties {
  input %x: i32[6, 8]
  %first = ArgMax<axis=-1, keepdims=false, select_last_index=false>(%x)
  %last = ArgMax<axis=-1, keepdims=false, select_last_index=true>(%x)
  %minlast = ArgMin<axis=0, keepdims=true, select_last_index=true>(%x)
  output %first
  output %last
  output %minlast
}",
    )
    .with("x", Dist::Ints(0, 3))
}

pub fn softmax_axes() -> Case {
    Case::text(
        "softmax_axes",
        "graph softmax_axes {
  input %x: f32[3, 7, 5]
  %last = Softmax<axis=-1>(%x)
  %mid = Softmax<axis=1>(%x)
  %log = LogSoftmax<axis=-1>(%x)
  %logmid = LogSoftmax<axis=1>(%x)
  output %last
  output %mid
  output %log
  output %logmid
}",
    )
    .with("x", Dist::Uniform(-4.0, 4.0))
}

/// A softmax with a pointwise prologue (scale) and epilogue (scale, cast to f16).
pub fn softmax_epilogue() -> Case {
    Case::text(
        "softmax_epilogue",
        "graph softmax_epilogue {
  input %x: f32[6, 19]
  weight %t: f32[] = uniform(0.5, 2)
  %xs = Mul(%x, %t)
  %p = Softmax<axis=-1>(%xs)
  %q = Mul(%p, %t)
  %h = Cast<to=f16>(%q)
  output %h
}",
    )
}

/// A residual add before a LayerNorm: one reduction kernel; the sum is an output too.
pub fn layernorm_residual() -> Case {
    Case::text(
        "layernorm_residual",
        "graph layernorm_residual {
  input %x: f32[4, 48]
  input %r: f32[4, 48]
  weight %g: f32[48]
  weight %b: f32[48]
  %a = Add(%x, %r)
  %y = LayerNorm<axis=-1, epsilon=1e-5>(%a, %g, %b)
  output %y
  output %a
}",
    )
}

/// The decomposed LayerNorm of the fuse filetest (mean, variance, normalize, scale, shift).
pub fn layernorm_decomposed() -> Case {
    Case::text(
        "layernorm_decomposed",
        "graph layernorm_decomposed {
  input %x: f32[3, 40]
  input %res: f32[3, 40]
  weight %gamma: f32[40]
  weight %beta: f32[40]
  weight %two: f32[] = uniform(2, 2)
  weight %eps: f32[] = uniform(1e-5, 1e-5)
  %a = Add(%x, %res)
  %mean = ReduceMean<axes=[-1], keepdims=true>(%a)
  %d = Sub(%a, %mean)
  %sq = Pow(%d, %two)
  %var = ReduceMean<axes=[-1], keepdims=true>(%sq)
  %ve = Add(%var, %eps)
  %sd = Sqrt(%ve)
  %n = Div(%d, %sd)
  %s = Mul(%n, %gamma)
  %y = Add(%s, %beta)
  output %y
}",
    )
}

pub fn layernorm_multi_axis() -> Case {
    Case::text(
        "layernorm_multi_axis",
        "graph layernorm_multi_axis {
  input %x: f32[2, 3, 10]
  weight %g: f32[3, 10]
  weight %g2: f32[10]
  %y = LayerNorm<axis=1, epsilon=1e-5>(%x, %g)
  %z = LayerNorm<axis=-1, epsilon=1e-3>(%x, %g2)
  output %y
  output %z
}",
    )
}

pub fn rmsnorm() -> Case {
    Case::text(
        "rmsnorm",
        "graph rmsnorm {
  input %x: f32[5, 24]
  weight %g: f32[24]
  %y = RMSNorm<axis=-1, epsilon=1e-6>(%x, %g)
  output %y
}",
    )
}

// ---------------------------------------------------------------- matmul

/// `gelu(x @ w + b)` with extents that are not multiples of any tile.
pub fn matmul_bias_gelu() -> Case {
    Case::text(
        "matmul_bias_gelu",
        "graph matmul_bias_gelu {
  input %x: f32[5, 33]
  weight %w: f32[33, 19]
  weight %b: f32[19]
  %mm = MatMul(%x, %w)
  %ab = Add(%mm, %b)
  %y = Gelu<tanh=false>(%ab)
  output %y
}",
    )
}

pub fn matmul_large() -> Case {
    Case::text(
        "matmul_large",
        "graph matmul_large {
  input %a: f32[67, 130]
  input %b: f32[130, 45]
  input %c: f32[3, 65, 33]
  input %d: f32[3, 33, 70]
  %y = MatMul(%a, %b)
  %z = MatMul(%c, %d)
  output %y
  output %z
}",
    )
}

/// Batch dims broadcast: `[2, 1, 5, 7] @ [3, 7, 6]` → `[2, 3, 5, 6]`.
pub fn matmul_batched_broadcast() -> Case {
    Case::text(
        "matmul_batched_broadcast",
        "graph matmul_batched_broadcast {
  input %a: f32[2, 1, 5, 7]
  input %b: f32[3, 7, 6]
  %y = MatMul(%a, %b)
  output %y
}",
    )
}

/// Rank-1 operands (promoted, then the axis removed) and size-1 extents.
pub fn matmul_vectors() -> Case {
    Case::text(
        "matmul_vectors",
        "graph matmul_vectors {
  input %v: f32[7]
  input %m: f32[7, 5]
  input %t: f32[2, 3, 7]
  input %r: f32[1, 1, 9]
  input %c: f32[9, 1]
  input %row: f32[1, 9]
  input %w: f32[9, 13]
  %vm = MatMul(%v, %m)
  %tv = MatMul(%t, %v)
  %rc = MatMul(%r, %c)
  %rw = MatMul(%row, %w)
  output %vm
  output %tv
  output %rc
  output %rw
}",
    )
}

pub fn gemm_variants() -> Case {
    Case::text(
        "gemm_variants",
        "graph gemm_variants {
  input %a: f32[4, 6]
  input %b: f32[5, 4]
  input %c: f32[5]
  input %a2: f32[6, 4]
  input %b2: f32[4, 5]
  input %c2: f32[6, 1]
  %y1 = Gemm<alpha=0.5, beta=2, trans_a=true, trans_b=true>(%a, %b, %c)
  %y2 = Gemm<alpha=1, beta=-1, trans_a=false, trans_b=false>(%a2, %b2, %c2)
  %y3 = Gemm<alpha=1.5, beta=1, trans_a=false, trans_b=true>(%a2, %b)
  output %y1
  output %y2
  output %y3
}",
    )
}

/// A transposed operand (a view the GEMM reads through) and a scalar epilogue.
pub fn matmul_transposed_operand() -> Case {
    Case::text(
        "matmul_transposed_operand",
        "graph matmul_transposed_operand {
  input %x: f32[6, 10]
  input %w: f32[12, 10]
  weight %s: f32[]
  %wt = Transpose<perm=[1, 0]>(%w)
  %mm = MatMul(%x, %wt)
  %y = Mul(%mm, %s)
  output %y
}",
    )
}

/// A LayerNorm read only by a MatMul: the normalization is the GEMM's prologue.
pub fn matmul_layernorm_prologue() -> Case {
    Case::text(
        "matmul_layernorm_prologue",
        "graph matmul_layernorm_prologue {
  input %x: f32[4, 32]
  weight %g: f32[32]
  weight %gb: f32[32]
  weight %w: f32[32, 24]
  weight %b: f32[24]
  %n = LayerNorm<axis=-1, epsilon=1e-5>(%x, %g, %gb)
  %mm = MatMul(%n, %w)
  %y = Add(%mm, %b)
  output %y
}",
    )
}

/// Residual add, scale and a cast to f16 in the epilogue; the f32 result is an output too.
pub fn matmul_epilogue_residual_cast() -> Case {
    Case::text(
        "matmul_epilogue_residual_cast",
        "graph matmul_epilogue_residual_cast {
  input %x: f32[7, 16]
  input %r: f32[7, 16]
  weight %w: f32[16, 16]
  weight %s: f32[]
  %mm = MatMul(%x, %w)
  %a = Add(%mm, %r)
  %m = Mul(%a, %s)
  %h = Cast<to=f16>(%m)
  output %h
  output %a
}",
    )
}

/// Q/K/V projections sharing their input (horizontal fusion) with an RMSNorm prologue, heads
/// split by the store, then attention (the `qkv_views` fuse filetest).
pub fn qkv_horizontal() -> Case {
    Case::text(
        "qkv_horizontal",
        "graph qkv_horizontal {
  input %x: f32[4, 8]
  weight %g: f32[8]
  weight %wq: f32[8, 8]
  weight %wk: f32[8, 8]
  weight %wv: f32[8, 8]
  %n = RMSNorm<axis=-1, epsilon=1e-6>(%x, %g)
  %q0 = MatMul(%n, %wq)
  %k0 = MatMul(%n, %wk)
  %v0 = MatMul(%n, %wv)
  %q1 = Reshape<shape=[4, 2, 4], allowzero=false>(%q0)
  %k1 = Reshape<shape=[4, 2, 4], allowzero=false>(%k0)
  %v1 = Reshape<shape=[4, 2, 4], allowzero=false>(%v0)
  %q = Transpose<perm=[1, 0, 2]>(%q1)
  %k = Transpose<perm=[1, 0, 2]>(%k1)
  %v = Transpose<perm=[1, 0, 2]>(%v1)
  %a = Attention<causal=true>(%q, %k, %v)
  output %a
}",
    )
}

/// Integer MatMul: the reference runs it; WGSL has no integer GEMM and says so.
pub fn matmul_int() -> Case {
    Case::text(
        "matmul_int",
        "graph matmul_int {
  input %a: i32[3, 4]
  input %b: i32[4, 5]
  %y = MatMul(%a, %b)
  output %y
}",
    )
    .unsupported_on("wgsl", "integer GEMM")
}

// ---------------------------------------------------------------- attention

/// `softmax(q kᵀ * scale + mask) v` written op by op, with the head merge after it (the
/// `attention_decomposed` fuse filetest), at extents that are not powers of two.
pub fn attention_decomposed() -> Case {
    Case::text(
        "attention_decomposed",
        "graph attention_decomposed {
  input %q: f32[1, 2, 5, 8]
  input %k: f32[1, 2, 5, 8]
  input %v: f32[1, 2, 5, 8]
  input %mask: f32[1, 1, 1, 5]
  weight %scale: f32[] = uniform(0.3, 0.4)
  %kt = Transpose<perm=[0, 1, 3, 2]>(%k)
  %scores = MatMul(%q, %kt)
  %scaled = Mul(%scores, %scale)
  %masked = Add(%scaled, %mask)
  %probs = Softmax<axis=-1>(%masked)
  %o = MatMul(%probs, %v)
  %t = Transpose<perm=[0, 2, 1, 3]>(%o)
  %y = Reshape<shape=[1, 5, 16], allowzero=false>(%t)
  output %y
}",
    )
}

/// Heads split from `[B, S, H]` by Reshape + Transpose before a decomposed attention.
pub fn attention_decomposed_head_split() -> Case {
    Case::text(
        "attention_decomposed_head_split",
        "graph attention_decomposed_head_split {
  input %x: f32[2, 6, 12]
  input %kv: f32[2, 6, 12]
  %q1 = Reshape<shape=[2, 6, 3, 4], allowzero=false>(%x)
  %q = Transpose<perm=[0, 2, 1, 3]>(%q1)
  %k1 = Reshape<shape=[2, 6, 3, 4], allowzero=false>(%kv)
  %kt = Transpose<perm=[0, 2, 3, 1]>(%k1)
  %v = Transpose<perm=[0, 2, 1, 3]>(%k1)
  %scores = MatMul(%q, %kt)
  %probs = Softmax<axis=-1>(%scores)
  %o = MatMul(%probs, %v)
  %t = Transpose<perm=[0, 2, 1, 3]>(%o)
  %y = Reshape<shape=[2, 6, 12], allowzero=false>(%t)
  output %y
}",
    )
}

pub fn attention_causal() -> Case {
    Case::text(
        "attention_causal",
        "graph attention_causal {
  input %q: f32[2, 3, 9, 8]
  input %k: f32[2, 3, 9, 8]
  input %v: f32[2, 3, 9, 8]
  %a = Attention<causal=true>(%q, %k, %v)
  output %a
}",
    )
}

/// An additive float mask broadcast over heads and queries, and a boolean keep-mask.
pub fn attention_masks() -> Case {
    // Every query keeps at least itself.
    let keep: Vec<f64> = (0..6)
        .flat_map(|i| (0..6).map(move |j| ((i * 7 + j * 3) % 4 != 0 || i == j) as u8 as f64))
        .collect();
    Case::text(
        "attention_masks",
        "graph attention_masks {
  input %q: f32[1, 2, 6, 16]
  input %k: f32[1, 2, 6, 16]
  input %v: f32[1, 2, 6, 16]
  input %fm: f32[1, 1, 1, 6]
  input %bm: bool[1, 1, 6, 6]
  %a = Attention<causal=false>(%q, %k, %v, %fm)
  %b = Attention<causal=false>(%q, %k, %v, %bm)
  output %a
  output %b
}",
    )
    .with("fm", Dist::Uniform(-3.0, 0.0))
    .with("bm", Dist::Values(keep))
}

/// Fewer queries than keys (causal with an offset), an explicit scale, Dv != D.
pub fn attention_cross() -> Case {
    Case::text(
        "attention_cross",
        "graph attention_cross {
  input %q: f32[2, 5, 8]
  input %k: f32[2, 11, 8]
  input %v: f32[2, 11, 12]
  %a = Attention<scale=0.3, causal=true>(%q, %k, %v)
  %b = Attention<causal=false>(%q, %k, %v)
  output %a
  output %b
}",
    )
}

/// Batch dims that broadcast: one K/V head for four query heads.
pub fn attention_broadcast_batch() -> Case {
    Case::text(
        "attention_broadcast_batch",
        "graph attention_broadcast_batch {
  input %q: f32[2, 4, 6, 8]
  input %k: f32[2, 1, 7, 8]
  input %v: f32[2, 1, 7, 8]
  %a = Attention<causal=false>(%q, %k, %v)
  output %a
}",
    )
}

// ---------------------------------------------------------------- convolution

pub fn conv2d_bias_relu() -> Case {
    Case::text(
        "conv2d_bias_relu",
        "graph conv2d_bias_relu {
  input %x: f32[2, 3, 11, 9]
  weight %w: f32[5, 3, 3, 3]
  weight %b: f32[5]
  %c = Conv<strides=[2, 1], pads=[1, 0, 1, 2], dilations=[1, 1], groups=1>(%x, %w, %b)
  %y = Relu(%c)
  output %y
}",
    )
}

pub fn conv2d_groups_dilation() -> Case {
    Case::text(
        "conv2d_groups_dilation",
        "graph conv2d_groups_dilation {
  input %x: f32[1, 4, 10, 10]
  weight %w: f32[6, 2, 3, 3]
  %y = Conv<strides=[1, 1], pads=[2, 2, 2, 2], dilations=[2, 2], groups=2>(%x, %w)
  output %y
}",
    )
}

/// Depthwise convolution with bias and a SiLU epilogue.
pub fn conv2d_depthwise() -> Case {
    Case::text(
        "conv2d_depthwise",
        "graph conv2d_depthwise {
  input %x: f32[1, 6, 8, 7]
  weight %w: f32[6, 1, 3, 3]
  weight %b: f32[6]
  %c = Conv<strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], groups=6>(%x, %w, %b)
  %y = Silu(%c)
  output %y
}",
    )
}

pub fn conv1d() -> Case {
    Case::text(
        "conv1d",
        "graph conv1d {
  input %x: f32[2, 3, 20]
  weight %w: f32[4, 3, 5]
  weight %b: f32[4]
  %y = Conv<strides=[2], pads=[2, 1], dilations=[2], groups=1>(%x, %w, %b)
  output %y
}",
    )
}

pub fn conv_transpose2d() -> Case {
    Case::text(
        "conv_transpose2d",
        "graph conv_transpose2d {
  input %x: f32[1, 3, 5, 4]
  weight %w: f32[3, 2, 3, 3]
  weight %b: f32[2]
  %y = ConvTranspose<strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 1], output_padding=[1, 0], groups=1>(%x, %w, %b)
  output %y
}",
    )
}

pub fn conv_transpose_groups() -> Case {
    Case::text(
        "conv_transpose_groups",
        "graph conv_transpose_groups {
  input %x: f32[1, 4, 4, 4]
  weight %w: f32[4, 3, 2, 2]
  %c = ConvTranspose<strides=[1, 2], pads=[0, 1, 0, 0], dilations=[2, 1], output_padding=[0, 1], groups=2>(%x, %w)
  %y = Tanh(%c)
  output %y
}",
    )
}

pub fn conv_transpose1d() -> Case {
    Case::text(
        "conv_transpose1d",
        "graph conv_transpose1d {
  input %x: f32[2, 3, 7]
  weight %w: f32[3, 4, 3]
  %y = ConvTranspose<strides=[3], pads=[1, 0], dilations=[1], output_padding=[1], groups=1>(%x, %w)
  output %y
}",
    )
}

// ---------------------------------------------------------------- window ops

pub fn maxpool() -> Case {
    Case::text(
        "maxpool",
        "graph maxpool {
  input %x: f32[1, 3, 9, 8]
  input %i: i32[2, 3, 11]
  %a = MaxPool<kernel=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 1], ceil_mode=false>(%x)
  %b = MaxPool<kernel=[2, 3], strides=[2, 2], pads=[0, 1, 0, 0], dilations=[2, 1], ceil_mode=true>(%x)
  %c = MaxPool<kernel=[3], strides=[2], pads=[1, 1], dilations=[1], ceil_mode=true>(%i)
  output %a
  output %b
  output %c
}",
    )
    .with("i", Dist::Ints(-100, 100))
}

pub fn avgpool() -> Case {
    Case::text(
        "avgpool",
        "graph avgpool {
  input %x: f32[2, 2, 9, 7]
  input %s: f32[1, 3, 10]
  %a = AveragePool<kernel=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1], ceil_mode=false, count_include_pad=true>(%x)
  %b = AveragePool<kernel=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=true, count_include_pad=false>(%x)
  %c = AveragePool<kernel=[4], strides=[3], pads=[2, 0], ceil_mode=true, count_include_pad=false>(%s)
  %d = AveragePool<kernel=[3, 3], strides=[2, 3], pads=[1, 1, 0, 1], ceil_mode=true, count_include_pad=true>(%x)
  %g = GlobalAveragePool(%x)
  output %a
  output %b
  output %c
  output %d
  output %g
}",
    )
}

pub fn groupnorm() -> Case {
    Case::text(
        "groupnorm",
        "graph groupnorm {
  input %x: f32[2, 6, 5, 4]
  weight %scale: f32[6]
  weight %bias: f32[6]
  %y = GroupNorm<num_groups=3, epsilon=1e-5>(%x, %scale, %bias)
  output %y
}",
    )
}

pub fn instancenorm() -> Case {
    Case::text(
        "instancenorm",
        "graph instancenorm {
  input %x: f32[2, 3, 7, 5]
  input %s: f32[2, 4, 9]
  weight %scale: f32[3]
  weight %bias: f32[3]
  weight %scale4: f32[4]
  weight %bias4: f32[4]
  %y = InstanceNorm<epsilon=1e-5>(%x, %scale, %bias)
  %z = InstanceNorm<epsilon=1e-5>(%s, %scale4, %bias4)
  output %y
  output %z
}",
    )
}

pub fn cumsum() -> Case {
    Case::text(
        "cumsum",
        "graph cumsum {
  input %x: f32[4, 9]
  input %i: i32[5, 3]
  %a = CumSum<axis=1, exclusive=false, reverse=false>(%x)
  %b = CumSum<axis=-1, exclusive=true, reverse=false>(%x)
  %c = CumSum<axis=1, exclusive=false, reverse=true>(%x)
  %d = CumSum<axis=0, exclusive=true, reverse=true>(%x)
  %e = CumSum<axis=0, exclusive=false, reverse=false>(%i)
  output %a
  output %b
  output %c
  output %d
  output %e
}",
    )
    .with("i", Dist::Ints(-100, 100))
}

pub fn topk() -> Case {
    Case::text(
        "topk",
        "graph topk {
  input %x: f32[5, 12]
  input %i: i32[4, 10]
  %v1, %i1 = TopK<k=3, axis=-1, largest=true>(%x)
  %v2, %i2 = TopK<k=12, axis=1, largest=false>(%x)
  %v3, %i3 = TopK<k=2, axis=0, largest=true>(%x)
  %v4, %i4 = TopK<k=4, axis=-1, largest=true>(%i)
  output %v1
  output %i1
  output %v2
  output %i2
  output %v3
  output %i3
  output %v4
  output %i4
}",
    )
    .with("i", Dist::Ints(0, 5))
}

pub fn resize_nearest() -> Case {
    Case::text(
        "resize_nearest",
        "graph resize_nearest {
  input %x: f32[1, 2, 5, 4]
  input %i: i32[2, 3, 4]
  %a = Resize<mode=nearest, coord=asymmetric, nearest=floor, scales=[1, 1, 2, 1.5]>(%x)
  %b = Resize<mode=nearest, coord=half_pixel, nearest=round_prefer_floor, scales=[1, 1, 0.6, 2.5]>(%x)
  %c = Resize<mode=nearest, coord=align_corners, nearest=round_prefer_ceil, scales=[1, 1, 1, 1], sizes=[1, 2, 7, 3]>(%x)
  %d = Resize<mode=nearest, coord=pytorch_half_pixel, nearest=ceil, scales=[2, 1.5, 1]>(%i)
  output %a
  output %b
  output %c
  output %d
}",
    )
}

pub fn resize_linear() -> Case {
    Case::text(
        "resize_linear",
        "graph resize_linear {
  input %x: f32[1, 2, 5, 4]
  %a = Resize<mode=linear, coord=half_pixel, nearest=round_prefer_floor, scales=[1, 1, 1.6, 0.5]>(%x)
  %b = Resize<mode=linear, coord=align_corners, nearest=round_prefer_floor, scales=[1, 1, 2, 2]>(%x)
  %c = Resize<mode=linear, coord=asymmetric, nearest=round_prefer_floor, scales=[1, 1, 1, 1], sizes=[1, 2, 3, 9]>(%x)
  %d = Resize<mode=linear, coord=pytorch_half_pixel, nearest=round_prefer_floor, scales=[1, 1, 0.2, 1.75]>(%x)
  output %a
  output %b
  output %c
  output %d
}",
    )
}

// ---------------------------------------------------------------- layout

pub fn transpose() -> Case {
    Case::text(
        "transpose",
        "graph transpose {
  input %x: f32[2, 3, 4, 5]
  input %b: bool[3, 7]
  %y = Transpose<perm=[3, 1, 0, 2]>(%x)
  %bt = Transpose<perm=[1, 0]>(%b)
  output %y
  output %bt
}",
    )
}

pub fn concat() -> Case {
    Case::text(
        "concat",
        "graph concat {
  input %a: f32[2, 3, 4]
  input %b: f32[2, 5, 4]
  input %c: f32[2, 1, 4]
  input %i: i64[3, 2]
  input %j: i64[3, 5]
  %y = Concat<axis=1>(%a, %b, %c)
  %z = Concat<axis=-1>(%i, %j, %i)
  output %y
  output %z
}",
    )
}

pub fn pad_modes() -> Case {
    Case::text(
        "pad_modes",
        "graph pad_modes {
  input %x: f32[3, 5]
  input %i: i32[2, 4]
  %c = Pad<pads=[1, 2, 2, 1], mode=constant, value=1.5>(%x)
  %r = Pad<pads=[2, 4, 2, 4], mode=reflect, value=0>(%x)
  %e = Pad<pads=[3, 1, 0, 6], mode=edge, value=0>(%x)
  %n = Pad<pads=[-1, 2, 1, -2], mode=constant, value=0>(%x)
  %ic = Pad<pads=[1, 1, 1, 1], mode=constant, value=-7>(%i)
  output %c
  output %r
  output %e
  output %n
  output %ic
}",
    )
}

pub fn slice_steps() -> Case {
    Case::text(
        "slice_steps",
        "graph slice_steps {
  input %x: f32[7, 9, 6]
  %a = Slice<starts=[1, -1, 0], ends=[6, -10, 100], axes=[0, 1, 2], steps=[2, -2, 1]>(%x)
  %b = Slice<starts=[100], ends=[-100], axes=[2], steps=[-1]>(%x)
  %c = Slice<starts=[2, -3], ends=[5, 100], axes=[-1, 0], steps=[3, 1]>(%x)
  output %a
  output %b
  output %c
}",
    )
}

pub fn gather_embedding() -> Case {
    Case::text(
        "gather_embedding",
        "graph gather_embedding {
  input %ids: i64[2, 5]
  weight %table: f32[20, 8]
  %e = Gather<axis=0>(%table, %ids)
  output %e
}",
    )
    .with("ids", Dist::Ints(-20, 20))
}

pub fn gather_axis1() -> Case {
    Case::text(
        "gather_axis1",
        "graph gather_axis1 {
  input %x: f32[3, 7, 4]
  input %idx: i32[2, 3]
  input %s: i64[]
  %y = Gather<axis=1>(%x, %idx)
  %z = Gather<axis=-1>(%x, %s)
  output %y
  output %z
}",
    )
    .with("idx", Dist::Ints(-7, 7))
    .with("s", Dist::Ints(-4, 4))
}

pub fn gather_elements() -> Case {
    Case::text(
        "gather_elements",
        "graph gather_elements {
  input %x: f32[4, 6]
  input %i1: i64[4, 3]
  input %i0: i32[2, 6]
  %a = GatherElements<axis=1>(%x, %i1)
  %b = GatherElements<axis=0>(%x, %i0)
  output %a
  output %b
}",
    )
    .with("i1", Dist::Ints(-6, 6))
    .with("i0", Dist::Ints(-4, 4))
}

/// A Split into several outputs, one of them through a pointwise op.
pub fn split_outputs() -> Case {
    Case::text(
        "split_outputs",
        "graph split_outputs {
  input %x: f32[4, 10]
  %a, %b, %c = Split<axis=1, sizes=[3, 5, 2]>(%x)
  %d = Relu(%b)
  %e, %f = Split<axis=0, sizes=[1, 3]>(%x)
  output %a
  output %d
  output %c
  output %e
  output %f
}",
    )
}

pub fn tile_expand() -> Case {
    Case::text(
        "tile_expand",
        "graph tile_expand {
  input %x: f32[2, 1, 3]
  input %i: i64[3, 1]
  %t = Tile<repeats=[2, 3, 1]>(%x)
  %e = Expand<shape=[4, 2, 5, 3]>(%x)
  %ie = Expand<shape=[3, 4]>(%i)
  output %t
  output %e
  output %ie
}",
    )
}

pub fn reshape_views() -> Case {
    Case::text(
        "reshape_views",
        "graph reshape_views {
  input %x: f32[2, 3, 4]
  %r = Reshape<shape=[4, -1], allowzero=false>(%x)
  %t = Transpose<perm=[1, 0]>(%r)
  %u = Unsqueeze<axes=[0, 2]>(%t)
  %e = Exp(%u)
  %s = Squeeze<axes=[0]>(%e)
  %f = Flatten<axis=1>(%s)
  %z = Reshape<shape=[0, 2, 2], allowzero=false>(%f)
  output %f
  output %z
}",
    )
}

// ---------------------------------------------------------------- larger and edge shapes

/// Rows longer than a workgroup keeps in registers (re-read on every pass).
pub fn reduce_long_rows() -> Case {
    Case::text(
        "reduce_long_rows",
        "graph reduce_long_rows {
  input %x: f32[3, 5000]
  input %h: f32[2, 768]
  input %t: i32[2, 5000]
  weight %g: f32[768]
  weight %b: f32[768]
  %sm = Softmax<axis=-1>(%x)
  %lsm = LogSoftmax<axis=-1>(%x)
  %ln = LayerNorm<axis=-1, epsilon=1e-5>(%h, %g, %b)
  %sum = ReduceSum<axes=[], keepdims=false>(%x)
  %am = ArgMax<axis=-1, keepdims=false, select_last_index=false>(%t)
  %aml = ArgMax<axis=-1, keepdims=false, select_last_index=true>(%t)
  output %sm
  output %lsm
  output %ln
  output %sum
  output %am
  output %aml
}",
    )
    .with("x", Dist::Uniform(-4.0, 4.0))
    .with("t", Dist::Ints(0, 1000))
}

/// Extent-1 axes everywhere: reductions over them, a softmax over one element, K = 1.
pub fn size1_dims() -> Case {
    Case::text(
        "size1_dims",
        "graph size1_dims {
  input %x: f32[1, 1, 5, 1]
  input %a: f32[4, 1]
  input %b: f32[1, 3]
  weight %g: f32[1]
  weight %gb: f32[1]
  %s = ReduceSum<axes=[1], keepdims=true>(%x)
  %m = ReduceMean<axes=[-1, 0], keepdims=false>(%x)
  %sm = Softmax<axis=1>(%x)
  %ln = LayerNorm<axis=-1, epsilon=1e-5>(%x, %g, %gb)
  %mm = MatMul(%a, %b)
  %t = Transpose<perm=[3, 2, 1, 0]>(%x)
  output %s
  output %m
  output %sm
  output %ln
  output %mm
  output %t
}",
    )
}

/// GEMMs at tile-aligned extents (vector loads, no bounds checks), and very thin ones.
pub fn matmul_aligned_and_thin() -> Case {
    Case::text(
        "matmul_aligned_and_thin",
        "graph matmul_aligned_and_thin {
  input %a: f32[128, 256]
  input %b: f32[256, 96]
  input %r: f32[1, 1000]
  input %w: f32[1000, 7]
  input %c: f32[9, 300]
  input %v: f32[300, 1]
  input %bt: f32[96, 256]
  %y = MatMul(%a, %b)
  %z = MatMul(%r, %w)
  %u = MatMul(%c, %v)
  %btt = Transpose<perm=[1, 0]>(%bt)
  %yt = MatMul(%a, %btt)
  output %y
  output %z
  output %u
  output %yt
}",
    )
}

/// Sequences longer than one key block, head dim 64, a full float mask with causal masking.
pub fn attention_long() -> Case {
    Case::text(
        "attention_long",
        "graph attention_long {
  input %q: f32[1, 2, 70, 64]
  input %k: f32[1, 2, 130, 64]
  input %v: f32[1, 2, 130, 64]
  input %m: f32[1, 1, 70, 130]
  %a = Attention<causal=true>(%q, %k, %v, %m)
  %b = Attention<causal=false>(%q, %k, %v)
  output %a
  output %b
}",
    )
    .with("m", Dist::Uniform(-2.0, 0.0))
}

/// A decomposed causal attention masked with `Where(tril, scores, -inf)` (as exported models
/// do), then the head merge.
pub fn attention_decomposed_where() -> Case {
    Case::text(
        "attention_decomposed_where",
        "graph attention_decomposed_where {
  input %q: f32[1, 2, 9, 16]
  input %k: f32[1, 2, 9, 16]
  input %v: f32[1, 2, 9, 16]
  const @ninf: f32[] = hex\"000080ff\"
  %ninf: f32[] = Constant(@ninf)
  weight %scale: f32[] = uniform(0.25, 0.25)
  %ones = ConstantOfShape<shape=[9, 9], value=1, dtype=bool>()
  %tril = Trilu<upper=false, k=0>(%ones)
  %kt = Transpose<perm=[0, 1, 3, 2]>(%k)
  %scores = MatMul(%q, %kt)
  %scaled = Mul(%scores, %scale)
  %masked = Where(%tril, %scaled, %ninf)
  %probs = Softmax<axis=-1>(%masked)
  %o = MatMul(%probs, %v)
  %t = Transpose<perm=[0, 2, 1, 3]>(%o)
  %y = Reshape<shape=[1, 9, 32], allowzero=false>(%t)
  output %y
}",
    )
}

pub fn conv_larger() -> Case {
    Case::text(
        "conv_larger",
        "graph conv_larger {
  input %x: f32[1, 16, 20, 20]
  input %p: f32[2, 40, 7, 7]
  weight %w: f32[24, 16, 3, 3] = uniform(-0.25, 0.25)
  weight %b: f32[24]
  weight %w1: f32[33, 40, 1, 1] = uniform(-0.25, 0.25)
  %c = Conv<strides=[1, 1], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1>(%x, %w, %b)
  %y = Relu(%c)
  %z = Conv<strides=[1, 1], pads=[0, 0, 0, 0], dilations=[1, 1], groups=1>(%p, %w1)
  output %y
  output %z
}",
    )
}

pub fn window_long() -> Case {
    Case::text(
        "window_long",
        "graph window_long {
  input %x: f32[2, 1000]
  input %c: f32[2, 700]
  %v1, %i1 = TopK<k=5, axis=-1, largest=true>(%x)
  %v2, %i2 = TopK<k=7, axis=-1, largest=false>(%x)
  %cs = CumSum<axis=-1, exclusive=false, reverse=false>(%c)
  output %v1
  output %i1
  output %v2
  output %i2
  output %cs
}",
    )
}

/// GPT-2's fused projection: one MatMul to `[S, 3H]`, split into Q, K, V, heads split by the
/// stores, causal attention, heads merged, output projection.
pub fn qkv_split() -> Case {
    Case::text(
        "qkv_split",
        "graph qkv_split {
  input %x: f32[6, 24]
  weight %w: f32[24, 72] = uniform(-0.3, 0.3)
  weight %b: f32[72]
  weight %wo: f32[24, 24] = uniform(-0.3, 0.3)
  %mm = MatMul(%x, %w)
  %qkv = Add(%mm, %b)
  %q0, %k0, %v0 = Split<axis=1, sizes=[24, 24, 24]>(%qkv)
  %q1 = Reshape<shape=[6, 3, 8], allowzero=false>(%q0)
  %k1 = Reshape<shape=[6, 3, 8], allowzero=false>(%k0)
  %v1 = Reshape<shape=[6, 3, 8], allowzero=false>(%v0)
  %q = Transpose<perm=[1, 0, 2]>(%q1)
  %k = Transpose<perm=[1, 0, 2]>(%k1)
  %v = Transpose<perm=[1, 0, 2]>(%v1)
  %a = Attention<causal=true>(%q, %k, %v)
  %at = Transpose<perm=[1, 0, 2]>(%a)
  %am = Reshape<shape=[6, 24], allowzero=false>(%at)
  %y = MatMul(%am, %wo)
  output %y
}",
    )
}

/// BERT's projections: three linear layers on one input (merged by the device pipeline into
/// one GEMM and a Split whose parts the GEMM stores head-split), causal attention; the value
/// projection is also an output of its own.
pub fn qkv_separate() -> Case {
    Case::text(
        "qkv_separate",
        "graph qkv_separate {
  input %x: f32[2, 5, 16]
  weight %wq: f32[16, 16] = uniform(-0.3, 0.3)
  weight %bq: f32[16]
  weight %wk: f32[16, 16] = uniform(-0.3, 0.3)
  weight %bk: f32[16]
  weight %wv: f32[16, 16] = uniform(-0.3, 0.3)
  weight %bv: f32[16]
  %q0 = MatMul(%x, %wq)
  %q1 = Add(%q0, %bq)
  %k0 = MatMul(%x, %wk)
  %k1 = Add(%bk, %k0)
  %v0 = MatMul(%x, %wv)
  %v1 = Add(%v0, %bv)
  %q2 = Reshape<shape=[2, 5, 2, 8], allowzero=false>(%q1)
  %k2 = Reshape<shape=[2, 5, 2, 8], allowzero=false>(%k1)
  %v2 = Reshape<shape=[2, 5, 2, 8], allowzero=false>(%v1)
  %q = Transpose<perm=[0, 2, 1, 3]>(%q2)
  %k = Transpose<perm=[0, 2, 1, 3]>(%k2)
  %v = Transpose<perm=[0, 2, 1, 3]>(%v2)
  %a = Attention<causal=true>(%q, %k, %v)
  output %a
  output %v1
}",
    )
}

/// A GEMM result split along its rows: one part an output as it is, one transposed, one unused
/// (the stores keep only their part's elements).
pub fn split_store_parts() -> Case {
    Case::text(
        "split_store_parts",
        "graph split_store_parts {
  input %x: f32[9, 12]
  weight %w: f32[12, 7] = uniform(-0.3, 0.3)
  %m = MatMul(%x, %w)
  %r = Relu(%m)
  %p0, %p1, %p2 = Split<axis=0, sizes=[2, 4, 3]>(%r)
  %t = Transpose<perm=[1, 0]>(%p1)
  output %p0
  output %t
}",
    )
}

/// A softmax that is an output and also the left operand of a MatMul; a value read by two
/// kernels (materialized, the `materialize` fuse filetest).
pub fn shared_intermediates() -> Case {
    Case::text(
        "shared_intermediates",
        "graph shared_intermediates {
  input %x: f32[5, 12]
  input %y: f32[4, 4]
  weight %w: f32[12, 6]
  weight %w2: f32[4, 4]
  %s = Softmax<axis=-1>(%x)
  %m = MatMul(%s, %w)
  %e = Exp(%y)
  %t = Tanh(%e)
  %tm = MatMul(%t, %w2)
  %ts = ReduceSum<axes=[-1], keepdims=true>(%t)
  output %s
  output %m
  output %tm
  output %ts
}",
    )
}

/// A graph in f16 throughout: every op's result is an f16 tensor.
pub fn f16_graph() -> Case {
    Case::text(
        "f16_graph",
        "graph f16_graph {
  input %x: f16[4, 32]
  weight %w: f16[32, 16] = uniform(-0.3, 0.3)
  weight %b: f16[16]
  weight %g: f16[16]
  weight %gb: f16[16]
  %mm = MatMul(%x, %w)
  %h = Add(%mm, %b)
  %a = Gelu<tanh=true>(%h)
  %n = LayerNorm<axis=-1, epsilon=1e-5>(%a, %g, %gb)
  %s = Softmax<axis=-1>(%n)
  output %s
  output %n
}",
    )
}

pub fn bf16_graph() -> Case {
    Case::text(
        "bf16_graph",
        "graph bf16_graph {
  input %x: bf16[4, 8]
  input %y: bf16[8]
  %m = Mul(%x, %y)
  %a = Add(%m, %x)
  %r = ReduceSum<axes=[-1], keepdims=false>(%a)
  output %a
  output %r
}",
    )
}

/// An embedding lookup feeding a LayerNorm and a projection: layout, reduction and GEMM kernels
/// in a row.
pub fn embedding_block() -> Case {
    Case::text(
        "embedding_block",
        "graph embedding_block {
  input %ids: i64[1, 7]
  weight %table: f32[50, 16]
  weight %pos: f32[1, 7, 16]
  weight %g: f32[16]
  weight %gb: f32[16]
  weight %w: f32[16, 10]
  %e = Gather<axis=0>(%table, %ids)
  %p = Add(%e, %pos)
  %n = LayerNorm<axis=-1, epsilon=1e-5>(%p, %g, %gb)
  %y = MatMul(%n, %w)
  output %y
}",
    )
    .with("ids", Dist::Ints(0, 50))
}

/// Layout ops over computed values: a Concat of two elementwise results, Pad and Slice of a
/// GEMM output.
pub fn layout_of_computed() -> Case {
    Case::text(
        "layout_of_computed",
        "graph layout_of_computed {
  input %a: f32[3, 4]
  input %b: f32[3, 2]
  weight %w: f32[6, 5]
  %ra = Relu(%a)
  %eb = Exp(%b)
  %c = Concat<axis=1>(%ra, %eb)
  %m = MatMul(%c, %w)
  %p = Pad<pads=[1, 0, 0, 2], mode=reflect, value=0>(%m)
  %s = Slice<starts=[3], ends=[0], axes=[1], steps=[-2]>(%p)
  output %c
  output %s
}",
    )
}

/// More rows (or batches) than one dispatch dimension holds: the grid folds into two
/// dimensions and the workgroups past the end must do nothing.
pub fn many_rows() -> Case {
    Case::text(
        "many_rows",
        "graph many_rows {
  input %x: f32[70000, 3]
  input %a: f32[70000, 2, 3]
  input %b: f32[70000, 3, 2]
  input %q: f32[66000, 1, 4]
  %s = ReduceSum<axes=[-1], keepdims=false>(%x)
  %sm = Softmax<axis=-1>(%x)
  %v, %i = TopK<k=2, axis=-1, largest=true>(%x)
  %mm = MatMul(%a, %b)
  %at = Attention<causal=false>(%q, %q, %q)
  output %s
  output %sm
  output %v
  output %i
  output %mm
  output %at
}",
    )
}

/// Scalars and rank-1 tensors through reductions; attention without batch dims and with a
/// rank-2 mask broadcast over batch and heads.
pub fn low_rank() -> Case {
    Case::text(
        "low_rank",
        "graph low_rank {
  input %x: f32[11]
  input %q: f32[5, 8]
  input %k: f32[7, 8]
  input %v: f32[7, 4]
  input %q4: f32[2, 3, 5, 8]
  input %k4: f32[2, 3, 7, 8]
  input %m: f32[5, 7]
  %am = ArgMax<axis=0, keepdims=false, select_last_index=false>(%x)
  %s = ReduceSum<axes=[], keepdims=false>(%x)
  %sm = Softmax<axis=0>(%x)
  %a = Attention<causal=false>(%q, %k, %v)
  %c = Attention<causal=true>(%q, %k, %v)
  %b = Attention<causal=false>(%q4, %k4, %k4, %m)
  output %am
  output %s
  output %sm
  output %a
  output %c
  output %b
}",
    )
}

/// A softmax whose prologue scales and masks (broadcast) and whose epilogue applies Where.
pub fn softmax_masked_prologue() -> Case {
    Case::text(
        "softmax_masked_prologue",
        "graph softmax_masked_prologue {
  input %x: f32[2, 3, 7]
  input %mask: f32[1, 7]
  input %keep: bool[3, 1]
  weight %t: f32[] = uniform(0.3, 0.5)
  %xs = Mul(%x, %t)
  %xm = Add(%xs, %mask)
  %p = Softmax<axis=-1>(%xm)
  %y = Where(%keep, %p, %xs)
  output %y
}",
    )
    .with("mask", Dist::Uniform(-5.0, 0.0))
}

/// GEMM operands computed on the fly: a pointwise prologue on A, a strided slice of B.
pub fn matmul_prologue_ops() -> Case {
    Case::text(
        "matmul_prologue_ops",
        "graph matmul_prologue_ops {
  input %x: f32[5, 9]
  input %y: f32[5, 9]
  input %w: f32[9, 14]
  %s = Add(%x, %y)
  %a = Relu(%s)
  %b = Slice<starts=[1], ends=[14], axes=[1], steps=[2]>(%w)
  %m = MatMul(%a, %b)
  output %m
}",
    )
}

// ---------------------------------------------------------------- models

pub fn model_mlp() -> Case {
    let g = models::mlp(&models::MlpConfig::tiny(), 7).expect("mlp");
    let values = BTreeMap::from([("batch".to_string(), 3u64)]);
    let g = edgecc::specialize(&g, &values, true).expect("specialize");
    Case::of("model_mlp", g, super::harness::case_seed("model_mlp"))
}

pub fn model_mlp_small() -> Case {
    let g = models::mlp(&models::MlpConfig::small(), 8).expect("mlp");
    let values = BTreeMap::from([("batch".to_string(), 17u64)]);
    let g = edgecc::specialize(&g, &values, true).expect("specialize");
    Case::of("model_mlp_small", g, super::harness::case_seed("model_mlp_small"))
}

pub fn model_gpt2_block() -> Case {
    let g = models::gpt2_block(&models::TransformerConfig::tiny(), 11).expect("gpt2");
    Case::of("model_gpt2_block", g, super::harness::case_seed("model_gpt2_block"))
}

pub fn model_bert_encoder() -> Case {
    let cfg = models::TransformerConfig {
        hidden: 24,
        heads: 3,
        ffn: 40,
        seq: 7,
    };
    let g = models::bert_encoder(&cfg, 2, 13).expect("bert");
    Case::of("model_bert_encoder", g, super::harness::case_seed("model_bert_encoder"))
}
