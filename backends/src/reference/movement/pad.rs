//! `Pad` in constant, reflect and edge modes; negative pads crop.

use super::{compose_opt, numel, take_or};
use crate::reference::tensor::{strides, Tensor};
use edgecc_ir::PadMode;

/// Source index along one axis for output position `src` (input coordinate, may be outside
/// `0..dim`), or `None` for a constant fill.
fn source(src: i64, dim: usize, mode: PadMode) -> Option<usize> {
    let d = dim as i64;
    if (0..d).contains(&src) {
        return Some(src as usize);
    }
    match mode {
        PadMode::Constant => None,
        PadMode::Edge => Some(src.clamp(0, d - 1) as usize),
        PadMode::Reflect if d == 1 => Some(0),
        PadMode::Reflect => {
            // Mirror without repeating the edge: period 2 (d - 1), as numpy's `reflect`.
            let period = 2 * (d - 1);
            let m = src.rem_euclid(period);
            Some(if m < d { m } else { period - m } as usize)
        }
    }
}

/// `Pad` with `pads = [begin_0.., end_0..]`.
pub(super) fn pad(x: &Tensor, pads: &[i64], mode: PadMode, value: f64) -> Result<Tensor, String> {
    let rank = x.shape.len();
    if pads.len() != 2 * rank {
        return Err(format!(
            "Pad: {} pads for an input of rank {rank} (need 2 × rank = {})",
            pads.len(),
            2 * rank
        ));
    }
    let st = strides(&x.shape);
    let mut shape = Vec::with_capacity(rank);
    let mut offs = Vec::with_capacity(rank);
    for k in 0..rank {
        let (b, e) = (pads[k], pads[rank + k]);
        let d = x.shape[k];
        let out = (d as i64)
            .checked_add(b)
            .and_then(|v| v.checked_add(e))
            .filter(|&v| v >= 0);
        let out = out.ok_or_else(|| {
            format!(
                "Pad: pads {b} and {e} on axis {k} of extent {d} give a negative extent (shape {:?})",
                x.shape
            )
        })?;
        let grows = b > 0 || e > 0;
        if grows && out > 0 && d == 0 && mode != PadMode::Constant {
            return Err(format!(
                "Pad: {} mode cannot pad axis {k} of extent 0 (shape {:?})",
                mode.name(),
                x.shape
            ));
        }
        let out = usize::try_from(out).map_err(|_| format!("Pad: extent {out} is too large"))?;
        shape.push(out);
    }
    numel(&shape)?;
    for (k, &out) in shape.iter().enumerate() {
        let (b, d) = (pads[k], x.shape[k]);
        offs.push(
            (0..out as i64)
                .map(|o| source(o - b, d, mode).map(|s| s * st[k]))
                .collect::<Vec<_>>(),
        );
    }
    Ok(take_or(x, shape, &compose_opt(&offs), value))
}
