//! Schedules: how one kernel is laid out on a device. A code generator reads only these and the
//! [`DeviceCaps`]; the defaults here are derived from the capabilities until the autotuner's
//! tuning database supplies measured ones. The same structs serve the WGSL backend and the CUDA
//! backend (which adds pipeline stages and a tensor-core MMA shape).

use crate::caps::{Backend, DeviceCaps, MmaShape};

/// The most accumulators a GEMM schedule's register block may hold per invocation (16x16, the
/// largest any default uses).
pub const MAX_REGISTER_BLOCK: u32 = 256;

/// A tiled matrix multiply (MatMul, Gemm, Conv as implicit GEMM): each workgroup computes a
/// `tile_m x tile_n` block of the output, stepping through K in `tile_k` slices staged in shared
/// memory; each invocation holds a `reg_m x reg_n` block of accumulators in registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemmSchedule {
    pub tile_m: u32,
    pub tile_n: u32,
    pub tile_k: u32,
    pub reg_m: u32,
    pub reg_n: u32,
    /// Elements per global load (1 or 4) when the operand is contiguous and aligned.
    pub vector_width: u32,
    /// Shared-memory pipeline depth (CUDA `cp.async` stages; 1 on WGSL).
    pub stages: u32,
    /// Tensor-core shape, when the device has one and the dtype allows it (CUDA).
    pub mma: Option<MmaShape>,
}

impl GemmSchedule {
    /// Invocations per workgroup.
    pub fn threads(&self) -> u32 {
        (self.tile_m / self.reg_m) * (self.tile_n / self.reg_n)
    }

    /// Shared memory the tiles take, for elements of `elem_bytes` bytes.
    pub fn shared_bytes(&self, elem_bytes: u32) -> u32 {
        (self.tile_m + self.tile_n) * self.tile_k * elem_bytes * self.stages
    }

    /// The fit rule of GEMM schedules (the only one: code generators call this, never their own
    /// check): positive tiles that are multiples of the register block, invocations within the
    /// device's limits, shared memory for `elem_bytes`-byte elements (2 for f16) within the
    /// device's, and the knobs the device's backend has (vector width 1 or 4, at most 2 stages
    /// and no MMA on WGSL; an MMA shape the device lists on CUDA). The error says what does not
    /// fit.
    pub fn check(&self, caps: &DeviceCaps, elem_bytes: u32) -> Result<(), String> {
        let bad = |why: String| {
            Err(format!(
                "GEMM schedule {} does not fit `{}`: {why}",
                self.describe(),
                caps.name
            ))
        };
        if self.tile_m == 0 || self.tile_n == 0 || self.tile_k == 0 || self.reg_m == 0 || self.reg_n == 0 {
            return bad("tile and register-block sizes must be positive".into());
        }
        if !self.tile_m.is_multiple_of(self.reg_m) || !self.tile_n.is_multiple_of(self.reg_n) {
            return bad("tile_m and tile_n must be multiples of reg_m and reg_n".into());
        }
        if self.tile_m > 4096 || self.tile_n > 4096 || self.tile_k > 4096 {
            return bad("tiles larger than 4096 are not supported".into());
        }
        // Each invocation keeps its register block in named registers, written out in the code:
        // a larger block would be a shader of megabytes.
        if self.reg_m * self.reg_n > MAX_REGISTER_BLOCK {
            return bad(format!(
                "a {}x{} register block; at most {MAX_REGISTER_BLOCK} accumulators per invocation",
                self.reg_m, self.reg_n
            ));
        }
        let threads = self.threads();
        if threads > caps.max_workgroup_invocations || threads > caps.max_workgroup_size_x {
            return bad(format!(
                "{threads} invocations per workgroup, the device allows {} ({} along x)",
                caps.max_workgroup_invocations, caps.max_workgroup_size_x
            ));
        }
        if self.vector_width != 1 && self.vector_width != 4 {
            return bad(format!("vector_width {} (1 or 4)", self.vector_width));
        }
        match caps.backend {
            Backend::Wgsl => {
                if self.stages != 1 && self.stages != 2 {
                    return bad(format!(
                        "{} stages (1 or 2 on WGSL: 2 = double-buffered tiles)",
                        self.stages
                    ));
                }
                if self.mma.is_some() {
                    return bad("WGSL has no tensor-core MMA".into());
                }
            }
            Backend::Cuda => {
                if self.stages == 0 || self.stages > 4 {
                    return bad(format!("{} stages (1 to 4)", self.stages));
                }
                if let Some(m) = &self.mma {
                    if !caps.mma.contains(m) {
                        return bad(format!(
                            "MMA {}x{}x{} {} is not one the device has",
                            m.m, m.n, m.k, m.dtype
                        ));
                    }
                }
            }
        }
        let shared = self.shared_bytes(elem_bytes) as u64;
        if shared > caps.shared_memory_bytes as u64 {
            return bad(format!(
                "{shared} bytes of workgroup memory, the device has {}",
                caps.shared_memory_bytes
            ));
        }
        Ok(())
    }

