//! The rewrite rules, one file per topic, and the helpers their conditions share.
//!
//! A rule is an egg [`Rewrite`]: a pattern over [`ENode`]s (`(Mul ?x ?c)`) and an applier, a
//! closure that checks the rule's conditions on the matched e-classes (types, `splat`
//! constants, attributes) and returns the e-class the match equals, adding the new e-nodes it
//! needs through [`add_op`], which checks that the new node's inferred type is the matched
//! class's type. A rule only ever adds equivalent alternatives; extraction decides by cost.

pub mod activation;
pub mod arith;
pub mod attention;
pub mod layout;
pub mod norm;

use super::lang::{kind, needs_attr, AttrKey, Class, ENode, IrAnalysis};
use edgecc_ir::{normalize_axis, Op, ReduceOp, TensorType};
use egg::{Applier, EGraph, Id, Pattern, PatternAst, Rewrite, Subst, Symbol, Var};

pub type EG = EGraph<ENode, IrAnalysis>;
pub type Rw = Rewrite<ENode, IrAnalysis>;

/// Every rule, in a fixed order: arithmetic, layout, normalization, activation, attention.
pub fn all() -> Result<Vec<Rw>, String> {
    let mut r = arith::rules()?;
    r.extend(layout::rules()?);
    r.extend(norm::rules()?);
    r.extend(activation::rules()?);
    r.extend(attention::rules()?);
    Ok(r)
}

/// An applier: a closure from (e-graph, matched class, substitution) to the class it equals.
pub struct Make<F>(pub F);

impl<F> Applier<ENode, IrAnalysis> for Make<F>
where
    F: Fn(&mut EG, Id, &Subst) -> Option<Id>,
{
    fn apply_one(
        &self,
        eg: &mut EG,
        eclass: Id,
        subst: &Subst,
        _ast: Option<&PatternAst<ENode>>,
        _rule: Symbol,
    ) -> Vec<Id> {
        match (self.0)(eg, eclass, subst) {
            Some(id) if eg.union(eclass, id) => vec![eclass],
            _ => vec![],
        }
    }
}

/// A rule named `name` rewriting matches of `pattern` through `f`.
pub fn rule<F>(name: &str, pattern: &str, f: F) -> Result<Rw, String>
where
    F: Fn(&mut EG, Id, &Subst) -> Option<Id> + Send + Sync + 'static,
{
    let p: Pattern<ENode> = pattern
        .parse()
        .map_err(|e| format!("rule {name}: pattern `{pattern}`: {e:?}"))?;
    Rewrite::new(name, p, Make(f))
}

/// The variable `?name`.
pub fn var(name: &str) -> Result<Var, String> {
    name.parse().map_err(|e| format!("variable `{name}`: {e:?}"))
}

/// Parses several variables at once.
pub fn vars<const N: usize>(names: [&str; N]) -> Result<[Var; N], String> {
    let mut out = Vec::with_capacity(N);
    for n in names {
        out.push(var(n)?);
    }
    out.try_into().map_err(|_| "variable count".to_string())
}

/// The value type of class `id`.
pub fn ty(eg: &EG, id: Id) -> Option<&TensorType> {
    eg[id].data.ty()
}

/// True when classes `a` and `b` are values of the same type.
pub fn same_ty(eg: &EG, a: Id, b: Id) -> bool {
    matches!((ty(eg, a), ty(eg, b)), (Some(x), Some(y)) if x == y)
}

/// True when class `id` holds a float value.
pub fn is_float(eg: &EG, id: Id) -> bool {
    ty(eg, id).is_some_and(|t| t.dtype.is_float())
}

/// The `splat` value of class `id` (a constant with all elements equal).
pub fn splat(eg: &EG, id: Id) -> Option<f64> {
    eg[id].data.splat
}

/// The value of class `id` if it is a one-element constant of rank at most `rank` (so that it
/// broadcasts without enlarging a value of that rank).
pub fn scalar(eg: &EG, id: Id, rank: usize) -> Option<f64> {
    let t = ty(eg, id)?;
    (t.shape.numel() == Some(1) && t.shape.rank() <= rank)
        .then(|| splat(eg, id))
        .flatten()
}

/// True when class `id` is a constant whose elements are all `want`.
pub fn splat_is(eg: &EG, id: Id, want: f64) -> bool {
    splat(eg, id) == Some(want)
}

/// True when `x` is within a relative `1e-6` of `want`.
pub fn close(x: f64, want: f64) -> bool {
    (x - want).abs() <= 1e-6 * want.abs()
}

/// The op of an attribute class.
pub fn attr(eg: &EG, id: Id) -> Option<&Op> {
    match &eg[id].data.class {
        Class::Attr(op) => Some(op),
        _ => None,
    }
}

/// For a `ReduceMean` with `keepdims` over the trailing axes `a..rank` of a rank-`rank` value:
/// `a`.
pub fn trailing_mean_axis(eg: &EG, attr_id: Id, rank: usize) -> Option<usize> {
    let Op::Reduce {
        op: ReduceOp::Mean,
        axes,
        keepdims: true,
    } = attr(eg, attr_id)?
    else {
        return None;
    };
    let mut ax: Vec<usize> = axes.iter().map(|&a| normalize_axis(a, rank)).collect::<Option<_>>()?;
    ax.sort_unstable();
    ax.dedup();
    let first = *ax.first()?;
    (ax.len() == axes.len() && ax.iter().copied().eq(first..rank)).then_some(first)
}

/// Adds `op` on input classes `inputs` and returns its class, if its inferred type is `want`
/// (the matched class's type); adds nothing otherwise.
pub fn add_op(eg: &mut EG, op: Op, inputs: &[Id], want: Option<&TensorType>) -> Option<Id> {
    let tys = super::lang::infer_types(eg, &op, inputs)?;
    if op.num_outputs() != 1 || tys.len() != 1 || want.is_some_and(|w| w != &tys[0]) {
        return None;
    }
    let mut children = Vec::with_capacity(inputs.len() + 1);
    let k = kind(&op);
    if needs_attr(&op) {
        children.push(eg.add(ENode::Attr(AttrKey::new(op))));
    }
    children.extend_from_slice(inputs);
    Some(eg.add(ENode::Op(k, children)))
}

/// Adds `op` with the matched class `root`'s type as the required type.
pub fn add_like(eg: &mut EG, root: Id, op: Op, inputs: &[Id]) -> Option<Id> {
    let want = ty(eg, root)?.clone();
    add_op(eg, op, inputs, Some(&want))
}

/// A compile-time constant of `shape` filled with `value` (`ConstantOfShape`, folded later).
pub fn fill(eg: &mut EG, like: &TensorType, shape: Vec<u64>, value: f64) -> Option<Id> {
    let op = Op::ConstantOfShape {
        shape,
        value,
        dtype: like.dtype,
    };
    add_op(eg, op, &[], None)
}
