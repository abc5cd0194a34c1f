//! The op generators of [`super::random_graph`]: one method per op family, each building
//! operands that fit the op's shape rules and returning `None` when inference rejects the attempt.

use super::Gen;
use crate::dtype::DType;
use crate::graph::ValueId;
use crate::op::{BinaryOp, CoordMode, NearestMode, Op, PadMode, ReduceOp, ResizeMode, UnaryOp};
use crate::shape::{Dim, Shape};
use crate::tensor::TensorData;

impl Gen {
    /// Tries to add one random op node (skipped when inference rejects it).
    pub(super) fn step(&mut self) {
        let _ = match self.rng.below(44) {
            0..=3 => self.unary(),
            4..=8 => self.binary(),
            9 => self.cast(),
            10 => self.where_(),
            11 => self.clip(),
            12 | 13 => self.reduce(),
            14 => self.arg(),
            15 => self.softmax(),
            16 | 17 => self.norm(),
            18 => self.channel_norm(),
            19 | 20 => self.matmul(),
            21 => self.gemm(),
            22 => self.conv(),
            23 => self.conv_transpose(),
            24 => self.pool(),
            25 => self.resize(),
            26 => self.reshape(),
            27 => self.transpose(),
            28 => self.concat(),
            29 => self.split(),
            30 => self.slice(),
            31 => self.gather(),
            32 => self.expand_tile(),
            33 => self.squeeze(),
            34 => self.unsqueeze_flatten(),
            35 => self.pad(),
            36 => self.generators(),
            37 => self.shape_op(),
            38 => self.trilu_cumsum(),
            39 => self.topk(),
            40 | 41 => self.attention(),
            42 => self.identity(),
            _ => self.gather_elements(),
        };
    }

    fn unary(&mut self) -> Option<()> {
        let mut u = self.rng.pick(&UnaryOp::ALL)?;
        if let UnaryOp::LeakyRelu { .. } = u {
            u = UnaryOp::LeakyRelu { alpha: self.f32_attr() };
        }
        let x = match u {
            UnaryOp::Not => self.source(|t, _| t == DType::Bool, DType::Bool, 0)?,
            u if u.float_only() => self.float_src(0)?,
            _ => self.numeric_src(0)?,
        };
        self.add(Op::Unary(u), &[x]).map(|_| ())
    }

    fn binary(&mut self) -> Option<()> {
        let b = self.rng.pick(&BinaryOp::ALL)?;
        let a = if b.is_logical() {
            self.source(|t, _| t == DType::Bool, DType::Bool, 0)?
        } else if matches!(b, BinaryOp::Mod) {
            self.source(|t, _| t.is_int(), DType::I64, 0)?
        } else {
            self.numeric_src(0)?
        };
        let (dt, s) = self.ty(a);
        let ps = self.partner(&s);
        let c = self.operand(dt, ps)?;
        let ins = if self.rng.pct(50) { [a, c] } else { [c, a] };
        self.add(Op::Binary(b), &ins).map(|_| ())
    }

    fn cast(&mut self) -> Option<()> {
        let n = self.g.values().len() as u64;
        let x = ValueId(self.rng.below(n) as u32);
        if n == 0 {
            return None;
        }
        let to = self.rng.pick(&DType::ALL)?;
        self.add(Op::Cast { to }, &[x]).map(|_| ())
    }

    fn where_(&mut self) -> Option<()> {
        let x = self.numeric_src(0)?;
        let (dt, s) = self.ty(x);
        let cs = self.partner(&s);
        let cond = self.operand(DType::Bool, cs)?;
        let ys = self.partner(&s);
        let y = self.operand(dt, ys)?;
        self.add(Op::Where, &[cond, x, y]).map(|_| ())
    }

    fn clip(&mut self) -> Option<()> {
        let x = self.numeric_src(0)?;
        let lo = -(self.rng.below(4) as f64) * 0.5;
        let hi = self.rng.below(4) as f64 + 0.25;
        let min = self.rng.pct(70).then_some(lo);
        let max = self.rng.pct(70).then_some(hi);
        self.add(Op::Clip { min, max }, &[x]).map(|_| ())
    }

