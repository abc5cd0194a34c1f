//! The printer: `impl Display for Graph` (see the module docs of [`crate::text`] for the grammar).

use super::{default_node_name, quote_name};
use crate::graph::{Graph, Node, TensorType};
use crate::op::{Op, UnaryOp};
use crate::shape::Dim;
use crate::ValueId;
use std::fmt::{self, Write};

/// Formats an `f32` so that it parses back bit-identically (`NaN`s other than the canonical one
/// are written as their bits, `0x7fc00001`).
pub fn fmt_f32(v: f32) -> String {
    if v.is_nan() && v.to_bits() != f32::NAN.to_bits() {
        format!("0x{:08x}", v.to_bits())
    } else {
        format!("{v:?}")
    }
}

/// Formats an `f64` so that it parses back bit-identically.
pub fn fmt_f64(v: f64) -> String {
    if v.is_nan() && v.to_bits() != f64::NAN.to_bits() {
        format!("0x{:016x}", v.to_bits())
    } else {
        format!("{v:?}")
    }
}

fn list<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    let parts: Vec<String> = items.iter().map(f).collect();
    format!("[{}]", parts.join(", "))
}

fn ints<T: fmt::Display>(items: &[T]) -> String {
    list(items, |v| v.to_string())
}

/// Writes a tensor type: `f32[batch<=64, 16]`.
pub fn write_type(out: &mut impl Write, ty: &TensorType) -> fmt::Result {
    write!(out, "{}[", ty.dtype)?;
    for (i, d) in ty.shape.dims().iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        out.write_str(&dim_text(d))?;
    }
    out.write_str("]")
}

/// A dim as the text format writes it: `16` or `seq<=512`.
fn dim_text(d: &Dim) -> String {
    match d {
        Dim::Static(n) => n.to_string(),
        Dim::Sym { name, max } => format!("{}<={max}", quote_name(name)),
    }
}

