//! A small builder for kernels, for lowering to write kir without spelling out arenas.
//!
//! [`KernelBuilder`] declares the kernel-level items and returns their handles;
//! [`BodyBuilder`] appends expressions (each returns its handle) and statements (nested ones
//! take a closure that builds their block). Build each statement's expressions just before the
//! statement, as the parser does, and the kernel prints and parses back equal to itself (see
//! [`Kernel::normalized`] otherwise).
//!
//! ```
//! use edgecc_backends::kir::{Access, Builtin, Axis, BodyBuilder, Extent, KernelBuilder, Type};
//! let mut kb = KernelBuilder::new("double");
//! let n = kb.dim("n", 4096, 0);
//! let x = kb.storage(0, "x", Type::F32, Access::ReadWrite);
//! kb.uniform(1, "params");
//! kb.workgroup_size([64, 1, 1]);
//! kb.launch([Extent::Dim(n).ceil_div(64), 1.into(), 1.into()]);
//! let mut b = BodyBuilder::new();
//! let gid = b.builtin(Builtin::GlobalId(Axis::X));
//! let i = b.let_("i", Type::U32, gid);
//! let (iv, nv) = (b.local(i), b.dim(n));
//! let inside = b.lt(iv, nv);
//! b.if_(inside, |b| {
//!     let iv = b.local(i);
//!     let v = b.load(x, iv);
//!     let two = b.f32(2.0);
//!     let y = b.mul(v, two);
//!     let iv = b.local(i);
//!     b.store(x, iv, y);
//! });
//! kb.entry(b);
//! let k = kb.finish().unwrap();
//! assert!(k.to_string().contains("store x[i] = x[i] * 2.0"));
//! ```

use super::arena::Handle;
use super::body::{Block, Body, Expr, Function, Role, Stmt};
use super::error::KirError;
use super::extent::{Dim, DimDecl, Extent};
use super::kernel::{Dispatch, Kernel};
use super::local::{Local, LocalKind};
use super::memory::{Access, Binding, BindingKind, Memory, SharedArray};
use super::ops::{BinaryOp, Builtin, Literal, UnaryOp};
use super::types::Type;

impl From<Handle<Binding>> for Memory {
    fn from(b: Handle<Binding>) -> Memory {
        Memory::Binding(b)
    }
}

impl From<Handle<SharedArray>> for Memory {
    fn from(s: Handle<SharedArray>) -> Memory {
        Memory::Shared(s)
    }
}

/// Builds a [`Kernel`].
#[derive(Clone)]
pub struct KernelBuilder {
    kernel: Kernel,
}

impl KernelBuilder {
    /// A kernel called `name`, with workgroup size and launch `1 1 1` and an empty entry.
    pub fn new(name: impl Into<String>) -> Self {
        KernelBuilder {
            kernel: Kernel {
                name: name.into(),
                dims: Default::default(),
                bindings: Default::default(),
                shared: Default::default(),
                functions: Default::default(),
                workgroup_size: [1, 1, 1],
                dispatch: Dispatch {
                    workgroups: [Extent::Const(1), Extent::Const(1), Extent::Const(1)],
                },
                entry: Body::default(),
            },
        }
    }

    /// Declares dim `name`, at most `bound`, in param slot `slot`.
    pub fn dim(&mut self, name: impl Into<String>, bound: u64, slot: u32) -> Handle<Dim> {
        self.kernel.dims.append(Dim {
            name: name.into(),
            decl: Some(DimDecl { bound, slot }),
        })
    }

    /// A storage binding.
    pub fn storage(&mut self, index: u32, name: impl Into<String>, elem: Type, access: Access) -> Handle<Binding> {
        let kind = BindingKind::Storage { elem, access };
        self.kernel.bindings.append(Binding {
            index,
            name: name.into(),
            kind,
        })
    }

    /// The uniform param binding.
    pub fn uniform(&mut self, index: u32, name: impl Into<String>) -> Handle<Binding> {
        self.kernel.bindings.append(Binding {
            index,
            name: name.into(),
            kind: BindingKind::Uniform,
        })
    }

    /// A shared array of `len` elements.
    pub fn shared(&mut self, name: impl Into<String>, elem: Type, len: impl Into<Extent>) -> Handle<SharedArray> {
        self.kernel.shared.append(SharedArray {
            name: name.into(),
            elem,
            len: len.into(),
        })
    }

    /// Sets the workgroup size.
    pub fn workgroup_size(&mut self, size: [u32; 3]) {
        self.kernel.workgroup_size = size;
    }

    /// Sets the workgroup counts of a launch.
    pub fn launch(&mut self, workgroups: [Extent; 3]) {
        self.kernel.dispatch = Dispatch { workgroups };
    }

    /// Adds a caller function whose parameters are `body`'s [`BodyBuilder::arg`]s.
    pub fn function(
        &mut self,
        name: impl Into<String>,
        role: Role,
        ret: Option<Type>,
        body: BodyBuilder,
    ) -> Handle<Function> {
        let (args, body) = body.into_parts();
        self.kernel.functions.append(Function {
            name: name.into(),
            role,
            args,
            ret,
            body,
        })
    }

