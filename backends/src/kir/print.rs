//! The text form of a kernel, as [`parse`](super::parse::parse) reads it back.
//!
//! One item or statement per line, two spaces of indent per level, the fewest parentheses that
//! keep each expression tree, and kernel-level items in a fixed order (dims, bindings, shared
//! arrays, workgroup size, launch, functions, entry). See the [module docs](super) for the
//! grammar. The printer never fails: in a kernel that has not been verified, a handle out of
//! range prints as `<bad ... #n>` (which does not parse back).

use super::arena::Handle;
use super::body::{Block, Body, Expr, Function, Stmt};
use super::kernel::Kernel;
use super::local::Local;
use super::memory::BindingKind;
use super::ops::{component_name, Literal};
use std::fmt::{self, Write};

/// The text form of `k`.
pub fn print(k: &Kernel) -> String {
    let mut out = String::new();
    let _ = write_kernel(&mut out, k);
    out
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print(self))
    }
}

fn write_kernel(out: &mut String, k: &Kernel) -> fmt::Result {
    writeln!(out, "kernel {} {{", k.name)?;
    for (_, d) in k.dims.iter() {
        match d.decl {
            Some(decl) => writeln!(out, "  dim {} <= {} @param {}", d.name, decl.bound, decl.slot)?,
            None => writeln!(out, "  dim {}", d.name)?,
        }
    }
    for (_, b) in k.bindings.iter() {
        match b.kind {
            BindingKind::Storage { elem, access } => {
                writeln!(out, "  binding {} {}: array<{elem}> {}", b.index, b.name, access.name())?
            }
            BindingKind::Uniform => writeln!(out, "  binding {} {}: uniform", b.index, b.name)?,
        }
    }
    for (_, s) in k.shared.iter() {
        writeln!(
            out,
            "  shared {}: array<{}, {}>",
            s.name,
            s.elem,
            s.len.display(&k.dims)
        )?;
    }
    let [x, y, z] = k.workgroup_size;
    writeln!(out, "  workgroup_size {x} {y} {z}")?;
    let [x, y, z] = &k.dispatch.workgroups;
    let d = &k.dims;
    writeln!(out, "  launch {}, {}, {}", x.display(d), y.display(d), z.display(d))?;
    for (_, f) in k.functions.iter() {
        writeln!(out, "  {} {{", function_head(f))?;
        Printer { k, body: &f.body }.block(out, &f.body.block, 2)?;
        writeln!(out, "  }}")?;
    }
    writeln!(out, "  entry {{")?;
    Printer { k, body: &k.entry }.block(out, &k.entry.block, 2)?;
    writeln!(out, "  }}")?;
    writeln!(out, "}}")
}

/// `fn name(a: u32) -> f32 role operand_load`.
pub(crate) fn function_head(f: &Function) -> String {
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| match f.body.locals.get(*a) {
            Some(l) => format!("{}: {}", l.name, l.ty),
            None => format!("<bad local #{}>", a.index()),
        })
        .collect();
    let ret = f.ret.map(|t| format!(" -> {t}")).unwrap_or_default();
    format!("fn {}({}){ret} role {}", f.name, args.join(", "), f.role.name())
}

/// The first line of `s` as printed in `body` (without the ` {` of a compound statement).
pub(crate) fn stmt_head(k: &Kernel, body: &Body, s: &Stmt) -> String {
    let mut out = String::new();
    let _ = Printer { k, body }.head(&mut out, s);
    out
}

/// `h` as printed in `body`.
pub(crate) fn expr_text(k: &Kernel, body: &Body, h: Handle<Expr>) -> String {
    let mut out = String::new();
    let _ = Printer { k, body }.expr(&mut out, h, 0);
    out
}

/// The text of a literal.
pub fn literal_text(l: Literal) -> String {
    fn float(v: f32, suffix: &str) -> String {
        if v.is_nan() {
            format!("nan{suffix}")
        } else if v.is_infinite() {
            format!("{}inf{suffix}", if v < 0.0 { "-" } else { "" })
        } else {
            format!("{v:?}{suffix}")
        }
    }
    match l {
        Literal::F32(v) => float(v, ""),
        Literal::F16(v) => float(f32::from(v), "h"),
        Literal::I32(v) => format!("{v}i"),
        Literal::U32(v) => format!("{v}"),
        Literal::Bool(b) => format!("{b}"),
    }
}

struct Printer<'a> {
    k: &'a Kernel,
    body: &'a Body,
}

