//! The parser: reads what `Display for Graph` prints (grammar in the docs of [`crate::text`]).

use super::attrs::{build_op, AttrVal, Attrs};
use super::lex::{lex, Pos, Tok, Token};
use super::print::write_type;
use super::{default_node_name, quote_name};
use crate::dtype::DType;
use crate::error::IrError;
use crate::graph::{ConstId, Graph, TensorType, ValueId};
use crate::op::Op;
use crate::shape::{Dim, Shape};
use crate::tensor::TensorData;
use std::collections::{BTreeMap, HashMap};

/// Parses a graph in the text format. Errors are [`IrError::Parse`] with a 1-based line and column.
pub fn parse(src: &str) -> Result<Graph, IrError> {
    Parser::new(src, BTreeMap::new(), false)?.graph()
}

/// Parses a graph with its symbolic dims named in `dims` read as those static extents (0
/// included), in every type of the text: a graph whose shapes need the values to infer (a
/// `Concat` of a symbolic `past<=64` and a static 4 along one axis) parses once they are given.
/// A value above the dim's bound is an error at the dim.
pub fn parse_specialized(src: &str, dims: &BTreeMap<String, u64>) -> Result<Graph, IrError> {
    Parser::new(src, dims.clone(), false)?.graph()
}

/// Parses only the inputs (and constants) of a graph in the text format: its nodes are read for
/// their syntax but not built, and its outputs are skipped. For finding the symbolic dims of a
/// graph that [`parse`] cannot infer before they are given (see [`parse_specialized`]).
pub fn parse_inputs(src: &str) -> Result<Graph, IrError> {
    Parser::new(src, BTreeMap::new(), true)?.graph()
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    /// Constant name → ids of the constants with that name.
    consts: HashMap<String, Vec<ConstId>>,
    /// Symbolic dims read as static extents.
    dims: BTreeMap<String, u64>,
    /// Build the inputs and constants only (nodes and outputs are skipped).
    inputs_only: bool,
}

/// A declared node result: name, position, and the declared type with its position.
type Result_ = (String, Pos, Option<(TensorType, Pos)>);

/// An argument of a node: a value or a constant reference.
enum Arg {
    Value(ValueId),
    Const(ConstId, Pos),
}

fn type_str(ty: &TensorType) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = write_type(&mut s, ty);
    s
}

impl Parser {
    fn new(src: &str, dims: BTreeMap<String, u64>, inputs_only: bool) -> Result<Parser, IrError> {
        Ok(Parser {
            toks: lex(src)?,
            i: 0,
            consts: HashMap::new(),
            dims,
            inputs_only,
        })
    }

    fn peek(&self) -> &Token {
        // `lex` always ends with Eof, and `bump` never moves past it.
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn unexpected(&self, what: &str) -> IrError {
        let t = self.peek();
        t.pos.err(format!("expected {what}, found {}", t.tok.describe()))
    }

    fn is_punct(&self, c: char) -> bool {
        self.peek().tok == Tok::Punct(c)
    }

    fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<Pos, IrError> {
        if self.is_punct(c) {
            Ok(self.bump().pos)
        } else {
            let shown = if c == '≤' { "<=".to_string() } else { c.to_string() };
            Err(self.unexpected(&format!("`{shown}`")))
        }
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == kw)
    }

