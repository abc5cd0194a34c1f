//! Value types: five scalars and `vec4` of each.
//!
//! Types print as in WGSL (`f32`, `vec4<f16>`); CUDA renders them as `float`, `__half`, `int`,
//! `unsigned`, `bool` and four-wide structs. Binary operations never convert implicitly: both
//! sides have one type, and a [`Cast`](super::Expr::Cast) converts.

use std::fmt;

/// A scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// 32-bit IEEE float.
    F32,
    /// 16-bit IEEE float (needs the device's f16 feature).
    F16,
    /// 32-bit two's-complement integer.
    I32,
    /// 32-bit unsigned integer: the type of indices, sizes, built-ins and dims.
    U32,
    /// A boolean: the type of comparisons and conditions (not storable in bindings).
    Bool,
}

impl Scalar {
    /// All scalars, in the order they print in messages.
    pub const ALL: [Scalar; 5] = [Scalar::F32, Scalar::F16, Scalar::I32, Scalar::U32, Scalar::Bool];

    /// The name as written in the text form.
    pub fn name(self) -> &'static str {
        match self {
            Scalar::F32 => "f32",
            Scalar::F16 => "f16",
            Scalar::I32 => "i32",
            Scalar::U32 => "u32",
            Scalar::Bool => "bool",
        }
    }

    /// The scalar with this text name.
    pub fn from_name(name: &str) -> Option<Scalar> {
        Scalar::ALL.into_iter().find(|s| s.name() == name)
    }

    /// `f32` or `f16`.
    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F16)
    }

    /// `i32` or `u32`.
    pub fn is_int(self) -> bool {
        matches!(self, Scalar::I32 | Scalar::U32)
    }

    /// A float or an integer (not `bool`).
    pub fn is_numeric(self) -> bool {
        self != Scalar::Bool
    }
}

/// A value type: a scalar or four of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// One scalar.
    Scalar(Scalar),
    /// Four scalars of one type (`vec4<f32>`): components `x y z w`.
    Vec4(Scalar),
}

impl Type {
    /// `f32`.
    pub const F32: Type = Type::Scalar(Scalar::F32);
    /// `f16`.
    pub const F16: Type = Type::Scalar(Scalar::F16);
    /// `i32`.
    pub const I32: Type = Type::Scalar(Scalar::I32);
    /// `u32`.
    pub const U32: Type = Type::Scalar(Scalar::U32);
    /// `bool`.
    pub const BOOL: Type = Type::Scalar(Scalar::Bool);

    /// The scalar, or the component type of a vector.
    pub fn scalar(self) -> Scalar {
        match self {
            Type::Scalar(s) | Type::Vec4(s) => s,
        }
    }

    /// Whether this is a `vec4`.
    pub fn is_vector(self) -> bool {
        matches!(self, Type::Vec4(_))
    }

    /// The same shape with another scalar (`vec4<f32>` → `vec4<bool>`).
    pub fn with_scalar(self, s: Scalar) -> Type {
        match self {
            Type::Scalar(_) => Type::Scalar(s),
            Type::Vec4(_) => Type::Vec4(s),
        }
    }
}

impl From<Scalar> for Type {
    fn from(s: Scalar) -> Type {
        Type::Scalar(s)
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Scalar(s) => write!(f, "{s}"),
            Type::Vec4(s) => write!(f, "vec4<{s}>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_shapes() {
        for s in Scalar::ALL {
            assert_eq!(Scalar::from_name(s.name()), Some(s));
        }
        assert_eq!(Type::Vec4(Scalar::F16).to_string(), "vec4<f16>");
        assert_eq!(
            Type::Vec4(Scalar::F32).with_scalar(Scalar::Bool),
            Type::Vec4(Scalar::Bool)
        );
        assert!(Scalar::F16.is_float() && Scalar::I32.is_int() && !Scalar::Bool.is_numeric());
    }
}
