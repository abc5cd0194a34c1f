//! Numpy broadcasting helpers shared by the elementwise kernels, `Where`, `Expand`, matmul batch
//! dims, attention and the norms.
//!
//! Shapes are aligned at their last axis; an extent of 1 stretches to the other operand's extent.
//! Walking a broadcast result never allocates per element: each operand gets a stride per output
//! axis (0 where it is stretched), the outer axes advance like an odometer and the innermost axis
//! is a plain strided loop.

/// Number of elements of `shape`, or an error if it does not fit in `usize`.
pub fn checked_numel(shape: &[usize]) -> Result<usize, String> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("shape {shape:?} has too many elements"))
}

/// The numpy broadcast of two shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    broadcast_all(&[a, b])
}

/// The numpy broadcast of any number of shapes.
pub fn broadcast_all(shapes: &[&[usize]]) -> Result<Vec<usize>, String> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; rank];
    for s in shapes {
        let off = rank - s.len();
        for (i, &d) in s.iter().enumerate() {
            let o = &mut out[off + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                return Err(format!(
                    "shapes {} do not broadcast: extent {d} against {} at axis {} from the end",
                    fmt_shapes(shapes),
                    *o,
                    s.len() - i
                ));
            }
        }
    }
    checked_numel(&out)?;
    Ok(out)
}

fn fmt_shapes(shapes: &[&[usize]]) -> String {
    shapes.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ")
}

/// Strides of `in_shape` (row-major) laid over `out_shape`: one per output axis, 0 where the input
/// is broadcast (missing leading axis or extent 1). Errors if `in_shape` does not broadcast to
/// `out_shape` in that direction.
pub fn broadcast_strides(in_shape: &[usize], out_shape: &[usize]) -> Result<Vec<usize>, String> {
    if in_shape.len() > out_shape.len() {
        return Err(format!(
            "shape {in_shape:?} has a higher rank than {out_shape:?} and cannot broadcast to it"
        ));
    }
    let off = out_shape.len() - in_shape.len();
    let mut strides = vec![0usize; out_shape.len()];
    let mut s = 1usize;
    for i in (0..in_shape.len()).rev() {
        let d = in_shape[i];
        let o = out_shape[off + i];
        if d == o {
            strides[off + i] = if d == 1 { 0 } else { s };
        } else if d != 1 {
            return Err(format!("shape {in_shape:?} does not broadcast to {out_shape:?}"));
        }
        s = s.saturating_mul(d);
    }
    Ok(strides)
}

/// Calls `f` once per innermost row of `out_shape` with each operand's offset of the row's first
/// element. Rows have extent `out_shape.last()` (1 for a scalar). Nothing is called when the
/// shape has no elements.
pub fn for_each_row<const K: usize>(out_shape: &[usize], strides: [&[usize]; K], mut f: impl FnMut([usize; K])) {
    if out_shape.contains(&0) {
        return;
    }
    let outer = out_shape.len().saturating_sub(1);
    let rows: usize = out_shape[..outer].iter().product();
    let mut idx = vec![0usize; outer];
    let mut offs = [0usize; K];
    for _ in 0..rows {
        f(offs);
        for d in (0..outer).rev() {
            idx[d] += 1;
            for k in 0..K {
                offs[k] += strides[k][d];
            }
            if idx[d] < out_shape[d] {
                break;
            }
            for k in 0..K {
                offs[k] -= strides[k][d] * out_shape[d];
            }
            idx[d] = 0;
        }
    }
}

/// Inner extent and each operand's inner stride for [`for_each_row`].
fn inner<const K: usize>(out_shape: &[usize], strides: [&[usize]; K]) -> (usize, [usize; K]) {
    match out_shape.last() {
        None => (1, [0; K]),
        Some(&n) => {
            let last = out_shape.len() - 1;
            let mut s = [0usize; K];
            for k in 0..K {
                s[k] = strides[k][last];
            }
            (n, s)
        }
    }
}

/// Broadcasts `data` of `in_shape` to `out_shape` (unidirectionally: `in_shape` must broadcast to
/// `out_shape`), copying elements.
pub fn expand<T: Copy>(data: &[T], in_shape: &[usize], out_shape: &[usize]) -> Result<Vec<T>, String> {
    check_len(data.len(), in_shape)?;
    let n = checked_numel(out_shape)?;
    if in_shape == out_shape {
        return Ok(data.to_vec());
    }
    let st = broadcast_strides(in_shape, out_shape)?;
    let mut out = Vec::with_capacity(n);
    if data.len() == 1 {
        out.resize(n, data[0]);
        return Ok(out);
    }
    let (len, [s]) = inner(out_shape, [&st]);
    for_each_row(out_shape, [&st], |[o]| {
        if s == 1 {
            out.extend_from_slice(&data[o..o + len]);
        } else {
            out.extend((0..len).map(|j| data[o + j * s]));
        }
    });
    Ok(out)
}

