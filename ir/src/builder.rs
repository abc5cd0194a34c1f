//! A `Result`-returning API for building graphs without ONNX.
//!
//! ```
//! use edgecc_ir::{Builder, DType, Shape, TensorData};
//! # fn main() -> Result<(), edgecc_ir::IrError> {
//! let mut b = Builder::new("mlp");
//! let x = b.input("x", DType::F32, Shape::of(&[2, 4]))?;
//! let w = b.constant("w", TensorData::from_f32(DType::F32, vec![4, 3], &[0.5; 12])?)?;
//! let h = b.matmul(x, w)?;
//! let y = b.relu(h)?;
//! b.output(y)?;
//! let g = b.finish()?;
//! assert_eq!(g.ty(y).shape, Shape::of(&[2, 3]));
//! # Ok(()) }
//! ```
//!
//! Every method infers the new value's type at once, so a mistake is reported at the call that
//! makes it, naming the node. [`Builder::finish`] runs the verifier.

use crate::dtype::DType;
use crate::error::Result;
use crate::graph::{Graph, ValueId};
use crate::op::{BinaryOp, Op, PadMode, ReduceOp, UnaryOp};
use crate::shape::Shape;
use crate::tensor::TensorData;
use crate::verify::verify;

/// Builds a [`Graph`] op by op.
#[derive(Debug, Clone)]
pub struct Builder {
    graph: Graph,
}

impl Builder {
    pub fn new(name: impl Into<String>) -> Self {
        Builder {
            graph: Graph::new(name),
        }
    }

    /// The graph built so far (for type queries).
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Adds a graph input.
    pub fn input(&mut self, name: &str, dtype: DType, shape: Shape) -> Result<ValueId> {
        self.graph.add_input(name, dtype, shape)
    }

    /// Adds a constant (weight) and returns the value that reads it.
    pub fn constant(&mut self, name: &str, data: TensorData) -> Result<ValueId> {
        let name = self.graph.fresh_name(name);
        self.graph.add_const_value(name, data)
    }

    /// An f32 constant from values.
    pub fn const_f32(&mut self, name: &str, shape: &[usize], values: &[f32]) -> Result<ValueId> {
        let data = TensorData::from_f32(DType::F32, shape.to_vec(), values)?;
        self.constant(name, data)
    }

    /// A scalar constant of `dtype`.
    pub fn scalar(&mut self, dtype: DType, value: f64) -> Result<ValueId> {
        self.constant("scalar", TensorData::scalar(dtype, value))
    }

    /// Applies any op; returns all its outputs.
    pub fn op(&mut self, op: Op, inputs: &[ValueId]) -> Result<Vec<ValueId>> {
        self.graph.add_node(op, inputs)
    }

    /// Applies a single-output op.
    pub fn op1(&mut self, op: Op, inputs: &[ValueId]) -> Result<ValueId> {
        Ok(self.graph.add_node(op, inputs)?[0])
    }

    /// Marks a graph output.
    pub fn output(&mut self, v: ValueId) -> Result<()> {
        self.graph.add_output(v)
    }

    /// Verifies and returns the graph.
    pub fn finish(self) -> Result<Graph> {
        verify(&self.graph)?;
        Ok(self.graph)
    }

    pub fn unary(&mut self, u: UnaryOp, x: ValueId) -> Result<ValueId> {
        self.op1(Op::Unary(u), &[x])
    }

    pub fn binary(&mut self, b: BinaryOp, x: ValueId, y: ValueId) -> Result<ValueId> {
        self.op1(Op::Binary(b), &[x, y])
    }

    pub fn add(&mut self, x: ValueId, y: ValueId) -> Result<ValueId> {
        self.binary(BinaryOp::Add, x, y)
    }

    pub fn sub(&mut self, x: ValueId, y: ValueId) -> Result<ValueId> {
        self.binary(BinaryOp::Sub, x, y)
    }

    pub fn mul(&mut self, x: ValueId, y: ValueId) -> Result<ValueId> {
        self.binary(BinaryOp::Mul, x, y)
    }

    pub fn div(&mut self, x: ValueId, y: ValueId) -> Result<ValueId> {
        self.binary(BinaryOp::Div, x, y)
    }

    pub fn pow(&mut self, x: ValueId, y: ValueId) -> Result<ValueId> {
        self.binary(BinaryOp::Pow, x, y)
    }

    pub fn relu(&mut self, x: ValueId) -> Result<ValueId> {
        self.unary(UnaryOp::Relu, x)
    }

    /// GELU, exact (erf) or with the tanh approximation.
    pub fn gelu(&mut self, x: ValueId, tanh: bool) -> Result<ValueId> {
        self.unary(UnaryOp::Gelu { tanh }, x)
    }

    pub fn silu(&mut self, x: ValueId) -> Result<ValueId> {
        self.unary(UnaryOp::Silu, x)
    }

    pub fn exp(&mut self, x: ValueId) -> Result<ValueId> {
        self.unary(UnaryOp::Exp, x)
    }

    pub fn sqrt(&mut self, x: ValueId) -> Result<ValueId> {
        self.unary(UnaryOp::Sqrt, x)
    }

    pub fn tanh(&mut self, x: ValueId) -> Result<ValueId> {
        self.unary(UnaryOp::Tanh, x)
    }

    pub fn sigmoid(&mut self, x: ValueId) -> Result<ValueId> {
        self.unary(UnaryOp::Sigmoid, x)
    }

    pub fn cast(&mut self, x: ValueId, to: DType) -> Result<ValueId> {
        self.op1(Op::Cast { to }, &[x])
    }

    /// `cond ? x : y`.
    pub fn select(&mut self, cond: ValueId, x: ValueId, y: ValueId) -> Result<ValueId> {
        self.op1(Op::Where, &[cond, x, y])
    }

