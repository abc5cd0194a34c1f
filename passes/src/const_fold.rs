//! Constant folding (`const_fold`): replaces a node whose inputs are all constants by constants
//! holding its outputs, computed by the context's [`crate::Evaluator`].
//!
//! - Folds in one sweep: a folded node's outputs are constants for the nodes after it.
//! - Ops without inputs (`Range`, `ConstantOfShape`) fold too, so what they feed can fold.
//! - `Shape` folds whenever the dims it reads are static, whether or not its input is constant.
//! - Bounded: a node whose constant inputs together, or whose outputs together, hold more than
//!   [`crate::PassContext::const_fold_max_elements`] elements is left alone, so big tensors (e.g. a
//!   transposed weight) are not materialized a second time at compile time. A `Constant` node
//!   whose input went unused is removed by `dce` afterwards.
//! - A node the evaluator fails on (e.g. a `Gather` index out of range) is left alone, so the
//!   error happens at run time as it would have. So is a node whose evaluated outputs disagree
//!   with its inferred types (a bug in the evaluator or in inference): folding it would change
//!   the graph's types, and leaving it keeps the graph valid and lets the interpreter's per-node
//!   type check report the disagreement when the node runs.
//! - The folded value keeps the node output's name (the constant is named after it too).
//!
//! Without an evaluator in the context the pass is an error: silently folding nothing would hide
//! a misconfigured pipeline.

use crate::error::PassError;
use crate::manager::{Pass, PassContext};
use crate::rebuild::{rebuild, Rebuilder};
use edgecc_ir::{Graph, Node, NodeId, Op, TensorData, ValueId};

/// The constant-folding pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConstFold;

const NAME: &str = "const_fold";

/// The constant data behind new value `v`, if a `Constant` node defines it.
fn const_data<'a>(rb: &'a Rebuilder<'_>, v: ValueId) -> Option<&'a TensorData> {
    match rb.producer(v)?.op {
        Op::Constant(c) => rb.graph().consts().get(c.index()).map(|c| &c.data),
        _ => None,
    }
}

/// The value of `Shape { start, end }` on a value of type `x`, when the dims it reads are static.
fn shape_value(node: &Node, rb: &Rebuilder<'_>) -> Option<TensorData> {
    let Op::Shape { start, end } = node.op else {
        return None;
    };
    let x = rb.get(*node.inputs.first()?).ok()?;
    let dims = rb.graph().ty(x).shape.dims();
    let r = dims.len() as i64;
    let clamp = |v: i64| if v < 0 { (v + r).max(0) } else { v.min(r) };
    let s = clamp(start) as usize;
    let e = (clamp(end.unwrap_or(r)) as usize).max(s);
    let vals: Vec<i64> = dims[s..e]
        .iter()
        .map(|d| d.as_static().and_then(|n| i64::try_from(n).ok()))
        .collect::<Option<_>>()?;
    TensorData::from_i64(edgecc_ir::DType::I64, vec![vals.len()], &vals).ok()
}

impl Pass for ConstFold {
    fn name(&self) -> &str {
        NAME
    }

    fn run(&self, g: &Graph, ctx: &PassContext) -> Result<Graph, PassError> {
        let eval = ctx
            .evaluator
            .as_ref()
            .ok_or_else(|| PassError::MissingEvaluator { pass: NAME.into() })?;
        let limit = ctx.const_fold_max_elements;
        let err = |e| PassError::ir(NAME, e);
        rebuild(NAME, g, |rb| {
            for (i, node) in g.nodes().iter().enumerate() {
                let id = NodeId(i as u32);
                if matches!(node.op, Op::Constant(_)) {
                    rb.copy_node(id).map_err(err)?;
                    continue;
                }
                if let Some(data) = shape_value(node, rb) {
                    if let Some(&o) = node.outputs.first() {
                        rb.replace_with_const(o, data).map_err(err)?;
                        continue;
                    }
                }
                match fold(node, rb, eval.as_ref(), limit, g) {
                    Some(outs) => {
                        for (&o, data) in node.outputs.iter().zip(outs) {
                            rb.replace_with_const(o, data).map_err(err)?;
                        }
                    }
                    None => rb.copy_node(id).map_err(err)?,
                }
            }
            Ok(())
        })
    }
}