    /// Whether this schedule fits the device ([`GemmSchedule::check`]).
    pub fn fits(&self, caps: &DeviceCaps, elem_bytes: u32) -> bool {
        self.check(caps, elem_bytes).is_ok()
    }

    /// `tiles MxNxK, register block RMxRN, vec W, stages S` (what messages and the binary's
    /// manifest print).
    pub fn describe(&self) -> String {
        let mut s = format!(
            "tiles {}x{}x{}, register block {}x{}, vec {}, stages {}",
            self.tile_m, self.tile_n, self.tile_k, self.reg_m, self.reg_n, self.vector_width, self.stages
        );
        if let Some(m) = &self.mma {
            s += &format!(", mma {}x{}x{} {}", m.m, m.n, m.k, m.dtype);
        }
        s
    }

    /// The default for an `m x n x k` problem: tiles of 16, 32 or 64 (128 along N for large
    /// register blocks) fitted to the problem, register blocks of `caps.gemm_register_block`
    /// (shrunk to fit the tiles), halved until the schedule fits the device.
    /// The tile extents the defaults step through below 64: an extent up to 16 gets 16-wide
    /// tiles, up to 32 32-wide ones (a dynamic M is compiled once per such range).
    pub const TILE_STEPS: [u32; 2] = [16, 32];

    pub fn default_for(caps: &DeviceCaps, m: u64, n: u64, _k: u64, elem_bytes: u32) -> GemmSchedule {
        // The smallest tile of TILE_STEPS that covers the extent, else 64.
        let pick = |extent: u64| {
            Self::TILE_STEPS
                .into_iter()
                .find(|&t| extent <= u64::from(t))
                .unwrap_or(64)
        };
        let reg = caps.gemm_register_block.clamp(1, 16);
        let tile_n = if reg >= 8 && n >= 128 { 128 } else { pick(n) };
        let tile_m = pick(m);
        let mut s = GemmSchedule {
            tile_m,
            tile_n,
            tile_k: if reg >= 8 { 32 } else { 16 },
            // At least 4 invocations along each axis: one invocation per tile serializes the
            // whole tile (and unrolls a huge shader).
            reg_m: reg.min(tile_m / 4).max(1),
            reg_n: reg.min(tile_n / 4).max(1),
            vector_width: 4,
            stages: 1,
            mma: None,
        };
        while !s.fits(caps, elem_bytes) && (s.tile_m > 16 || s.tile_n > 16) {
            if s.tile_m >= s.tile_n {
                s.tile_m /= 2;
                s.reg_m = s.reg_m.min(s.tile_m / 4).max(1);
            } else {
                s.tile_n /= 2;
                s.reg_n = s.reg_n.min(s.tile_n / 4).max(1);
            }
        }
        while !s.fits(caps, elem_bytes) && s.tile_k > 4 {
            s.tile_k /= 2;
        }
        s
    }
}

/// A row reduction (softmax, norms, Reduce): one workgroup per row, `threads` invocations
/// striding over the row, combined with subgroup operations when `subgroups` is set and through
/// shared memory otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReduceSchedule {
    pub threads: u32,
    pub subgroups: bool,
    /// The subgroup size the code may assume as a lower bound (0 when `subgroups` is off).
    pub subgroup_size: u32,
}

