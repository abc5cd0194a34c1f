//! Symbolic dims bound from the shapes of the inputs at hand.
//!
//! A model declares each input dim as a number, a name (`batch_size`, `past_sequence_len`) or an
//! expression its exporter wrote (`past_seq_len + seq_len`, `2*seq`, `(a + b) / 2`). Given input
//! tensors and `--shape NAME=VALUE` pairs, [`bind_dims`] finds a value for every declared dim it
//! can, and refuses inputs that disagree:
//!
//! - a numeric dim must equal the tensor's extent;
//! - a name takes the extent of the first input (or the `--shape`) that gives it; every other
//!   input must agree;
//! - an expression (`+`, `-`, `*`, integer `/`, parentheses, integer literals and names) is
//!   evaluated once its names are known and checked against the extents of the inputs that carry
//!   it; an expression with exactly one unknown name in a linear position, and an extent from an
//!   input, gives that name its value (`past_seq_len + seq_len` = 9 with `seq_len` = 1 gives
//!   `past_seq_len` = 8).
//!
//! The result maps each declared dim text (verbatim, expressions included) to its value: what the
//! ONNX importer's `shapes` and [`crate::specialize`] take. Names are anything between operators,
//! trimmed (`batch size`, `past_key_values.0.len` are names); a dim text that does not parse as an
//! expression is a name as a whole.

use crate::error::{Error, Result};
pub use edgecc_onnx::DimDecl;
use std::collections::BTreeMap;

/// A model input as declared: its name and dims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputDecl {
    pub name: String,
    pub dims: Vec<DimDecl>,
}

/// A parsed dim expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimExpr {
    Num(i64),
    Name(String),
    Bin(Box<DimExpr>, char, Box<DimExpr>),
}

impl DimExpr {
    /// Parses a dim text; `None` when it is not an expression of the grammar above.
    pub fn parse(text: &str) -> Option<DimExpr> {
        let tokens = tokenize(text)?;
        let mut p = Parser { tokens, pos: 0 };
        let e = p.expr()?;
        (p.pos == p.tokens.len()).then_some(e)
    }

