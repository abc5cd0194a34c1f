//! The recursive core of kir: expressions, statements, bodies and caller functions.
//!
//! Expressions are pure trees in a body's expression arena. An [`Expr`] names its operands by
//! [`Handle`]s into the same arena, and an operand always comes before the expression that uses
//! it (the verifier checks), so the arena has no cycles. An expression is evaluated where a
//! statement uses it; it has no effects (a load reads memory when its statement runs), so a
//! renderer writes each tree inline and a handle used twice is simply evaluated twice. To
//! compute a value once, bind it with `let`.
//!
//! A [`Block`] is a list of statements run in order; `if` and `for` hold nested blocks, and a
//! local defined in a block is in scope from its definition to the end of that block. Locals
//! are entries of the body's local arena (see [`Local`]); a statement that defines one names it.
//!
//! A [`Body`] owns its locals and expressions (two arenas) and a block of statements; the
//! kernel's `entry` is a body, and so is each [`Function`]. A function is *caller code* with a
//! [`Role`] in the kernel's template: the template's main loop calls an operand-load function
//! to read each operand element, a prologue to transform it, an epilogue on each result, and a
//! store function to write it. So one main loop serves every fused graph, and what the graph
//! adds (a bias, an activation, a strided view) lives in the functions.
//!
//! These types refer to each other (a call names a function, a function's body holds
//! expressions and statements), so they live in one module.

use super::arena::{Arena, Handle};
use super::extent::Dim;
use super::local::Local;
use super::memory::Memory;
use super::ops::{BinaryOp, Builtin, Literal, UnaryOp};
use super::types::{Scalar, Type};

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A constant.
    Literal(Literal),
    /// The value of a local (an argument, `let`, `var` or loop variable) where it is in scope.
    Local(Handle<Local>),
    /// The run-time value of a dim (`u32`, from the parameter buffer).
    Dim(Handle<Dim>),
    /// A built-in (`u32`), in `entry` only.
    Builtin(Builtin),
    /// `name[index]`: an element of a storage binding or a shared array; `index` is `u32`.
    Load {
        /// Where from.
        source: Memory,
        /// The element index.
        index: Handle<Expr>,
    },
    /// `op(arg)`.
    Unary {
        /// The operation.
        op: UnaryOp,
        /// The operand.
        arg: Handle<Expr>,
    },
    /// `left op right`.
    Binary {
        /// The operation.
        op: BinaryOp,
        /// The left operand.
        left: Handle<Expr>,
        /// The right operand.
        right: Handle<Expr>,
    },
    /// `select(cond, accept, reject)`: `cond ? accept : reject` (per component when `cond` is a
    /// `vec4<bool>`). Note the order differs from WGSL's `select(f, t, c)`.
    Select {
        /// The condition (`bool`, or `vec4<bool>` for vectors).
        cond: Handle<Expr>,
        /// The value where `cond` holds.
        accept: Handle<Expr>,
        /// The value where it does not.
        reject: Handle<Expr>,
    },
    /// `cast<T>(value)`: a value conversion to a type of the same shape. Float to integer
    /// truncates toward zero and saturates at the integer's range, NaN giving 0; to `bool` is
    /// `value != 0` (NaN gives true); from `bool` is 0 or 1.
    Cast {
        /// The target type.
        to: Type,
        /// The value converted.
        value: Handle<Expr>,
    },
    /// `vec4<T>(value)`: four copies of a scalar.
    Splat {
        /// The component type.
        scalar: Scalar,
        /// The scalar.
        value: Handle<Expr>,
    },
    /// `vec4<T>(a, b, c, d)`.
    Compose {
        /// The component type.
        scalar: Scalar,
        /// The components `x y z w`.
        components: [Handle<Expr>; 4],
    },
    /// `v.x`: one component (`index` 0 to 3) of a `vec4`.
    Component {
        /// The vector.
        vector: Handle<Expr>,
        /// 0 (`x`) to 3 (`w`).
        index: u8,
    },
    /// `f(args)`: the value a caller function returns.
    Call {
        /// The callee.
        function: Handle<Function>,
        /// The arguments, one per parameter.
        args: Vec<Handle<Expr>>,
    },
}