impl ReduceSchedule {
    /// The default: up to 256 invocations (a power of two no larger than the row needs), subgroup
    /// operations when the device has them.
    pub fn default_for(caps: &DeviceCaps, row_len: u64) -> ReduceSchedule {
        let cap = caps.max_workgroup_invocations.clamp(1, 256);
        let mut threads = 32u32.min(cap);
        while (threads as u64) < row_len && threads * 2 <= cap {
            threads *= 2;
        }
        let subgroups = caps.has_subgroups() && caps.subgroup_size <= threads;
        ReduceSchedule {
            threads,
            subgroups,
            subgroup_size: if subgroups { caps.subgroup_size } else { 0 },
        }
    }

    /// The fit rule of row-reduction schedules: at least one invocation, within the device's
    /// limits, subgroup operations only where the device has them, and `slots` 4-byte values
    /// of workgroup memory per invocation within the device's.
    pub fn check(&self, caps: &DeviceCaps, slots: u32) -> Result<(), String> {
        let t = self.threads;
        if t == 0 {
            return Err("a reduce schedule needs at least one invocation".into());
        }
        let max = caps.max_workgroup_invocations.min(caps.max_workgroup_size_x);
        if t > max {
            return Err(format!(
                "{t} invocations per workgroup exceed the device's {max} (`{}`)",
                caps.name
            ));
        }
        if self.subgroups && !caps.has_subgroups() {
            return Err(format!(
                "the schedule uses subgroup operations but `{}` has none",
                caps.name
            ));
        }
        let bytes = t as u64 * slots as u64 * 4;
        if bytes > caps.shared_memory_bytes as u64 {
            return Err(format!(
                "{bytes} bytes of workgroup memory exceed the device's {} (`{}`); use fewer invocations",
                caps.shared_memory_bytes, caps.name
            ));
        }
        Ok(())
    }
}

/// Most output accumulators one attention invocation holds (registers: `dv` values of its query
/// rows, spread over the invocations).
pub const ATTENTION_MAX_ACCUMULATORS: u64 = 64;

/// The attention problem's extents a schedule depends on: query and key lengths, the head
/// widths of Q/K (`d`) and V (`dv`), and the element size of the staged tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttentionExtents {
    pub lq: u64,
    pub lk: u64,
    pub d: u64,
    pub dv: u64,
    pub elem_bytes: u32,
}

impl AttentionExtents {
    /// Row stride of the staged K/V blocks: the wider head, padded by one element when even
    /// (fewer bank conflicts when neighbouring invocations read neighbouring keys).
    pub fn kv_stride(&self) -> u64 {
        let w = self.d.max(self.dv).max(1);
        if w.is_multiple_of(2) {
            w + 1
        } else {
            w
        }
    }
}

/// Invocations per query row in the attention softmax update: `threads / block_q`, at most
/// `block_k`.
pub fn attention_row_threads(block_q: u64, block_k: u64, threads: u64) -> u64 {
    (threads / block_q.max(1)).clamp(1, block_k.max(1))
}

/// Bytes of workgroup memory a `(block_q, block_k, threads)` attention schedule takes: the Q tile
/// and one K/V block in the element type, the scores of a block, and the softmax state (row
/// max, sum, scale and the per-row partial reductions) in f32.
pub fn attention_shared_bytes(e: &AttentionExtents, block_q: u64, block_k: u64, threads: u64) -> u64 {
    let tpr = attention_row_threads(block_q, block_k, threads);
    // Saturating: the blocks may come from a user's schedule text, the extents from a model.
    let (m, a) = (u64::saturating_mul, u64::saturating_add);
    let tiles = a(m(block_q, e.d.max(1)), m(block_k, e.kv_stride()));
    let state = a(a(m(block_q, block_k), m(3, block_q)), m(m(2, block_q), tpr));
    a(m(tiles, e.elem_bytes as u64), m(state, 4))
}

