// ---- dispatch k0_mm (kernel k0_mm), workgroups [1, 1, 1], bindings ["x", "w", "b", "y (w)"]
@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;
@group(0) @binding(2) var<storage, read_write> b2: array<f32>;
@group(0) @binding(3) var<storage, read_write> b3: array<f32>;

fn e_erf(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return sign(x) * (1.0 - r);
}
fn load_a(b: i32, m: i32, k: i32) -> f32 {
  let v1: f32 = b0[((m * 32) + k)];
  return v1;
}

fn load_b(b: i32, k: i32, n: i32) -> f32 {
  let v2: f32 = b1[((k * 16) + n)];
  return v2;
}

fn store_c(b: i32, m: i32, n: i32, acc: f32) {
  let accv: f32 = (acc);
  let v3: f32 = b2[n];
  let v4: f32 = (accv + v3);
  let v5: f32 = (f32(0.5) * v4 * (f32(1.0) + e_erf(v4 * f32(0.70710677))));
  b3[((m * 16) + n)] = v5;
}

// GEMM 1x8x16x32 (f32), tiles 16x16x32, register block 4x4, 16 invocations, stages 1, global vec A 1 B 1
var<workgroup> t_as: array<vec4<f32>, 128>;
var<workgroup> t_bs: array<vec4<f32>, 128>;

