//! Elementwise kernels: unary functions, `Cast`, binary ops with broadcasting, `Where`, `Clip`.
//!
//! Floats (f32, f16, bf16) compute in f32 — transcendental functions in f64 — and the result is
//! rounded to the output dtype. Integers compute in i64 with wrapping arithmetic and are wrapped
//! to their width afterwards; integer division (and `Mod`/`Fmod`) by zero is an error, as is
//! `0` raised to a negative integer power.

use super::broadcast::{map2, map3};
use super::tensor::{Data, Tensor};
use edgecc_ir::{BinaryOp, DType, UnaryOp};
use std::cell::Cell;

/// `erf` in f64 (Taylor series near 0, continued fraction for `erfc` in the tails); accurate to
/// about 1e-14, far below f32 resolution.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let ax = x.abs();
    if ax < 2.0 {
        // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        // |x| < 2: the terms fall below 1e-17 of the sum well before 60 of them.
        for n in 1..60 {
            let n = n as f64;
            term *= -x2 / n;
            let t = term / (2.0 * n + 1.0);
            sum += t;
            if t.abs() <= 1e-17 * sum.abs() {
                break;
            }
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else if ax >= 6.0 {
        x.signum()
    } else {
        // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
        let mut t = ax;
        for k in (1..=120).rev() {
            t = ax + (k as f64 * 0.5) / t;
        }
        let erfc = (-ax * ax).exp() / std::f64::consts::PI.sqrt() / t;
        x.signum() * (1.0 - erfc)
    }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn unary_f(op: UnaryOp) -> fn(f32) -> f32 {
    match op {
        UnaryOp::Neg => |x| -x,
        UnaryOp::Abs => |x| x.abs(),
        UnaryOp::Exp => |x| (x as f64).exp() as f32,
        UnaryOp::Log => |x| (x as f64).ln() as f32,
        UnaryOp::Sqrt => |x| (x as f64).sqrt() as f32,
        UnaryOp::Rsqrt => |x| (1.0 / (x as f64).sqrt()) as f32,
        UnaryOp::Reciprocal => |x| 1.0 / x,
        UnaryOp::Tanh => |x| (x as f64).tanh() as f32,
        UnaryOp::Sigmoid => |x| sigmoid(x as f64) as f32,
        UnaryOp::Erf => |x| erf(x as f64) as f32,
        UnaryOp::Relu => |x| if x < 0.0 { 0.0 } else { x },
        UnaryOp::Silu => |x| (x as f64 * sigmoid(x as f64)) as f32,
        UnaryOp::Sin => |x| (x as f64).sin() as f32,
        UnaryOp::Cos => |x| (x as f64).cos() as f32,
        UnaryOp::Floor => |x| x.floor(),
        UnaryOp::Ceil => |x| x.ceil(),
        UnaryOp::Round => |x| x.round_ties_even(),
        UnaryOp::Gelu { tanh: false } => |x| {
            let x = x as f64;
            (0.5 * x * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2))) as f32
        },
        UnaryOp::Gelu { tanh: true } => |x| {
            let x = x as f64;
            let c = (2.0 / std::f64::consts::PI).sqrt();
            (0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())) as f32
        },
        // Handled by the caller (needs alpha / is bool-only).
        UnaryOp::LeakyRelu { .. } | UnaryOp::Not => |x| x,
    }
}

/// Evaluates a unary op.
pub fn unary(op: UnaryOp, x: &Tensor) -> Result<Tensor, String> {
    let shape = x.shape.clone();
    match (&x.data, op) {
        (Data::B(v), UnaryOp::Not) => Ok(Tensor::from_bool(shape, v.iter().map(|&b| !b).collect())),
        (_, UnaryOp::Not) => Err(format!("Not takes a bool input, got {}", x.dtype)),
        (Data::F(v), UnaryOp::LeakyRelu { alpha }) => Ok(Tensor::from_f32(
            x.dtype,
            shape,
            v.iter().map(|&e| if e >= 0.0 { e } else { alpha * e }).collect(),
        )),
        (Data::F(v), _) => {
            let f = unary_f(op);
            Ok(Tensor::from_f32(x.dtype, shape, v.iter().map(|&e| f(e)).collect()))
        }
        (Data::I(v), UnaryOp::Neg) => Ok(Tensor::from_i64(
            x.dtype,
            shape,
            v.iter().map(|e| e.wrapping_neg()).collect(),
        )),
        (Data::I(v), UnaryOp::Abs) => Ok(Tensor::from_i64(
            x.dtype,
            shape,
            v.iter().map(|e| e.wrapping_abs()).collect(),
        )),
        (Data::I(v), UnaryOp::Relu) => Ok(Tensor::from_i64(x.dtype, shape, v.iter().map(|&e| e.max(0)).collect())),
        _ => Err(format!("{} is not defined for dtype {}", op.name(), x.dtype)),
    }
}