    /// The names the expression uses, each once, in order.
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_names(&mut out);
        out
    }

    fn collect_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            DimExpr::Num(_) => {}
            DimExpr::Name(n) => {
                if !out.contains(&n.as_str()) {
                    out.push(n);
                }
            }
            DimExpr::Bin(a, _, b) => {
                a.collect_names(out);
                b.collect_names(out);
            }
        }
    }

    /// The value with every name in `env`; `None` when a name is missing, on overflow, or on a
    /// division by zero.
    pub fn eval(&self, env: &dyn Fn(&str) -> Option<i64>) -> Option<i64> {
        match self {
            DimExpr::Num(v) => Some(*v),
            DimExpr::Name(n) => env(n),
            DimExpr::Bin(a, op, b) => {
                let (a, b) = (a.eval(env)?, b.eval(env)?);
                match op {
                    '+' => a.checked_add(b),
                    '-' => a.checked_sub(b),
                    '*' => a.checked_mul(b),
                    _ => (b != 0).then(|| a.div_euclid(b)),
                }
            }
        }
    }

    /// The expression as `a * x + b` in the one unknown name `x` (every other name in `env`), or
    /// `None` when `x` is not in a linear position (under a division, or times itself).
    fn linear(&self, x: &str, env: &dyn Fn(&str) -> Option<i64>) -> Option<(i64, i64)> {
        match self {
            DimExpr::Num(v) => Some((0, *v)),
            DimExpr::Name(n) if n == x => Some((1, 0)),
            DimExpr::Name(n) => Some((0, env(n)?)),
            DimExpr::Bin(a, op, b) => {
                let ((a1, b1), (a2, b2)) = (a.linear(x, env)?, b.linear(x, env)?);
                match op {
                    '+' => Some((a1.checked_add(a2)?, b1.checked_add(b2)?)),
                    '-' => Some((a1.checked_sub(a2)?, b1.checked_sub(b2)?)),
                    '*' if a1 == 0 => Some((a2.checked_mul(b1)?, b2.checked_mul(b1)?)),
                    '*' if a2 == 0 => Some((a1.checked_mul(b2)?, b1.checked_mul(b2)?)),
                    '/' if a1 == 0 && a2 == 0 && b2 != 0 => Some((0, b1.div_euclid(b2))),
                    _ => None,
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Num(i64),
    Name(String),
    Op(char),
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| -> Option<()> {
        let w = word.trim();
        if !w.is_empty() {
            out.push(if w.bytes().all(|b| b.is_ascii_digit()) {
                Token::Num(w.parse().ok()?)
            } else {
                Token::Name(w.to_string())
            });
        }
        word.clear();
        Some(())
    };
    for c in text.chars() {
        if "+-*/()".contains(c) {
            flush(&mut word, &mut out)?;
            out.push(Token::Op(c));
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out)?;
    Some(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_op(&self, ops: &str) -> Option<char> {
        match self.tokens.get(self.pos) {
            Some(Token::Op(c)) if ops.contains(*c) => Some(*c),
            _ => None,
        }
    }

    fn expr(&mut self) -> Option<DimExpr> {
        let mut e = self.term()?;
        while let Some(op) = self.peek_op("+-") {
            self.pos += 1;
            e = DimExpr::Bin(Box::new(e), op, Box::new(self.term()?));
        }
        Some(e)
    }

    fn term(&mut self) -> Option<DimExpr> {
        let mut e = self.factor()?;
        while let Some(op) = self.peek_op("*/") {
            self.pos += 1;
            e = DimExpr::Bin(Box::new(e), op, Box::new(self.factor()?));
        }
        Some(e)
    }

    fn factor(&mut self) -> Option<DimExpr> {
        let t = self.tokens.get(self.pos)?.clone();
        self.pos += 1;
        match t {
            Token::Num(v) => Some(DimExpr::Num(v)),
            Token::Name(n) => Some(DimExpr::Name(n)),
            Token::Op('(') => {
                let e = self.expr()?;
                (self.peek_op(")").is_some()).then(|| self.pos += 1)?;
                Some(e)
            }
            Token::Op(_) => None,
        }
    }
}

/// Where a value came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    Shape,
    Input(String),
    Bound,
}

impl Source {
    fn phrase(&self) -> String {
        match self {
            Source::Shape => "--shape".into(),
            Source::Input(n) => format!("input `{n}`"),
            Source::Bound => "its bound".into(),
        }
    }
}

/// Where an expression's value was seen.
#[derive(Clone, Debug)]
struct Seen {
    value: u64,
    /// The input and dim index, or `None` for `--shape`.
    at: Option<(String, usize)>,
}

impl Seen {
    fn describe(&self, text: &str) -> String {
        match &self.at {
            Some((input, d)) => format!("input `{input}` dim {d} (`{text}`) is {}", self.value),
            None => format!("--shape `{text}`={}", self.value),
        }
    }
}

/// The bound a still unknown name takes, for [`bind_dims`] with a fill.
pub type BoundOf<'a> = &'a dyn Fn(&str) -> Option<u64>;

/// What a dim text is: a name, or an expression over names.
fn classify(text: &str) -> Option<DimExpr> {
    match DimExpr::parse(text) {
        Some(DimExpr::Name(_)) | None => None,
        Some(e) => Some(e),
    }
}

/// Binds the declared dims of `decls` from the extents of the `given` inputs (name → shape) and
/// the `shapes` values (`--shape`; a name, or a dim text verbatim); see the [module docs](self).
/// With `fill`, a name still unknown takes `fill(name)` (its bound, for random inputs).
///
/// Returns each declared dim text with a value. An input that is not declared, a rank or extent
/// that disagrees with the declaration or with another input, and a `--shape` name that no dim
/// uses are errors naming the input, the dim and the values.
pub fn bind_dims(
    decls: &[InputDecl],
    given: &BTreeMap<String, Vec<usize>>,
    shapes: &BTreeMap<String, u64>,
    fill: Option<BoundOf>,
) -> Result<BTreeMap<String, u64>> {
    let bad = |msg: String| Err(Error::BadInputs(msg));
    // Every dim text the model declares, and the names its expressions use.
    let mut texts: Vec<&str> = Vec::new();
    let mut exprs: Vec<(&str, DimExpr)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for d in decls.iter().flat_map(|d| &d.dims) {
        if let DimDecl::Param(p) = d {
            if texts.contains(&p.as_str()) {
                continue;
            }
            texts.push(p);
            match classify(p) {
                Some(e) => {
                    names.extend(e.names().into_iter().map(str::to_string));
                    exprs.push((p, e));
                }
                None => names.push(p.trim().to_string()),
            }
        }
    }
    for name in shapes.keys() {
        if !texts.contains(&name.as_str()) && !names.contains(name) {
            let mut known: Vec<&str> = texts.clone();
            known.extend(names.iter().map(String::as_str).filter(|n| !texts.contains(n)));
            return Err(Error::UnknownSymbol {
                name: name.clone(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            });
        }
    }

    // Values of names (plain dims, `--shape`, solved), and extents seen for each dim text.
    let mut env: BTreeMap<String, (u64, Source)> = BTreeMap::new();
    let mut seen: BTreeMap<&str, Seen> = BTreeMap::new();
    for (name, &v) in shapes {
        if texts.contains(&name.as_str()) && classify(name).is_some() {
            seen.insert(name, Seen { value: v, at: None });
        } else {
            env.insert(name.trim().to_string(), (v, Source::Shape));
        }
    }
    if let Some(input) = given.keys().find(|n| !decls.iter().any(|d| &d.name == *n)) {
        return Err(Error::UnknownInput {
            name: input.clone(),
            known: decls.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", "),
        });
    }
    // In declaration order, so the first input the model lists decides a name.
    for decl in decls {
        let Some(shape) = given.get(&decl.name) else { continue };
        let input = &decl.name;
        if decl.dims.len() != shape.len() {
            return bad(format!(
                "input `{input}` has shape {shape:?}, but the model declares rank {} ({})",
                decl.dims.len(),
                describe_dims(&decl.dims)
            ));
        }
        for (i, (d, &n)) in decl.dims.iter().zip(shape).enumerate() {
            let n = n as u64;
            match d {
                DimDecl::Value(v) if *v != n => {
                    return bad(format!(
                        "input `{input}` dim {i} is {n}, but the model declares {v} ({})",
                        describe_dims(&decl.dims)
                    ))
                }
                DimDecl::Value(_) => {}
                DimDecl::Param(p) if classify(p).is_some() => {
                    if let Some(s) = seen.get(p.as_str()) {
                        if s.value != n {
                            return bad(format!("input `{input}` dim {i} (`{p}`) is {n}, but {}", s.describe(p)));
                        }
                    } else {
                        seen.insert(
                            p,
                            Seen {
                                value: n,
                                at: Some((input.clone(), i)),
                            },
                        );
                    }
                }
                DimDecl::Param(p) => {
                    let name = p.trim();
                    match env.get(name) {
                        Some((v, src)) if *v != n => {
                            return bad(format!(
                                "input `{input}` dim {i} (`{name}`) is {n}, but `{name}`={v} from {}",
                                src.phrase()
                            ))
                        }
                        Some(_) => {}
                        None => {
                            env.insert(name.to_string(), (n, Source::Input(input.clone())));
                        }
                    }
                }
            }
        }
    }

    // Expressions: check the known ones, solve for one unknown name where an extent is seen;
    // then, with `fill`, give the remaining names their bound and check again.
    let mut filled = false;
    loop {
        let mut progress = true;
        while progress {
            progress = false;
            for (text, e) in &exprs {
                let lookup = |n: &str| env.get(n).and_then(|(v, _)| i64::try_from(*v).ok());
                let unknown: Vec<&str> = e.names().into_iter().filter(|n| !env.contains_key(*n)).collect();
                let Some(s) = seen.get(text) else { continue };
                match unknown.as_slice() {
                    [] => {
                        let v = e.eval(&lookup);
                        if v != Some(s.value as i64) {
                            let used: Vec<&str> = e.names();
                            let vals =
                                join_and(&used.iter().map(|n| format!("`{n}`={}", env[*n].0)).collect::<Vec<_>>());
                            let mut srcs: Vec<String> = Vec::new();
                            for n in &used {
                                let p = env[*n].1.phrase();
                                if !srcs.contains(&p) {
                                    srcs.push(p);
                                }
                            }
                            let given = match v {
                                Some(v) => format!("give {v}"),
                                None => "give no value (overflow or division by zero)".into(),
                            };
                            return bad(format!(
                                "{}, but {vals} from {} {given}",
                                s.describe(text),
                                sources(&srcs)
                            ));
                        }
                    }
                    [x] => {
                        let Some((a, b)) = e.linear(x, &lookup) else { continue };
                        let rest = s.value as i64 - b;
                        if a == 0 {
                            continue;
                        }
                        if rest % a != 0 || rest / a < 0 {
                            return bad(format!(
                                "{}, which no non-negative integer `{x}` gives",
                                s.describe(text)
                            ));
                        }
                        let src = match &s.at {
                            Some((input, _)) => Source::Input(input.clone()),
                            None => Source::Shape,
                        };
                        env.insert(x.to_string(), ((rest / a) as u64, src));
                        progress = true;
                    }
                    _ => {}
                }
            }
        }
        match fill {
            Some(f) if !filled => {
                filled = true;
                // Only names a dim still needs: a plain dim, or a name of an expression whose
                // extent no input gave (one seen from an input binds as its own text).
                for n in &names {
                    let plain = texts.iter().any(|t| classify(t).is_none() && t.trim() == n);
                    let needed = plain
                        || exprs
                            .iter()
                            .any(|(t, e)| !seen.contains_key(t) && e.names().contains(&n.as_str()));
                    if needed && !env.contains_key(n) {
                        if let Some(v) = f(n) {
                            env.insert(n.clone(), (v, Source::Bound));
                        }
                    }
                }
            }
            _ => break,
        }
    }

    // The value of every dim text that has one.
    let mut out = BTreeMap::new();
    for text in texts {
        let value = match exprs.iter().find(|(t, _)| *t == text) {
            Some((_, e)) => match seen.get(text) {
                Some(s) => Some(s.value),
                None => {
                    let lookup = |n: &str| env.get(n).and_then(|(v, _)| i64::try_from(*v).ok());
                    match e.eval(&lookup) {
                        Some(v) if v < 0 => {
                            let vals: Vec<String> = e.names().iter().map(|n| format!("`{n}`={}", env[*n].0)).collect();
                            return bad(format!(
                                "dim `{text}` is {v} with {}: a dim cannot be negative",
                                join_and(&vals)
                            ));
                        }
                        Some(v) => Some(v as u64),
                        None => None,
                    }
                }
            },
            None => env.get(text.trim()).map(|(v, _)| *v),
        };
        if let Some(v) = value {
            out.insert(text.to_string(), v);
        }
    }
    Ok(out)
}

/// `[1, seq, 4]`-style text of declared dims.
fn describe_dims(dims: &[DimDecl]) -> String {
    let parts: Vec<String> = dims
        .iter()
        .map(|d| match d {
            DimDecl::Value(v) => v.to_string(),
            DimDecl::Param(p) => p.clone(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `input `a``, `inputs `a` and `b``, `input `a` and --shape`.
fn sources(phrases: &[String]) -> String {
    let inputs: Vec<String> = phrases
        .iter()
        .filter_map(|p| p.strip_prefix("input ").map(str::to_string))
        .collect();
    let others: Vec<String> = phrases.iter().filter(|p| !p.starts_with("input ")).cloned().collect();
    let mut parts = Vec::new();
    match inputs.len() {
        0 => {}
        1 => parts.push(format!("input {}", inputs[0])),
        _ => parts.push(format!("inputs {}", join_and(&inputs))),
    }
    parts.extend(others);
    join_and(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(name: &str, dims: &[&str]) -> InputDecl {
        InputDecl {
            name: name.into(),
            dims: dims
                .iter()
                .map(|d| match d.parse::<u64>() {
                    Ok(v) => DimDecl::Value(v),
                    Err(_) => DimDecl::Param(d.to_string()),
                })
                .collect(),
        }
    }

    fn given(items: &[(&str, &[usize])]) -> BTreeMap<String, Vec<usize>> {
        items.iter().map(|(n, s)| (n.to_string(), s.to_vec())).collect()
    }

    fn decoder() -> Vec<InputDecl> {
        vec![
            decl("input_ids", &["batch_size", "seq_len"]),
            decl("attention_mask", &["batch_size", "past_seq_len + seq_len"]),
            decl("past_key_values.0.key", &["batch_size", "2", "past_seq_len", "4"]),
        ]
    }

    #[test]
    fn parses_exporter_expressions() {
        let env = |n: &str| match n {
            "a" => Some(3),
            "past sequence.len" => Some(5),
            _ => None,
        };
        for (text, want) in [
            ("a + 1", Some(4)),
            ("2*a", Some(6)),
            ("(a + 5) / 2", Some(4)),
            ("past sequence.len - a", Some(2)),
            ("a*a", Some(9)),
            ("b + 1", None),
        ] {
            let e = DimExpr::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(e.eval(&env), want, "{text}");
        }
        assert_eq!(DimExpr::parse("batch size"), Some(DimExpr::Name("batch size".into())));
        assert!(DimExpr::parse("a +").is_none() && DimExpr::parse("(a").is_none() && DimExpr::parse("").is_none());
        assert_eq!(DimExpr::parse("a / 0").unwrap().eval(&env), None);
    }

    #[test]
    fn binds_names_and_expressions_from_inputs() {
        let g = given(&[
            ("input_ids", &[1, 1]),
            ("attention_mask", &[1, 9]),
            ("past_key_values.0.key", &[1, 2, 8, 4]),
        ]);
        let b = bind_dims(&decoder(), &g, &BTreeMap::new(), None).unwrap();
        assert_eq!(b["batch_size"], 1);
        assert_eq!(b["seq_len"], 1);
        assert_eq!(b["past_seq_len"], 8);
        assert_eq!(b["past_seq_len + seq_len"], 9);
        // The past is solved from the mask when it is not given; an empty past binds to 0.
        let g = given(&[("input_ids", &[1, 8]), ("attention_mask", &[1, 8])]);
        let b = bind_dims(&decoder(), &g, &BTreeMap::new(), None).unwrap();
        assert_eq!(b["past_seq_len"], 0);
        // --shape complements: the expression is evaluated.
        let shapes = BTreeMap::from([("past_seq_len".to_string(), 0), ("seq_len".to_string(), 8)]);
        let b = bind_dims(&decoder(), &BTreeMap::new(), &shapes, None).unwrap();
        assert_eq!(b["past_seq_len + seq_len"], 8);
        assert!(!b.contains_key("batch_size"));
        // With a fill, every dim gets a value.
        let b = bind_dims(&decoder(), &BTreeMap::new(), &shapes, Some(&|_| Some(2))).unwrap();
        assert_eq!((b["batch_size"], b["past_seq_len + seq_len"]), (2, 8));
        // Names used only in an expression whose extent an input gives take no bound, so a
        // fill never contradicts that input (mobius writes `past_seq_len + seq_len` on the mask
        // and `past_sequence_len`/`sequence_len` elsewhere).
        let d = vec![
            decl("input_ids", &["batch", "sequence_len"]),
            decl("attention_mask", &["batch", "past_seq_len + seq_len"]),
            decl("past", &["batch", "past_sequence_len"]),
        ];
        let g = given(&[("input_ids", &[1, 1]), ("attention_mask", &[1, 9]), ("past", &[1, 8])]);
        let b = bind_dims(&d, &g, &BTreeMap::new(), Some(&|_| Some(4096))).unwrap();
        assert_eq!(b["past_seq_len + seq_len"], 9);
        assert_eq!((b["sequence_len"], b["past_sequence_len"]), (1, 8));
        // 2*seq solves only for whole values.
        let d = vec![decl("x", &["2*seq"]), decl("y", &["seq"])];
        let b = bind_dims(&d, &given(&[("x", &[6])]), &BTreeMap::new(), None).unwrap();
        assert_eq!(b["seq"], 3);
        let e = bind_dims(&d, &given(&[("x", &[7])]), &BTreeMap::new(), None).unwrap_err();
        assert!(e.to_string().contains("no non-negative integer `seq`"), "{e}");
    }

    #[test]
    fn disagreeing_inputs_name_the_input_dim_and_values() {
        let g = given(&[
            ("input_ids", &[1, 1]),
            ("attention_mask", &[1, 10]),
            ("past_key_values.0.key", &[1, 2, 8, 4]),
        ]);
        let e = bind_dims(&decoder(), &g, &BTreeMap::new(), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "input `attention_mask` dim 1 (`past_seq_len + seq_len`) is 10, but `past_seq_len`=8 and \
             `seq_len`=1 from inputs `past_key_values.0.key` and `input_ids` give 9"
        );
        let g = given(&[("input_ids", &[1, 4]), ("past_key_values.0.key", &[2, 2, 8, 4])]);
        let e = bind_dims(&decoder(), &g, &BTreeMap::new(), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`past_key_values.0.key` dim 0 (`batch_size`) is 2, but `batch_size`=1 from input `input_ids`"),
            "{e}"
        );
        let g = given(&[("past_key_values.0.key", &[1, 3, 8, 4])]);
        let e = bind_dims(&decoder(), &g, &BTreeMap::new(), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`past_key_values.0.key` dim 1 is 3, but the model declares 2"),
            "{e}"
        );
        let g = given(&[("input_ids", &[1])]);
        let e = bind_dims(&decoder(), &g, &BTreeMap::new(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rank 2"), "{e}");
        let shapes = BTreeMap::from([("seq_len".to_string(), 3)]);
        let e = bind_dims(&decoder(), &given(&[("input_ids", &[1, 4])]), &shapes, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("is 4, but `seq_len`=3 from --shape"), "{e}");
        let shapes = BTreeMap::from([("sequence".to_string(), 3)]);
        assert!(matches!(
            bind_dims(&decoder(), &BTreeMap::new(), &shapes, None),
            Err(Error::UnknownSymbol { .. })
        ));
        let e = bind_dims(&decoder(), &given(&[("ids", &[1])]), &BTreeMap::new(), None).unwrap_err();
        assert!(matches!(e, Error::UnknownInput { .. }), "{e}");
    }
}
