//! One op on decoded tensors: [`eval_op`] checks the input count and each input's consistency,
//! then dispatches every [`Op`] variant to its kernel.

use super::tensor::{Data, Tensor};
use super::{attention, elementwise, matmul, misc, movement, norm, reduce, spatial};
use edgecc_ir::{Constant, DType, Op};

/// Checks that a tensor's data kind matches its dtype and its length matches its shape.
fn check_tensor(t: &Tensor, i: usize) -> Result<(), String> {
    let len = match &t.data {
        Data::F(v) if t.dtype.is_float() => v.len(),
        Data::I(v) if t.dtype.is_int() => v.len(),
        Data::B(v) if t.dtype == DType::Bool => v.len(),
        _ => return Err(format!("input {i}: its data does not hold dtype {}", t.dtype)),
    };
    let n = super::broadcast::checked_numel(&t.shape).map_err(|e| format!("input {i}: {e}"))?;
    if n != len {
        return Err(format!(
            "input {i}: shape {:?} has {n} elements but the data has {len}",
            t.shape
        ));
    }
    Ok(())
}

/// Evaluates `op` on `inputs`. `consts` is the graph's constant table (read by `Constant`).
/// Errors describe the problem without naming the node; [`super::run`] adds that.
pub fn eval_op(op: &Op, inputs: &[&Tensor], consts: &[Constant]) -> Result<Vec<Tensor>, String> {
    let (lo, hi) = op.arity();
    if inputs.len() < lo || hi.is_some_and(|h| inputs.len() > h) {
        let want = match hi {
            Some(h) if h == lo => format!("{lo}"),
            Some(h) => format!("{lo} to {h}"),
            None => format!("at least {lo}"),
        };
        return Err(format!("takes {want} inputs, got {}", inputs.len()));
    }
    for (i, t) in inputs.iter().enumerate() {
        check_tensor(t, i)?;
    }
    let x = |i: usize| inputs[i];
    let opt = |i: usize| inputs.get(i).copied();
    let one = |t: Tensor| Ok(vec![t]);
    match op {
        Op::Constant(id) => {
            let c = consts
                .get(id.index())
                .ok_or_else(|| format!("constant #{} does not exist ({} constants)", id.0, consts.len()))?;
            one(Tensor::from_data(&c.data))
        }
        Op::Identity => one(x(0).clone()),
        Op::Unary(u) => one(elementwise::unary(*u, x(0))?),
        Op::Cast { to } => one(elementwise::cast(x(0), *to)),
        Op::Binary(b) => one(elementwise::binary(*b, x(0), x(1))?),
        Op::Where => one(elementwise::where_(x(0), x(1), x(2))?),
        Op::Clip { min, max } => one(elementwise::clip(x(0), *min, *max)?),
        Op::Reduce { op, axes, keepdims } => one(reduce::reduce(*op, x(0), axes, *keepdims)?),
        Op::ArgMax {
            axis,
            keepdims,
            select_last_index,
        } => one(reduce::arg_extremum(x(0), *axis, *keepdims, *select_last_index, true)?),
        Op::ArgMin {
            axis,
            keepdims,
            select_last_index,
        } => one(reduce::arg_extremum(x(0), *axis, *keepdims, *select_last_index, false)?),
        Op::Softmax { axis } => one(reduce::softmax(x(0), *axis, false)?),
        Op::LogSoftmax { axis } => one(reduce::softmax(x(0), *axis, true)?),
        Op::CumSum {
            axis,
            exclusive,
            reverse,
        } => one(reduce::cumsum(x(0), *axis, *exclusive, *reverse)?),
        Op::LayerNorm { axis, epsilon } => one(norm::layer_norm(x(0), x(1), opt(2), *axis, *epsilon)?),
        Op::RmsNorm { axis, epsilon } => one(norm::rms_norm(x(0), x(1), *axis, *epsilon)?),
        Op::GroupNorm { num_groups, epsilon } => one(norm::group_norm(x(0), x(1), x(2), *num_groups, *epsilon)?),
        Op::InstanceNorm { epsilon } => one(norm::instance_norm(x(0), x(1), x(2), *epsilon)?),
        Op::BatchNorm { epsilon } => one(norm::batch_norm(x(0), [x(1), x(2), x(3), x(4)], *epsilon)?),
        Op::MatMul => one(matmul::matmul(x(0), x(1))?),
        Op::Gemm {
            alpha,
            beta,
            trans_a,
            trans_b,
        } => one(matmul::gemm(x(0), x(1), opt(2), *alpha, *beta, *trans_a, *trans_b)?),
        Op::Attention { scale, causal } => one(attention::attention(x(0), x(1), x(2), opt(3), *scale, *causal)?),
        Op::Trilu { upper, k } => one(misc::trilu(x(0), *upper, *k)?),
        Op::TopK { k, axis, largest } => misc::topk(x(0), *k, *axis, *largest),
        Op::Conv { .. }
        | Op::ConvTranspose { .. }
        | Op::MaxPool { .. }
        | Op::AveragePool { .. }
        | Op::GlobalAveragePool
        | Op::Resize { .. } => spatial::eval(op, inputs),
        Op::Reshape { .. }
        | Op::Transpose { .. }
        | Op::Concat { .. }
        | Op::Split { .. }
        | Op::Slice { .. }
        | Op::Crop { .. }
        | Op::Gather { .. }
        | Op::GatherElements { .. }
        | Op::Expand { .. }
        | Op::Squeeze { .. }
        | Op::Unsqueeze { .. }
        | Op::Flatten { .. }
        | Op::Pad { .. }
        | Op::Tile { .. }
        | Op::Range { .. }
        | Op::Shape { .. }
        | Op::ConstantOfShape { .. } => movement::eval(op, inputs),
    }
}
