//! Tests across the kir modules: builder → verify → print → parse round trips, malformed text,
//! verifier errors on kernels the parser cannot write, and launches.

use super::*;

/// The tiled-GEMM-like kernel of the builder test, as text.
const GEMM: &str = "kernel gemm {
  dim m <= 256 @param 0
  dim n <= 256 @param 1
  binding 0 a: array<f32> read
  binding 1 c: array<f32> read_write
  binding 2 params: uniform
  shared tile: array<f32, 64>
  workgroup_size 8 8 1
  launch (n + 7) / 8, (m + 7) / 8, 1
  fn load_a(i: u32) -> f32 role operand_load {
    if i < m * n {
      return a[i]
    }
    return 0.0
  }
  fn scale(v: f32) -> f32 role epilogue {
    return select(v > 0.0, v, v * 0.125)
  }
  entry {
    let lid: u32 = local_index
    let row: u32 = workgroup_id.y * 8 + local_id.y
    var acc: f32 = 0.0
    for k: u32 in 0 .. n step 8 {
      store tile[lid] = load_a(row * n + k + local_id.x)
      barrier
      for j: u32 in 0 .. 8 step 1 {
        acc = acc + tile[local_id.y * 8 + j]
      }
      barrier
    }
    if row < m {
      store c[row] = scale(acc)
    }
  }
}
";

/// Builds [`GEMM`] with the builder; `share` reuses expression handles (which the text form
/// cannot show, so only the normal form is equal to the parsed kernel).
fn build_gemm(share: bool) -> Kernel {
    use BinaryOp::*;
    let mut kb = KernelBuilder::new("gemm");
    let m = kb.dim("m", 256, 0);
    let n = kb.dim("n", 256, 1);
    let a = kb.storage(0, "a", Type::F32, Access::Read);
    let c = kb.storage(1, "c", Type::F32, Access::ReadWrite);
    kb.uniform(2, "params");
    let tile = kb.shared("tile", Type::F32, 64);
    kb.workgroup_size([8, 8, 1]);
    kb.launch([Extent::Dim(n).ceil_div(8), Extent::Dim(m).ceil_div(8), 1.into()]);

    let mut f = BodyBuilder::new();
    let i = f.arg("i", Type::U32);
    let iv = f.local(i);
    let size = f.extent(&(Extent::Dim(m) * Extent::Dim(n))).unwrap();
    let cond = f.lt(iv, size);
    f.if_(cond, |f| {
        let iv = f.local(i);
        let v = f.load(a, iv);
        f.ret(Some(v));
    });
    let zero = f.f32(0.0);
    f.ret(Some(zero));
    let load_a = kb.function("load_a", Role::OperandLoad, Some(Type::F32), f);

    let mut f = BodyBuilder::new();
    let v = f.arg("v", Type::F32);
    let vv = f.local(v);
    let z = f.f32(0.0);
    let pos = f.binary(Gt, vv, z);
    let vv2 = if share { vv } else { f.local(v) };
    let vv3 = if share { vv } else { f.local(v) };
    let eighth = f.f32(0.125);
    let small = f.mul(vv3, eighth);
    let s = f.select(pos, vv2, small);
    f.ret(Some(s));
    let scale = kb.function("scale", Role::Epilogue, Some(Type::F32), f);

    let mut b = BodyBuilder::new();
    let li = b.builtin(Builtin::LocalIndex);
    let lid = b.let_("lid", Type::U32, li);
    let wy = b.builtin(Builtin::WorkgroupId(Axis::Y));
    let eight = b.u32(8);
    let base = b.mul(wy, eight);
    let ly = b.builtin(Builtin::LocalId(Axis::Y));
    let r = b.add(base, ly);
    let row = b.let_("row", Type::U32, r);
    let z = b.f32(0.0);
    let acc = b.var("acc", Type::F32, z);
    let (zero, nv, eight) = (b.u32(0), b.dim(n), b.u32(8));
    b.for_(("k", Type::U32), zero, nv, eight, |b, k| {
        let lidv = b.local(lid);
        let (rv, nv) = (b.local(row), b.dim(n));
        let rn = b.mul(rv, nv);
        let kv = b.local(k);
        let rnk = b.add(rn, kv);
        let lx = b.builtin(Builtin::LocalId(Axis::X));
        let idx = b.add(rnk, lx);
        let loaded = b.call(load_a, vec![idx]);
        b.store(tile, lidv, loaded);
        b.barrier();
        let (zero, eight, one) = (b.u32(0), b.u32(8), b.u32(1));
        b.for_(("j", Type::U32), zero, eight, one, |b, j| {
            let accv = b.local(acc);
            let ly = b.builtin(Builtin::LocalId(Axis::Y));
            let eight = b.u32(8);
            let t = b.mul(ly, eight);
            let jv = b.local(j);
            let ti = b.add(t, jv);
            let x = b.load(tile, ti);
            let sum = b.add(accv, x);
            b.assign(acc, sum);
        });
        b.barrier();
    });
    let (rv, mv) = (b.local(row), b.dim(m));
    let inside = b.lt(rv, mv);
    b.if_(inside, |b| {
        let rv = b.local(row);
        let accv = b.local(acc);
        let y = b.call(scale, vec![accv]);
        b.store(c, rv, y);
    });
    kb.entry(b);
    kb.finish()
        .unwrap_or_else(|e| panic!("the built kernel does not verify: {e}"))
}

