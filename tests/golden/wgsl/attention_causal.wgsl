// ---- dispatch k0_o (kernel k0_o), workgroups [2, 1, 1], bindings ["q", "k", "v", "o (w)"]
// kir kernel `attention`, rendered to WGSL by edgecc.

@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;
@group(0) @binding(2) var<storage, read_write> b2: array<f32>;
@group(0) @binding(3) var<storage, read_write> b3: array<f32>;

fn load_q(b: i32, i: i32, c: i32) -> f32 {
  let v1: f32 = b0[u32(((((b * 16i) + i) * 32i) + c))];
  return v1;
}

fn load_k(b: i32, j: i32, c: i32) -> f32 {
  let v2: f32 = b1[u32(((((b * 16i) + j) * 32i) + c))];
  return v2;
}

fn load_v(b: i32, j: i32, c: i32) -> f32 {
  let v3: f32 = b2[u32(((((b * 16i) + j) * 32i) + c))];
  return v3;
}

fn store_o(b: i32, i: i32, c: i32, v: f32) {
  b3[u32(((((b * 16i) + i) * 32i) + c))] = v;
}

var<workgroup> t_q: array<f32, 512>;
var<workgroup> t_kv: array<f32, 528>;
var<workgroup> t_p: array<f32, 256>;
var<workgroup> t_m: array<f32, 16>;
var<workgroup> t_l: array<f32, 16>;
var<workgroup> t_a: array<f32, 16>;
var<workgroup> t_pm: array<f32, 128>;
var<workgroup> t_ps: array<f32, 128>;
fn t_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t_lidu: u32) {
    let t_flat = wid.x + wid.y * nwg.x;
    let t_live = t_flat < 2u;
    let t_b = i32(t_flat / 1u);
    let t_i0 = i32(t_flat % 1u) * 16;
    let t_lid = i32(t_lidu);
    var t_nkb = 1;
    let t_last = (min(t_i0 + 16, 16) - 1);
    t_nkb = select(0, min(1, t_last / 16 + 1), t_last >= 0);
    if (!t_live) { t_nkb = 0; }
    for (var t_e = t_lid; t_e < 512; t_e += 128) {
        let t_i = t_i0 + t_e / 32;
        var t_v = f32(0.0);
        if (t_live && t_i < 16) { t_v = load_q(t_b, t_i, t_e % 32); }
        t_q[t_e] = t_v;
    }
    if (t_lid < 16) { t_m[t_lid] = bitcast<f32>(0xff800000u); t_l[t_lid] = 0.0; }
    var t_o: array<f32, 4>;
    workgroupBarrier();
    for (var t_kb = 0; t_kb < t_nkb; t_kb++) {
        let t_j0 = t_kb * 16;
        for (var t_e = t_lid; t_e < 512; t_e += 128) {
            let t_jj = t_e / 32;
            let t_c = t_e % 32;
            var t_v = f32(0.0);
            if (t_j0 + t_jj < 16) { t_v = load_k(t_b, t_j0 + t_jj, t_c); }
            t_kv[t_jj * 33 + t_c] = t_v;
        }
        workgroupBarrier();
        for (var t_e = t_lid; t_e < 256; t_e += 128) {
            let t_ii = t_e / 16;
            let t_jj = t_e % 16;
            let t_i = t_i0 + t_ii;
            let t_j = t_j0 + t_jj;
            var t_s = bitcast<f32>(0xff800000u);
            if (t_i < 16 && t_j < 16 && t_j <= t_i) {
                var t_acc = 0.0;
                for (var t_c = 0; t_c < 32; t_c++) { t_acc += f32(t_q[t_ii * 32 + t_c]) * f32(t_kv[t_jj * 33 + t_c]); }
                t_s = t_acc * f32(0.17677669);
            }
            t_p[t_e] = t_s;
        }
        workgroupBarrier();
        var t_mo = bitcast<f32>(0xff800000u);
        if (t_lid < 128) {
            let t_ii = t_lid / 8;
            t_mo = t_m[t_ii];
            var t_mx = t_mo;
            for (var t_jj = t_lid % 8; t_jj < 16; t_jj += 8) { let t_s = t_p[t_ii * 16 + t_jj]; if (t_s > t_mx) { t_mx = t_s; } }
            t_pm[t_lid] = t_mx;
        }
        workgroupBarrier();
        if (t_lid < 128) {
            let t_ii = t_lid / 8;
            let t_pt = t_lid % 8;
            var t_mx = t_mo;
            for (var t_q = 0; t_q < 8; t_q++) { let t_s = t_pm[t_ii * 8 + t_q]; if (t_s > t_mx) { t_mx = t_s; } }
            var t_alpha = 1.0;
            var t_sum = 0.0;
            let t_seen = t_mx > bitcast<f32>(0xff800000u);
            if (t_seen) { t_alpha = select(exp(t_mo - t_mx), 0.0, t_mo == bitcast<f32>(0xff800000u)); }
            for (var t_jj = t_pt; t_jj < 16; t_jj += 8) {
                let t_s = t_p[t_ii * 16 + t_jj];
                var t_pp = select(exp(t_s - t_mx), 0.0, t_s == bitcast<f32>(0xff800000u));
                if (!t_seen) { t_pp = select(0.0, bitcast<f32>(0x7fc00000u), t_isnan(t_s)); }
                t_p[t_ii * 16 + t_jj] = t_pp;
                t_sum += t_pp;
            }
            t_ps[t_lid] = t_sum;
            if (t_pt == 0) { t_m[t_ii] = t_mx; t_a[t_ii] = t_alpha; }
        }
        for (var t_e = t_lid; t_e < 512; t_e += 128) {
            let t_jj = t_e / 32;
            let t_c = t_e % 32;
            var t_v = f32(0.0);
            if (t_j0 + t_jj < 16) { t_v = load_v(t_b, t_j0 + t_jj, t_c); }
            t_kv[t_jj * 33 + t_c] = t_v;
        }
        workgroupBarrier();
        if (t_lid < 128 && t_lid % 8 == 0) {
            let t_ii = t_lid / 8;
            var t_sum = 0.0;
            for (var t_q = 0; t_q < 8; t_q++) { t_sum += t_ps[t_lid + t_q]; }
            t_l[t_ii] = t_l[t_ii] * t_a[t_ii] + t_sum;
        }
        for (var t_r = 0; t_r < 4; t_r++) {
            let t_e = t_lid + t_r * 128;
            if (t_e < 512) {
                let t_ii = t_e / 32;
                let t_c = t_e % 32;
                var t_acc = t_o[t_r] * t_a[t_ii];
                for (var t_jj = 0; t_jj < 16; t_jj++) { t_acc += t_p[t_ii * 16 + t_jj] * f32(t_kv[t_jj * 33 + t_c]); }
                t_o[t_r] = t_acc;
            }
        }
        workgroupBarrier();
    }
    for (var t_r = 0; t_r < 4; t_r++) {
        let t_e = t_lid + t_r * 128;
        if (t_e < 512) {
            let t_ii = t_e / 32;
            let t_i = t_i0 + t_ii;
            if (t_live && t_i < 16) {
                let t_den = t_l[t_ii];
                store_o(t_b, t_i, t_e % 32, select(t_o[t_r] / t_den, 0.0, t_den == 0.0));
            }
        }
    }
}

