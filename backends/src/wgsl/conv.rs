//! Convolution (Conv and ConvTranspose, 1-D to 3-D, grouped and depthwise) as an implicit GEMM
//! through the GEMM template ([`super::gemm::emit_gemm`]).
//!
//! The mapping, per group `g` (GEMM batch = `groups`):
//!
//! - GEMM rows `M_gemm = N * prod(out_spatial)`: row `m` is `(n, o0, o1, o2)`, the last spatial
//!   axis fastest;
//! - GEMM columns `N_gemm = M / groups`: column `j` is output channel `g * M/groups + j`;
//! - GEMM depth `K_gemm = C/groups * prod(kernel)`: `k` is `(ci, k0, k1, k2)`, the last kernel axis
//!   fastest, `ci` the input channel within the group (absolute channel `g * C/groups + ci`).
//!
//! Input coordinates: Conv reads `i = o * stride - pad + k * dilation`; ConvTranspose is written
//! in gather form: output `o` takes input `i` where `o + pad - k * dilation == i * stride` (only
//! when that is divisible by the stride and `0 <= i < in`). Out-of-range coordinates (padding)
//! contribute zero without calling the caller.
//!
//! The emitted code defines `load_a`, `load_b` and `store_c` for the GEMM itself, and calls these
//! caller-defined functions (`FT` is [`ConvSpec::ft`]; spatial slots beyond the rank are 0):
//!
//! ```wgsl
//! // X[n, c, d0, d1, d2]: c is the absolute input channel (0..C); only called in range.
//! fn load_x(n: i32, c: i32, d0: i32, d1: i32, d2: i32) -> FT
//! // Conv:          W[o, c, k0, k1, k2], W of shape [M, C/groups, kernel...]:
//! //                o = absolute output channel (0..M), c = input channel within the group (0..C/groups).
//! // ConvTranspose: W[o, c, k0, k1, k2], W of shape [C, M/groups, kernel...]:
//! //                o = absolute INPUT channel (0..C), c = output channel within the group (0..M/groups).
//! // In both cases the arguments are the weight tensor's own indices, in its own axis order.
//! fn load_w(o: i32, c: i32, k0: i32, k1: i32, k2: i32) -> FT
//! // Y[n, o, d0, d1, d2] = epilogue(acc): o is the absolute output channel (0..M); the caller
//! // adds the bias and applies the fused epilogue. Only called in range, once per element.
//! fn store_y(n: i32, o: i32, d0: i32, d1: i32, d2: i32, acc: f32)
//! ```

use super::gemm::{emit_gemm, GemmSpec};
use super::template::Emitted;
use edgecc_autotune::{DeviceCaps, GemmSchedule};
use std::fmt::Write;

/// One convolution. `in_spatial`, `kernel`, `out_spatial`, `strides`, `pads_begin` and
/// `dilations` all have the spatial rank (1, 2 or 3). For ConvTranspose (`transposed`),
/// `out_spatial` is the full output size (output padding and explicit output shapes included)
/// and `pads_begin` the padding removed at the start of each output axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvSpec<'a> {
    /// Batch size.
    pub n: u64,
    /// Input channels.
    pub c: u64,
    /// Output channels.
    pub m: u64,
    pub groups: u64,
    pub in_spatial: Vec<u64>,
    pub kernel: Vec<u64>,
    pub out_spatial: Vec<u64>,
    pub strides: Vec<u64>,
    pub pads_begin: Vec<u64>,
    pub dilations: Vec<u64>,
    pub transposed: bool,
    /// `"f32"` or `"f16"` (accumulation is f32).
    pub ft: &'a str,
}

