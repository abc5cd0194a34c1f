//! Convolution anchors (Conv, ConvTranspose over 1 to 3 spatial dims, grouped): `load_x(n, c,
//! d0, d1, d2)`, `load_w(o, c, k0, k1, k2)` and `store_y(n, o, d0, d1, d2, acc)` (plus the bias),
//! for an implicit-GEMM main loop. The template passes three spatial indices whatever the rank;
//! the first ones are the operand's. A dynamic dim may only be the batch.

use super::{
    float_dtype, float_type, gemm_schedule, single, store_fn, AnchorCx, AnchorKernel, Callers, Result, Template,
};
use crate::kir::{BinaryOp, Extent, Role, Type};
use crate::lower::stages::Stage;
use crate::lower::{ConvProblem, Problem};
use edgecc_autotune::Schedule;
use edgecc_ir::Op;

const I32: Type = Type::I32;
const F32: Type = Type::F32;

/// A convolution template's sizes: the problem (at the bound of a dynamic batch) and the
/// run-time batch where it is dynamic.
#[derive(Clone, Debug)]
pub struct ConvShape {
    pub problem: ConvProblem,
    pub n_ext: Option<Extent>,
    /// The float type the operands load as.
    pub elem: Type,
}

impl ConvShape {
    /// Over a dynamic batch: the implicit GEMM's rows `N * prod(out)` in tiles of M along y.
    pub fn launch(&self, schedule: &Schedule, at_bounds: [u32; 3]) -> Option<[Extent; 3]> {
        let (Some(n), Schedule::Gemm(s)) = (&self.n_ext, schedule) else {
            return None;
        };
        let rows = n.clone() * self.problem.out_spatial.iter().product::<u64>();
        Some([
            u64::from(at_bounds[0]).into(),
            rows.ceil_div(u64::from(s.tile_m)),
            u64::from(at_bounds[2]).into(),
        ])
    }
}

pub(super) fn conv(cx: &AnchorCx, stage: &Stage) -> Result<AnchorKernel> {
    let node = cx.g.node(stage.anchor).clone();
    let out = node.outputs[0];
    let mut c = Callers::new(cx, "conv");
    let fty = float_type(cx.prec);
    let (x, w) = (node.inputs[0], node.inputs[1]);
    // Extents at the bounds; a dynamic dim may only be the batch (axis 0 of x and y).
    let (xsh, osh) = (cx.bounds(x), cx.bounds(out));
    let wsh = c.w.shape(w)?;
    let n_dim =
        cx.g.ty(x)
            .shape
            .dims()
            .first()
            .cloned()
            .filter(|d| d.as_static().is_none());
    for v in [x, out] {
        if cx.g.ty(v).shape.dims().iter().skip(1).any(|d| d.as_static().is_none()) {
            return Err(cx.unsupported(format!(
                "{} `{}` over {}: of dynamic dims, a convolution takes the batch only so far",
                node.op.name(),
                node.name,
                cx.g.ty(v).shape
            )));
        }
    }
    let sp = xsh.len().saturating_sub(2);
    if !(1..=3).contains(&sp) || !c.w.dtype(x).is_float() {
        return Err(cx.unsupported(format!(
            "{} `{}` with input {:?} {}",
            node.op.name(),
            node.name,
            xsh,
            c.w.dtype(x)
        )));
    }
    let (strides, pads, dilations, groups, transposed) = match &node.op {
        Op::Conv {
            strides,
            pads,
            dilations,
            groups,
        } => (strides.clone(), pads.clone(), dilations.clone(), *groups as u64, false),
        Op::ConvTranspose {
            strides,
            pads,
            dilations,
            groups,
            ..
        } => (strides.clone(), pads.clone(), dilations.clone(), *groups as u64, true),
        _ => return Err(cx.unsupported("not a convolution")),
    };
    let get = |v: &Vec<u64>, i: usize, d: u64| v.get(i).copied().unwrap_or(d);
    let problem = ConvProblem {
        n: xsh[0],
        c: xsh[1],
        m: osh[1],
        groups,
        in_spatial: xsh[2..].to_vec(),
        kernel: wsh[2..].to_vec(),
        out_spatial: osh[2..].to_vec(),
        strides: (0..sp).map(|i| get(&strides, i, 1)).collect(),
        pads_begin: (0..sp).map(|i| get(&pads, i, 0)).collect(),
        dilations: (0..sp).map(|i| get(&dilations, i, 1)).collect(),
        transposed,
        dtype: float_dtype(fty),
    };
    let p = c.begin(&[("n", I32), ("c", I32), ("d0", I32), ("d1", I32), ("d2", I32)]);
    let vx = c.w.value_at(x, &p[..2 + sp])?;
    c.end("load_x", Role::OperandLoad, Some((vx, fty)))?;
    let p = c.begin(&[("o", I32), ("c", I32), ("k0", I32), ("k1", I32), ("k2", I32)]);
    let vw = c.w.value_at(w, &p[..2 + sp])?;
    c.end("load_w", Role::OperandLoad, Some((vw, fty)))?;
    // store_y(n, o, d0, d1, d2, acc): acc (+ bias[o]), through the stores.
    let p = c.begin(&[
        ("n", I32),
        ("o", I32),
        ("d0", I32),
        ("d1", I32),
        ("d2", I32),
        ("acc", F32),
    ]);
    let mut e = p[5];
    if let Some(&bias) = node.inputs.get(2) {
        let vb = c.w.value_at(bias, &[p[1]])?;
        let vb = c.w.convert(vb, F32)?;
        e = c.w.bin(BinaryOp::Add, e, vb)?;
    }
    store_fn(&mut c, cx, stage, "store_y", out, &p[..2 + sp], e, None)?;
    let n_ext = n_dim.map(|d| c.extent(cx, &[d])).transpose()?;
    let shape = ConvShape {
        problem: problem.clone(),
        n_ext,
        elem: fty,
    };
    let k = single(cx, c, Template::Conv(shape), Problem::Conv(problem))?;
    gemm_schedule(cx, &k.variants[0].chosen)?;
    Ok(k)
}