    fn reduce(&mut self) -> Option<()> {
        let x = self.numeric_src(0)?;
        let r = self.g.ty(x).shape.rank();
        let mut axes = Vec::new();
        for a in 0..r as i64 {
            if self.rng.pct(40) {
                axes.push(if self.rng.pct(30) { a - r as i64 } else { a });
            }
        }
        let op = self.rng.pick(&ReduceOp::ALL)?;
        let keepdims = self.rng.pct(50);
        self.add(Op::Reduce { op, axes, keepdims }, &[x]).map(|_| ())
    }

    fn arg(&mut self) -> Option<()> {
        let x = self.numeric_src(1)?;
        let axis = self.axis(self.g.ty(x).shape.rank());
        let (keepdims, select_last_index) = (self.rng.pct(50), self.rng.pct(50));
        let op = if self.rng.pct(50) {
            Op::ArgMax {
                axis,
                keepdims,
                select_last_index,
            }
        } else {
            Op::ArgMin {
                axis,
                keepdims,
                select_last_index,
            }
        };
        self.add(op, &[x]).map(|_| ())
    }

    fn softmax(&mut self) -> Option<()> {
        let x = self.float_src(1)?;
        let axis = self.axis(self.g.ty(x).shape.rank());
        let op = if self.rng.pct(50) {
            Op::Softmax { axis }
        } else {
            Op::LogSoftmax { axis }
        };
        self.add(op, &[x]).map(|_| ())
    }

    fn norm(&mut self) -> Option<()> {
        let x = self.float_src(1)?;
        let (dt, s) = self.ty(x);
        let a = self.rng.below(s.rank() as u64) as usize;
        let axis = if self.rng.pct(30) {
            a as i64 - s.rank() as i64
        } else {
            a as i64
        };
        let ps = Shape(s.dims()[a..].to_vec());
        let scale = self.operand(dt, ps.clone())?;
        let epsilon = self.f32_attr().abs();
        if self.rng.pct(50) {
            let mut ins = vec![x, scale];
            if self.rng.pct(50) {
                ins.push(self.operand(dt, ps)?);
            }
            self.add(Op::LayerNorm { axis, epsilon }, &ins).map(|_| ())
        } else {
            self.add(Op::RmsNorm { axis, epsilon }, &[x, scale]).map(|_| ())
        }
    }

    fn channel_norm(&mut self) -> Option<()> {
        let x = self.image(2)?;
        let (dt, s) = self.ty(x);
        let c = Self::static_extent(&s, 1)?;
        let pc = Shape(vec![Dim::Static(c)]);
        let epsilon = self.f32_attr().abs();
        let n_params = match self.rng.below(3) {
            0 => 2,
            1 => 4,
            _ => 2,
        };
        let mut ins = vec![x];
        for _ in 0..n_params {
            ins.push(self.operand(dt, pc.clone())?);
        }
        let op = match (n_params, self.rng.pct(50)) {
            (4, _) => Op::BatchNorm { epsilon },
            (_, true) => Op::InstanceNorm { epsilon },
            _ => {
                let divisors: Vec<u32> = (1..=c as u32).filter(|d| (c as u32).is_multiple_of(*d)).collect();
                Op::GroupNorm {
                    num_groups: self.rng.pick(&divisors)?,
                    epsilon,
                }
            }
        };
        self.add(op, &ins).map(|_| ())
    }

    fn matmul(&mut self) -> Option<()> {
        let a = self.float_src(1)?;
        let (dt, s) = self.ty(a);
        let k = s.dims().last()?.clone();
        let n = self.rand_dim(false);
        let bs = match self.rng.below(3) {
            0 => Shape(vec![k]),
            1 => Shape(vec![k, n]),
            _ => {
                let mut d: Vec<Dim> = s.dims()[..s.rank().saturating_sub(2)].to_vec();
                d.extend([k, n]);
                Shape(d)
            }
        };
        let b = self.operand(dt, bs)?;
        self.add(Op::MatMul, &[a, b]).map(|_| ())
    }

