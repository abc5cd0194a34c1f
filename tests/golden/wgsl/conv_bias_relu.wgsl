// ---- dispatch k0_c (kernel k0_c), workgroups [1, 2, 1], bindings ["x", "w", "b", "y (w)"]
// kir kernel `conv`, rendered to WGSL by edgecc.

@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;
@group(0) @binding(2) var<storage, read_write> b2: array<f32>;
@group(0) @binding(3) var<storage, read_write> b3: array<f32>;

fn load_x(n: i32, c: i32, d0: i32, d1: i32, d2: i32) -> f32 {
  let v1: f32 = b0[u32(((((c * 10i) + d0) * 10i) + d1))];
  return v1;
}

fn load_w(o: i32, c: i32, k0: i32, k1: i32, k2: i32) -> f32 {
  let v2: f32 = b1[u32(((((((o * 4i) + c) * 3i) + k0) * 3i) + k1))];
  return v2;
}

fn store_y(n: i32, o: i32, d0: i32, d1: i32, d2: i32, acc: f32) {
  let v3: f32 = b2[u32(o)];
  let v4: f32 = (acc + v3);
  let v5: f32 = select(v4, 0.0f, (v4 < 0.0f));
  b3[u32(((((o * 10i) + d0) * 10i) + d1))] = v5;
}

// Conv N=1 C=4 M=8 groups=1 in=[10, 10] kernel=[3, 3] out=[10, 10] strides=[1, 1] pads=[1, 1] dilations=[1, 1], as implicit GEMM 1x100x8x36
fn load_a(b: i32, m: i32, k: i32) -> f32 {
  let t_o1 = m % 10;
  let t_n_q1 = m / 10;
  let t_o0 = t_n_q1 % 10;
  let t_n_q0 = t_n_q1 / 10;
  let t_n = t_n_q0;
  let t_k1 = k % 3;
  let t_ci_q1 = k / 3;
  let t_k0 = t_ci_q1 % 3;
  let t_ci_q0 = t_ci_q1 / 3;
  let t_ci = t_ci_q0;
  let t_i0 = t_o0 - 1 + t_k0;
  if (t_i0 < 0 || t_i0 >= 10) { return f32(0.0); }
  let t_i1 = t_o1 - 1 + t_k1;
  if (t_i1 < 0 || t_i1 >= 10) { return f32(0.0); }
  return load_x(t_n, b * 4 + t_ci, t_i0, t_i1, 0);
}

fn load_b(b: i32, k: i32, n: i32) -> f32 {
  let t_k1 = k % 3;
  let t_ci_q1 = k / 3;
  let t_k0 = t_ci_q1 % 3;
  let t_ci_q0 = t_ci_q1 / 3;
  let t_ci = t_ci_q0;
  return load_w(b * 8 + n, t_ci, t_k0, t_k1, 0);
}

fn store_c(b: i32, m: i32, n: i32, acc: f32) {
  let t_o1 = m % 10;
  let t_n_q1 = m / 10;
  let t_o0 = t_n_q1 % 10;
  let t_n_q0 = t_n_q1 / 10;
  let t_n = t_n_q0;
  store_y(t_n, b * 8 + n, t_o0, t_o1, 0, acc);
}

// GEMM 1x100x8x36 (f32), tiles 64x16x32, register block 16x4, 16 invocations, stages 1, global vec A 1 B 1
var<workgroup> t_as: array<vec4<f32>, 512>;
var<workgroup> t_bs: array<vec4<f32>, 128>;

