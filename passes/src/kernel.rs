//! The kernel graph: what fusion ([`crate::fuse()`]) produces and what memory planning
//! ([`crate::plan()`]), scheduling and the code generators (WGSL, CUDA) consume.
//!
//! A [`KernelGraph`] is a list of [`Kernel`]s in execution order over a table of [`Buffer`]s. A
//! buffer is one materialized tensor in global memory: a graph input, a graph output, a weight
//! (a constant, stored apart from the activations) or an activation (an intermediate that one
//! kernel writes and later kernels read). A kernel reads its `inputs` buffers and writes its
//! `outputs` buffers; it is launched once per inference.
//!
//! Each kernel carries its computation as a small body [`Graph`] in the ordinary IR: the body's
//! inputs are the kernel's input buffers (same names, types and order), its outputs the kernel's
//! output buffers. Values inside the body never reach global memory: a code generator keeps them
//! in registers or shared memory, and turns view ops (Reshape, Transpose, Split, ...) at the edges
//! of the body into index arithmetic on its loads and stores. Scalar constants are inlined into
//! bodies as immediates; every other constant is a [`BufferKind::Weight`] buffer.
//!
//! The representation is backend-neutral: [`KernelKind`] says which family of kernel template a
//! backend should instantiate, the body says exactly what it computes. The reference interpreter
//! executes a kernel graph by running each body in order
//! (`edgecc_backends::reference::kernels`), which is how fusion is tested.
//!
//! `Display` prints a readable text form (the `; fuse` filetests check it):
//!
//! ```text
//! kernels mlp {
//!   buffer %x: f32[2, 4] input
//!   buffer %w: f32[4, 4] weight
//!   buffer %y: f32[2, 4] output
//!   kernel k0 matmul_epilogue (%x, %w) -> (%y) {
//!     %mm: f32[2, 4] = MatMul(%x, %w)
//!     %y: f32[2, 4] = Relu(%mm)
//!   }
//!   output %y
//! }
//! ```

use edgecc_ir::text::quote_name;
use edgecc_ir::{DType, Graph, NodeId, Shape, TensorData};
use std::fmt;

/// Index of a buffer in [`KernelGraph::buffers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BufferId(pub u32);

impl BufferId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a buffer's contents come from and how long it lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BufferKind {
    /// A graph input, provided by the caller.
    Input,
    /// A graph output, written by a kernel and returned to the caller.
    Output,
    /// A constant tensor (weights, biases, masks), read-only and stored apart from activations.
    Weight,
    /// An intermediate written by one kernel and read by later ones: what the memory plan places
    /// in the activation arena.
    Activation,
}

impl BufferKind {
    /// The lowercase name used by the text form and the JSON statistics.
    pub fn name(self) -> &'static str {
        match self {
            BufferKind::Input => "input",
            BufferKind::Output => "output",
            BufferKind::Weight => "weight",
            BufferKind::Activation => "activation",
        }
    }
}

/// One tensor in global memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Buffer {
    /// The name of the graph value it holds (unique among the buffers).
    pub name: String,
    pub dtype: DType,
    /// The shape; symbolic dims are planned at their upper bound.
    pub shape: Shape,
    pub kind: BufferKind,
}

impl Buffer {
    /// Bytes in the worst case (symbolic dims at their upper bound).
    pub fn max_bytes(&self) -> u64 {
        let n = self.shape.max_numel();
        (n.saturating_mul(self.dtype.bits() as u64)).div_ceil(8)
    }
}

/// The family of a fused kernel: which template a code generator instantiates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KernelKind {
    /// A loop over the output elements: elementwise ops, broadcasts of small operands, casts,
    /// and the index ops (transposes, slices, gathers, ...) feeding them.
    Elementwise,
    /// A MatMul or Gemm (possibly several sharing their left operand, e.g. the Q/K/V projections),
    /// with a prologue (a row-wise normalization of the left operand) and an epilogue (bias,
    /// activation, residual add, scale, cast) applied before the store, and layout ops folded into
    /// the store.
    MatMulEpilogue,
    /// Row reductions with their prologue and epilogue: softmax, LayerNorm/RMSNorm (and their
    /// decomposed forms) with the residual add before them, sums and means.
    Reduction,
    /// Scaled dot-product attention, tiled with an online softmax: the score matrix never reaches
    /// global memory. Either an `Attention` op or a recognized `MatMul → scale/mask → Softmax →
    /// MatMul` chain.
    Attention,
    /// A convolution (or transposed convolution) with an epilogue.
    Conv,
    /// Pooling, normalizations over spatial positions (group and instance norm), scans and
    /// top-k: one op with an epilogue.
    Window,
    /// Pure data movement: a copy through views, transposes, concatenation, padding, gathers.
    Layout,
}

