//! Numpy broadcasting and dim unification over static and symbolic dims.

use crate::shape::{Dim, Shape};

/// Broadcasts two dims: equal dims stay, 1 yields to the other. A symbolic dim against a static
/// extent `n > 1` resolves to `n` when `n` is within its bound (the only value that can work).
pub fn broadcast_dim(a: &Dim, b: &Dim) -> Result<Dim, String> {
    match (a, b) {
        (Dim::Static(1), d) | (d, Dim::Static(1)) => Ok(d.clone()),
        (Dim::Static(x), Dim::Static(y)) if x == y => Ok(a.clone()),
        (Dim::Sym { name: n1, .. }, Dim::Sym { name: n2, .. }) if n1 == n2 => Ok(a.clone()),
        (Dim::Sym { max, .. }, Dim::Static(n)) | (Dim::Static(n), Dim::Sym { max, .. }) if n <= max => {
            Ok(Dim::Static(*n))
        }
        _ => Err(format!("dims {a} and {b} do not broadcast")),
    }
}

/// Broadcasts any number of shapes (numpy rules: align right, 1 stretches).
pub fn broadcast_shapes(shapes: &[&Shape]) -> Result<Shape, String> {
    let rank = shapes.iter().map(|s| s.rank()).max().unwrap_or(0);
    let mut out = vec![Dim::Static(1); rank];
    for s in shapes {
        let off = rank - s.rank();
        for (i, d) in s.0.iter().enumerate() {
            out[off + i] = broadcast_dim(&out[off + i], d)
                .map_err(|e| format!("shapes {} do not broadcast: {e}", join_shapes(shapes)))?;
        }
    }
    Ok(Shape(out))
}

fn join_shapes(shapes: &[&Shape]) -> String {
    shapes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" and ")
}

/// Unifies two dims that must be equal (e.g. the inner dim of a matmul). A symbolic dim unifies
/// with a static extent within its bound.
pub(crate) fn unify_dim(a: &Dim, b: &Dim, what: &str) -> Result<Dim, String> {
    match (a, b) {
        (Dim::Static(x), Dim::Static(y)) if x == y => Ok(a.clone()),
        (Dim::Sym { name: n1, .. }, Dim::Sym { name: n2, .. }) if n1 == n2 => Ok(a.clone()),
        (Dim::Sym { max, .. }, Dim::Static(n)) | (Dim::Static(n), Dim::Sym { max, .. }) if n <= max => {
            Ok(Dim::Static(*n))
        }
        _ => Err(format!("{what}: {a} and {b} differ")),
    }
}

/// A product of dims: a static coefficient times symbols (sorted by name, with bounds).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DimProduct {
    pub coeff: u64,
    pub syms: Vec<(String, u64)>,
}

impl DimProduct {
    pub fn of(dims: &[Dim]) -> Result<DimProduct, String> {
        let mut p = DimProduct {
            coeff: 1,
            syms: Vec::new(),
        };
        for d in dims {
            p.mul(d)?;
        }
        Ok(p)
    }

    pub fn mul(&mut self, d: &Dim) -> Result<(), String> {
        match d {
            Dim::Static(n) => {
                self.coeff = self
                    .coeff
                    .checked_mul(*n)
                    .ok_or_else(|| "element count overflows u64".to_string())?
            }
            Dim::Sym { name, max } => {
                self.syms.push((name.clone(), *max));
                self.syms.sort();
            }
        }
        Ok(())
    }

    /// `self / other` as a single dim, if it is one.
    pub fn div_to_dim(&self, other: &DimProduct) -> Option<Dim> {
        let mut syms = self.syms.clone();
        for s in &other.syms {
            let pos = syms.iter().position(|x| x.0 == s.0)?;
            syms.remove(pos);
        }
        if other.coeff == 0 || !self.coeff.is_multiple_of(other.coeff) {
            return None;
        }
        let c = self.coeff / other.coeff;
        match (c, syms.as_slice()) {
            (c, []) => Some(Dim::Static(c)),
            (1, [(name, max)]) => Some(Dim::Sym {
                name: name.clone(),
                max: *max,
            }),
            _ => None,
        }
    }

    /// As a single dim, if the product is one static value or one symbol.
    pub fn to_dim(&self) -> Option<Dim> {
        self.div_to_dim(&DimProduct {
            coeff: 1,
            syms: Vec::new(),
        })
    }
}
