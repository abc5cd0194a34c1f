//! Cases whose shapes and attributes are drawn at random (from the case seed, so
//! `EDGECC_SUITE_SEED` explores other ones): GEMMs, convolutions, pools, slices, reductions,
//! transposes and attention at extents no hand-written case thought of. Each graph holds several
//! independent ops; an op whose attributes the IR or the reference interpreter rejects is drawn
//! again.

use super::harness::{case_seed, hash, Case};
use edgecc::rng::Rng;

/// A graph of independent single-op pieces: each piece is `(inputs, nodes, outputs)` text.
struct Sweep {
    name: &'static str,
    rng: Rng,
    inputs: Vec<String>,
    nodes: Vec<String>,
    outputs: Vec<String>,
}

impl Sweep {
    fn new(name: &'static str) -> Sweep {
        Sweep {
            name,
            rng: Rng::new(case_seed(name) ^ hash("sweep")),
            inputs: vec![],
            nodes: vec![],
            outputs: vec![],
        }
    }

    fn int(&mut self, lo: i64, hi_inclusive: i64) -> i64 {
        self.rng.below(lo, hi_inclusive + 1)
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.below(0, xs.len() as i64) as usize]
    }

    fn coin(&mut self) -> bool {
        self.rng.below(0, 2) == 1
    }

    /// Adds a piece if the IR accepts it (type inference checks the attributes); true if added.
    fn try_add(&mut self, inputs: &[String], nodes: &[String], outputs: &[String]) -> bool {
        let text = format!(
            "graph probe {{\n{}\n{}\n{}\n}}",
            inputs
                .iter()
                .map(|i| format!("  input {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
            nodes.join("\n"),
            outputs
                .iter()
                .map(|o| format!("  output %{o}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        let Ok(g) = edgecc_ir::parse(&text) else { return false };
        // Nothing empty: an empty output checks nothing.
        if g.outputs().iter().any(|&o| g.ty(o).shape.max_numel() == 0) {
            return false;
        }
        // Attributes that type inference lets through but the op refuses at run time (a pool
        // window entirely in padding) are drawn again too.
        let Ok(xs) = edgecc::models::random_inputs(&g, 0, &edgecc::models::sym_at_max) else {
            return false;
        };
        if edgecc::run_reference(&g, &xs).is_err() {
            return false;
        }
        self.inputs.extend(inputs.iter().cloned());
        self.nodes.extend(nodes.iter().cloned());
        self.outputs.extend(outputs.iter().cloned());
        true
    }

    fn case(self) -> Case {
        let text = format!(
            "graph {} {{\n{}\n{}\n{}\n}}",
            self.name,
            self.inputs
                .iter()
                .map(|i| format!("  input {i}"))
                .collect::<Vec<_>>()
                .join("\n"),
            self.nodes.join("\n"),
            self.outputs
                .iter()
                .map(|o| format!("  output %{o}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        Case::text(self.name, &text)
    }
}

fn dims(d: &[i64]) -> String {
    d.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

/// Batched MatMuls: extents 1..70, batch dims of rank 0..2 that broadcast, rank-1 operands.
pub fn sweep_matmul() -> Case {
    let mut s = Sweep::new("sweep_matmul");
    let mut t = 0;
    while t < 8 {
        let (m, k, n) = (s.int(1, 70), s.int(1, 70), s.int(1, 70));
        let rank_batch = s.int(0, 2) as usize;
        let batch: Vec<i64> = (0..rank_batch).map(|_| s.int(1, 3)).collect();
        let bcast = |s: &mut Sweep| -> Vec<i64> { batch.iter().map(|&b| if s.coin() { b } else { 1 }).collect() };
        let (ba, bb) = (bcast(&mut s), bcast(&mut s));
        let mut ash = ba.clone();
        if rank_batch > 0 || s.int(0, 4) > 0 {
            ash.push(m);
        }
        ash.push(k);
        let mut bsh = bb.clone();
        bsh.push(k);
        if rank_batch > 0 || s.int(0, 4) > 0 {
            bsh.push(n);
        }
        if s.try_add(
            &[
                format!("%a{t}: f32[{}]", dims(&ash)),
                format!("%b{t}: f32[{}]", dims(&bsh)),
            ],
            &[format!("  %y{t} = MatMul(%a{t}, %b{t})")],
            &[format!("y{t}")],
        ) {
            t += 1;
        }
    }
    s.case()
}

/// Convolutions and transposed convolutions, 1-D and 2-D, with random groups, strides,
/// dilations and padding; half of them with a bias.
pub fn sweep_conv() -> Case {
    let mut s = Sweep::new("sweep_conv");
    let mut t = 0;
    while t < 6 {
        let sp = s.int(1, 2) as usize;
        let groups = s.pick(&[1, 1, 2, 3]);
        let c = groups * s.int(1, 3);
        let m = groups * s.int(1, 3);
        let transposed = t % 3 == 2;
        let n = s.int(1, 2);
        let kernel: Vec<i64> = (0..sp).map(|_| s.int(1, 4)).collect();
        let strides: Vec<i64> = (0..sp).map(|_| s.int(1, 3)).collect();
        let dil: Vec<i64> = (0..sp).map(|_| s.int(1, 2)).collect();
        let pads: Vec<i64> = (0..2 * sp).map(|_| s.int(0, 2)).collect();
        let spatial: Vec<i64> = (0..sp).map(|_| s.int(1, 12)).collect();
        let mut xsh = vec![n, c];
        xsh.extend(&spatial);
        let mut wsh = if transposed {
            vec![c, m / groups]
        } else {
            vec![m, c / groups]
        };
        wsh.extend(&kernel);
        let bias = s.coin();
        let mut inputs = vec![
            format!("%x{t}: f32[{}]", dims(&xsh)),
            format!("%w{t}: f32[{}]", dims(&wsh)),
        ];
        let mut args = format!("%x{t}, %w{t}");
        if bias {
            inputs.push(format!("%b{t}: f32[{m}]"));
            args += &format!(", %b{t}");
        }
        let node = if transposed {
            let op: Vec<i64> = (0..sp)
                .map(|i| {
                    let most = strides[i].max(dil[i]) - 1;
                    s.int(0, most)
                })
                .collect();
            format!(
                "  %y{t} = ConvTranspose<strides=[{}], pads=[{}], dilations=[{}], output_padding=[{}], groups={groups}>({args})",
                dims(&strides),
                dims(&pads),
                dims(&dil),
                dims(&op)
            )
        } else {
            format!(
                "  %y{t} = Conv<strides=[{}], pads=[{}], dilations=[{}], groups={groups}>({args})",
                dims(&strides),
                dims(&pads),
                dims(&dil)
            )
        };
        if s.try_add(&inputs, &[node], &[format!("y{t}")]) {
            t += 1;
        }
    }
    s.case()
}

/// Max and average pools with random windows, strides, padding, dilation and rounding.
pub fn sweep_pool() -> Case {
    let mut s = Sweep::new("sweep_pool");
    let mut t = 0;
    while t < 8 {
        let sp = s.int(1, 2) as usize;
        let kernel: Vec<i64> = (0..sp).map(|_| s.int(1, 4)).collect();
        let strides: Vec<i64> = (0..sp).map(|_| s.int(1, 3)).collect();
        let dil: Vec<i64> = (0..sp).map(|_| s.int(1, 2)).collect();
        let pads: Vec<i64> = (0..2 * sp).map(|i| s.int(0, kernel[i % sp] - 1)).collect();
        let spatial: Vec<i64> = (0..sp).map(|_| s.int(1, 11)).collect();
        let mut xsh = vec![s.int(1, 2), s.int(1, 3)];
        xsh.extend(&spatial);
        let ceil = s.coin();
        let node = if t % 2 == 0 {
            format!(
                "  %y{t} = MaxPool<kernel=[{}], strides=[{}], pads=[{}], dilations=[{}], ceil_mode={ceil}>(%x{t})",
                dims(&kernel),
                dims(&strides),
                dims(&pads),
                dims(&dil)
            )
        } else {
            let inc = s.coin();
            format!(
                "  %y{t} = AveragePool<kernel=[{}], strides=[{}], pads=[{}], ceil_mode={ceil}, count_include_pad={inc}>(%x{t})",
                dims(&kernel),
                dims(&strides),
                dims(&pads)
            )
        };
        if s.try_add(&[format!("%x{t}: f32[{}]", dims(&xsh))], &[node], &[format!("y{t}")]) {
            t += 1;
        }
    }
    s.case()
}

/// Slices with random (possibly negative, out-of-range) bounds and steps on random axes.
pub fn sweep_slice() -> Case {
    let mut s = Sweep::new("sweep_slice");
    let mut t = 0;
    while t < 10 {
        let sh: Vec<i64> = (0..3).map(|_| s.int(1, 9)).collect();
        let naxes = s.int(1, 3) as usize;
        let mut axes: Vec<i64> = vec![0, 1, 2];
        // A random order of a random subset, written negative half the time.
        for i in (1..3).rev() {
            let j = s.int(0, i as i64) as usize;
            axes.swap(i, j);
        }
        axes.truncate(naxes);
        let axes: Vec<i64> = axes.iter().map(|&a| if s.coin() { a - 3 } else { a }).collect();
        let starts: Vec<i64> = (0..naxes).map(|_| s.int(-12, 12)).collect();
        let ends: Vec<i64> = (0..naxes).map(|_| s.int(-12, 12)).collect();
        let steps: Vec<i64> = (0..naxes).map(|_| s.pick(&[1, 1, 2, 3, -1, -2, -3])).collect();
        let node = format!(
            "  %y{t} = Slice<starts=[{}], ends=[{}], axes=[{}], steps=[{}]>(%x{t})",
            dims(&starts),
            dims(&ends),
            dims(&axes),
            dims(&steps)
        );
        if s.try_add(&[format!("%x{t}: f32[{}]", dims(&sh))], &[node], &[format!("y{t}")]) {
            t += 1;
        }
    }
    s.case()
}

/// Reductions over random axis sets of random shapes, with and without kept dims; ArgMax/ArgMin
/// along a random axis.
pub fn sweep_reduce() -> Case {
    let mut s = Sweep::new("sweep_reduce");
    let mut t = 0;
    while t < 10 {
        let r = s.int(1, 4) as usize;
        let sh: Vec<i64> = (0..r).map(|_| s.int(1, 7)).collect();
        let keep = s.coin();
        let node = if t % 4 == 3 {
            let axis = s.int(-(r as i64), r as i64 - 1);
            let op = s.pick(&["ArgMax", "ArgMin"]);
            let last = s.coin();
            format!("  %y{t} = {op}<axis={axis}, keepdims={keep}, select_last_index={last}>(%x{t})")
        } else {
            let axes: Vec<i64> = (0..r as i64).filter(|_| s.coin()).collect();
            let op = s.pick(&["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"]);
            format!("  %y{t} = {op}<axes=[{}], keepdims={keep}>(%x{t})", dims(&axes))
        };
        if s.try_add(&[format!("%x{t}: f32[{}]", dims(&sh))], &[node], &[format!("y{t}")]) {
            t += 1;
        }
    }
    s.case()
}

/// Transposes of rank 2..5 with random permutations, some followed by a reshape.
pub fn sweep_transpose() -> Case {
    let mut s = Sweep::new("sweep_transpose");
    let mut t = 0;
    while t < 8 {
        let r = s.int(2, 5) as usize;
        let sh: Vec<i64> = (0..r).map(|_| s.int(1, 5)).collect();
        let mut perm: Vec<i64> = (0..r as i64).collect();
        for i in (1..r).rev() {
            let j = s.int(0, i as i64) as usize;
            perm.swap(i, j);
        }
        let mut nodes = vec![format!("  %t{t} = Transpose<perm=[{}]>(%x{t})", dims(&perm))];
        let out = if s.coin() {
            nodes.push(format!("  %y{t} = Reshape<shape=[-1], allowzero=false>(%t{t})"));
            format!("y{t}")
        } else {
            format!("t{t}")
        };
        if s.try_add(&[format!("%x{t}: f32[{}]", dims(&sh))], &nodes, &[out]) {
            t += 1;
        }
    }
    s.case()
}

/// Attention at random lengths and head sizes, causal or not, with float or boolean masks that
/// broadcast.
pub fn sweep_attention() -> Case {
    let mut s = Sweep::new("sweep_attention");
    let mut t = 0;
    while t < 6 {
        let batch: Vec<i64> = (0..s.int(0, 2)).map(|_| s.int(1, 3)).collect();
        let (lq, lk) = (s.int(1, 40), s.int(1, 40));
        let (d, dv) = (s.pick(&[1, 4, 8, 16, 24, 33, 64]), s.int(1, 20));
        let causal = s.coin();
        let sh = |rows: i64, cols: i64| {
            let mut v = batch.clone();
            v.push(rows);
            v.push(cols);
            dims(&v)
        };
        let mut inputs = vec![
            format!("%q{t}: f32[{}]", sh(lq, d)),
            format!("%k{t}: f32[{}]", sh(lk, d)),
            format!("%v{t}: f32[{}]", sh(lk, dv)),
        ];
        let mut args = format!("%q{t}, %k{t}, %v{t}");
        // A float mask (a boolean one could mask a whole row, whose result is NaN).
        if s.coin() {
            let msh = if s.coin() {
                format!("{lq}, {lk}")
            } else {
                format!("1, {lk}")
            };
            inputs.push(format!("%m{t}: f32[{msh}]"));
            args += &format!(", %m{t}");
        }
        // Causal masking with more queries than keys masks whole rows: skip those.
        if causal && lq > lk {
            continue;
        }
        let node = format!("  %y{t} = Attention<causal={causal}>({args})");
        if s.try_add(&inputs, &[node], &[format!("y{t}")]) {
            t += 1;
        }
    }
    s.case()
}
