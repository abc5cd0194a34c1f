//! The leaves and operators of kir expressions: literals, axes, built-in values, and the unary
//! and binary operators with their typing rules (see [`super::body::Expr`] for the trees).

use super::types::Scalar;

/// A constant. Equality compares floats by bits (so `-0.0 != 0.0`), except that every NaN
/// equals every NaN: the text form has one `nan`.
#[derive(Clone, Copy, Debug)]
pub enum Literal {
    /// An `f32` (`2.0`, `1e-5`, `-inf`, `nan`).
    F32(f32),
    /// An `f16` (`2.0h`).
    F16(half::f16),
    /// An `i32` (`-3i`).
    I32(i32),
    /// A `u32` (`3`: an integer without suffix).
    U32(u32),
    /// `true` or `false`.
    Bool(bool),
}

impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        let floats = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        match (self, other) {
            (Literal::F32(a), Literal::F32(b)) => floats(*a, *b),
            (Literal::F16(a), Literal::F16(b)) => floats(f32::from(*a), f32::from(*b)),
            (Literal::I32(a), Literal::I32(b)) => a == b,
            (Literal::U32(a), Literal::U32(b)) => a == b,
            (Literal::Bool(a), Literal::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl Literal {
    /// Its type.
    pub fn scalar(self) -> Scalar {
        match self {
            Literal::F32(_) => Scalar::F32,
            Literal::F16(_) => Scalar::F16,
            Literal::I32(_) => Scalar::I32,
            Literal::U32(_) => Scalar::U32,
            Literal::Bool(_) => Scalar::Bool,
        }
    }
}

/// A coordinate axis of the launch grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    /// `x`.
    X,
    /// `y`.
    Y,
    /// `z`.
    Z,
}

impl Axis {
    /// The three axes.
    pub const ALL: [Axis; 3] = [Axis::X, Axis::Y, Axis::Z];

    /// `x`, `y` or `z`.
    pub fn name(self) -> &'static str {
        match self {
            Axis::X => "x",
            Axis::Y => "y",
            Axis::Z => "z",
        }
    }
}

/// A value the launch gives each invocation; all are `u32`, and all are read in `entry` only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `global_id.x`: the invocation's index in the whole grid (`workgroup_id * size + local_id`).
    GlobalId(Axis),
    /// `local_id.x`: its index in its workgroup.
    LocalId(Axis),
    /// `local_index`: its flat index in its workgroup (`x + size.x * (y + size.y * z)`).
    LocalIndex,
    /// `workgroup_id.x`: its workgroup's index in the grid.
    WorkgroupId(Axis),
    /// `num_workgroups.x`: the grid size, in workgroups.
    NumWorkgroups(Axis),
}

impl Builtin {
    /// The name without the axis (`global_id`).
    pub fn base_name(self) -> &'static str {
        match self {
            Builtin::GlobalId(_) => "global_id",
            Builtin::LocalId(_) => "local_id",
            Builtin::LocalIndex => "local_index",
            Builtin::WorkgroupId(_) => "workgroup_id",
            Builtin::NumWorkgroups(_) => "num_workgroups",
        }
    }

    /// The built-in `base` names on `axis` (`None` for `local_index`, which has none).
    pub fn from_name(base: &str, axis: Option<Axis>) -> Option<Builtin> {
        Some(match (base, axis) {
            ("global_id", Some(a)) => Builtin::GlobalId(a),
            ("local_id", Some(a)) => Builtin::LocalId(a),
            ("local_index", None) => Builtin::LocalIndex,
            ("workgroup_id", Some(a)) => Builtin::WorkgroupId(a),
            ("num_workgroups", Some(a)) => Builtin::NumWorkgroups(a),
            _ => return None,
        })
    }

    /// Whether every invocation of a workgroup sees the same value.
    pub fn is_uniform(self) -> bool {
        matches!(self, Builtin::WorkgroupId(_) | Builtin::NumWorkgroups(_))
    }
}

/// A one-operand operation, written as a call (`exp(x)`). It applies per component to a
/// `vec4`; the result has the operand's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `neg(x)`: `-x` (floats, `i32`).
    Neg,
    /// `not(x)`: logical not of a `bool`, bitwise complement of an integer.
    Not,
    /// `abs(x)` (numeric).
    Abs,
    /// `exp(x)` (floats).
    Exp,
    /// `exp2(x)` (floats).
    Exp2,
    /// `log(x)`: natural logarithm (floats), accurate near 1 (a renderer may not use a device
    /// `log` whose error is absolute there).
    Log,
    /// `log2(x)` (floats).
    Log2,
    /// `sqrt(x)` (floats).
    Sqrt,
    /// `rsqrt(x)`: `1 / sqrt(x)` (floats).
    Rsqrt,
    /// `tanh(x)` (floats), accurate near 0 (relative error, not `1 - 2 / (exp(2x) + 1)`).
    Tanh,
    /// `erf(x)`: the error function (floats; absolute error under 2e-7).
    Erf,
    /// `sigmoid(x)`: `1 / (1 + exp(-x))`, without overflow for large `|x|` (floats).
    Sigmoid,
    /// `sin(x)` (floats).
    Sin,
    /// `cos(x)` (floats).
    Cos,
    /// `floor(x)` (floats).
    Floor,
    /// `ceil(x)` (floats).
    Ceil,
    /// `round(x)`: to nearest, ties to even (floats).
    Round,
    /// `round_f16(x)`: the nearest `f16` value of an `f32` (ties to even; overflow to ±inf, NaN
    /// kept), still an `f32`: a cast to f16 computed in f32 registers.
    RoundF16,
    /// `round_bf16(x)`: the nearest bfloat16 value of an `f32`, still an `f32`.
    RoundBf16,
}