    pub fn clip(&mut self, x: ValueId, min: Option<f64>, max: Option<f64>) -> Result<ValueId> {
        self.op1(Op::Clip { min, max }, &[x])
    }

    pub fn reduce(&mut self, op: ReduceOp, x: ValueId, axes: &[i64], keepdims: bool) -> Result<ValueId> {
        self.op1(
            Op::Reduce {
                op,
                axes: axes.to_vec(),
                keepdims,
            },
            &[x],
        )
    }

    pub fn reduce_mean(&mut self, x: ValueId, axes: &[i64], keepdims: bool) -> Result<ValueId> {
        self.reduce(ReduceOp::Mean, x, axes, keepdims)
    }

    pub fn reduce_sum(&mut self, x: ValueId, axes: &[i64], keepdims: bool) -> Result<ValueId> {
        self.reduce(ReduceOp::Sum, x, axes, keepdims)
    }

    pub fn softmax(&mut self, x: ValueId, axis: i64) -> Result<ValueId> {
        self.op1(Op::Softmax { axis }, &[x])
    }

    /// LayerNorm over the axes from `axis` to the end, with optional bias.
    pub fn layer_norm(
        &mut self,
        x: ValueId,
        scale: ValueId,
        bias: Option<ValueId>,
        axis: i64,
        epsilon: f32,
    ) -> Result<ValueId> {
        let mut ins = vec![x, scale];
        ins.extend(bias);
        self.op1(Op::LayerNorm { axis, epsilon }, &ins)
    }

    pub fn rms_norm(&mut self, x: ValueId, scale: ValueId, axis: i64, epsilon: f32) -> Result<ValueId> {
        self.op1(Op::RmsNorm { axis, epsilon }, &[x, scale])
    }

    pub fn group_norm(
        &mut self,
        x: ValueId,
        scale: ValueId,
        bias: ValueId,
        num_groups: u32,
        epsilon: f32,
    ) -> Result<ValueId> {
        self.op1(Op::GroupNorm { num_groups, epsilon }, &[x, scale, bias])
    }

    pub fn matmul(&mut self, a: ValueId, b: ValueId) -> Result<ValueId> {
        self.op1(Op::MatMul, &[a, b])
    }

    /// `a @ w + bias` with a 2-D or batched `a`: a MatMul then an Add.
    pub fn linear(&mut self, a: ValueId, w: ValueId, bias: Option<ValueId>) -> Result<ValueId> {
        let y = self.matmul(a, w)?;
        match bias {
            Some(b) => self.add(y, b),
            None => Ok(y),
        }
    }

    /// 2-D convolution with square stride, symmetric padding and dilation 1.
    pub fn conv2d(
        &mut self,
        x: ValueId,
        w: ValueId,
        bias: Option<ValueId>,
        stride: u64,
        pad: u64,
        groups: u32,
    ) -> Result<ValueId> {
        let mut ins = vec![x, w];
        ins.extend(bias);
        self.op1(
            Op::Conv {
                strides: vec![stride; 2],
                pads: vec![pad; 4],
                dilations: vec![1; 2],
                groups,
            },
            &ins,
        )
    }

    pub fn reshape(&mut self, x: ValueId, shape: &[i64]) -> Result<ValueId> {
        self.op1(
            Op::Reshape {
                shape: shape.to_vec(),
                allowzero: false,
            },
            &[x],
        )
    }

    pub fn transpose(&mut self, x: ValueId, perm: &[u64]) -> Result<ValueId> {
        self.op1(Op::Transpose { perm: perm.to_vec() }, &[x])
    }

    pub fn concat(&mut self, xs: &[ValueId], axis: i64) -> Result<ValueId> {
        self.op1(Op::Concat { axis }, xs)
    }

    pub fn split(&mut self, x: ValueId, axis: i64, sizes: &[u64]) -> Result<Vec<ValueId>> {
        self.op(
            Op::Split {
                axis,
                sizes: sizes.to_vec(),
            },
            &[x],
        )
    }

    pub fn slice(&mut self, x: ValueId, starts: &[i64], ends: &[i64], axes: &[i64], steps: &[i64]) -> Result<ValueId> {
        self.op1(
            Op::Slice {
                starts: starts.to_vec(),
                ends: ends.to_vec(),
                axes: axes.to_vec(),
                steps: steps.to_vec(),
            },
            &[x],
        )
    }

    pub fn gather(&mut self, data: ValueId, indices: ValueId, axis: i64) -> Result<ValueId> {
        self.op1(Op::Gather { axis }, &[data, indices])
    }

    pub fn unsqueeze(&mut self, x: ValueId, axes: &[i64]) -> Result<ValueId> {
        self.op1(Op::Unsqueeze { axes: axes.to_vec() }, &[x])
    }

    pub fn squeeze(&mut self, x: ValueId, axes: &[i64]) -> Result<ValueId> {
        self.op1(Op::Squeeze { axes: axes.to_vec() }, &[x])
    }

    pub fn pad(&mut self, x: ValueId, pads: &[i64], mode: PadMode, value: f64) -> Result<ValueId> {
        self.op1(
            Op::Pad {
                pads: pads.to_vec(),
                mode,
                value,
            },
            &[x],
        )
    }

    /// Scaled dot-product attention; see [`Op::Attention`].
    pub fn attention(
        &mut self,
        q: ValueId,
        k: ValueId,
        v: ValueId,
        mask: Option<ValueId>,
        scale: Option<f32>,
        causal: bool,
    ) -> Result<ValueId> {
        let mut ins = vec![q, k, v];
        ins.extend(mask);
        self.op1(Op::Attention { scale, causal }, &ins)
    }
}
