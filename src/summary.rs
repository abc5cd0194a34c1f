//! Summaries of graphs and tensors for people: op counts, weight sizes, checksums.

use edgecc_ir::{Graph, TensorData};
use std::collections::BTreeMap;

/// Number of nodes per op name, sorted by name.
pub fn ops_histogram(g: &Graph) -> BTreeMap<&'static str, usize> {
    let mut h = BTreeMap::new();
    for n in g.nodes() {
        *h.entry(n.op.name()).or_insert(0) += 1;
    }
    h
}

/// Bytes in a human unit (B, KiB, MiB, GiB).
pub fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// FNV-1a (64-bit) of a tensor's dtype, shape and bytes: equal checksums mean bit-identical tensors.
pub fn checksum(t: &TensorData) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    t.dtype().name().bytes().for_each(&mut eat);
    for &d in t.shape() {
        (d as u64).to_le_bytes().into_iter().for_each(&mut eat);
    }
    t.bytes().iter().copied().for_each(eat);
    h
}

/// Sum and mean absolute value of a tensor's elements (in f64).
pub fn stats(t: &TensorData) -> (f64, f64) {
    let v = t.to_f64_vec();
    // From +0.0: an empty tensor sums to 0, not to the -0.0 of `Iterator::sum`.
    let sum: f64 = v.iter().fold(0.0, |a, b| a + b);
    let mean_abs = if v.is_empty() {
        0.0
    } else {
        v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64
    };
    (sum, mean_abs)
}
