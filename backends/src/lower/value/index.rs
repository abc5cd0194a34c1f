//! Index arithmetic of the value walk: `i32` kir expressions for flattening a multi-index to a
//! row-major offset and back, broadcasting, and small constant tables, with literal operands
//! folded (an index expression is a handle; a literal's value is known to the walk).
//!
//! Shapes come two ways: static (`&[u64]`), and as extents (`&[Ex]`, the `_ex` functions): a
//! literal per static dim and the run-time value of a dynamic one. Extents that are all literals
//! take the static path, so a static shape gives the same kir either way.

use super::{Ex, Result, Walk};
use crate::kir::{BinaryOp, Type};

impl Walk<'_> {
    /// The `i32` literal `v` (clamped to the `i32` range).
    pub fn ci(&mut self, v: i64) -> Ex {
        self.lit(Type::I32, v as f64)
    }

    /// The value of `e` when it is an `i32` literal.
    pub fn int_value(&self, e: Ex) -> Option<i64> {
        self.ints.get(&e).copied()
    }

    /// `a + b`, zeros and two literals folded.
    pub fn ix_add(&mut self, a: Ex, b: Ex) -> Result<Ex> {
        match (self.int_value(a), self.int_value(b)) {
            (Some(0), _) => Ok(b),
            (_, Some(0)) => Ok(a),
            (Some(x), Some(y)) => Ok(self.ci(x + y)),
            _ => self.bin(BinaryOp::Add, a, b),
        }
    }

    /// `a * k`, with 0, 1 and a literal `a` folded.
    pub fn ix_mul(&mut self, a: Ex, k: i64) -> Result<Ex> {
        match (self.int_value(a), k) {
            (Some(0), _) | (_, 0) => Ok(self.ci(0)),
            (_, 1) => Ok(a),
            (Some(x), _) => Ok(self.ci(x * k)),
            _ => {
                let k = self.ci(k);
                self.bin(BinaryOp::Mul, a, k)
            }
        }
    }

    /// `a / d` (`d > 0`), with 1 and a literal `a` folded.
    pub fn ix_div(&mut self, a: Ex, d: u64) -> Result<Ex> {
        match (self.int_value(a), d) {
            (_, 1) => Ok(a),
            (Some(x), _) => Ok(self.ci(x / d as i64)),
            _ => {
                let d = self.ci(d as i64);
                self.bin(BinaryOp::Div, a, d)
            }
        }
    }

    /// `a % d`; an extent of 0 is taken as 1 (the tensor is empty, never indexed, and a
    /// constant `% 0` would not validate).
    pub fn ix_rem(&mut self, a: Ex, d: u64) -> Result<Ex> {
        let d = d.max(1);
        match (self.int_value(a), d) {
            (_, 1) => Ok(self.ci(0)),
            (Some(x), _) => Ok(self.ci(x % d as i64)),
            _ => {
                let d = self.ci(d as i64);
                self.bin(BinaryOp::Rem, a, d)
            }
        }
    }

    /// The row-major offset of `idx` in a tensor of `shape` (extent-1 axes skipped).
    pub fn linearize(&mut self, idx: &[Ex], shape: &[u64]) -> Result<Ex> {
        if idx.len() != shape.len() {
            return Err(self.internal(format!(
                "an index of rank {} into a tensor of rank {}",
                idx.len(),
                shape.len()
            )));
        }
        let mut acc = self.ci(0);
        for (i, (&e, &d)) in idx.iter().zip(shape).enumerate() {
            if i > 0 {
                acc = self.ix_mul(acc, d as i64)?;
            }
            if d != 1 {
                acc = self.ix_add(acc, e)?;
            }
        }
        Ok(acc)
    }

    /// The multi-index of row-major offset `lin` in `shape`: the outermost non-unit axis needs
    /// no `%`.
    pub fn delinearize(&mut self, lin: Ex, shape: &[u64]) -> Result<Vec<Ex>> {
        let n = shape.len();
        let zero = self.ci(0);
        let mut out = vec![zero; n];
        let mut stride = 1u64;
        for i in (0..n).rev() {
            let d = shape[i];
            if d != 1 {
                let div = self.ix_div(lin, stride)?;
                let is_outer = shape[..i].iter().all(|&x| x == 1);
                out[i] = if is_outer { div } else { self.ix_rem(div, d)? };
            }
            stride = stride.saturating_mul(d.max(1));
        }
        Ok(out)
    }

    /// The index into an operand of `in_shape` broadcast (numpy rules) to an output indexed by
    /// `idx`: leading axes dropped, extent-1 axes read at 0.
    pub fn broadcast(&mut self, idx: &[Ex], in_shape: &[u64]) -> Vec<Ex> {
        let off = idx.len().saturating_sub(in_shape.len());
        let zero = self.ci(0);
        in_shape
            .iter()
            .enumerate()
            .map(|(i, &d)| if d == 1 { zero } else { idx[off + i] })
            .collect()
    }

    /// The static values of extents that are all literals.
    fn statics(&self, shape: &[Ex]) -> Option<Vec<u64>> {
        shape
            .iter()
            .map(|&e| self.int_value(e).and_then(|v| u64::try_from(v).ok()))
            .collect()
    }

    /// `a * b` of two index expressions, literal factors folded.
    pub fn ix_mul_ex(&mut self, a: Ex, b: Ex) -> Result<Ex> {
        match (self.int_value(a), self.int_value(b)) {
            (_, Some(k)) => self.ix_mul(a, k),
            (Some(k), _) => self.ix_mul(b, k),
            _ => self.bin(BinaryOp::Mul, a, b),
        }
    }

    /// [`Walk::linearize`] over extents.
    pub fn linearize_ex(&mut self, idx: &[Ex], shape: &[Ex]) -> Result<Ex> {
        if let Some(s) = self.statics(shape) {
            return self.linearize(idx, &s);
        }
        if idx.len() != shape.len() {
            return Err(self.internal(format!(
                "an index of rank {} into a tensor of rank {}",
                idx.len(),
                shape.len()
            )));
        }
        let mut acc = self.ci(0);
        for (i, (&e, &d)) in idx.iter().zip(shape).enumerate() {
            if i > 0 {
                acc = self.ix_mul_ex(acc, d)?;
            }
            if self.int_value(d) != Some(1) {
                acc = self.ix_add(acc, e)?;
            }
        }
        Ok(acc)
    }

    /// [`Walk::delinearize`] over extents: a dynamic extent is taken as not 1 (its `%` stays).
    pub fn delinearize_ex(&mut self, lin: Ex, shape: &[Ex]) -> Result<Vec<Ex>> {
        if let Some(s) = self.statics(shape) {
            return self.delinearize(lin, &s);
        }
        let n = shape.len();
        let zero = self.ci(0);
        let mut out = vec![zero; n];
        let mut stride = self.ci(1);
        for i in (0..n).rev() {
            let d = shape[i];
            if self.int_value(d) != Some(1) {
                let div = match self.int_value(stride) {
                    Some(k) => self.ix_div(lin, k.max(1) as u64)?,
                    None => self.bin(BinaryOp::Div, lin, stride)?,
                };
                let is_outer = shape[..i].iter().all(|&x| self.int_value(x) == Some(1));
                out[i] = if is_outer {
                    div
                } else {
                    match self.int_value(d) {
                        Some(k) => self.ix_rem(div, k.max(0) as u64)?,
                        None => self.bin(BinaryOp::Rem, div, d)?,
                    }
                };
            }
            stride = match self.int_value(d) {
                Some(k) => self.ix_mul(stride, k.max(1))?,
                None => self.ix_mul_ex(stride, d)?,
            };
        }
        Ok(out)
    }

    /// [`Walk::broadcast`] to extents: only a literal 1 is a broadcast axis (a dynamic dim
    /// matches the output's).
    pub fn broadcast_ex(&mut self, idx: &[Ex], in_shape: &[Ex]) -> Vec<Ex> {
        let off = idx.len().saturating_sub(in_shape.len());
        let zero = self.ci(0);
        in_shape
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                if self.int_value(d) == Some(1) {
                    zero
                } else {
                    idx[off + i]
                }
            })
            .collect()
    }

    /// `vals[e]` for `0 <= e < vals.len()` as a balanced tree of `select`s (depth log2 of the
    /// table), the lookup folded when `e` is a literal.
    pub fn table_lookup(&mut self, e: Ex, vals: &[i64]) -> Result<Ex> {
        if let Some(k) = self.int_value(e) {
            let v = usize::try_from(k).ok().and_then(|k| vals.get(k)).copied().unwrap_or(0);
            return Ok(self.ci(v));
        }
        self.lookup_range(e, vals, 0)
    }

    fn lookup_range(&mut self, e: Ex, vals: &[i64], base: usize) -> Result<Ex> {
        match vals.len() {
            0 => Ok(self.ci(0)),
            1 => Ok(self.ci(vals[0])),
            n => {
                let mid = n / 2;
                let lo = self.lookup_range(e, &vals[..mid], base)?;
                let hi = self.lookup_range(e, &vals[mid..], base + mid)?;
                let m = self.ci((base + mid) as i64);
                let below = self.bin(BinaryOp::Lt, e, m)?;
                self.select(below, lo, hi)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kir::{BodyBuilder, Expr};
    use crate::precision::Precision;
    use edgecc_ir::Graph;

    fn walk(g: &Graph) -> Walk<'_> {
        Walk::new(g, Precision::F32, "t", BodyBuilder::new())
    }

    #[test]
    fn literals_fold_through_flatten_and_back() {
        let g = Graph::new("t");
        let mut w = walk(&g);
        let idx: Vec<Ex> = [1, 2, 3].iter().map(|&v| w.ci(v)).collect();
        let lin = w.linearize(&idx, &[2, 3, 4]).unwrap();
        assert_eq!(w.int_value(lin), Some(23));
        let back = w.delinearize(lin, &[2, 3, 4]).unwrap();
        assert_eq!(back, idx);
        // Unit axes are skipped one way and read at 0 the other.
        let x = w.arg("x", Type::I32);
        let zero = w.ci(0);
        let lin = w.linearize(&[zero, x], &[1, 5]).unwrap();
        assert_eq!(lin, x);
        let back = w.delinearize(x, &[1, 5, 1]).unwrap();
        assert_eq!(back, vec![zero, x, zero]);
    }

    #[test]
    fn symbolic_indices_share_handles() {
        let g = Graph::new("t");
        let mut w = walk(&g);
        let (a, b) = (w.arg("a", Type::I32), w.arg("b", Type::I32));
        let l1 = w.linearize(&[a, b], &[3, 4]).unwrap();
        let l2 = w.linearize(&[a, b], &[3, 4]).unwrap();
        assert_eq!(l1, l2, "equal index expressions are one handle");
        let back = w.delinearize(l1, &[3, 4]).unwrap();
        // The outermost axis needs no `%`: a / 4; the inner one is a % 4.
        assert!(matches!(
            w.b.get_expr(back[0]),
            Some(Expr::Binary { op: BinaryOp::Div, .. })
        ));
        assert!(matches!(
            w.b.get_expr(back[1]),
            Some(Expr::Binary { op: BinaryOp::Rem, .. })
        ));
        // Broadcasting reads extent-1 axes at 0 and drops leading axes.
        let zero = w.ci(0);
        assert_eq!(w.broadcast(&[a, b], &[1, 4]), vec![zero, b]);
        assert_eq!(w.broadcast(&[a, b], &[4]), vec![b]);
    }
}
