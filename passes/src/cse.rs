//! Common-subexpression elimination (`cse`): a node with the same op and the same inputs as an
//! earlier node is replaced by that node's outputs.
//!
//! - Ops compare structurally, with float attributes compared by their bits (so `-0.0` and `0.0`
//!   differ, and two NaNs are equal only with the same payload).
//! - `Add`, `Mul`, `Equal`, `And` and `Or` are commutative: `Add(a, b)` matches `Add(b, a)`.
//!   (`Max`/`Min` are not treated as commutative: their NaN and signed-zero handling may not be.)
//! - `Constant` nodes with byte-identical data (same dtype, shape and bytes) are merged, whether
//!   they read one constant or two.
//! - Every op is a pure function of its inputs and attributes, so no node is excluded.
//!
//! It does not look through different ops computing the same value (`x * 2` vs `x + x`): that is
//! the e-graph's job. Merged nodes leave no dead code; removed constants are dropped with them.

use crate::error::PassError;
use crate::manager::{Pass, PassContext};
use crate::rebuild::rebuild;
use edgecc_ir::{BinaryOp, DType, Graph, NodeId, Op, UnaryOp, ValueId};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// The common-subexpression elimination pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cse;

/// Constant bytes compared in full but hashed by their length and at most 64 bytes at each end,
/// so that hashing a model's weights does not read every byte (equal bytes still hash equally;
/// a collision costs a `memcmp`, which stops at the first difference).
#[derive(Debug, PartialEq, Eq)]
struct Bytes<'a>(&'a [u8]);

impl Hash for Bytes<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let b = self.0;
        b.len().hash(state);
        b[..b.len().min(64)].hash(state);
        b[b.len().saturating_sub(64)..].hash(state);
    }
}

/// What makes two nodes interchangeable.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Key<'a> {
    Const {
        dtype: DType,
        shape: &'a [usize],
        bytes: Bytes<'a>,
    },
    Node {
        /// The op's `Debug` form: every attribute, floats as their shortest round-trip decimal.
        op: String,
        /// The bits of every float attribute (tells NaN payloads apart, which `Debug` does not).
        float_bits: Vec<u64>,
        inputs: Vec<ValueId>,
    },
}

/// The bits of `op`'s float attributes, in a fixed order.
pub(crate) fn float_attr_bits(op: &Op) -> Vec<u64> {
    let f = |v: f32| v.to_bits() as u64;
    let d = |v: f64| v.to_bits();
    let of = |v: Option<f32>| v.map(f).unwrap_or(u64::MAX);
    let od = |v: Option<f64>| v.map(d).unwrap_or(u64::MAX);
    match op {
        Op::Unary(UnaryOp::LeakyRelu { alpha }) => vec![f(*alpha)],
        Op::Clip { min, max } => vec![od(*min), od(*max)],
        Op::LayerNorm { epsilon, .. }
        | Op::RmsNorm { epsilon, .. }
        | Op::GroupNorm { epsilon, .. }
        | Op::InstanceNorm { epsilon }
        | Op::BatchNorm { epsilon } => vec![f(*epsilon)],
        Op::Gemm { alpha, beta, .. } => vec![f(*alpha), f(*beta)],
        Op::Resize { scales, .. } => scales.iter().map(|&s| f(s)).collect(),
        Op::Pad { value, .. } => vec![d(*value)],
        Op::Range {
            start, limit, delta, ..
        } => vec![d(*start), d(*limit), d(*delta)],
        Op::ConstantOfShape { value, .. } => vec![d(*value)],
        Op::Attention { scale, .. } => vec![of(*scale)],
        _ => Vec::new(),
    }
}

fn commutative(op: &Op) -> bool {
    matches!(
        op,
        Op::Binary(BinaryOp::Add | BinaryOp::Mul | BinaryOp::Equal | BinaryOp::And | BinaryOp::Or)
    )
}

impl Pass for Cse {
    fn name(&self) -> &str {
        "cse"
    }