    fn gemm(&mut self) -> Option<()> {
        let a = self.float_src(2)?;
        let (dt, s) = self.ty(a);
        if s.rank() != 2 {
            return None;
        }
        let (trans_a, trans_b) = (self.rng.pct(40), self.rng.pct(40));
        let (m, k) = if trans_a {
            (s.dims()[1].clone(), s.dims()[0].clone())
        } else {
            (s.dims()[0].clone(), s.dims()[1].clone())
        };
        let n = self.rand_dim(false);
        let bs = if trans_b {
            vec![n.clone(), k]
        } else {
            vec![k, n.clone()]
        };
        let b = self.operand(dt, Shape(bs))?;
        let mut ins = vec![a, b];
        if self.rng.pct(60) {
            let cs = match self.rng.below(3) {
                0 => vec![n],
                1 => vec![m, n],
                _ => vec![],
            };
            ins.push(self.operand(dt, Shape(cs))?);
        }
        let op = Op::Gemm {
            alpha: self.f32_attr(),
            beta: self.f32_attr(),
            trans_a,
            trans_b,
        };
        self.add(op, &ins).map(|_| ())
    }

    fn small_list(&mut self, n: usize, lo: u64, hi: u64) -> Vec<u64> {
        (0..n).map(|_| lo + self.rng.below(hi - lo + 1)).collect()
    }

    fn conv(&mut self) -> Option<()> {
        let x = self.image(1)?;
        let (dt, s) = self.ty(x);
        let c = Self::static_extent(&s, 1)?;
        let sp = s.rank() - 2;
        let divisors: Vec<u64> = (1..=c).filter(|d| c.is_multiple_of(*d)).collect();
        let groups = if self.rng.pct(50) { 1 } else { self.rng.pick(&divisors)? };
        let m = groups * (1 + self.rng.below(2));
        let kernel = self.small_list(sp, 1, 3);
        let mut ws = vec![Dim::Static(m), Dim::Static(c / groups)];
        ws.extend(kernel.iter().map(|&k| Dim::Static(k)));
        let w = self.operand(dt, Shape(ws))?;
        let mut ins = vec![x, w];
        if self.rng.pct(50) {
            ins.push(self.operand(dt, Shape(vec![Dim::Static(m)]))?);
        }
        let op = Op::Conv {
            strides: self.small_list(sp, 1, 2),
            pads: self.small_list(2 * sp, 0, 1),
            dilations: self.small_list(sp, 1, 2),
            groups: groups as u32,
        };
        self.add(op, &ins).map(|_| ())
    }

    fn conv_transpose(&mut self) -> Option<()> {
        let x = self.image(1)?;
        let (dt, s) = self.ty(x);
        let c = Self::static_extent(&s, 1)?;
        let sp = s.rank() - 2;
        let groups = if c.is_multiple_of(2) && self.rng.pct(30) { 2 } else { 1 };
        let m = groups * (1 + self.rng.below(2));
        let kernel = self.small_list(sp, 1, 3);
        let mut ws = vec![Dim::Static(c), Dim::Static(m / groups)];
        ws.extend(kernel.iter().map(|&k| Dim::Static(k)));
        let w = self.operand(dt, Shape(ws))?;
        let mut ins = vec![x, w];
        if self.rng.pct(50) {
            ins.push(self.operand(dt, Shape(vec![Dim::Static(m)]))?);
        }
        let strides = self.small_list(sp, 1, 2);
        let output_padding = strides.iter().map(|&st| self.rng.below(st)).collect();
        let op = Op::ConvTranspose {
            strides,
            pads: self.small_list(2 * sp, 0, 1),
            dilations: self.small_list(sp, 1, 2),
            output_padding,
            groups: groups as u32,
        };
        self.add(op, &ins).map(|_| ())
    }

