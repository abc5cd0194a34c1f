//! The importer's state and the per-node context the op mappings work through.
//!
//! Every ONNX value name maps to an [`V`] handle into the importer's own value table. A value is
//! either an IR value (a graph input or node output), or *known data* that is not in the graph yet
//! (an initializer, a `Constant`, a folded result). Known data enters the graph lazily, once, the
//! first time an IR node reads it, so folded shape subgraphs leave nothing behind.
//!
//! [`Cx::emit`] adds one IR op: when every input is known and the output is small it is evaluated
//! with the caller's [`Folder`] instead, and the result stays known. [`Cx::finish`] does the same
//! for the op that defines the ONNX node's outputs, under their ONNX names.

use super::attr::Attrs;
use super::shape_values::{self, SymInt};
use super::{Folder, ImportOptions};
use crate::error::OnnxError;
use crate::proto;
use edgecc_ir::{infer, ConstId, DType, Dim, Graph, Op, Shape, TensorData, TensorType, ValueId};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A handle to a value in the importer's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct V(usize);

/// Where a value lives.
enum Kind {
    /// A run-time IR value.
    Ir(ValueId),
    /// Known data, not in the graph yet.
    Data(TensorData),
    /// Known data that has been added to the graph as a constant.
    IrConst(ValueId, ConstId),
}

struct Entry {
    name: String,
    kind: Kind,
}

/// The importer's state across nodes.
pub(crate) struct Importer<'o> {
    pub g: Graph,
    entries: Vec<Entry>,
    /// ONNX value name → handle (several names may alias one handle, e.g. through `Identity`).
    names: HashMap<String, V>,
    /// Every name that is taken or reserved for a later ONNX value or node.
    taken: HashSet<String>,
    /// Next suffix to try per base name in [`Importer::fresh`].
    suffix: HashMap<String, usize>,
    /// ONNX node names already given to imported nodes.
    node_names: HashSet<String>,
    /// How often each ONNX value name is read (node inputs and graph outputs).
    uses: HashMap<String, usize>,
    pub opts: &'o ImportOptions,
    pub folder: &'o dyn Folder,
    pub base_dir: Option<&'o Path>,
    pub opset: i64,
    /// The shape values ([`super::shape_values`]) of IR values that hold symbolic dims.
    sym: HashMap<V, Vec<SymInt>>,
}

impl<'o> Importer<'o> {
    pub fn new(
        g: Graph,
        graph: &proto::GraphProto,
        opts: &'o ImportOptions,
        folder: &'o dyn Folder,
        base_dir: Option<&'o Path>,
        opset: i64,
    ) -> Self {
        let mut taken = HashSet::new();
        let mut uses: HashMap<String, usize> = HashMap::new();
        for vi in graph.input.iter().chain(&graph.output).chain(&graph.value_info) {
            taken.insert(vi.name().to_string());
        }
        for t in &graph.initializer {
            taken.insert(t.name().to_string());
        }
        for n in &graph.node {
            taken.insert(n.name().to_string());
            for o in &n.output {
                taken.insert(o.clone());
            }
            for i in &n.input {
                *uses.entry(i.clone()).or_default() += 1;
            }
        }
        for o in &graph.output {
            *uses.entry(o.name().to_string()).or_default() += 1;
        }
        taken.remove("");
        Importer {
            g,
            entries: Vec::new(),
            names: HashMap::new(),
            taken,
            suffix: HashMap::new(),
            node_names: HashSet::new(),
            uses,
            opts,
            folder,
            base_dir,
            opset,
            sym: HashMap::new(),
        }
    }