    fn run(&self, g: &Graph, _ctx: &PassContext) -> Result<Graph, PassError> {
        let err = |e| PassError::ir("cse", e);
        rebuild(self.name(), g, |rb| {
            let mut seen: HashMap<Key<'_>, Vec<ValueId>> = HashMap::new();
            for (i, node) in g.nodes().iter().enumerate() {
                let key = match &node.op {
                    Op::Constant(c) => match g.consts().get(c.index()) {
                        Some(c) => Key::Const {
                            dtype: c.data.dtype(),
                            shape: c.data.shape(),
                            bytes: Bytes(c.data.bytes()),
                        },
                        None => {
                            return Err(PassError::Pass {
                                pass: "cse".into(),
                                msg: format!("node `{}` reads constant #{} which does not exist", node.name, c.0),
                            })
                        }
                    },
                    op => {
                        let mut inputs = rb.inputs_of(node).map_err(err)?;
                        if commutative(op) {
                            inputs.sort();
                        }
                        Key::Node {
                            op: format!("{op:?}"),
                            float_bits: float_attr_bits(op),
                            inputs,
                        }
                    }
                };
                if let Some(prev) = seen.get(&key) {
                    if prev.len() == node.outputs.len() {
                        for (&o, &p) in node.outputs.iter().zip(prev) {
                            rb.alias(o, p);
                        }
                        continue;
                    }
                }
                rb.copy_node(NodeId(i as u32)).map_err(err)?;
                let outs = node.outputs.iter().map(|&o| rb.get(o)).collect::<Result<Vec<_>, _>>();
                seen.insert(key, outs.map_err(err)?);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_ir::{parse, verify, TensorData};

    fn run(src: &str) -> Graph {
        let g = parse(src).unwrap();
        let h = Cse.run(&g, &PassContext::default()).unwrap();
        verify(&h).unwrap();
        crate::check_interface(&g, &h).unwrap();
        h
    }

    fn ops(g: &Graph) -> Vec<&'static str> {
        g.nodes().iter().map(|n| n.op.name()).collect()
    }

    #[test]
    fn merges_identical_nodes_and_commuted_adds() {
        let h = run(r#"graph g {
              input %x: f32[4]
              input %y: f32[4]
              %a: f32[4] = Add(%x, %y)
              %b: f32[4] = Add(%y, %x)
              %s: f32[4] = Sub(%x, %y)
              %t: f32[4] = Sub(%y, %x)
              %e1: f32[4] = Exp(%a)
              %e2: f32[4] = Exp(%b)
              %z: f32[4] = Mul(%e1, %e2)
              %w: f32[4] = Add(%s, %t)
              output %z
              output %w
            }"#);
        assert_eq!(ops(&h), ["Add", "Sub", "Sub", "Exp", "Mul", "Add"]);
        let mul = h.node(h.find_node("z").unwrap());
        assert_eq!(mul.inputs[0], mul.inputs[1]);
    }

    #[test]
    fn float_attributes_compare_by_bits() {
        let h = run(r#"graph g {
              input %x: f32[2]
              %a: f32[2] = LeakyRelu<alpha=0.0>(%x)
              %b: f32[2] = LeakyRelu<alpha=-0.0>(%x)
              %c: f32[2] = ConstantOfShape<shape=[2], value=0x7ff8000000000001, dtype=f32>()
              %d: f32[2] = ConstantOfShape<shape=[2], value=NaN, dtype=f32>()
              %e: f32[2] = ConstantOfShape<shape=[2], value=0x7ff8000000000001, dtype=f32>()
              %f: f32[2] = LeakyRelu<alpha=0.0>(%x)
              output %a
              output %b
              output %c
              output %d
              output %e
              output %f
            }"#);
        // e merges into c, f into a: both stay outputs through an Identity each.
        assert_eq!(
            ops(&h),
            [
                "LeakyRelu",
                "LeakyRelu",
                "ConstantOfShape",
                "ConstantOfShape",
                "Identity",
                "Identity"
            ]
        );
    }

    #[test]
    fn merges_byte_identical_constants_only() {
        let h = run(r#"graph g {
              input %x: f32[2]
              const @p: f32[2] = hex"0000803f00000040"
              const @q: f32[2] = hex"0000803f00000040"
              const @z: f32[2] = hex"0000000000000000"
              const @nz: f32[2] = hex"0000008000000000"
              const @i: i32[2] = hex"0000803f00000040"
              %p: f32[2] = Constant(@p)
              %q: f32[2] = Constant(@q)
              %p2: f32[2] = Constant(@p)
              %z: f32[2] = Constant(@z)
              %nz: f32[2] = Constant(@nz)
              %i: i32[2] = Constant(@i)
              %a: f32[2] = Add(%x, %p)
              %b: f32[2] = Add(%x, %q)
              %c: f32[2] = Add(%x, %p2)
              %d: f32[2] = Mul(%z, %nz)
              %ic: f32[2] = Cast<to=f32>(%i)
              %s: f32[2] = Add(%a, %b)
              %t: f32[2] = Add(%s, %c)
              %u: f32[2] = Add(%t, %d)
              %v: f32[2] = Add(%u, %ic)
              output %v
            }"#);
        assert_eq!(h.consts().len(), 4, "p and q merge; -0.0 and the i32 twin stay");
        assert_eq!(
            ops(&h),
            ["Constant", "Constant", "Constant", "Constant", "Add", "Mul", "Cast", "Add", "Add", "Add", "Add"]
        );
    }

    #[test]
    fn long_constants_differing_only_in_the_middle_do_not_merge() {
        let mut g = Graph::new("long");
        let mk = |mid: f64| {
            let mut v = vec![1.0; 1000];
            v[500] = mid;
            TensorData::from_f64(DType::F32, vec![1000], &v).unwrap()
        };
        let a = g.add_const_value("a", mk(1.0)).unwrap();
        let b = g.add_const_value("b", mk(2.0)).unwrap();
        let c = g.add_const_value("c", mk(1.0)).unwrap();
        let s = g.add_node(Op::Binary(BinaryOp::Sub), &[a, b]).unwrap()[0];
        let t = g.add_node(Op::Binary(BinaryOp::Sub), &[s, c]).unwrap()[0];
        g.add_output(t).unwrap();
        let h = Cse.run(&g, &PassContext::default()).unwrap();
        verify(&h).unwrap();
        assert_eq!(h.consts().len(), 2, "a and c merge, b differs in element 500");
        assert_eq!(h.nodes().len(), 4);
        let (first, second) = (&h.nodes()[2], &h.nodes()[3]);
        assert_eq!(second.inputs[1], first.inputs[0], "c is read as a");
    }

    #[test]
    fn multi_output_nodes_and_chains() {
        let h = run(r#"graph g {
              input %x: f32[4]
              %a: f32[1], %b: f32[3] = Split<axis=0, sizes=[1, 3]>(%x)
              %c: f32[1], %d: f32[3] = Split<axis=0, sizes=[1, 3]>(%x)
              %e: f32[3] = Neg(%b)
              %f: f32[3] = Neg(%d)
              %g: f32[3] = Sub(%e, %f)
              output %g
              output %c
            }"#);
        assert_eq!(ops(&h), ["Split", "Neg", "Sub"]);
        assert_eq!(h.value(h.outputs()[1]).name, "c");
    }

    #[test]
    fn different_attributes_do_not_merge() {
        let h = run(r#"graph g {
              input %x: f32[2, 3]
              %a: f32[2] = ReduceSum<axes=[1], keepdims=false>(%x)
              %b: f32[2, 1] = ReduceSum<axes=[1], keepdims=true>(%x)
              %c: f32[2] = ReduceMax<axes=[1], keepdims=false>(%x)
              output %a
              output %b
              output %c
            }"#);
        assert_eq!(h.nodes().len(), 3);
    }
}
