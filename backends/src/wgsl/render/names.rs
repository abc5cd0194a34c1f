//! Names and literals as WGSL writes them.
//!
//! **Names.** A kir name is an identifier that kir's own words do not take (see
//! [`is_reserved`](crate::kir::verify::is_reserved)), but it may still be a WGSL keyword, a
//! reserved word or a predeclared name (`loop`, `fma`, `vec2`), or start with `__`, which WGSL
//! forbids. [`name`] keeps every other name as it is and writes these as `k_NAME`; a name that
//! already starts with `k_` gets the prefix too, so the mapping is one-to-one and the renderer's
//! own names (`Params`, `main`, and `k_` followed by a plain name, such as `k_end0`) are never
//! the image of a kir name.
//!
//! **Literals.** `3u`, `3i`, `2.5f`, `2.5h`, `true`; a negative number in parentheses
//! (`(-3i)`); `i32::MIN` as `i32(-2147483648)` (its magnitude is no `i32` literal); and inf and
//! NaN, which have no WGSL literal, as bit casts: `bitcast<f32>(0x7f800000u)`, and for `f16`
//! `f16(bitcast<f32>(..))`.

use crate::kir::Literal;

/// Names the renderer itself declares at module scope, which a kir name must not become.
const OWN: [&str; 2] = ["Params", "main"];

/// The built-in parameters of the entry point: kir reserves these words, so no kir name is one.
pub(super) const BUILTIN_PARAMS: [&str; 5] = ["global_id", "local_id", "workgroup_id", "num_workgroups", "local_index"];

/// Whether `name` needs the `k_` prefix in WGSL.
fn needs_prefix(name: &str) -> bool {
    name.starts_with("__")
        || name == "_"
        || name.starts_with("k_")
        || OWN.contains(&name)
        || BUILTIN_PARAMS.contains(&name)
        || naga::keywords::wgsl::RESERVED.contains(&name)
        || naga::keywords::wgsl::BUILTIN_IDENTIFIERS.contains(&name)
}

/// The WGSL name of the kir name `name`.
pub fn name(name: &str) -> String {
    if needs_prefix(name) {
        format!("k_{name}")
    } else {
        name.to_string()
    }
}

/// A float's digits for a literal: the shortest decimal that reads back as `v` (Rust's `{:?}`,
/// which WGSL's float grammar accepts: `1.0`, `1e-5`, `3.4028235e38`), with `suffix`, in
/// parentheses when negative; `None` for inf and NaN.
fn float(v: f32, suffix: char) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let digits = format!("{:?}{suffix}", v.abs());
    Some(if v.is_sign_negative() {
        format!("(-{digits})")
    } else {
        digits
    })
}

/// The bit cast that makes the non-finite `v` as an `f32`.
fn non_finite_f32(v: f32) -> String {
    let bits = if v.is_nan() {
        0x7fc0_0000u32
    } else if v > 0.0 {
        0x7f80_0000
    } else {
        0xff80_0000
    };
    format!("bitcast<f32>(0x{bits:08x}u)")
}

/// The WGSL text of `l`.
pub fn literal(l: Literal) -> String {
    match l {
        Literal::U32(v) => format!("{v}u"),
        Literal::I32(i32::MIN) => "i32(-2147483648)".to_string(),
        Literal::I32(v) if v < 0 => format!("(-{}i)", v.unsigned_abs()),
        Literal::I32(v) => format!("{v}i"),
        Literal::Bool(b) => b.to_string(),
        Literal::F32(v) => float(v, 'f').unwrap_or_else(|| non_finite_f32(v)),
        Literal::F16(h) => {
            let v = f32::from(h);
            float(v, 'h').unwrap_or_else(|| format!("f16({})", non_finite_f32(v)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_or_prefixed() {
        assert_eq!(name("x"), "x");
        assert_eq!(name("load_x"), "load_x");
        for (kir, wgsl) in [
            ("loop", "k_loop"),
            ("fma", "k_fma"),
            ("vec2", "k_vec2"),
            ("__x", "k___x"),
            ("k_x", "k_k_x"),
            ("main", "k_main"),
            ("Params", "k_Params"),
            ("workgroup", "k_workgroup"),
            ("inverseSqrt", "k_inverseSqrt"),
        ] {
            assert_eq!(name(kir), wgsl, "{kir}");
        }
    }

    #[test]
    fn literal_forms() {
        use half::f16;
        assert_eq!(literal(Literal::U32(3)), "3u");
        assert_eq!(literal(Literal::I32(3)), "3i");
        assert_eq!(literal(Literal::I32(-3)), "(-3i)");
        assert_eq!(literal(Literal::I32(i32::MIN)), "i32(-2147483648)");
        assert_eq!(literal(Literal::Bool(false)), "false");
        assert_eq!(literal(Literal::F32(2.0)), "2.0f");
        assert_eq!(literal(Literal::F32(-1e-5)), "(-1e-5f)");
        assert_eq!(literal(Literal::F32(-0.0)), "(-0.0f)");
        assert_eq!(literal(Literal::F32(f32::INFINITY)), "bitcast<f32>(0x7f800000u)");
        assert_eq!(literal(Literal::F32(f32::NEG_INFINITY)), "bitcast<f32>(0xff800000u)");
        assert_eq!(literal(Literal::F32(f32::NAN)), "bitcast<f32>(0x7fc00000u)");
        assert_eq!(literal(Literal::F16(f16::from_f32(0.5))), "0.5h");
        assert_eq!(
            literal(Literal::F16(f16::NEG_INFINITY)),
            "f16(bitcast<f32>(0xff800000u))"
        );
        for v in [0.1f32, 0.7978846, 3.4028235e38, 1e-30, 123456.79] {
            let text = literal(Literal::F32(v));
            let digits = text.trim_end_matches('f');
            assert_eq!(digits.parse::<f32>(), Ok(v), "{text}");
        }
    }
}
