//! Pointwise operations of the value walk with the reference interpreter's rules: integer
//! division and remainder by zero are 0, `Mod` takes the divisor's sign, integer `Pow` is
//! exact, float min/max propagate NaN (kir's rule), casts saturate float → int (NaN → 0), wrap
//! int → narrow int, and round floats to the target dtype.

use super::{Ex, Result, Walk};
use crate::kir::{BinaryOp, Scalar, Type, UnaryOp};
use crate::precision::Precision;
use edgecc_ir::{BinaryOp as IrBinary, DType, UnaryOp as IrUnary};

impl Walk<'_> {
    /// `u(a)` for `a` of register type `reg`.
    pub fn unary(&mut self, u: IrUnary, a: Ex, reg: Type) -> Result<Ex> {
        match reg.scalar() {
            Scalar::I32 => {
                return match u {
                    IrUnary::Neg => self.un(UnaryOp::Neg, a),
                    IrUnary::Abs => self.un(UnaryOp::Abs, a),
                    IrUnary::Relu => {
                        let z = self.ci(0);
                        self.bin(BinaryOp::Max, a, z)
                    }
                    _ => Err(self.err(format!("{} on integers", u.name()))),
                };
            }
            Scalar::Bool => {
                return match u {
                    IrUnary::Not => self.un(UnaryOp::Not, a),
                    _ => Err(self.err(format!("{} on booleans", u.name()))),
                };
            }
            _ => {}
        }
        let one = self.lit(reg, 1.0);
        let zero = self.lit(reg, 0.0);
        let half = self.lit(reg, 0.5);
        match u {
            IrUnary::Neg => self.un(UnaryOp::Neg, a),
            IrUnary::Abs => self.un(UnaryOp::Abs, a),
            IrUnary::Exp => self.un(UnaryOp::Exp, a),
            IrUnary::Log => self.un(UnaryOp::Log, a),
            IrUnary::Sqrt => self.un(UnaryOp::Sqrt, a),
            IrUnary::Rsqrt => self.un(UnaryOp::Rsqrt, a),
            IrUnary::Reciprocal => self.bin(BinaryOp::Div, one, a),
            IrUnary::Tanh => self.un(UnaryOp::Tanh, a),
            IrUnary::Sigmoid => self.un(UnaryOp::Sigmoid, a),
            IrUnary::Erf => self.un(UnaryOp::Erf, a),
            IrUnary::Relu => {
                // `select`, not `max`: Relu of NaN is NaN in the reference, and so here.
                let neg = self.bin(BinaryOp::Lt, a, zero)?;
                self.select(neg, zero, a)
            }
            IrUnary::LeakyRelu { alpha } => {
                let al = self.lit(reg, f64::from(alpha));
                let scaled = self.bin(BinaryOp::Mul, al, a)?;
                let pos = self.bin(BinaryOp::Ge, a, zero)?;
                self.select(pos, a, scaled)
            }
            IrUnary::Gelu { tanh: false } => {
                let r = self.lit(reg, std::f64::consts::FRAC_1_SQRT_2);
                let s = self.bin(BinaryOp::Mul, a, r)?;
                let e = self.un(UnaryOp::Erf, s)?;
                self.gelu_tail(a, e, half, one)
            }
            IrUnary::Gelu { tanh: true } => {
                let c = self.lit(reg, (2.0 / std::f64::consts::PI).sqrt());
                let k = self.lit(reg, 0.044715);
                let a2 = self.bin(BinaryOp::Mul, k, a)?;
                let a3 = self.bin(BinaryOp::Mul, a2, a)?;
                let a3 = self.bin(BinaryOp::Mul, a3, a)?;
                let inner = self.bin(BinaryOp::Add, a, a3)?;
                let inner = self.bin(BinaryOp::Mul, c, inner)?;
                let t = self.un(UnaryOp::Tanh, inner)?;
                self.gelu_tail(a, t, half, one)
            }
            IrUnary::Silu => {
                let s = self.un(UnaryOp::Sigmoid, a)?;
                self.bin(BinaryOp::Mul, a, s)
            }
            IrUnary::Sin => self.un(UnaryOp::Sin, a),
            IrUnary::Cos => self.un(UnaryOp::Cos, a),
            IrUnary::Floor => self.un(UnaryOp::Floor, a),
            IrUnary::Ceil => self.un(UnaryOp::Ceil, a),
            IrUnary::Round => self.un(UnaryOp::Round, a),
            IrUnary::Not => Err(self.err("Not on floats")),
        }
    }

    /// `0.5 * a * (1 + f)`, GELU's last step.
    fn gelu_tail(&mut self, a: Ex, f: Ex, half: Ex, one: Ex) -> Result<Ex> {
        let h = self.bin(BinaryOp::Mul, half, a)?;
        let s = self.bin(BinaryOp::Add, one, f)?;
        self.bin(BinaryOp::Mul, h, s)
    }

    /// `a op b` for register values (`Pow` may mix an integer base with a float exponent).
    pub fn binary(&mut self, op: IrBinary, a: Ex, b: Ex) -> Result<Ex> {
        let (ta, tb) = (self.ty(a)?, self.ty(b)?);
        let float = matches!(ta.scalar(), Scalar::F32 | Scalar::F16);
        if op == IrBinary::Pow {
            return match (ta.scalar(), tb.scalar()) {
                (Scalar::I32, Scalar::I32) => self.bin(BinaryOp::Pow, a, b),
                (Scalar::I32, _) => {
                    let (fa, fb) = (self.cast_to(Type::F32, a)?, self.cast_to(Type::F32, b)?);
                    let p = self.bin(BinaryOp::Pow, fa, fb)?;
                    self.cast_to(Type::I32, p)
                }
                _ => {
                    let bb = self.convert(b, ta)?;
                    self.bin(BinaryOp::Pow, a, bb)
                }
            };
        }
        let simple = match op {
            IrBinary::Add => Some(BinaryOp::Add),
            IrBinary::Sub => Some(BinaryOp::Sub),
            IrBinary::Mul => Some(BinaryOp::Mul),
            IrBinary::Max => Some(BinaryOp::Max),
            IrBinary::Min => Some(BinaryOp::Min),
            IrBinary::Equal => Some(BinaryOp::Eq),
            IrBinary::Less => Some(BinaryOp::Lt),
            IrBinary::LessOrEqual => Some(BinaryOp::Le),
            IrBinary::Greater => Some(BinaryOp::Gt),
            IrBinary::GreaterOrEqual => Some(BinaryOp::Ge),
            IrBinary::And => Some(BinaryOp::And),
            IrBinary::Or => Some(BinaryOp::Or),
            IrBinary::Div | IrBinary::Fmod if float => Some(if op == IrBinary::Div {
                BinaryOp::Div
            } else {
                BinaryOp::Rem
            }),
            _ => None,
        };
        if let Some(k) = simple {
            return self.bin(k, a, b);
        }
        match op {
            IrBinary::Div => self.guard_zero(BinaryOp::Div, a, b),
            IrBinary::Fmod => self.guard_zero(BinaryOp::Rem, a, b),
            IrBinary::Mod => {
                // The remainder with the divisor's sign: `r + b` where `r` and `b` differ in sign.
                let r = self.bin(BinaryOp::Rem, a, b)?;
                let r = self.bind(r)?;
                let z = self.lit(ta, 0.0);
                let nonzero = self.bin(BinaryOp::Ne, r, z)?;
                let rneg = self.bin(BinaryOp::Lt, r, z)?;
                let bneg = self.bin(BinaryOp::Lt, b, z)?;
                let differ = self.bin(BinaryOp::Ne, rneg, bneg)?;
                let fix = self.bin(BinaryOp::And, nonzero, differ)?;
                let shifted = self.bin(BinaryOp::Add, r, b)?;
                let fixed = self.select(fix, shifted, r)?;
                if float {
                    return Ok(fixed);
                }
                let bz = self.bin(BinaryOp::Eq, b, z)?;
                self.select(bz, z, fixed)
            }
            _ => Err(self.internal(format!("binary op {op:?} has no lowering"))),
        }
    }

    /// Integer `a op b` that is 0 where `b` is 0 (WGSL's would be `a`).
    fn guard_zero(&mut self, op: BinaryOp, a: Ex, b: Ex) -> Result<Ex> {
        let z = self.ci(0);
        let q = self.bin(op, a, b)?;
        let bz = self.bin(BinaryOp::Eq, b, z)?;
        self.select(bz, z, q)
    }

    /// Converts `x` (a register value of IR dtype `from`) to IR dtype `to`: floats round to
    /// the target dtype, float → int truncates and saturates (NaN → 0), int → narrow int wraps
    /// like a C cast, anything → bool is `!= 0`.
    pub fn cast(&mut self, x: Ex, from: DType, to: DType) -> Result<Ex> {
        if from == to {
            return Ok(x);
        }
        let tr = self.reg_of(to);
        if to.is_float() {
            let f = self.convert(x, Type::F32)?;
            let rounded = match (to, self.prec) {
                (DType::F16, Precision::F32) => self.un(UnaryOp::RoundF16, f)?,
                (DType::BF16, _) => self.un(UnaryOp::RoundBf16, f)?,
                _ => f,
            };
            return self.convert(rounded, tr);
        }
        if to == DType::Bool {
            return self.convert(x, Type::BOOL);
        }
        let (lo, hi) = to.int_range().unwrap_or((i64::from(i32::MIN), i64::from(i32::MAX)));
        if from.is_float() {
            // kir's float → i32 cast saturates to the i32 range (NaN → 0); a narrower target
            // clamps further.
            let f = self.convert(x, Type::F32)?;
            let mut i = self.cast_to(Type::I32, f)?;
            if lo > i64::from(i32::MIN) {
                let l = self.ci(lo);
                i = self.bin(BinaryOp::Max, i, l)?;
            }
            if hi < i64::from(i32::MAX) {
                let h = self.ci(hi);
                i = self.bin(BinaryOp::Min, i, h)?;
            }
            return Ok(i);
        }
        let i = self.convert(x, Type::I32)?;
        if !from.is_int() {
            return Ok(i);
        }
        // Two's-complement wrap into 8 or 4 bits: the low bits, sign-extended by `(v ^ s) - s`.
        let (mask, sign) = match to {
            DType::U8 => (255, None),
            DType::I8 => (255, Some(128)),
            DType::U4 => (15, None),
            DType::I4 => (15, Some(8)),
            _ => return Ok(i),
        };
        let m = self.ci(mask);
        let low = self.bin(BinaryOp::BitAnd, i, m)?;
        match sign {
            None => Ok(low),
            Some(s) => {
                let s = self.ci(s);
                let flipped = self.bin(BinaryOp::BitXor, low, s)?;
                self.bin(BinaryOp::Sub, flipped, s)
            }
        }
    }
}
