//! Tensor shapes: static dims and symbolic dims.
//!
//! A symbolic dim has a name (e.g. `seq`) and an upper bound, so that memory can be planned for
//! the worst case while the value stays open until compile time specializes it
//! ([`Shape::specialize`]).

use std::collections::BTreeMap;
use std::fmt;

/// One dimension of a shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    /// A known extent.
    Static(u64),
    /// A named extent known only at run (or specialization) time, at most `max`.
    Sym { name: String, max: u64 },
}

impl Dim {
    /// A symbolic dim.
    pub fn sym(name: impl Into<String>, max: u64) -> Dim {
        Dim::Sym { name: name.into(), max }
    }

    /// The static extent, if known.
    pub fn as_static(&self) -> Option<u64> {
        match self {
            Dim::Static(n) => Some(*n),
            Dim::Sym { .. } => None,
        }
    }

    /// The largest value this dim can take.
    pub fn upper_bound(&self) -> u64 {
        match self {
            Dim::Static(n) => *n,
            Dim::Sym { max, .. } => *max,
        }
    }
}

/// A placeholder (static 0): the text parser's attribute lists fill a malformed entry with it
/// while they record the error.
impl Default for Dim {
    fn default() -> Dim {
        Dim::Static(0)
    }
}

impl From<u64> for Dim {
    fn from(n: u64) -> Dim {
        Dim::Static(n)
    }
}

impl From<usize> for Dim {
    fn from(n: usize) -> Dim {
        Dim::Static(n as u64)
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Static(n) => write!(f, "{n}"),
            Dim::Sym { name, max } => write!(f, "{name}<={max}"),
        }
    }
}

/// A shape: a list of dims. Rank 0 is a scalar.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub Vec<Dim>);

impl Shape {
    /// A fully static shape.
    pub fn of(dims: &[usize]) -> Shape {
        Shape(dims.iter().map(|&d| Dim::Static(d as u64)).collect())
    }

    /// The scalar shape.
    pub fn scalar() -> Shape {
        Shape(Vec::new())
    }

    pub fn rank(&self) -> usize {
        self.0.len()
    }

    pub fn dims(&self) -> &[Dim] {
        &self.0
    }

    /// The static dims, if all are static.
    pub fn as_static(&self) -> Option<Vec<usize>> {
        self.0.iter().map(|d| d.as_static().map(|n| n as usize)).collect()
    }

    /// True when every dim is static.
    pub fn is_static(&self) -> bool {
        self.0.iter().all(|d| d.as_static().is_some())
    }

    /// Number of elements if static (`None` also when the count overflows `u64`).
    pub fn numel(&self) -> Option<u64> {
        self.0.iter().try_fold(1u64, |acc, d| acc.checked_mul(d.as_static()?))
    }

    /// Number of elements in the worst case (symbolic dims at their upper bound), saturating.
    pub fn max_numel(&self) -> u64 {
        self.0.iter().fold(1u64, |acc, d| acc.saturating_mul(d.upper_bound()))
    }

    /// Replaces the symbolic dims named in `values` by static dims.
    pub fn specialize(&self, values: &BTreeMap<String, u64>) -> Shape {
        Shape(
            self.0
                .iter()
                .map(|d| match d {
                    Dim::Sym { name, .. } => match values.get(name) {
                        Some(&v) => Dim::Static(v),
                        None => d.clone(),
                    },
                    s => s.clone(),
                })
                .collect(),
        )
    }

    /// Names of the symbolic dims, in order of first appearance.
    pub fn symbols(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for d in &self.0 {
            if let Dim::Sym { name, .. } = d {
                if !out.contains(&name.as_str()) {
                    out.push(name);
                }
            }
        }
        out
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// Normalizes a possibly negative axis against `rank`; `None` if out of range.
pub fn normalize_axis(axis: i64, rank: usize) -> Option<usize> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&a) {
        Some(a as usize)
    } else {
        None
    }
}
