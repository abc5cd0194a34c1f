//! Graphviz DOT of a fused kernel graph (what `edgecc inspect --target T --dot FILE` writes).
//!
//! One box per kernel, labelled with its name, its kind and the ops it fused (in order, with
//! counts); graph inputs are inverted houses, weights cylinders (one node per weight), graph
//! outputs houses. Edges follow the buffers: an activation buffer is an edge from the kernel
//! that writes it to each kernel that reads it, labelled with the buffer's name, dtype and
//! shape; inputs and weights have an edge to each kernel that reads them; each graph output has
//! an edge from the kernel (or input, or weight) that holds it.
//!
//! Node ids are `k<i>` (kernel `i`), `b<i>` (input or weight buffer `i`) and `out<i>` (graph
//! output `i`), so they never depend on user-chosen names; every label is a quoted, escaped
//! string. Render with `dot -Tsvg kernels.dot -o kernels.svg`.

use edgecc_passes::{BufferId, BufferKind, KernelGraph};
use std::fmt::Write;

/// The DOT text of `kg`.
pub fn kernel_graph_dot(kg: &KernelGraph) -> String {
    let mut s = String::new();
    let buffer_label = |b: BufferId| match kg.buffers.get(b.index()) {
        Some(buf) => format!("{}\n{}{}", buf.name, buf.dtype, buf.shape),
        None => format!("#{}", b.0),
    };
    let _ = writeln!(s, "digraph {} {{", quote(&kg.name));
    s.push_str("  rankdir=TB;\n");
    s.push_str("  node [fontname=\"Helvetica\", fontsize=10];\n");
    s.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for &b in &kg.inputs {
        let _ = writeln!(
            s,
            "  b{} [shape=invhouse, style=filled, fillcolor=\"#dbeafe\", label={}];",
            b.0,
            quote(&format!("input {}", buffer_label(b)))
        );
    }
    for w in &kg.weights {
        let _ = writeln!(
            s,
            "  b{} [shape=cylinder, style=filled, fillcolor=\"#f3f4f6\", label={}];",
            w.buffer.0,
            quote(&buffer_label(w.buffer))
        );
    }
    for (i, k) in kg.kernels.iter().enumerate() {
        let label = format!("{}\n{}\n{}", k.name, k.kind.name(), fused_ops(k));
        let _ = writeln!(
            s,
            "  k{i} [shape=box, style=\"rounded,filled\", fillcolor=\"#fef3c7\", label={}];",
            quote(&label)
        );
    }
    for (i, &b) in kg.outputs.iter().enumerate() {
        let _ = writeln!(
            s,
            "  out{i} [shape=house, style=filled, fillcolor=\"#dcfce7\", label={}];",
            quote(&format!("output {}", buffer_label(b)))
        );
    }
    let producers = kg.producers();
    let source = |b: BufferId| -> Option<String> {
        match producers.get(b.index()).copied().flatten() {
            Some(p) => Some(format!("k{p}")),
            None => {
                let kind = kg.buffers.get(b.index()).map(|buf| buf.kind);
                matches!(kind, Some(BufferKind::Input | BufferKind::Weight)).then(|| format!("b{}", b.0))
            }
        }
    };
    for (i, k) in kg.kernels.iter().enumerate() {
        for &b in &k.inputs {
            let Some(from) = source(b) else { continue };
            if from.starts_with('k') {
                let _ = writeln!(s, "  {from} -> k{i} [label={}];", quote(&buffer_label(b)));
            } else {
                let _ = writeln!(s, "  {from} -> k{i};");
            }
        }
    }
    for (i, &b) in kg.outputs.iter().enumerate() {
        if let Some(from) = source(b) {
            let _ = writeln!(s, "  {from} -> out{i};");
        }
    }
    s.push_str("}\n");
    s
}

/// The body's ops in order of first appearance, with counts (`MatMul, Add x2, Relu`); inlined
/// scalar constants are left out.
fn fused_ops(k: &edgecc_passes::Kernel) -> String {
    let mut ops: Vec<(&str, usize)> = Vec::new();
    for n in k.body.nodes() {
        let name = n.op.name();
        if name == "Constant" {
            continue;
        }
        match ops.iter_mut().find(|(o, _)| *o == name) {
            Some((_, c)) => *c += 1,
            None => ops.push((name, 1)),
        }
    }
    if ops.is_empty() {
        return "(copy)".to_string();
    }
    ops.iter()
        .map(|&(o, c)| if c > 1 { format!("{o} x{c}") } else { o.to_string() })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A DOT quoted string: `"` and `\` escaped, newlines as `\n` (centered lines).
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => {}
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn mlp_kernels_as_dot() {
        let g = crate::models::mlp(&crate::models::MlpConfig::tiny(), 0).expect("mlp builds");
        let opt = crate::optimize(&g, "wgsl", &Default::default()).expect("optimizes");
        let kg = &opt.kernels;
        let dot = kernel_graph_dot(kg);
        assert!(dot.starts_with("digraph ") && dot.trim_end().ends_with('}'), "{dot}");
        for (i, k) in kg.kernels.iter().enumerate() {
            let line = dot
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("k{i} [")))
                .unwrap_or_else(|| panic!("a node for kernel {i}:\n{dot}"));
            assert!(line.contains(&k.name) && line.contains(k.kind.name()), "{line}");
            // Every kernel reads something, so it has an incoming edge.
            assert!(dot.contains(&format!("-> k{i}")), "{dot}");
        }
        assert_eq!(dot.matches("shape=invhouse").count(), kg.inputs.len());
        assert_eq!(dot.matches("shape=house").count(), kg.outputs.len());
        assert_eq!(dot.matches("shape=cylinder").count(), kg.weights.len());
        assert!(dot.contains("MatMul"), "{dot}");
        // Braces and quotes balance.
        assert_eq!(dot.matches('{').count(), dot.matches('}').count());
        assert_eq!(dot.replace("\\\"", "").matches('"').count() % 2, 0);
    }

    #[test]
    fn activations_are_labelled_edges_between_kernels() {
        let g = crate::models::gpt2_block(&crate::models::TransformerConfig::tiny(), 0).expect("builds");
        let kg = crate::optimize(&g, "wgsl", &Default::default())
            .expect("optimizes")
            .kernels;
        let dot = kernel_graph_dot(&kg);
        let between: Vec<&str> = dot
            .lines()
            .filter(|l| l.trim_start().starts_with('k') && l.contains("-> k"))
            .collect();
        assert!(!between.is_empty(), "{dot}");
        for l in between {
            assert!(l.contains("[label=\"") && l.contains("f32["), "{l}");
        }
        assert_eq!(dot.matches(" [shape=box").count(), kg.kernels.len());
    }
}