    /// A name derived from `base` that no value or node has or will have.
    pub fn fresh(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "v" } else { base };
        let free =
            |s: &Self, n: &str| !s.taken.contains(n) && s.g.find_value(n).is_none() && s.g.find_node(n).is_none();
        if free(self, base) {
            self.taken.insert(base.to_string());
            return base.to_string();
        }
        let mut i = self.suffix.get(base).copied().unwrap_or(1);
        loop {
            let cand = format!("{base}_{i}");
            i += 1;
            if free(self, &cand) {
                self.suffix.insert(base.to_string(), i);
                self.taken.insert(cand.clone());
                return cand;
            }
        }
    }

    /// The unique IR node name of an ONNX node (its own name when it has a free one).
    pub fn node_name(&mut self, node: &proto::NodeProto, index: usize) -> String {
        let n = node.name();
        let name = if !n.is_empty() && !self.node_names.contains(n) && self.g.find_node(n).is_none() {
            n.to_string()
        } else if n.is_empty() {
            self.fresh(&format!("{}_{index}", node.op_type()))
        } else {
            self.fresh(n)
        };
        self.node_names.insert(name.clone());
        name
    }

    /// How many nodes and graph outputs read the ONNX value `name`.
    pub fn uses(&self, name: &str) -> usize {
        self.uses.get(name).copied().unwrap_or(0)
    }

    pub fn lookup(&self, name: &str) -> Option<V> {
        self.names.get(name).copied()
    }

    /// Binds an ONNX value name to a handle; a name may be defined once.
    pub fn bind(&mut self, name: &str, v: V) -> Result<(), OnnxError> {
        if self.names.contains_key(name) {
            return Err(OnnxError::Graph(format!(
                "value `{name}` is defined twice; ONNX values are defined exactly once"
            )));
        }
        self.taken.insert(name.to_string());
        self.names.insert(name.to_string(), v);
        Ok(())
    }

    /// A new handle for known data named `name` (the name must be fresh or reserved for it).
    pub fn new_data(&mut self, name: String, data: TensorData) -> V {
        self.taken.insert(name.clone());
        self.entries.push(Entry {
            name,
            kind: Kind::Data(data),
        });
        V(self.entries.len() - 1)
    }

    /// A new handle for an IR value.
    pub fn new_ir(&mut self, id: ValueId) -> V {
        let name = self.g.value(id).name.clone();
        self.taken.insert(name.clone());
        self.entries.push(Entry {
            name,
            kind: Kind::Ir(id),
        });
        V(self.entries.len() - 1)
    }

    fn entry(&self, v: V) -> &Entry {
        // Handles are only made by this table, so the index is always in range.
        &self.entries[v.0]
    }

    /// The value's type.
    pub fn ty(&self, v: V) -> TensorType {
        match &self.entry(v).kind {
            Kind::Ir(id) | Kind::IrConst(id, _) => self.g.ty(*id).clone(),
            Kind::Data(d) => TensorType::new(d.dtype(), Shape::of(d.shape())),
        }
    }

    /// The value's data, when it is known at import time.
    pub fn data(&self, v: V) -> Option<&TensorData> {
        match &self.entry(v).kind {
            Kind::Ir(_) => None,
            Kind::Data(d) => Some(d),
            Kind::IrConst(_, c) => Some(&self.g.constant(*c).data),
        }
    }

    /// The IR value of `v`, adding known data to the graph as a constant the first time.
    pub fn materialize(&mut self, v: V) -> Result<ValueId, OnnxError> {
        let e = &self.entries[v.0];
        match &e.kind {
            Kind::Ir(id) | Kind::IrConst(id, _) => Ok(*id),
            Kind::Data(_) => {
                let name = e.name.clone();
                if self.g.find_value(&name).is_some() {
                    return Err(OnnxError::Graph(format!("value `{name}` is defined twice")));
                }
                let node = self.fresh(&format!("{name}_const"));
                let kind = std::mem::replace(&mut self.entries[v.0].kind, Kind::Ir(ValueId(0)));
                let Kind::Data(data) = kind else {
                    return Err(OnnxError::Graph(format!("value `{name}` changed while importing")));
                };
                let c = self.g.add_constant(name.clone(), data);
                let outs = self.g.add_node_named(&node, Op::Constant(c), &[], &[name])?;
                let id = *outs
                    .first()
                    .ok_or_else(|| OnnxError::Graph("a constant node has no output".into()))?;
                self.entries[v.0].kind = Kind::IrConst(id, c);
                Ok(id)
            }
        }
    }

    /// Adds `op` on `inputs` (folding it when possible) with the given node and output names.
    /// Errors are plain messages; the caller names the ONNX node.
    pub fn add(&mut self, node: &str, op: Op, inputs: &[V], out_names: Vec<String>) -> Result<Vec<V>, String> {
        let types: Vec<TensorType> = inputs.iter().map(|&v| self.ty(v)).collect();
        let out_types = infer(&op, &types, self.g.consts())?;
        if out_types.len() != out_names.len() {
            return Err(format!(
                "{} produces {} outputs, {} names given",
                op.name(),
                out_types.len(),
                out_names.len()
            ));
        }
        if let Some(datas) = self.fold(&op, inputs, &out_types)? {
            return Ok(datas
                .into_iter()
                .zip(out_names)
                .map(|(d, n)| self.new_data(n, d))
                .collect());
        }
        // A shape value over symbolic dims: known integers fold, symbolic ones are followed.
        let sym = match out_types.as_slice() {
            // Only small integer results can be shape values: skip the rest cheaply.
            [t] if t.dtype.is_int() && t.shape.rank() <= 1 => {
                let ins: Vec<Option<Vec<SymInt>>> = inputs.iter().map(|&v| self.shape_value(v)).collect();
                let in_types: Vec<TensorType> = inputs.iter().map(|&v| self.ty(v)).collect();
                shape_values::propagate(&op, &ins, &in_types, t)
            }
            _ => None,
        };
        if let Some(vals) = &sym {
            let ints: Option<Vec<i64>> = vals.iter().map(SymInt::as_int).collect();
            if let (Some(ints), Some(name)) = (ints, out_names.first()) {
                let d = shape_values::to_data(&ints, out_types[0].dtype, out_types[0].shape.rank())?;
                return Ok(vec![self.new_data(name.clone(), d)]);
            }
        }
        let mut ids = Vec::with_capacity(inputs.len());
        for &v in inputs {
            ids.push(self.materialize(v).map_err(|e| e.to_string())?);
        }
        let outs = self.g.add_node_named(node, op, &ids, &out_names).map_err(|e| match e {
            edgecc_ir::IrError::Node { msg, .. } => msg,
            other => other.to_string(),
        })?;
        let outs: Vec<V> = outs.into_iter().map(|id| self.new_ir(id)).collect();
        if let (Some(vals), Some(&v)) = (sym, outs.first()) {
            self.sym.insert(v, vals);
        }
        Ok(outs)
    }

    /// The shape value of `v`: its elements when it is small known integer data or a followed
    /// value over symbolic dims.
    pub fn shape_value(&self, v: V) -> Option<Vec<SymInt>> {
        match self.data(v) {
            Some(d) => shape_values::of_data(d),
            None => self.sym.get(&v).cloned(),
        }
    }

    /// Evaluates `op` at import time when its inputs are known and its outputs small.
    fn fold(&self, op: &Op, inputs: &[V], out_types: &[TensorType]) -> Result<Option<Vec<TensorData>>, String> {
        let mut total: u64 = 0;
        for t in out_types {
            match t.shape.numel() {
                Some(n) => total = total.saturating_add(n),
                None => return Ok(None),
            }
        }
        if total > self.opts.fold_max_elements as u64 {
            return Ok(None);
        }
        if let (Op::Shape { start, end }, [x]) = (op, inputs) {
            let t = self.ty(*x);
            if let Some(dims) = t.shape.as_static() {
                let r = dims.len() as i64;
                let clamp = |v: i64| if v < 0 { (v + r).max(0) } else { v.min(r) };
                let (s, e) = (clamp(*start), clamp(end.unwrap_or(r)));
                let vals: Vec<i64> = dims
                    .iter()
                    .skip(s as usize)
                    .take((e - s).max(0) as usize)
                    .map(|&d| d as i64)
                    .collect();
                let n = vals.len();
                return TensorData::from_i64(DType::I64, vec![n], &vals)
                    .map(|d| Some(vec![d]))
                    .map_err(|e| e.to_string());
            }
        }
        let mut datas = Vec::with_capacity(inputs.len());
        for &v in inputs {
            match self.data(v) {
                Some(d) => datas.push(d.clone()),
                None => return Ok(None),
            }
        }
        let out = self
            .folder
            .eval(op, &datas)
            .map_err(|e| format!("constant folding of {} failed: {e}", op.name()))?;
        if out.len() != out_types.len() {
            return Err(format!(
                "constant folding of {} gave {} outputs, expected {}",
                op.name(),
                out.len(),
                out_types.len()
            ));
        }
        for (d, t) in out.iter().zip(out_types) {
            if d.dtype() != t.dtype || Shape::of(d.shape()) != t.shape {
                return Err(format!(
                    "constant folding of {} gave {}{:?}, but its type is {t}",
                    op.name(),
                    d.dtype(),
                    d.shape()
                ));
            }
        }
        Ok(Some(out))
    }
}

