// ---- dispatch k0_c (kernel k0_c), workgroups [1, 2, 1], bindings ["x", "w", "b", "y (w)"]
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;
@group(0) @binding(2) var<storage, read_write> b2: array<f32>;
@group(0) @binding(3) var<storage, read_write> b3: array<f32>;

fn load_x(n: i32, c: i32, d0: i32, d1: i32, d2: i32) -> f32 {
  let v1: f32 = b0[((((c * 10) + d0) * 10) + d1)];
  return v1;
}

fn load_w(o: i32, c: i32, k0: i32, k1: i32, k2: i32) -> f32 {
  let v2: f32 = b1[((((((o * 4) + c) * 3) + k0) * 3) + k1)];
  return v2;
}

fn store_y(n: i32, o: i32, d0: i32, d1: i32, d2: i32, acc: f32) {
  let v3: f32 = b2[o];
  let accv: f32 = (acc + v3);
  let v4: f32 = select(accv, f32(0.0), accv < f32(0.0));
  b3[((((o * 10) + d0) * 10) + d1)] = v4;
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
  let t_ae0 = t_lid;
  let t_am0 = t_m0 + (t_ae0 / 32) * 4;
  let t_ak0 = t_ae0 % 32;
  let t_ai0 = t_ak0 * 16 + t_ae0 / 32;
  let t_ae1 = t_lid + 16;
  let t_am1 = t_m0 + (t_ae1 / 32) * 4;
  let t_ak1 = t_ae1 % 32;
  let t_ai1 = t_ak1 * 16 + t_ae1 / 32;
  let t_ae2 = t_lid + 32;
  let t_am2 = t_m0 + (t_ae2 / 32) * 4;
  let t_ak2 = t_ae2 % 32;
  let t_ai2 = t_ak2 * 16 + t_ae2 / 32;
  let t_ae3 = t_lid + 48;
  let t_am3 = t_m0 + (t_ae3 / 32) * 4;
  let t_ak3 = t_ae3 % 32;
  let t_ai3 = t_ak3 * 16 + t_ae3 / 32;
  let t_ae4 = t_lid + 64;
  let t_am4 = t_m0 + (t_ae4 / 32) * 4;
  let t_ak4 = t_ae4 % 32;
  let t_ai4 = t_ak4 * 16 + t_ae4 / 32;
  let t_ae5 = t_lid + 80;
  let t_am5 = t_m0 + (t_ae5 / 32) * 4;
  let t_ak5 = t_ae5 % 32;
  let t_ai5 = t_ak5 * 16 + t_ae5 / 32;
  let t_ae6 = t_lid + 96;
  let t_am6 = t_m0 + (t_ae6 / 32) * 4;
  let t_ak6 = t_ae6 % 32;
  let t_ai6 = t_ak6 * 16 + t_ae6 / 32;
  let t_ae7 = t_lid + 112;
  let t_am7 = t_m0 + (t_ae7 / 32) * 4;
  let t_ak7 = t_ae7 % 32;
  let t_ai7 = t_ak7 * 16 + t_ae7 / 32;
  let t_ae8 = t_lid + 128;
  let t_am8 = t_m0 + (t_ae8 / 32) * 4;
  let t_ak8 = t_ae8 % 32;
  let t_ai8 = t_ak8 * 16 + t_ae8 / 32;
  let t_ae9 = t_lid + 144;
  let t_am9 = t_m0 + (t_ae9 / 32) * 4;
  let t_ak9 = t_ae9 % 32;
  let t_ai9 = t_ak9 * 16 + t_ae9 / 32;
  let t_ae10 = t_lid + 160;
  let t_am10 = t_m0 + (t_ae10 / 32) * 4;
  let t_ak10 = t_ae10 % 32;
  let t_ai10 = t_ak10 * 16 + t_ae10 / 32;
  let t_ae11 = t_lid + 176;
  let t_am11 = t_m0 + (t_ae11 / 32) * 4;
  let t_ak11 = t_ae11 % 32;
  let t_ai11 = t_ak11 * 16 + t_ae11 / 32;
  let t_ae12 = t_lid + 192;
  let t_am12 = t_m0 + (t_ae12 / 32) * 4;
  let t_ak12 = t_ae12 % 32;
  let t_ai12 = t_ak12 * 16 + t_ae12 / 32;
  let t_ae13 = t_lid + 208;
  let t_am13 = t_m0 + (t_ae13 / 32) * 4;
  let t_ak13 = t_ae13 % 32;
  let t_ai13 = t_ak13 * 16 + t_ae13 / 32;
  let t_ae14 = t_lid + 224;
  let t_am14 = t_m0 + (t_ae14 / 32) * 4;
  let t_ak14 = t_ae14 % 32;
  let t_ai14 = t_ak14 * 16 + t_ae14 / 32;
  let t_ae15 = t_lid + 240;
  let t_am15 = t_m0 + (t_ae15 / 32) * 4;
  let t_ak15 = t_ae15 % 32;
  let t_ai15 = t_ak15 * 16 + t_ae15 / 32;
  let t_ae16 = t_lid + 256;
  let t_am16 = t_m0 + (t_ae16 / 32) * 4;
  let t_ak16 = t_ae16 % 32;
  let t_ai16 = t_ak16 * 16 + t_ae16 / 32;
  let t_ae17 = t_lid + 272;
  let t_am17 = t_m0 + (t_ae17 / 32) * 4;
  let t_ak17 = t_ae17 % 32;
  let t_ai17 = t_ak17 * 16 + t_ae17 / 32;
  let t_ae18 = t_lid + 288;
  let t_am18 = t_m0 + (t_ae18 / 32) * 4;
  let t_ak18 = t_ae18 % 32;
  let t_ai18 = t_ak18 * 16 + t_ae18 / 32;
  let t_ae19 = t_lid + 304;
  let t_am19 = t_m0 + (t_ae19 / 32) * 4;
  let t_ak19 = t_ae19 % 32;
  let t_ai19 = t_ak19 * 16 + t_ae19 / 32;
  let t_ae20 = t_lid + 320;
  let t_am20 = t_m0 + (t_ae20 / 32) * 4;
  let t_ak20 = t_ae20 % 32;
  let t_ai20 = t_ak20 * 16 + t_ae20 / 32;
  let t_ae21 = t_lid + 336;
  let t_am21 = t_m0 + (t_ae21 / 32) * 4;
  let t_ak21 = t_ae21 % 32;
  let t_ai21 = t_ak21 * 16 + t_ae21 / 32;
  let t_ae22 = t_lid + 352;
  let t_am22 = t_m0 + (t_ae22 / 32) * 4;
  let t_ak22 = t_ae22 % 32;
  let t_ai22 = t_ak22 * 16 + t_ae22 / 32;
  let t_ae23 = t_lid + 368;
  let t_am23 = t_m0 + (t_ae23 / 32) * 4;
  let t_ak23 = t_ae23 % 32;
  let t_ai23 = t_ak23 * 16 + t_ae23 / 32;
  let t_ae24 = t_lid + 384;
  let t_am24 = t_m0 + (t_ae24 / 32) * 4;
  let t_ak24 = t_ae24 % 32;
  let t_ai24 = t_ak24 * 16 + t_ae24 / 32;
  let t_ae25 = t_lid + 400;
  let t_am25 = t_m0 + (t_ae25 / 32) * 4;
  let t_ak25 = t_ae25 % 32;
  let t_ai25 = t_ak25 * 16 + t_ae25 / 32;
  let t_ae26 = t_lid + 416;
  let t_am26 = t_m0 + (t_ae26 / 32) * 4;
  let t_ak26 = t_ae26 % 32;
  let t_ai26 = t_ak26 * 16 + t_ae26 / 32;
  let t_ae27 = t_lid + 432;
  let t_am27 = t_m0 + (t_ae27 / 32) * 4;
  let t_ak27 = t_ae27 % 32;
  let t_ai27 = t_ak27 * 16 + t_ae27 / 32;
  let t_ae28 = t_lid + 448;
  let t_am28 = t_m0 + (t_ae28 / 32) * 4;
  let t_ak28 = t_ae28 % 32;
  let t_ai28 = t_ak28 * 16 + t_ae28 / 32;
  let t_ae29 = t_lid + 464;
  let t_am29 = t_m0 + (t_ae29 / 32) * 4;
  let t_ak29 = t_ae29 % 32;
  let t_ai29 = t_ak29 * 16 + t_ae29 / 32;
  let t_ae30 = t_lid + 480;
  let t_am30 = t_m0 + (t_ae30 / 32) * 4;
  let t_ak30 = t_ae30 % 32;
  let t_ai30 = t_ak30 * 16 + t_ae30 / 32;
  let t_ae31 = t_lid + 496;
  let t_am31 = t_m0 + (t_ae31 / 32) * 4;
  let t_ak31 = t_ae31 % 32;
  let t_ai31 = t_ak31 * 16 + t_ae31 / 32;
  let t_be0 = t_lid;
  let t_bk0 = t_be0 / 4;
  let t_bn0 = t_n0 + (t_be0 % 4) * 4;
  let t_bi0 = t_bk0 * 4 + t_be0 % 4;
  let t_be1 = t_lid + 16;
  let t_bk1 = t_be1 / 4;
  let t_bn1 = t_n0 + (t_be1 % 4) * 4;
  let t_bi1 = t_bk1 * 4 + t_be1 % 4;
  let t_be2 = t_lid + 32;
  let t_bk2 = t_be2 / 4;
  let t_bn2 = t_n0 + (t_be2 % 4) * 4;
  let t_bi2 = t_bk2 * 4 + t_be2 % 4;
  let t_be3 = t_lid + 48;
  let t_bk3 = t_be3 / 4;
  let t_bn3 = t_n0 + (t_be3 % 4) * 4;
  let t_bi3 = t_bk3 * 4 + t_be3 % 4;
  let t_be4 = t_lid + 64;
  let t_bk4 = t_be4 / 4;
  let t_bn4 = t_n0 + (t_be4 % 4) * 4;
  let t_bi4 = t_bk4 * 4 + t_be4 % 4;
  let t_be5 = t_lid + 80;
  let t_bk5 = t_be5 / 4;
  let t_bn5 = t_n0 + (t_be5 % 4) * 4;
  let t_bi5 = t_bk5 * 4 + t_be5 % 4;
  let t_be6 = t_lid + 96;
  let t_bk6 = t_be6 / 4;
  let t_bn6 = t_n0 + (t_be6 % 4) * 4;
  let t_bi6 = t_bk6 * 4 + t_be6 % 4;
  let t_be7 = t_lid + 112;
  let t_bk7 = t_be7 / 4;
  let t_bn7 = t_n0 + (t_be7 % 4) * 4;
  let t_bi7 = t_bk7 * 4 + t_be7 % 4;
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
      let t_k = t_k0 + t_ak4;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am4 < 100) { t_v0 = load_a(t_b, t_am4, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am4 + 1 < 100) { t_v1 = load_a(t_b, t_am4 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am4 + 2 < 100) { t_v2 = load_a(t_b, t_am4 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am4 + 3 < 100) { t_v3 = load_a(t_b, t_am4 + 3, t_k); }
      t_as[t_ai4] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak5;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am5 < 100) { t_v0 = load_a(t_b, t_am5, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am5 + 1 < 100) { t_v1 = load_a(t_b, t_am5 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am5 + 2 < 100) { t_v2 = load_a(t_b, t_am5 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am5 + 3 < 100) { t_v3 = load_a(t_b, t_am5 + 3, t_k); }
      t_as[t_ai5] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak6;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am6 < 100) { t_v0 = load_a(t_b, t_am6, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am6 + 1 < 100) { t_v1 = load_a(t_b, t_am6 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am6 + 2 < 100) { t_v2 = load_a(t_b, t_am6 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am6 + 3 < 100) { t_v3 = load_a(t_b, t_am6 + 3, t_k); }
      t_as[t_ai6] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak7;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am7 < 100) { t_v0 = load_a(t_b, t_am7, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am7 + 1 < 100) { t_v1 = load_a(t_b, t_am7 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am7 + 2 < 100) { t_v2 = load_a(t_b, t_am7 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am7 + 3 < 100) { t_v3 = load_a(t_b, t_am7 + 3, t_k); }
      t_as[t_ai7] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak8;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am8 < 100) { t_v0 = load_a(t_b, t_am8, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am8 + 1 < 100) { t_v1 = load_a(t_b, t_am8 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am8 + 2 < 100) { t_v2 = load_a(t_b, t_am8 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am8 + 3 < 100) { t_v3 = load_a(t_b, t_am8 + 3, t_k); }
      t_as[t_ai8] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak9;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am9 < 100) { t_v0 = load_a(t_b, t_am9, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am9 + 1 < 100) { t_v1 = load_a(t_b, t_am9 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am9 + 2 < 100) { t_v2 = load_a(t_b, t_am9 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am9 + 3 < 100) { t_v3 = load_a(t_b, t_am9 + 3, t_k); }
      t_as[t_ai9] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak10;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am10 < 100) { t_v0 = load_a(t_b, t_am10, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am10 + 1 < 100) { t_v1 = load_a(t_b, t_am10 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am10 + 2 < 100) { t_v2 = load_a(t_b, t_am10 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am10 + 3 < 100) { t_v3 = load_a(t_b, t_am10 + 3, t_k); }
      t_as[t_ai10] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak11;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am11 < 100) { t_v0 = load_a(t_b, t_am11, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am11 + 1 < 100) { t_v1 = load_a(t_b, t_am11 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am11 + 2 < 100) { t_v2 = load_a(t_b, t_am11 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am11 + 3 < 100) { t_v3 = load_a(t_b, t_am11 + 3, t_k); }
      t_as[t_ai11] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak12;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am12 < 100) { t_v0 = load_a(t_b, t_am12, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am12 + 1 < 100) { t_v1 = load_a(t_b, t_am12 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am12 + 2 < 100) { t_v2 = load_a(t_b, t_am12 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am12 + 3 < 100) { t_v3 = load_a(t_b, t_am12 + 3, t_k); }
      t_as[t_ai12] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak13;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am13 < 100) { t_v0 = load_a(t_b, t_am13, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am13 + 1 < 100) { t_v1 = load_a(t_b, t_am13 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am13 + 2 < 100) { t_v2 = load_a(t_b, t_am13 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am13 + 3 < 100) { t_v3 = load_a(t_b, t_am13 + 3, t_k); }
      t_as[t_ai13] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak14;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am14 < 100) { t_v0 = load_a(t_b, t_am14, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am14 + 1 < 100) { t_v1 = load_a(t_b, t_am14 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am14 + 2 < 100) { t_v2 = load_a(t_b, t_am14 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am14 + 3 < 100) { t_v3 = load_a(t_b, t_am14 + 3, t_k); }
      t_as[t_ai14] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak15;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am15 < 100) { t_v0 = load_a(t_b, t_am15, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am15 + 1 < 100) { t_v1 = load_a(t_b, t_am15 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am15 + 2 < 100) { t_v2 = load_a(t_b, t_am15 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am15 + 3 < 100) { t_v3 = load_a(t_b, t_am15 + 3, t_k); }
      t_as[t_ai15] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak16;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am16 < 100) { t_v0 = load_a(t_b, t_am16, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am16 + 1 < 100) { t_v1 = load_a(t_b, t_am16 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am16 + 2 < 100) { t_v2 = load_a(t_b, t_am16 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am16 + 3 < 100) { t_v3 = load_a(t_b, t_am16 + 3, t_k); }
      t_as[t_ai16] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak17;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am17 < 100) { t_v0 = load_a(t_b, t_am17, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am17 + 1 < 100) { t_v1 = load_a(t_b, t_am17 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am17 + 2 < 100) { t_v2 = load_a(t_b, t_am17 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am17 + 3 < 100) { t_v3 = load_a(t_b, t_am17 + 3, t_k); }
      t_as[t_ai17] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak18;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am18 < 100) { t_v0 = load_a(t_b, t_am18, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am18 + 1 < 100) { t_v1 = load_a(t_b, t_am18 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am18 + 2 < 100) { t_v2 = load_a(t_b, t_am18 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am18 + 3 < 100) { t_v3 = load_a(t_b, t_am18 + 3, t_k); }
      t_as[t_ai18] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak19;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am19 < 100) { t_v0 = load_a(t_b, t_am19, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am19 + 1 < 100) { t_v1 = load_a(t_b, t_am19 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am19 + 2 < 100) { t_v2 = load_a(t_b, t_am19 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am19 + 3 < 100) { t_v3 = load_a(t_b, t_am19 + 3, t_k); }
      t_as[t_ai19] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak20;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am20 < 100) { t_v0 = load_a(t_b, t_am20, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am20 + 1 < 100) { t_v1 = load_a(t_b, t_am20 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am20 + 2 < 100) { t_v2 = load_a(t_b, t_am20 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am20 + 3 < 100) { t_v3 = load_a(t_b, t_am20 + 3, t_k); }
      t_as[t_ai20] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak21;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am21 < 100) { t_v0 = load_a(t_b, t_am21, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am21 + 1 < 100) { t_v1 = load_a(t_b, t_am21 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am21 + 2 < 100) { t_v2 = load_a(t_b, t_am21 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am21 + 3 < 100) { t_v3 = load_a(t_b, t_am21 + 3, t_k); }
      t_as[t_ai21] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak22;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am22 < 100) { t_v0 = load_a(t_b, t_am22, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am22 + 1 < 100) { t_v1 = load_a(t_b, t_am22 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am22 + 2 < 100) { t_v2 = load_a(t_b, t_am22 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am22 + 3 < 100) { t_v3 = load_a(t_b, t_am22 + 3, t_k); }
      t_as[t_ai22] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak23;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am23 < 100) { t_v0 = load_a(t_b, t_am23, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am23 + 1 < 100) { t_v1 = load_a(t_b, t_am23 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am23 + 2 < 100) { t_v2 = load_a(t_b, t_am23 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am23 + 3 < 100) { t_v3 = load_a(t_b, t_am23 + 3, t_k); }
      t_as[t_ai23] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak24;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am24 < 100) { t_v0 = load_a(t_b, t_am24, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am24 + 1 < 100) { t_v1 = load_a(t_b, t_am24 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am24 + 2 < 100) { t_v2 = load_a(t_b, t_am24 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am24 + 3 < 100) { t_v3 = load_a(t_b, t_am24 + 3, t_k); }
      t_as[t_ai24] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak25;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am25 < 100) { t_v0 = load_a(t_b, t_am25, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am25 + 1 < 100) { t_v1 = load_a(t_b, t_am25 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am25 + 2 < 100) { t_v2 = load_a(t_b, t_am25 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am25 + 3 < 100) { t_v3 = load_a(t_b, t_am25 + 3, t_k); }
      t_as[t_ai25] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak26;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am26 < 100) { t_v0 = load_a(t_b, t_am26, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am26 + 1 < 100) { t_v1 = load_a(t_b, t_am26 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am26 + 2 < 100) { t_v2 = load_a(t_b, t_am26 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am26 + 3 < 100) { t_v3 = load_a(t_b, t_am26 + 3, t_k); }
      t_as[t_ai26] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak27;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am27 < 100) { t_v0 = load_a(t_b, t_am27, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am27 + 1 < 100) { t_v1 = load_a(t_b, t_am27 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am27 + 2 < 100) { t_v2 = load_a(t_b, t_am27 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am27 + 3 < 100) { t_v3 = load_a(t_b, t_am27 + 3, t_k); }
      t_as[t_ai27] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak28;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am28 < 100) { t_v0 = load_a(t_b, t_am28, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am28 + 1 < 100) { t_v1 = load_a(t_b, t_am28 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am28 + 2 < 100) { t_v2 = load_a(t_b, t_am28 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am28 + 3 < 100) { t_v3 = load_a(t_b, t_am28 + 3, t_k); }
      t_as[t_ai28] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak29;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am29 < 100) { t_v0 = load_a(t_b, t_am29, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am29 + 1 < 100) { t_v1 = load_a(t_b, t_am29 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am29 + 2 < 100) { t_v2 = load_a(t_b, t_am29 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am29 + 3 < 100) { t_v3 = load_a(t_b, t_am29 + 3, t_k); }
      t_as[t_ai29] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak30;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am30 < 100) { t_v0 = load_a(t_b, t_am30, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am30 + 1 < 100) { t_v1 = load_a(t_b, t_am30 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am30 + 2 < 100) { t_v2 = load_a(t_b, t_am30 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am30 + 3 < 100) { t_v3 = load_a(t_b, t_am30 + 3, t_k); }
      t_as[t_ai30] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak31;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_am31 < 100) { t_v0 = load_a(t_b, t_am31, t_k); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_am31 + 1 < 100) { t_v1 = load_a(t_b, t_am31 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_am31 + 2 < 100) { t_v2 = load_a(t_b, t_am31 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_am31 + 3 < 100) { t_v3 = load_a(t_b, t_am31 + 3, t_k); }
      t_as[t_ai31] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
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
    {
      let t_k = t_k0 + t_bk1;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn1 < 8) { t_v0 = load_b(t_b, t_k, t_bn1); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn1 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn1 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn1 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn1 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn1 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn1 + 3); }
      t_bs[t_bi1] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk2;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn2 < 8) { t_v0 = load_b(t_b, t_k, t_bn2); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn2 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn2 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn2 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn2 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn2 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn2 + 3); }
      t_bs[t_bi2] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk3;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn3 < 8) { t_v0 = load_b(t_b, t_k, t_bn3); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn3 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn3 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn3 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn3 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn3 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn3 + 3); }
      t_bs[t_bi3] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk4;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn4 < 8) { t_v0 = load_b(t_b, t_k, t_bn4); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn4 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn4 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn4 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn4 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn4 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn4 + 3); }
      t_bs[t_bi4] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk5;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn5 < 8) { t_v0 = load_b(t_b, t_k, t_bn5); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn5 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn5 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn5 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn5 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn5 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn5 + 3); }
      t_bs[t_bi5] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk6;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn6 < 8) { t_v0 = load_b(t_b, t_k, t_bn6); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn6 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn6 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn6 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn6 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn6 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn6 + 3); }
      t_bs[t_bi6] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk7;
      var t_v0 = f32(0.0);
      if (t_k < 36 && t_bn7 < 8) { t_v0 = load_b(t_b, t_k, t_bn7); }
      var t_v1 = f32(0.0);
      if (t_k < 36 && t_bn7 + 1 < 8) { t_v1 = load_b(t_b, t_k, t_bn7 + 1); }
      var t_v2 = f32(0.0);
      if (t_k < 36 && t_bn7 + 2 < 8) { t_v2 = load_b(t_b, t_k, t_bn7 + 2); }
      var t_v3 = f32(0.0);
      if (t_k < 36 && t_bn7 + 3 < 8) { t_v3 = load_b(t_b, t_k, t_bn7 + 3); }
      t_bs[t_bi7] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
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
  if (t_r + 16 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 16, t_c, t_c4_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 16, t_c + 1, t_c4_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 16, t_c + 2, t_c4_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 16, t_c + 3, t_c4_0.w); }
  }
  if (t_r + 17 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 17, t_c, t_c5_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 17, t_c + 1, t_c5_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 17, t_c + 2, t_c5_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 17, t_c + 3, t_c5_0.w); }
  }
  if (t_r + 18 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 18, t_c, t_c6_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 18, t_c + 1, t_c6_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 18, t_c + 2, t_c6_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 18, t_c + 3, t_c6_0.w); }
  }
  if (t_r + 19 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 19, t_c, t_c7_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 19, t_c + 1, t_c7_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 19, t_c + 2, t_c7_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 19, t_c + 3, t_c7_0.w); }
  }
  if (t_r + 32 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 32, t_c, t_c8_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 32, t_c + 1, t_c8_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 32, t_c + 2, t_c8_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 32, t_c + 3, t_c8_0.w); }
  }
  if (t_r + 33 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 33, t_c, t_c9_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 33, t_c + 1, t_c9_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 33, t_c + 2, t_c9_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 33, t_c + 3, t_c9_0.w); }
  }
  if (t_r + 34 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 34, t_c, t_c10_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 34, t_c + 1, t_c10_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 34, t_c + 2, t_c10_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 34, t_c + 3, t_c10_0.w); }
  }
  if (t_r + 35 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 35, t_c, t_c11_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 35, t_c + 1, t_c11_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 35, t_c + 2, t_c11_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 35, t_c + 3, t_c11_0.w); }
  }
  if (t_r + 48 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 48, t_c, t_c12_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 48, t_c + 1, t_c12_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 48, t_c + 2, t_c12_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 48, t_c + 3, t_c12_0.w); }
  }
  if (t_r + 49 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 49, t_c, t_c13_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 49, t_c + 1, t_c13_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 49, t_c + 2, t_c13_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 49, t_c + 3, t_c13_0.w); }
  }
  if (t_r + 50 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 50, t_c, t_c14_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 50, t_c + 1, t_c14_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 50, t_c + 2, t_c14_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 50, t_c + 3, t_c14_0.w); }
  }
  if (t_r + 51 < 100) {
    if (t_c < 8) { store_c(t_b, t_r + 51, t_c, t_c15_0.x); }
    if (t_c + 1 < 8) { store_c(t_b, t_r + 51, t_c + 1, t_c15_0.y); }
    if (t_c + 2 < 8) { store_c(t_b, t_r + 51, t_c + 2, t_c15_0.z); }
    if (t_c + 3 < 8) { store_c(t_b, t_r + 51, t_c + 3, t_c15_0.w); }
  }
}