/// The attributes of `op` as `(name, printed value)`, in printing order. Optional attributes that
/// are absent are left out.
pub fn op_attrs(op: &Op) -> Vec<(&'static str, String)> {
    let b = |v: bool| v.to_string();
    match op {
        Op::Constant(_) | Op::Identity | Op::Binary(_) | Op::Where | Op::MatMul | Op::GlobalAveragePool => vec![],
        Op::Unary(UnaryOp::LeakyRelu { alpha }) => vec![("alpha", fmt_f32(*alpha))],
        Op::Unary(UnaryOp::Gelu { tanh }) => vec![("tanh", b(*tanh))],
        Op::Unary(_) => vec![],
        Op::Cast { to } => vec![("to", to.name().into())],
        Op::Clip { min, max } => {
            let mut v = Vec::new();
            if let Some(m) = min {
                v.push(("min", fmt_f64(*m)));
            }
            if let Some(m) = max {
                v.push(("max", fmt_f64(*m)));
            }
            v
        }
        Op::Reduce { axes, keepdims, .. } => vec![("axes", ints(axes)), ("keepdims", b(*keepdims))],
        Op::ArgMax {
            axis,
            keepdims,
            select_last_index,
        }
        | Op::ArgMin {
            axis,
            keepdims,
            select_last_index,
        } => vec![
            ("axis", axis.to_string()),
            ("keepdims", b(*keepdims)),
            ("select_last_index", b(*select_last_index)),
        ],
        Op::Softmax { axis }
        | Op::LogSoftmax { axis }
        | Op::Concat { axis }
        | Op::Gather { axis }
        | Op::GatherElements { axis }
        | Op::Flatten { axis } => vec![("axis", axis.to_string())],
        Op::LayerNorm { axis, epsilon } | Op::RmsNorm { axis, epsilon } => {
            vec![("axis", axis.to_string()), ("epsilon", fmt_f32(*epsilon))]
        }
        Op::GroupNorm { num_groups, epsilon } => {
            vec![("num_groups", num_groups.to_string()), ("epsilon", fmt_f32(*epsilon))]
        }
        Op::InstanceNorm { epsilon } | Op::BatchNorm { epsilon } => vec![("epsilon", fmt_f32(*epsilon))],
        Op::Gemm {
            alpha,
            beta,
            trans_a,
            trans_b,
        } => vec![
            ("alpha", fmt_f32(*alpha)),
            ("beta", fmt_f32(*beta)),
            ("trans_a", b(*trans_a)),
            ("trans_b", b(*trans_b)),
        ],
        Op::Conv {
            strides,
            pads,
            dilations,
            groups,
        } => vec![
            ("strides", ints(strides)),
            ("pads", ints(pads)),
            ("dilations", ints(dilations)),
            ("groups", groups.to_string()),
        ],
        Op::ConvTranspose {
            strides,
            pads,
            dilations,
            output_padding,
            groups,
        } => vec![
            ("strides", ints(strides)),
            ("pads", ints(pads)),
            ("dilations", ints(dilations)),
            ("output_padding", ints(output_padding)),
            ("groups", groups.to_string()),
        ],
        Op::MaxPool {
            kernel,
            strides,
            pads,
            dilations,
            ceil_mode,
        } => vec![
            ("kernel", ints(kernel)),
            ("strides", ints(strides)),
            ("pads", ints(pads)),
            ("dilations", ints(dilations)),
            ("ceil_mode", b(*ceil_mode)),
        ],
        Op::AveragePool {
            kernel,
            strides,
            pads,
            ceil_mode,
            count_include_pad,
        } => vec![
            ("kernel", ints(kernel)),
            ("strides", ints(strides)),
            ("pads", ints(pads)),
            ("ceil_mode", b(*ceil_mode)),
            ("count_include_pad", b(*count_include_pad)),
        ],
        Op::Resize {
            mode,
            coord,
            nearest,
            scales,
            sizes,
        } => {
            let mut v = vec![
                ("mode", mode.name().to_string()),
                ("coord", coord.name().to_string()),
                ("nearest", nearest.name().to_string()),
                ("scales", list(scales, |s| fmt_f32(*s))),
            ];
            if let Some(s) = sizes {
                v.push(("sizes", ints(s)));
            }
            v
        }
        Op::Reshape { shape, allowzero } => vec![("shape", ints(shape)), ("allowzero", b(*allowzero))],
        Op::Transpose { perm } => vec![("perm", ints(perm))],
        Op::Split { axis, sizes } => vec![("axis", axis.to_string()), ("sizes", ints(sizes))],
        Op::Slice {
            starts,
            ends,
            axes,
            steps,
        } => vec![
            ("starts", ints(starts)),
            ("ends", ints(ends)),
            ("axes", ints(axes)),
            ("steps", ints(steps)),
        ],
        Op::Crop { shape } => vec![("shape", list(shape, dim_text))],
        Op::Expand { shape } => vec![("shape", ints(shape))],
        Op::Squeeze { axes } | Op::Unsqueeze { axes } => vec![("axes", ints(axes))],
        Op::Pad { pads, mode, value } => vec![
            ("pads", ints(pads)),
            ("mode", mode.name().to_string()),
            ("value", fmt_f64(*value)),
        ],
        Op::Tile { repeats } => vec![("repeats", ints(repeats))],
        Op::Range {
            start,
            limit,
            delta,
            dtype,
        } => vec![
            ("start", fmt_f64(*start)),
            ("limit", fmt_f64(*limit)),
            ("delta", fmt_f64(*delta)),
            ("dtype", dtype.name().to_string()),
        ],
        Op::Shape { start, end } => {
            let mut v = vec![("start", start.to_string())];
            if let Some(e) = end {
                v.push(("end", e.to_string()));
            }
            v
        }
        Op::ConstantOfShape { shape, value, dtype } => vec![
            ("shape", ints(shape)),
            ("value", fmt_f64(*value)),
            ("dtype", dtype.name().to_string()),
        ],
        Op::Trilu { upper, k } => vec![("upper", b(*upper)), ("k", k.to_string())],
        Op::CumSum {
            axis,
            exclusive,
            reverse,
        } => vec![
            ("axis", axis.to_string()),
            ("exclusive", b(*exclusive)),
            ("reverse", b(*reverse)),
        ],
        Op::TopK { k, axis, largest } => {
            vec![
                ("k", k.to_string()),
                ("axis", axis.to_string()),
                ("largest", b(*largest)),
            ]
        }
        Op::Attention { scale, causal } => {
            let mut v = Vec::new();
            if let Some(s) = scale {
                v.push(("scale", fmt_f32(*s)));
            }
            v.push(("causal", b(*causal)));
            v
        }
    }
}

