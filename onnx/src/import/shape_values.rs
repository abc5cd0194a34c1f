//! Shape values: small integer tensors whose elements are dims of run-time tensors.
//!
//! Exporters compute reshape targets, mask sizes and position ranges from `Shape(x)` at run
//! time: `Shape -> Gather -> Unsqueeze -> Concat -> Reshape`. With every dim known these fold to
//! constants. With a dim kept symbolic (a dynamic `seq`), the importer follows such values
//! element by element instead, each element a known integer or a symbolic dim, through the ops
//! exporters use on them (`Shape`, `Gather`, `Unsqueeze`/`Squeeze`/`Reshape`/`Flatten`,
//! `Concat`, `Slice`, `Cast`, `Identity`, and `Add`/`Sub`/`Mul`/`Div` where the result stays a dim
//! or an integer). The ops that take shapes (`Reshape`, `Expand`, `ConstantOfShape`, `Range`,
//! `Slice`) then read them as dims.

use edgecc_ir::{BinaryOp, DType, Dim, Op, TensorData, TensorType};

/// One element of a shape value: a known integer, or a symbolic dim.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SymInt {
    Int(i64),
    Sym(Dim),
}

impl SymInt {
    pub fn of_dim(d: &Dim) -> SymInt {
        match d {
            Dim::Static(n) => SymInt::Int(*n as i64),
            d => SymInt::Sym(d.clone()),
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            SymInt::Int(v) => Some(*v),
            SymInt::Sym(_) => None,
        }
    }
}

/// The most elements a value may have to be followed (shape values are short).
const MAX_ELEMENTS: usize = 16;

/// The elements of known integer data, when it is small enough to be a shape value.
pub(crate) fn of_data(d: &TensorData) -> Option<Vec<SymInt>> {
    if !d.dtype().is_int() || d.shape().len() > 1 || d.numel() > MAX_ELEMENTS {
        return None;
    }
    Some(d.to_i64_vec().into_iter().map(SymInt::Int).collect())
}

/// The shape value `op` produces from its inputs' (`None`: not a shape value), or `None` when it
/// is not one of the followed ops or its result would not be a shape value.
pub(crate) fn propagate(
    op: &Op,
    ins: &[Option<Vec<SymInt>>],
    in_types: &[TensorType],
    out: &TensorType,
) -> Option<Vec<SymInt>> {
    if !out.dtype.is_int() || out.shape.rank() > 1 {
        return None;
    }
    let x = || ins.first().cloned().flatten();
    let vals = match op {
        Op::Shape { start, end } => {
            let dims = in_types.first()?.shape.dims();
            let r = dims.len() as i64;
            let clamp = |v: i64| if v < 0 { (v + r).max(0) } else { v.min(r) };
            let (s, e) = (clamp(*start), clamp(end.unwrap_or(r)));
            dims.iter()
                .skip(s as usize)
                .take((e - s).max(0) as usize)
                .map(SymInt::of_dim)
                .collect()
        }
        Op::Identity | Op::Cast { .. } => {
            if !in_types.first()?.dtype.is_int() {
                return None;
            }
            x()?
        }
        Op::Unsqueeze { .. } | Op::Squeeze { .. } | Op::Reshape { .. } | Op::Flatten { .. } => x()?,
        Op::Gather { axis } => {
            let data = x()?;
            let idx = ins.get(1).cloned().flatten()?;
            if in_types.first()?.shape.rank() != 1 || !matches!(axis, 0 | -1) {
                return None;
            }
            let n = data.len() as i64;
            let mut picked = Vec::with_capacity(idx.len());
            for i in idx {
                let i = i.as_int()?;
                let i = if i < 0 { i + n } else { i };
                picked.push(data.get(usize::try_from(i).ok()?)?.clone());
            }
            picked
        }
        Op::Concat { .. } => {
            let mut all = Vec::new();
            for v in ins {
                all.extend(v.clone()?);
            }
            all
        }
        Op::Slice {
            starts,
            ends,
            axes,
            steps,
        } => {
            let data = x()?;
            if starts.len() != 1 || !axes.iter().all(|&a| a == 0 || a == -1) {
                return None;
            }
            let n = data.len() as i64;
            let step = steps.first().copied().unwrap_or(1);
            if step != 1 {
                return None;
            }
            let wrap = |v: i64| if v < 0 { (v + n).clamp(0, n) } else { v.clamp(0, n) };
            let (s, e) = (wrap(starts[0]), wrap(*ends.first()?));
            data[s as usize..e.max(s) as usize].to_vec()
        }
        Op::Binary(b @ (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div)) => {
            let (a, c) = (x()?, ins.get(1).cloned().flatten()?);
            let n = a.len().max(c.len());
            if (a.len() != n && a.len() != 1) || (c.len() != n && c.len() != 1) {
                return None;
            }
            let mut v = Vec::with_capacity(n);
            for i in 0..n {
                let (p, q) = (&a[i.min(a.len() - 1)], &c[i.min(c.len() - 1)]);
                v.push(arith(*b, p, q)?);
            }
            v
        }
        _ => return None,
    };
    let want = out.shape.max_numel();
    (vals.len() as u64 == want && vals.len() <= MAX_ELEMENTS).then_some(vals)
}

/// `p op q` where the result is an integer or one of the dims (`s + 0`, `s * 1`, `s / 1`).
fn arith(op: BinaryOp, p: &SymInt, q: &SymInt) -> Option<SymInt> {
    use SymInt::{Int, Sym};
    Some(match (op, p, q) {
        (BinaryOp::Add, Int(a), Int(b)) => Int(a.checked_add(*b)?),
        (BinaryOp::Sub, Int(a), Int(b)) => Int(a.checked_sub(*b)?),
        (BinaryOp::Mul, Int(a), Int(b)) => Int(a.checked_mul(*b)?),
        // Truncating, as the reference interpreter divides integers.
        (BinaryOp::Div, Int(a), Int(b)) => Int(a.checked_div(*b)?),
        (BinaryOp::Add | BinaryOp::Sub, s @ Sym(_), Int(0))
        | (BinaryOp::Add, Int(0), s @ Sym(_))
        | (BinaryOp::Mul | BinaryOp::Div, s @ Sym(_), Int(1))
        | (BinaryOp::Mul, Int(1), s @ Sym(_)) => s.clone(),
        (BinaryOp::Div, Sym(a), Sym(b)) if a == b => Int(1),
        (BinaryOp::Sub, Sym(a), Sym(b)) if a == b => Int(0),
        _ => return None,
    })
}

/// Known integers as data of `dtype` and rank `rank` (0 or 1).
pub(crate) fn to_data(vals: &[i64], dtype: DType, rank: usize) -> Result<TensorData, String> {
    let dims = if rank == 0 { vec![] } else { vec![vals.len()] };
    TensorData::from_i64(dtype, dims, vals).map_err(|e| e.to_string())
}

/// A shape of dims from a shape value, for messages.
pub(crate) fn describe(vals: &[SymInt]) -> String {
    let parts: Vec<String> = vals
        .iter()
        .map(|v| match v {
            SymInt::Int(i) => i.to_string(),
            SymInt::Sym(d) => d.to_string(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// The dims of a shape value that holds only extents (no `-1` or other negatives).
pub(crate) fn as_dims(vals: &[SymInt]) -> Option<Vec<Dim>> {
    vals.iter()
        .map(|v| match v {
            SymInt::Int(i) => u64::try_from(*i).ok().map(Dim::Static),
            SymInt::Sym(d) => Some(d.clone()),
        })
        .collect()
}