impl KernelKind {
    /// The snake-case name used by the text form and the JSON statistics.
    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Elementwise => "elementwise",
            KernelKind::MatMulEpilogue => "matmul_epilogue",
            KernelKind::Reduction => "reduction",
            KernelKind::Attention => "attention",
            KernelKind::Conv => "conv",
            KernelKind::Window => "window",
            KernelKind::Layout => "layout",
        }
    }
}

/// One fused kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// Unique among the kernels: `k<index>_<first anchor node>`.
    pub name: String,
    pub kind: KernelKind,
    /// Fusion's decisions about the body that code generation reads (the attention chains it
    /// matched); the kernel's op class is [`Kernel::kind`].
    pub fusion: FusionRecord,
    /// The computation. Its inputs are the `inputs` buffers (same names and types, in order), its
    /// outputs the `outputs` buffers; scalar constants are inlined as `Constant` nodes.
    pub body: Graph,
    /// The buffers read, in the order of the body's inputs (no duplicates).
    pub inputs: Vec<BufferId>,
    /// The buffers written, in the order of the body's outputs (no duplicates).
    pub outputs: Vec<BufferId>,
}

/// A decomposed attention `MatMul(q, kᵀ) → pointwise (scale, mask) → Softmax(last axis) →
/// MatMul(·, v)` that fusion matched and put in one kernel, as body node ids: code generation
/// lowers it as one attention dispatch without looking for the pattern again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttentionMatch {
    /// The first MatMul (the scores).
    pub scores: NodeId,
    pub softmax: NodeId,
    /// The second MatMul (probabilities times values).
    pub output: NodeId,
}

/// What fusion decided for one kernel, recorded so that later stages read it instead of
/// deciding again.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FusionRecord {
    /// The decomposed attention chains matched, in body order.
    pub attention: Vec<AttentionMatch>,
}

/// A constant's data, stored with the weight buffer that holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightData {
    pub buffer: BufferId,
    pub data: TensorData,
}

/// Fused kernels in execution order over a table of buffers; see the module docs.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct KernelGraph {
    /// The source graph's name.
    pub name: String,
    /// In execution order: every kernel's inputs are graph inputs, weights or outputs of earlier
    /// kernels.
    pub kernels: Vec<Kernel>,
    pub buffers: Vec<Buffer>,
    /// One buffer per graph input, in order.
    pub inputs: Vec<BufferId>,
    /// One buffer per graph output, in order (a graph output that is also a graph input or a
    /// constant is that input's or weight's buffer).
    pub outputs: Vec<BufferId>,
    /// The data of every weight buffer.
    pub weights: Vec<WeightData>,
}

impl KernelGraph {
    pub fn buffer(&self, id: BufferId) -> &Buffer {
        &self.buffers[id.index()]
    }

    /// Bytes of all weight buffers.
    pub fn weights_bytes(&self) -> u64 {
        self.weights.iter().map(|w| w.data.bytes().len() as u64).sum()
    }

    /// Estimated global-memory traffic of one inference: every kernel reads each of its input
    /// buffers once and writes each of its output buffers once (symbolic dims at their bound).
    pub fn global_bytes(&self) -> u64 {
        self.kernels
            .iter()
            .map(|k| {
                k.inputs
                    .iter()
                    .chain(&k.outputs)
                    .map(|&b| self.buffer(b).max_bytes())
                    .sum::<u64>()
            })
            .sum()
    }

    /// For each buffer, the index of the kernel that writes it (`None` for inputs and weights).
    pub fn producers(&self) -> Vec<Option<usize>> {
        let mut p = vec![None; self.buffers.len()];
        for (ki, k) in self.kernels.iter().enumerate() {
            for &b in &k.outputs {
                if let Some(slot) = p.get_mut(b.index()) {
                    *slot = Some(ki);
                }
            }
        }
        p
    }

