// ---- dispatch k0_mm (kernel k0_mm), workgroups [1, 1, 1], bindings ["x", "w", "b", "y (w)"]
// kir kernel `gemm`, rendered to WGSL by edgecc.

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
  let v1: f32 = b0[u32(((m * 32i) + k))];
  return v1;
}

fn load_b(b: i32, k: i32, n: i32) -> f32 {
  let v2: f32 = b1[u32(((k * 16i) + n))];
  return v2;
}

fn store_c(b: i32, m: i32, n: i32, acc: f32) {
  let v3: f32 = b2[u32(n)];
  let v4: f32 = (acc + v3);
  let v5: f32 = ((0.5f * v4) * (1.0f + e_erf((v4 * 0.70710677f))));
  b3[u32(((m * 16i) + n))] = v5;
}

fn load_a4(b: i32, m: i32, k: i32) -> vec4<f32> {
  return vec4<f32>(load_a(b, m, k), load_a(b, m, (k + 1i)), load_a(b, m, (k + 2i)), load_a(b, m, (k + 3i)));
}

fn load_b4(b: i32, k: i32, n: i32) -> vec4<f32> {
  return vec4<f32>(load_b(b, k, n), load_b(b, k, (n + 1i)), load_b(b, k, (n + 2i)), load_b(b, k, (n + 3i)));
}

// GEMM 1x8x16x32 (f32), tiles 16x16x32, register block 4x4, 16 invocations, stages 1, global vec A 4 B 4
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
  let t_am0 = t_m0 + (t_ae0 / 8) * 4;
  let t_ak0 = (t_ae0 % 8) * 4;
  let t_ai0 = t_ak0 * 4 + t_ae0 / 8;
  let t_ae1 = t_lid + 16;
  let t_am1 = t_m0 + (t_ae1 / 8) * 4;
  let t_ak1 = (t_ae1 % 8) * 4;
  let t_ai1 = t_ak1 * 4 + t_ae1 / 8;
  var t_c0_0 = vec4<f32>(0.0);
  var t_c1_0 = vec4<f32>(0.0);
  var t_c2_0 = vec4<f32>(0.0);
  var t_c3_0 = vec4<f32>(0.0);
  for (var t_kt = 0; t_kt < 1; t_kt++) {
    let t_k0 = t_kt * 32;
    {
      let t_k = t_k0 + t_ak0;
      var t_v0 = vec4<f32>(0.0);
      if (t_am0 < 8) { t_v0 = load_a4(t_b, t_am0, t_k); }
      var t_v1 = vec4<f32>(0.0);
      if (t_am0 + 1 < 8) { t_v1 = load_a4(t_b, t_am0 + 1, t_k); }
      var t_v2 = vec4<f32>(0.0);
      if (t_am0 + 2 < 8) { t_v2 = load_a4(t_b, t_am0 + 2, t_k); }
      var t_v3 = vec4<f32>(0.0);
      if (t_am0 + 3 < 8) { t_v3 = load_a4(t_b, t_am0 + 3, t_k); }
      t_as[t_ai0] = vec4<f32>(t_v0.x, t_v1.x, t_v2.x, t_v3.x);
      t_as[t_ai0 + 4] = vec4<f32>(t_v0.y, t_v1.y, t_v2.y, t_v3.y);
      t_as[t_ai0 + 8] = vec4<f32>(t_v0.z, t_v1.z, t_v2.z, t_v3.z);
      t_as[t_ai0 + 12] = vec4<f32>(t_v0.w, t_v1.w, t_v2.w, t_v3.w);
    }
    {
      let t_k = t_k0 + t_ak1;
      var t_v0 = vec4<f32>(0.0);
      if (t_am1 < 8) { t_v0 = load_a4(t_b, t_am1, t_k); }
      var t_v1 = vec4<f32>(0.0);
      if (t_am1 + 1 < 8) { t_v1 = load_a4(t_b, t_am1 + 1, t_k); }
      var t_v2 = vec4<f32>(0.0);
      if (t_am1 + 2 < 8) { t_v2 = load_a4(t_b, t_am1 + 2, t_k); }
      var t_v3 = vec4<f32>(0.0);
      if (t_am1 + 3 < 8) { t_v3 = load_a4(t_b, t_am1 + 3, t_k); }
      t_as[t_ai1] = vec4<f32>(t_v0.x, t_v1.x, t_v2.x, t_v3.x);
      t_as[t_ai1 + 4] = vec4<f32>(t_v0.y, t_v1.y, t_v2.y, t_v3.y);
      t_as[t_ai1 + 8] = vec4<f32>(t_v0.z, t_v1.z, t_v2.z, t_v3.z);
      t_as[t_ai1 + 12] = vec4<f32>(t_v0.w, t_v1.w, t_v2.w, t_v3.w);
    }
    for (var t_sl = 0; t_sl < 8; t_sl++) {
      let t_be = t_lid + t_sl * 16;
      let t_bk = t_be / 4;
      let t_bn = t_n0 + (t_be % 4) * 4;
      let t_bi = t_bk * 4 + t_be % 4;
      {
        let t_k = t_k0 + t_bk;
        var t_v0 = vec4<f32>(0.0);
        t_v0 = load_b4(t_b, t_k, t_bn);
        t_bs[t_bi] = t_v0;
      }
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