impl Expr {
    /// The operands, in text order.
    pub fn operands(&self) -> Vec<Handle<Expr>> {
        match self {
            Expr::Literal(_) | Expr::Local(_) | Expr::Dim(_) | Expr::Builtin(_) => Vec::new(),
            Expr::Load { index, .. } => vec![*index],
            Expr::Unary { arg, .. } => vec![*arg],
            Expr::Binary { left, right, .. } => vec![*left, *right],
            Expr::Select { cond, accept, reject } => vec![*cond, *accept, *reject],
            Expr::Cast { value, .. } | Expr::Splat { value, .. } => vec![*value],
            Expr::Compose { components, .. } => components.to_vec(),
            Expr::Component { vector, .. } => vec![*vector],
            Expr::Call { args, .. } => args.clone(),
        }
    }
}

/// Statements run in order.
pub type Block = Vec<Stmt>;

/// A statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `let name: T = value`: defines an immutable local.
    Let {
        /// The local (of kind [`Let`](super::LocalKind::Let)).
        local: Handle<Local>,
        /// Its value.
        value: Handle<Expr>,
    },
    /// `var name: T = init`: defines a mutable local.
    Var {
        /// The local (of kind [`Var`](super::LocalKind::Var)).
        local: Handle<Local>,
        /// Its first value.
        init: Handle<Expr>,
    },
    /// `name = value`: assigns a `var`.
    Assign {
        /// The `var`.
        local: Handle<Local>,
        /// The new value.
        value: Handle<Expr>,
    },
    /// `store name[index] = value`: writes an element of a `read_write` binding or a shared
    /// array.
    Store {
        /// Where to.
        target: Memory,
        /// The element index (`u32`).
        index: Handle<Expr>,
        /// The value (of the element type).
        value: Handle<Expr>,
    },
    /// `if cond { .. } else { .. }` (the `else` printed only when not empty).
    If {
        /// The condition (`bool`).
        cond: Handle<Expr>,
        /// Run when it holds.
        accept: Block,
        /// Run when it does not.
        reject: Block,
    },
    /// `for var: T in start .. end step step { .. }`: `var` takes `start`, `start + step`, ...
    /// while `var < end`; `start`, `end` and `step` are evaluated once, before the first trip.
    For {
        /// The loop variable (of kind [`LoopVar`](super::LocalKind::LoopVar), `u32` or `i32`).
        var: Handle<Local>,
        /// The first value.
        start: Handle<Expr>,
        /// The bound (exclusive).
        end: Handle<Expr>,
        /// The increment (positive).
        step: Handle<Expr>,
        /// The loop body.
        body: Block,
    },
    /// `barrier`: every invocation of the workgroup waits here, and their shared-array writes
    /// before it are visible after it (WGSL `workgroupBarrier`, CUDA `__syncthreads`). Only in
    /// `entry`, and only in uniform control flow.
    Barrier,
    /// `return` or `return value`.
    Return(Option<Handle<Expr>>),
    /// `call f(args)`: calls a function for its effect (a store function), dropping any result.
    Call {
        /// The callee.
        function: Handle<Function>,
        /// The arguments.
        args: Vec<Handle<Expr>>,
    },
}

/// Locals, expressions and statements.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    /// The locals: arguments first, then in the order statements define them.
    pub locals: Arena<Local>,
    /// The expressions; each one's operands come before it.
    pub exprs: Arena<Expr>,
    /// The statements.
    pub block: Block,
}

/// Where a caller function fits in the kernel's template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Reads one element of an operand, given its indices (returns it).
    OperandLoad,
    /// Transforms an operand element after it is loaded (returns the new value).
    Prologue,
    /// Transforms a result element before it is stored (returns the new value).
    Epilogue,
    /// Writes a result element (returns nothing).
    Store,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::OperandLoad, Role::Prologue, Role::Epilogue, Role::Store];

    /// The name in the text form.
    pub fn name(self) -> &'static str {
        match self {
            Role::OperandLoad => "operand_load",
            Role::Prologue => "prologue",
            Role::Epilogue => "epilogue",
            Role::Store => "store",
        }
    }

    /// The role called `name`.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether a function of this role returns a value (all but [`Role::Store`]).
    pub fn returns_value(self) -> bool {
        self != Role::Store
    }
}

/// A caller function.
#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its parameters: locals of kind [`LocalKind::Arg`](super::LocalKind::Arg) in `body.locals`.
    pub args: Vec<Handle<Local>>,
    /// What it returns (`None` for nothing).
    pub ret: Option<Type>,
    /// Its body; every path through it ends in a `return` when `ret` is `Some`.
    pub body: Body,
}

impl Body {
    /// Appends an expression; its handle.
    pub fn expr(&mut self, e: Expr) -> Handle<Expr> {
        self.exprs.append(e)
    }
}
