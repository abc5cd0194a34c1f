//! The parser's expressions, extents, types and literals (see [`parse`](super::parse)).
//!
//! Binary operators climb by [`BinaryOp::precedence`], all left associative; everything else is
//! written as a call (`exp(x)`, `min(a, b)`, `select(c, a, b)`, `cast<f32>(x)`, `vec4<f32>(..)`).
//! A `-` directly before a number is part of the literal (`-1.0`, `a - -1.0`); negation of
//! anything else is `neg(x)`.

use super::arena::Handle;
use super::body::Expr;
use super::error::KirError;
use super::extent::Extent;
use super::lex::Tok;
use super::ops::{Axis, BinaryOp, Builtin, Literal, UnaryOp};
use super::parse::Parser;
use super::types::{Scalar, Type};
use std::ops::{Add, Mul};

/// The binary operator a punctuation token is.
fn binary_op(t: &Tok) -> Option<BinaryOp> {
    use BinaryOp::*;
    let Tok::Punct(p) = t else { return None };
    Some(match *p {
        "||" => Or,
        "&&" => And,
        "==" => Eq,
        "!=" => Ne,
        "<" => Lt,
        "<=" => Le,
        ">" => Gt,
        ">=" => Ge,
        "|" => BitOr,
        "^" => BitXor,
        "&" => BitAnd,
        "<<" => Shl,
        ">>" => Shr,
        "+" => Add,
        "-" => Sub,
        "*" => Mul,
        "/" => Div,
        "%" => Rem,
        _ => return None,
    })
}

impl Parser {
    fn push(&mut self, e: Expr) -> Handle<Expr> {
        self.body.body.exprs.append(e)
    }

    /// An expression.
    pub(super) fn expr(&mut self) -> Result<Handle<Expr>, KirError> {
        self.binary(1)
    }

    fn binary(&mut self, min_prec: u8) -> Result<Handle<Expr>, KirError> {
        self.nest()?;
        let mut left = self.postfix()?;
        // Each operator of a chain (`a + b + c`) deepens the left-leaning tree by one: it counts
        // as nesting, so no chain builds a tree deeper than the limit.
        let mut chain = 0;
        while let Some(op) = binary_op(self.peek()).filter(|op| op.precedence() >= min_prec) {
            self.advance();
            self.nest()?;
            chain += 1;
            let right = self.binary(op.precedence() + 1)?;
            left = self.push(Expr::Binary { op, left, right });
        }
        self.depth -= 1 + chain;
        Ok(left)
    }

