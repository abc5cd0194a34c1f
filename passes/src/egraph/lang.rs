//! The e-graph language over IR ops ([`ENode`]) and its e-class analysis ([`IrAnalysis`]).
//!
//! An e-node is a graph input leaf ([`ENode::Input`]), a constant leaf ([`ENode::Const`], the old
//! graph's `ConstId`), an attribute leaf ([`ENode::Attr`]), an op application ([`ENode::Op`]) or
//! the `k`-th output of a multi-output op ([`ENode::Out`]).
//!
//! Ops are named by their *kind* ([`kind`]): the text-format name, except that
//! `Gelu { tanh: true }` is `GeluTanh`. A kind that fully determines its op (`Add`, `Sqrt`,
//! `MatMul`, `Where`, ...; see [`attr_free`]) takes only the op's inputs as children; any other
//! op (`ReduceMean`, `Transpose`, `Softmax`, `LayerNorm`, ...) takes an [`ENode::Attr`] leaf
//! holding the whole op as its first child, then its inputs. So a rule pattern reads
//! `(ReduceMean ?axes ?x)` and inspects `?axes` in a condition, and identical attributes share
//! one e-class. Attributes compare exactly: by their `Debug` text plus the bits of every float
//! attribute ([`AttrKey`]).
//!
//! The analysis keeps, per e-class, the value's type (or the types of a multi-output op, or the
//! attribute), and `splat`: the value of a constant whose elements are all equal, so that rules
//! can ask "is this the scalar 0.5". Merging two classes of different types is a rule bug; it is
//! counted in [`IrAnalysis::conflicts`] and makes the pass keep its input.

use edgecc_ir::{infer, BinaryOp, DType, Graph, Op, TensorType, UnaryOp};
use egg::{Analysis, DidMerge, EGraph, Id, Language};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Constants with at most this many elements are inspected for `splat` values.
const SPLAT_MAX_ELEMENTS: usize = 4096;
/// Bool constants with at most this many elements keep their data (attention masks).
const BOOL_DATA_MAX_ELEMENTS: usize = 1 << 22;

/// An op's attributes: the op itself, compared by its `Debug` text and its float attributes' bits.
#[derive(Clone, Debug)]
pub struct AttrKey {
    pub op: Op,
    text: String,
    bits: Vec<u64>,
}

impl AttrKey {
    pub fn new(op: Op) -> Self {
        let text = format!("{op:?}");
        let bits = float_bits(&op);
        AttrKey { op, text, bits }
    }
}

impl PartialEq for AttrKey {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.bits == other.bits
    }
}
impl Eq for AttrKey {}
impl Hash for AttrKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
        self.bits.hash(state);
    }
}
impl PartialOrd for AttrKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for AttrKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.text, &self.bits).cmp(&(&other.text, &other.bits))
    }
}

/// The bits of every float attribute of `op` (`Debug` prints every NaN alike).
fn float_bits(op: &Op) -> Vec<u64> {
    let f = |x: f32| u64::from(x.to_bits());
    let opt = |x: &Option<f64>| x.map_or(0, f64::to_bits);
    match op {
        Op::Unary(UnaryOp::LeakyRelu { alpha }) => vec![f(*alpha)],
        Op::Clip { min, max } => vec![opt(min), opt(max)],
        Op::LayerNorm { epsilon, .. }
        | Op::RmsNorm { epsilon, .. }
        | Op::GroupNorm { epsilon, .. }
        | Op::InstanceNorm { epsilon }
        | Op::BatchNorm { epsilon } => vec![f(*epsilon)],
        Op::Gemm { alpha, beta, .. } => vec![f(*alpha), f(*beta)],
        Op::Resize { scales, .. } => scales.iter().map(|&s| f(s)).collect(),
        Op::Pad { value, .. } => vec![value.to_bits()],
        Op::Range {
            start, limit, delta, ..
        } => vec![start.to_bits(), limit.to_bits(), delta.to_bits()],
        Op::ConstantOfShape { value, .. } => vec![value.to_bits()],
        Op::Attention { scale, .. } => vec![scale.map_or(u64::MAX, f)],
        _ => Vec::new(),
    }
}

