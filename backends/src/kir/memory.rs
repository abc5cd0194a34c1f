//! Memory a kernel reads and writes: its storage and uniform bindings, its shared arrays, and
//! [`Memory`], what a load or store names.

use super::arena::Handle;
use super::extent::Extent;
use super::types::Type;

/// How a storage binding may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// `read`: loads only.
    Read,
    /// `read_write`: loads and stores.
    ReadWrite,
}

impl Access {
    /// The name in the text form.
    pub fn name(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::ReadWrite => "read_write",
        }
    }
}

/// What a binding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindingKind {
    /// `array<T> read|read_write`: a storage buffer of elements of type `T` (not `bool`).
    Storage {
        /// The element type.
        elem: Type,
        /// How it may be used.
        access: Access,
    },
    /// `uniform`: the parameter buffer, `u32` slots holding the dims' values; read through
    /// [`Expr::Dim`](super::Expr::Dim), never indexed directly.
    Uniform,
}

/// A buffer the kernel is given.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// Its binding number (WGSL `@binding(n)` in group 0, CUDA parameter order).
    pub index: u32,
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: BindingKind,
}

/// A workgroup (CUDA: block) shared array.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedArray {
    /// Its name.
    pub name: String,
    /// The element type.
    pub elem: Type,
    /// Its length in elements; a backend that needs a constant uses the upper bound.
    pub len: Extent,
}

/// Memory that loads read and stores write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Memory {
    /// A storage binding.
    Binding(Handle<Binding>),
    /// A shared array.
    Shared(Handle<SharedArray>),
}
