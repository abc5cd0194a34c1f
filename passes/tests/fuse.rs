//! Fusion decisions on small graphs: which ops share a kernel, what is materialized, that no
//! kernel depends on a later one, and that the kernels compute what the graph computes (through
//! the reference interpreter's `run_kernels`).

mod common;

use common::{compare, random_inputs};
use edgecc_backends::reference::{run, run_kernels};
use edgecc_ir::{BinaryOp, Builder, DType, Graph, Op, ReduceOp, Shape, UnaryOp, ValueId};
use edgecc_passes::{fuse, BufferKind, KernelGraph, KernelKind};

fn vals(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as u32 * 7 + seed * 13) % 17) as f32 / 17.0 - 0.5)
        .collect()
}

fn weight(b: &mut Builder, name: &str, shape: &[usize]) -> ValueId {
    let n = shape.iter().product();
    b.const_f32(name, shape, &vals(n, name.len() as u32)).unwrap()
}

/// Fuses `g`, checks the kernel graph's invariants and that it computes what `g` computes.
fn fused(g: &Graph) -> KernelGraph {
    let kg = fuse(g).unwrap_or_else(|e| panic!("fuse failed: {e}\n{g}"));
    kg.check().unwrap_or_else(|e| panic!("{e}\n{kg}"));
    let inputs = random_inputs(g, 3);
    let want = run(g, &inputs).unwrap();
    let got = run_kernels(&kg, &inputs).unwrap_or_else(|e| panic!("{e}\n{kg}"));
    compare(&want, &got).unwrap_or_else(|e| panic!("{e}\n{kg}"));
    kg
}

fn ops(kg: &KernelGraph, k: usize) -> Vec<&'static str> {
    kg.kernels[k]
        .body
        .nodes()
        .iter()
        .filter(|n| !matches!(n.op, Op::Constant(_)))
        .map(|n| n.op.name())
        .collect()
}

fn buffer_named<'a>(kg: &'a KernelGraph, name: &str) -> Option<(usize, &'a edgecc_passes::Buffer)> {
    kg.buffers.iter().enumerate().find(|(_, b)| b.name == name)
}

#[test]
fn elementwise_chain_is_one_kernel() {
    let mut b = Builder::new("chain");
    let x = b.input("x", DType::F32, Shape::of(&[4, 8])).unwrap();
    let bias = weight(&mut b, "bias", &[8]);
    let half = b.scalar(DType::F32, 0.5).unwrap();
    let n = b.unary(UnaryOp::Neg, x).unwrap();
    let e = b.exp(n).unwrap();
    let m = b.mul(e, half).unwrap();
    let a = b.add(m, bias).unwrap();
    let r = b.relu(a).unwrap();
    b.output(r).unwrap();
    let kg = fused(&b.finish().unwrap());
    assert_eq!(kg.kernels.len(), 1, "{kg}");
    assert_eq!(kg.kernels[0].kind, KernelKind::Elementwise);
    assert_eq!(ops(&kg, 0), ["Neg", "Exp", "Mul", "Add", "Relu"]);
    // The bias is a weight buffer; the scalar is an immediate in the body.
    assert_eq!(kg.weights.len(), 1, "{kg}");
    assert_eq!(kg.buffer(kg.weights[0].buffer).kind, BufferKind::Weight);
    assert!(kg.kernels[0]
        .body
        .nodes()
        .iter()
        .any(|n| matches!(n.op, Op::Constant(_))));
    // Only the input, the bias and the output reach global memory.
    assert_eq!(kg.buffers.len(), 3, "{kg}");
}

#[test]
fn matmul_bias_gelu_is_one_kernel() {
    let mut b = Builder::new("mlp");
    let x = b.input("x", DType::F32, Shape::of(&[2, 4, 8])).unwrap();
    let w = weight(&mut b, "w", &[8, 16]);
    let bias = weight(&mut b, "b", &[16]);
    let h = b.linear(x, w, Some(bias)).unwrap();
    let y = b.gelu(h, false).unwrap();
    let y = b.cast(y, DType::F16).unwrap();
    b.output(y).unwrap();
    let kg = fused(&b.finish().unwrap());
    assert_eq!(kg.kernels.len(), 1, "{kg}");
    assert_eq!(kg.kernels[0].kind, KernelKind::MatMulEpilogue);
    assert_eq!(ops(&kg, 0), ["MatMul", "Add", "Gelu", "Cast"]);
    assert!(kg.buffers.iter().all(|b| b.kind != BufferKind::Activation), "{kg}");
}