impl ConvSpec<'_> {
    /// The implicit GEMM's `(batch, m, n, k)`.
    pub fn gemm_dims(&self) -> (u64, u64, u64, u64) {
        let groups = self.groups.max(1);
        (
            groups,
            self.n * self.out_spatial.iter().product::<u64>(),
            self.m / groups,
            self.c / groups * self.kernel.iter().product::<u64>(),
        )
    }

    fn check(&self) -> Result<(), String> {
        let kind = if self.transposed { "ConvTranspose" } else { "Conv" };
        let rank = self.in_spatial.len();
        if !(1..=3).contains(&rank) {
            return Err(format!("{kind}: spatial rank {rank} is not supported (1, 2 or 3)"));
        }
        for (name, v) in [
            ("kernel", &self.kernel),
            ("out_spatial", &self.out_spatial),
            ("strides", &self.strides),
            ("pads_begin", &self.pads_begin),
            ("dilations", &self.dilations),
        ] {
            if v.len() != rank {
                return Err(format!(
                    "{kind}: {name} has {} axes, the input has {rank} spatial axes",
                    v.len()
                ));
            }
        }
        if self.groups == 0 || !self.c.is_multiple_of(self.groups) || !self.m.is_multiple_of(self.groups) {
            return Err(format!(
                "{kind}: groups {} must divide the input channels {} and the output channels {}",
                self.groups, self.c, self.m
            ));
        }
        if self.strides.contains(&0) || self.dilations.contains(&0) || self.kernel.contains(&0) {
            return Err(format!("{kind}: strides, dilations and kernel sizes must be positive"));
        }
        // Every coordinate the code computes must fit an i32.
        let lim = 1u64 << 30;
        let mut big = [self.n, self.c, self.m].iter().any(|&x| x >= lim);
        for d in 0..rank {
            let span = self.out_spatial[d]
                .saturating_mul(self.strides[d])
                .saturating_add(self.pads_begin[d])
                .saturating_add(self.kernel[d].saturating_mul(self.dilations[d]))
                .saturating_add(self.in_spatial[d].saturating_mul(self.strides[d]));
            big |= span >= lim;
        }
        if big {
            return Err(format!("{kind}: sizes too large for 32-bit indexing"));
        }
        Ok(())
    }
}

/// Emits `let`s splitting the flat index `flat` into coordinates of `dims` (last fastest); the
/// coordinate names are `names[i]`, `outer` gets what is left above `dims[0]`.
fn decode(w: &mut String, flat: &str, dims: &[u64], names: &[String], outer: &str) {
    let mut rest = flat.to_string();
    for (i, &d) in dims.iter().enumerate().rev() {
        // Extent 0: the output is empty and never decoded (`% 0` would not validate).
        if d <= 1 {
            let _ = writeln!(w, "  let {} = 0;", names[i]);
            continue;
        }
        let _ = writeln!(w, "  let {} = {rest} % {d};", names[i]);
        let next = format!("{outer}_q{i}");
        let _ = writeln!(w, "  let {next} = {rest} / {d};");
        rest = next;
    }
    let _ = writeln!(w, "  let {outer} = {rest};");
}

/// Emits the convolution for `spec` with GEMM schedule `s` (see the module docs for the caller
/// functions it calls). Errors on an inconsistent spec, or when the GEMM cannot be emitted.
pub fn emit_conv(spec: &ConvSpec, s: &GemmSchedule, caps: &DeviceCaps) -> Result<Emitted, String> {
    emit_conv_over(spec, None, s, caps)
}

