//! The WGSL math library: helper functions generated code calls where a WGSL built-in is not
//! accurate enough or has no defined result (NaN, overflow), by name. Both the kir renderer and
//! the template emitter include the ones they use, once per module, in a fixed order.

use std::collections::BTreeSet;

/// The helper functions, by name. NaN tests use the bits: naga compiles
/// `x != x` to an ordered comparison, which is false for NaN.
pub const HELPERS: &[(&str, &str)] = &[
    (
        // Near 0, `1 - exp(-2|x|)` cancels (relative error ~ ulp(1) / |x|): the Taylor series
        // to x^9 there (error < 1e-11 relative for |x| < 0.125).
        "e_tanh",
        "fn e_tanh(x: f32) -> f32 {\n  if (abs(x) < 0.125) {\n    let x2 = x * x;\n    return x * (1.0 + x2 * (-0.33333333 + x2 * (0.13333333 + x2 * (-0.053968254 + x2 * 0.021869489))));\n  }\n  let t = exp(-2.0 * abs(x));\n  return sign(x) * (1.0 - t) / (1.0 + t);\n}\n",
    ),
    (
        // Vulkan's `log` is only accurate to 2^-21 absolute in [0.5, 2], which is a large
        // relative error near 1 (log(1 + 1e-4) in softplus): there, 2 atanh(u) with
        // u = (x - 1) / (x + 1) (x - 1 is exact), a series in u^2 (|u| < 1/7: error < 1e-9 relative).
        "e_log",
        "fn e_log(x: f32) -> f32 {\n  if (x > 0.75 && x < 1.25) {\n    let u = (x - 1.0) / (x + 1.0);\n    let u2 = u * u;\n    return 2.0 * u * (1.0 + u2 * (0.33333333 + u2 * (0.2 + u2 * (0.14285714 + u2 * 0.11111111))));\n  }\n  return log(x);\n}\n",
    ),
    (
        "e_sigmoid",
        "fn e_sigmoid(x: f32) -> f32 {\n  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }\n  let e = exp(x);\n  return e / (1.0 + e);\n}\n",
    ),
    (
        "e_erf",
        // Abramowitz & Stegun 7.1.26 refined: |error| < 1.2e-7.
        "fn e_erf(x: f32) -> f32 {\n  let z = abs(x);\n  let t = 1.0 / (1.0 + 0.5 * z);\n  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));\n  return sign(x) * (1.0 - r);\n}\n",
    ),
    (
        "e_pow",
        "fn e_pow(a: f32, b: f32) -> f32 {\n  if (b == 0.0) { return 1.0; }\n  if (a < 0.0 && b == floor(b)) {\n    let p = pow(-a, b);\n    if (abs(b % 2.0) == 1.0) { return -p; }\n    return p;\n  }\n  return pow(a, b);\n}\n",
    ),
    (
        "e_ipow",
        "fn e_ipow(a: i32, b: i32) -> i32 {\n  if (b < 0) {\n    if (a == 1) { return 1; }\n    if (a == -1) { return select(-1, 1, b % 2 == 0); }\n    return 0;\n  }\n  var r = 1;\n  var x = a;\n  var e = b;\n  loop {\n    if (e == 0) { break; }\n    if ((e & 1) == 1) { r = r * x; }\n    x = x * x;\n    e = e >> 1u;\n  }\n  return r;\n}\n",
    ),
    (
        "e_f2i",
        "fn e_f2i(x: f32, lo: f32, hi: f32) -> i32 {\n  if ((bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u) { return 0; }\n  return i32(clamp(trunc(x), lo, hi));\n}\n",
    ),
    (
        "e_f2u",
        "fn e_f2u(x: f32) -> u32 {\n  if ((bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u) { return 0u; }\n  return u32(clamp(trunc(x), 0.0, 4294967040.0));\n}\n",
    ),
    (
        // Round to the nearest f16 value, ties to even (subnormals, overflow to inf, NaN kept),
        // with bit arithmetic: `pack2x16float` needs a capability (f16 in f32) not every device has.
        "e_round_f16",
        "fn e_round_f16(x: f32) -> f32 {\n  if (abs(x) < 6.103515625e-05) { return round(x * 16777216.0) * 5.9604644775390625e-08; }\n  if ((bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u) { return x; }\n  let u = bitcast<u32>(x);\n  let y = bitcast<f32>((u + 0xfffu + ((u >> 13u) & 1u)) & 0xffffe000u);\n  if (abs(y) > 65504.0) { return select(-1.0, 1.0, x > 0.0) * bitcast<f32>(0x7f800000u); }\n  return y;\n}\n",
    ),
    (
        "e_round_bf16",
        "fn e_round_bf16(x: f32) -> f32 {\n  if ((bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u) { return x; }\n  let u = bitcast<u32>(x);\n  let r = u + 0x7fffu + ((u >> 16u) & 1u);\n  return bitcast<f32>(r & 0xffff0000u);\n}\n",
    ),
    (
        "e_fmax",
        "fn e_fmax(a: f32, b: f32) -> f32 {\n  if ((bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u) { return a + b; }\n  return max(a, b);\n}\n",
    ),
    (
        "e_fmin",
        "fn e_fmin(a: f32, b: f32) -> f32 {\n  if ((bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u) { return a + b; }\n  return min(a, b);\n}\n",
    ),
];

/// The WGSL text of the named helpers, in a fixed order.
pub fn helper_text(names: &BTreeSet<&'static str>) -> String {
    HELPERS
        .iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(_, t)| *t)
        .collect::<Vec<_>>()
        .join("")
}
