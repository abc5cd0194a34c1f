//! Spatial ops (conv, conv-transpose, pooling, resize).
//!
//! Conv and pooling accept 1-D and 2-D spatial inputs; a 1-D problem runs as a 2-D one with a
//! unit-extent height, so one set of loops (see [`Window`]) serves both. Conv lowers to im2col
//! plus the interpreter's cache-blocked matmul (`matmul::gemm_acc`) and accumulates in f32.

mod conv;
mod pool;
pub(crate) mod resize;

use super::tensor::{Data, Tensor};
use edgecc_ir::Op;

/// Evaluates a spatial op.
pub fn eval(op: &Op, inputs: &[&Tensor]) -> Result<Vec<Tensor>, String> {
    check_inputs(op, inputs)?;
    let x = inputs
        .first()
        .copied()
        .ok_or_else(|| format!("{} needs an input", op.name()))?;
    let out = match op {
        Op::Conv {
            strides,
            pads,
            dilations,
            groups,
        } => conv::conv(inputs, strides, pads, dilations, *groups)?,
        Op::ConvTranspose {
            strides,
            pads,
            dilations,
            output_padding,
            groups,
        } => conv::conv_transpose(inputs, strides, pads, dilations, output_padding, *groups)?,
        Op::MaxPool {
            kernel,
            strides,
            pads,
            dilations,
            ceil_mode,
        } => pool::max_pool(x, kernel, strides, pads, dilations, *ceil_mode)?,
        Op::AveragePool {
            kernel,
            strides,
            pads,
            ceil_mode,
            count_include_pad,
        } => pool::average_pool(x, kernel, strides, pads, *ceil_mode, *count_include_pad)?,
        Op::GlobalAveragePool => pool::global_average_pool(x)?,
        Op::Resize {
            mode,
            coord,
            nearest,
            scales,
            sizes,
        } => resize::resize(x, *mode, *coord, *nearest, scales, sizes.as_deref())?,
        other => return Err(format!("{} is not a spatial op", other.name())),
    };
    Ok(vec![out])
}

/// Checks the input count against the op's arity and every input's element count against its shape.
fn check_inputs(op: &Op, inputs: &[&Tensor]) -> Result<(), String> {
    let (min, max) = op.arity();
    if inputs.len() < min || max.is_some_and(|m| inputs.len() > m) {
        return Err(format!(
            "{} takes {min} to {} inputs, got {}",
            op.name(),
            max.map_or("any".to_string(), |m| m.to_string()),
            inputs.len()
        ));
    }
    for (i, t) in inputs.iter().enumerate() {
        let len = match &t.data {
            Data::F(v) => v.len(),
            Data::I(v) => v.len(),
            Data::B(v) => v.len(),
        };
        if super::movement::numel(&t.shape)? != len {
            return Err(format!(
                "{} input {i}: shape {:?} does not match its {len} elements",
                op.name(),
                t.shape
            ));
        }
    }
    Ok(())
}

/// The f32 data of a float tensor, or an error naming `what`.
fn floats<'a>(t: &'a Tensor, what: &str) -> Result<&'a [f32], String> {
    t.floats()
        .filter(|_| t.dtype.is_float())
        .ok_or_else(|| format!("{what} must be a float tensor, got {}", t.dtype))
}

/// Geometry of one sliding-window axis: input extent, kernel, stride, dilation, begin/end pads.
#[derive(Clone, Copy, Debug)]
struct Axis {
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    pad_begin: usize,
    pad_end: usize,
}

impl Axis {
    /// A unit axis (the height of a 1-D problem run as 2-D).
    const UNIT: Axis = Axis {
        input: 1,
        kernel: 1,
        stride: 1,
        dilation: 1,
        pad_begin: 0,
        pad_end: 0,
    };

    /// Extent of the dilated kernel.
    fn span(&self) -> usize {
        self.dilation * (self.kernel - 1) + 1
    }

    /// Output extent `floor((in + pads - span) / stride) + 1`, or with `ceil_mode` rounded up and
    /// then shortened so that the last window starts inside the input or the begin padding.
    fn output(&self, ceil_mode: bool, what: &str) -> Result<usize, String> {
        let padded = self.input + self.pad_begin + self.pad_end;
        let span = self.span();
        if padded < span {
            return Err(format!(
                "{what}: the window (kernel {} dilated by {} spans {span}) is larger than the padded input \
                 ({} + {} + {} = {padded})",
                self.kernel, self.dilation, self.pad_begin, self.input, self.pad_end
            ));
        }
        let num = padded - span;
        let mut out = if ceil_mode {
            num.div_ceil(self.stride)
        } else {
            num / self.stride
        } + 1;
        if ceil_mode && (out - 1) * self.stride >= self.input + self.pad_begin {
            out -= 1;
        }
        Ok(out)
    }
}

/// Per-axis attribute list of length `n`: empty means `default` everywhere; values must be ≥ `min`.
fn per_axis(vals: &[u64], n: usize, default: usize, min: usize, what: &str) -> Result<Vec<usize>, String> {
    if vals.is_empty() {
        return Ok(vec![default; n]);
    }
    if vals.len() != n {
        return Err(format!("{what} {vals:?} must have {n} values (one per spatial axis)"));
    }
    vals.iter()
        .map(|&v| {
            usize::try_from(v)
                .ok()
                .filter(|&v| v >= min && v <= 1 << 24)
                .ok_or_else(|| format!("{what} {vals:?}: value {v} is out of range"))
        })
        .collect()
}

/// Builds the 2-D window geometry `[height, width]` of an op over `x [N, C, *spatial]` with 1 or 2
/// spatial axes. `kernel` holds the kernel extents.
fn windows(
    x_shape: &[usize],
    kernel: &[usize],
    strides: &[u64],
    pads: &[u64],
    dilations: &[u64],
    what: &str,
) -> Result<[Axis; 2], String> {
    let ns = x_shape.len().saturating_sub(2);
    if !(x_shape.len() == 3 || x_shape.len() == 4) {
        return Err(format!(
            "{what}: input shape {x_shape:?} must be [N, C, W] or [N, C, H, W] (1 or 2 spatial axes)"
        ));
    }
    if kernel.len() != ns || kernel.contains(&0) {
        return Err(format!(
            "{what}: kernel {kernel:?} must have {ns} nonzero extents for input shape {x_shape:?}"
        ));
    }
    let strides = per_axis(strides, ns, 1, 1, &format!("{what}: strides"))?;
    let dilations = per_axis(dilations, ns, 1, 1, &format!("{what}: dilations"))?;
    let pads = per_axis(pads, 2 * ns, 0, 0, &format!("{what}: pads"))?;
    let axis = |i: usize| Axis {
        input: x_shape[2 + i],
        kernel: kernel[i],
        stride: strides[i],
        dilation: dilations[i],
        pad_begin: pads[i],
        pad_end: pads[ns + i],
    };
    Ok(if ns == 1 {
        [Axis::UNIT, axis(0)]
    } else {
        [axis(0), axis(1)]
    })
}

/// The output shape `[N, C, *spatial]` for an input of rank 3 (1-D) or 4 (2-D).
fn spatial_shape(rank: usize, n: usize, c: usize, h: usize, w: usize) -> Vec<usize> {
    if rank == 3 {
        vec![n, c, w]
    } else {
        vec![n, c, h, w]
    }
}
