//! The text format of a [`Graph`]: `Display` prints it, [`parse`] reads exactly what is printed
//! (print → parse → print is the identity, and parsing rebuilds the same ids).
//!
//! ```text
//! ; comments run from ';' to the end of the line
//! graph mlp {
//!   input %x: f32[batch<=64, 16]
//!   const @w1: f32[16, 32] = hex"0000803f..."    ; raw little-endian bytes of the constant
//!   %w1: f32[16, 32] = Constant(@w1)
//!   %h: f32[batch<=64, 32] = MatMul(%x, %w1)
//!   %y: f32[batch<=64, 32] = Softmax<axis=-1>(%h) #"/softmax/Softmax"
//!   %a: f32[2, 3], %b: f32[2, 5] = Split<axis=1, sizes=[3, 5]>(%c)
//!   output %y
//! }
//! ```
//!
//! Grammar (whitespace and newlines are insignificant between tokens):
//!
//! ```text
//! graph     := "graph" name "{" stmt* "}"
//! stmt      := "input" value ":" type
//!            | "const" const ":" type "=" "hex" string       ; type must be static
//!            | results "=" op attrs? "(" args? ")" ("#" name)?
//!            | "output" value
//! results   := result ("," result)* | "(" ")"                  ; "()" for a node without outputs
//! result    := value (":" type)?                               ; the type is checked against inference
//! attrs     := "<" attr ("," attr)* ">"
//! attr      := ident "=" (number | ident | string | "[" (atom ("," atom)*)? "]")
//! args      := (value | const) ("," (value | const))*
//! type      := dtype "[" (dim ("," dim)*)? "]"                 ; f32[] is a scalar
//! dim       := integer | name "<=" integer                     ; a symbolic dim with its upper bound
//! value     := "%" name      const := "@" name | "@" integer   ; @3 = the 4th constant
//! name      := ident | string                                  ; ident = [A-Za-z_][A-Za-z0-9_.]*
//! ```
//!
//! Strings are `"..."` with the escapes `\" \\ \n \t \r \u{HEX}`; names that are not plain
//! identifiers (e.g. ONNX's `/layer.0/attn/Add_output_0`) are printed quoted: `%"..."`.
//!
//! - **Ops** are written by [`Op::name`] (`Add`, `ReduceSum`, `RMSNorm`, ...). Every attribute is
//!   printed (`Softmax<axis=-1>`, `Gelu<tanh=false>`); optional ones (`Clip`'s `min`/`max`,
//!   `Attention`'s `scale`, `Resize`'s `sizes`, `Shape`'s `end`) are left out when absent. Enum
//!   attributes are written by their `name()` (`mode=reflect`), dtypes by name (`to=f16`). Floats use
//!   Rust's shortest round-trip form (`0.01`, `1e-5`, `inf`, `NaN`); a NaN with a non-canonical bit
//!   pattern is written as its bits in hex (`0x7fc00001`), which float attributes accept.
//! - **Constants** are defined with `const` and read by `Constant(@name)`; a constant whose name is
//!   shared with another constant is referred to by index (`@3`).
//! - **Node names**: a node whose name is the default derived from its first output is printed
//!   without a name; otherwise the name follows as `#name`. The default is `<out>_const` for a
//!   `Constant` node, and `<out>` with a trailing `_out0` removed otherwise (what
//!   [`Graph::add_const_value`] and [`Graph::add_node`] generate). When parsing, a default name that
//!   is already taken is made unique with [`Graph::fresh_name`].
//! - **Order**: inputs and nodes in the order they were added (so parsing rebuilds the same ids),
//!   all `const` definitions just before the first node, outputs last.

mod attrs;
mod lex;
mod parse;
mod print;

pub use parse::{parse, parse_inputs, parse_specialized};
pub use print::{fmt_f32, fmt_f64};

use crate::graph::Graph;
use crate::op::Op;
use std::borrow::Cow;
use std::fmt;

impl fmt::Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        print::write_graph(f, self)
    }
}

/// True when `name` can be printed without quotes.
pub fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(lex::is_ident_start) && chars.all(lex::is_ident_char)
}

/// `name` as printed after a sigil: unchanged if plain, else quoted with escapes.
pub fn quote_name(name: &str) -> Cow<'_, str> {
    if is_plain_name(name) {
        return Cow::Borrowed(name);
    }
    let mut s = String::with_capacity(name.len() + 2);
    s.push('"');
    for c in name.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            c if c.is_control() => s.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    Cow::Owned(s)
}

/// The node name the text format assumes when none is written, from the op and the name of the
/// node's first output (`None` for a node without outputs: its name is always written).
pub fn default_node_name(op: &Op, first_output: Option<&str>) -> Option<String> {
    let out = first_output?;
    if matches!(op, Op::Constant(_)) {
        return Some(format!("{out}_const"));
    }
    match out.strip_suffix("_out0") {
        Some(base) if !base.is_empty() => Some(base.to_string()),
        _ => Some(out.to_string()),
    }
}
