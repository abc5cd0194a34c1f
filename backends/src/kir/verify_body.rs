//! The verifier of a body (a function's or `entry`'s): scopes, types, calls, stores, barriers.
//!
//! - **Structure**: every handle is in range, and an expression's operands come before it.
//! - **Scopes**: a local is read or assigned only between its definition and the end of the
//!   block that defines it; it is defined once; its name is not one already in scope (no
//!   shadowing) nor a kernel-level name.
//! - **Types**: see [`Expr`] and [`BinaryOp`]: no implicit conversion, conditions are `bool`,
//!   indices `u32`, stored values of the element type, loop variables `u32` or `i32`.
//! - **Calls**: only to functions defined before the caller (any, from `entry`), with one
//!   argument of the parameter's type per parameter.
//! - **Stores**: to `read_write` bindings and shared arrays only.
//! - **Barriers** (conservatively): in `entry`, in uniform control flow only: every condition
//!   and loop bound around them is uniform (made of literals, dims, `workgroup_id`,
//!   `num_workgroups`, read-only loads at uniform indices, and `let`s and loop variables of
//!   uniform values; a `var` or a call counts as non-uniform), and no non-uniform `return`
//!   came before them.
//! - **Built-ins** are read in `entry` only (a function gets them as arguments).

use super::arena::Handle;
use super::body::{Block, Body, Expr, Function, Stmt};
use super::error::KirError;
use super::kernel::Kernel;
use super::local::{Local, LocalKind};
use super::memory::{Access, BindingKind, Memory};
use super::print::{expr_text, stmt_head};
use super::types::{Scalar, Type};
use std::collections::HashSet;

/// The state of checking one body.
pub(crate) struct BodyCheck<'a> {
    pub(super) k: &'a Kernel,
    pub(super) body: &'a Body,
    /// "kernel `k`, fn `f`".
    pub(super) place: String,
    /// The statement being checked, for messages.
    pub(super) at: String,
    pub(super) ret: Option<Type>,
    /// Functions with a lower index may be called.
    pub(super) callable: usize,
    pub(super) entry: bool,
    pub(super) in_scope: Vec<bool>,
    pub(super) defined: Vec<bool>,
    pub(super) uniform_local: Vec<bool>,
    pub(super) scopes: Vec<Vec<Handle<Local>>>,
    pub(super) types: Vec<Option<Type>>,
    pub(super) uniform_cf: bool,
    pub(super) nonuniform_exit: bool,
}

impl<'a> BodyCheck<'a> {
    pub(crate) fn new(
        k: &'a Kernel,
        body: &'a Body,
        place: String,
        ret: Option<Type>,
        callable: usize,
        entry: bool,
    ) -> Self {
        let n = body.locals.len();
        BodyCheck {
            k,
            body,
            at: place.clone(),
            place,
            ret,
            callable,
            entry,
            in_scope: vec![false; n],
            defined: vec![false; n],
            uniform_local: vec![false; n],
            scopes: Vec::new(),
            types: vec![None; body.exprs.len()],
            uniform_cf: true,
            nonuniform_exit: false,
        }
    }

    /// Checks the body, with `args` in scope.
    pub(crate) fn run(mut self, args: &[Handle<Local>]) -> Result<(), KirError> {
        for (h, e) in self.body.exprs.iter() {
            if let Some(o) = e.operands().into_iter().find(|o| *o >= h) {
                return Err(KirError::invalid(
                    &self.place,
                    format!(
                        "expression #{} uses #{}, which does not come before it",
                        h.index(),
                        o.index()
                    ),
                ));
            }
        }
        self.scopes.push(Vec::new());
        for a in args {
            self.define(*a, LocalKind::Arg, false)?;
        }
        let body = self.body;
        self.block(&body.block)?;
        self.at = format!("{}, an unused expression", self.place);
        for (h, _) in self.body.exprs.iter() {
            self.ty(h)?;
        }
        Ok(())
    }