@compute @workgroup_size(16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lidx: u32) {
  let t_tn = i32(wid.x);
  let t_tm = i32(wid.y);
  let t_b = i32(wid.z);
  let t_m0 = t_tm * 16;
  let t_n0 = t_tn * 16;
  let t_lid = i32(lidx);
  let t_tx = t_lid % 4;
  let t_ty = t_lid / 4;
  let t_ae0 = t_lid;
  let t_am0 = t_m0 + (t_ae0 / 32) * 4;
  let t_ak0 = t_ae0 % 32;
  let t_ai0 = t_ak0 * 4 + t_ae0 / 32;
  let t_ae1 = t_lid + 16;
  let t_am1 = t_m0 + (t_ae1 / 32) * 4;
  let t_ak1 = t_ae1 % 32;
  let t_ai1 = t_ak1 * 4 + t_ae1 / 32;
  let t_ae2 = t_lid + 32;
  let t_am2 = t_m0 + (t_ae2 / 32) * 4;
  let t_ak2 = t_ae2 % 32;
  let t_ai2 = t_ak2 * 4 + t_ae2 / 32;
  let t_ae3 = t_lid + 48;
  let t_am3 = t_m0 + (t_ae3 / 32) * 4;
  let t_ak3 = t_ae3 % 32;
  let t_ai3 = t_ak3 * 4 + t_ae3 / 32;
  let t_ae4 = t_lid + 64;
  let t_am4 = t_m0 + (t_ae4 / 32) * 4;
  let t_ak4 = t_ae4 % 32;
  let t_ai4 = t_ak4 * 4 + t_ae4 / 32;
  let t_ae5 = t_lid + 80;
  let t_am5 = t_m0 + (t_ae5 / 32) * 4;
  let t_ak5 = t_ae5 % 32;
  let t_ai5 = t_ak5 * 4 + t_ae5 / 32;
  let t_ae6 = t_lid + 96;
  let t_am6 = t_m0 + (t_ae6 / 32) * 4;
  let t_ak6 = t_ae6 % 32;
  let t_ai6 = t_ak6 * 4 + t_ae6 / 32;
  let t_ae7 = t_lid + 112;
  let t_am7 = t_m0 + (t_ae7 / 32) * 4;
  let t_ak7 = t_ae7 % 32;
  let t_ai7 = t_ak7 * 4 + t_ae7 / 32;
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
  for (var t_kt = 0; t_kt < 1; t_kt++) {
    let t_k0 = t_kt * 32;
    {
      let t_k = t_k0 + t_ak0;
      var t_v0 = f32(0.0);
      if (t_am0 < 8) { t_v0 = load_a(t_b, t_am0, t_k); }
      var t_v1 = f32(0.0);
      if (t_am0 + 1 < 8) { t_v1 = load_a(t_b, t_am0 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am0 + 2 < 8) { t_v2 = load_a(t_b, t_am0 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am0 + 3 < 8) { t_v3 = load_a(t_b, t_am0 + 3, t_k); }
      t_as[t_ai0] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak1;
      var t_v0 = f32(0.0);
      if (t_am1 < 8) { t_v0 = load_a(t_b, t_am1, t_k); }
      var t_v1 = f32(0.0);
      if (t_am1 + 1 < 8) { t_v1 = load_a(t_b, t_am1 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am1 + 2 < 8) { t_v2 = load_a(t_b, t_am1 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am1 + 3 < 8) { t_v3 = load_a(t_b, t_am1 + 3, t_k); }
      t_as[t_ai1] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak2;
      var t_v0 = f32(0.0);
      if (t_am2 < 8) { t_v0 = load_a(t_b, t_am2, t_k); }
      var t_v1 = f32(0.0);
      if (t_am2 + 1 < 8) { t_v1 = load_a(t_b, t_am2 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am2 + 2 < 8) { t_v2 = load_a(t_b, t_am2 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am2 + 3 < 8) { t_v3 = load_a(t_b, t_am2 + 3, t_k); }
      t_as[t_ai2] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak3;
      var t_v0 = f32(0.0);
      if (t_am3 < 8) { t_v0 = load_a(t_b, t_am3, t_k); }
      var t_v1 = f32(0.0);
      if (t_am3 + 1 < 8) { t_v1 = load_a(t_b, t_am3 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am3 + 2 < 8) { t_v2 = load_a(t_b, t_am3 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am3 + 3 < 8) { t_v3 = load_a(t_b, t_am3 + 3, t_k); }
      t_as[t_ai3] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak4;
      var t_v0 = f32(0.0);
      if (t_am4 < 8) { t_v0 = load_a(t_b, t_am4, t_k); }
      var t_v1 = f32(0.0);
      if (t_am4 + 1 < 8) { t_v1 = load_a(t_b, t_am4 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am4 + 2 < 8) { t_v2 = load_a(t_b, t_am4 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am4 + 3 < 8) { t_v3 = load_a(t_b, t_am4 + 3, t_k); }
      t_as[t_ai4] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak5;
      var t_v0 = f32(0.0);
      if (t_am5 < 8) { t_v0 = load_a(t_b, t_am5, t_k); }
      var t_v1 = f32(0.0);
      if (t_am5 + 1 < 8) { t_v1 = load_a(t_b, t_am5 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am5 + 2 < 8) { t_v2 = load_a(t_b, t_am5 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am5 + 3 < 8) { t_v3 = load_a(t_b, t_am5 + 3, t_k); }
      t_as[t_ai5] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak6;
      var t_v0 = f32(0.0);
      if (t_am6 < 8) { t_v0 = load_a(t_b, t_am6, t_k); }
      var t_v1 = f32(0.0);
      if (t_am6 + 1 < 8) { t_v1 = load_a(t_b, t_am6 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am6 + 2 < 8) { t_v2 = load_a(t_b, t_am6 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am6 + 3 < 8) { t_v3 = load_a(t_b, t_am6 + 3, t_k); }
      t_as[t_ai6] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_ak7;
      var t_v0 = f32(0.0);
      if (t_am7 < 8) { t_v0 = load_a(t_b, t_am7, t_k); }
      var t_v1 = f32(0.0);
      if (t_am7 + 1 < 8) { t_v1 = load_a(t_b, t_am7 + 1, t_k); }
      var t_v2 = f32(0.0);
      if (t_am7 + 2 < 8) { t_v2 = load_a(t_b, t_am7 + 2, t_k); }
      var t_v3 = f32(0.0);
      if (t_am7 + 3 < 8) { t_v3 = load_a(t_b, t_am7 + 3, t_k); }
      t_as[t_ai7] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk0;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn0);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn0 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn0 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn0 + 3);
      t_bs[t_bi0] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk1;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn1);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn1 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn1 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn1 + 3);
      t_bs[t_bi1] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk2;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn2);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn2 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn2 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn2 + 3);
      t_bs[t_bi2] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk3;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn3);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn3 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn3 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn3 + 3);
      t_bs[t_bi3] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk4;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn4);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn4 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn4 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn4 + 3);
      t_bs[t_bi4] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk5;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn5);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn5 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn5 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn5 + 3);
      t_bs[t_bi5] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk6;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn6);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn6 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn6 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn6 + 3);
      t_bs[t_bi6] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    {
      let t_k = t_k0 + t_bk7;
      var t_v0 = f32(0.0);
      t_v0 = load_b(t_b, t_k, t_bn7);
      var t_v1 = f32(0.0);
      t_v1 = load_b(t_b, t_k, t_bn7 + 1);
      var t_v2 = f32(0.0);
      t_v2 = load_b(t_b, t_k, t_bn7 + 2);
      var t_v3 = f32(0.0);
      t_v3 = load_b(t_b, t_k, t_bn7 + 3);
      t_bs[t_bi7] = vec4<f32>(t_v0, t_v1, t_v2, t_v3);
    }
    workgroupBarrier();
    for (var t_kk = 0; t_kk < 32; t_kk++) {
      let t_ka = t_kk * 4 + t_ty;
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
  if (t_r < 8) {
    store_c(t_b, t_r, t_c, t_c0_0.x);
    store_c(t_b, t_r, t_c + 1, t_c0_0.y);
    store_c(t_b, t_r, t_c + 2, t_c0_0.z);
    store_c(t_b, t_r, t_c + 3, t_c0_0.w);
  }
  if (t_r + 1 < 8) {
    store_c(t_b, t_r + 1, t_c, t_c1_0.x);
    store_c(t_b, t_r + 1, t_c + 1, t_c1_0.y);
    store_c(t_b, t_r + 1, t_c + 2, t_c1_0.z);
    store_c(t_b, t_r + 1, t_c + 3, t_c1_0.w);
  }
  if (t_r + 2 < 8) {
    store_c(t_b, t_r + 2, t_c, t_c2_0.x);
    store_c(t_b, t_r + 2, t_c + 1, t_c2_0.y);
    store_c(t_b, t_r + 2, t_c + 2, t_c2_0.z);
    store_c(t_b, t_r + 2, t_c + 3, t_c2_0.w);
  }
  if (t_r + 3 < 8) {
    store_c(t_b, t_r + 3, t_c, t_c3_0.x);
    store_c(t_b, t_r + 3, t_c + 1, t_c3_0.y);
    store_c(t_b, t_r + 3, t_c + 2, t_c3_0.z);
    store_c(t_b, t_r + 3, t_c + 3, t_c3_0.w);
  }
}