#[test]
fn builder_kernel_round_trips() {
    let k = build_gemm(false);
    let text = print(&k);
    assert_eq!(text, GEMM);
    let back = parse(&text).unwrap();
    assert_eq!(back, k);
    assert_eq!(k.normalized().unwrap(), k);
    assert_eq!(print(&back), text);
}

#[test]
fn shared_handles_normalize_to_the_parsed_kernel() {
    let k = build_gemm(true);
    let text = print(&k);
    assert_eq!(text, GEMM);
    let back = parse(&text).unwrap();
    assert_ne!(back, k, "the shared handle is one expression in `k`, two in the text");
    assert_eq!(back, k.normalized().unwrap());
}

#[test]
fn launch_resolves_dims() {
    let k = parse(GEMM).unwrap();
    let values = k
        .dim_values(|d| [("m", 20), ("n", 33)].iter().find(|(n, _)| *n == d).map(|v| v.1))
        .unwrap();
    assert_eq!(values, [20, 33]);
    let l = k.launch(&values).unwrap();
    assert_eq!(l.workgroups, [5, 3, 1]);
    assert_eq!(l.params, [20, 33]);
    let over = k.dim_values(|_| Some(300)).unwrap_err().to_string();
    assert!(over.contains("dim `m`: 300 is over its bound 256"), "{over}");
    let missing = k.dim_values(|d| (d == "m").then_some(1)).unwrap_err().to_string();
    assert!(missing.contains("dim `n`: no value given"), "{missing}");
    // `launch` checks the bounds too (shared arrays and memory are sized at them).
    let over = k.launch(&[300, 1]).unwrap_err().to_string();
    assert!(over.contains("dim `m`: 300 is over its bound 256"), "{over}");
}

/// Text a user could write that must give an error, never a crash, a hang or a huge
/// allocation: operator chains deeper than the parser's limit (in expressions and extents), a
/// param slot past any parameter buffer, `not` of a float.
#[test]
fn hostile_kernels_are_errors() {
    let chain = vec!["1u"; 100_000].join(" + ");
    let deep = GEMM.replace("let lid: u32 = local_index", &format!("let lid: u32 = {chain}"));
    assert!(parse(&deep).unwrap_err().to_string().contains("deep"));
    let deep_extent = GEMM.replace(
        "launch (n + 7) / 8",
        &format!("launch {}", vec!["n"; 100_000].join(" * ")),
    );
    assert!(parse(&deep_extent).unwrap_err().to_string().contains("deep"));
    let far = GEMM.replace("dim n <= 256 @param 1", "dim n <= 256 @param 4294967295");
    let e = parse(&far).and_then(|k| k.verify()).unwrap_err().to_string();
    assert!(e.contains("at most 16384 slots"), "{e}");
    let not_float = GEMM.replace("var acc: f32 = 0.0", "var acc: f32 = not(0.0)");
    let e = parse(&not_float).and_then(|k| k.verify()).unwrap_err().to_string();
    assert!(e.contains("a bool or an integer"), "{e}");
}

#[test]
fn every_prefix_parses_or_errors() {
    for text in [GEMM, include_str!("../../../tests/filetests/kir/vec4_f16_mask.kir")] {
        let mut ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        ends.push(text.len());
        for end in ends {
            let prefix = &text[..end];
            if let Err(e) = parse(prefix) {
                assert!(
                    matches!(e, KirError::Parse { line, col, .. } if line >= 1 && col >= 1),
                    "{e}"
                );
                assert!(e.to_string().starts_with("line "), "{e}");
            } else {
                assert!(prefix.trim_end().ends_with('}'), "a prefix parsed: {prefix:?}");
            }
        }
    }
}

