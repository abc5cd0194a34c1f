//! Problems: what one anchor dispatch computes, independent of any backend's syntax, and the
//! canonical **problem key** a schedule is chosen for.
//!
//! A problem holds what decides the best schedule: the kind, the extents, the compute dtype and
//! the operand layouts. Its key is the canonical text of those fields
//! ([`edgecc_autotune::ProblemKey`]); the same key always gets the same schedule, from the
//! [`edgecc_autotune::ScheduleSource`] or the capability-derived default here. Each problem's
//! [`Problem::check`] is its schedule kind's one fit rule, with the problem's element size (f16
//! tiles take half the bytes).

use edgecc_autotune::{
    attention_check, attention_default, AttentionExtents, DeviceCaps, GemmSchedule, ProblemKey, ReduceSchedule,
    Schedule,
};
use edgecc_ir::DType;

/// How an operand's two matrix axes are laid out in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The second axis is contiguous (A as `m x k`, B as `k x n`).
    RowMajor,
    /// Transposed: the first axis is contiguous (Gemm's `trans_a`/`trans_b`).
    Transposed,
}

/// A (batched) matrix multiply `C[b, m, n] = sum_k A[b, m, k] B[b, k, n]` (MatMul, Gemm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemmProblem {
    pub batch: u64,
    pub m: u64,
    pub n: u64,
    pub k: u64,
    /// The compute (and staged-tile) dtype: F32 or F16; accumulation is f32.
    pub dtype: DType,
    pub a: Layout,
    pub b: Layout,
}

/// A convolution (or transposed convolution) lowered as an implicit GEMM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvProblem {
    pub n: u64,
    pub c: u64,
    pub m: u64,
    pub groups: u64,
    pub in_spatial: Vec<u64>,
    pub kernel: Vec<u64>,
    pub out_spatial: Vec<u64>,
    pub strides: Vec<u64>,
    pub pads_begin: Vec<u64>,
    pub dilations: Vec<u64>,
    pub transposed: bool,
    pub dtype: DType,
}

impl ConvProblem {
    /// The implicit GEMM's `(m, n, k)` per group: output pixels, output channels per group, and
    /// input channels per group times the kernel window.
    pub fn gemm_extents(&self) -> (u64, u64, u64) {
        let g = self.groups.max(1);
        (
            self.n * self.out_spatial.iter().product::<u64>(),
            self.m / g,
            self.c / g * self.kernel.iter().product::<u64>(),
        )
    }
}

/// `rows` independent rows of `len` elements reduced by one workgroup each (softmax, norms,
/// Reduce, ArgMax).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// The op, lower case (`softmax`, `layernorm`, `sum`, `argmax`, ...).
    pub op: String,
    pub rows: u64,
    pub len: u64,
    pub dtype: DType,
    /// 4-byte workgroup-memory values per invocation the template needs (its fit rule).
    pub slots: u32,
}

/// Scaled dot-product attention over `batch` heads: `lq` queries against `lk` keys, heads of
/// `d` (Q/K) and `dv` (V) elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttentionProblem {
    pub batch: u64,
    pub lq: u64,
    pub lk: u64,
    pub d: u64,
    pub dv: u64,
    pub causal: bool,
    /// An additive or boolean mask operand.
    pub mask: bool,
    /// The logits come from a fused pointwise chain (a decomposed attention).
    pub score_fn: bool,
    pub dtype: DType,
}

/// The `k` largest (or smallest) of each of `rows` rows of `len` elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopKProblem {
    pub rows: u64,
    pub len: u64,
    pub k: u64,
    pub largest: bool,
    pub dtype: DType,
}

/// One invocation per output element over `numel` elements (what no anchor stores).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementwiseProblem {
    pub numel: u64,
}

/// A problem of any kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Gemm(GemmProblem),
    Conv(ConvProblem),
    Row(RowProblem),
    Attention(AttentionProblem),
    TopK(TopKProblem),
    Elementwise(ElementwiseProblem),
}

fn dt(d: DType) -> String {
    d.to_string()
}

fn elem_bytes(d: DType) -> u32 {
    if d == DType::F16 {
        2
    } else {
        4
    }
}

fn joined(v: &[u64]) -> String {
    if v.is_empty() {
        return "0".into();
    }
    v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("x")
}

