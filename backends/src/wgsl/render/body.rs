//! Bodies as WGSL: expression trees written inline, statements one a line.
//!
//! Every binary operation is parenthesized, so kir's tree is kept whatever WGSL's precedence
//! (which also forbids mixing some operators without parentheses, as `a & b == c`). Types are
//! worked out once per body (operands come before their users in the arena), for what WGSL
//! spells by type: `not` is `!` on `bool` and `~` on integers, and `&&`/`||` on `vec4<bool>`
//! are `&`/`|`.
//!
//! A kir `for` evaluates `start`, `end` and `step` once, before the first trip; WGSL's `for`
//! re-evaluates its condition and update every trip. Where `end` and `step` read only
//! literals, dims, built-ins and immutable locals the two agree and the loop is written as is;
//! otherwise the three are bound to `let k_startN`, `k_endN`, `k_stepN` in a block around it.

use super::names::{literal, name};
use super::RenderError;
use crate::kir::{BinaryOp, Body, Builtin, Expr, Handle, Kernel, LocalKind, Memory, Scalar, Stmt, Type, UnaryOp};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Renders one body of `k`.
pub(super) struct BodyWriter<'a> {
    k: &'a Kernel,
    body: &'a Body,
    /// The WGSL name of the uniform parameter buffer (dims are its fields).
    params: &'a str,
    /// The type of each expression, by index.
    types: Vec<Type>,
    /// How many loops have had their bounds bound to lets (for fresh names).
    hoisted: usize,
    /// The math-library helpers ([`crate::wgsl::helpers`]) the body calls.
    helpers: RefCell<BTreeSet<&'static str>>,
    pub(super) out: String,
}

impl<'a> BodyWriter<'a> {
    /// A writer for `body`, with its expression types worked out.
    pub(super) fn new(k: &'a Kernel, body: &'a Body, params: &'a str) -> Result<Self, RenderError> {
        let types = expr_types(k, body)?;
        Ok(BodyWriter {
            k,
            body,
            params,
            types,
            hoisted: 0,
            helpers: RefCell::new(BTreeSet::new()),
            out: String::new(),
        })
    }

