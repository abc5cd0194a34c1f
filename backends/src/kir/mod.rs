//! kir: the backend-neutral kernel IR that every code generator renders (WGSL, CUDA C++).
//!
//! A [`Kernel`] is arenas with typed [`Handle`]s (as naga's `Module`): run-time [`Dim`]s, buffer
//! [`Binding`]s, [`SharedArray`]s, caller [`Function`]s by [`Role`], a workgroup size, a
//! [`Dispatch`] whose workgroup counts are [`Extent`]s over the dims, and the `entry` [`Body`].
//! A body holds [`Local`]s, pure [`Expr`] trees and a block of [`Stmt`]s. Sizes stay symbolic:
//! one kernel serves every dim value up to its bound, its launch computed by [`Kernel::launch`].
//!
//! - [`arena`]: `Arena<T>` and `Handle<T>`.
//! - [`extent`]: symbolic sizes; simplification, evaluation, bounds.
//! - [`types`], [`ops`], [`local`], [`memory`], [`body`] (expressions, statements, functions),
//!   [`kernel`]: the IR.
//! - [`builder`]: [`KernelBuilder`] and [`BodyBuilder`], what lowering writes kir with.
//! - [`verify`](mod@verify): the verifier (its `verify_body` half for bodies); errors are [`KirError`].
//! - [`print`](mod@print) and [`parse`](mod@parse): the text form; [`normalize`]: the arena
//!   order the parser makes, so that `parse(&print(&k)) == k.normalized()`.
//!
//! # Text form
//!
//! Line-oriented: one item or statement per line, `;` comments, two-space indent (as printed).
//!
//! ```text
//! kernel   := "kernel" NAME "{" NL item* "}"
//! item     := "dim" NAME ("<=" INT "@param" INT)?                  (no bound: undeclared, an error)
//!           | "binding" INT NAME ":" ("array<" type ">" ("read" | "read_write") | "uniform")
//!           | "shared" NAME ":" "array<" type "," extent ">"
//!           | "workgroup_size" INT INT INT
//!           | "launch" extent "," extent "," extent
//!           | "fn" NAME "(" (NAME ":" type),* ")" ("->" type)? "role" ROLE block
//!           | "entry" block
//! ROLE     := "operand_load" | "prologue" | "epilogue" | "store"
//! type     := "f32" | "f16" | "i32" | "u32" | "bool" | "vec4<" scalar ">"
//! extent   := term ("+" term)* ;  term := atom (("*" | "/") atom)*
//! atom     := INT | DIM | "min(" extent "," extent ")" | "(" extent ")"
//! block    := "{" NL stmt* "}"
//! stmt     := ("let" | "var") NAME ":" type "=" expr
//!           | NAME "=" expr
//!           | "store" MEM "[" expr "]" "=" expr
//!           | "if" expr block ("else" block)?
//!           | "for" NAME ":" type "in" expr ".." expr "step" expr block
//!           | "barrier" | "return" expr? | "call" FN "(" expr,* ")"
//! expr     := binary operators, loosest first: || && (== != < <= > >=) | ^ & (<< >>) (+ -) (* / %)
//! primary  := literal | NAME (local or dim) | MEM "[" expr "]" | FN "(" expr,* ")"
//!           | UNARY "(" expr ")" | ("min" | "max" | "pow") "(" expr "," expr ")"
//!           | "select(" c "," a "," b ")" | "cast<" type ">(" expr ")"
//!           | "vec4<" scalar ">(" expr ("," expr "," expr "," expr)? ")" | primary "." (x|y|z|w)
//!           | ("global_id" | "local_id" | "workgroup_id" | "num_workgroups") "." (x|y|z)
//!           | "local_index" | "(" expr ")"
//! literal  := 3 (u32) | 3i | -3i | 2.0 | -1e-5 (f32) | 2.0h (f16) | true | false | inf | -inf | nan
//! UNARY    := neg not abs exp exp2 log log2 sqrt rsqrt tanh erf sigmoid sin cos floor ceil round
//!             round_f16 round_bf16
//! ```

pub mod arena;
pub mod body;
pub mod builder;
pub mod error;
pub mod extent;
pub mod kernel;
mod lex;
pub mod local;
pub mod memory;
mod names;
pub mod normalize;
pub mod ops;
pub mod parse;
mod parse_expr;
mod parse_stmt;
pub mod print;
pub mod types;
pub mod verify;
mod verify_body;
mod verify_types;

#[cfg(test)]
mod tests;

pub use arena::{Arena, Handle};
pub use body::{Block, Body, Expr, Function, Role, Stmt};
pub use builder::{BodyBuilder, KernelBuilder};
pub use error::KirError;
pub use extent::{Dim, DimDecl, Extent};
pub use kernel::{Dispatch, Kernel, Launch};
pub use local::{Local, LocalKind};
pub use memory::{Access, Binding, BindingKind, Memory, SharedArray};
pub use ops::{Axis, BinaryOp, Builtin, Literal, UnaryOp};
pub use parse::parse;
pub use print::print;
pub use types::{Scalar, Type};
pub use verify::verify;
