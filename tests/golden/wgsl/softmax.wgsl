// ---- dispatch k0_y (kernel k0_y), workgroups [6, 1, 1], bindings ["x", "y (w)"]
// kir kernel `row`, rendered to WGSL by edgecc.

@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;

fn load_x(row: i32, j: i32) -> f32 {
  let v1: f32 = b0[u32((((((row / 3i) * 3i) + (row % 3i)) * 50i) + j))];
  return v1;
}

fn store_y(row: i32, j: i32, v: f32) {
  b1[u32((((((row / 3i) * 3i) + (row % 3i)) * 50i) + j))] = v;
}

fn t_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn t_maxn(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } return select(a, b, t_isnan(b) || b > a); }
fn t_minn(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } return select(a, b, t_isnan(b) || b < a); }
var<workgroup> t_rv: array<f32, 64>;
fn t_red_maxnum(v: f32, lid: u32, sgl: u32, sgi: u32, nsg: u32) -> f32 {
    let s = subgroupMax(select(v, bitcast<f32>(0xff800000u), t_isnan(v)));
    if (sgl == 0u) { t_rv[sgi] = s; }
    workgroupBarrier();
    var r = t_rv[0];
    for (var q = 1u; q < nsg; q++) { r = select(r, t_rv[q], t_rv[q] > r); }
    workgroupBarrier();
    return r;
}
fn t_red_add(v: f32, lid: u32, sgl: u32, sgi: u32, nsg: u32) -> f32 {
    let s = subgroupAdd(v);
    if (sgl == 0u) { t_rv[sgi] = s; }
    workgroupBarrier();
    var r = t_rv[0];
    for (var q = 1u; q < nsg; q++) { r = r + t_rv[q]; }
    workgroupBarrier();
    return r;
}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t_lid: u32, @builtin(subgroup_invocation_id) t_sgl: u32, @builtin(subgroup_id) t_sgi: u32, @builtin(num_subgroups) t_nsg: u32) {
    let t_flat = wid.x + wid.y * nwg.x;
    let t_live = t_flat < 6u;
    let t_row = i32(t_flat);
    let t_n = select(0, 50, t_live);
    let t_j0 = i32(t_lid);
    var t_xs: array<f32, 1>;
    for (var t_e = 0; t_e < 1; t_e++) {
        let t_j = t_j0 + t_e * 64;
        if (t_j < t_n) { t_xs[t_e] = f32(load_x(t_row, t_j)); }
    }
    var t_m = bitcast<f32>(0xff800000u);
    for (var t_e = 0; t_e < 1; t_e++) {
        let t_j = t_j0 + t_e * 64;
        if (t_j < t_n) {
            let t_x = t_xs[t_e];
            if (t_x > t_m) { t_m = t_x; }
        }
    }
    let t_mx = t_red_maxnum(t_m, t_lid, t_sgl, t_sgi, t_nsg);
    var t_s = 0.0;
    for (var t_e = 0; t_e < 1; t_e++) {
        let t_j = t_j0 + t_e * 64;
        if (t_j < t_n) {
            let t_x = t_xs[t_e];
            t_s += exp(t_x - t_mx);
        }
    }
    let t_sum = t_red_add(t_s, t_lid, t_sgl, t_sgi, t_nsg);
    for (var t_e = 0; t_e < 1; t_e++) {
        let t_j = t_j0 + t_e * 64;
        if (t_j < t_n) {
            let t_x = t_xs[t_e];
            if (t_live) { store_y(t_row, t_j, exp(t_x - t_mx) / t_sum); }
        }
    }
}

