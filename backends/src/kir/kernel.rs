//! A kernel: its run-time dims, bindings, shared arrays, caller functions, workgroup size,
//! dispatch rule and entry body.
//!
//! The [`Dispatch`] says how a launch is sized: three workgroup counts as [`Extent`]s over the
//! kernel's dims. At run time [`Kernel::launch`] evaluates them for the dims' values and fills
//! the parameter buffer: slot `s` holds the value of the dim declared `@param s`.

use super::arena::{Arena, Handle};
use super::body::{Body, Function};
use super::error::KirError;
use super::extent::{Dim, Extent};
use super::memory::{Binding, Memory, SharedArray};

/// How a launch of the kernel is sized.
#[derive(Clone, Debug, PartialEq)]
pub struct Dispatch {
    /// The workgroup counts in `x`, `y`, `z`, over the kernel's dims.
    pub workgroups: [Extent; 3],
}

/// A launch, resolved for the dims' values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    /// The workgroup counts.
    pub workgroups: [u32; 3],
    /// The parameter buffer's contents: slot `s` at index `s` (unused slots 0).
    pub params: Vec<u32>,
}

/// A kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// Its name (the entry point's name).
    pub name: String,
    /// The run-time dims it reads.
    pub dims: Arena<Dim>,
    /// Its buffers.
    pub bindings: Arena<Binding>,
    /// Its shared arrays.
    pub shared: Arena<SharedArray>,
    /// Its caller functions; each calls only functions before it.
    pub functions: Arena<Function>,
    /// Invocations per workgroup in `x`, `y`, `z`.
    pub workgroup_size: [u32; 3],
    /// How a launch is sized.
    pub dispatch: Dispatch,
    /// The entry point's body.
    pub entry: Body,
}

impl Kernel {
    /// The dim called `name`.
    pub fn dim(&self, name: &str) -> Option<Handle<Dim>> {
        self.dims.find(|d| d.name == name).map(|(h, _)| h)
    }

    /// The binding called `name`.
    pub fn binding(&self, name: &str) -> Option<Handle<Binding>> {
        self.bindings.find(|b| b.name == name).map(|(h, _)| h)
    }

    /// The shared array called `name`.
    pub fn shared_array(&self, name: &str) -> Option<Handle<SharedArray>> {
        self.shared.find(|s| s.name == name).map(|(h, _)| h)
    }

    /// The function called `name`.
    pub fn function(&self, name: &str) -> Option<Handle<Function>> {
        self.functions.find(|f| f.name == name).map(|(h, _)| h)
    }

    /// The name of `m`, or `#index` when it is out of range.
    pub fn memory_name(&self, m: Memory) -> String {
        match m {
            Memory::Binding(b) => self
                .bindings
                .get(b)
                .map_or_else(|| format!("#{}", b.index()), |b| b.name.clone()),
            Memory::Shared(s) => self
                .shared
                .get(s)
                .map_or_else(|| format!("#{}", s.index()), |s| s.name.clone()),
        }
    }

    /// The value of every dim (in dim order), looked up by name; errors on a dim without a
    /// value or over its bound.
    pub fn dim_values(&self, value_of: impl Fn(&str) -> Option<u64>) -> Result<Vec<u64>, KirError> {
        self.dims
            .iter()
            .map(|(_, d)| {
                let fail = |message: String| KirError::DimValue {
                    dim: d.name.clone(),
                    message,
                };
                let v = value_of(&d.name).ok_or_else(|| fail("no value given".into()))?;
                match d.decl {
                    Some(decl) if v > decl.bound => Err(fail(format!("{v} is over its bound {}", decl.bound))),
                    Some(_) => Ok(v),
                    None => Err(fail("not declared".into())),
                }
            })
            .collect()
    }

    /// The launch for dim values `values` (in dim order, as [`Kernel::dim_values`] gives):
    /// workgroup counts and the parameter buffer. A value over its dim's bound is an error (the
    /// kernel's shared arrays and memory are sized at the bounds).
    pub fn launch(&self, values: &[u64]) -> Result<Launch, KirError> {
        for (h, d) in self.dims.iter() {
            if let (Some(decl), Some(&v)) = (d.decl, values.get(h.index())) {
                if v > decl.bound {
                    return Err(KirError::DimValue {
                        dim: d.name.clone(),
                        message: format!("{v} is over its bound {}", decl.bound),
                    });
                }
            }
        }
        let mut workgroups = [0u32; 3];
        for (w, e) in workgroups.iter_mut().zip(&self.dispatch.workgroups) {
            let n = e.eval(&self.dims, values)?;
            *w = u32::try_from(n).map_err(|_| KirError::Eval {
                extent: e.display(&self.dims).to_string(),
                message: format!("{n} workgroups do not fit in u32"),
            })?;
        }
        let mut params = Vec::new();
        for (h, d) in self.dims.iter() {
            let Some(decl) = d.decl else { continue };
            let v = values.get(h.index()).copied().ok_or_else(|| KirError::DimValue {
                dim: d.name.clone(),
                message: "no value given".into(),
            })?;
            let v = u32::try_from(v).map_err(|_| KirError::DimValue {
                dim: d.name.clone(),
                message: format!("{v} does not fit in a u32 parameter"),
            })?;
            let slot = decl.slot as usize;
            if params.len() <= slot {
                params.resize(slot + 1, 0);
            }
            params[slot] = v;
        }
        Ok(Launch { workgroups, params })
    }
}
