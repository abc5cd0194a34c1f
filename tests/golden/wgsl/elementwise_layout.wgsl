// ---- dispatch k0_s (kernel k0_s), workgroups [12, 1, 1], bindings ["x", "m", "y (w)"]
// kir kernel `row`, rendered to WGSL by edgecc.

@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<u32>;
@group(0) @binding(2) var<storage, read_write> b2: array<f32>;

fn load_x(row: i32, j: i32) -> f32 {
  let v1: f32 = b0[u32(((((j * 3i) + (row / 4i)) * 4i) + (row % 4i)))];
  let v2: f32 = exp(v1);
  return v2;
}

fn store_r(row: i32, v: f32) {
  let v3: bool = (b1[u32((((row / 4i) * 4i) + (row % 4i)))] != 0u);
  let v4: f32 = select(0.0f, v, v3);
  b2[u32((((row / 4i) * 4i) + (row % 4i)))] = v4;
}

fn t_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn t_maxn(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } return select(a, b, t_isnan(b) || b > a); }
fn t_minn(a: f32, b: f32) -> f32 { if (t_isnan(a)) { return a; } return select(a, b, t_isnan(b) || b < a); }
var<workgroup> t_rv: array<f32, 32>;
fn t_red_add(v: f32, lid: u32, sgl: u32, sgi: u32, nsg: u32) -> f32 {
    let s = subgroupAdd(v);
    if (sgl == 0u) { t_rv[sgi] = s; }
    workgroupBarrier();
    var r = t_rv[0];
    for (var q = 1u; q < nsg; q++) { r = r + t_rv[q]; }
    workgroupBarrier();
    return r;
}
@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) t_lid: u32, @builtin(subgroup_invocation_id) t_sgl: u32, @builtin(subgroup_id) t_sgi: u32, @builtin(num_subgroups) t_nsg: u32) {
    let t_flat = wid.x + wid.y * nwg.x;
    let t_live = t_flat < 12u;
    let t_row = i32(t_flat);
    let t_n = select(0, 2, t_live);
    let t_j0 = i32(t_lid);
    var t_acc = 0.0;
    for (var t_j = t_j0; t_j < t_n; t_j += 32) {
        let t_x = f32(load_x(t_row, t_j));
            t_acc = t_acc + t_x;
    }
    let t_r = t_red_add(t_acc, t_lid, t_sgl, t_sgi, t_nsg);
    if (t_live && t_lid == 0u) { store_r(t_row, t_r); }
}