#[test]
fn malformed_text_names_line_and_column() {
    let cases = [
        (
            "kernel k {\n  workgroup_size 1 1\n",
            "line 2:21: expected the workgroup size in z, found the end of the line",
        ),
        (
            "kernel k {\n  launch 1, 1\n",
            "line 2:14: expected `,`, found the end of the line",
        ),
        (
            "kernel k {\n  entry {\n    let x: f64 = 1\n",
            "line 3:12: expected a type",
        ),
        (
            "kernel k {\n  entry {\n    let x: u32 = -1\n",
            "line 3:18: `-1`: a u32 is never negative",
        ),
        (
            "kernel k {\n  entry {\n    store q[0] = 1.0\n",
            "line 3:11: unknown binding or shared array `q`",
        ),
        (
            "kernel k {\n  entry {\n    call f()\n",
            "line 3:10: unknown function `f`",
        ),
        (
            "kernel k {\n  entry {\n    x + 1\n",
            "line 3:5: expected a statement, found `x`",
        ),
        (
            "kernel k {\n  entry {\n    let x: u32 = 1 2\n",
            "line 3:20: expected the end of the line",
        ),
        (
            "kernel k {\n  fn f() role sideways {\n",
            "line 2:24: unknown role `sideways`",
        ),
        (
            "kernel k {\n  launch 1, 1, 1\n  launch 1, 1, 1\n",
            "line 3:3: a second `launch` line",
        ),
        (
            "kernel k {\n  entry {\n    let v: f32 = vec4<f32>(1.0, 2.0)\n",
            "`vec4` takes 1 or 4 values, not 2",
        ),
        (
            "kernel k {\n  entry {\n    let v: f32 = -x\n",
            "expected a number after `-`",
        ),
        (
            "kernel k {\n  workgroup_size 1 1 1\n  launch 1, 1, 1\n  entry {\n  }\n}\nkernel j {",
            "line 7:1: expected the end of the text after the kernel, found `kernel`",
        ),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(text, want)| {
            let err = parse(text).map_or_else(|e| e.to_string(), |_| "parses".into());
            (!err.contains(want)).then(|| format!("{text:?}: got `{err}`, want `{want}`"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let deep = format!(
        "kernel k {{\n  entry {{\n    let x: u32 = {}1{}\n",
        "(".repeat(500),
        ")".repeat(500)
    );
    assert!(parse(&deep).unwrap_err().to_string().contains("nested more than"));
}

#[test]
fn literals_round_trip() {
    let text = "kernel lits {
  binding 0 y: array<f32> read_write
  workgroup_size 1 1 1
  launch 1, 1, 1
  entry {
    let a: f32 = -0.0 + 1e-7 + 3.4028235e38 + -inf + inf
    let b: f16 = 0.099975586h + -infh + 65504.0h
    let c: i32 = -2147483648i + 2147483647i
    let d: u32 = 4294967295 << 31 >> 1
    let e: bool = true || false
    let f: bool = nan != nan
    store y[0] = a
  }
}
";
    let k = parse(text).unwrap();
    k.verify().unwrap();
    assert_eq!(print(&k), text);
    assert_eq!(
        parse(&print(&k)).unwrap(),
        k,
        "nan equals nan, by the literal's equality"
    );
    assert_ne!(Literal::F32(0.0), Literal::F32(-0.0));
    assert_eq!(Literal::F16(half::f16::NAN), Literal::F16(-half::f16::NAN));
}

#[test]
fn cast_of_vec4_splits_the_shift_token() {
    let text = "kernel v {
  binding 0 y: array<vec4<f32>> read_write
  workgroup_size 1 1 1
  launch 1, 1, 1
  entry {
    store y[0] = cast<vec4<f32>>(vec4<i32>(1i, 2i, 3i, 4i))
  }
}
";
    assert_eq!(print(&parse(text).unwrap()), text);
}

#[test]
fn verifier_catches_what_text_cannot_say() {
    let base = || parse(GEMM).unwrap();
    let err = |k: &Kernel| k.verify().unwrap_err().to_string();

    let mut k = base();
    k.dispatch.workgroups[1] = Extent::Dim(Handle::new(7));
    assert!(
        err(&k).contains("launch y, `<bad dim #7>`: uses unknown dim `#7`"),
        "{}",
        err(&k)
    );

    let mut k = base();
    if let Some(Stmt::If { accept, .. }) = k.entry.block.last_mut() {
        if let Some(Stmt::Store { value, .. }) = accept.first_mut() {
            let e = k.entry.exprs.append(Expr::Call {
                function: Handle::new(9),
                args: vec![],
            });
            *value = e;
        }
    }
    assert!(err(&k).contains("calls unknown function `#9`"), "{}", err(&k));

    let mut k = base();
    let cyc = k.entry.exprs.append(Expr::Unary {
        op: UnaryOp::Neg,
        arg: Handle::new(10_000),
    });
    assert!(
        err(&k).contains(&format!("expression #{} uses #10000", cyc.index())),
        "{}",
        err(&k)
    );

    let mut k = base();
    k.bindings[Handle::new(0)].name = "c".into();
    assert!(
        err(&k).contains("`c` names both a binding and a binding"),
        "{}",
        err(&k)
    );

    let mut k = base();
    k.functions[Handle::new(1)].role = Role::Store;
    assert!(err(&k).contains("a store function returns nothing"), "{}", err(&k));

    let mut k = base();
    k.bindings[Handle::new(2)].kind = BindingKind::Storage {
        elem: Type::U32,
        access: Access::Read,
    };
    assert!(err(&k).contains("no `uniform` binding"), "{}", err(&k));

    let mut k = base();
    k.dims[Handle::new(1)].decl = Some(DimDecl { bound: 8, slot: 0 });
    assert!(
        err(&k).contains("dims `m` and `n` are both in param slot 0"),
        "{}",
        err(&k)
    );

    let mut k = base();
    k.entry.locals[Handle::new(1)].name = "lid".into();
    assert!(
        err(&k).contains("`lid` is already defined in an enclosing scope"),
        "{}",
        err(&k)
    );

    let mut k = base();
    k.entry.locals[Handle::new(0)].name = "m".into();
    assert!(
        err(&k).contains("local `m` has the name of a kernel-level item"),
        "{}",
        err(&k)
    );

    let mut k = base();
    k.shared[Handle::new(0)].len = Extent::Const(0);
    assert!(err(&k).contains("shared `tile`: the length is 0"), "{}", err(&k));
}

#[test]
fn printer_survives_bad_handles() {
    let mut k = parse(GEMM).unwrap();
    k.entry.block.push(Stmt::Store {
        target: Memory::Shared(Handle::new(5)),
        index: Handle::new(999),
        value: Handle::new(0),
    });
    let text = print(&k);
    assert!(text.contains("store #5[<bad expr #999>] = local_index"), "{text}");
    assert!(k.verify().is_err());
    assert!(k.normalized().is_err());
}

/// `s = sum over k < 4 of (k > 1 ? k : 1)`, built with closures or with blocks begun and ended
/// by hand (`begin_block`, `push_if`, `loop_var`, `push_for`): the same kernel.
fn build_blocks(by_hand: bool) -> Kernel {
    let mut kb = KernelBuilder::new("blocks");
    let y = kb.storage(0, "y", Type::U32, Access::ReadWrite);
    kb.workgroup_size([1, 1, 1]);
    kb.launch([1.into(), 1.into(), 1.into()]);
    let mut b = BodyBuilder::new();
    let z = b.u32(0);
    let s = b.var("s", Type::U32, z);
    let (zero, four, one) = (b.u32(0), b.u32(4), b.u32(1));
    let add = |b: &mut BodyBuilder, k: Handle<Local>, use_k: bool| {
        let sv = b.local(s);
        let x = if use_k { b.local(k) } else { b.u32(1) };
        let sum = b.add(sv, x);
        b.assign(s, sum);
    };
    if by_hand {
        let k = b.loop_var("k", Type::U32);
        b.begin_block();
        let (kv, one_) = (b.local(k), b.u32(1));
        let cond = b.binary(BinaryOp::Gt, kv, one_);
        b.begin_block();
        add(&mut b, k, true);
        let accept = b.end_block();
        b.begin_block();
        add(&mut b, k, false);
        let reject = b.end_block();
        b.push_if(cond, accept, reject);
        let body = b.end_block();
        b.push_for(k, zero, four, one, body);
        assert!(b.end_block().is_empty(), "the outermost block is never ended");
    } else {
        b.for_(("k", Type::U32), zero, four, one, |b, k| {
            let (kv, one_) = (b.local(k), b.u32(1));
            let cond = b.binary(BinaryOp::Gt, kv, one_);
            b.if_else(cond, |b| add(b, k, true), |b| add(b, k, false));
        });
    }
    let (sv, zero) = (b.local(s), b.u32(0));
    b.store(y, zero, sv);
    kb.entry(b);
    kb.finish().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn blocks_built_by_hand_equal_closure_blocks() {
    let (a, b) = (build_blocks(false), build_blocks(true));
    assert_eq!(print(&a), print(&b));
    assert!(print(&b).contains("} else {"), "{}", print(&b));
    assert_eq!(parse(&print(&b)).unwrap(), b.normalized().unwrap());
}