/// [`emit_conv`] with a dynamic batch: `n_expr` is the run-time `N` as a WGSL `i32` expression
/// (`spec.n` being its bound), so the GEMM's M is `n_expr * prod(out_spatial)` at run time (see
/// [`GemmSpec::m_expr`]).
pub fn emit_conv_over(
    spec: &ConvSpec,
    n_expr: Option<&str>,
    s: &GemmSchedule,
    caps: &DeviceCaps,
) -> Result<Emitted, String> {
    spec.check()?;
    let (batch, gm, gn, gk) = spec.gemm_dims();
    let ft = spec.ft;
    let m_expr = n_expr.map(|e| format!("({e} * {})", spec.out_spatial.iter().product::<u64>()));
    let gemm = emit_gemm(
        &GemmSpec {
            batch,
            dynamic_batch: false,
            m: gm,
            m_expr: m_expr.as_deref(),
            n: gn,
            n_expr: None,
            k: gk,
            k_expr: None,
            ft,
            a_vec4: false,
            b_vec4: false,
        },
        s,
        caps,
    )?;
    let rank = spec.in_spatial.len();
    let cg = spec.c / spec.groups;
    let mg = spec.m / spec.groups;
    let onames: Vec<String> = (0..rank).map(|d| format!("t_o{d}")).collect();
    let knames: Vec<String> = (0..rank).map(|d| format!("t_k{d}")).collect();
    let slots = |names: &[String]| -> String {
        (0..3)
            .map(|d| if d < rank { names[d].clone() } else { "0".to_string() })
            .collect::<Vec<_>>()
            .join(", ")
    };

    let mut o = String::new();
    let w = &mut o;
    let kind = if spec.transposed { "ConvTranspose" } else { "Conv" };
    let _ = writeln!(
        w,
        "// {kind} N={} C={} M={} groups={} in={:?} kernel={:?} out={:?} strides={:?} pads={:?} dilations={:?}, \
         as implicit GEMM {batch}x{gm}x{gn}x{gk}",
        spec.n,
        spec.c,
        spec.m,
        spec.groups,
        spec.in_spatial,
        spec.kernel,
        spec.out_spatial,
        spec.strides,
        spec.pads_begin,
        spec.dilations
    );

    // A[g, m, k] = X at the input coordinate of output position m and kernel tap k (0 in padding).
    let _ = writeln!(w, "fn load_a(b: i32, m: i32, k: i32) -> {ft} {{");
    decode(w, "m", &spec.out_spatial, &onames, "t_n");
    decode(w, "k", &spec.kernel, &knames, "t_ci");
    let mut inames = Vec::new();
    for d in 0..rank {
        let (st, pad, dil, ext) = (
            spec.strides[d],
            spec.pads_begin[d],
            spec.dilations[d],
            spec.in_spatial[d],
        );
        let i = format!("t_i{d}");
        let kd = if dil == 1 {
            format!("t_k{d}")
        } else {
            format!("t_k{d} * {dil}")
        };
        if !spec.transposed {
            let os = if st == 1 {
                format!("t_o{d}")
            } else {
                format!("t_o{d} * {st}")
            };
            let _ = writeln!(w, "  let {i} = {os} - {pad} + {kd};");
        } else {
            let _ = writeln!(w, "  let t_t{d} = t_o{d} + {pad} - {kd};");
            if st == 1 {
                let _ = writeln!(w, "  let {i} = t_t{d};");
            } else {
                let _ = writeln!(w, "  if (t_t{d} < 0 || t_t{d} % {st} != 0) {{ return {ft}(0.0); }}");
                let _ = writeln!(w, "  let {i} = t_t{d} / {st};");
            }
        }
        let _ = writeln!(w, "  if ({i} < 0 || {i} >= {ext}) {{ return {ft}(0.0); }}");
        inames.push(i);
    }
    let _ = writeln!(w, "  return load_x(t_n, b * {cg} + t_ci, {});", slots(&inames));
    let _ = writeln!(w, "}}");
    let _ = writeln!(w);

    // B[g, k, j] = the weight of tap k for output channel j of group g.
    let _ = writeln!(w, "fn load_b(b: i32, k: i32, n: i32) -> {ft} {{");
    decode(w, "k", &spec.kernel, &knames, "t_ci");
    if spec.transposed {
        let _ = writeln!(w, "  return load_w(b * {cg} + t_ci, n, {});", slots(&knames));
    } else {
        let _ = writeln!(w, "  return load_w(b * {mg} + n, t_ci, {});", slots(&knames));
    }
    let _ = writeln!(w, "}}");
    let _ = writeln!(w);

    let _ = writeln!(w, "fn store_c(b: i32, m: i32, n: i32, acc: f32) {{");
    decode(w, "m", &spec.out_spatial, &onames, "t_n");
    let _ = writeln!(w, "  store_y(t_n, b * {mg} + n, {}, acc);", slots(&onames));
    let _ = writeln!(w, "}}");
    let _ = writeln!(w);

    o.push_str(&gemm.code);
    Ok(Emitted { code: o, ..gemm })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wgsl::validate::validate;
    use edgecc_autotune::profile;

    fn caller(ft: &str) -> String {
        let mut s = String::new();
        if ft == "f16" {
            s += "enable f16;\n";
        }
        s += &format!(
            "@group(0) @binding(0) var<storage, read_write> b0: array<{ft}>;\n\
             @group(0) @binding(1) var<storage, read_write> b1: array<{ft}>;\n\
             @group(0) @binding(2) var<storage, read_write> b2: array<f32>;\n\
             fn load_x(n: i32, c: i32, d0: i32, d1: i32, d2: i32) -> {ft} {{ return b0[n + c + d0 + d1 + d2]; }}\n\
             fn load_w(o: i32, c: i32, k0: i32, k1: i32, k2: i32) -> {ft} {{ return b1[o + c + k0 + k1 + k2]; }}\n\
             fn store_y(n: i32, o: i32, d0: i32, d1: i32, d2: i32, acc: f32) {{ b2[n + o + d0 + d1 + d2] = acc; }}\n"
        );
        s
    }

    fn spec(rank: usize, transposed: bool, groups: u64, ft: &str) -> ConvSpec<'_> {
        ConvSpec {
            n: 2,
            c: 4,
            m: 6,
            groups,
            in_spatial: vec![7; rank],
            kernel: vec![3; rank],
            out_spatial: vec![if transposed { 13 } else { 4 }; rank],
            strides: vec![2; rank],
            pads_begin: vec![1; rank],
            dilations: vec![1; rank],
            transposed,
            ft,
        }
    }

    #[test]
    fn validates_for_every_rank_and_kind() {
        let caps = profile("lavapipe").unwrap();
        for ft in ["f32", "f16"] {
            for rank in 1..=3 {
                for transposed in [false, true] {
                    for groups in [1, 2] {
                        let sp = spec(rank, transposed, groups, ft);
                        let (b, m, n, k) = sp.gemm_dims();
                        assert_eq!(
                            (b, m, n, k),
                            (
                                groups,
                                2 * sp.out_spatial[0].pow(rank as u32),
                                6 / groups,
                                4 / groups * 3u64.pow(rank as u32)
                            )
                        );
                        let s = GemmSchedule::default_for(&caps, m, n, k, 4);
                        let e = emit_conv(&sp, &s, &caps).unwrap();
                        let wgsl = format!("{}{}", caller(ft), e.code);
                        validate("conv", &wgsl, &caps).unwrap_or_else(|err| panic!("{sp:?}: {err}\n{wgsl}"));
                    }
                }
            }
        }
    }

    #[test]
    fn bad_specs_are_errors() {
        let caps = profile("lavapipe").unwrap();
        let s = GemmSchedule::default_for(&caps, 16, 16, 16, 4);
        let ok = spec(2, false, 2, "f32");
        assert!(emit_conv(&ok, &s, &caps).is_ok());
        let e = emit_conv(
            &ConvSpec {
                groups: 0,
                ..ok.clone()
            },
            &s,
            &caps,
        )
        .unwrap_err();
        assert!(e.contains("groups"), "{e}");
        let e = emit_conv(
            &ConvSpec {
                kernel: vec![3],
                ..ok.clone()
            },
            &s,
            &caps,
        )
        .unwrap_err();
        assert!(e.contains("kernel has 1 axes"), "{e}");
        let e = emit_conv(
            &ConvSpec {
                strides: vec![0, 1],
                ..ok.clone()
            },
            &s,
            &caps,
        )
        .unwrap_err();
        assert!(e.contains("positive"), "{e}");
        let e = emit_conv(
            &ConvSpec {
                in_spatial: vec![],
                kernel: vec![],
                out_spatial: vec![],
                strides: vec![],
                pads_begin: vec![],
                dilations: vec![],
                ..ok.clone()
            },
            &s,
            &caps,
        )
        .unwrap_err();
        assert!(e.contains("rank 0"), "{e}");
        let e = emit_conv(
            &ConvSpec {
                out_spatial: vec![1 << 40, 4],
                ..ok.clone()
            },
            &s,
            &caps,
        )
        .unwrap_err();
        assert!(e.contains("32-bit"), "{e}");
        let e = emit_conv(&ConvSpec { ft: "f64", ..ok }, &s, &caps).unwrap_err();
        assert!(e.contains("f32 or f16"), "{e}");
    }
}