    /// The helpers the body written so far calls.
    pub(super) fn helpers(&self) -> BTreeSet<&'static str> {
        self.helpers.borrow().clone()
    }

    /// `f` applied to `args` (texts of type `ty`), per component when `ty` is a `vec4`: the
    /// operands are pure, so writing each four times (`a.x`, `a.y`, ..) is the same value.
    fn per_component(&self, ty: Type, out: Scalar, args: &[String], f: impl Fn(&[String]) -> String) -> String {
        if !ty.is_vector() {
            return f(args);
        }
        let parts: Vec<String> = ['x', 'y', 'z', 'w']
            .iter()
            .map(|c| f(&args.iter().map(|a| format!("{a}.{c}")).collect::<Vec<_>>()))
            .collect();
        format!("vec4<{out}>({})", parts.join(", "))
    }

    /// A call of math helper `name` on `args` of float type `ty` (an `f16` computes in `f32`).
    fn helper(&self, name: &'static str, args: &[String], ty: Type) -> String {
        self.helpers.borrow_mut().insert(name);
        let s = ty.scalar();
        self.per_component(ty, s, args, |args| {
            if s == Scalar::F16 {
                let wide: Vec<String> = args.iter().map(|a| format!("f32({a})")).collect();
                format!("f16({name}({}))", wide.join(", "))
            } else {
                format!("{name}({})", args.join(", "))
            }
        })
    }

    /// `cast<to>(v)` with kir's rules: float to integer saturates and NaN gives 0 (WGSL leaves
    /// NaN undefined); `bool` converts by `select` and to `bool` by `!(x == 0)` (WGSL's `!=` on
    /// floats is ordered: false for NaN, which must convert to true).
    fn cast(&self, to: Type, from: Type, v: String) -> String {
        let (fs, ts) = (from.scalar(), to.scalar());
        if fs == ts {
            return v;
        }
        if fs.is_float() && ts.is_int() {
            let (f, bounds) = if ts == Scalar::I32 {
                ("e_f2i", ", -2147483648.0, 2147483520.0")
            } else {
                ("e_f2u", "")
            };
            self.helpers.borrow_mut().insert(f);
            return self.per_component(from, ts, &[v], |a| {
                let x = if fs == Scalar::F16 {
                    format!("f32({})", a[0])
                } else {
                    a[0].clone()
                };
                format!("{f}({x}{bounds})")
            });
        }
        if fs == Scalar::Bool {
            return format!("select({to}(0), {to}(1), {v})");
        }
        if ts == Scalar::Bool {
            return format!("(!({v} == {from}(0)))");
        }
        format!("{to}({v})")
    }

    /// The types of every expression and local of the body.
    pub(super) fn types(&self) -> impl Iterator<Item = Type> + '_ {
        self.types
            .iter()
            .copied()
            .chain(self.body.locals.iter().map(|(_, l)| l.ty))
    }

    fn fail(&self, message: impl Into<String>) -> RenderError {
        RenderError::new(&self.k.name, message)
    }

    fn ty(&self, h: Handle<Expr>) -> Result<Type, RenderError> {
        self.types
            .get(h.index())
            .copied()
            .ok_or_else(|| self.fail(format!("expression #{} is out of range", h.index())))
    }

    /// The WGSL name of local `l`.
    pub(super) fn local(&self, l: Handle<crate::kir::Local>) -> Result<String, RenderError> {
        let local = self
            .body
            .locals
            .get(l)
            .ok_or_else(|| self.fail("a local is out of range"))?;
        Ok(name(&local.name))
    }

    fn local_ty(&self, l: Handle<crate::kir::Local>) -> Result<Type, RenderError> {
        let local = self
            .body
            .locals
            .get(l)
            .ok_or_else(|| self.fail("a local is out of range"))?;
        Ok(local.ty)
    }

    fn memory(&self, m: Memory) -> Result<String, RenderError> {
        let n = match m {
            Memory::Binding(b) => self.k.bindings.get(b).map(|b| &b.name),
            Memory::Shared(s) => self.k.shared.get(s).map(|s| &s.name),
        };
        n.map(|n| name(n))
            .ok_or_else(|| self.fail("a memory reference is out of range"))
    }

    fn function(&self, f: Handle<crate::kir::Function>) -> Result<String, RenderError> {
        let f = self
            .k
            .functions
            .get(f)
            .ok_or_else(|| self.fail("a call's function is out of range"))?;
        Ok(name(&f.name))
    }

    fn args(&self, args: &[Handle<Expr>]) -> Result<String, RenderError> {
        let args: Vec<String> = args.iter().map(|a| self.expr(*a)).collect::<Result<_, _>>()?;
        Ok(args.join(", "))
    }

    /// The WGSL text of expression `h`.
    pub(super) fn expr(&self, h: Handle<Expr>) -> Result<String, RenderError> {
        let e = self
            .body
            .exprs
            .get(h)
            .ok_or_else(|| self.fail("an expression is out of range"))?;
        Ok(match e {
            Expr::Literal(l) => literal(*l),
            Expr::Local(l) => self.local(*l)?,
            Expr::Dim(d) => {
                let dim = self.k.dims.get(*d).ok_or_else(|| self.fail("a dim is out of range"))?;
                format!("{}.{}", self.params, name(&dim.name))
            }
            Expr::Builtin(b) => match b {
                Builtin::LocalIndex => b.base_name().to_string(),
                Builtin::GlobalId(a) | Builtin::LocalId(a) | Builtin::WorkgroupId(a) | Builtin::NumWorkgroups(a) => {
                    format!("{}.{}", b.base_name(), a.name())
                }
            },
            Expr::Load { source, index } => format!("{}[{}]", self.memory(*source)?, self.expr(*index)?),
            Expr::Unary { op, arg } => {
                let a = self.expr(*arg)?;
                let t = self.ty(*arg)?;
                match op {
                    UnaryOp::Tanh => self.helper("e_tanh", &[a], t),
                    UnaryOp::Log => self.helper("e_log", &[a], t),
                    UnaryOp::Erf => self.helper("e_erf", &[a], t),
                    UnaryOp::Sigmoid => self.helper("e_sigmoid", &[a], t),
                    UnaryOp::RoundF16 => self.helper("e_round_f16", &[a], t),
                    UnaryOp::RoundBf16 => self.helper("e_round_bf16", &[a], t),
                    UnaryOp::Neg => format!("(-{a})"),
                    UnaryOp::Not if self.ty(*arg)?.scalar() == Scalar::Bool => format!("(!{a})"),
                    UnaryOp::Not => format!("(~{a})"),
                    UnaryOp::Rsqrt => format!("inverseSqrt({a})"),
                    _ => format!("{}({a})", op.name()),
                }
            }
            Expr::Binary { op, left, right } => {
                let (l, r) = (self.expr(*left)?, self.expr(*right)?);
                let t = self.ty(*left)?;
                let (vector, float) = (t.is_vector(), t.scalar().is_float());
                match (op, op.symbol()) {
                    (BinaryOp::Min, _) if float => self.helper("e_fmin", &[l, r], t),
                    (BinaryOp::Max, _) if float => self.helper("e_fmax", &[l, r], t),
                    (BinaryOp::Pow, _) if float => self.helper("e_pow", &[l, r], t),
                    (BinaryOp::Pow, _) => {
                        self.helpers.borrow_mut().insert("e_ipow");
                        self.per_component(t, Scalar::I32, &[l, r], |a| format!("e_ipow({}, {})", a[0], a[1]))
                    }
                    (BinaryOp::Min, _) => format!("min({l}, {r})"),
                    (BinaryOp::Max, _) => format!("max({l}, {r})"),
                    (BinaryOp::And, _) if vector => format!("({l} & {r})"),
                    (BinaryOp::Or, _) if vector => format!("({l} | {r})"),
                    (_, Some(sym)) => format!("({l} {sym} {r})"),
                    (_, None) => return Err(self.fail(format!("binary operation {op:?} has no WGSL form"))),
                }
            }
            Expr::Select { cond, accept, reject } => {
                // kir: select(cond, accept, reject); WGSL: select(reject, accept, cond).
                format!(
                    "select({}, {}, {})",
                    self.expr(*reject)?,
                    self.expr(*accept)?,
                    self.expr(*cond)?
                )
            }
            Expr::Cast { to, value } => self.cast(*to, self.ty(*value)?, self.expr(*value)?),
            Expr::Splat { scalar, value } => format!("vec4<{scalar}>({})", self.expr(*value)?),
            Expr::Compose { scalar, components } => format!("vec4<{scalar}>({})", self.args(components)?),
            Expr::Component { vector, index } => {
                let c = crate::kir::ops::component_name(*index)
                    .ok_or_else(|| self.fail(format!("component {index} of a vec4 (0 to 3)")))?;
                format!("{}.{c}", self.expr(*vector)?)
            }
            Expr::Call { function, args } => format!("{}({})", self.function(*function)?, self.args(args)?),
        })
    }

    /// Whether `h` has the same value on every evaluation in a loop that does not assign it:
    /// it reads no `var`, no memory and calls nothing.
    fn invariant(&self, h: Handle<Expr>) -> bool {
        match self.body.exprs.get(h) {
            None | Some(Expr::Load { .. }) | Some(Expr::Call { .. }) => false,
            Some(Expr::Local(l)) => self.body.locals.get(*l).is_some_and(|l| l.kind != LocalKind::Var),
            Some(e) => e.operands().into_iter().all(|o| self.invariant(o)),
        }
    }

    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// Writes `block` at indent `depth`.
    pub(super) fn block(&mut self, block: &[Stmt], depth: usize) -> Result<(), RenderError> {
        for s in block {
            self.stmt(s, depth)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt, depth: usize) -> Result<(), RenderError> {
        match s {
            Stmt::Let { local, value } | Stmt::Var { local, init: value } => {
                let word = if matches!(s, Stmt::Let { .. }) { "let" } else { "var" };
                let text = format!(
                    "{word} {}: {} = {};",
                    self.local(*local)?,
                    self.local_ty(*local)?,
                    self.expr(*value)?
                );
                self.line(depth, &text);
            }
            Stmt::Assign { local, value } => {
                let text = format!("{} = {};", self.local(*local)?, self.expr(*value)?);
                self.line(depth, &text);
            }
            Stmt::Store { target, index, value } => {
                let text = format!(
                    "{}[{}] = {};",
                    self.memory(*target)?,
                    self.expr(*index)?,
                    self.expr(*value)?
                );
                self.line(depth, &text);
            }
            Stmt::If { cond, accept, reject } => {
                let c = self.expr(*cond)?;
                // A binary operation is already in parentheses (except min and max, calls).
                let wrapped =
                    matches!(self.body.exprs.get(*cond), Some(Expr::Binary { op, .. }) if op.symbol().is_some());
                let text = if wrapped {
                    format!("if {c} {{")
                } else {
                    format!("if ({c}) {{")
                };
                self.line(depth, &text);
                self.block(accept, depth + 1)?;
                if !reject.is_empty() {
                    self.line(depth, "} else {");
                    self.block(reject, depth + 1)?;
                }
                self.line(depth, "}");
            }
            Stmt::For {
                var,
                start,
                end,
                step,
                body,
            } => {
                let (v, ty) = (self.local(*var)?, self.local_ty(*var)?);
                let hoist = !(self.invariant(*end) && self.invariant(*step));
                let (mut start, mut end, mut step) = (self.expr(*start)?, self.expr(*end)?, self.expr(*step)?);
                let mut depth = depth;
                if hoist {
                    let n = self.hoisted;
                    self.hoisted += 1;
                    self.line(depth, "{");
                    depth += 1;
                    for (what, text) in [("start", &mut start), ("end", &mut end), ("step", &mut step)] {
                        let line = format!("let k_{what}{n}: {ty} = {text};");
                        self.line(depth, &line);
                        *text = format!("k_{what}{n}");
                    }
                }
                let head = format!("for (var {v}: {ty} = {start}; {v} < {end}; {v} += {step}) {{");
                self.line(depth, &head);
                self.block(body, depth + 1)?;
                self.line(depth, "}");
                if hoist {
                    self.line(depth - 1, "}");
                }
            }
            Stmt::Barrier => self.line(depth, "workgroupBarrier();"),
            Stmt::Return(None) => self.line(depth, "return;"),
            Stmt::Return(Some(e)) => {
                let text = format!("return {};", self.expr(*e)?);
                self.line(depth, &text);
            }
            Stmt::Call { function, args } => {
                let text = format!("{}({});", self.function(*function)?, self.args(args)?);
                self.line(depth, &text);
            }
        }
        Ok(())
    }
}