/// Float to an integer dtype: truncate toward zero, saturate to the dtype's range, NaN → 0.
fn float_to_int(x: f32, to: DType) -> i64 {
    if x.is_nan() {
        return 0;
    }
    let (lo, hi) = to.int_range().unwrap_or((i64::MIN, i64::MAX));
    let t = (x as f64).trunc();
    if t <= lo as f64 {
        lo
    } else if t >= hi as f64 {
        hi
    } else {
        t as i64
    }
}

/// Converts to `to`: floats round to the dtype; float → int truncates toward zero and saturates
/// (NaN → 0); int → int wraps like a C cast; anything → bool is `x != 0` (NaN → true); bool → 0/1.
pub fn cast(x: &Tensor, to: DType) -> Tensor {
    let shape = x.shape.clone();
    match &x.data {
        Data::F(v) => {
            if to.is_float() {
                Tensor::from_f32(to, shape, v.clone())
            } else if to == DType::Bool {
                Tensor::from_bool(shape, v.iter().map(|&e| e != 0.0).collect())
            } else {
                Tensor::from_i64(to, shape, v.iter().map(|&e| float_to_int(e, to)).collect())
            }
        }
        Data::I(v) => {
            if to.is_float() {
                // Round once, straight from the integer (i64 -> f32 -> bf16 would round twice).
                let round: fn(i64) -> f32 = match to {
                    DType::F16 => |e| round_mantissa(e as f64, 10) as f32,
                    DType::BF16 => |e| round_mantissa(e as f64, 7) as f32,
                    _ => |e| e as f32,
                };
                Tensor::from_f32(to, shape, v.iter().map(|&e| round(e)).collect())
            } else if to == DType::Bool {
                Tensor::from_bool(shape, v.iter().map(|&e| e != 0).collect())
            } else {
                Tensor::from_i64(to, shape, v.clone())
            }
        }
        Data::B(v) => {
            if to.is_float() {
                Tensor::from_f32(to, shape, v.iter().map(|&e| e as u8 as f32).collect())
            } else if to == DType::Bool {
                x.clone()
            } else {
                Tensor::from_i64(to, shape, v.iter().map(|&e| e as i64).collect())
            }
        }
    }
}

fn float_binary(op: BinaryOp) -> Option<fn(f32, f32) -> f32> {
    Some(match op {
        BinaryOp::Add => |a, b| a + b,
        BinaryOp::Sub => |a, b| a - b,
        BinaryOp::Mul => |a, b| a * b,
        BinaryOp::Div => |a, b| a / b,
        BinaryOp::Pow => |a, b| (a as f64).powf(b as f64) as f32,
        BinaryOp::Max => |a, b| if a.is_nan() || b.is_nan() { f32::NAN } else { a.max(b) },
        BinaryOp::Min => |a, b| if a.is_nan() || b.is_nan() { f32::NAN } else { a.min(b) },
        BinaryOp::Fmod => |a, b| a % b,
        BinaryOp::Mod => |a, b| {
            let r = a % b;
            if r != 0.0 && ((r < 0.0) != (b < 0.0)) {
                r + b
            } else {
                r
            }
        },
        _ => return None,
    })
}

fn cmp_fn<T: PartialOrd + Copy>(op: BinaryOp) -> Option<fn(T, T) -> bool> {
    Some(match op {
        BinaryOp::Equal => |a, b| a == b,
        BinaryOp::Less => |a, b| a < b,
        BinaryOp::LessOrEqual => |a, b| a <= b,
        BinaryOp::Greater => |a, b| a > b,
        BinaryOp::GreaterOrEqual => |a, b| a >= b,
        _ => return None,
    })
}

/// Integer power by squaring with wrapping; negative exponents give the real result truncated
/// toward zero (`None` for `0` to a negative power).
fn ipow(base: i64, exp: i64) -> Option<i64> {
    if exp < 0 {
        return match base {
            0 => None,
            1 => Some(1),
            -1 => Some(if exp % 2 == 0 { 1 } else { -1 }),
            _ => Some(0),
        };
    }
    let (mut b, mut e, mut r) = (base, exp as u64, 1i64);
    while e > 0 {
        if e & 1 == 1 {
            r = r.wrapping_mul(b);
        }
        b = b.wrapping_mul(b);
        e >>= 1;
    }
    Some(r)
}