#[test]
fn value_with_two_consumers_is_materialized() {
    // `shared` is read by a MatMul and by a row reduction: two kernels, so it is a buffer; `e`
    // is read only inside its kernel, so it is not.
    let mut b = Builder::new("two");
    let x = b.input("x", DType::F32, Shape::of(&[4, 8])).unwrap();
    let w = weight(&mut b, "w", &[8, 8]);
    let e = b.exp(x).unwrap();
    let shared = b.unary(UnaryOp::Tanh, e).unwrap();
    let m = b.matmul(shared, w).unwrap();
    let s = b.reduce_sum(shared, &[-1], true).unwrap();
    b.output(m).unwrap();
    b.output(s).unwrap();
    let g = b.finish().unwrap();
    let shared_name = g.value(shared).name.clone();
    let kg = fused(&g);
    assert_eq!(kg.kernels.len(), 2, "{kg}");
    let (id, buf) = buffer_named(&kg, &shared_name).unwrap_or_else(|| panic!("`{shared_name}` not materialized\n{kg}"));
    assert_eq!(buf.kind, BufferKind::Activation);
    let writers: Vec<usize> = (0..kg.kernels.len())
        .filter(|&k| kg.kernels[k].outputs.iter().any(|b| b.index() == id))
        .collect();
    let readers: Vec<usize> = (0..kg.kernels.len())
        .filter(|&k| kg.kernels[k].inputs.iter().any(|b| b.index() == id))
        .collect();
    assert_eq!(writers.len(), 1, "{kg}");
    assert_eq!(readers.len(), 1, "{kg}");
    assert!(readers[0] > writers[0], "{kg}");
    assert!(buffer_named(&kg, &g.value(e).name).is_none(), "{kg}");
}

/// Q/K/V projections with head split, attention, head merge and the output projection.
fn attention_block(decomposed: bool) -> Graph {
    let (s, h, nh) = (8usize, 16usize, 2usize);
    let hd = h / nh;
    let mut b = Builder::new("attn");
    let x = b.input("x", DType::F32, Shape::of(&[1, s, h])).unwrap();
    let mut heads = Vec::new();
    for (i, name) in ["q", "k", "v"].iter().enumerate() {
        let w = weight(&mut b, &format!("w{name}"), &[h, h]);
        let bias = weight(&mut b, &format!("b{name}"), &[h]);
        let p = b.linear(x, w, Some(bias)).unwrap();
        let p = b.reshape(p, &[1, s as i64, nh as i64, hd as i64]).unwrap();
        let perm: &[u64] = if decomposed && i == 1 {
            &[0, 2, 3, 1]
        } else {
            &[0, 2, 1, 3]
        };
        heads.push(b.transpose(p, perm).unwrap());
    }
    let a = if decomposed {
        let scores = b.matmul(heads[0], heads[1]).unwrap();
        let scale = b.scalar(DType::F32, 1.0 / (hd as f64).sqrt()).unwrap();
        let scores = b.mul(scores, scale).unwrap();
        let p = b.softmax(scores, -1).unwrap();
        b.matmul(p, heads[2]).unwrap()
    } else {
        b.attention(heads[0], heads[1], heads[2], None, None, true).unwrap()
    };
    let a = b.transpose(a, &[0, 2, 1, 3]).unwrap();
    let a = b.reshape(a, &[1, s as i64, h as i64]).unwrap();
    let wo = weight(&mut b, "wo", &[h, h]);
    let o = b.matmul(a, wo).unwrap();
    let y = b.add(x, o).unwrap();
    b.output(y).unwrap();
    b.finish().unwrap()
}

#[test]
fn attention_is_one_kernel() {
    for decomposed in [false, true] {
        let kg = fused(&attention_block(decomposed));
        let kinds: Vec<KernelKind> = kg.kernels.iter().map(|k| k.kind).collect();
        assert_eq!(
            kinds,
            [
                KernelKind::MatMulEpilogue,
                KernelKind::Attention,
                KernelKind::MatMulEpilogue
            ],
            "decomposed: {decomposed}\n{kg}"
        );
        // The three projections share a kernel that writes the heads in attention's layout.
        assert_eq!(kg.kernels[0].outputs.len(), 3, "{kg}");
        let attn = ops(&kg, 1);
        if decomposed {
            assert_eq!(
                attn,
                ["MatMul", "Mul", "Softmax", "MatMul", "Transpose", "Reshape"],
                "{kg}"
            );
        } else {
            assert_eq!(attn, ["Attention", "Transpose", "Reshape"], "{kg}");
        }
        // Scores and probabilities never reach global memory: attention writes one buffer.
        assert_eq!(kg.kernels[1].outputs.len(), 1, "{kg}");
        assert_eq!(kg.buffer(kg.kernels[1].outputs[0]).shape, Shape::of(&[1, 8, 16]));
    }
}