/// The type of every expression of `body`, in arena order (a verified body's operands come
/// before their users, so one pass suffices).
fn expr_types(k: &Kernel, body: &Body) -> Result<Vec<Type>, RenderError> {
    let fail = |m: String| RenderError::new(&k.name, m);
    let mut types: Vec<Type> = Vec::with_capacity(body.exprs.len());
    for (h, e) in body.exprs.iter() {
        let of = |o: Handle<Expr>| {
            types.get(o.index()).copied().ok_or_else(|| {
                fail(format!(
                    "expression #{} uses #{}, which is not before it",
                    h.index(),
                    o.index()
                ))
            })
        };
        let t = match e {
            Expr::Literal(l) => Type::Scalar(l.scalar()),
            Expr::Local(l) => {
                body.locals
                    .get(*l)
                    .ok_or_else(|| fail("a local is out of range".into()))?
                    .ty
            }
            Expr::Dim(_) | Expr::Builtin(_) => Type::U32,
            Expr::Load { source, .. } => match source {
                Memory::Binding(b) => match k.bindings.get(*b).map(|b| b.kind) {
                    Some(crate::kir::BindingKind::Storage { elem, .. }) => elem,
                    _ => return Err(fail("a load from a binding that is not a storage buffer".into())),
                },
                Memory::Shared(s) => {
                    k.shared
                        .get(*s)
                        .ok_or_else(|| fail("a shared array is out of range".into()))?
                        .elem
                }
            },
            Expr::Unary { arg, .. } => of(*arg)?,
            Expr::Binary { op, left, .. } if op.is_comparison() => of(*left)?.with_scalar(Scalar::Bool),
            Expr::Binary { left, .. } => of(*left)?,
            Expr::Select { accept, .. } => of(*accept)?,
            Expr::Cast { to, .. } => *to,
            Expr::Splat { scalar, .. } | Expr::Compose { scalar, .. } => Type::Vec4(*scalar),
            Expr::Component { vector, .. } => Type::Scalar(of(*vector)?.scalar()),
            Expr::Call { function, .. } => k
                .functions
                .get(*function)
                .and_then(|f| f.ret)
                .ok_or_else(|| fail("a call in an expression to a function that returns nothing".into()))?,
        };
        types.push(t);
    }
    Ok(types)
}