fn int_binary(
    op: BinaryOp,
    a: &[i64],
    ash: &[usize],
    b: &[i64],
    bsh: &[usize],
) -> Result<(Vec<usize>, Vec<i64>), String> {
    let divides = matches!(op, BinaryOp::Div | BinaryOp::Mod | BinaryOp::Fmod);
    if divides && b.contains(&0) && !a.is_empty() {
        return Err(format!("integer {} by zero", op.name()));
    }
    match op {
        BinaryOp::Add => map2(a, ash, b, bsh, |x, y| x.wrapping_add(y)),
        BinaryOp::Sub => map2(a, ash, b, bsh, |x, y| x.wrapping_sub(y)),
        BinaryOp::Mul => map2(a, ash, b, bsh, |x, y| x.wrapping_mul(y)),
        BinaryOp::Div => map2(a, ash, b, bsh, |x, y| if y == 0 { 0 } else { x.wrapping_div(y) }),
        BinaryOp::Fmod => map2(a, ash, b, bsh, |x, y| if y == 0 { 0 } else { x.wrapping_rem(y) }),
        BinaryOp::Mod => map2(a, ash, b, bsh, |x, y| {
            if y == 0 {
                return 0;
            }
            let r = x.wrapping_rem(y);
            if r != 0 && ((r < 0) != (y < 0)) {
                r + y
            } else {
                r
            }
        }),
        BinaryOp::Max => map2(a, ash, b, bsh, |x, y| x.max(y)),
        BinaryOp::Min => map2(a, ash, b, bsh, |x, y| x.min(y)),
        BinaryOp::Pow => {
            let bad = Cell::new(false);
            let r = map2(a, ash, b, bsh, |x, y| {
                ipow(x, y).unwrap_or_else(|| {
                    bad.set(true);
                    0
                })
            })?;
            if bad.get() {
                return Err("integer Pow: 0 raised to a negative power".into());
            }
            Ok(r)
        }
        _ => Err(format!("{} is not an arithmetic op", op.name())),
    }
}

/// `Pow` with an exponent of another dtype than the base; the output has the base's dtype.
fn pow_mixed(a: &Tensor, b: &Tensor) -> Result<Tensor, String> {
    match (&a.data, &b.data) {
        (Data::F(av), Data::F(_) | Data::I(_)) => {
            let bv: Vec<f64> = b.to_f64_vec();
            let (shape, v) = map2(av, &a.shape, &bv, &b.shape, |x, y| (x as f64).powf(y) as f32)?;
            Ok(Tensor::from_f32(a.dtype, shape, v))
        }
        (Data::I(av), Data::I(bv)) => {
            let (shape, v) = int_binary(BinaryOp::Pow, av, &a.shape, bv, &b.shape)?;
            Ok(Tensor::from_i64(a.dtype, shape, v))
        }
        (Data::I(av), Data::F(bv)) => {
            // Integer base, float exponent: the real power, truncated (saturating) to the base's dtype.
            let (shape, v) = map2(av, &a.shape, bv, &b.shape, |x, y| {
                float_to_int((x as f64).powf(y as f64) as f32, a.dtype)
            })?;
            Ok(Tensor::from_i64(a.dtype, shape, v))
        }
        _ => Err(format!("Pow is not defined for dtypes {} and {}", a.dtype, b.dtype)),
    }
}