    fn pool(&mut self) -> Option<()> {
        let x = self.image(1)?;
        let sp = self.g.ty(x).shape.rank() - 2;
        let kernel = self.small_list(sp, 1, 3);
        let pads = (0..2 * sp).map(|i| self.rng.below(kernel[i % sp])).collect();
        let strides = self.small_list(sp, 1, 2);
        let ceil_mode = self.rng.pct(30);
        let op = match self.rng.below(3) {
            0 => Op::MaxPool {
                kernel,
                strides,
                pads,
                dilations: self.small_list(sp, 1, 2),
                ceil_mode,
            },
            1 => Op::AveragePool {
                kernel,
                strides,
                pads,
                ceil_mode,
                count_include_pad: self.rng.pct(50),
            },
            _ => Op::GlobalAveragePool,
        };
        self.add(op, &[x]).map(|_| ())
    }

    fn resize(&mut self) -> Option<()> {
        let x = self.image(1)?;
        let s = self.g.ty(x).shape.clone();
        let mut scales = vec![1.0f32; s.rank()];
        for sc in scales.iter_mut().skip(2) {
            *sc = self.rng.pick(&[0.5, 1.5, 2.0, 3.0])?;
        }
        let sizes = if self.rng.pct(30) {
            let mut v: Vec<u64> = s.dims().iter().map(|d| d.as_static().unwrap_or(1)).collect();
            for e in v.iter_mut().skip(2) {
                *e = 1 + self.rng.below(6);
            }
            Some(v)
        } else {
            None
        };
        let op = Op::Resize {
            mode: self.rng.pick(&[ResizeMode::Nearest, ResizeMode::Linear])?,
            coord: self.rng.pick(&[
                CoordMode::HalfPixel,
                CoordMode::PytorchHalfPixel,
                CoordMode::AlignCorners,
                CoordMode::Asymmetric,
            ])?,
            nearest: self.rng.pick(&[
                NearestMode::RoundPreferFloor,
                NearestMode::RoundPreferCeil,
                NearestMode::Floor,
                NearestMode::Ceil,
            ])?,
            scales,
            sizes,
        };
        self.add(op, &[x]).map(|_| ())
    }

    /// A random factorization of `n` into at most `parts` factors.
    fn factorize(&mut self, mut n: u64, parts: usize) -> Vec<i64> {
        let mut out = Vec::new();
        while out.len() + 1 < parts && n > 1 && self.rng.pct(70) {
            let divs: Vec<u64> = (1..=n).filter(|d| n.is_multiple_of(*d)).collect();
            let d = self.rng.pick(&divs).unwrap_or(1);
            out.push(d as i64);
            n /= d;
        }
        out.push(n as i64);
        out
    }

    fn reshape(&mut self) -> Option<()> {
        let x = self.source(|_, _| true, DType::F32, 0)?;
        let s = self.g.ty(x).shape.clone();
        let first_sym = s.dims().first().is_some_and(|d| d.as_static().is_none());
        let rest = Shape(s.dims().get(1..).unwrap_or(&[]).to_vec());
        let mut shape = if s.is_static() {
            self.factorize(s.numel()?, 4)
        } else if first_sym && rest.is_static() {
            let mut v = vec![0];
            v.extend(self.factorize(rest.numel()?, 3));
            v
        } else {
            return None;
        };
        if shape.len() > 1 && self.rng.pct(40) {
            let i = 1 + self.rng.below(shape.len() as u64 - 1) as usize;
            shape[i] = -1;
        }
        self.add(
            Op::Reshape {
                shape,
                allowzero: false,
            },
            &[x],
        )
        .map(|_| ())
    }

