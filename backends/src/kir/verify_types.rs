//! The verifier's types of expressions (see `verify_body`): no implicit conversions.
//!
//! Both operands of a binary operation have one type (a shift amount is `u32` of the same
//! shape); arithmetic and ordering need numbers, `&&`/`||` `bool`, bit operations integers;
//! comparisons give `bool` of the operands' shape. Indices are `u32`; `select` takes a `bool`
//! (or, for vectors, a `vec4<bool>`) and two values of one type; a cast keeps the shape.

use super::arena::Handle;
use super::body::Expr;
use super::error::KirError;
use super::ops::{BinaryOp, UnaryOp};
use super::print::expr_text;
use super::types::{Scalar, Type};
use super::verify_body::BodyCheck;

impl BodyCheck<'_> {
    /// The type of `h` (memoized), checking its operands' types.
    pub(super) fn ty(&mut self, h: Handle<Expr>) -> Result<Type, KirError> {
        if let Some(Some(t)) = self.types.get(h.index()) {
            return Ok(*t);
        }
        let t = self.compute_ty(h)?;
        if let Some(slot) = self.types.get_mut(h.index()) {
            *slot = Some(t);
        }
        Ok(t)
    }

    fn compute_ty(&mut self, h: Handle<Expr>) -> Result<Type, KirError> {
        let text = |c: &Self, h| expr_text(c.k, c.body, h);
        let e = self.expr(h)?;
        Ok(match e {
            Expr::Literal(l) => Type::Scalar(l.scalar()),
            Expr::Local(l) => self.local(*l)?.ty,
            Expr::Dim(d) => {
                if self.k.dims.get(*d).and_then(|d| d.decl).is_none() {
                    return Err(KirError::UnknownDim {
                        at: self.at.clone(),
                        dim: super::extent::dim_name(&self.k.dims, *d),
                    });
                }
                Type::U32
            }
            Expr::Builtin(_) => Type::U32,
            Expr::Load { source, index } => {
                let t = self.ty(*index)?;
                if t != Type::U32 {
                    let what = format!("the index of `{}`", text(self, h));
                    return Err(KirError::mismatch(&self.at, what, Type::U32, t));
                }
                self.memory(*source, false)?
            }
            Expr::Unary { op, arg } => {
                let t = self.ty(*arg)?;
                if !op.accepts(t.scalar()) {
                    let what = format!("the operand of `{}`", text(self, h));
                    let kind = if matches!(op, UnaryOp::Neg) {
                        "a float or i32"
                    } else if matches!(op, UnaryOp::Abs) {
                        "a number"
                    } else if matches!(op, UnaryOp::Not) {
                        "a bool or an integer"
                    } else if matches!(op, UnaryOp::RoundF16 | UnaryOp::RoundBf16) {
                        "an f32"
                    } else {
                        "a float"
                    };
                    return Err(KirError::mismatch(&self.at, what, kind, t));
                }
                t
            }
            Expr::Binary { op, left, right } => self.binary_ty(h, *op, *left, *right)?,
            Expr::Select { cond, accept, reject } => {
                let (c, a, r) = (self.ty(*cond)?, self.ty(*accept)?, self.ty(*reject)?);
                if a != r {
                    return Err(KirError::mismatch(
                        &self.at,
                        format!("the third argument of `{}`", text(self, h)),
                        a,
                        r,
                    ));
                }
                if c != Type::BOOL && c != a.with_scalar(Scalar::Bool) {
                    let want = a.with_scalar(Scalar::Bool);
                    return Err(KirError::mismatch(
                        &self.at,
                        format!("the condition of `{}`", text(self, h)),
                        want,
                        c,
                    ));
                }
                a
            }
            Expr::Cast { to, value } => {
                let t = self.ty(*value)?;
                if t.is_vector() != to.is_vector() {
                    let what = format!("the operand of `{}`", text(self, h));
                    return Err(KirError::mismatch(&self.at, what, to.with_scalar(t.scalar()), t));
                }
                *to
            }
            Expr::Splat { scalar, value } => {
                let t = self.ty(*value)?;
                if t != Type::Scalar(*scalar) {
                    return Err(KirError::mismatch(
                        &self.at,
                        format!("the operand of `{}`", text(self, h)),
                        scalar,
                        t,
                    ));
                }
                Type::Vec4(*scalar)
            }
            Expr::Compose { scalar, components } => {
                for (i, c) in components.iter().enumerate() {
                    let t = self.ty(*c)?;
                    if t != Type::Scalar(*scalar) {
                        let what = format!("component {i} of `{}`", text(self, h));
                        return Err(KirError::mismatch(&self.at, what, scalar, t));
                    }
                }
                Type::Vec4(*scalar)
            }
            Expr::Component { vector, index } => {
                let t = self.ty(*vector)?;
                if !t.is_vector() {
                    return Err(KirError::mismatch(
                        &self.at,
                        format!("the vector of `{}`", text(self, h)),
                        "a vec4",
                        t,
                    ));
                }
                if *index > 3 {
                    return Err(KirError::invalid(
                        &self.at,
                        format!("component {index} of a vec4 (0 to 3)"),
                    ));
                }
                Type::Scalar(t.scalar())
            }
            Expr::Call { function, args } => {
                let callee = self.call(*function, args)?;
                callee.ret.ok_or_else(|| {
                    KirError::invalid(
                        &self.at,
                        format!(
                            "`{}` returns nothing; call it as a statement (`call {}(..)`)",
                            callee.name, callee.name
                        ),
                    )
                })?
            }
        })
    }

    fn binary_ty(
        &mut self,
        h: Handle<Expr>,
        op: BinaryOp,
        left: Handle<Expr>,
        right: Handle<Expr>,
    ) -> Result<Type, KirError> {
        use BinaryOp::*;
        let (l, r) = (self.ty(left)?, self.ty(right)?);
        let text = expr_text(self.k, self.body, h);
        let operand = |side: &str| format!("the {side} operand of `{text}`");
        if matches!(op, Shl | Shr) {
            if !l.scalar().is_int() {
                return Err(KirError::mismatch(&self.at, operand("left"), "an integer", l));
            }
            if r != l.with_scalar(Scalar::U32) {
                return Err(KirError::mismatch(
                    &self.at,
                    operand("right"),
                    l.with_scalar(Scalar::U32),
                    r,
                ));
            }
            return Ok(l);
        }
        if l != r {
            return Err(KirError::mismatch(&self.at, operand("right"), l, r));
        }
        let s = l.scalar();
        let (ok, kind) = match op {
            Add | Sub | Mul | Div | Rem | Min | Max | Lt | Le | Gt | Ge => (s.is_numeric(), "a number"),
            Pow => (s.is_float() || s == Scalar::I32, "a float or i32"),
            Eq | Ne => (true, ""),
            And | Or => (s == Scalar::Bool, "bool"),
            BitAnd | BitOr | BitXor => (s.is_int(), "an integer"),
            Shl | Shr => (true, ""),
        };
        if !ok {
            return Err(KirError::mismatch(&self.at, operand("left"), kind, l));
        }
        Ok(if op.is_comparison() {
            l.with_scalar(Scalar::Bool)
        } else {
            l
        })
    }
}