/// The kind name of `op` (see the module docs).
pub fn kind(op: &Op) -> &'static str {
    match op {
        Op::Unary(UnaryOp::Gelu { tanh: true }) => "GeluTanh",
        _ => op.name(),
    }
}

/// Every kind name, for parsing rule patterns.
const OTHER_KINDS: [&str; 45] = [
    "GeluTanh",
    "Identity",
    "Cast",
    "Where",
    "Clip",
    "ReduceSum",
    "ReduceMean",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ArgMax",
    "ArgMin",
    "Softmax",
    "LogSoftmax",
    "LayerNorm",
    "RMSNorm",
    "GroupNorm",
    "InstanceNorm",
    "BatchNorm",
    "MatMul",
    "Gemm",
    "Conv",
    "ConvTranspose",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "Resize",
    "Reshape",
    "Transpose",
    "Concat",
    "Split",
    "Slice",
    "Crop",
    "Gather",
    "GatherElements",
    "Expand",
    "Squeeze",
    "Unsqueeze",
    "Flatten",
    "Pad",
    "Tile",
    "Range",
    "Shape",
    "ConstantOfShape",
    "Trilu",
];

/// The interned kind name equal to `s`.
fn kind_named(s: &str) -> Option<&'static str> {
    let extra = ["CumSum", "TopK", "Attention"];
    UnaryOp::ALL
        .iter()
        .map(|u| u.name())
        .chain(BinaryOp::ALL.iter().map(|b| b.name()))
        .chain(OTHER_KINDS)
        .chain(extra)
        .find(|k| *k == s)
}

/// The op of a kind that needs no attributes, or `None` when the kind has attributes.
pub fn attr_free(kind: &str) -> Option<Op> {
    match kind {
        "Gelu" => return Some(Op::Unary(UnaryOp::Gelu { tanh: false })),
        "GeluTanh" => return Some(Op::Unary(UnaryOp::Gelu { tanh: true })),
        "MatMul" => return Some(Op::MatMul),
        "Where" => return Some(Op::Where),
        "Identity" => return Some(Op::Identity),
        "GlobalAveragePool" => return Some(Op::GlobalAveragePool),
        "LeakyRelu" => return None,
        _ => {}
    }
    if let Some(u) = UnaryOp::ALL.iter().find(|u| u.name() == kind) {
        return Some(Op::Unary(*u));
    }
    BinaryOp::ALL.iter().find(|b| b.name() == kind).map(|b| Op::Binary(*b))
}

/// True when `op` is represented with an [`ENode::Attr`] child.
pub fn needs_attr(op: &Op) -> bool {
    attr_free(kind(op)).is_none()
}

/// An e-node; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ENode {
    /// The `i`-th graph input.
    Input(u32),
    /// A constant of the input graph (its `ConstId`).
    Const(u32),
    /// An op's attributes (first child of ops that have any).
    Attr(AttrKey),
    /// An op application: kind, then (attribute and) inputs.
    Op(&'static str, Vec<Id>),
    /// Output `k` of a multi-output op.
    Out(u32, Id),
}

/// What [`Language::discriminant`] compares: the variant and its operator.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Disc {
    Input(u32),
    Const(u32),
    Attr,
    Op(&'static str),
    Out(u32),
}

impl Language for ENode {
    type Discriminant = Disc;

    fn discriminant(&self) -> Disc {
        match self {
            ENode::Input(i) => Disc::Input(*i),
            ENode::Const(c) => Disc::Const(*c),
            ENode::Attr(_) => Disc::Attr,
            ENode::Op(k, _) => Disc::Op(k),
            ENode::Out(k, _) => Disc::Out(*k),
        }
    }

