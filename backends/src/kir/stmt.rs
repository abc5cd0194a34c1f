//! Statements and blocks.
//!
//! A [`Block`] is a list of statements run in order; `if` and `for` hold nested blocks, and a
//! local defined in a block is in scope from its definition to the end of that block. Locals are
//! entries of the body's local arena (see [`Local`]); a statement that defines one names it.

use super::arena::Handle;
use super::expr::Expr;
use super::function::{Function, Local};
use super::kernel::Memory;

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