/// The outputs of `node` when all its inputs are constants and it is small enough to fold.
fn fold(
    node: &Node,
    rb: &Rebuilder<'_>,
    eval: &dyn crate::Evaluator,
    limit: usize,
    g: &Graph,
) -> Option<Vec<TensorData>> {
    let mut in_elems = 0usize;
    let mut datas: Vec<&TensorData> = Vec::with_capacity(node.inputs.len());
    for &v in &node.inputs {
        let d = const_data(rb, rb.get(v).ok()?)?;
        in_elems = in_elems.saturating_add(d.numel());
        datas.push(d);
    }
    let mut out_types = Vec::with_capacity(node.outputs.len());
    let mut out_elems = 0u64;
    for &o in &node.outputs {
        let ty = &g.values().get(o.index())?.ty;
        let dims = ty.shape.as_static()?;
        out_elems = out_elems.saturating_add(ty.shape.numel().unwrap_or(u64::MAX));
        out_types.push((ty.dtype, dims));
    }
    if in_elems > limit || out_elems > limit as u64 {
        return None;
    }
    let inputs: Vec<TensorData> = datas.into_iter().cloned().collect();
    let Ok(outs) = eval.eval(&node.op, &inputs) else {
        return None;
    };
    let agrees = outs.len() == out_types.len()
        && outs
            .iter()
            .zip(&out_types)
            .all(|(t, (dtype, dims))| t.dtype() == *dtype && t.shape() == dims.as_slice());
    agrees.then_some(outs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Evaluator;
    use edgecc_ir::{parse, verify, BinaryOp, DType};
    use std::sync::Arc;

    /// Evaluates Add, Neg, Range and Cast-to-f32 on f32 data; counts calls; fails on anything else.
    struct Tiny;
    impl Evaluator for Tiny {
        fn eval(&self, op: &Op, inputs: &[TensorData]) -> Result<Vec<TensorData>, String> {
            let f = |t: &TensorData| t.to_f64_vec();
            let out = match op {
                Op::Binary(BinaryOp::Add) => {
                    let (a, b) = (f(&inputs[0]), f(&inputs[1]));
                    let v: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
                    TensorData::from_f64(inputs[0].dtype(), inputs[0].shape().to_vec(), &v)
                }
                Op::Range {
                    start,
                    limit,
                    delta,
                    dtype,
                } => {
                    let n = ((limit - start) / delta).ceil().max(0.0) as usize;
                    let v: Vec<f64> = (0..n).map(|i| start + i as f64 * delta).collect();
                    TensorData::from_f64(*dtype, vec![n], &v)
                }
                Op::Cast { to: DType::I32 } => {
                    // Deliberately wrong (claims f32): a result that disagrees with inference is not folded.
                    TensorData::from_f64(DType::F32, inputs[0].shape().to_vec(), &f(&inputs[0]))
                }
                _ => return Err(format!("{} not supported", op.name())),
            };
            out.map(|t| vec![t]).map_err(|e| e.to_string())
        }
    }

    fn ctx(limit: usize) -> PassContext {
        PassContext {
            evaluator: Some(Arc::new(Tiny)),
            const_fold_max_elements: limit,
        }
    }

    fn run(src: &str, limit: usize) -> Result<Graph, PassError> {
        let g = parse(src).unwrap();
        let h = ConstFold.run(&g, &ctx(limit))?;
        verify(&h).unwrap();
        crate::check_interface(&g, &h).unwrap();
        Ok(h)
    }

    const CHAIN: &str = r#"graph g {
          input %x: f32[2]
          const @a: f32[2] = hex"0000803f00000040"
          %a: f32[2] = Constant(@a)
          %b: f32[2] = Add(%a, %a)
          %c: f32[2] = Add(%b, %a)
          %r: f32[2] = Range<start=0.0, limit=2.0, delta=1.0, dtype=f32>()
          %d: f32[2] = Add(%c, %r)
          %y: f32[2] = Add(%x, %d)
          output %y
          output %c
        }"#;

    #[test]
    fn folds_chains_in_one_sweep_and_keeps_names() {
        let h = run(CHAIN, 100).unwrap();
        let d = h.find_value("d").unwrap();
        let node = h.node(match h.value(d).def {
            edgecc_ir::ValueDef::Node { node, .. } => node,
            _ => unreachable!("d is a node output"),
        });
        let Op::Constant(c) = node.op else {
            panic!("d should be a constant, is {}", node.op.name())
        };
        // a = [1, 2]; b = [2, 4]; c = [3, 6]; r = [0, 1]; d = [3, 7].
        assert_eq!(h.constant(c).data.to_f64_vec(), [3.0, 7.0]);
        assert_eq!(h.constant(c).name, "d");
        let c_out = h.outputs()[1];
        assert_eq!(h.value(c_out).name, "c");
        assert!(h.nodes().iter().any(|n| matches!(n.op, Op::Binary(BinaryOp::Add))));
    }

    #[test]
    fn element_limit_is_respected() {
        let h = run(CHAIN, 3).unwrap();
        // Every Add reads or writes at most 4 elements; with a limit of 3 only Range (2) folds.
        let adds = h.nodes().iter().filter(|n| n.op.name() == "Add").count();
        assert_eq!(adds, 4);
        assert!(!h.nodes().iter().any(|n| n.op.name() == "Range"));
    }

    #[test]
    fn evaluator_failure_or_mismatch_leaves_the_node() {
        let h = run(
            r#"graph g {
              input %x: f32[2]
              const @a: f32[2] = hex"0000803f00000040"
              %a: f32[2] = Constant(@a)
              %n: f32[2] = Neg(%a)
              %y: f32[2] = Add(%x, %n)
              output %y
            }"#,
            100,
        )
        .unwrap();
        assert_eq!(h.nodes().len(), 3);
        let h = run(
            r#"graph g {
              const @a: f32[2] = hex"0000803f00000040"
              %a: f32[2] = Constant(@a)
              %n: i32[2] = Cast<to=i32>(%a)
              output %n
            }"#,
            100,
        )
        .unwrap();
        assert_eq!(h.nodes()[1].op, Op::Cast { to: DType::I32 });
    }

    #[test]
    fn shape_of_static_dims_folds_symbolic_does_not() {
        let h = run(
            r#"graph g {
              input %x: f32[b<=4, 3, 5]
              %s: i64[2] = Shape<start=1>(%x)
              %t: i64[3] = Shape<start=0>(%x)
              %u: i64[1] = Shape<start=-1, end=9>(%x)
              output %s
              output %t
              output %u
            }"#,
            100,
        )
        .unwrap();
        let ops: Vec<&str> = h.nodes().iter().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["Constant", "Shape", "Constant"]);
        assert_eq!(h.consts()[0].data.to_i64_vec(), [3, 5]);
        assert_eq!(h.consts()[1].data.to_i64_vec(), [5]);
    }

    #[test]
    fn missing_evaluator_is_an_error() {
        let g = parse(CHAIN).unwrap();
        let err = ConstFold.run(&g, &PassContext::default()).unwrap_err();
        assert!(err.to_string().contains("needs an evaluator"), "{err}");
    }
}