    fn matches(&self, other: &Self) -> bool {
        match (self, other) {
            (ENode::Input(a), ENode::Input(b)) | (ENode::Const(a), ENode::Const(b)) => a == b,
            (ENode::Attr(a), ENode::Attr(b)) => a == b,
            (ENode::Op(a, x), ENode::Op(b, y)) => a == b && x.len() == y.len(),
            (ENode::Out(a, _), ENode::Out(b, _)) => a == b,
            _ => false,
        }
    }

    fn children(&self) -> &[Id] {
        match self {
            ENode::Op(_, c) => c,
            ENode::Out(_, c) => std::slice::from_ref(c),
            _ => &[],
        }
    }

    fn children_mut(&mut self) -> &mut [Id] {
        match self {
            ENode::Op(_, c) => c,
            ENode::Out(_, c) => std::slice::from_mut(c),
            _ => &mut [],
        }
    }
}

impl fmt::Display for ENode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ENode::Input(i) => write!(f, "input{i}"),
            ENode::Const(c) => write!(f, "const{c}"),
            ENode::Attr(a) => write!(f, "{}", a.text),
            ENode::Op(k, _) => write!(f, "{k}"),
            ENode::Out(k, _) => write!(f, "out{k}"),
        }
    }
}

/// Error of [`egg::FromOp`]: an unknown operator in a rule pattern.
#[derive(Debug)]
pub struct UnknownKind(pub String);

impl egg::FromOp for ENode {
    type Error = UnknownKind;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Self, Self::Error> {
        kind_named(op)
            .map(|k| ENode::Op(k, children))
            .ok_or_else(|| UnknownKind(op.to_string()))
    }
}

/// What an e-class stands for.
#[derive(Clone, Debug, PartialEq)]
pub enum Class {
    /// A tensor value.
    Value(TensorType),
    /// The outputs of a multi-output op (read through [`ENode::Out`]).
    Tuple(Vec<TensorType>),
    /// An op's attributes.
    Attr(Op),
    /// A node whose type does not infer (never extracted).
    Invalid,
}

/// The analysis data of an e-class.
#[derive(Clone, Debug)]
pub struct Data {
    pub class: Class,
    /// The value of every element, for a constant whose elements are all equal.
    pub splat: Option<f64>,
    /// The data of a bool constant (row-major), for mask inspection.
    pub bools: Option<std::sync::Arc<Vec<bool>>>,
}

impl Data {
    /// The value type, for a value class.
    pub fn ty(&self) -> Option<&TensorType> {
        match &self.class {
            Class::Value(t) => Some(t),
            _ => None,
        }
    }
}

/// A constant of the input graph, as the analysis sees it.
#[derive(Clone, Debug)]
pub struct ConstInfo {
    pub ty: TensorType,
    pub splat: Option<f64>,
    pub bools: Option<std::sync::Arc<Vec<bool>>>,
}

/// The e-class analysis: types from the input graph's inputs and constants, inferred for ops.
#[derive(Clone, Debug, Default)]
pub struct IrAnalysis {
    pub inputs: Vec<TensorType>,
    pub consts: Vec<ConstInfo>,
    /// Merges of classes with different types (rule bugs).
    pub conflicts: usize,
}

impl IrAnalysis {
    /// The analysis for `g`'s inputs and constants.
    pub fn for_graph(g: &Graph) -> Self {
        let inputs = g.inputs().iter().map(|&v| g.ty(v).clone()).collect();
        let consts = g
            .consts()
            .iter()
            .map(|c| {
                let d = &c.data;
                let shape = edgecc_ir::Shape::of(d.shape());
                let n = d.numel();
                let splat = if (1..=SPLAT_MAX_ELEMENTS).contains(&n) && d.dtype().is_numeric() {
                    let v = d.to_f64_vec();
                    v.first()
                        .copied()
                        .filter(|f| v.iter().all(|x| x.to_bits() == f.to_bits()))
                } else {
                    None
                };
                let bools = (d.dtype() == DType::Bool && n <= BOOL_DATA_MAX_ELEMENTS)
                    .then(|| std::sync::Arc::new(d.to_f64_vec().iter().map(|&x| x != 0.0).collect()));
                ConstInfo {
                    ty: TensorType::new(d.dtype(), shape),
                    splat,
                    bools,
                }
            })
            .collect();
        IrAnalysis {
            inputs,
            consts,
            conflicts: 0,
        }
    }
}