/// The default attention schedule: 16 query rows (fewer for short queries: one for decoding),
/// 32 keys per block, 128 invocations (64 for a single query row), shrunk until the workgroup
/// memory fits the device and the accumulators per invocation stay at most
/// [`ATTENTION_MAX_ACCUMULATORS`] / 2.
pub fn attention_default(caps: &DeviceCaps, e: &AttentionExtents) -> Schedule {
    let max_t = caps.max_workgroup_invocations.min(caps.max_workgroup_size_x).max(1) as u64;
    let mut bq = e.lq.clamp(1, 16).next_power_of_two();
    let mut bk = e.lk.clamp(1, 32).next_power_of_two().max(8);
    let mut threads = (if bq == 1 { 64 } else { 128 }).min(max_t);
    while (bq * e.dv).div_ceil(threads) > ATTENTION_MAX_ACCUMULATORS / 2 && threads * 2 <= max_t.min(256) {
        threads *= 2;
    }
    while (bq * e.dv).div_ceil(threads) > ATTENTION_MAX_ACCUMULATORS / 2 && bq > 1 {
        bq /= 2;
    }
    while attention_shared_bytes(e, bq, bk, threads) > caps.shared_memory_bytes as u64 {
        if bk > 8 && bk >= bq {
            bk /= 2;
        } else if bq > 1 {
            bq /= 2;
        } else if bk > 1 {
            bk /= 2;
        } else {
            break;
        }
    }
    Schedule::Attention {
        block_q: bq as u32,
        block_k: bk as u32,
        threads: threads as u32,
    }
}

/// The fit rule of attention schedules: positive blocks, invocations within the device's
/// limits and at least one per query row, workgroup memory within the device's, and at most
/// [`ATTENTION_MAX_ACCUMULATORS`] accumulators per invocation.
pub fn attention_check(
    caps: &DeviceCaps,
    e: &AttentionExtents,
    block_q: u64,
    block_k: u64,
    threads: u64,
) -> Result<(), String> {
    let (bq, bk, t) = (block_q, block_k, threads);
    if bq == 0 || bk == 0 || t == 0 {
        return Err(format!(
            "block_q, block_k and threads must be positive, got {bq}, {bk}, {t}"
        ));
    }
    let max_t = caps.max_workgroup_invocations.min(caps.max_workgroup_size_x) as u64;
    if t > max_t {
        return Err(format!(
            "{t} invocations per workgroup exceed the device's {max_t} (`{}`)",
            caps.name
        ));
    }
    if bq > t {
        return Err(format!(
            "block_q {bq} exceeds the {t} invocations (each row's softmax update needs one)"
        ));
    }
    let shared = attention_shared_bytes(e, bq, bk, t);
    if shared > caps.shared_memory_bytes as u64 {
        return Err(format!(
            "block_q {bq} x block_k {bk} with d {} / dv {} takes {shared} bytes of workgroup memory, \
             more than the device's {} (`{}`); use smaller blocks",
            e.d, e.dv, caps.shared_memory_bytes, caps.name
        ));
    }
    let nacc = (bq * e.dv).div_ceil(t).max(1);
    if nacc > ATTENTION_MAX_ACCUMULATORS {
        return Err(format!(
            "{nacc} output accumulators per invocation (block_q {bq} x dv {} / {t} invocations) exceed \
             {ATTENTION_MAX_ACCUMULATORS}; use more invocations or a smaller block_q",
            e.dv
        ));
    }
    Ok(())
}

/// The schedule of one kernel of any kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// One invocation per output element, `workgroup` invocations per workgroup.
    Elementwise {
        workgroup: u32,
    },
    Gemm(GemmSchedule),
    Reduce(ReduceSchedule),
    /// Attention: `block_q` query rows per workgroup, keys in blocks of `block_k`.
    Attention {
        block_q: u32,
        block_k: u32,
        threads: u32,
    },
}

impl Schedule {
    /// The default one-invocation-per-element schedule.
    pub fn elementwise(caps: &DeviceCaps) -> Schedule {
        Schedule::Elementwise {
            workgroup: caps.max_workgroup_invocations.clamp(1, 256),
        }
    }
}

impl Schedule {
    /// The kind's name: `elementwise`, `gemm`, `reduce` or `attention` (the first word of the
    /// text form, and the first field of a problem key of that kind).
    pub fn kind(&self) -> &'static str {
        match self {
            Schedule::Elementwise { .. } => "elementwise",
            Schedule::Gemm(_) => "gemm",
            Schedule::Reduce(_) => "reduce",
            Schedule::Attention { .. } => "attention",
        }
    }
}