    /// Sets the entry body.
    pub fn entry(&mut self, body: BodyBuilder) {
        self.kernel.entry = body.into_parts().1;
    }

    /// The kernel, unverified.
    pub fn build(self) -> Kernel {
        self.kernel
    }

    /// The kernel, verified.
    pub fn finish(self) -> Result<Kernel, KirError> {
        self.kernel.verify()?;
        Ok(self.kernel)
    }
}

/// Builds a [`Body`]: expressions return handles, statements go to the current block.
#[derive(Clone, Default)]
pub struct BodyBuilder {
    body: Body,
    args: Vec<Handle<Local>>,
    /// The block being built, innermost last.
    blocks: Vec<Block>,
}

impl BodyBuilder {
    /// An empty body.
    pub fn new() -> Self {
        BodyBuilder {
            blocks: vec![Vec::new()],
            ..Default::default()
        }
    }

    fn into_parts(mut self) -> (Vec<Handle<Local>>, Body) {
        self.body.block = self.blocks.into_iter().next().unwrap_or_default();
        (self.args, self.body)
    }

    fn push(&mut self, s: Stmt) {
        if self.blocks.is_empty() {
            self.blocks.push(Vec::new());
        }
        if let Some(b) = self.blocks.last_mut() {
            b.push(s);
        }
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self)) -> Block {
        self.blocks.push(Vec::new());
        f(self);
        self.blocks.pop().unwrap_or_default()
    }

    fn new_local(&mut self, name: impl Into<String>, ty: Type, kind: LocalKind) -> Handle<Local> {
        self.body.locals.append(Local {
            name: name.into(),
            ty,
            kind,
        })
    }

    /// A parameter (call before any statement).
    pub fn arg(&mut self, name: impl Into<String>, ty: Type) -> Handle<Local> {
        let a = self.new_local(name, ty, LocalKind::Arg);
        self.args.push(a);
        a
    }

    // ---- expressions ----------------------------------------------------------------------

    /// The expression `h`, if this body has it.
    pub fn get_expr(&self, h: Handle<Expr>) -> Option<&Expr> {
        self.body.exprs.get(h)
    }

    /// Any expression.
    pub fn expr(&mut self, e: Expr) -> Handle<Expr> {
        self.body.exprs.append(e)
    }

    /// A literal.
    pub fn lit(&mut self, l: Literal) -> Handle<Expr> {
        self.expr(Expr::Literal(l))
    }

    /// A `u32` literal.
    pub fn u32(&mut self, v: u32) -> Handle<Expr> {
        self.lit(Literal::U32(v))
    }

    /// An `f32` literal.
    pub fn f32(&mut self, v: f32) -> Handle<Expr> {
        self.lit(Literal::F32(v))
    }

    /// A local's value.
    pub fn local(&mut self, l: Handle<Local>) -> Handle<Expr> {
        self.expr(Expr::Local(l))
    }

    /// A dim's value.
    pub fn dim(&mut self, d: Handle<Dim>) -> Handle<Expr> {
        self.expr(Expr::Dim(d))
    }

    /// A built-in.
    pub fn builtin(&mut self, b: Builtin) -> Handle<Expr> {
        self.expr(Expr::Builtin(b))
    }

    /// `m[index]`.
    pub fn load(&mut self, m: impl Into<Memory>, index: Handle<Expr>) -> Handle<Expr> {
        self.expr(Expr::Load {
            source: m.into(),
            index,
        })
    }

    /// `op(arg)`.
    pub fn unary(&mut self, op: UnaryOp, arg: Handle<Expr>) -> Handle<Expr> {
        self.expr(Expr::Unary { op, arg })
    }

    /// `left op right`.
    pub fn binary(&mut self, op: BinaryOp, left: Handle<Expr>, right: Handle<Expr>) -> Handle<Expr> {
        self.expr(Expr::Binary { op, left, right })
    }

    /// `a + b`.
    pub fn add(&mut self, a: Handle<Expr>, b: Handle<Expr>) -> Handle<Expr> {
        self.binary(BinaryOp::Add, a, b)
    }

    /// `a * b`.
    pub fn mul(&mut self, a: Handle<Expr>, b: Handle<Expr>) -> Handle<Expr> {
        self.binary(BinaryOp::Mul, a, b)
    }

    /// `a < b`.
    pub fn lt(&mut self, a: Handle<Expr>, b: Handle<Expr>) -> Handle<Expr> {
        self.binary(BinaryOp::Lt, a, b)
    }

    /// `select(cond, accept, reject)`.
    pub fn select(&mut self, cond: Handle<Expr>, accept: Handle<Expr>, reject: Handle<Expr>) -> Handle<Expr> {
        self.expr(Expr::Select { cond, accept, reject })
    }

    /// `cast<to>(value)`.
    pub fn cast(&mut self, to: Type, value: Handle<Expr>) -> Handle<Expr> {
        self.expr(Expr::Cast { to, value })
    }

    /// `f(args)`.
    pub fn call(&mut self, function: Handle<Function>, args: Vec<Handle<Expr>>) -> Handle<Expr> {
        self.expr(Expr::Call { function, args })
    }

    /// `e` as a `u32` expression (`/` is `u32` division, which rounds down); errors on a
    /// constant over `u32::MAX`.
    pub fn extent(&mut self, e: &Extent) -> Result<Handle<Expr>, KirError> {
        let (op, a, b) = match e {
            Extent::Const(c) => {
                let v = u32::try_from(*c).map_err(|_| KirError::invalid("extent", format!("{c} is over u32::MAX")))?;
                return Ok(self.u32(v));
            }
            Extent::Dim(d) => return Ok(self.dim(*d)),
            Extent::Add(a, b) => (BinaryOp::Add, a, b),
            Extent::Mul(a, b) => (BinaryOp::Mul, a, b),
            Extent::FloorDiv(a, b) => (BinaryOp::Div, a, b),
            Extent::Min(a, b) => (BinaryOp::Min, a, b),
        };
        let a = self.extent(a)?;
        let b = self.extent(b)?;
        Ok(self.binary(op, a, b))
    }

    // ---- statements -----------------------------------------------------------------------

    /// `let name: ty = value`; the local.
    pub fn let_(&mut self, name: impl Into<String>, ty: Type, value: Handle<Expr>) -> Handle<Local> {
        let local = self.new_local(name, ty, LocalKind::Let);
        self.push(Stmt::Let { local, value });
        local
    }

    /// `var name: ty = init`; the local.
    pub fn var(&mut self, name: impl Into<String>, ty: Type, init: Handle<Expr>) -> Handle<Local> {
        let local = self.new_local(name, ty, LocalKind::Var);
        self.push(Stmt::Var { local, init });
        local
    }

    /// `local = value`.
    pub fn assign(&mut self, local: Handle<Local>, value: Handle<Expr>) {
        self.push(Stmt::Assign { local, value });
    }

    /// `store m[index] = value`.
    pub fn store(&mut self, m: impl Into<Memory>, index: Handle<Expr>, value: Handle<Expr>) {
        let target = m.into();
        self.push(Stmt::Store { target, index, value });
    }

    /// `if cond { accept }`.
    pub fn if_(&mut self, cond: Handle<Expr>, accept: impl FnOnce(&mut Self)) {
        self.if_else(cond, accept, |_| {});
    }

    /// `if cond { accept } else { reject }`.
    pub fn if_else(&mut self, cond: Handle<Expr>, accept: impl FnOnce(&mut Self), reject: impl FnOnce(&mut Self)) {
        let accept = self.nested(accept);
        let reject = self.nested(reject);
        self.push(Stmt::If { cond, accept, reject });
    }

    /// `for name: ty in start .. end step step { body }`; `body` gets the loop variable.
    pub fn for_(
        &mut self,
        var: (&str, Type),
        start: Handle<Expr>,
        end: Handle<Expr>,
        step: Handle<Expr>,
        body: impl FnOnce(&mut Self, Handle<Local>),
    ) {
        let v = self.new_local(var.0, var.1, LocalKind::LoopVar);
        let body = self.nested(|b| body(b, v));
        self.push(Stmt::For {
            var: v,
            start,
            end,
            step,
            body,
        });
    }

    // ---- blocks, for walkers that cannot build a nested block in one closure --------------

    /// Starts a nested block: statements go to it until [`BodyBuilder::end_block`].
    pub fn begin_block(&mut self) {
        self.blocks.push(Vec::new());
    }

    /// Ends the block [`BodyBuilder::begin_block`] started and returns it, to be placed by
    /// [`BodyBuilder::push_if`] or [`BodyBuilder::push_for`]. The outermost block is never
    /// ended: with no nested block open this returns an empty block.
    pub fn end_block(&mut self) -> Block {
        if self.blocks.len() > 1 {
            self.blocks.pop().unwrap_or_default()
        } else {
            Vec::new()
        }
    }

    /// `if cond { accept } else { reject }` with blocks already built.
    pub fn push_if(&mut self, cond: Handle<Expr>, accept: Block, reject: Block) {
        self.push(Stmt::If { cond, accept, reject });
    }

    /// A loop variable for [`BodyBuilder::push_for`] (its body may use it before the loop is
    /// pushed).
    pub fn loop_var(&mut self, name: impl Into<String>, ty: Type) -> Handle<Local> {
        self.new_local(name, ty, LocalKind::LoopVar)
    }

    /// `for var in start .. end step step { body }` with the body already built.
    pub fn push_for(
        &mut self,
        var: Handle<Local>,
        start: Handle<Expr>,
        end: Handle<Expr>,
        step: Handle<Expr>,
        body: Block,
    ) {
        self.push(Stmt::For {
            var,
            start,
            end,
            step,
            body,
        });
    }

    /// `barrier`.
    pub fn barrier(&mut self) {
        self.push(Stmt::Barrier);
    }

    /// `return` or `return value`.
    pub fn ret(&mut self, value: Option<Handle<Expr>>) {
        self.push(Stmt::Return(value));
    }

    /// `call f(args)`.
    pub fn call_stmt(&mut self, function: Handle<Function>, args: Vec<Handle<Expr>>) {
        self.push(Stmt::Call { function, args });
    }
}
