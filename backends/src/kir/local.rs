//! Locals: the named values of a body (arguments, `let`s, `var`s and loop variables), entries
//! of its local arena.

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