fn value_ref(g: &Graph, v: ValueId) -> String {
    match g.values().get(v.index()) {
        Some(val) => format!("%{}", quote_name(&val.name)),
        // A dangling id (only in graphs broken by hand): printed so that it does not parse.
        None => format!("%?{}", v.0),
    }
}

/// Writes one node statement (without indentation or newline).
pub fn write_node(out: &mut impl Write, g: &Graph, node: &Node) -> fmt::Result {
    if node.outputs.is_empty() {
        out.write_str("()")?;
    }
    for (i, &v) in node.outputs.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        out.write_str(&value_ref(g, v))?;
        if let Some(val) = g.values().get(v.index()) {
            out.write_str(": ")?;
            write_type(out, &val.ty)?;
        }
    }
    write!(out, " = {}", node.op.name())?;
    let attrs = op_attrs(&node.op);
    if !attrs.is_empty() {
        out.write_str("<")?;
        for (i, (k, v)) in attrs.iter().enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            write!(out, "{k}={v}")?;
        }
        out.write_str(">")?;
    }
    out.write_str("(")?;
    if let Op::Constant(c) = &node.op {
        let name = g.consts().get(c.index()).map(|k| k.name.as_str());
        let unique = name.is_some_and(|n| g.consts().iter().filter(|k| k.name == n).count() == 1);
        match name {
            Some(n) if unique => write!(out, "@{}", quote_name(n))?,
            _ => write!(out, "@{}", c.0)?,
        }
    }
    for (i, &v) in node.inputs.iter().enumerate() {
        if i > 0 || matches!(node.op, Op::Constant(_)) {
            out.write_str(", ")?;
        }
        out.write_str(&value_ref(g, v))?;
    }
    out.write_str(")")?;
    let first = node
        .outputs
        .first()
        .and_then(|v| g.values().get(v.index()))
        .map(|v| v.name.as_str());
    if default_node_name(&node.op, first).as_deref() != Some(node.name.as_str()) {
        write!(out, " #{}", quote_name(&node.name))?;
    }
    Ok(())
}

fn write_input(out: &mut impl Write, g: &Graph, v: ValueId) -> fmt::Result {
    write!(out, "  input {}", value_ref(g, v))?;
    if let Some(val) = g.values().get(v.index()) {
        out.write_str(": ")?;
        write_type(out, &val.ty)?;
    }
    out.write_str("\n")
}

fn write_consts(out: &mut impl Write, g: &Graph) -> fmt::Result {
    for c in g.consts() {
        let ty = TensorType::new(c.data.dtype(), crate::Shape::of(c.data.shape()));
        write!(out, "  const @{}: ", quote_name(&c.name))?;
        write_type(out, &ty)?;
        out.write_str(" = hex\"")?;
        for byte in c.data.bytes() {
            write!(out, "{byte:02x}")?;
        }
        out.write_str("\"\n")?;
    }
    Ok(())
}

/// Writes the whole graph.
pub fn write_graph(out: &mut impl Write, g: &Graph) -> fmt::Result {
    writeln!(out, "graph {} {{", quote_name(g.name()))?;
    let inputs = g.inputs();
    let mut next_input = 0;
    for (i, node) in g.nodes().iter().enumerate() {
        // Inputs are printed where they were added, so that parsing rebuilds the same ids.
        if let Some(first) = node.outputs.iter().map(|v| v.0).min() {
            while next_input < inputs.len() && inputs[next_input].0 < first {
                write_input(out, g, inputs[next_input])?;
                next_input += 1;
            }
        }
        if i == 0 {
            write_consts(out, g)?;
        }
        out.write_str("  ")?;
        write_node(out, g, node)?;
        out.write_str("\n")?;
    }
    for &v in &inputs[next_input..] {
        write_input(out, g, v)?;
    }
    if g.nodes().is_empty() {
        write_consts(out, g)?;
    }
    for &v in g.outputs() {
        writeln!(out, "  output {}", value_ref(g, v))?;
    }
    out.write_str("}\n")
}