/// The context of one ONNX node: its attributes and inputs, and the ops it adds.
pub(crate) struct Cx<'a, 'o> {
    pub imp: &'a mut Importer<'o>,
    pub node: &'a proto::NodeProto,
    /// The unique IR name of this node.
    pub name: String,
    pub attrs: Attrs<'a>,
    /// Which outputs have been bound.
    bound: Vec<bool>,
}

impl<'a, 'o> Cx<'a, 'o> {
    pub fn new(imp: &'a mut Importer<'o>, node: &'a proto::NodeProto, index: usize) -> Self {
        let name = imp.node_name(node, index);
        Cx {
            imp,
            node,
            name,
            attrs: Attrs::new(&node.attribute),
            bound: vec![false; node.output.len()],
        }
    }

    pub fn op_type(&self) -> &str {
        self.node.op_type()
    }

    pub fn opset(&self) -> i64 {
        self.imp.opset
    }

    /// An error naming this node.
    pub fn err(&self, msg: impl Into<String>) -> OnnxError {
        OnnxError::Node {
            node: self.name.clone(),
            op_type: self.op_type().to_string(),
            msg: msg.into(),
        }
    }

    /// Attribute errors, with this node's name.
    pub fn at<T>(&self, r: Result<T, String>) -> Result<T, OnnxError> {
        r.map_err(|m| self.err(m))
    }