impl Printer<'_> {
    fn local(&self, h: Handle<Local>) -> String {
        self.body
            .locals
            .get(h)
            .map_or_else(|| format!("<bad local #{}>", h.index()), |l| l.name.clone())
    }

    fn decl(&self, h: Handle<Local>) -> String {
        match self.body.locals.get(h) {
            Some(l) => format!("{}: {}", l.name, l.ty),
            None => format!("<bad local #{}>: ?", h.index()),
        }
    }

    fn function(&self, h: Handle<Function>) -> String {
        self.k
            .functions
            .get(h)
            .map_or_else(|| format!("<bad fn #{}>", h.index()), |f| f.name.clone())
    }

    fn block(&self, out: &mut String, b: &Block, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        for s in b {
            out.push_str(&pad);
            self.head(out, s)?;
            match s {
                Stmt::If { accept, reject, .. } => {
                    out.push_str(" {\n");
                    self.block(out, accept, depth + 1)?;
                    if !reject.is_empty() {
                        writeln!(out, "{pad}}} else {{")?;
                        self.block(out, reject, depth + 1)?;
                    }
                    writeln!(out, "{pad}}}")?;
                }
                Stmt::For { body, .. } => {
                    out.push_str(" {\n");
                    self.block(out, body, depth + 1)?;
                    writeln!(out, "{pad}}}")?;
                }
                _ => out.push('\n'),
            }
        }
        Ok(())
    }

    fn head(&self, out: &mut String, s: &Stmt) -> fmt::Result {
        match s {
            Stmt::Let { local, value } | Stmt::Var { local, init: value } => {
                let kw = if matches!(s, Stmt::Let { .. }) { "let" } else { "var" };
                write!(out, "{kw} {} = ", self.decl(*local))?;
                self.expr(out, *value, 0)
            }
            Stmt::Assign { local, value } => {
                write!(out, "{} = ", self.local(*local))?;
                self.expr(out, *value, 0)
            }
            Stmt::Store { target, index, value } => {
                write!(out, "store {}[", self.k.memory_name(*target))?;
                self.expr(out, *index, 0)?;
                out.push_str("] = ");
                self.expr(out, *value, 0)
            }
            Stmt::If { cond, .. } => {
                out.push_str("if ");
                self.expr(out, *cond, 0)
            }
            Stmt::For {
                var, start, end, step, ..
            } => {
                write!(out, "for {} in ", self.decl(*var))?;
                self.expr(out, *start, 0)?;
                out.push_str(" .. ");
                self.expr(out, *end, 0)?;
                out.push_str(" step ");
                self.expr(out, *step, 0)
            }
            Stmt::Barrier => {
                out.push_str("barrier");
                Ok(())
            }
            Stmt::Return(None) => {
                out.push_str("return");
                Ok(())
            }
            Stmt::Return(Some(v)) => {
                out.push_str("return ");
                self.expr(out, *v, 0)
            }
            Stmt::Call { function, args } => {
                write!(out, "call {}", self.function(*function))?;
                self.args(out, args)
            }
        }
    }

    fn args(&self, out: &mut String, args: &[Handle<Expr>]) -> fmt::Result {
        out.push('(');
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.expr(out, *a, 0)?;
        }
        out.push(')');
        Ok(())
    }

    /// Writes `h` with parentheses when it binds looser than `min_prec`. An operand that is not
    /// before `h` in the arena (a cycle, in an unverified kernel) prints as a bad handle, so
    /// printing always ends.
    fn expr(&self, out: &mut String, h: Handle<Expr>, min_prec: u8) -> fmt::Result {
        let Some(e) = self.body.exprs.get(h) else {
            return write!(out, "<bad expr #{}>", h.index());
        };
        if e.operands().iter().any(|o| *o >= h) {
            return write!(out, "<bad expr #{}>", h.index());
        }
        let prec = match e {
            Expr::Binary { op, .. } if op.symbol().is_some() => op.precedence(),
            _ => u8::MAX,
        };
        if prec < min_prec {
            out.push('(');
            self.expr(out, h, 0)?;
            out.push(')');
            return Ok(());
        }
        match e {
            Expr::Literal(l) => out.push_str(&literal_text(*l)),
            Expr::Local(l) => out.push_str(&self.local(*l)),
            Expr::Dim(d) => out.push_str(&super::extent::dim_name(&self.k.dims, *d)),
            Expr::Builtin(b) => {
                out.push_str(b.base_name());
                if let super::ops::Builtin::GlobalId(a)
                | super::ops::Builtin::LocalId(a)
                | super::ops::Builtin::WorkgroupId(a)
                | super::ops::Builtin::NumWorkgroups(a) = b
                {
                    write!(out, ".{}", a.name())?;
                }
            }
            Expr::Load { source, index } => {
                write!(out, "{}[", self.k.memory_name(*source))?;
                self.expr(out, *index, 0)?;
                out.push(']');
            }
            Expr::Unary { op, arg } => {
                out.push_str(op.name());
                self.args(out, &[*arg])?;
            }
            Expr::Binary { op, left, right } => match op.symbol() {
                Some(sym) => {
                    self.expr(out, *left, prec)?;
                    write!(out, " {sym} ")?;
                    self.expr(out, *right, prec + 1)?;
                }
                // Every operation without a symbol has a call name.
                None => {
                    out.push_str(op.call_name().unwrap_or_default());
                    self.args(out, &[*left, *right])?;
                }
            },
            Expr::Select { cond, accept, reject } => {
                out.push_str("select");
                self.args(out, &[*cond, *accept, *reject])?;
            }
            Expr::Cast { to, value } => {
                write!(out, "cast<{to}>")?;
                self.args(out, &[*value])?;
            }
            Expr::Splat { scalar, value } => {
                write!(out, "vec4<{scalar}>")?;
                self.args(out, &[*value])?;
            }
            Expr::Compose { scalar, components } => {
                write!(out, "vec4<{scalar}>")?;
                self.args(out, components)?;
            }
            Expr::Component { vector, index } => {
                self.expr(out, *vector, u8::MAX)?;
                match component_name(*index) {
                    Some(c) => write!(out, ".{c}")?,
                    None => write!(out, ".<bad component {index}>")?,
                }
            }
            Expr::Call { function, args } => {
                out.push_str(&self.function(*function));
                self.args(out, args)?;
            }
        }
        Ok(())
    }
}