    /// Checks the structural invariants: ids in range, each non-input, non-weight buffer
    /// written by exactly one kernel before any kernel reads it, body interfaces matching the
    /// buffers' names and types. Fusion's result always passes; this is for tests and consumers
    /// that build kernel graphs by hand.
    pub fn check(&self) -> Result<(), String> {
        let nb = self.buffers.len();
        let in_range = |b: BufferId, what: &str| {
            if b.index() < nb {
                Ok(())
            } else {
                Err(format!("{what} names buffer #{} but there are {nb} buffers", b.0))
            }
        };
        let mut written = vec![false; nb];
        for &b in &self.inputs {
            in_range(b, "an input")?;
            written[b.index()] = true;
        }
        for w in &self.weights {
            in_range(w.buffer, "a weight")?;
            written[w.buffer.index()] = true;
        }
        for k in &self.kernels {
            let body_in = k.body.inputs();
            let body_out = k.body.outputs();
            if body_in.len() != k.inputs.len() || body_out.len() != k.outputs.len() {
                return Err(format!(
                    "kernel `{}`: body has {} inputs and {} outputs, the kernel {} and {}",
                    k.name,
                    body_in.len(),
                    body_out.len(),
                    k.inputs.len(),
                    k.outputs.len()
                ));
            }
            for (&b, &v) in k.inputs.iter().zip(body_in) {
                in_range(b, &format!("kernel `{}`", k.name))?;
                if !written[b.index()] {
                    return Err(format!(
                        "kernel `{}` reads buffer `{}` before any kernel writes it",
                        k.name,
                        self.buffer(b).name
                    ));
                }
                self.same_type(k, b, &k.body.value(v).name, &k.body.ty(v).clone())?;
            }
            for (&b, &v) in k.outputs.iter().zip(body_out) {
                in_range(b, &format!("kernel `{}`", k.name))?;
                if written[b.index()] {
                    return Err(format!(
                        "kernel `{}` writes buffer `{}`, which is already written",
                        k.name,
                        self.buffer(b).name
                    ));
                }
                written[b.index()] = true;
                self.same_type(k, b, &k.body.value(v).name, &k.body.ty(v).clone())?;
            }
        }
        for &b in &self.outputs {
            in_range(b, "an output")?;
            if !written[b.index()] {
                return Err(format!("output buffer `{}` is never written", self.buffer(b).name));
            }
        }
        Ok(())
    }

    fn same_type(&self, k: &Kernel, b: BufferId, name: &str, ty: &edgecc_ir::TensorType) -> Result<(), String> {
        let buf = self.buffer(b);
        if buf.name != name || buf.dtype != ty.dtype || buf.shape != ty.shape {
            return Err(format!(
                "kernel `{}`: body value `{name}`: {ty} does not match buffer `{}`: {}{}",
                k.name, buf.name, buf.dtype, buf.shape
            ));
        }
        Ok(())
    }
}

impl fmt::Display for KernelGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bname = |b: BufferId| match self.buffers.get(b.index()) {
            Some(buf) => format!("%{}", quote_name(&buf.name)),
            None => format!("%#{}", b.0),
        };
        let names = |ids: &[BufferId]| ids.iter().map(|&b| bname(b)).collect::<Vec<_>>().join(", ");
        writeln!(f, "kernels {} {{", quote_name(&self.name))?;
        for b in &self.buffers {
            writeln!(
                f,
                "  buffer %{}: {}{} {}",
                quote_name(&b.name),
                b.dtype,
                b.shape,
                b.kind.name()
            )?;
        }
        for k in &self.kernels {
            writeln!(
                f,
                "  kernel {} {} ({}) -> ({}) {{",
                quote_name(&k.name),
                k.kind.name(),
                names(&k.inputs),
                names(&k.outputs)
            )?;
            // The body's nodes (and inlined constants), without its interface lines, which the
            // kernel line already shows.
            let body = k.body.to_string();
            for line in body.lines().map(str::trim) {
                let interface = line.starts_with("graph ")
                    || line.starts_with("input ")
                    || line.starts_with("output ")
                    || line == "}"
                    || line.is_empty();
                if !interface {
                    writeln!(f, "    {line}")?;
                }
            }
            // Fusion's matched attention chains (by node name).
            let node_name = |n: NodeId| {
                k.body
                    .nodes()
                    .get(n.index())
                    .map_or_else(|| format!("#{}", n.0), |node| quote_name(&node.name).into_owned())
            };
            for a in &k.fusion.attention {
                writeln!(
                    f,
                    "    ; attention: scores {}, softmax {}, output {}",
                    node_name(a.scores),
                    node_name(a.softmax),
                    node_name(a.output)
                )?;
            }
            writeln!(f, "  }}")?;
        }
        for &o in &self.outputs {
            writeln!(f, "  output {}", bname(o))?;
        }
        writeln!(f, "}}")
    }
}
