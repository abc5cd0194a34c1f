//! Dead-code elimination (`dce`): keeps the nodes some graph output depends on.
//!
//! A node is live when any of its outputs is a graph output or an input of a live node (a node
//! with several outputs, e.g. `Split`, is kept whole). Graph inputs are always kept, used or not:
//! they are the graph's interface. Constants that no kept `Constant` node reads are dropped from
//! the constant table. No op has side effects, so nothing else is kept.

use crate::error::PassError;
use crate::manager::{Pass, PassContext};
use crate::rebuild::rebuild;
use edgecc_ir::{Graph, NodeId};

/// The dead-code elimination pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dce;

/// Which nodes of `g` some graph output depends on.
pub fn live_nodes(g: &Graph) -> Vec<bool> {
    let mut live_value = vec![false; g.values().len()];
    for &o in g.outputs() {
        if let Some(l) = live_value.get_mut(o.index()) {
            *l = true;
        }
    }
    let mut live = vec![false; g.nodes().len()];
    for (i, node) in g.nodes().iter().enumerate().rev() {
        if node
            .outputs
            .iter()
            .any(|v| live_value.get(v.index()).copied().unwrap_or(false))
        {
            live[i] = true;
            for v in &node.inputs {
                if let Some(l) = live_value.get_mut(v.index()) {
                    *l = true;
                }
            }
        }
    }
    live
}

impl Pass for Dce {
    fn name(&self) -> &str {
        "dce"
    }

    fn run(&self, g: &Graph, _ctx: &PassContext) -> Result<Graph, PassError> {
        let live = live_nodes(g);
        rebuild(self.name(), g, |rb| {
            for (i, &keep) in live.iter().enumerate() {
                if keep {
                    rb.copy_node(NodeId(i as u32)).map_err(|e| PassError::ir("dce", e))?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_ir::{parse, verify, Op};

    fn run(src: &str) -> Graph {
        let g = parse(src).unwrap();
        let h = Dce.run(&g, &PassContext::default()).unwrap();
        verify(&h).unwrap();
        crate::check_interface(&g, &h).unwrap();
        h
    }

    #[test]
    fn removes_dead_nodes_and_constants_keeps_inputs() {
        let h = run(r#"graph g {
              input %x: f32[2]
              input %unused: f32[2]
              const @a: f32[2] = hex"0000803f00000040"
              const @b: f32[2] = hex"0000803f00000040"
              const @never: i8[1] = hex"01"
              %a: f32[2] = Constant(@a)
              %b: f32[2] = Constant(@b)
              %d: f32[2] = Add(%x, %b)
              %e: f32[2] = Exp(%d)
              %y: f32[2] = Mul(%x, %a)
              output %y
            }"#);
        assert_eq!(h.inputs().len(), 2);
        let ops: Vec<&str> = h.nodes().iter().map(|n| n.op.name()).collect();
        assert_eq!(ops, ["Constant", "Mul"]);
        assert_eq!(h.consts().len(), 1);
        assert_eq!(h.consts()[0].name, "a");
    }

    #[test]
    fn keeps_multi_output_node_when_one_output_is_used() {
        let h = run(r#"graph g {
              input %x: f32[4]
              %p: f32[1], %q: f32[3] = Split<axis=0, sizes=[1, 3]>(%x)
              %r: f32[3] = Neg(%q)
              output %r
            }"#);
        assert!(matches!(h.nodes()[0].op, Op::Split { .. }));
        assert_eq!(h.nodes().len(), 2);
    }

    #[test]
    fn output_that_is_an_input_and_repeated_outputs() {
        let h = run(r#"graph g {
              input %x: f32[4]
              %n: f32[4] = Neg(%x)
              %m: f32[4] = Exp(%x)
              output %x
              output %n
              output %n
            }"#);
        assert_eq!(h.nodes().len(), 1);
        assert_eq!(h.outputs().len(), 3);
    }

    #[test]
    fn live_nodes_marks_transitively() {
        let g = parse(
            r#"graph g {
              input %x: f32[4]
              %a: f32[4] = Neg(%x)
              %b: f32[4] = Exp(%a)
              %c: f32[4] = Relu(%x)
              %d: f32[4] = Abs(%b)
              output %d
            }"#,
        )
        .unwrap();
        assert_eq!(live_nodes(&g), [true, true, false, true]);
    }
}
