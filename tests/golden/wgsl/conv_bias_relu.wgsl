// ---- dispatch k0_c (kernel k0_c), workgroups [1, 2, 1], bindings ["x", "w", "b", "y (w)"]
@group(0) @binding(0) var<storage, read_write> buf0: array<f32>;
@group(0) @binding(1) var<storage, read_write> buf1: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf2: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf3: array<f32>;

fn load_x(n: i32, c: i32, d0: i32, d1: i32, d2: i32) -> f32 {
  let v1: f32 = buf0[((((c * 10) + d0) * 10) + d1)];
  return v1;
}

fn load_w(o: i32, c: i32, k0: i32, k1: i32, k2: i32) -> f32 {
  let v2: f32 = buf1[((((((o * 4) + c) * 3) + k0) * 3) + k1)];
  return v2;
}

fn store_y(n: i32, o: i32, d0: i32, d1: i32, d2: i32, acc: f32) {
  let v3: f32 = buf2[o];
  let accv: f32 = (acc + v3);
  let v4: f32 = select(accv, f32(0.0), accv < f32(0.0));
  buf3[((((o * 10) + d0) * 10) + d1)] = v4;
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

// GEMM 1x100x8x36 (f32), tiles 64x16x16, register block 4x4, 64 invocations, stages 1, global vec A 1 B 1
var<workgroup> t_as: array<vec4<f32>, 256>;
var<workgroup> t_bs: array<vec4<f32>, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let t_tn = i32(wid.x);
  let t_tm = i32(wid.y);
  let t_b = i32(wid.z);
  let t_m0 = t_tm * 64;
  let t_n0 = t_tn * 16;
  let t_lid = i32(lidx);
  let t_tx = t_lid % 4;
  let t_ty = t_lid / 4;
  let t_ae0 = t_lid;
  let t_am0 = t_m0 + (t_ae0 / 16) * 4;
  let t_ak0 = t_ae0 % 16;
  let t_ai0 = t_ak0 * 16 + t_ae0 / 16;
  let t_ae1 = t_lid + 64;
  let t_am1 = t_m0 + (t_ae1 / 16) * 4;
  let t_ak1 = t_ae1 % 16;
  let t_ai1 = t_ak1 * 16 + t_ae1 / 16;
  let t_ae2 = t_lid + 128;
  let t_am2 = t_m0 + (t_ae2 / 16) * 4;
  let t_ak2 = t_ae2 % 16;
  let t_ai2 = t_ak2 * 16 + t_ae2 / 16;
  let t_ae3 = t_lid + 192;
  let t_am3 = t_m0 + (t_ae3 / 16) * 4;
  let t_ak3 = t_ae3 % 16;
  let t_ai3 = t_ak3 * 16 + t_ae3 / 16;
  let t_be0 = t_lid;
  let t_bk0 = t_be0 / 4;
  let t_bn0 = t_n0 + (t_be0 % 4) * 4;
  let t_bi0 = t_bk0 * 4 + t_be0 % 4;
  var t_c0_0 = vec4<f32>(0.0);
  var t_c1_0 = vec4<f32>(0.0);
  var t_c2_0 = vec4<f32>(0.0);
  var t_c3_0 = vec4<f32>(0.0);
  for (var t_kt = 0; t_kt < 3; t_kt++) {
    let t_k0 = t_kt * 16;
    {
      let t_k = t_k0 + t_ak0;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am0 < 100) { t_v0 = load_a(t_b, t_am0, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am0 + 1 < 100) { t_v1 = load_a(t_b, t_am0 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am0 + 2 < 100) { t_v2 = load_a(t_b, t_am0 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am0 + 3 < 100) { t_v3 = load_a(t_b, t_am0 + 3, t_k); }
      t_as[t_ai0] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak1;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am1 < 100) { t_v0 = load_a(t_b, t_am1, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am1 + 1 < 100) { t_v1 = load_a(t_b, t_am1 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am1 + 2 < 100) { t_v2 = load_a(t_b, t_am1 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am1 + 3 < 100) { t_v3 = load_a(t_b, t_am1 + 3, t_k); }
      t_as[t_ai1] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak2;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am2 < 100) { t_v0 = load_a(t_b, t_am2, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am2 + 1 < 100) { t_v1 = load_a(t_b, t_am2 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am2 + 2 < 100) { t_v2 = load_a(t_b, t_am2 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am2 + 3 < 100) { t_v3 = load_a(t_b, t_am2 + 3, t_k); }
      t_as[t_ai2] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak3;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am3 < 100) { t_v0 = load_a(t_b, t_am3, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am3 + 1 < 100) { t_v1 = load_a(t_b, t_am3 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am3 + 2 < 100) { t_v2 = load_a(t_b, t_am3 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am3 + 3 < 100) { t_v3 = load_a(t_b, t_am3 + 3, t_k); }
      t_as[t_ai3] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk0;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn0 < 8) { t_v0 = load_b(t_b, t_k, t_bn0); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn0 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn0 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn0 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn0 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn0 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn0 + 3); }
      t_bs[t_bi0] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    workgroupBarrier();
    for (var t_kk = 0; t_kk < 16; t_kk++) {
      let t_ka = t_kk * 16 + t_ty;
      let t_kb = t_kk * 4 + t_tx;
      let t_a0 = t_as[t_ka];
      let t_b0 = t_bs[t_kb];
      t_c0_0 = fma(vec4<f32>(t_a0.x), t_b0, t_c0_0);
      t_c1_0 = fma(vec4<f32>(t_a0.y), t_b0, t_c1_0);
      t_c2_0 = fma(vec4<f32>(t_a0.z), t_b0, t_c2_0);
      t_c3_0 = fma(vec4<f32>(t_a0.w), t_b0, t_c3_0);
    }
    workgroupBarrier();
  }
  let t_r = t_m0 + 4 * t_ty;
  let t_c = t_n0 + 4 * t_tx;
  if (t_r < 100) {
    if (t_c < 8) { store_c(t_b, t_r, t_c, t_c0_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r, t_c + 1, t_c0_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r, t_c + 2, t_c0_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r, t_c + 3, t_c0_0.w); }
  }
  if (t_r + 1 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 1, t_c, t_c1_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 1, t_c + 1, t_c1_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 1, t_c + 2, t_c1_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 1, t_c + 3, t_c1_0.w); }
  }
  if (t_r + 2 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 2, t_c, t_c2_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 2, t_c + 1, t_c2_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 2, t_c + 2, t_c2_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 2, t_c + 3, t_c2_0.w); }
  }
  if (t_r + 3 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 3, t_c, t_c3_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 3, t_c + 1, t_c3_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 3, t_c + 2, t_c3_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 3, t_c + 3, t_c3_0.w); }
  }
}