    pub(super) fn local(&self, l: Handle<Local>) -> Result<&'a Local, KirError> {
        self.body
            .locals
            .get(l)
            .ok_or_else(|| KirError::invalid(&self.at, format!("local #{} is not in the body", l.index())))
    }

    /// Enters `l` (of kind `kind`) into the innermost scope.
    fn define(&mut self, l: Handle<Local>, kind: LocalKind, uniform: bool) -> Result<(), KirError> {
        let local = self.local(l)?;
        super::names::check_name(&self.at, "local", &local.name)?;
        if local.kind != kind {
            return Err(KirError::invalid(
                &self.at,
                format!(
                    "`{}` is {}, but defined as {}",
                    local.name,
                    local.kind.describe(),
                    kind.describe()
                ),
            ));
        }
        if self.defined[l.index()] {
            return Err(KirError::invalid(
                &self.at,
                format!("`{}` is defined twice", local.name),
            ));
        }
        let kernel_level = self.k.dim(&local.name).is_some()
            || self.k.binding(&local.name).is_some()
            || self.k.shared_array(&local.name).is_some()
            || self.k.function(&local.name).is_some();
        if kernel_level {
            return Err(KirError::invalid(
                &self.at,
                format!("local `{}` has the name of a kernel-level item; rename it", local.name),
            ));
        }
        let shadows = self
            .scopes
            .iter()
            .flatten()
            .any(|o| self.body.locals.get(*o).is_some_and(|o| o.name == local.name));
        if shadows {
            return Err(KirError::invalid(
                &self.at,
                format!(
                    "`{}` is already defined in an enclosing scope (kir has no shadowing)",
                    local.name
                ),
            ));
        }
        self.defined[l.index()] = true;
        self.in_scope[l.index()] = true;
        self.uniform_local[l.index()] = uniform;
        if let Some(s) = self.scopes.last_mut() {
            s.push(l);
        }
        Ok(())
    }

    fn block(&mut self, b: &'a Block) -> Result<(), KirError> {
        self.scopes.push(Vec::new());
        for s in b {
            self.at = format!("{}, `{}`", self.place, stmt_head(self.k, self.body, s));
            self.stmt(s)?;
        }
        self.pop_scope();
        Ok(())
    }

    fn pop_scope(&mut self) {
        for l in self.scopes.pop().unwrap_or_default() {
            self.in_scope[l.index()] = false;
        }
    }

    /// Checks a use of `h` where `what` (for messages) must have type `want` (if given).
    fn value(&mut self, h: Handle<Expr>, what: &str, want: Option<Type>) -> Result<Type, KirError> {
        self.scope_check(h, &mut HashSet::new())?;
        let t = self.ty(h)?;
        match want {
            Some(w) if w != t => Err(KirError::mismatch(&self.at, what, w, t)),
            _ => Ok(t),
        }
    }

    fn stmt(&mut self, s: &'a Stmt) -> Result<(), KirError> {
        match s {
            Stmt::Let { local, value } | Stmt::Var { local, init: value } => {
                let l = self.local(*local)?;
                self.value(*value, &format!("the value of `{}`", l.name), Some(l.ty))?;
                let is_let = matches!(s, Stmt::Let { .. });
                let kind = if is_let { LocalKind::Let } else { LocalKind::Var };
                let uniform = is_let && self.uniform(*value);
                self.define(*local, kind, uniform)
            }
            Stmt::Assign { local, value } => {
                let l = self.local(*local)?;
                if !self.in_scope[local.index()] {
                    return Err(KirError::UseBeforeDef {
                        at: self.at.clone(),
                        name: l.name.clone(),
                    });
                }
                if l.kind != LocalKind::Var {
                    return Err(KirError::AssignImmutable {
                        at: self.at.clone(),
                        name: l.name.clone(),
                        kind: l.kind.describe().into(),
                    });
                }
                self.value(*value, &format!("the value assigned to `{}`", l.name), Some(l.ty))?;
                Ok(())
            }
            Stmt::Store { target, index, value } => {
                let elem = self.memory(*target, true)?;
                let name = self.k.memory_name(*target);
                self.value(*index, &format!("the index into `{name}`"), Some(Type::U32))?;
                self.value(*value, &format!("the value stored to `{name}`"), Some(elem))?;
                Ok(())
            }
            Stmt::If { cond, accept, reject } => {
                self.value(*cond, "the condition", Some(Type::BOOL))?;
                let outer = self.uniform_cf;
                self.uniform_cf = outer && self.uniform(*cond);
                self.block(accept)?;
                self.block(reject)?;
                self.uniform_cf = outer;
                Ok(())
            }
            Stmt::For {
                var,
                start,
                end,
                step,
                body,
            } => {
                let v = self.local(*var)?;
                if !matches!(v.ty, Type::Scalar(Scalar::U32 | Scalar::I32)) {
                    return Err(KirError::mismatch(
                        &self.at,
                        format!("loop variable `{}`", v.name),
                        "u32 or i32",
                        v.ty,
                    ));
                }
                self.value(*start, "the loop start", Some(v.ty))?;
                self.value(*end, "the loop end", Some(v.ty))?;
                self.value(*step, "the loop step", Some(v.ty))?;
                if let Some(Expr::Literal(l)) = self.body.exprs.get(*step) {
                    if matches!(l, super::ops::Literal::U32(0) | super::ops::Literal::I32(..=0)) {
                        return Err(KirError::invalid(&self.at, "the loop step is not positive"));
                    }
                }
                let outer = self.uniform_cf;
                let bounds = self.uniform(*start) && self.uniform(*end) && self.uniform(*step);
                self.uniform_cf = outer && bounds;
                self.scopes.push(Vec::new());
                self.define(*var, LocalKind::LoopVar, bounds)?;
                self.block(body)?;
                self.pop_scope();
                self.uniform_cf = outer;
                Ok(())
            }
            Stmt::Barrier => {
                if !self.entry {
                    return Err(KirError::invalid(&self.at, "a barrier is allowed in `entry` only"));
                }
                if !self.uniform_cf || self.nonuniform_exit {
                    return Err(KirError::invalid(
                        &self.at,
                        "barrier in non-uniform control flow: a condition, loop bound or earlier `return` \
                         around it may differ between the invocations of a workgroup",
                    ));
                }
                Ok(())
            }
            Stmt::Return(v) => {
                match (self.ret, v) {
                    (Some(t), Some(v)) => {
                        self.value(*v, "the returned value", Some(t))?;
                    }
                    (None, None) => {}
                    (Some(t), None) => {
                        return Err(KirError::invalid(&self.at, format!("returns no value; a {t} is due")))
                    }
                    (None, Some(_)) => {
                        return Err(KirError::invalid(
                            &self.at,
                            "returns a value from code that returns nothing",
                        ))
                    }
                }
                if !self.uniform_cf {
                    self.nonuniform_exit = true;
                }
                Ok(())
            }
            Stmt::Call { function, args } => {
                self.call(*function, args)?;
                Ok(())
            }
        }
    }

    /// The element type of `m`; `store` when it is written.
    pub(super) fn memory(&self, m: Memory, store: bool) -> Result<Type, KirError> {
        let name = self.k.memory_name(m);
        match m {
            Memory::Binding(b) => match self.k.bindings.get(b).map(|b| b.kind) {
                Some(BindingKind::Storage {
                    access: Access::Read, ..
                }) if store => Err(KirError::ReadOnlyStore {
                    at: self.at.clone(),
                    binding: name,
                }),
                Some(BindingKind::Storage { elem, .. }) => Ok(elem),
                Some(BindingKind::Uniform) => Err(KirError::invalid(
                    &self.at,
                    format!("`{name}` is the uniform param buffer: read dims by name, not by index"),
                )),
                None => Err(KirError::invalid(
                    &self.at,
                    format!("binding {name} is not in the kernel"),
                )),
            },
            Memory::Shared(s) => match self.k.shared.get(s) {
                Some(s) => Ok(s.elem),
                None => Err(KirError::invalid(
                    &self.at,
                    format!("shared array {name} is not in the kernel"),
                )),
            },
        }
    }

    /// Checks a call; the callee.
    pub(super) fn call(&mut self, f: Handle<Function>, args: &[Handle<Expr>]) -> Result<&'a Function, KirError> {
        let callee = self.k.functions.get(f).filter(|_| f.index() < self.callable);
        let Some(callee) = callee else {
            return Err(KirError::UnknownFunction {
                at: self.at.clone(),
                function: self
                    .k
                    .functions
                    .get(f)
                    .map_or_else(|| format!("#{}", f.index()), |c| c.name.clone()),
            });
        };
        if callee.args.len() != args.len() {
            return Err(KirError::ArgCount {
                at: self.at.clone(),
                function: callee.name.clone(),
                expected: callee.args.len(),
                found: args.len(),
            });
        }
        for (i, (a, p)) in args.iter().zip(&callee.args).enumerate() {
            let want = callee.body.locals.get(*p).map(|p| p.ty);
            self.value(*a, &format!("argument {} of `{}`", i + 1, callee.name), want)?;
        }
        Ok(callee)
    }

    /// Every local `h` reads is in scope, and built-ins are read in `entry` only.
    fn scope_check(&self, h: Handle<Expr>, seen: &mut HashSet<Handle<Expr>>) -> Result<(), KirError> {
        if !seen.insert(h) {
            return Ok(());
        }
        let e = self.expr(h)?;
        match e {
            Expr::Local(l) if !self.in_scope.get(l.index()).copied().unwrap_or(false) => {
                return Err(KirError::UseBeforeDef {
                    at: self.at.clone(),
                    name: self.local(*l)?.name.clone(),
                })
            }
            Expr::Builtin(_) if !self.entry => {
                return Err(KirError::invalid(
                    &self.at,
                    format!(
                        "reads built-in `{}`, which only `entry` can (pass it as an argument)",
                        expr_text(self.k, self.body, h)
                    ),
                ))
            }
            _ => {}
        }
        for o in e.operands() {
            self.scope_check(o, seen)?;
        }
        Ok(())
    }

    pub(super) fn expr(&self, h: Handle<Expr>) -> Result<&'a Expr, KirError> {
        self.body
            .exprs
            .get(h)
            .ok_or_else(|| KirError::invalid(&self.at, format!("expression #{} is not in the body", h.index())))
    }

    /// Whether every invocation of a workgroup computes the same value for `h`.
    fn uniform(&self, h: Handle<Expr>) -> bool {
        let Ok(e) = self.expr(h) else { return false };
        match e {
            Expr::Literal(_) | Expr::Dim(_) => true,
            Expr::Builtin(b) => b.is_uniform(),
            Expr::Local(l) => self.uniform_local.get(l.index()).copied().unwrap_or(false),
            Expr::Load {
                source: Memory::Binding(b),
                index,
            } => {
                let read_only = self.k.bindings.get(*b).is_some_and(|b| {
                    matches!(
                        b.kind,
                        BindingKind::Storage {
                            access: Access::Read,
                            ..
                        }
                    )
                });
                read_only && self.uniform(*index)
            }
            Expr::Load { .. } | Expr::Call { .. } => false,
            _ => e.operands().into_iter().all(|o| self.uniform(o)),
        }
    }
}
