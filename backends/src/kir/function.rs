//! Bodies, locals and caller functions.
//!
//! A [`Body`] owns its locals and expressions (two arenas) and a block of statements; the
//! kernel's `entry` is a body, and so is each [`Function`]. A function is *caller code* with a
//! [`Role`] in the kernel's template: the template's main loop calls an operand-load function to
//! read each operand element, a prologue to transform it, an epilogue on each result, and a store
//! function to write it. So one main loop serves every fused graph, and what the graph adds
//! (a bias, an activation, a strided view) lives in the functions.

use super::arena::{Arena, Handle};
use super::expr::Expr;
use super::stmt::Block;
use super::types::Type;

/// What defines a local, and so whether it may be assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LocalKind {
    /// A function parameter (immutable).
    Arg,
    /// A `let` (immutable).
    Let,
    /// A `var` (assignable).
    Var,
    /// A `for` loop variable (immutable in the body).
    LoopVar,
}

impl LocalKind {
    /// "a let", "an argument", ... for messages.
    pub fn describe(self) -> &'static str {
        match self {
            LocalKind::Arg => "an argument",
            LocalKind::Let => "a let",
            LocalKind::Var => "a var",
            LocalKind::LoopVar => "a loop variable",
        }
    }
}

/// A named value of a body.
#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    /// Its name: unique among the locals in scope where it is defined (no shadowing), and not a
    /// kernel-level name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// What defines it.
    pub kind: LocalKind,
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
    /// Its parameters: locals of kind [`LocalKind::Arg`] in `body.locals`.
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