impl UnaryOp {
    /// Every unary operation.
    pub const ALL: [UnaryOp; 19] = [
        UnaryOp::Neg,
        UnaryOp::Not,
        UnaryOp::Abs,
        UnaryOp::Exp,
        UnaryOp::Exp2,
        UnaryOp::Log,
        UnaryOp::Log2,
        UnaryOp::Sqrt,
        UnaryOp::Rsqrt,
        UnaryOp::Tanh,
        UnaryOp::Erf,
        UnaryOp::Sigmoid,
        UnaryOp::Sin,
        UnaryOp::Cos,
        UnaryOp::Floor,
        UnaryOp::Ceil,
        UnaryOp::Round,
        UnaryOp::RoundF16,
        UnaryOp::RoundBf16,
    ];

    /// The name it is called by.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Not => "not",
            UnaryOp::Abs => "abs",
            UnaryOp::Exp => "exp",
            UnaryOp::Exp2 => "exp2",
            UnaryOp::Log => "log",
            UnaryOp::Log2 => "log2",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Rsqrt => "rsqrt",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Erf => "erf",
            UnaryOp::Sigmoid => "sigmoid",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Round => "round",
            UnaryOp::RoundF16 => "round_f16",
            UnaryOp::RoundBf16 => "round_bf16",
        }
    }

    /// The operation called `name`.
    pub fn from_name(name: &str) -> Option<UnaryOp> {
        UnaryOp::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether the operand type's scalar `s` is allowed.
    pub fn accepts(self, s: Scalar) -> bool {
        match self {
            UnaryOp::Neg => s.is_float() || s == Scalar::I32,
            // Logical on bool, bitwise on integers; floats have neither.
            UnaryOp::Not => s == Scalar::Bool || s.is_int(),
            UnaryOp::Abs => s.is_numeric(),
            UnaryOp::RoundF16 | UnaryOp::RoundBf16 => s == Scalar::F32,
            _ => s.is_float(),
        }
    }
}

/// A two-operand operation. Both operands have one type (per component on a `vec4`), except
/// that a shift amount is `u32` of the same shape. Comparisons give `bool` (of the same shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `a + b` (numeric).
    Add,
    /// `a - b` (numeric).
    Sub,
    /// `a * b` (numeric).
    Mul,
    /// `a / b` (numeric; integers round toward zero).
    Div,
    /// `a % b` (numeric; the sign of `a`).
    Rem,
    /// `min(a, b)` (numeric; on floats NaN if either operand is NaN, as ONNX `Min`).
    Min,
    /// `max(a, b)` (numeric; on floats NaN if either operand is NaN).
    Max,
    /// `pow(a, b)` (floats or `i32`): `pow(x, 0) == 1`, a negative base to an integral power is
    /// defined; on `i32`, a negative power is 0 (1 or ±1 for a base of 1 or -1).
    Pow,
    /// `a == b`.
    Eq,
    /// `a != b`.
    Ne,
    /// `a < b` (numeric).
    Lt,
    /// `a <= b` (numeric).
    Le,
    /// `a > b` (numeric).
    Gt,
    /// `a >= b` (numeric).
    Ge,
    /// `a && b` (`bool`).
    And,
    /// `a || b` (`bool`).
    Or,
    /// `a & b` (integers).
    BitAnd,
    /// `a | b` (integers).
    BitOr,
    /// `a ^ b` (integers).
    BitXor,
    /// `a << b` (integer `a`, `u32` `b`).
    Shl,
    /// `a >> b` (integer `a`, `u32` `b`; arithmetic for `i32`).
    Shr,
}

impl BinaryOp {
    /// The infix symbol, or `None` for `min`, `max` and `pow`, which are written as calls
    /// ([`BinaryOp::call_name`]).
    pub fn symbol(self) -> Option<&'static str> {
        use BinaryOp::*;
        Some(match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Rem => "%",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "&&",
            Or => "||",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
            Shl => "<<",
            Shr => ">>",
            Min | Max | Pow => return None,
        })
    }

    /// The name of an operation written as a call (`min`, `max`, `pow`), `None` for infix ones.
    pub fn call_name(self) -> Option<&'static str> {
        match self {
            BinaryOp::Min => Some("min"),
            BinaryOp::Max => Some("max"),
            BinaryOp::Pow => Some("pow"),
            _ => None,
        }
    }

    /// How tightly an infix operator binds (Rust's order): `||` 1, `&&` 2, comparisons 3, `|` 4,
    /// `^` 5, `&` 6, shifts 7, `+ -` 8, `* / %` 9; all are left associative. Calls: 10.
    pub fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Or => 1,
            And => 2,
            Eq | Ne | Lt | Le | Gt | Ge => 3,
            BitOr => 4,
            BitXor => 5,
            BitAnd => 6,
            Shl | Shr => 7,
            Add | Sub => 8,
            Mul | Div | Rem => 9,
            Min | Max | Pow => 10,
        }
    }

    /// Whether the result is `bool`.
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }
}

/// The letter of vector component `index` (`x y z w`), or `None` past 3.
pub fn component_name(index: u8) -> Option<char> {
    ['x', 'y', 'z', 'w'].get(usize::from(index)).copied()
}
