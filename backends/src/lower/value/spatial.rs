//! Window ops of the value walk: pools (a loop per spatial axis), Resize (nearest: an index
//! formula or a table; linear: the corners' weighted sum) and CumSum (a loop along the axis),
//! each with the reference interpreter's rules (padding counted or not, NaN kept by max).

use super::{Ex, Result, Walk};
use crate::kir::{BinaryOp, Handle, Local, Type, UnaryOp};
use edgecc_ir::{normalize_axis, CoordMode, NearestMode, Op, ResizeMode, ValueId};

/// How `Resize` maps output coordinates to input ones.
pub type ResizeModes = (ResizeMode, CoordMode, NearestMode);

impl Walk<'_> {
    /// `acc = acc + x` (or NaN-propagating max) for an accumulator variable.
    fn accumulate(&mut self, acc: Handle<Local>, ty: Type, x: Ex, max: bool) -> Result<()> {
        let a = self.local(acc, ty);
        let next = self.bin(if max { BinaryOp::Max } else { BinaryOp::Add }, a, x)?;
        self.b.assign(acc, next);
        Ok(())
    }

    /// `v = v + 1` for an `i32` counter.
    fn count(&mut self, v: Handle<Local>) -> Result<()> {
        let (cur, one) = (self.local(v, Type::I32), self.ci(1));
        let next = self.bin(BinaryOp::Add, cur, one)?;
        self.b.assign(v, next);
        Ok(())
    }

    /// `a && b`, with `None` as true.
    fn and(&mut self, a: Option<Ex>, b: Ex) -> Result<Ex> {
        match a {
            None => Ok(b),
            Some(a) => self.bin(BinaryOp::And, a, b),
        }
    }

    /// Element `idx` (N, C, spatial...) of a MaxPool, AveragePool or GlobalAveragePool of `x`.
    pub fn pool(&mut self, op: &Op, x: ValueId, idx: &[Ex], reg: Type) -> Result<Ex> {
        let in_shape = self.shape(x)?;
        let r = in_shape.len();
        let sp = r.saturating_sub(2);
        let (kernel, strides, pads, dil): (Vec<u64>, Vec<u64>, Vec<u64>, Vec<u64>) = match op {
            Op::MaxPool {
                kernel,
                strides,
                pads,
                dilations,
                ..
            } => (kernel.clone(), strides.clone(), pads.clone(), dilations.clone()),
            Op::AveragePool {
                kernel, strides, pads, ..
            } => (kernel.clone(), strides.clone(), pads.clone(), vec![]),
            _ => (in_shape[2..].to_vec(), vec![], vec![], vec![]),
        };
        let get = |v: &Vec<u64>, i: usize, d: u64| v.get(i).copied().unwrap_or(d) as i64;
        let is_max = matches!(op, Op::MaxPool { .. });
        let acc_ty = if reg == Type::I32 { Type::I32 } else { Type::F32 };
        let init = if !is_max {
            self.lit(acc_ty, 0.0)
        } else if acc_ty == Type::I32 {
            self.ci(i64::from(i32::MIN))
        } else {
            self.lit(Type::F32, f64::NEG_INFINITY)
        };
        let acc = self.var(init)?;
        let z = self.ci(0);
        let cnt = self.var(z)?;
        let pad_cnt = self.var(z)?;
        let mut loops = Vec::new();
        let mut iidx = idx[..2.min(r)].to_vec();
        let (mut inside, mut in_pad) = (None, None);
        for s in 0..sp {
            let name = self.fresh();
            let kv = self.b.loop_var(name, Type::I32);
            let saved = self.open();
            loops.push((kv, get(&kernel, s, 1), saved));
            let k = self.local(kv, Type::I32);
            let origin = self.ix_mul(idx[2 + s], get(&strides, s, 1))?;
            let off = self.ci(-get(&pads, s, 0));
            let origin = self.ix_add(origin, off)?;
            let tap = self.ix_mul(k, get(&dil, s, 1))?;
            let pos = self.ix_add(origin, tap)?;
            let pos = self.bind(pos)?;
            let d = in_shape[2 + s] as i64;
            let (dd, dp) = (self.ci(d), self.ci(d + get(&pads, sp + s, 0)));
            let ge = self.bin(BinaryOp::Ge, pos, z)?;
            let lt = self.bin(BinaryOp::Lt, pos, dd)?;
            let both = self.bin(BinaryOp::And, ge, lt)?;
            inside = Some(self.and(inside, both)?);
            let lp = self.bin(BinaryOp::Lt, pos, dp)?;
            in_pad = Some(self.and(in_pad, lp)?);
            iidx.push(pos);
        }
        match in_pad {
            Some(c) => self.if_(c, |w| w.count(pad_cnt))?,
            None => self.count(pad_cnt)?,
        }
        let tap = |w: &mut Self| -> Result<()> {
            let v = w.value_at(x, &iidx)?;
            let v = w.convert(v, acc_ty)?;
            w.accumulate(acc, acc_ty, v, is_max)?;
            w.count(cnt)
        };
        match inside {
            Some(c) => self.if_(c, tap)?,
            None => tap(self)?,
        }
        while let Some((kv, extent, saved)) = loops.pop() {
            let body = self.close(saved);
            let (start, end, step) = (self.ci(0), self.ci(extent), self.ci(1));
            self.b.push_for(kv, start, end, step, body);
        }
        let a = self.local(acc, acc_ty);
        let result = match op {
            Op::MaxPool { .. } => a,
            Op::AveragePool { count_include_pad, .. } => {
                let div = if *count_include_pad { pad_cnt } else { cnt };
                let n = self.local(div, Type::I32);
                let n = self.cast_to(Type::F32, n)?;
                self.bin(BinaryOp::Div, a, n)?
            }
            _ => {
                let n = self.local(cnt, Type::I32);
                let n = self.cast_to(Type::F32, n)?;
                self.bin(BinaryOp::Div, a, n)?
            }
        };
        self.convert(result, reg)
    }

    /// Element `idx` of `CumSum(x)` along `axis`: a loop over the elements it adds.
    pub fn cumsum(
        &mut self,
        x: ValueId,
        idx: &[Ex],
        axis: i64,
        (exclusive, reverse): (bool, bool),
        reg: Type,
    ) -> Result<Ex> {
        let in_shape = self.shape(x)?;
        let a = normalize_axis(axis, in_shape.len()).ok_or_else(|| self.internal("cumsum axis out of range"))?;
        let d = in_shape[a] as i64;
        let acc_ty = if reg == Type::I32 { Type::I32 } else { Type::F32 };
        let zero = self.lit(acc_ty, 0.0);
        let acc = self.var(zero)?;
        let i = idx[a];
        let one = self.ci(1);
        let after = self.ix_add(i, one)?;
        let (lo, hi) = match (reverse, exclusive) {
            (false, false) => (self.ci(0), after),
            (false, true) => (self.ci(0), i),
            (true, false) => (i, self.ci(d)),
            (true, true) => (after, self.ci(d)),
        };
        let name = self.fresh();
        let j = self.b.loop_var(name, Type::I32);
        let saved = self.open();
        let mut iidx = idx.to_vec();
        iidx[a] = self.local(j, Type::I32);
        let r = self.value_at(x, &iidx).and_then(|v| {
            let v = self.convert(v, acc_ty)?;
            self.accumulate(acc, acc_ty, v, false)
        });
        let body = self.close(saved);
        r?;
        self.b.push_for(j, lo, hi, one, body);
        let a = self.local(acc, acc_ty);
        self.convert(a, reg)
    }

    /// Element `idx` (of `out_shape`) of `Resize(x)`.
    #[allow(clippy::too_many_arguments)]
    pub fn resize(
        &mut self,
        x: ValueId,
        idx: &[Ex],
        out_shape: &[u64],
        reg: Type,
        (mode, coord, nearest): ResizeModes,
        scales: &[f32],
        sizes: Option<&[u64]>,
    ) -> Result<Ex> {
        let in_shape = self.shape(x)?;
        let r = in_shape.len();
        if out_shape.len() != r || (sizes.is_none() && scales.len() != r) {
            return Err(self.internal("Resize: scales or sizes do not match the rank"));
        }
        // Per axis: the scale and the unrounded output length (as the reference's `plan`).
        let (sc, len): (Vec<f64>, Vec<f64>) = match sizes {
            Some(_) => (0..r)
                .map(|a| {
                    let (i, o) = (in_shape[a], out_shape[a]);
                    (if i == 0 { 1.0 } else { o as f64 / i as f64 }, o as f64)
                })
                .unzip(),
            None => (0..r)
                .map(|a| (f64::from(scales[a]), in_shape[a] as f64 * f64::from(scales[a])))
                .unzip(),
        };
        match mode {
            ResizeMode::Nearest => {
                let mut iidx = Vec::with_capacity(r);
                for a in 0..r {
                    let (i, o) = (in_shape[a], out_shape[a]);
                    let table: Vec<i64> = (0..o)
                        .map(|k| resize_round(resize_coord(coord, k, sc[a], i, len[a]), nearest, i))
                        .collect();
                    iidx.push(self.index_table(idx[a], &table, i)?);
                }
                self.value_at(x, &iidx)
            }
            ResizeMode::Linear => self.resize_linear(x, idx, &in_shape, out_shape, reg, coord, (&sc, &len)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resize_linear(
        &mut self,
        x: ValueId,
        idx: &[Ex],
        in_shape: &[u64],
        out_shape: &[u64],
        reg: Type,
        coord: CoordMode,
        (sc, len): (&[f64], &[f64]),
    ) -> Result<Ex> {
        if !self.dtype(x).is_float() {
            return Err(self.err(format!("Resize (linear) on {}", self.dtype(x))));
        }
        let f = Type::F32;
        let mut base = idx.to_vec();
        let mut axes: Vec<(usize, Ex, Ex, Ex)> = Vec::new();
        for a in 0..in_shape.len() {
            let (i, o) = (in_shape[a], out_shape[a]);
            let identity = o == i
                && (0..o).all(|k| resize_coord(coord, k, sc[a], i, len[a]).clamp(0.0, i as f64 - 1.0) == k as f64);
            if identity || i == 1 {
                if i == 1 {
                    base[a] = self.ci(0);
                }
                continue;
            }
            let kf = self.cast_to(f, idx[a])?;
            let half = self.lit(f, 0.5);
            let scale = self.lit(f, sc[a]);
            let half_pixel = coord == CoordMode::HalfPixel || (coord == CoordMode::PytorchHalfPixel && len[a] != 1.0);
            let c = match coord {
                _ if half_pixel => {
                    let p = self.bin(BinaryOp::Add, kf, half)?;
                    let q = self.bin(BinaryOp::Div, p, scale)?;
                    self.bin(BinaryOp::Sub, q, half)?
                }
                CoordMode::PytorchHalfPixel => self.lit(f, -0.5),
                CoordMode::AlignCorners if len[a] == 1.0 => self.lit(f, 0.0),
                CoordMode::AlignCorners => {
                    let s = self.lit(f, (i as f64 - 1.0) / (len[a] - 1.0));
                    self.bin(BinaryOp::Mul, kf, s)?
                }
                CoordMode::Asymmetric | CoordMode::HalfPixel => self.bin(BinaryOp::Div, kf, scale)?,
            };
            let (z, top) = (self.lit(f, 0.0), self.lit(f, i as f64 - 1.0));
            let c = self.bin(BinaryOp::Max, c, z)?;
            let c = self.bin(BinaryOp::Min, c, top)?;
            let c = self.bind(c)?;
            let fl = self.un(UnaryOp::Floor, c)?;
            let lo = self.cast_to(Type::I32, fl)?;
            let lo = self.bind(lo)?;
            let (one, last) = (self.ci(1), self.ci(i as i64 - 1));
            let hi = self.bin(BinaryOp::Add, lo, one)?;
            let hi = self.bin(BinaryOp::Min, hi, last)?;
            let hi = self.bind(hi)?;
            let lof = self.cast_to(f, lo)?;
            let w = self.bin(BinaryOp::Sub, c, lof)?;
            let w = self.bind(w)?;
            axes.push((a, lo, hi, w));
        }
        if axes.is_empty() {
            return self.value_at(x, &base);
        }
        let z = self.lit(f, 0.0);
        let acc = self.var(z)?;
        for corner in 0..(1usize << axes.len()) {
            let mut cidx = base.clone();
            let mut weight: Option<Ex> = None;
            for (bit, &(a, lo, hi, w)) in axes.iter().enumerate() {
                let wk = if (corner >> bit) & 1 == 1 {
                    cidx[a] = hi;
                    w
                } else {
                    cidx[a] = lo;
                    let one = self.lit(f, 1.0);
                    self.bin(BinaryOp::Sub, one, w)?
                };
                weight = Some(match weight {
                    None => wk,
                    Some(p) => self.bin(BinaryOp::Mul, p, wk)?,
                });
            }
            let v = self.value_at(x, &cidx)?;
            let v = self.convert(v, f)?;
            let wv = match weight {
                Some(w) => self.bin(BinaryOp::Mul, w, v)?,
                None => v,
            };
            self.accumulate(acc, f, wv, false)?;
        }
        let a = self.local(acc, f);
        self.convert(a, reg)
    }

    /// `table[e]` for an output index `e`: `e` itself, a constant, a formula
    /// `clamp((e * num + off) / den, 0, extent - 1)` that reproduces the table, or a `select`
    /// tree over the table.
    pub fn index_table(&mut self, e: Ex, table: &[i64], extent: u64) -> Result<Ex> {
        if table.iter().enumerate().all(|(k, &t)| t == k as i64) {
            return Ok(e);
        }
        if table.iter().all(|&t| t == table[0]) {
            return Ok(self.ci(table[0]));
        }
        let o = table.len() as i64;
        let i = extent as i64;
        let hi = i - 1;
        if o <= 4096 {
            for (num, den) in [(i, o), (2 * i, 2 * o)] {
                for off in -2 * den..=2 * den {
                    let fits = table.iter().enumerate().all(|(k, &t)| {
                        let v = (k as i64 * num + off) / den;
                        v.clamp(0, hi) == t
                    });
                    if fits {
                        let scaled = self.ix_mul(e, num)?;
                        let off = self.ci(off);
                        let body = self.ix_add(scaled, off)?;
                        let q = self.ix_div(body, den as u64)?;
                        let (z, h) = (self.ci(0), self.ci(hi));
                        let q = self.bin(BinaryOp::Max, q, z)?;
                        return self.bin(BinaryOp::Min, q, h);
                    }
                }
            }
        }
        self.table_lookup(e, table)
    }
}

/// The reference interpreter's coordinate transform (`source_coord`), so nearest-mode index
/// tables and linear weights agree with the oracle bit for bit.
pub(crate) fn resize_coord(coord: CoordMode, o: u64, scale: f64, input: u64, output: f64) -> f64 {
    crate::reference::spatial::resize::source_coord(coord, o as usize, scale, input as usize, output)
}

/// The reference interpreter's rounding of a coordinate to an index in `0..input`.
pub(crate) fn resize_round(x: f64, mode: NearestMode, input: u64) -> i64 {
    crate::reference::spatial::resize::round_nearest(x, mode, input as usize) as i64
}