    /// A plain or quoted name.
    fn name(&mut self, what: &str) -> Result<(String, Pos), IrError> {
        match &self.peek().tok {
            Tok::Ident(s) | Tok::Str(s) => {
                let s = s.clone();
                Ok((s, self.bump().pos))
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn u64_lit(&mut self, what: &str) -> Result<u64, IrError> {
        match &self.peek().tok {
            Tok::Num(s) => match s.parse::<u64>() {
                Ok(v) => {
                    self.bump();
                    Ok(v)
                }
                Err(_) => Err(self.peek().pos.err(format!("expected {what}, found `{s}`"))),
            },
            _ => Err(self.unexpected(what)),
        }
    }

    fn value_def_name(&mut self) -> Result<(String, Pos), IrError> {
        match &self.peek().tok {
            Tok::Value(s) => {
                let s = s.clone();
                Ok((s, self.bump().pos))
            }
            _ => Err(self.unexpected("a value `%name`")),
        }
    }

    fn value_use(&mut self, g: &Graph) -> Result<ValueId, IrError> {
        let (name, pos) = self.value_def_name()?;
        g.find_value(&name).ok_or_else(|| {
            pos.err(format!(
                "undefined value `%{}` (values must be defined before they are used)",
                quote_name(&name)
            ))
        })
    }

    fn ty(&mut self) -> Result<(TensorType, Pos), IrError> {
        let pos = self.peek().pos;
        let dtype = match &self.peek().tok {
            Tok::Ident(s) => s.parse::<DType>().map_err(|m| pos.err(m))?,
            _ => return Err(self.unexpected("a type such as `f32[2, 3]`")),
        };
        self.bump();
        self.expect_punct('[')?;
        let mut dims = Vec::new();
        if !self.eat_punct(']') {
            loop {
                if matches!(self.peek().tok, Tok::Num(_)) {
                    dims.push(Dim::Static(self.u64_lit("a dimension")?));
                } else {
                    let (name, name_pos) = self.name("a dimension (`16` or `batch<=64`)")?;
                    self.expect_punct('≤')?;
                    let max = self.u64_lit("the upper bound of a symbolic dimension")?;
                    match self.dims.get(&name) {
                        Some(&v) if v > max => {
                            return Err(name_pos.err(format!(
                                "symbolic dim `{}<={max}` cannot take the value {v} (above its bound)",
                                quote_name(&name)
                            )))
                        }
                        Some(&v) => dims.push(Dim::Static(v)),
                        None => dims.push(Dim::Sym { name, max }),
                    }
                }
                if self.eat_punct(']') {
                    break;
                }
                self.expect_punct(',')?;
            }
        }
        Ok((TensorType::new(dtype, Shape(dims)), pos))
    }

    fn graph(&mut self) -> Result<Graph, IrError> {
        if !self.is_keyword("graph") {
            return Err(self.unexpected("`graph`"));
        }
        self.bump();
        let (name, _) = self.name("the graph's name")?;
        self.expect_punct('{')?;
        let mut g = Graph::new(name);
        loop {
            let t = self.peek().clone();
            match &t.tok {
                Tok::Punct('}') => {
                    self.bump();
                    break;
                }
                Tok::Ident(kw) if kw == "input" => {
                    self.bump();
                    let (name, pos) = self.value_def_name()?;
                    self.expect_punct(':')?;
                    let (ty, _) = self.ty()?;
                    self.check_new_value(&g, &name, pos)?;
                    g.add_input(name, ty.dtype, ty.shape)
                        .map_err(|e| pos.err(e.to_string()))?;
                }
                Tok::Ident(kw) if kw == "const" => {
                    self.bump();
                    self.constant(&mut g)?;
                }
                Tok::Ident(kw) if kw == "output" && self.inputs_only => {
                    self.bump();
                    self.bump();
                }
                Tok::Value(_) | Tok::Punct('(') if self.inputs_only => self.skip_node()?,
                Tok::Ident(kw) if kw == "output" => {
                    self.bump();
                    let v = self.value_use(&g)?;
                    g.add_output(v).map_err(|e| t.pos.err(e.to_string()))?;
                }
                Tok::Value(_) | Tok::Punct('(') => self.node(&mut g)?,
                _ => {
                    return Err(self.unexpected("`input`, `const`, `output`, a node `%name: type = Op(..)` or `}`"));
                }
            }
        }
        if self.peek().tok != Tok::Eof {
            return Err(self.unexpected("the end of the input after the graph's closing `}`"));
        }
        Ok(g)
    }

    fn check_new_value(&self, g: &Graph, name: &str, pos: Pos) -> Result<(), IrError> {
        if g.find_value(name).is_some() {
            return Err(pos.err(format!(
                "value `%{}` is defined twice (every value is defined exactly once)",
                quote_name(name)
            )));
        }
        if name.is_empty() {
            return Err(pos.err("value names must not be empty"));
        }
        Ok(())
    }

    fn constant(&mut self, g: &mut Graph) -> Result<(), IrError> {
        let t = self.bump();
        let name = match t.tok {
            Tok::Const { name, index: None } => name,
            _ => {
                return Err(t
                    .pos
                    .err(format!("expected a constant `@name`, found {}", t.tok.describe())))
            }
        };
        self.expect_punct(':')?;
        let (ty, ty_pos) = self.ty()?;
        let shape = ty
            .shape
            .as_static()
            .ok_or_else(|| ty_pos.err("a constant's shape must be static (no symbolic dims)"))?;
        self.expect_punct('=')?;
        if !self.is_keyword("hex") {
            return Err(self.unexpected("the constant's bytes `hex\"...\"`"));
        }
        self.bump();
        let data_tok = self.bump();
        let Tok::Str(hex) = &data_tok.tok else {
            return Err(data_tok.pos.err("expected a string of hex digits after `hex`"));
        };
        let bytes = decode_hex(hex).ok_or_else(|| {
            data_tok
                .pos
                .err("bad constant bytes: expected an even number of hex digits (0-9, a-f)")
        })?;
        let data = TensorData::from_bytes(ty.dtype, shape, bytes)
            .map_err(|e| data_tok.pos.err(format!("constant `@{}`: {e}", quote_name(&name))))?;
        let id = g.add_constant(name.clone(), data);
        self.consts.entry(name).or_default().push(id);
        Ok(())
    }

    fn const_ref(&self, g: &Graph, name: &str, index: Option<u64>, pos: Pos) -> Result<ConstId, IrError> {
        if let Some(i) = index {
            return match usize::try_from(i).ok().filter(|&i| i < g.consts().len()) {
                Some(i) => Ok(ConstId(i as u32)),
                None => Err(pos.err(format!(
                    "no constant with index {i} (the graph defines {} constants so far)",
                    g.consts().len()
                ))),
            };
        }
        match self.consts.get(name).map(|v| v.as_slice()) {
            Some([id]) => Ok(*id),
            Some(ids) if ids.len() > 1 => Err(pos.err(format!(
                "constant name `@{}` is ambiguous ({} constants have it); refer to one by index, e.g. `@{}`",
                quote_name(name),
                ids.len(),
                ids[0].0
            ))),
            _ => Err(pos.err(format!(
                "undefined constant `@{}` (constants must be defined with `const` before they are used)",
                quote_name(name)
            ))),
        }
    }

    fn attrs(&mut self) -> Result<Vec<(String, Pos, AttrVal)>, IrError> {
        let mut items = Vec::new();
        if !self.eat_punct('<') {
            return Ok(items);
        }
        loop {
            let (name, pos) = match &self.peek().tok {
                Tok::Ident(s) => {
                    let s = s.clone();
                    (s, self.bump().pos)
                }
                _ => return Err(self.unexpected("an attribute name")),
            };
            self.expect_punct('=')?;
            let start = self.peek().pos;
            let val = if self.eat_punct('[') {
                let mut list = Vec::new();
                if !self.eat_punct(']') {
                    loop {
                        list.push(self.atom()?);
                        if self.eat_punct(']') {
                            break;
                        }
                        self.expect_punct(',')?;
                    }
                }
                AttrVal::List(list, start)
            } else {
                let (t, p) = self.atom()?;
                AttrVal::Atom(t, p)
            };
            items.push((name, pos, val));
            if self.eat_punct('>') {
                return Ok(items);
            }
            self.expect_punct(',')?;
        }
    }

    /// One attribute value: a number, a name or a string; a name or string followed by `<=N` is a
    /// symbolic dim, read as its value where the parse specializes it.
    fn atom(&mut self) -> Result<(Tok, Pos), IrError> {
        match self.peek().tok {
            Tok::Num(_) | Tok::Ident(_) | Tok::Str(_) => {
                let t = self.bump();
                let name = match &t.tok {
                    Tok::Ident(s) | Tok::Str(s) if self.is_punct('≤') => s.clone(),
                    _ => return Ok((t.tok, t.pos)),
                };
                self.bump();
                let max = self.u64_lit("the upper bound of a symbolic dimension")?;
                match self.dims.get(&name) {
                    Some(&v) if v > max => Err(t.pos.err(format!(
                        "symbolic dim `{}<={max}` cannot take the value {v} (above its bound)",
                        quote_name(&name)
                    ))),
                    Some(&v) => Ok((Tok::Num(v.to_string()), t.pos)),
                    None => Ok((Tok::Dim(name, max), t.pos)),
                }
            }
            _ => Err(self.unexpected("an attribute value")),
        }
    }

    /// Reads a node statement without building it: results, `=`, the op with its attributes,
    /// the parenthesized arguments and an optional `#name`.
    fn skip_node(&mut self) -> Result<(), IrError> {
        while !self.is_punct('=') {
            if self.peek().tok == Tok::Eof {
                return Err(self.unexpected("`=` after a node's results"));
            }
            self.bump();
        }
        self.bump();
        match &self.peek().tok {
            Tok::Ident(_) => {
                self.bump();
            }
            _ => return Err(self.unexpected("an op name")),
        }
        self.attrs()?;
        self.expect_punct('(')?;
        while !self.eat_punct(')') {
            if self.peek().tok == Tok::Eof {
                return Err(self.unexpected("`)` closing the node's arguments"));
            }
            self.bump();
        }
        if self.eat_punct('#') {
            self.name("a node name after `#`")?;
        }
        Ok(())
    }

    fn node(&mut self, g: &mut Graph) -> Result<(), IrError> {
        // Results.
        let mut results: Vec<Result_> = Vec::new();
        if self.eat_punct('(') {
            self.expect_punct(')')?;
        } else {
            loop {
                let (name, pos) = self.value_def_name()?;
                self.check_new_value(g, &name, pos)?;
                if results.iter().any(|r| r.0 == name) {
                    return Err(pos.err(format!("value `%{}` is defined twice", quote_name(&name))));
                }
                let ty = if self.eat_punct(':') { Some(self.ty()?) } else { None };
                results.push((name, pos, ty));
                if !self.eat_punct(',') {
                    break;
                }
            }
        }
        self.expect_punct('=')?;
        // Op and attributes.
        let (op_name, op_pos) = match &self.peek().tok {
            Tok::Ident(s) => {
                let s = s.clone();
                (s, self.bump().pos)
            }
            _ => return Err(self.unexpected("an op name")),
        };
        let items = self.attrs()?;
        let mut attrs = Attrs::new(&op_name, op_pos, items);
        let op = build_op(&op_name, &mut attrs).ok_or_else(|| op_pos.err(format!("unknown op `{op_name}`")))?;
        attrs.finish()?;
        // Arguments.
        let paren = self.expect_punct('(')?;
        let mut args = Vec::new();
        if !self.eat_punct(')') {
            loop {
                let t = self.peek().clone();
                match t.tok {
                    Tok::Const { name, index } => {
                        self.bump();
                        args.push(Arg::Const(self.const_ref(g, &name, index, t.pos)?, t.pos));
                    }
                    _ => args.push(Arg::Value(self.value_use(g)?)),
                }
                if self.eat_punct(')') {
                    break;
                }
                self.expect_punct(',')?;
            }
        }
        let (op, inputs) = resolve_args(op, args, paren)?;
        // Node name.
        let explicit = if self.eat_punct('#') {
            Some(self.name("a node name after `#`")?)
        } else {
            None
        };
        if results.len() != op.num_outputs() {
            return Err(op_pos.err(format!(
                "{op_name} produces {} output(s) but {} are declared",
                op.num_outputs(),
                results.len()
            )));
        }
        let node_name = match explicit {
            Some((n, pos)) => {
                if g.find_node(&n).is_some() {
                    return Err(pos.err(format!("node name `{}` is used twice", quote_name(&n))));
                }
                n
            }
            None => {
                let first = results.first().map(|r| r.0.as_str());
                match default_node_name(&op, first) {
                    Some(d) if g.find_node(&d).is_none() => d,
                    Some(d) => g.fresh_name(&d),
                    None => return Err(op_pos.err("a node without outputs needs a name: `() = Op(..) #name`")),
                }
            }
        };
        let names: Vec<String> = results.iter().map(|r| r.0.clone()).collect();
        let outs = g
            .add_node_named(&node_name, op, &inputs, &names)
            .map_err(|e| op_pos.err(e.to_string()))?;
        for ((name, _, declared), v) in results.iter().zip(outs) {
            if let Some((ty, pos)) = declared {
                let inferred = g.ty(v);
                if ty != inferred {
                    return Err(pos.err(format!(
                        "value `%{}`: declared type {} but inference gives {}",
                        quote_name(name),
                        type_str(ty),
                        type_str(inferred)
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Splits the arguments into the op's constant reference (for `Constant`) and its inputs.
fn resolve_args(op: Op, args: Vec<Arg>, paren: Pos) -> Result<(Op, Vec<ValueId>), IrError> {
    let mut inputs = Vec::new();
    let mut konst = None;
    for a in args {
        match a {
            Arg::Value(v) => inputs.push(v),
            Arg::Const(c, pos) => {
                if !matches!(op, Op::Constant(_)) {
                    return Err(pos.err(format!("{} takes values, not constants", op.name())));
                }
                if konst.is_some() || !inputs.is_empty() {
                    return Err(pos.err("Constant takes exactly one constant `@name`"));
                }
                konst = Some(c);
            }
        }
    }
    match (op, konst) {
        (Op::Constant(_), Some(c)) => Ok((Op::Constant(c), inputs)),
        (Op::Constant(_), None) => Err(paren.err("Constant needs a constant argument: `Constant(@name)`")),
        (op, _) => Ok((op, inputs)),
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
