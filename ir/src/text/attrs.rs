//! Attribute lists of the text format and the table from op names to [`Op`]s.
//!
//! Getters never fail: a missing or malformed attribute records the first error and yields a
//! placeholder, so that the op table reads like the op enum. [`Attrs::finish`] then reports an
//! unknown attribute first (usually a typo), else the first recorded error.

use super::lex::{Pos, Tok};
use crate::dtype::DType;
use crate::error::IrError;
use crate::op::{BinaryOp, CoordMode, NearestMode, Op, PadMode, ReduceOp, ResizeMode, UnaryOp};
use crate::shape::Dim;
use crate::ConstId;

/// An attribute value as written.
#[derive(Clone, Debug)]
pub enum AttrVal {
    Atom(Tok, Pos),
    List(Vec<(Tok, Pos)>, Pos),
}

impl AttrVal {
    fn pos(&self) -> Pos {
        match self {
            AttrVal::Atom(_, p) | AttrVal::List(_, p) => *p,
        }
    }
}

/// The attributes of one op, consumed by name.
pub struct Attrs {
    op: String,
    op_pos: Pos,
    items: Vec<(String, Pos, AttrVal, bool)>,
    known: Vec<&'static str>,
    error: Option<IrError>,
}

fn int_of(tok: &Tok) -> Option<i128> {
    let Tok::Num(s) = tok else { return None };
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.as_str()),
    };
    let v = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(h) => i128::from_str_radix(h, 16).ok()?,
        None => digits.parse::<i128>().ok()?,
    };
    Some(if neg { -v } else { v })
}

fn float_text(tok: &Tok) -> Option<&str> {
    match tok {
        Tok::Num(s) => Some(s),
        Tok::Ident(s) => Some(s),
        _ => None,
    }
}

fn f32_of(tok: &Tok) -> Option<f32> {
    let s = float_text(tok)?;
    if let Some(h) = s.strip_prefix("0x") {
        return u32::from_str_radix(h, 16).ok().map(f32::from_bits);
    }
    s.parse::<f32>().ok()
}

fn f64_of(tok: &Tok) -> Option<f64> {
    let s = float_text(tok)?;
    if let Some(h) = s.strip_prefix("0x") {
        return u64::from_str_radix(h, 16).ok().map(f64::from_bits);
    }
    s.parse::<f64>().ok()
}

impl Attrs {
    pub fn new(op: &str, op_pos: Pos, items: Vec<(String, Pos, AttrVal)>) -> Self {
        Attrs {
            op: op.to_string(),
            op_pos,
            items: items.into_iter().map(|(n, p, v)| (n, p, v, false)).collect(),
            known: Vec::new(),
            error: None,
        }
    }