#[test]
fn layer_norm_takes_the_residual_add_and_decomposed_norms_are_one_kernel() {
    let mut b = Builder::new("ln");
    let x = b.input("x", DType::F32, Shape::of(&[2, 4, 8])).unwrap();
    let y = b.input("y", DType::F32, Shape::of(&[2, 4, 8])).unwrap();
    let scale = weight(&mut b, "scale", &[8]);
    let shift = weight(&mut b, "shift", &[8]);
    let r = b.add(x, y).unwrap();
    let n = b.layer_norm(r, scale, Some(shift), -1, 1e-5).unwrap();
    b.output(n).unwrap();
    // Decomposed LayerNorm of the same residual, as opset-13 exporters write it.
    let mean = b.reduce_mean(r, &[-1], true).unwrap();
    let d = b.sub(r, mean).unwrap();
    let two = b.scalar(DType::F32, 2.0).unwrap();
    let sq = b.pow(d, two).unwrap();
    let var = b.reduce_mean(sq, &[-1], true).unwrap();
    let eps = b.scalar(DType::F32, 1e-5).unwrap();
    let ve = b.add(var, eps).unwrap();
    let sd = b.sqrt(ve).unwrap();
    let z = b.div(d, sd).unwrap();
    let z = b.mul(z, scale).unwrap();
    let z = b.add(z, shift).unwrap();
    b.output(z).unwrap();
    let kg = fused(&b.finish().unwrap());
    assert_eq!(kg.kernels.len(), 1, "{kg}");
    assert_eq!(kg.kernels[0].kind, KernelKind::Reduction);
    assert_eq!(kg.kernels[0].outputs.len(), 2);
    assert!(kg.buffers.iter().all(|b| b.kind != BufferKind::Activation), "{kg}");
}

#[test]
fn pre_norm_layer_norm_is_the_projection_prologue() {
    let mut b = Builder::new("prenorm");
    let x = b.input("x", DType::F32, Shape::of(&[4, 8])).unwrap();
    let scale = weight(&mut b, "scale", &[8]);
    let w1 = weight(&mut b, "w1", &[8, 8]);
    let w2 = weight(&mut b, "w2", &[8, 4]);
    let n = b.layer_norm(x, scale, None, -1, 1e-5).unwrap();
    let p = b.matmul(n, w1).unwrap();
    let q = b.matmul(n, w2).unwrap();
    let q = b.relu(q).unwrap();
    b.output(p).unwrap();
    b.output(q).unwrap();
    let kg = fused(&b.finish().unwrap());
    assert_eq!(kg.kernels.len(), 1, "{kg}");
    assert_eq!(ops(&kg, 0), ["LayerNorm", "MatMul", "MatMul", "Relu"]);
}

#[test]
fn merges_that_would_make_a_cycle_are_refused() {
    // m feeds a reduction r, and `m + r` reads both: putting the add into m's kernel would make
    // that kernel depend on r's, which depends on m's.
    let mut b = Builder::new("cycle");
    let x = b.input("x", DType::F32, Shape::of(&[4, 8])).unwrap();
    let w = weight(&mut b, "w", &[8, 8]);
    let m = b.matmul(x, w).unwrap();
    let r = b.reduce(ReduceOp::Max, m, &[-1], true).unwrap();
    let y = b.sub(m, r).unwrap();
    let y = b.exp(y).unwrap();
    b.output(y).unwrap();
    let kg = fused(&b.finish().unwrap());
    assert_eq!(kg.kernels.len(), 2, "{kg}");
    assert_eq!(ops(&kg, 0), ["MatMul"]);
    assert_eq!(ops(&kg, 1), ["ReduceMax", "Sub", "Exp"]);
}

