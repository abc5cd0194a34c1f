//! Memory planning: [`plan`] places every activation and output buffer of a [`KernelGraph`] in
//! one arena, reusing memory between buffers whose lifetimes do not overlap.
//!
//! - **Liveness** over the kernel order: a buffer is live from the kernel that writes it to the
//!   last kernel that reads it; graph outputs stay live to the end. A kernel's inputs and outputs
//!   are live together at that kernel, so they never share bytes — except:
//! - **In place**: an elementwise kernel (every body op pointwise) may write an output over an
//!   input that dies at it, when both have the same dtype and shape (each element is read
//!   before the same element is written). The output then takes the input's placement.
//! - **Placement**: greedy by size (largest first), each buffer at the best-fitting gap between
//!   the buffers already placed whose lifetimes overlap its own; offsets and sizes are multiples
//!   of the alignment (256 bytes by default).
//! - **Symbolic dims** are planned at their upper bound.
//! - **Weights** are kept apart, packed into their own read-only region with the same
//!   alignment; graph inputs belong to the caller and are not placed.

use crate::error::PassError;
use crate::kernel::{BufferId, BufferKind, KernelGraph, KernelKind};
use edgecc_ir::Op;

/// Default alignment of offsets and sizes in the arena, in bytes.
pub const DEFAULT_ALIGNMENT: u64 = 256;

/// Options of [`plan_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// Alignment of every offset (a power of two).
    pub alignment: u64,
    /// Let elementwise kernels write over inputs that die at them.
    pub in_place: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            alignment: DEFAULT_ALIGNMENT,
            in_place: true,
        }
    }
}

/// Where one buffer lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub buffer: BufferId,
    /// Byte offset in its region (the activation arena, or the weight region for weights).
    pub offset: u64,
    /// Bytes the buffer needs (symbolic dims at their bound), before rounding to the alignment.
    pub size: u64,
    pub align: u64,
    /// First and last kernel (indices into [`KernelGraph::kernels`]) during which the buffer is
    /// live; for graph outputs `last` is the number of kernels (live to the end).
    pub first: usize,
    pub last: usize,
    /// The input buffer this one overwrites in place, if any.
    pub in_place_of: Option<BufferId>,
}

impl Placement {
    /// The bytes reserved: `size` rounded up to the alignment.
    pub fn reserved(&self) -> u64 {
        round_up(self.size, self.align)
    }

    /// Whether the two are live during a common kernel.
    pub fn lifetimes_overlap(&self, other: &Placement) -> bool {
        self.first <= other.last && other.first <= self.last
    }

    /// Whether the two use a common byte.
    pub fn bytes_overlap(&self, other: &Placement) -> bool {
        self.size > 0
            && other.size > 0
            && self.offset < other.offset + other.size
            && other.offset < self.offset + self.size
    }
}

/// The memory plan of a kernel graph.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MemoryPlan {
    /// Size of the activation arena: the peak activation memory of one inference.
    pub arena_bytes: u64,
    pub alignment: u64,
    /// One placement per activation and output buffer, in buffer order.
    pub buffers: Vec<Placement>,
    /// Size of the weight region.
    pub weights_bytes: u64,
    /// One placement per weight buffer, in buffer order (lifetimes span every kernel).
    pub weights: Vec<Placement>,
}

impl MemoryPlan {
    /// The placement of `b`, if it is in the arena or the weight region.
    pub fn placement(&self, b: BufferId) -> Option<&Placement> {
        self.buffers.iter().chain(&self.weights).find(|p| p.buffer == b)
    }

    /// Number of buffers written in place over an input.
    pub fn in_place_count(&self) -> usize {
        self.buffers.iter().filter(|p| p.in_place_of.is_some()).count()
    }
}

fn round_up(n: u64, align: u64) -> u64 {
    n.div_ceil(align.max(1)).saturating_mul(align.max(1))
}

/// Plans `kg` with the default options (256-byte alignment, in-place updates).
pub fn plan(kg: &KernelGraph) -> Result<MemoryPlan, PassError> {
    plan_with(kg, &PlanOptions::default())
}

fn plan_err(msg: String) -> PassError {
    PassError::Pass {
        pass: "plan".into(),
        msg,
    }
}

/// Whether every op of kernel `k`'s body is pointwise (in-place updates are legal).
fn pointwise(k: &crate::kernel::Kernel) -> bool {
    k.kind == KernelKind::Elementwise
        && k.body.nodes().iter().all(|n| {
            matches!(
                n.op,
                Op::Constant(_) | Op::Unary(_) | Op::Binary(_) | Op::Cast { .. } | Op::Where | Op::Clip { .. }
            )
        })
}

/// Plans `kg`; see the module docs.
pub fn plan_with(kg: &KernelGraph, opts: &PlanOptions) -> Result<MemoryPlan, PassError> {
    let sizes: Vec<u64> = kg.buffers.iter().map(|b| b.max_bytes()).collect();
    plan_with_sizes(kg, opts, &sizes)
}