@compute @workgroup_size(16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let t_tn = i32(wid.x);
  let t_tm = i32(wid.y);
  let t_b = i32(wid.z);
  let t_m0 = t_tm * 64;
  let t_n0 = t_tn * 16;
  let t_lid = i32(lidx);
  let t_tx = t_lid % 4;
  let t_ty = t_lid / 4;
  var t_c0_0 = vec4<f32>(0.0);
  var t_c1_0 = vec4<f32>(0.0);
  var t_c2_0 = vec4<f32>(0.0);
  var t_c3_0 = vec4<f32>(0.0);
  var t_c4_0 = vec4<f32>(0.0);
  var t_c5_0 = vec4<f32>(0.0);
  var t_c6_0 = vec4<f32>(0.0);
  var t_c7_0 = vec4<f32>(0.0);
  var t_c8_0 = vec4<f32>(0.0);
  var t_c9_0 = vec4<f32>(0.0);
  var t_c10_0 = vec4<f32>(0.0);
  var t_c11_0 = vec4<f32>(0.0);
  var t_c12_0 = vec4<f32>(0.0);
  var t_c13_0 = vec4<f32>(0.0);
  var t_c14_0 = vec4<f32>(0.0);
  var t_c15_0 = vec4<f32>(0.0);
  for (var t_kt = 0; t_kt < 2; t_kt++) {
    let t_k0 = t_kt * 32;
    for (var t_sl = 0; t_sl < 32; t_sl++) {
      let t_ae = t_lid + t_sl * 16;
      let t_am = t_m0 + (t_ae / 32) * 4;
      let t_ak = t_ae % 32;
      let t_ai = t_ak * 16 + t_ae / 32;
      {
        let t_k = t_k0 + t_ak;
        var t_v0 = f32(0.0);
        if (t_k < 36 && t_am < 100) { t_v0 = load_a(t_b, t_am, t_k); }
        var t_v1 = f32(0.0);
        if (t_k < 36 && t_am + 1 < 100) { t_v1 = load_a(t_b, t_am + 1, t_k); }
        var t_v2 = f32(0.0);
        if (t_k < 36 && t_am + 2 < 100) { t_v2 = load_a(t_b, t_am + 2, t_k); }
        var t_v3 = f32(0.0);
        if (t_k < 36 && t_am + 3 < 100) { t_v3 = load_a(t_b, t_am + 3, t_k); }
        t_as[t_ai] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
      }
    }
    for (var t_sl = 0; t_sl < 8; t_sl++) {
      let t_be = t_lid + t_sl * 16;
      let t_bk = t_be / 4;
      let t_bn = t_n0 + (t_be % 4) * 4;
      let t_bi = t_bk * 4 + t_be % 4;
      {
        let t_k = t_k0 + t_bk;
        var t_v0 = f32(0.0);
        if (t_k < 36 && t_bn < 8) { t_v0 = load_b(t_b, t_k, t_bn); }
        var t_v1 = f32(0.0);
        if (t_k < 36 && t_bn + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn + 1); }
        var t_v2 = f32(0.0);
        if (t_k < 36 && t_bn + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn + 2); }
        var t_v3 = f32(0.0);
        if (t_k < 36 && t_bn + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn + 3); }
        t_bs[t_bi] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
      }
    }
    workgroupBarrier();
    for (var t_kk = 0; t_kk < 32; t_kk++) {
      let t_ka = t_kk * 16 + t_ty;
      let t_kb = t_kk * 4 + t_tx;
      let t_a0 = t_as[t_ka];
      let t_a1 = t_as[t_ka + 4];
      let t_a2 = t_as[t_ka + 8];
      let t_a3 = t_as[t_ka + 12];
      let t_b0 = t_bs[t_kb];
      t_c0_0 = fma(vec4<f32>(t_a0.x), t_b0, t_c0_0);
      t_c1_0 = fma(vec4<f32>(t_a0.y), t_b0, t_c1_0);
      t_c2_0 = fma(vec4<f32>(t_a0.z), t_b0, t_c2_0);
      t_c3_0 = fma(vec4<f32>(t_a0.w), t_b0, t_c3_0);
      t_c4_0 = fma(vec4<f32>(t_a1.x), t_b0, t_c4_0);
      t_c5_0 = fma(vec4<f32>(t_a1.y), t_b0, t_c5_0);
      t_c6_0 = fma(vec4<f32>(t_a1.z), t_b0, t_c6_0);
      t_c7_0 = fma(vec4<f32>(t_a1.w), t_b0, t_c7_0);
      t_c8_0 = fma(vec4<f32>(t_a2.x), t_b0, t_c8_0);
      t_c9_0 = fma(vec4<f32>(t_a2.y), t_b0, t_c9_0);
      t_c10_0 = fma(vec4<f32>(t_a2.z), t_b0, t_c10_0);
      t_c11_0 = fma(vec4<f32>(t_a2.w), t_b0, t_c11_0);
      t_c12_0 = fma(vec4<f32>(t_a3.x), t_b0, t_c12_0);
      t_c13_0 = fma(vec4<f32>(t_a3.y), t_b0, t_c13_0);
      t_c14_0 = fma(vec4<f32>(t_a3.z), t_b0, t_c14_0);
      t_c15_0 = fma(vec4<f32>(t_a3.w), t_b0, t_c15_0);
    }
    workgroupBarrier();
  }
  let t_r = t_m0 + 4 * t_ty;
  let t_c = t_n0 + 4 * t_tx;
  var t_acc: array<vec4<f32>, 16>;
  t_acc[0] = t_c0_0;
  t_acc[1] = t_c1_0;
  t_acc[2] = t_c2_0;
  t_acc[3] = t_c3_0;
  t_acc[4] = t_c4_0;
  t_acc[5] = t_c5_0;
  t_acc[6] = t_c6_0;
  t_acc[7] = t_c7_0;
  t_acc[8] = t_c8_0;
  t_acc[9] = t_c9_0;
  t_acc[10] = t_c10_0;
  t_acc[11] = t_c11_0;
  t_acc[12] = t_c12_0;
  t_acc[13] = t_c13_0;
  t_acc[14] = t_c14_0;
  t_acc[15] = t_c15_0;
  for (var t_i = 0; t_i < 16; t_i++) {
    let t_row = t_r + (t_i / 4) * 16 + t_i % 4;
    if (t_row < 100) {
      {
        let t_v = t_acc[t_i];
        let t_col = t_c;
        if (t_col < 8) { store_c(t_b, t_row, t_col, t_v.x); }
        if (t_col + 1 < 8) { store_c(t_b, t_row, t_col + 1, t_v.y); }
        if (t_col + 2 < 8) { store_c(t_b, t_row, t_col + 2, t_v.z); }
        if (t_col + 3 < 8) { store_c(t_b, t_row, t_col + 3, t_v.w); }
      }
    }
  }
}

