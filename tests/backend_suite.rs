//! One backend test suite, written once and instantiated per backend: every op and every
//! fused-kernel kind (elementwise chains, GEMMs with prologues and epilogues, horizontal QKV
//! projections, row reductions, attention — fused op and decomposed chain —, convolutions,
//! window ops, layout kernels) and whole models, run on fresh random inputs and compared with the
//! reference interpreter on the unoptimized graph.
//!
//! Backends (`harness.rs`):
//! - `reference_kernels`: the `wgsl` pipeline's fused kernel graph run kernel by kernel by the
//!   reference interpreter (what fusion computes, on the CPU);
//! - `wgsl_f32`, `wgsl_f16`: the WGSL code generator on the Vulkan adapter (lavapipe where there is
//!   no GPU), outputs poisoned before every run. No adapter is a failure, never a skip;
//! - `wgsl_f32_unoptimized`: the same without the pass pipeline (the graph fused as written).
//!
//! Adding a backend is one line: `mod cuda { cases!(Cuda::new()); }`. Adding a case is a function
//! in `cases.rs` and its name in `cases!`.
//!
//! `EDGECC_SUITE_SEED=N` draws other inputs (and weights); a failure prints the seed.

#[path = "backend_suite/cases.rs"]
mod cases;
#[path = "backend_suite/harness.rs"]
mod harness;
#[path = "backend_suite/sweeps.rs"]
mod sweeps;

/// One `#[test]` per case for the backend `$backend`.
macro_rules! cases {
    ($backend:expr) => {
        cases!(@each $backend;
            // elementwise
            unary_float, unary_positive, unary_int, logical_bool, binary_float_broadcast, pow_float,
            binary_i32_sign_rules, binary_i64_sign_rules, mod_float, compare, where_clip,
            cast_from_f32, cast_from_f32_small, cast_from_f16, cast_from_bf16, cast_from_i64,
            cast_from_i32, cast_from_i8, cast_from_u8, cast_from_bool, cast_chain, batchnorm, trilu,
            elementwise_chain, constant_ops,
            // reductions
            reduce_last_axis, reduce_several_axes, reduce_int, argmax_argmin, argmax_ties, softmax_axes,
            softmax_epilogue, layernorm_residual, layernorm_decomposed, layernorm_multi_axis, rmsnorm,
            // matmul
            matmul_bias_gelu, matmul_large, matmul_batched_broadcast, matmul_vectors, gemm_variants,
            matmul_transposed_operand, matmul_layernorm_prologue, matmul_epilogue_residual_cast,
            qkv_horizontal, matmul_int,
            // attention
            attention_decomposed, attention_decomposed_head_split, attention_causal, attention_masks,
            attention_cross, attention_broadcast_batch,
            // convolution
            conv2d_bias_relu, conv2d_groups_dilation, conv2d_depthwise, conv1d, conv_transpose2d,
            conv_transpose_groups, conv_transpose1d,
            // window
            maxpool, avgpool, groupnorm, instancenorm, cumsum, topk, resize_nearest, resize_linear,
            // layout
            transpose, concat, pad_modes, slice_steps, gather_embedding, gather_axis1, gather_elements,
            split_outputs, tile_expand, reshape_views,
            // larger and edge shapes, fusion patterns
            reduce_long_rows, size1_dims, matmul_aligned_and_thin, attention_long,
            attention_decomposed_where, conv_larger, window_long, qkv_split, qkv_separate, split_store_parts, shared_intermediates,
            f16_graph, bf16_graph, embedding_block, layout_of_computed, many_rows, low_rank,
            softmax_masked_prologue, matmul_prologue_ops,
            // random shapes and attributes (drawn from the seed)
            sweep_matmul, sweep_conv, sweep_pool, sweep_slice, sweep_reduce, sweep_transpose,
            sweep_attention,
            // models
            model_mlp, model_mlp_small, model_gpt2_block, model_bert_encoder,
        );
    };
    (@each $backend:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                crate::harness::check(&$backend, crate::cases::$case());
            }
        )*
    };
}

mod reference_kernels {
    use crate::harness::ReferenceKernels;
    cases!(ReferenceKernels);
}

mod wgsl_f32 {
    use crate::harness::Wgsl;
    cases!(Wgsl::f32());
}

mod wgsl_f16 {
    use crate::harness::Wgsl;
    cases!(Wgsl::f16());
}

/// The graphs as written (no pass pipeline): decomposed norms, foldable ops and unsimplified
/// chains reach the code generator.
mod wgsl_f32_unoptimized {
    use crate::harness::Wgsl;
    cases!(Wgsl::f32_unoptimized());
}

/// The harness itself: a comparison that passes everything would make every case pass.
#[test]
fn compare_catches_mismatches() {
    use edgecc_ir::{DType, TensorData};
    use harness::{compare, Tol};
    let tol = Tol {
        rel: 1e-4,
        abs: 1e-5,
        scale: 0.01,
    };
    let f = |v: &[f64]| TensorData::from_f64(DType::F32, vec![v.len()], v).unwrap();
    let i = |v: &[i64]| TensorData::from_i64(DType::I64, vec![v.len()], v).unwrap();
    assert!(compare(&f(&[1.0, -2.0, 3.0]), &f(&[1.0, -2.0, 3.0]), tol).is_ok());
    assert!(compare(&f(&[1.0, -2.0, 3.00001]), &f(&[1.0, -2.0, 3.0]), tol).is_ok());
    assert!(compare(&f(&[1.0, -2.0, 3.01]), &f(&[1.0, -2.0, 3.0]), tol).is_err());
    assert!(
        compare(&f(&[f64::NAN, -2.0, 3.0]), &f(&[1.0, -2.0, 3.0]), tol).is_err(),
        "poison must not pass"
    );
    assert!(compare(&f(&[f64::NAN]), &f(&[f64::NAN]), tol).is_ok());
    assert!(compare(&f(&[1.0, 2.0]), &f(&[1.0, 2.0, 3.0]), tol).is_err());
    assert!(compare(&i(&[1, 2, 3]), &i(&[1, 2, 4]), tol).is_err());
    assert!(compare(&i(&[-1, 2, 3]), &i(&[-1, 2, 3]), tol).is_ok());
    assert!(compare(&i(&[1]), &f(&[1.0]), tol).is_err(), "dtypes must match");
}