#[test]
fn transposes_and_reshapes_are_free() {
    let mut b = Builder::new("views");
    let x = b.input("x", DType::F32, Shape::of(&[8, 4])).unwrap();
    let w = weight(&mut b, "w", &[8, 2, 3]);
    let t = b.transpose(x, &[1, 0]).unwrap();
    let wr = b.reshape(w, &[8, 6]).unwrap();
    let m = b.matmul(t, wr).unwrap();
    let y = b.reshape(m, &[24]).unwrap();
    b.output(y).unwrap();
    let kg = fused(&b.finish().unwrap());
    assert_eq!(kg.kernels.len(), 1, "{kg}");
    assert_eq!(ops(&kg, 0), ["Transpose", "Reshape", "MatMul", "Reshape"]);
    assert_eq!(kg.kernels[0].kind, KernelKind::MatMulEpilogue);
}

#[test]
fn interface_edge_cases() {
    // An output that is an input, one that is a constant, the same output twice, an unused input,
    // and a multi-output op with an unused result.
    let mut b = Builder::new("edges");
    let x = b.input("x", DType::F32, Shape::of(&[2, 6])).unwrap();
    let _unused = b.input("unused", DType::I64, Shape::of(&[3])).unwrap();
    let c = weight(&mut b, "c", &[2, 2]);
    let parts = b.split(x, 1, &[2, 4]).unwrap();
    let n = b.unary(UnaryOp::Neg, parts[0]).unwrap();
    b.output(x).unwrap();
    b.output(c).unwrap();
    b.output(n).unwrap();
    b.output(n).unwrap();
    let kg = fused(&b.finish().unwrap());
    assert_eq!(kg.kernels.len(), 1, "{kg}");
    assert_eq!(kg.outputs.len(), 4);
    assert_eq!(kg.buffer(kg.outputs[0]).kind, BufferKind::Input);
    assert_eq!(kg.buffer(kg.outputs[1]).kind, BufferKind::Weight);
    assert_eq!(kg.outputs[2], kg.outputs[3]);
    // An empty graph has no kernels.
    let mut b = Builder::new("empty");
    let x = b.input("x", DType::F32, Shape::of(&[1])).unwrap();
    b.output(x).unwrap();
    assert!(fused(&b.finish().unwrap()).kernels.is_empty());
}

#[test]
fn symbolic_dims_and_other_kernel_kinds() {
    let mut b = Builder::new("misc");
    let x = b
        .input(
            "x",
            DType::F32,
            Shape(vec![
                edgecc_ir::Dim::sym("batch", 4),
                edgecc_ir::Dim::Static(3),
                8u64.into(),
                8u64.into(),
            ]),
        )
        .unwrap();
    let w = weight(&mut b, "w", &[4, 3, 3, 3]);
    let bias = weight(&mut b, "bias", &[4]);
    let c = b.conv2d(x, w, Some(bias), 1, 1, 1).unwrap();
    let c = b.silu(c).unwrap();
    let p = b
        .op1(
            Op::MaxPool {
                kernel: vec![2, 2],
                strides: vec![2, 2],
                pads: vec![0, 0, 0, 0],
                dilations: vec![1, 1],
                ceil_mode: false,
            },
            &[c],
        )
        .unwrap();
    let q = b.binary(BinaryOp::Mul, p, p).unwrap();
    let cat = b.concat(&[q, p], 1).unwrap();
    b.output(cat).unwrap();
    let kg = fused(&b.finish().unwrap());
    let kinds: Vec<KernelKind> = kg.kernels.iter().map(|k| k.kind).collect();
    assert_eq!(kinds, [KernelKind::Conv, KernelKind::Window], "{kg}");
    assert_eq!(ops(&kg, 0), ["Conv", "Silu"]);
    assert_eq!(ops(&kg, 1), ["MaxPool", "Mul", "Concat"]);
}

#[test]
fn softmax_between_weight_matmuls_is_not_called_attention() {
    let mut b = Builder::new("mlp_softmax");
    let x = b.input("x", DType::F32, Shape::of(&[4, 8])).unwrap();
    let w1 = weight(&mut b, "w1", &[8, 8]);
    let w2 = weight(&mut b, "w2", &[8, 8]);
    let h = b.matmul(x, w1).unwrap();
    let p = b.softmax(h, -1).unwrap();
    let y = b.matmul(p, w2).unwrap();
    b.output(y).unwrap();
    let g = b.finish().unwrap();
    let kg = fused(&g);
    assert!(kg.kernels.iter().all(|k| k.kind != KernelKind::Attention), "{kg}");
}