    pub fn attr_i(&self, name: &str, default: i64) -> Result<i64, OnnxError> {
        self.at(self.attrs.int(name)).map(|v| v.unwrap_or(default))
    }

    pub fn attr_f(&self, name: &str, default: f32) -> Result<f32, OnnxError> {
        self.at(self.attrs.float(name)).map(|v| v.unwrap_or(default))
    }

    pub fn attr_is(&self, name: &str) -> Result<Option<Vec<i64>>, OnnxError> {
        self.at(self.attrs.ints(name))
    }

    pub fn attr_s(&self, name: &str, default: &str) -> Result<String, OnnxError> {
        self.at(self.attrs.string(name))
            .map(|v| v.unwrap_or_else(|| default.to_string()))
    }

    /// An attribute that must be present.
    pub fn req_i(&self, name: &str) -> Result<i64, OnnxError> {
        self.at(self.attrs.int(name))?
            .ok_or_else(|| self.err(format!("the required attribute `{name}` is missing")))
    }

    /// Input `i`, or `None` when absent or given as the empty name.
    pub fn opt(&self, i: usize) -> Result<Option<V>, OnnxError> {
        match self.node.input.get(i).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(n) => self.imp.lookup(n).map(Some).ok_or_else(|| {
                self.err(format!(
                    "input {i} `{n}` is not defined before this node (not a graph input, initializer or \
                     earlier node output; ONNX nodes must be topologically sorted)"
                ))
            }),
        }
    }

    /// Input `i`, which must be present.
    pub fn x(&self, i: usize) -> Result<V, OnnxError> {
        self.opt(i)?
            .ok_or_else(|| self.err(format!("the required input {i} is missing")))
    }

    /// Number of inputs given (trailing empty names included).
    pub fn n_inputs(&self) -> usize {
        self.node.input.len()
    }

    pub fn ty(&self, v: V) -> TensorType {
        self.imp.ty(v)
    }

    pub fn dtype(&self, v: V) -> DType {
        self.imp.ty(v).dtype
    }

    pub fn rank(&self, v: V) -> usize {
        self.imp.ty(v).shape.rank()
    }

    pub fn dims(&self, v: V) -> Vec<Dim> {
        self.imp.ty(v).shape.0
    }

    /// The static extents of `v`, or an error saying which input needs them.
    pub fn static_dims(&self, v: V, what: &str) -> Result<Vec<u64>, OnnxError> {
        let t = self.ty(v);
        t.shape
            .0
            .iter()
            .map(|d| d.as_static())
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| {
                self.err(format!(
                    "{what} needs a static shape, but it is {}; specialize symbolic dims with `--shape NAME=VALUE`",
                    t.shape
                ))
            })
    }

    fn not_const(&self, i: usize, what: &str) -> OnnxError {
        let n = self.node.input.get(i).map(String::as_str).unwrap_or("");
        self.err(format!(
            "input {i} `{n}` ({what}) must be known at import time, but it depends on run-time values; \
             specialize symbolic dims with `--shape NAME=VALUE` so that shape computations fold to constants"
        ))
    }

    /// The known data of input `i` (`None` when the input is absent).
    pub fn const_data(&self, i: usize, what: &str) -> Result<Option<TensorData>, OnnxError> {
        match self.opt(i)? {
            None => Ok(None),
            Some(v) => match self.imp.data(v) {
                Some(d) => Ok(Some(d.clone())),
                None => Err(self.not_const(i, what)),
            },
        }
    }

    /// Input `i` as known integers (`None` when absent).
    pub fn const_ints(&self, i: usize, what: &str) -> Result<Option<Vec<i64>>, OnnxError> {
        Ok(self.const_data(i, what)?.map(|d| {
            if d.dtype().is_float() {
                d.to_f64_vec().into_iter().map(|f| f as i64).collect()
            } else {
                d.to_i64_vec()
            }
        }))
    }

    /// Input `i` as a shape value (`None` when absent): known integers, or dims of run-time
    /// tensors where a symbolic dim is kept.
    pub fn sym_ints(&self, i: usize, what: &str) -> Result<Option<Vec<SymInt>>, OnnxError> {
        match self.opt(i)? {
            None => Ok(None),
            Some(v) => match self.imp.shape_value(v) {
                Some(vals) => Ok(Some(vals)),
                None => match self.imp.data(v) {
                    Some(_) => Ok(self
                        .const_ints(i, what)?
                        .map(|v| v.into_iter().map(SymInt::Int).collect())),
                    None => Err(self.not_const(i, what)),
                },
            },
        }
    }

    /// Input `i` as known floats (`None` when absent).
    pub fn const_floats(&self, i: usize, what: &str) -> Result<Option<Vec<f64>>, OnnxError> {
        Ok(self.const_data(i, what)?.map(|d| d.to_f64_vec()))
    }

    /// A single known number from input `i` (`None` when absent); errors when it has several.
    pub fn const_scalar(&self, i: usize, what: &str) -> Result<Option<f64>, OnnxError> {
        match self.const_floats(i, what)? {
            None => Ok(None),
            Some(v) if v.len() == 1 => Ok(Some(v[0])),
            Some(v) => Err(self.err(format!("input {i} ({what}) must hold one value, got {}", v.len()))),
        }
    }

    /// Known data as a new value.
    pub fn data(&mut self, base: &str, d: TensorData) -> V {
        let name = self.imp.fresh(&format!("{}/{base}", self.name));
        self.imp.new_data(name, d)
    }

    /// A scalar constant of `dtype`.
    pub fn scalar(&mut self, dtype: DType, value: f64) -> V {
        self.data("c", TensorData::scalar(dtype, value))
    }

    /// Adds an intermediate op (fresh names); returns its outputs.
    pub fn emit_n(&mut self, op: Op, inputs: &[V]) -> Result<Vec<V>, OnnxError> {
        let base = format!("{}/{}", self.name, op.name());
        let node = self.imp.fresh(&base);
        let outs = (0..op.num_outputs())
            .map(|i| self.imp.fresh(&format!("{node}_out{i}")))
            .collect();
        let r = self.imp.add(&node, op, inputs, outs);
        self.at(r)
    }

    /// Adds an intermediate single-output op.
    pub fn emit(&mut self, op: Op, inputs: &[V]) -> Result<V, OnnxError> {
        let outs = self.emit_n(op, inputs)?;
        outs.first()
            .copied()
            .ok_or_else(|| self.err("an op produced no output"))
    }

    /// Adds the op that defines this node's outputs, under the ONNX output names (output `i` of
    /// the op defines ONNX output `i`).
    pub fn finish(&mut self, op: Op, inputs: &[V]) -> Result<(), OnnxError> {
        let n = op.num_outputs();
        let mut names = Vec::with_capacity(n);
        for i in 0..n {
            match self.node.output.get(i).map(String::as_str) {
                Some(o) if !o.is_empty() => {
                    if self.imp.lookup(o).is_some() {
                        return Err(self.err(format!("output `{o}` is defined twice")));
                    }
                    names.push(o.to_string());
                }
                _ => names.push(self.imp.fresh(&format!("{}_out{i}", self.name))),
            }
        }
        let node = self.name.clone();
        let r = self.imp.add(&node, op, inputs, names);
        let outs = self.at(r)?;
        for (i, v) in outs.into_iter().enumerate() {
            self.bind(i, v)?;
        }
        Ok(())
    }

    /// Defines ONNX output `i` as an existing value (no node).
    pub fn bind(&mut self, i: usize, v: V) -> Result<(), OnnxError> {
        if let Some(o) = self.node.output.get(i).filter(|o| !o.is_empty()) {
            let o = o.clone();
            self.imp.bind(&o, v).map_err(|e| self.err(e.to_string()))?;
        }
        if let Some(b) = self.bound.get_mut(i) {
            *b = true;
        }
        Ok(())
    }

    /// Checks that every output this node did not define is unused.
    pub fn check_outputs(&self) -> Result<(), OnnxError> {
        for (i, o) in self.node.output.iter().enumerate() {
            if o.is_empty() || self.bound.get(i).copied().unwrap_or(false) {
                continue;
            }
            if self.imp.uses(o) > 0 {
                return Err(self.err(format!(
                    "output {i} `{o}` is used, but edgecc computes only the inference outputs of {} \
                     (the IR has no op for this output)",
                    self.op_type()
                )));
            }
        }
        Ok(())
    }

    /// Whether output `i` is present and used downstream.
    pub fn output_used(&self, i: usize) -> bool {
        self.node
            .output
            .get(i)
            .is_some_and(|o| !o.is_empty() && self.imp.uses(o) > 0)
    }

    /// Reshape `v` to `target` dims, with `0` copying same-position dims and `-1` for one other
    /// symbolic dim.
    pub fn reshape_to(&mut self, v: V, target: &[Dim]) -> Result<V, OnnxError> {
        let src = self.dims(v);
        let mut shape = Vec::with_capacity(target.len());
        let mut inferred = false;
        for (i, d) in target.iter().enumerate() {
            match d {
                Dim::Static(n) if *n > 0 => shape.push(*n as i64),
                d if src.get(i) == Some(d) => shape.push(0),
                Dim::Sym { .. } if !inferred => {
                    inferred = true;
                    shape.push(-1);
                }
                _ => {
                    return Err(self.err(format!(
                        "cannot reshape {} into {} without knowing more of its dims; specialize \
                         symbolic dims with `--shape NAME=VALUE`",
                        Shape(src.clone()),
                        Shape(target.to_vec())
                    )))
                }
            }
        }
        self.emit(
            Op::Reshape {
                shape,
                allowzero: false,
            },
            &[v],
        )
    }
}