/// The text form, one line: `elementwise wg=256`, `gemm tile=64x16x32 reg=16x4 vec=4 stages=1`
/// (with ` mma=16x8x16:f16` when set), `reduce threads=256 subgroup=32` (`subgroup=0`: no
/// subgroup operations), `attention bq=16 bk=32 threads=128`. [`str::parse`] reads it back.
impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedule::Elementwise { workgroup } => write!(f, "elementwise wg={workgroup}"),
            Schedule::Gemm(g) => {
                write!(
                    f,
                    "gemm tile={}x{}x{} reg={}x{} vec={} stages={}",
                    g.tile_m, g.tile_n, g.tile_k, g.reg_m, g.reg_n, g.vector_width, g.stages
                )?;
                if let Some(m) = &g.mma {
                    write!(f, " mma={}x{}x{}:{}", m.m, m.n, m.k, m.dtype)?;
                }
                Ok(())
            }
            Schedule::Reduce(r) => write!(
                f,
                "reduce threads={} subgroup={}",
                r.threads,
                if r.subgroups { r.subgroup_size } else { 0 }
            ),
            Schedule::Attention {
                block_q,
                block_k,
                threads,
            } => write!(f, "attention bq={block_q} bk={block_k} threads={threads}"),
        }
    }
}

impl std::str::FromStr for Schedule {
    type Err = String;