    fn transpose(&mut self) -> Option<()> {
        let x = self.source(|_, s| s.rank() >= 2, DType::F32, 2)?;
        let r = self.g.ty(x).shape.rank();
        let mut perm: Vec<u64> = (0..r as u64).collect();
        for i in (1..r).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            perm.swap(i, j);
        }
        self.add(Op::Transpose { perm }, &[x]).map(|_| ())
    }

    fn concat(&mut self) -> Option<()> {
        let x = self.source(|_, s| s.rank() >= 1, DType::F32, 1)?;
        let (dt, s) = self.ty(x);
        let axis = self.axis(s.rank());
        let a = crate::shape::normalize_axis(axis, s.rank())?;
        let mut ins = vec![x];
        for _ in 0..self.rng.below(3) {
            let mut d = s.dims().to_vec();
            if s.dims()[a].as_static().is_some() || self.rng.pct(50) {
                d[a] = Dim::Static(1 + self.rng.below(3));
            }
            ins.push(self.operand(dt, Shape(d))?);
        }
        self.add(Op::Concat { axis }, &ins).map(|_| ())
    }

    fn split(&mut self) -> Option<()> {
        let x = self.source(|_, s| s.rank() >= 1, DType::F32, 1)?;
        let s = self.g.ty(x).shape.clone();
        let axis = self.axis(s.rank());
        let a = crate::shape::normalize_axis(axis, s.rank())?;
        let mut left = Self::static_extent(&s, a)?;
        let mut sizes = Vec::new();
        while left > 0 && sizes.len() < 2 {
            let p = 1 + self.rng.below(left);
            sizes.push(p);
            left -= p;
        }
        if left > 0 {
            sizes.push(left);
        }
        self.add(Op::Split { axis, sizes }, &[x]).map(|_| ())
    }

    fn slice(&mut self) -> Option<()> {
        let x = self.source(|_, s| s.rank() >= 1, DType::F32, 1)?;
        let s = self.g.ty(x).shape.clone();
        let r = s.rank();
        if self.rng.pct(20) {
            // Crop: leading elements, each static axis cut to 1..=its extent (symbolic ones kept).
            let mut shape = Vec::with_capacity(r);
            for d in s.dims() {
                shape.push(match d {
                    Dim::Static(n) if *n > 0 => Dim::Static(1 + self.rng.below(*n)),
                    d => d.clone(),
                });
            }
            return self.add(Op::Crop { shape }, &[x]).map(|_| ());
        }
        let all = self.rng.pct(20);
        let (mut starts, mut ends, mut axes, mut steps) = (vec![], vec![], vec![], vec![]);
        for a in 0..r {
            if !all && !self.rng.pct(50) {
                continue;
            }
            let e = s.dims()[a].upper_bound() as i64;
            let step = self.rng.pick(&[1, 1, 2, -1, -2])?;
            starts.push(self.rng.range(-e - 1, e + 1));
            ends.push(if self.rng.pct(20) {
                if step > 0 {
                    i64::MAX
                } else {
                    i64::MIN
                }
            } else {
                self.rng.range(-e - 1, e + 1)
            });
            if !all {
                axes.push(if self.rng.pct(30) {
                    a as i64 - r as i64
                } else {
                    a as i64
                });
            }
            steps.push(step);
        }
        let op = Op::Slice {
            starts,
            ends,
            axes,
            steps,
        };
        self.add(op, &[x]).map(|_| ())
    }

    fn index_const(&mut self, dtype: DType, dims: &[usize], extent: u64, neg: bool) -> Option<ValueId> {
        let n: usize = dims.iter().product();
        let e = extent as i64;
        let lo = if neg { -e } else { 0 };
        let vals: Vec<i64> = (0..n).map(|_| self.rng.range(lo, e - 1)).collect();
        let data = TensorData::from_i64(dtype, dims.to_vec(), &vals).ok()?;
        let name = self.name("idx");
        self.g.add_const_value(name, data).ok()
    }

    fn gather(&mut self) -> Option<()> {
        let x = self.source(|_, s| s.rank() >= 1, DType::F32, 1)?;
        let s = self.g.ty(x).shape.clone();
        let axis = self.axis(s.rank());
        let a = crate::shape::normalize_axis(axis, s.rank())?;
        let e = Self::static_extent(&s, a).unwrap_or(1).max(1);
        let dt = self.rng.pick(&[DType::I64, DType::I32])?;
        let rank = self.rng.below(3) as usize;
        let dims: Vec<usize> = (0..rank).map(|_| 1 + self.rng.below(3) as usize).collect();
        let idx = self.index_const(dt, &dims, e, s.dims()[a].as_static().is_some())?;
        self.add(Op::Gather { axis }, &[x, idx]).map(|_| ())
    }

    fn gather_elements(&mut self) -> Option<()> {
        let x = self.source(|_, s| s.rank() >= 1 && s.is_static(), DType::F32, 1)?;
        let s = self.g.ty(x).shape.as_static()?;
        let axis = self.axis(s.len());
        let a = crate::shape::normalize_axis(axis, s.len())?;
        let mut dims = s.clone();
        dims[a] = 1 + self.rng.below(3) as usize;
        let idx = self.index_const(DType::I64, &dims, s[a].max(1) as u64, false)?;
        self.add(Op::GatherElements { axis }, &[x, idx]).map(|_| ())
    }

    fn expand_tile(&mut self) -> Option<()> {
        let x = self.source(|_, _| true, DType::F32, 0)?;
        let s = self.g.ty(x).shape.clone();
        if self.rng.pct(50) {
            let mut shape: Vec<i64> = (0..self.rng.below(2)).map(|_| 1 + self.rng.below(3) as i64).collect();
            for d in s.dims() {
                shape.push(match d.as_static() {
                    Some(1) => 1 + self.rng.below(3) as i64,
                    Some(n) if self.rng.pct(70) => n as i64,
                    _ => 1,
                });
            }
            self.add(Op::Expand { shape }, &[x]).map(|_| ())
        } else {
            let repeats = self.small_list(s.rank(), 1, 3);
            self.add(Op::Tile { repeats }, &[x]).map(|_| ())
        }
    }

    fn squeeze(&mut self) -> Option<()> {
        let x = self.source(|_, s| s.dims().iter().any(|d| d.as_static() == Some(1)), DType::F32, 1)?;
        let s = self.g.ty(x).shape.clone();
        let r = s.rank() as i64;
        let mut axes = Vec::new();
        if self.rng.pct(70) {
            for (i, d) in s.dims().iter().enumerate() {
                if d.as_static() == Some(1) && self.rng.pct(60) {
                    axes.push(if self.rng.pct(30) { i as i64 - r } else { i as i64 });
                }
            }
        }
        self.add(Op::Squeeze { axes }, &[x]).map(|_| ())
    }

    fn unsqueeze_flatten(&mut self) -> Option<()> {
        let x = self.source(|_, _| true, DType::F32, 0)?;
        let r = self.g.ty(x).shape.rank() as i64;
        if self.rng.pct(50) {
            let k = 1 + self.rng.below(2) as i64;
            let out_rank = r + k;
            let mut axes: Vec<i64> = Vec::new();
            while (axes.len() as i64) < k {
                let a = self.rng.range(0, out_rank - 1);
                if !axes.contains(&a) {
                    axes.push(a);
                }
            }
            if self.rng.pct(30) {
                if let Some(a) = axes.first_mut() {
                    *a -= out_rank;
                }
            }
            self.add(Op::Unsqueeze { axes }, &[x]).map(|_| ())
        } else {
            let axis = self.rng.range(-r, r);
            self.add(Op::Flatten { axis }, &[x]).map(|_| ())
        }
    }

    fn pad(&mut self) -> Option<()> {
        let x = self.numeric_src(1)?;
        let s = self.g.ty(x).shape.clone();
        let mode = self.rng.pick(&[PadMode::Constant, PadMode::Reflect, PadMode::Edge])?;
        let pads: Vec<i64> = (0..2 * s.rank())
            .map(|i| {
                let e = s.dims()[i % s.rank()].as_static().unwrap_or(1) as i64;
                match mode {
                    PadMode::Reflect => self.rng.range(0, (e - 1).max(0)),
                    _ if e > 2 => self.rng.range(-1, 2),
                    _ => self.rng.range(0, 2),
                }
            })
            .collect();
        let value = if self.rng.pct(5) {
            f64::from_bits(0x7ff8_0000_0000_0001)
        } else {
            self.f64_attr()
        };
        self.add(Op::Pad { pads, mode, value }, &[x]).map(|_| ())
    }

    fn generators(&mut self) -> Option<()> {
        if self.rng.pct(50) {
            let dtype = self.rng.pick(&[DType::F32, DType::I64, DType::I32])?;
            let start = self.rng.range(-4, 4) as f64;
            let delta = self.rng.pick(&[1.0, 2.0, -1.0, 0.5])?;
            let limit = start + delta * self.rng.below(6) as f64;
            self.add(
                Op::Range {
                    start,
                    limit,
                    delta,
                    dtype,
                },
                &[],
            )
            .map(|_| ())
        } else {
            let rank = self.rng.below(3) as usize;
            let shape = self.small_list(rank, 1, 4);
            let op = Op::ConstantOfShape {
                shape,
                value: self.f64_attr(),
                dtype: self.rng.pick(&DType::ALL)?,
            };
            self.add(op, &[]).map(|_| ())
        }
    }

    fn shape_op(&mut self) -> Option<()> {
        let x = self.source(|_, _| true, DType::F32, 0)?;
        let r = self.g.ty(x).shape.rank() as i64;
        let start = self.rng.range(-r, r);
        let end = self.rng.pct(40).then(|| self.rng.range(-r, r));
        self.add(Op::Shape { start, end }, &[x]).map(|_| ())
    }

    fn trilu_cumsum(&mut self) -> Option<()> {
        let x = self.numeric_src(2)?;
        let r = self.g.ty(x).shape.rank();
        let op = if self.rng.pct(50) {
            Op::Trilu {
                upper: self.rng.pct(50),
                k: self.rng.range(-2, 2),
            }
        } else {
            Op::CumSum {
                axis: self.axis(r),
                exclusive: self.rng.pct(50),
                reverse: self.rng.pct(50),
            }
        };
        self.add(op, &[x]).map(|_| ())
    }

    fn topk(&mut self) -> Option<()> {
        let x = self.numeric_src(1)?;
        let s = self.g.ty(x).shape.clone();
        let axis = self.axis(s.rank());
        let a = crate::shape::normalize_axis(axis, s.rank())?;
        let e = Self::static_extent(&s, a)?;
        let k = 1 + self.rng.below(e.max(1));
        let largest = self.rng.pct(50);
        self.add(Op::TopK { k, axis, largest }, &[x]).map(|_| ())
    }

    fn attention(&mut self) -> Option<()> {
        let q = if self.rng.pct(50) {
            self.float_src(2)?
        } else {
            let b = if self.opts.symbolic && self.rng.pct(40) {
                Dim::sym("batch", 8)
            } else {
                Dim::Static(1 + self.rng.below(2))
            };
            let sq = if self.opts.symbolic && self.rng.pct(40) {
                Dim::sym("seq", 16)
            } else {
                Dim::Static(1 + self.rng.below(4))
            };
            let dims = vec![
                b,
                Dim::Static(1 + self.rng.below(2)),
                sq,
                Dim::Static(2 + self.rng.below(3)),
            ];
            let d = self.pick_float();
            self.new_input(d, Shape(dims))?
        };
        let (dt, s) = self.ty(q);
        let r = s.rank();
        let batch = &s.dims()[..r - 2];
        let sq = s.dims()[r - 2].clone();
        let d = s.dims()[r - 1].clone();
        let sk = if self.rng.pct(50) {
            sq.clone()
        } else {
            self.rand_dim(false)
        };
        let dv = self.rand_dim(false);
        let mk = |last: Vec<Dim>| {
            let mut v = batch.to_vec();
            v.extend(last);
            Shape(v)
        };
        let (ks, vs) = (mk(vec![sk.clone(), d]), mk(vec![sk.clone(), dv]));
        let k = self.operand(dt, ks)?;
        let v = self.operand(dt, vs)?;
        let mut ins = vec![q, k, v];
        if self.rng.pct(40) {
            let mdt = if self.rng.pct(50) { DType::Bool } else { dt };
            ins.push(self.operand(mdt, Shape(vec![sq, sk]))?);
        }
        let scale = self.rng.pct(40).then(|| self.f32_attr().abs());
        let op = Op::Attention {
            scale,
            causal: self.rng.pct(50),
        };
        self.add(op, &ins).map(|_| ())
    }

    fn identity(&mut self) -> Option<()> {
        let x = self.source(|_, _| true, DType::F32, 0)?;
        self.add(Op::Identity, &[x]).map(|_| ())
    }
}
