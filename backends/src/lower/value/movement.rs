//! Movement ops of the value walk that need more than a permuted index: Slice (a start and a
//! stride per axis), Concat (a chain of `if`s choosing the input), Pad (a bounds test, or an
//! edge or reflected index), Gather and GatherElements (indices read from a value, negative
//! ones counted from the end, clamped into range).

use super::{Ex, Result, Walk};
use crate::kir::{BinaryOp, Handle, Local, Type, UnaryOp};
use edgecc_ir::{normalize_axis, PadMode, ValueId};

impl Walk<'_> {
    /// Element `idx` of `Slice(x)`.
    pub fn slice(&mut self, x: ValueId, idx: &[Ex], starts: &[i64], axes: &[i64], steps: &[i64]) -> Result<Ex> {
        let r = self.g.ty(x).shape.rank();
        let mut iidx = idx.to_vec();
        for (i, &st) in starts.iter().enumerate() {
            let a = axes.get(i).copied().unwrap_or(i as i64);
            let a = normalize_axis(a, r).ok_or_else(|| self.internal("slice axis out of range"))?;
            let step = steps.get(i).copied().unwrap_or(1);
            let dim = self.static_extent(x, a)? as i64;
            let s = if st < 0 { st.saturating_add(dim) } else { st };
            let s = if step > 0 {
                s.clamp(0, dim)
            } else {
                s.clamp(0, (dim - 1).max(0))
            };
            let strided = self.ix_mul(idx[a], step)?;
            let s = self.ci(s);
            iidx[a] = self.ix_add(s, strided)?;
        }
        self.value_at(x, &iidx)
    }

    /// Element `idx` of `Concat(ins)` along `axis`: `if idx < end0 { x0 } else if ... else { xn }`
    /// into one variable, each branch in its own cache scope.
    pub fn concat(&mut self, ins: &[ValueId], axis: i64, idx: &[Ex], reg: Type) -> Result<Ex> {
        let a = normalize_axis(axis, idx.len()).ok_or_else(|| self.internal("concat axis out of range"))?;
        let mut parts = Vec::new();
        let mut off = 0u64;
        for &inp in ins {
            let ext = self.static_extent(inp, a)?;
            if ext > 0 {
                parts.push((inp, off, off + ext));
            }
            off += ext;
        }
        let zero = self.lit(reg, 0.0);
        let res = self.var(zero)?;
        self.concat_chain(&parts, a, idx, res)?;
        Ok(self.local(res, reg))
    }

    fn concat_chain(&mut self, parts: &[(ValueId, u64, u64)], a: usize, idx: &[Ex], res: Handle<Local>) -> Result<()> {
        let Some(&(inp, off, end)) = parts.first() else {
            return Ok(());
        };
        let assign = |w: &mut Self| -> Result<()> {
            let mut iidx = idx.to_vec();
            let neg = w.ci(-(off as i64));
            iidx[a] = w.ix_add(idx[a], neg)?;
            let x = w.value_at(inp, &iidx)?;
            w.b.assign(res, x);
            Ok(())
        };
        if parts.len() == 1 {
            return assign(self);
        }
        let e = self.ci(end as i64);
        let cond = self.bin(BinaryOp::Lt, idx[a], e)?;
        let saved = self.open();
        let r = assign(self);
        let accept = self.close(saved);
        r?;
        let saved = self.open();
        let r = self.concat_chain(&parts[1..], a, idx, res);
        let reject = self.close(saved);
        r?;
        self.b.push_if(cond, accept, reject);
        Ok(())
    }

    /// Element `idx` of `Pad(x)`: constant padding tests the bounds (the pad value outside),
    /// edge padding clamps, reflect padding mirrors at the edges.
    pub fn pad(&mut self, x: ValueId, idx: &[Ex], pads: &[i64], mode: PadMode, value: f64, reg: Type) -> Result<Ex> {
        let r = self.g.ty(x).shape.rank();
        let mut iidx = Vec::with_capacity(r);
        let mut inside: Option<Ex> = None;
        for (a, &at) in idx.iter().enumerate().take(r) {
            let pb = pads.get(a).copied().unwrap_or(0);
            let pe = pads.get(a + r).copied().unwrap_or(0);
            if pb == 0 && pe == 0 {
                // An axis without padding is copied: its extent may be dynamic.
                iidx.push(at);
                continue;
            }
            let d = self.static_extent(x, a)? as i64;
            let shift = self.ci(-pb);
            let i = self.ix_add(at, shift)?;
            let i = self.bind(i)?;
            match mode {
                PadMode::Constant => {
                    let (z, dd) = (self.ci(0), self.ci(d));
                    let ge = self.bin(BinaryOp::Ge, i, z)?;
                    let lt = self.bin(BinaryOp::Lt, i, dd)?;
                    let both = self.bin(BinaryOp::And, ge, lt)?;
                    inside = Some(match inside {
                        None => both,
                        Some(c) => self.bin(BinaryOp::And, c, both)?,
                    });
                    iidx.push(i);
                }
                PadMode::Edge => {
                    let (z, hi) = (self.ci(0), self.ci((d - 1).max(0)));
                    let lo = self.bin(BinaryOp::Max, i, z)?;
                    iidx.push(self.bin(BinaryOp::Min, lo, hi)?);
                }
                PadMode::Reflect => {
                    let m = self.var(i)?;
                    let mv = self.local(m, Type::I32);
                    if d > 1 {
                        let z = self.ci(0);
                        let neg = self.bin(BinaryOp::Lt, mv, z)?;
                        self.if_(neg, |w| {
                            let flipped = w.un(UnaryOp::Neg, mv)?;
                            w.b.assign(m, flipped);
                            Ok(())
                        })?;
                        let dd = self.ci(d);
                        let over = self.bin(BinaryOp::Ge, mv, dd)?;
                        self.if_(over, |w| {
                            let top = w.ci(2 * (d - 1));
                            let back = w.bin(BinaryOp::Sub, top, mv)?;
                            w.b.assign(m, back);
                            Ok(())
                        })?;
                    } else {
                        let z = self.ci(0);
                        self.b.assign(m, z);
                    }
                    // Expressions are evaluated where a statement uses them: a read of `m`
                    // after the fix-ups sees the reflected index.
                    iidx.push(mv);
                }
            }
        }
        let Some(cond) = inside else {
            return self.value_at(x, &iidx);
        };
        let init = self.lit(reg, value);
        let res = self.var(init)?;
        self.if_(cond, |w| {
            let v = w.value_at(x, &iidx)?;
            w.b.assign(res, v);
            Ok(())
        })?;
        Ok(self.local(res, reg))
    }

    /// `raw` (an index value) as an `i32` in `0..d`: negative counts from the end, then clamped.
    /// `d` is the extent of the indexed axis of `data`: a literal, or a dynamic dim's value.
    fn wrap_index(&mut self, raw: Ex, data: ValueId, axis: usize) -> Result<Ex> {
        let raw = self.convert(raw, Type::I32)?;
        let z = self.ci(0);
        let (dd, hi) = match self.g.ty(data).shape.dims()[axis].as_static() {
            Some(d) => (self.ci(d as i64), self.ci((d as i64 - 1).max(0))),
            None => {
                let dd = self.sizes(data)?[axis];
                let one = self.ci(1);
                let last = self.bin(BinaryOp::Sub, dd, one)?;
                (dd, self.bin(BinaryOp::Max, last, z)?)
            }
        };
        let neg = self.bin(BinaryOp::Lt, raw, z)?;
        let up = self.bin(BinaryOp::Add, raw, dd)?;
        let j = self.select(neg, up, raw)?;
        let j = self.bin(BinaryOp::Max, j, z)?;
        let j = self.bin(BinaryOp::Min, j, hi)?;
        self.bind(j)
    }

    /// Element `idx` of `Gather(data, indices)` along `axis`.
    pub fn gather(&mut self, data: ValueId, indices: ValueId, axis: i64, idx: &[Ex]) -> Result<Ex> {
        let r = self.g.ty(data).shape.rank();
        let q = self.g.ty(indices).shape.rank();
        let a = normalize_axis(axis, r).ok_or_else(|| self.internal("gather axis out of range"))?;
        let raw = self.value_at(indices, &idx[a..a + q])?;
        let j = self.wrap_index(raw, data, a)?;
        let mut didx = idx[..a].to_vec();
        didx.push(j);
        didx.extend_from_slice(&idx[a + q..]);
        self.value_at(data, &didx)
    }

    /// Element `idx` of `GatherElements(data, indices)` along `axis`.
    pub fn gather_elements(&mut self, data: ValueId, indices: ValueId, axis: i64, idx: &[Ex]) -> Result<Ex> {
        let r = self.g.ty(data).shape.rank();
        let a = normalize_axis(axis, r).ok_or_else(|| self.internal("gather axis out of range"))?;
        let raw = self.value_at(indices, idx)?;
        let j = self.wrap_index(raw, data, a)?;
        let mut didx = idx.to_vec();
        didx[a] = j;
        self.value_at(data, &didx)
    }
}