/// Evaluates a binary op with numpy broadcasting.
pub fn binary(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor, String> {
    // ONNX Pow allows a differently typed exponent; every other op needs equal dtypes.
    if op == BinaryOp::Pow && a.dtype != b.dtype {
        return pow_mixed(a, b);
    }
    if a.dtype != b.dtype {
        return Err(format!(
            "{} needs inputs of the same dtype, got {} and {}",
            op.name(),
            a.dtype,
            b.dtype
        ));
    }
    let dt = a.dtype;
    if op.is_logical() {
        return match (&a.data, &b.data) {
            (Data::B(x), Data::B(y)) => {
                let (shape, v) = if op == BinaryOp::And {
                    map2(x, &a.shape, y, &b.shape, |p, q| p && q)?
                } else {
                    map2(x, &a.shape, y, &b.shape, |p, q| p || q)?
                };
                Ok(Tensor::from_bool(shape, v))
            }
            _ => Err(format!("{} takes bool inputs, got {dt}", op.name())),
        };
    }
    if op.is_comparison() {
        let (shape, v) = match (&a.data, &b.data) {
            (Data::F(x), Data::F(y)) => map2(x, &a.shape, y, &b.shape, cmp_fn::<f32>(op).ok_or("not a comparison")?)?,
            (Data::I(x), Data::I(y)) => map2(x, &a.shape, y, &b.shape, cmp_fn::<i64>(op).ok_or("not a comparison")?)?,
            (Data::B(x), Data::B(y)) => map2(x, &a.shape, y, &b.shape, cmp_fn::<bool>(op).ok_or("not a comparison")?)?,
            _ => return Err(format!("{}: input data does not match dtype {dt}", op.name())),
        };
        return Ok(Tensor::from_bool(shape, v));
    }
    match (&a.data, &b.data) {
        (Data::F(x), Data::F(y)) => {
            let f = float_binary(op).ok_or_else(|| format!("{} is not an arithmetic op", op.name()))?;
            let (shape, v) = map2(x, &a.shape, y, &b.shape, f)?;
            Ok(Tensor::from_f32(dt, shape, v))
        }
        (Data::I(x), Data::I(y)) => {
            let (shape, v) = int_binary(op, x, &a.shape, y, &b.shape)?;
            Ok(Tensor::from_i64(dt, shape, v))
        }
        _ => Err(format!("{} is not defined for dtype {dt}", op.name())),
    }
}

fn pick<T>(c: bool, p: T, q: T) -> T {
    if c {
        p
    } else {
        q
    }
}

/// `Where(cond, x, y)` with three-way broadcasting.
pub fn where_(cond: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor, String> {
    let c = cond
        .bools()
        .ok_or_else(|| format!("Where's condition must be bool, got {}", cond.dtype))?;
    if x.dtype != y.dtype {
        return Err(format!(
            "Where needs x and y of the same dtype, got {} and {}",
            x.dtype, y.dtype
        ));
    }
    let cs = (c, cond.shape.as_slice());
    match (&x.data, &y.data) {
        (Data::F(p), Data::F(q)) => {
            let (shape, v) = map3(cs, (p, &x.shape), (q, &y.shape), pick)?;
            Ok(Tensor::from_f32(x.dtype, shape, v))
        }
        (Data::I(p), Data::I(q)) => {
            let (shape, v) = map3(cs, (p, &x.shape), (q, &y.shape), pick)?;
            Ok(Tensor::from_i64(x.dtype, shape, v))
        }
        (Data::B(p), Data::B(q)) => {
            let (shape, v) = map3(cs, (p, &x.shape), (q, &y.shape), pick)?;
            Ok(Tensor::from_bool(shape, v))
        }
        _ => Err(format!("Where: input data does not match dtype {}", x.dtype)),
    }
}

/// Clamps to `[min, max]`; a missing bound does not clamp; NaN stays NaN. For integers the bounds
/// are rounded inward (`min` up, `max` down).
pub fn clip(x: &Tensor, min: Option<f64>, max: Option<f64>) -> Result<Tensor, String> {
    let shape = x.shape.clone();
    match &x.data {
        Data::F(v) => {
            let lo = min.map(|m| m as f32);
            let hi = max.map(|m| m as f32);
            let out = v
                .iter()
                .map(|&e| {
                    let mut e = e;
                    if let Some(l) = lo {
                        if e < l {
                            e = l;
                        }
                    }
                    if let Some(h) = hi {
                        if e > h {
                            e = h;
                        }
                    }
                    e
                })
                .collect();
            Ok(Tensor::from_f32(x.dtype, shape, out))
        }
        Data::I(v) => {
            let lo = min.map(|m| m.ceil() as i64).unwrap_or(i64::MIN);
            let hi = max.map(|m| m.floor() as i64).unwrap_or(i64::MAX);
            let out = v.iter().map(|&e| e.max(lo).min(hi)).collect();
            Ok(Tensor::from_i64(x.dtype, shape, out))
        }
        Data::B(_) => Err("Clip is not defined for bool".into()),
    }
}

/// Rounds `x` to `keep` explicit mantissa bits, to nearest with ties to even (the exponent range
/// is left to the later conversion to the target type, which then rounds nothing more).
fn round_mantissa(x: f64, keep: u32) -> f64 {
    if !x.is_finite() || x == 0.0 || keep >= 52 {
        return x;
    }
    let bits = x.to_bits();
    let drop = 52 - keep;
    let mask = (1u64 << drop) - 1;
    let (rem, half) = (bits & mask, 1u64 << (drop - 1));
    let mut kept = bits & !mask;
    if rem > half || (rem == half && (kept >> drop) & 1 == 1) {
        kept += 1 << drop;
    }
    f64::from_bits(kept)
}