    fn fail(&mut self, e: IrError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn take(&mut self, name: &'static str) -> Option<AttrVal> {
        self.known.push(name);
        let item = self.items.iter_mut().find(|it| it.0 == name)?;
        item.3 = true;
        Some(item.2.clone())
    }

    fn required(&mut self, name: &'static str) -> Option<AttrVal> {
        let v = self.take(name);
        if v.is_none() {
            let e = self.op_pos.err(format!("{} is missing attribute `{name}`", self.op));
            self.fail(e);
        }
        v
    }

    /// Converts one scalar token; records an error naming `what` on failure.
    fn conv<T: Default>(&mut self, name: &str, tok: &Tok, pos: Pos, what: &str, f: impl Fn(&Tok) -> Option<T>) -> T {
        match f(tok) {
            Some(v) => v,
            None => {
                let e = pos.err(format!(
                    "attribute `{name}` of {}: expected {what}, found {}",
                    self.op,
                    tok.describe()
                ));
                self.fail(e);
                T::default()
            }
        }
    }

    fn scalar<T: Default>(&mut self, name: &'static str, what: &str, f: impl Fn(&Tok) -> Option<T>) -> Option<T> {
        match self.take(name)? {
            AttrVal::Atom(t, p) => Some(self.conv(name, &t, p, what, f)),
            AttrVal::List(_, p) => {
                let e = p.err(format!(
                    "attribute `{name}` of {}: expected {what}, found a list",
                    self.op
                ));
                self.fail(e);
                Some(T::default())
            }
        }
    }

    fn req_scalar<T: Default>(&mut self, name: &'static str, what: &str, f: impl Fn(&Tok) -> Option<T>) -> T {
        if self.items.iter().any(|it| it.0 == name) {
            self.scalar(name, what, f).unwrap_or_default()
        } else {
            self.required(name);
            T::default()
        }
    }

    fn list<T: Default>(&mut self, name: &'static str, what: &str, f: impl Fn(&Tok) -> Option<T>) -> Option<Vec<T>> {
        match self.take(name)? {
            AttrVal::List(items, _) => Some(items.iter().map(|(t, p)| self.conv(name, t, *p, what, &f)).collect()),
            AttrVal::Atom(t, p) => {
                let e = p.err(format!(
                    "attribute `{name}` of {}: expected a list `[..]` of {what}, found {}",
                    self.op,
                    t.describe()
                ));
                self.fail(e);
                Some(Vec::new())
            }
        }
    }

    fn req_list<T: Default>(&mut self, name: &'static str, what: &str, f: impl Fn(&Tok) -> Option<T>) -> Vec<T> {
        if self.items.iter().any(|it| it.0 == name) {
            self.list(name, what, f).unwrap_or_default()
        } else {
            self.required(name);
            Vec::new()
        }
    }

    pub fn i64(&mut self, name: &'static str) -> i64 {
        self.req_scalar(name, "an integer", |t| int_of(t).and_then(|v| i64::try_from(v).ok()))
    }
    pub fn opt_i64(&mut self, name: &'static str) -> Option<i64> {
        self.scalar(name, "an integer", |t| int_of(t).and_then(|v| i64::try_from(v).ok()))
    }
    pub fn u64(&mut self, name: &'static str) -> u64 {
        self.req_scalar(name, "a non-negative integer", |t| {
            int_of(t).and_then(|v| u64::try_from(v).ok())
        })
    }
    pub fn u32(&mut self, name: &'static str) -> u32 {
        self.req_scalar(name, "a non-negative 32-bit integer", |t| {
            int_of(t).and_then(|v| u32::try_from(v).ok())
        })
    }
    pub fn f32(&mut self, name: &'static str) -> f32 {
        self.req_scalar(name, "a number", f32_of)
    }
    pub fn opt_f32(&mut self, name: &'static str) -> Option<f32> {
        self.scalar(name, "a number", f32_of)
    }
    pub fn f64(&mut self, name: &'static str) -> f64 {
        self.req_scalar(name, "a number", f64_of)
    }
    pub fn opt_f64(&mut self, name: &'static str) -> Option<f64> {
        self.scalar(name, "a number", f64_of)
    }
    pub fn bool(&mut self, name: &'static str) -> bool {
        self.req_scalar(name, "`true` or `false`", |t| match t {
            Tok::Ident(s) if s == "true" => Some(true),
            Tok::Ident(s) if s == "false" => Some(false),
            _ => None,
        })
    }
    pub fn dtype(&mut self, name: &'static str) -> DType {
        let Some(v) = self.required(name) else {
            return DType::F32;
        };
        match &v {
            AttrVal::Atom(Tok::Ident(s), p) => match s.parse::<DType>() {
                Ok(d) => d,
                Err(msg) => {
                    self.fail(p.err(msg));
                    DType::F32
                }
            },
            _ => {
                let e = v
                    .pos()
                    .err(format!("attribute `{name}` of {}: expected a dtype", self.op));
                self.fail(e);
                DType::F32
            }
        }
    }
    /// An enum attribute written by name; `choices` maps names to values (the first is the placeholder).
    pub fn enum_of<T: Copy>(&mut self, name: &'static str, choices: &[(&str, T)], fallback: T) -> T {
        let Some(v) = self.required(name) else {
            return fallback;
        };
        if let AttrVal::Atom(Tok::Ident(s), _) = &v {
            if let Some((_, t)) = choices.iter().find(|(n, _)| n == s) {
                return *t;
            }
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let e = v.pos().err(format!(
            "attribute `{name}` of {}: expected one of {}",
            self.op,
            names.join(", ")
        ));
        self.fail(e);
        fallback
    }
    pub fn vec_i64(&mut self, name: &'static str) -> Vec<i64> {
        self.req_list(name, "integers", |t| int_of(t).and_then(|v| i64::try_from(v).ok()))
    }
    pub fn vec_u64(&mut self, name: &'static str) -> Vec<u64> {
        self.req_list(name, "non-negative integers", |t| {
            int_of(t).and_then(|v| u64::try_from(v).ok())
        })
    }
    pub fn opt_vec_u64(&mut self, name: &'static str) -> Option<Vec<u64>> {
        self.list(name, "non-negative integers", |t| {
            int_of(t).and_then(|v| u64::try_from(v).ok())
        })
    }
    /// Dims: non-negative integers and symbolic `name<=max`.
    pub fn vec_dim(&mut self, name: &'static str) -> Vec<Dim> {
        self.req_list(name, "dims (`16` or `seq<=512`)", |t| match t {
            Tok::Dim(n, max) => Some(Dim::Sym {
                name: n.clone(),
                max: *max,
            }),
            t => int_of(t).and_then(|v| u64::try_from(v).ok()).map(Dim::Static),
        })
    }
    pub fn vec_f32(&mut self, name: &'static str) -> Vec<f32> {
        self.req_list(name, "numbers", f32_of)
    }

    /// Reports an unknown or repeated attribute, else the first recorded error.
    pub fn finish(self) -> Result<(), IrError> {
        for (i, (name, pos, _, used)) in self.items.iter().enumerate() {
            if self.items[..i].iter().any(|it| &it.0 == name) {
                return Err(pos.err(format!("attribute `{name}` is given twice")));
            }
            if !used {
                let expected = if self.known.is_empty() {
                    format!("{} takes no attributes", self.op)
                } else {
                    format!("{} takes {}", self.op, self.known.join(", "))
                };
                return Err(pos.err(format!("unknown attribute `{name}` ({expected})")));
            }
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

const PAD_MODES: [(&str, PadMode); 3] = [
    ("constant", PadMode::Constant),
    ("reflect", PadMode::Reflect),
    ("edge", PadMode::Edge),
];
const RESIZE_MODES: [(&str, ResizeMode); 2] = [("nearest", ResizeMode::Nearest), ("linear", ResizeMode::Linear)];
const COORD_MODES: [(&str, CoordMode); 4] = [
    ("half_pixel", CoordMode::HalfPixel),
    ("pytorch_half_pixel", CoordMode::PytorchHalfPixel),
    ("align_corners", CoordMode::AlignCorners),
    ("asymmetric", CoordMode::Asymmetric),
];
const NEAREST_MODES: [(&str, NearestMode); 4] = [
    ("round_prefer_floor", NearestMode::RoundPreferFloor),
    ("round_prefer_ceil", NearestMode::RoundPreferCeil),
    ("floor", NearestMode::Floor),
    ("ceil", NearestMode::Ceil),
];

/// Builds the op called `name` from its attributes (`Constant` is handled by the caller).
/// `None` for an unknown op name.
pub fn build_op(name: &str, a: &mut Attrs) -> Option<Op> {
    if let Some(u) = UnaryOp::ALL.iter().find(|u| u.name() == name) {
        return Some(Op::Unary(match u {
            UnaryOp::LeakyRelu { .. } => UnaryOp::LeakyRelu { alpha: a.f32("alpha") },
            UnaryOp::Gelu { .. } => UnaryOp::Gelu { tanh: a.bool("tanh") },
            u => *u,
        }));
    }
    if let Some(b) = BinaryOp::ALL.iter().find(|b| b.name() == name) {
        return Some(Op::Binary(*b));
    }
    if let Some(r) = ReduceOp::ALL.iter().find(|r| r.name() == name) {
        return Some(Op::Reduce {
            op: *r,
            axes: a.vec_i64("axes"),
            keepdims: a.bool("keepdims"),
        });
    }
    let op = match name {
        "Constant" => Op::Constant(ConstId(0)),
        "Identity" => Op::Identity,
        "Cast" => Op::Cast { to: a.dtype("to") },
        "Where" => Op::Where,
        "Clip" => Op::Clip {
            min: a.opt_f64("min"),
            max: a.opt_f64("max"),
        },
        "ArgMax" => Op::ArgMax {
            axis: a.i64("axis"),
            keepdims: a.bool("keepdims"),
            select_last_index: a.bool("select_last_index"),
        },
        "ArgMin" => Op::ArgMin {
            axis: a.i64("axis"),
            keepdims: a.bool("keepdims"),
            select_last_index: a.bool("select_last_index"),
        },
        "Softmax" => Op::Softmax { axis: a.i64("axis") },
        "LogSoftmax" => Op::LogSoftmax { axis: a.i64("axis") },
        "LayerNorm" => Op::LayerNorm {
            axis: a.i64("axis"),
            epsilon: a.f32("epsilon"),
        },
        "RMSNorm" => Op::RmsNorm {
            axis: a.i64("axis"),
            epsilon: a.f32("epsilon"),
        },
        "GroupNorm" => Op::GroupNorm {
            num_groups: a.u32("num_groups"),
            epsilon: a.f32("epsilon"),
        },
        "InstanceNorm" => Op::InstanceNorm {
            epsilon: a.f32("epsilon"),
        },
        "BatchNorm" => Op::BatchNorm {
            epsilon: a.f32("epsilon"),
        },
        "MatMul" => Op::MatMul,
        "Gemm" => Op::Gemm {
            alpha: a.f32("alpha"),
            beta: a.f32("beta"),
            trans_a: a.bool("trans_a"),
            trans_b: a.bool("trans_b"),
        },
        "Conv" => Op::Conv {
            strides: a.vec_u64("strides"),
            pads: a.vec_u64("pads"),
            dilations: a.vec_u64("dilations"),
            groups: a.u32("groups"),
        },
        "ConvTranspose" => Op::ConvTranspose {
            strides: a.vec_u64("strides"),
            pads: a.vec_u64("pads"),
            dilations: a.vec_u64("dilations"),
            output_padding: a.vec_u64("output_padding"),
            groups: a.u32("groups"),
        },
        "MaxPool" => Op::MaxPool {
            kernel: a.vec_u64("kernel"),
            strides: a.vec_u64("strides"),
            pads: a.vec_u64("pads"),
            dilations: a.vec_u64("dilations"),
            ceil_mode: a.bool("ceil_mode"),
        },
        "AveragePool" => Op::AveragePool {
            kernel: a.vec_u64("kernel"),
            strides: a.vec_u64("strides"),
            pads: a.vec_u64("pads"),
            ceil_mode: a.bool("ceil_mode"),
            count_include_pad: a.bool("count_include_pad"),
        },
        "GlobalAveragePool" => Op::GlobalAveragePool,
        "Resize" => Op::Resize {
            mode: a.enum_of("mode", &RESIZE_MODES, ResizeMode::Nearest),
            coord: a.enum_of("coord", &COORD_MODES, CoordMode::HalfPixel),
            nearest: a.enum_of("nearest", &NEAREST_MODES, NearestMode::RoundPreferFloor),
            scales: a.vec_f32("scales"),
            sizes: a.opt_vec_u64("sizes"),
        },
        "Reshape" => Op::Reshape {
            shape: a.vec_i64("shape"),
            allowzero: a.bool("allowzero"),
        },
        "Transpose" => Op::Transpose {
            perm: a.vec_u64("perm"),
        },
        "Concat" => Op::Concat { axis: a.i64("axis") },
        "Split" => Op::Split {
            axis: a.i64("axis"),
            sizes: a.vec_u64("sizes"),
        },
        "Slice" => Op::Slice {
            starts: a.vec_i64("starts"),
            ends: a.vec_i64("ends"),
            axes: a.vec_i64("axes"),
            steps: a.vec_i64("steps"),
        },
        "Crop" => Op::Crop {
            shape: a.vec_dim("shape"),
        },
        "Gather" => Op::Gather { axis: a.i64("axis") },
        "GatherElements" => Op::GatherElements { axis: a.i64("axis") },
        "Expand" => Op::Expand {
            shape: a.vec_i64("shape"),
        },
        "Squeeze" => Op::Squeeze {
            axes: a.vec_i64("axes"),
        },
        "Unsqueeze" => Op::Unsqueeze {
            axes: a.vec_i64("axes"),
        },
        "Flatten" => Op::Flatten { axis: a.i64("axis") },
        "Pad" => Op::Pad {
            pads: a.vec_i64("pads"),
            mode: a.enum_of("mode", &PAD_MODES, PadMode::Constant),
            value: a.f64("value"),
        },
        "Tile" => Op::Tile {
            repeats: a.vec_u64("repeats"),
        },
        "Range" => Op::Range {
            start: a.f64("start"),
            limit: a.f64("limit"),
            delta: a.f64("delta"),
            dtype: a.dtype("dtype"),
        },
        "Shape" => Op::Shape {
            start: a.i64("start"),
            end: a.opt_i64("end"),
        },
        "ConstantOfShape" => Op::ConstantOfShape {
            shape: a.vec_u64("shape"),
            value: a.f64("value"),
            dtype: a.dtype("dtype"),
        },
        "Trilu" => Op::Trilu {
            upper: a.bool("upper"),
            k: a.i64("k"),
        },
        "CumSum" => Op::CumSum {
            axis: a.i64("axis"),
            exclusive: a.bool("exclusive"),
            reverse: a.bool("reverse"),
        },
        "TopK" => Op::TopK {
            k: a.u64("k"),
            axis: a.i64("axis"),
            largest: a.bool("largest"),
        },
        "Attention" => Op::Attention {
            scale: a.opt_f32("scale"),
            causal: a.bool("causal"),
        },
        _ => return None,
    };
    Some(op)
}
