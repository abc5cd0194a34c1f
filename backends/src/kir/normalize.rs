//! [`Kernel::normalized`]: a kernel with its bodies' arenas in the order the parser makes them.
//!
//! Two kernels that print the same text can differ in their arenas: a builder may share an
//! expression handle between two uses, make expressions nothing uses, or create locals in
//! another order. The normal form rebuilds each body's locals (parameters first, then in
//! definition order) and expressions (each use its own tree, operands first, statements in
//! order), which is exactly what parsing the printed text gives: for a verified kernel `k`,
//! `parse(&print(&k)) == k.normalized()`.

use super::arena::Handle;
use super::body::{Block, Body, Expr, Stmt};
use super::error::KirError;
use super::kernel::Kernel;
use super::local::Local;
use std::collections::HashMap;

impl Kernel {
    /// The kernel in normal form (after verifying it: the rebuild needs valid handles).
    pub fn normalized(&self) -> Result<Kernel, KirError> {
        self.verify()?;
        let mut k = self.clone();
        for (h, f) in self.functions.iter() {
            let (args, body) = normalize(&f.body, &f.args);
            k.functions[h].args = args;
            k.functions[h].body = body;
        }
        k.entry = normalize(&self.entry, &[]).1;
        Ok(k)
    }
}

fn normalize(old: &Body, args: &[Handle<Local>]) -> (Vec<Handle<Local>>, Body) {
    let mut n = Norm {
        old,
        new: Body::default(),
        locals: HashMap::new(),
    };
    let args = args.iter().map(|a| n.define(*a)).collect();
    n.new.block = n.block(&old.block);
    (args, n.new)
}

struct Norm<'a> {
    old: &'a Body,
    new: Body,
    locals: HashMap<Handle<Local>, Handle<Local>>,
}

impl Norm<'_> {
    fn define(&mut self, l: Handle<Local>) -> Handle<Local> {
        let local = self.old.locals[l].clone();
        let h = self.new.locals.append(local);
        self.locals.insert(l, h);
        h
    }

    fn local(&self, l: Handle<Local>) -> Handle<Local> {
        self.locals.get(&l).copied().unwrap_or(l)
    }

    fn block(&mut self, b: &Block) -> Block {
        b.iter().map(|s| self.stmt(s)).collect()
    }

    fn stmt(&mut self, s: &Stmt) -> Stmt {
        match s {
            Stmt::Let { local, value } => {
                let value = self.expr(*value);
                Stmt::Let {
                    local: self.define(*local),
                    value,
                }
            }
            Stmt::Var { local, init } => {
                let init = self.expr(*init);
                Stmt::Var {
                    local: self.define(*local),
                    init,
                }
            }
            Stmt::Assign { local, value } => Stmt::Assign {
                local: self.local(*local),
                value: self.expr(*value),
            },
            Stmt::Store { target, index, value } => Stmt::Store {
                target: *target,
                index: self.expr(*index),
                value: self.expr(*value),
            },
            Stmt::If { cond, accept, reject } => Stmt::If {
                cond: self.expr(*cond),
                accept: self.block(accept),
                reject: self.block(reject),
            },
            Stmt::For {
                var,
                start,
                end,
                step,
                body,
            } => {
                let (start, end, step) = (self.expr(*start), self.expr(*end), self.expr(*step));
                let var = self.define(*var);
                Stmt::For {
                    var,
                    start,
                    end,
                    step,
                    body: self.block(body),
                }
            }
            Stmt::Barrier => Stmt::Barrier,
            Stmt::Return(v) => Stmt::Return(v.map(|v| self.expr(v))),
            Stmt::Call { function, args } => Stmt::Call {
                function: *function,
                args: args.iter().map(|a| self.expr(*a)).collect(),
            },
        }
    }

    /// Copies the tree at `h`, operands first.
    fn expr(&mut self, h: Handle<Expr>) -> Handle<Expr> {
        let e = self.old.exprs[h].clone();
        let ops: Vec<Handle<Expr>> = e.operands().into_iter().map(|o| self.expr(o)).collect();
        let op = |i: usize| ops[i];
        let e = match e {
            Expr::Local(l) => Expr::Local(self.local(l)),
            Expr::Literal(_) | Expr::Dim(_) | Expr::Builtin(_) => e,
            Expr::Load { source, .. } => Expr::Load { source, index: op(0) },
            Expr::Unary { op: u, .. } => Expr::Unary { op: u, arg: op(0) },
            Expr::Binary { op: b, .. } => Expr::Binary {
                op: b,
                left: op(0),
                right: op(1),
            },
            Expr::Select { .. } => Expr::Select {
                cond: op(0),
                accept: op(1),
                reject: op(2),
            },
            Expr::Cast { to, .. } => Expr::Cast { to, value: op(0) },
            Expr::Splat { scalar, .. } => Expr::Splat { scalar, value: op(0) },
            Expr::Compose { scalar, .. } => Expr::Compose {
                scalar,
                components: [op(0), op(1), op(2), op(3)],
            },
            Expr::Component { index, .. } => Expr::Component { vector: op(0), index },
            Expr::Call { function, .. } => Expr::Call {
                function,
                args: ops.clone(),
            },
        };
        self.new.exprs.append(e)
    }
}