    /// A primary with its `.x` component selections.
    fn postfix(&mut self) -> Result<Handle<Expr>, KirError> {
        let mut e = self.primary()?;
        let mut chain = 0;
        while self.is_punct(".") {
            self.advance();
            self.nest()?;
            chain += 1;
            let index = match self.peek() {
                Tok::Ident(c) => ["x", "y", "z", "w"].iter().position(|n| n == c),
                _ => None,
            };
            let index = index.ok_or_else(|| self.expected("a component (`x`, `y`, `z` or `w`)"))?;
            self.advance();
            e = self.push(Expr::Component {
                vector: e,
                index: u8::try_from(index).unwrap_or(0),
            });
        }
        self.depth -= chain;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Handle<Expr>, KirError> {
        let t = self.peek().clone();
        match t {
            Tok::Number(_) => {
                let l = self.literal(false)?;
                Ok(self.push(Expr::Literal(l)))
            }
            Tok::Punct("-") => {
                let at = self.pos;
                self.advance();
                if !matches!(self.peek(), Tok::Number(_)) && !self.is_word("inf") && !self.is_word("infh") {
                    return Err(self.expected("a number after `-` (negate other values with `neg(x)`)"));
                }
                match self.literal(true) {
                    Ok(l) => Ok(self.push(Expr::Literal(l))),
                    Err(KirError::Parse { message, .. }) => {
                        self.pos = at;
                        Err(self.error(message))
                    }
                    Err(e) => Err(e),
                }
            }
            Tok::Punct("(") => {
                self.advance();
                let e = self.expr()?;
                self.expect_punct(")")?;
                Ok(e)
            }
            Tok::Ident(w) => self.named(w),
            _ => Err(self.expected("an expression")),
        }
    }

    /// A primary that starts with a name.
    fn named(&mut self, w: String) -> Result<Handle<Expr>, KirError> {
        if matches!(w.as_str(), "true" | "false" | "inf" | "infh" | "nan" | "nanh") {
            let l = self.literal(false)?;
            return Ok(self.push(Expr::Literal(l)));
        }
        let followed_by = |p: &Self, s: &str| matches!(p.peek_at(1), Tok::Punct(q) if *q == s);
        if matches!(
            w.as_str(),
            "global_id" | "local_id" | "workgroup_id" | "num_workgroups" | "local_index"
        ) {
            return self.builtin(&w);
        }
        let e = match w.as_str() {
            "select" => {
                self.advance();
                let a = self.three_args()?;
                Expr::Select {
                    cond: a[0],
                    accept: a[1],
                    reject: a[2],
                }
            }
            "cast" if followed_by(self, "<") => {
                self.advance();
                self.advance();
                let to = self.ty()?;
                self.expect_close_angle()?;
                let value = self.one_arg()?;
                Expr::Cast { to, value }
            }
            "vec4" if followed_by(self, "<") => {
                self.advance();
                self.advance();
                let scalar = self.scalar()?;
                self.expect_close_angle()?;
                let at = self.pos;
                let args = self.call_args()?;
                match args[..] {
                    [value] => Expr::Splat { scalar, value },
                    [a, b, c, d] => Expr::Compose {
                        scalar,
                        components: [a, b, c, d],
                    },
                    _ => {
                        self.pos = at;
                        return Err(self.error(format!("`vec4` takes 1 or 4 values, not {}", args.len())));
                    }
                }
            }
            "min" | "max" | "pow" if followed_by(self, "(") => {
                self.advance();
                self.expect_punct("(")?;
                let left = self.expr()?;
                self.expect_punct(",")?;
                let right = self.expr()?;
                self.expect_punct(")")?;
                let op = match w.as_str() {
                    "min" => BinaryOp::Min,
                    "max" => BinaryOp::Max,
                    _ => BinaryOp::Pow,
                };
                Expr::Binary { op, left, right }
            }
            _ if followed_by(self, "(") => match UnaryOp::from_name(&w) {
                Some(op) => {
                    self.advance();
                    let arg = self.one_arg()?;
                    Expr::Unary { op, arg }
                }
                None => {
                    let function = self.callee()?;
                    let args = self.call_args()?;
                    Expr::Call { function, args }
                }
            },
            _ if followed_by(self, "[") => {
                let source = self.memory()?;
                self.advance();
                let index = self.expr()?;
                self.expect_punct("]")?;
                Expr::Load { source, index }
            }
            _ => {
                if let Some(l) = self.lookup_local(&w) {
                    self.advance();
                    Expr::Local(l)
                } else if let Some((d, _)) = self.names.dims.find(|d| d.name == w) {
                    self.advance();
                    Expr::Dim(d)
                } else {
                    return Err(self.error(format!("unknown name `{w}` (not a local or a dim)")));
                }
            }
        };
        Ok(self.push(e))
    }

    fn builtin(&mut self, base: &str) -> Result<Handle<Expr>, KirError> {
        self.advance();
        let axis = if base == "local_index" {
            None
        } else {
            self.expect_punct(".")?;
            let axis = match self.peek() {
                Tok::Ident(a) => Axis::ALL.into_iter().find(|x| x.name() == a),
                _ => None,
            };
            let axis = axis.ok_or_else(|| self.expected("an axis (`x`, `y` or `z`)"))?;
            self.advance();
            Some(axis)
        };
        let b = Builtin::from_name(base, axis).ok_or_else(|| self.error(format!("unknown built-in `{base}`")))?;
        Ok(self.push(Expr::Builtin(b)))
    }

    fn one_arg(&mut self) -> Result<Handle<Expr>, KirError> {
        self.expect_punct("(")?;
        let e = self.expr()?;
        self.expect_punct(")")?;
        Ok(e)
    }

    fn three_args(&mut self) -> Result<[Handle<Expr>; 3], KirError> {
        self.expect_punct("(")?;
        let a = self.expr()?;
        self.expect_punct(",")?;
        let b = self.expr()?;
        self.expect_punct(",")?;
        let c = self.expr()?;
        self.expect_punct(")")?;
        Ok([a, b, c])
    }

    /// A literal at the current token; `negative` when a `-` came just before it.
    fn literal(&mut self, negative: bool) -> Result<Literal, KirError> {
        let text = match self.peek() {
            Tok::Number(s) | Tok::Ident(s) => s.clone(),
            _ => return Err(self.expected("a literal")),
        };
        let l = literal_value(&text, negative).map_err(|m| self.error(m))?;
        self.advance();
        Ok(l)
    }

    // ---- types ----------------------------------------------------------------------------

    /// `f32`, ..., or `vec4<S>`.
    pub(super) fn ty(&mut self) -> Result<Type, KirError> {
        if self.is_word("vec4") {
            self.advance();
            self.expect_punct("<")?;
            let s = self.scalar()?;
            self.expect_close_angle()?;
            return Ok(Type::Vec4(s));
        }
        Ok(Type::Scalar(self.scalar()?))
    }

    fn scalar(&mut self) -> Result<Scalar, KirError> {
        let s = match self.peek() {
            Tok::Ident(w) => Scalar::from_name(w),
            _ => None,
        };
        let s = s.ok_or_else(|| self.expected("a type (`f32`, `f16`, `i32`, `u32`, `bool` or `vec4<..>`)"))?;
        self.advance();
        Ok(s)
    }

    // ---- extents --------------------------------------------------------------------------

    /// `term (+ term)*`.
    pub(super) fn extent(&mut self) -> Result<Extent, KirError> {
        self.nest()?;
        let mut e = self.extent_term()?;
        // As in `binary`: each operator of a chain deepens the tree by one.
        let mut chain = 0;
        while self.eat_punct("+") {
            self.nest()?;
            chain += 1;
            e = e.add(self.extent_term()?);
        }
        self.depth -= 1 + chain;
        Ok(e)
    }

    /// `atom ((* | /) atom)*`.
    fn extent_term(&mut self) -> Result<Extent, KirError> {
        let mut e = self.extent_atom()?;
        let mut chain = 0;
        loop {
            if self.eat_punct("*") {
                self.nest()?;
                chain += 1;
                e = e.mul(self.extent_atom()?);
            } else if self.eat_punct("/") {
                self.nest()?;
                chain += 1;
                e = e.floor_div(self.extent_atom()?);
            } else {
                self.depth -= chain;
                return Ok(e);
            }
        }
    }

    /// An integer, a dim, `min(a, b)` or `(e)`.
    fn extent_atom(&mut self) -> Result<Extent, KirError> {
        if matches!(self.peek(), Tok::Number(_)) {
            return Ok(Extent::Const(self.int("an integer")?));
        }
        if self.eat_punct("(") {
            let e = self.extent()?;
            self.expect_punct(")")?;
            return Ok(e);
        }
        let name = self.name("an extent (an integer, a dim, `min(a, b)` or `(..)`)")?;
        if name == "min" && self.is_punct("(") {
            self.advance();
            let a = self.extent()?;
            self.expect_punct(",")?;
            let b = self.extent()?;
            self.expect_punct(")")?;
            return Ok(a.min(b));
        }
        Ok(self.extent_dim(name))
    }
}

/// The value of literal `text` (a number with its suffix, `true`, `inf`, ...), negated when
/// `negative`.
fn literal_value(text: &str, negative: bool) -> Result<Literal, String> {
    let sign = if negative { -1.0f32 } else { 1.0 };
    match text {
        "true" | "false" if !negative => return Ok(Literal::Bool(text == "true")),
        "inf" => return Ok(Literal::F32(sign * f32::INFINITY)),
        "infh" => return Ok(Literal::F16(half::f16::from_f32(sign * f32::INFINITY))),
        "nan" if !negative => return Ok(Literal::F32(f32::NAN)),
        "nanh" if !negative => return Ok(Literal::F16(half::f16::NAN)),
        _ => {}
    }
    let (digits, suffix) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c)),
        _ => (text, None),
    };
    let float_form = digits.contains(['.', 'e', 'E']);
    let bad = || format!("`{}{text}` is not a valid literal", if negative { "-" } else { "" });
    match (suffix, float_form) {
        (None, true) => digits.parse::<f32>().map(|v| Literal::F32(sign * v)).map_err(|_| bad()),
        (Some('h'), _) => digits
            .parse::<f32>()
            .map(|v| Literal::F16(half::f16::from_f32(sign * v)))
            .map_err(|_| bad()),
        (None | Some('u'), false) if !negative => digits.parse::<u32>().map(Literal::U32).map_err(|_| bad()),
        (None | Some('u'), false) => Err(format!(
            "`-{text}`: a u32 is never negative (write `-{digits}i` for an i32)"
        )),
        (Some('i'), false) => {
            let v = digits.parse::<i64>().map_err(|_| bad())?;
            let v = if negative { -v } else { v };
            i32::try_from(v).map(Literal::I32).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}