    /// Parses the text form of [`Schedule`]'s `Display`; the error names the field.
    fn from_str(text: &str) -> Result<Schedule, String> {
        let mut words = text.split_whitespace();
        let kind = words.next().ok_or("an empty schedule")?;
        let mut fields = std::collections::BTreeMap::new();
        for w in words {
            let (k, v) = w
                .split_once('=')
                .ok_or_else(|| format!("schedule field `{w}` is not `name=value`"))?;
            if fields.insert(k, v).is_some() {
                return Err(format!("schedule field `{k}` is given twice"));
            }
        }
        let mut take = |name: &str| {
            fields
                .remove(name)
                .ok_or_else(|| format!("a {kind} schedule needs `{name}=`"))
        };
        let num = |name: &str, v: &str| {
            v.parse::<u32>()
                .map_err(|_| format!("schedule field `{name}={v}` is not a whole number"))
        };
        let dims = |name: &str, v: &str, n: usize| -> Result<Vec<u32>, String> {
            let parts: Vec<&str> = v.split('x').collect();
            if parts.len() != n {
                return Err(format!("schedule field `{name}={v}` needs {n} sizes joined by `x`"));
            }
            parts.iter().map(|p| num(name, p)).collect()
        };
        let s = match kind {
            "elementwise" => Schedule::Elementwise {
                workgroup: num("wg", take("wg")?)?,
            },
            "gemm" => {
                let t = dims("tile", take("tile")?, 3)?;
                let r = dims("reg", take("reg")?, 2)?;
                let vector_width = num("vec", take("vec")?)?;
                let stages = num("stages", take("stages")?)?;
                let mma = match fields.remove("mma") {
                    None => None,
                    Some(v) => {
                        let (shape, dtype) = v
                            .split_once(':')
                            .ok_or_else(|| format!("schedule field `mma={v}` is not MxNxK:dtype"))?;
                        let d = dims("mma", shape, 3)?;
                        Some(MmaShape {
                            dtype: dtype.to_string(),
                            m: d[0],
                            n: d[1],
                            k: d[2],
                        })
                    }
                };
                Schedule::Gemm(GemmSchedule {
                    tile_m: t[0],
                    tile_n: t[1],
                    tile_k: t[2],
                    reg_m: r[0],
                    reg_n: r[1],
                    vector_width,
                    stages,
                    mma,
                })
            }
            "reduce" => {
                let threads = num("threads", take("threads")?)?;
                let sg = num("subgroup", take("subgroup")?)?;
                Schedule::Reduce(ReduceSchedule {
                    threads,
                    subgroups: sg > 0,
                    subgroup_size: sg,
                })
            }
            "attention" => Schedule::Attention {
                block_q: num("bq", take("bq")?)?,
                block_k: num("bk", take("bk")?)?,
                threads: num("threads", take("threads")?)?,
            },
            other => {
                return Err(format!(
                    "unknown schedule kind `{other}` (elementwise, gemm, reduce or attention)"
                ))
            }
        };
        if let Some(k) = fields.keys().next() {
            return Err(format!("a {kind} schedule has no field `{k}`"));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        for text in [
            "elementwise wg=256",
            "gemm tile=64x16x32 reg=16x4 vec=4 stages=1",
            "gemm tile=128x128x32 reg=8x8 vec=4 stages=3 mma=16x8x16:f16",
            "reduce threads=256 subgroup=32",
            "reduce threads=64 subgroup=0",
            "attention bq=16 bk=32 threads=128",
        ] {
            let s: Schedule = text.parse().unwrap();
            assert_eq!(s.to_string(), text);
        }
        for (bad, why) in [
            ("", "empty"),
            ("gemm tile=64x16 reg=16x4 vec=4 stages=1", "needs 3 sizes"),
            ("gemm tile=64x16x32 reg=16x4 vec=4", "needs `stages=`"),
            ("reduce threads=a subgroup=0", "not a whole number"),
            ("attention bq=1 bk=8 threads=64 extra=1", "no field `extra`"),
            ("tiled wg=1", "unknown schedule kind"),
        ] {
            let e = bad.parse::<Schedule>().unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    fn caps() -> DeviceCaps {
        crate::profile("lavapipe").unwrap()
    }

    #[test]
    fn f16_tiles_take_half_the_bytes() {
        let c = caps();
        let s = GemmSchedule {
            tile_m: 64,
            tile_n: 64,
            tile_k: 64,
            reg_m: 4,
            reg_n: 4,
            vector_width: 4,
            stages: 1,
            mma: None,
        };
        assert_eq!(s.shared_bytes(2) * 2, s.shared_bytes(4));
        // A schedule whose f32 tiles overflow shared memory but whose f16 tiles fit.
        let mut small = c.clone();
        small.shared_memory_bytes = s.shared_bytes(2);
        assert!(s.check(&small, 2).is_ok());
        let e = s.check(&small, 4).unwrap_err();
        assert!(e.contains("bytes of workgroup memory"), "{e}");
        assert!(GemmSchedule::default_for(&small, 512, 512, 512, 4).fits(&small, 4));
    }

    #[test]
    fn one_fit_rule_per_kind() {
        let c = caps();
        let g = GemmSchedule::default_for(&c, 100, 8, 36, 4);
        assert!(g.check(&c, 4).is_ok());
        let too_many = GemmSchedule {
            reg_m: 1,
            reg_n: 1,
            tile_m: 64,
            tile_n: 64,
            ..g.clone()
        };
        assert!(too_many.check(&c, 4).unwrap_err().contains("invocations per workgroup"));
        let three = GemmSchedule { stages: 3, ..g.clone() };
        assert!(three.check(&c, 4).unwrap_err().contains("stages"));
        let r = ReduceSchedule::default_for(&c, 1000);
        assert!(r.check(&c, 1).is_ok());
        let mut nosub = c.clone();
        nosub.subgroup_size = 0;
        assert!(r.subgroups, "lavapipe has subgroups: {r:?}");
        assert!(r.check(&nosub, 1).unwrap_err().contains("subgroup"));
        // A register block written out in the code is bounded, whatever else fits.
        let huge = GemmSchedule {
            tile_m: 4096,
            tile_n: 4096,
            tile_k: 1,
            reg_m: 4096,
            reg_n: 4096,
            vector_width: 1,
            stages: 1,
            mma: None,
        };
        assert!(huge.check(&c, 4).unwrap_err().contains("register block"));
        let e = AttentionExtents {
            lq: 1,
            lk: 512,
            d: 64,
            dv: 64,
            elem_bytes: 4,
        };
        let Schedule::Attention {
            block_q,
            block_k,
            threads,
        } = attention_default(&c, &e)
        else {
            panic!("not an attention schedule")
        };
        assert_eq!(block_q, 1);
        assert!(attention_check(&c, &e, block_q as u64, block_k as u64, threads as u64).is_ok());
        assert!(attention_check(&c, &e, 64, 64, 32)
            .unwrap_err()
            .contains("exceeds the 32 invocations"));
        // Blocks from a user's schedule text do not overflow the byte count.
        let big = 1u64 << 31;
        assert!(attention_check(&c, &e, big, big, 64).is_err());
        assert_eq!(attention_shared_bytes(&e, u64::MAX, u64::MAX, 1), u64::MAX);
    }
}