fn layout(l: Layout, normal: &str, transposed: &str) -> String {
    match l {
        Layout::RowMajor => normal.into(),
        Layout::Transposed => transposed.into(),
    }
}

impl Problem {
    /// The problem kind (the key's first field).
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Gemm(_) => "gemm",
            Problem::Conv(_) => "conv",
            Problem::Row(_) => "row",
            Problem::Attention(_) => "attention",
            Problem::TopK(_) => "topk",
            Problem::Elementwise(_) => "elementwise",
        }
    }

    /// The canonical key, e.g. `gemm.f32.b1.m100.n8.k36.a=mk.b=kn`.
    pub fn key(&self) -> ProblemKey {
        let f: Vec<String> = match self {
            Problem::Gemm(p) => vec![
                dt(p.dtype),
                format!("b{}", p.batch),
                format!("m{}", p.m),
                format!("n{}", p.n),
                format!("k{}", p.k),
                format!("a={}", layout(p.a, "mk", "km")),
                format!("b={}", layout(p.b, "kn", "nk")),
            ],
            Problem::Conv(p) => {
                let mut f = vec![
                    dt(p.dtype),
                    format!("n{}", p.n),
                    format!("c{}", p.c),
                    format!("m{}", p.m),
                    format!("g{}", p.groups),
                    format!("in{}", joined(&p.in_spatial)),
                    // The output extent too: end padding and output padding change it, and
                    // with it the implicit GEMM's M.
                    format!("out{}", joined(&p.out_spatial)),
                    format!("k{}", joined(&p.kernel)),
                    format!("s{}", joined(&p.strides)),
                    format!("p{}", joined(&p.pads_begin)),
                    format!("d{}", joined(&p.dilations)),
                ];
                if p.transposed {
                    f.push("transposed".into());
                }
                f
            }
            Problem::Row(p) => vec![dt(p.dtype), p.op.clone(), format!("r{}", p.rows), format!("l{}", p.len)],
            Problem::Attention(p) => {
                let mut f = vec![
                    dt(p.dtype),
                    format!("b{}", p.batch),
                    format!("lq{}", p.lq),
                    format!("lk{}", p.lk),
                    format!("d{}", p.d),
                    format!("dv{}", p.dv),
                ];
                for (on, name) in [(p.causal, "causal"), (p.mask, "mask"), (p.score_fn, "scores")] {
                    if on {
                        f.push(name.into());
                    }
                }
                f
            }
            Problem::TopK(p) => vec![
                dt(p.dtype),
                format!("r{}", p.rows),
                format!("l{}", p.len),
                format!("k{}", p.k),
                (if p.largest { "largest" } else { "smallest" }).into(),
            ],
            Problem::Elementwise(p) => vec![format!("n{}", p.numel)],
        };
        // Every field is built from digits, lower-case names and `=x`: always a valid key.
        ProblemKey::new(self.kind(), f).unwrap_or_else(|e| unreachable!("problem key: {e}"))
    }

    /// The default schedule derived from the device capabilities.
    pub fn default_schedule(&self, caps: &DeviceCaps) -> Schedule {
        match self {
            Problem::Gemm(p) => Schedule::Gemm(GemmSchedule::default_for(caps, p.m, p.n, p.k, elem_bytes(p.dtype))),
            Problem::Conv(p) => {
                let (m, n, k) = p.gemm_extents();
                Schedule::Gemm(GemmSchedule::default_for(caps, m, n, k, elem_bytes(p.dtype)))
            }
            Problem::Row(RowProblem { len, .. }) | Problem::TopK(TopKProblem { len, .. }) => {
                Schedule::Reduce(ReduceSchedule::default_for(caps, *len))
            }
            Problem::Attention(p) => attention_default(caps, &p.extents()),
            Problem::Elementwise(_) => Schedule::elementwise(caps),
        }
    }

    /// The fit rule: whether `s` is of this problem's schedule kind and fits the device.
    pub fn check(&self, s: &Schedule, caps: &DeviceCaps) -> Result<(), String> {
        match (self, s) {
            (Problem::Gemm(p), Schedule::Gemm(g)) => g.check(caps, elem_bytes(p.dtype)),
            (Problem::Conv(p), Schedule::Gemm(g)) => g.check(caps, elem_bytes(p.dtype)),
            (Problem::Row(p), Schedule::Reduce(r)) => r.check(caps, p.slots),
            (Problem::TopK(_), Schedule::Reduce(r)) => r.check(caps, TOPK_REDUCE_SLOTS),
            (
                Problem::Attention(p),
                Schedule::Attention {
                    block_q,
                    block_k,
                    threads,
                },
            ) => attention_check(caps, &p.extents(), *block_q as u64, *block_k as u64, *threads as u64),
            (Problem::Elementwise(_), Schedule::Elementwise { workgroup }) => {
                let max = caps.max_workgroup_invocations.min(caps.max_workgroup_size_x);
                if *workgroup == 0 || *workgroup > max {
                    Err(format!(
                        "{workgroup} invocations per workgroup; the device allows 1 to {max} (`{}`)",
                        caps.name
                    ))
                } else {
                    Ok(())
                }
            }
            (p, s) => Err(format!(
                "a {} problem takes a {} schedule, not `{s}`",
                p.kind(),
                edgecc_autotune::schedule_kind_for(p.kind()).unwrap_or("?")
            )),
        }
    }
}