fn check_len(len: usize, shape: &[usize]) -> Result<(), String> {
    let n = checked_numel(shape)?;
    if n != len {
        return Err(format!("shape {shape:?} has {n} elements but the data has {len}"));
    }
    Ok(())
}

/// Applies `f` elementwise to two broadcast operands; returns the output shape and values.
pub fn map2<A: Copy, B: Copy, O>(
    a: &[A],
    a_shape: &[usize],
    b: &[B],
    b_shape: &[usize],
    f: impl Fn(A, B) -> O,
) -> Result<(Vec<usize>, Vec<O>), String> {
    check_len(a.len(), a_shape)?;
    check_len(b.len(), b_shape)?;
    let out_shape = broadcast_shapes(a_shape, b_shape)?;
    let n = checked_numel(&out_shape)?;
    if n == 0 {
        return Ok((out_shape, Vec::new()));
    }
    // Equal element order: same shape up to leading 1s, or one side a single element.
    if a.len() == n && b.len() == n {
        return Ok((out_shape, a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()));
    }
    if a.len() == 1 && b.len() == n {
        let x = a[0];
        return Ok((out_shape, b.iter().map(|&y| f(x, y)).collect()));
    }
    if b.len() == 1 && a.len() == n {
        let y = b[0];
        return Ok((out_shape, a.iter().map(|&x| f(x, y)).collect()));
    }
    let sa = broadcast_strides(a_shape, &out_shape)?;
    let sb = broadcast_strides(b_shape, &out_shape)?;
    let (len, [ia, ib]) = inner(&out_shape, [&sa, &sb]);
    let mut out = Vec::with_capacity(n);
    for_each_row(&out_shape, [&sa, &sb], |[oa, ob]| match (ia, ib) {
        (1, 1) => out.extend(a[oa..oa + len].iter().zip(&b[ob..ob + len]).map(|(&x, &y)| f(x, y))),
        (1, 0) => {
            let y = b[ob];
            out.extend(a[oa..oa + len].iter().map(|&x| f(x, y)));
        }
        (0, 1) => {
            let x = a[oa];
            out.extend(b[ob..ob + len].iter().map(|&y| f(x, y)));
        }
        _ => out.extend((0..len).map(|j| f(a[oa + j * ia], b[ob + j * ib]))),
    });
    Ok((out_shape, out))
}

/// Applies `f` elementwise to three broadcast operands; returns the output shape and values.
pub fn map3<A: Copy, B: Copy, C: Copy, O>(
    a: (&[A], &[usize]),
    b: (&[B], &[usize]),
    c: (&[C], &[usize]),
    f: impl Fn(A, B, C) -> O,
) -> Result<(Vec<usize>, Vec<O>), String> {
    check_len(a.0.len(), a.1)?;
    check_len(b.0.len(), b.1)?;
    check_len(c.0.len(), c.1)?;
    let out_shape = broadcast_all(&[a.1, b.1, c.1])?;
    let n = checked_numel(&out_shape)?;
    if n == 0 {
        return Ok((out_shape, Vec::new()));
    }
    if a.0.len() == n && b.0.len() == n && c.0.len() == n {
        let v = (0..n).map(|i| f(a.0[i], b.0[i], c.0[i])).collect();
        return Ok((out_shape, v));
    }
    let sa = broadcast_strides(a.1, &out_shape)?;
    let sb = broadcast_strides(b.1, &out_shape)?;
    let sc = broadcast_strides(c.1, &out_shape)?;
    let (len, [ia, ib, ic]) = inner(&out_shape, [&sa, &sb, &sc]);
    let mut out = Vec::with_capacity(n);
    for_each_row(&out_shape, [&sa, &sb, &sc], |[oa, ob, oc]| {
        out.extend((0..len).map(|j| f(a.0[oa + j * ia], b.0[ob + j * ib], c.0[oc + j * ic])));
    });
    Ok((out_shape, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_broadcast_like_numpy() {
        assert_eq!(broadcast_shapes(&[3, 1], &[1, 4]).unwrap(), vec![3, 4]);
        assert_eq!(broadcast_shapes(&[], &[2, 3]).unwrap(), vec![2, 3]);
        assert_eq!(broadcast_shapes(&[0, 3], &[1, 3]).unwrap(), vec![0, 3]);
        assert!(broadcast_shapes(&[2, 3], &[3, 2]).is_err());
        assert!(broadcast_shapes(&[0], &[2]).is_err());
    }

    #[test]
    fn expand_copies_rows_and_columns() {
        let v = expand(&[1, 2, 3], &[3, 1], &[2, 3, 2]).unwrap();
        assert_eq!(v, vec![1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
        assert!(expand(&[1, 2], &[2], &[3]).is_err());
        assert!(expand(&[1, 2], &[2], &[]).is_err());
    }
}