/// The op of an [`ENode::Op`] (its attribute child's op when the kind has attributes) and its
/// input classes.
pub fn op_of(eg: &EGraph<ENode, IrAnalysis>, node: &ENode) -> Option<(Op, Vec<Id>)> {
    let ENode::Op(k, children) = node else {
        return None;
    };
    match attr_free(k) {
        Some(op) => Some((op, children.clone())),
        None => {
            let (&a, rest) = children.split_first()?;
            match &eg[a].data.class {
                Class::Attr(op) => Some((op.clone(), rest.to_vec())),
                _ => None,
            }
        }
    }
}

/// The types an op would produce on input classes `inputs`, or `None` when it does not infer.
pub fn infer_types(eg: &EGraph<ENode, IrAnalysis>, op: &Op, inputs: &[Id]) -> Option<Vec<TensorType>> {
    let tys: Vec<TensorType> = inputs
        .iter()
        .map(|&i| eg[i].data.ty().cloned())
        .collect::<Option<_>>()?;
    if matches!(op, Op::Constant(_)) {
        return None;
    }
    infer(op, &tys, &[]).ok()
}

impl Analysis<ENode> for IrAnalysis {
    type Data = Data;

    fn make(eg: &mut EGraph<ENode, Self>, enode: &ENode, _id: Id) -> Data {
        let plain = |class| Data {
            class,
            splat: None,
            bools: None,
        };
        match enode {
            ENode::Input(i) => plain(
                eg.analysis
                    .inputs
                    .get(*i as usize)
                    .map_or(Class::Invalid, |t| Class::Value(t.clone())),
            ),
            ENode::Const(c) => match eg.analysis.consts.get(*c as usize) {
                Some(info) => Data {
                    class: Class::Value(info.ty.clone()),
                    splat: info.splat,
                    bools: info.bools.clone(),
                },
                None => plain(Class::Invalid),
            },
            ENode::Attr(a) => plain(Class::Attr(a.op.clone())),
            ENode::Out(k, t) => plain(match &eg[*t].data.class {
                Class::Tuple(ts) => ts.get(*k as usize).cloned().map_or(Class::Invalid, Class::Value),
                _ => Class::Invalid,
            }),
            ENode::Op(..) => {
                let Some((op, inputs)) = op_of(eg, enode) else {
                    return plain(Class::Invalid);
                };
                let class = match infer_types(eg, &op, &inputs) {
                    Some(mut ts) if op.num_outputs() == 1 && ts.len() == 1 => Class::Value(ts.remove(0)),
                    Some(ts) if op.num_outputs() != 1 => Class::Tuple(ts),
                    _ => Class::Invalid,
                };
                let splat = match &op {
                    Op::ConstantOfShape { value, shape, .. } if shape.iter().all(|&d| d > 0) => Some(*value),
                    _ => None,
                };
                Data {
                    class,
                    splat,
                    bools: None,
                }
            }
        }
    }

    fn merge(&mut self, a: &mut Data, b: Data) -> DidMerge {
        let mut changed_a = false;
        let mut changed_b = false;
        match (&a.class, &b.class) {
            (Class::Invalid, Class::Invalid) => {}
            (Class::Invalid, _) => {
                a.class = b.class;
                changed_a = true;
            }
            (_, Class::Invalid) => changed_b = true,
            (x, y) => {
                if x != y {
                    self.conflicts += 1;
                }
            }
        }
        if a.splat.is_none() && b.splat.is_some() {
            a.splat = b.splat;
            changed_a = true;
        } else if a.splat.is_some() && b.splat.is_none() {
            changed_b = true;
        }
        if a.bools.is_none() && b.bools.is_some() {
            a.bools = b.bools;
            changed_a = true;
        } else if a.bools.is_some() && b.bools.is_none() {
            changed_b = true;
        }
        DidMerge(changed_a, changed_b)
    }
}