/// Workgroup-memory slots per invocation of the top-k template (a value and its index).
pub const TOPK_REDUCE_SLOTS: u32 = 2;

impl AttentionProblem {
    /// The extents the attention schedule's defaults and fit rule read.
    pub fn extents(&self) -> AttentionExtents {
        AttentionExtents {
            lq: self.lq,
            lk: self.lk,
            d: self.d,
            dv: self.dv,
            elem_bytes: elem_bytes(self.dtype),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> DeviceCaps {
        edgecc_autotune::profile("lavapipe").unwrap()
    }

    #[test]
    fn keys_are_canonical() {
        let g = Problem::Gemm(GemmProblem {
            batch: 1,
            m: 100,
            n: 8,
            k: 36,
            dtype: DType::F32,
            a: Layout::RowMajor,
            b: Layout::Transposed,
        });
        assert_eq!(g.key().as_str(), "gemm.f32.b1.m100.n8.k36.a=mk.b=nk");
        let c = Problem::Conv(ConvProblem {
            n: 1,
            c: 4,
            m: 8,
            groups: 1,
            in_spatial: vec![10, 10],
            kernel: vec![3, 3],
            out_spatial: vec![10, 10],
            strides: vec![1, 1],
            pads_begin: vec![1, 1],
            dilations: vec![1, 1],
            transposed: false,
            dtype: DType::F16,
        });
        assert_eq!(
            c.key().as_str(),
            "conv.f16.n1.c4.m8.g1.in10x10.out10x10.k3x3.s1x1.p1x1.d1x1"
        );
        // More end padding: the same begin pads, a larger output, a larger GEMM; another key.
        if let Problem::Conv(p) = &c {
            let padded = Problem::Conv(ConvProblem {
                out_spatial: vec![12, 12],
                ..p.clone()
            });
            assert_ne!(padded.key(), c.key());
        }
        let a = Problem::Attention(AttentionProblem {
            batch: 4,
            lq: 1,
            lk: 17,
            d: 32,
            dv: 32,
            causal: true,
            mask: false,
            score_fn: false,
            dtype: DType::F32,
        });
        assert_eq!(a.key().as_str(), "attention.f32.b4.lq1.lk17.d32.dv32.causal");
        let e = Problem::Elementwise(ElementwiseProblem { numel: 0 });
        assert_eq!(e.key().as_str(), "elementwise.n0");
    }

    #[test]
    fn defaults_fit_and_kinds_are_checked() {
        let c = caps();
        let p = Problem::Row(RowProblem {
            op: "softmax".into(),
            rows: 4,
            len: 1000,
            dtype: DType::F32,
            slots: 2,
        });
        let s = p.default_schedule(&c);
        assert!(p.check(&s, &c).is_ok());
        let e = p.check(&Schedule::Elementwise { workgroup: 64 }, &c).unwrap_err();
        assert!(e.contains("takes a reduce schedule"), "{e}");
        let t = Problem::TopK(TopKProblem {
            rows: 2,
            len: 10,
            k: 3,
            largest: true,
            dtype: DType::F32,
        });
        assert!(t.check(&t.default_schedule(&c), &c).is_ok());
    }
}