/// [`plan_with`] with the bytes of each buffer given by the caller (`sizes[b]` for buffer `b`),
/// for devices that store a dtype differently (a WGSL device keeps i64 and bool as 4 bytes).
pub fn plan_with_sizes(kg: &KernelGraph, opts: &PlanOptions, sizes: &[u64]) -> Result<MemoryPlan, PassError> {
    if sizes.len() != kg.buffers.len() {
        return Err(plan_err(format!(
            "{} buffer sizes given for {} buffers",
            sizes.len(),
            kg.buffers.len()
        )));
    }
    let align = opts.alignment;
    if align == 0 || !align.is_power_of_two() {
        return Err(plan_err(format!("alignment {align} is not a power of two")));
    }
    kg.check()
        .map_err(|m| plan_err(format!("the kernel graph is inconsistent: {m}")))?;
    let nb = kg.buffers.len();
    let nk = kg.kernels.len();
    let in_arena = |b: usize| matches!(kg.buffers[b].kind, BufferKind::Activation | BufferKind::Output);

    // Liveness.
    let mut first = vec![usize::MAX; nb];
    let mut last = vec![0usize; nb];
    for (ki, k) in kg.kernels.iter().enumerate() {
        for &b in &k.outputs {
            first[b.index()] = first[b.index()].min(ki);
            last[b.index()] = last[b.index()].max(ki);
        }
        for &b in &k.inputs {
            last[b.index()] = last[b.index()].max(ki);
        }
    }
    for &o in &kg.outputs {
        last[o.index()] = nk;
    }

    // In-place: alias classes through union-find (each class a chain of buffers).
    let mut parent: Vec<usize> = (0..nb).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut in_place_of: Vec<Option<BufferId>> = vec![None; nb];
    if opts.in_place {
        for (ki, k) in kg.kernels.iter().enumerate() {
            if !pointwise(k) {
                continue;
            }
            let mut taken: Vec<BufferId> = Vec::new();
            for &o in &k.outputs {
                let ob = kg.buffer(o);
                let cand = k.inputs.iter().copied().find(|&i| {
                    let ib = kg.buffer(i);
                    ib.kind == BufferKind::Activation
                        && last[i.index()] == ki
                        && ib.dtype == ob.dtype
                        && ib.shape == ob.shape
                        && !taken.contains(&i)
                });
                if let Some(i) = cand {
                    taken.push(i);
                    in_place_of[o.index()] = Some(i);
                    let (ro, ri) = (root(&mut parent, o.index()), root(&mut parent, i.index()));
                    parent[ro] = ri;
                }
            }
        }
    }

    // Classes: size, lifetime, members.
    #[derive(Clone)]
    struct Class {
        size: u64,
        first: usize,
        last: usize,
        offset: u64,
        placed: bool,
    }
    let mut classes: Vec<Option<Class>> = vec![None; nb];
    for b in 0..nb {
        if !in_arena(b) {
            continue;
        }
        if first[b] == usize::MAX {
            return Err(plan_err(format!(
                "buffer `{}` is never written by a kernel",
                kg.buffers[b].name
            )));
        }
        let r = root(&mut parent, b);
        let size = round_up(sizes[b], align);
        let c = classes[r].get_or_insert(Class {
            size: 0,
            first: usize::MAX,
            last: 0,
            offset: 0,
            placed: false,
        });
        c.size = c.size.max(size);
        c.first = c.first.min(first[b]);
        c.last = c.last.max(last[b]);
    }

    // Greedy by size, best fit.
    let mut order: Vec<usize> = (0..nb).filter(|&r| classes[r].is_some()).collect();
    order.sort_by_key(|&r| {
        let c = classes[r].as_ref().map(|c| (c.size, c.first)).unwrap_or((0, 0));
        (std::cmp::Reverse(c.0), c.1, r)
    });
    let mut placed: Vec<usize> = Vec::new();
    let mut arena = 0u64;
    for r in order {
        let Some(me) = classes[r].clone() else { continue };
        let mut busy: Vec<(u64, u64)> = placed
            .iter()
            .filter_map(|&p| classes[p].as_ref())
            .filter(|c| c.first <= me.last && me.first <= c.last && c.size > 0)
            .map(|c| (c.offset, c.offset + c.size))
            .collect();
        busy.sort_unstable();
        let mut best: Option<(u64, u64)> = None; // (slack, offset)
        let mut cursor = 0u64;
        for &(start, end) in &busy {
            if start >= cursor && start - cursor >= me.size {
                let slack = start - cursor - me.size;
                if best.is_none_or(|(s, _)| slack < s) {
                    best = Some((slack, cursor));
                }
            }
            cursor = cursor.max(round_up(end, align));
        }
        let offset = best.map_or(cursor, |(_, o)| o);
        let end = offset
            .checked_add(me.size)
            .ok_or_else(|| plan_err("the arena size overflows u64".into()))?;
        arena = arena.max(end);
        if let Some(c) = classes[r].as_mut() {
            c.offset = offset;
            c.placed = true;
        }
        placed.push(r);
    }

    let mut buffers = Vec::new();
    for b in 0..nb {
        if !in_arena(b) {
            continue;
        }
        let r = root(&mut parent, b);
        let c = classes[r]
            .as_ref()
            .filter(|c| c.placed)
            .ok_or_else(|| plan_err(format!("buffer `{}` was not placed", kg.buffers[b].name)))?;
        buffers.push(Placement {
            buffer: BufferId(b as u32),
            offset: c.offset,
            size: sizes[b],
            align,
            first: first[b],
            last: last[b],
            in_place_of: in_place_of[b],
        });
    }

    let mut weights = Vec::new();
    let mut wcursor = 0u64;
    for w in &kg.weights {
        let size = w.data.bytes().len() as u64;
        weights.push(Placement {
            buffer: w.buffer,
            offset: wcursor,
            size,
            align,
            first: 0,
            last: nk,
            in_place_of: None,
        });
        wcursor = wcursor.saturating_add(round_up(size, align));
    }
    weights.sort_by_key(|p| p.buffer);

    Ok(MemoryPlan {
        arena_bytes: arena,
        alignment: align,
        buffers,
        weights_bytes: wcursor,
        weights,
    })
}
