//! The filetest runner (cranelift-style): every `tests/filetests/**/*.eir` under the repository
//! root is one test.
//!
//! ```text
//! ; pass: chain_fold, dce          (or `; target: reference` for a target's whole pipeline)
//! ; check-not: Transpose           (before the first check: must not appear anywhere)
//! graph g { ... }                  (the input graph, in the text format)
//! ; check: %y: f32[2, 3] = Neg(%x) (must appear in the printed result, in order)
//! ; check-not: Identity            (between two checks: not between their matches)
//! ; check: output %y
//! ```
//!
//! A `; fuse` header line (with a `; pass:` or `; target:` line) also runs fusion on the result:
//! the checks then apply to the printed kernel graph, and the kernels (run one by one by the
//! reference interpreter) must compute what the input computes.
//!
//! The passes run with verification on and constant folding through the reference interpreter;
//! the result must also compute what the input computes on random inputs (when the input runs).
//! Checks are substrings of the printed graph, matched in order; a `check-not` applies between
//! the matches of the checks around it (to the end after the last, to the whole output before
//! the first). `EDGECC_BLESS=1` rewrites each file's `; check:` lines from the actual output: one
//! per printed line, `const` lines (raw bytes) left out; `check-not` lines stay where they are.

mod common;

use common::{compare, ctx, random_inputs, same_semantics};
use edgecc_ir::parse;
use edgecc_passes::{pass_by_name, pipeline_for, Pipeline, RunOptions};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/filetests")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "eir") {
            out.push(p);
        }
    }
    Ok(())
}

/// A `; check:` (positive) or `; check-not:` (negative) directive.
#[derive(Debug)]
enum Directive {
    Check(String),
    Not(String),
}

fn directive(line: &str) -> Option<Directive> {
    let l = line.trim();
    if let Some(s) = l.strip_prefix("; check-not:") {
        return Some(Directive::Not(s.trim().to_string()));
    }
    l.strip_prefix("; check:")
        .map(|s| Directive::Check(s.trim().to_string()))
}

/// The pipeline named by the file's `; pass:` or `; target:` header line.
fn pipeline_of(text: &str) -> Result<Pipeline, String> {
    let mut found: Option<Pipeline> = None;
    for line in text
        .lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with(';'))
    {
        let p = if let Some(list) = line.strip_prefix("; pass:") {
            let passes = list
                .split(',')
                .map(|n| pass_by_name(n.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            Pipeline::new(passes)
        } else if let Some(t) = line.strip_prefix("; target:") {
            pipeline_for(t.trim()).map_err(|e| e.to_string())?
        } else {
            continue;
        };
        if found.replace(p).is_some() {
            return Err("more than one `; pass:` / `; target:` header line".into());
        }
    }
    found.ok_or_else(|| "no `; pass: NAME[, NAME..]` or `; target: T` header line before the graph".into())
}

/// Whether the header asks for fusion (`; fuse`).
fn fuses(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with(';'))
        .any(|l| l == "; fuse")
}

/// The kernels compute what `g` computes on random inputs (when `g` runs on them).
fn same_kernel_semantics(g: &edgecc_ir::Graph, kg: &edgecc_passes::KernelGraph) -> Result<(), String> {
    let inputs = random_inputs(g, 1);
    let Ok(want) = edgecc_backends::reference::run(g, &inputs) else {
        return Ok(());
    };
    let got = edgecc_backends::reference::run_kernels(kg, &inputs)
        .map_err(|e| format!("the kernels fail where the graph runs: {e}"))?;
    compare(&want, &got)
}

/// Applies the directives to `out`; the first failure.
fn apply(directives: &[Directive], out: &str) -> Result<(), String> {
    if !directives.iter().any(|d| matches!(d, Directive::Check(_))) {
        return Err("no `; check:` lines (run with EDGECC_BLESS=1 to write them)".into());
    }
    let mut pos = 0usize;
    let mut seen_check = false;
    let mut pending: Vec<&str> = Vec::new();
    for d in directives {
        match d {
            Directive::Not(s) if !seen_check => {
                if out.contains(s.as_str()) {
                    return Err(format!("check-not `{s}` (before any check) found in the output"));
                }
            }
            Directive::Not(s) => pending.push(s),
            Directive::Check(s) => {
                let at = out[pos..]
                    .find(s.as_str())
                    .ok_or_else(|| format!("check `{s}` not found (after byte {pos} of the output)"))?;
                if let Some(n) = pending.iter().find(|n| out[pos..pos + at].contains(**n)) {
                    return Err(format!("check-not `{n}` found before check `{s}`"));
                }
                pending.clear();
                pos += at + s.len();
                seen_check = true;
            }
        }
    }
    if let Some(n) = pending.iter().find(|n| out[pos..].contains(**n)) {
        return Err(format!("check-not `{n}` found after the last check"));
    }
    Ok(())
}

/// The file's text with its `; check:` lines replaced by ones matching `out`.
fn blessed(text: &str, out: &str) -> String {
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| !matches!(directive(l), Some(Directive::Check(_))))
        .collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let mut s = lines.join("\n");
    s.push('\n');
    for l in out.lines().map(str::trim) {
        if !l.is_empty() && !l.starts_with("const ") {
            s.push_str(&format!("; check: {l}\n"));
        }
    }
    s
}

/// Runs one file; the printed result on success.
fn run_file(path: &Path, bless: bool) -> Result<String, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let pipeline = pipeline_of(&text)?;
    let g = parse(&text).map_err(|e| format!("the input graph does not parse: {e}"))?;
    let opts = RunOptions {
        verify: true,
        ..Default::default()
    };
    let h = pipeline.run_with(&g, &ctx(), &opts).map_err(|e| e.to_string())?.graph;
    let (out, semantics) = if fuses(&text) {
        let kg = edgecc_passes::fuse(&h).map_err(|e| e.to_string())?;
        (kg.to_string(), same_kernel_semantics(&g, &kg))
    } else {
        (h.to_string(), same_semantics(&g, &h, 1).map(|_| ()))
    };
    let checked = if bless {
        let new = blessed(&text, &out);
        if new != text {
            fs::write(path, &new).map_err(|e| format!("cannot bless: {e}"))?;
        }
        let directives: Vec<Directive> = new.lines().filter_map(directive).collect();
        apply(&directives, &out)
    } else {
        let directives: Vec<Directive> = text.lines().filter_map(directive).collect();
        apply(&directives, &out)
    };
    checked
        .and(semantics.map_err(|e| format!("the result computes something else: {e}")))
        .map_err(|e| format!("{e}\n--- output ---\n{out}"))?;
    Ok(out)
}

#[test]
fn filetests() {
    let bless = std::env::var("EDGECC_BLESS").is_ok_and(|v| v == "1");
    let mut files = Vec::new();
    collect(&root(), &mut files).unwrap_or_else(|e| panic!("cannot read {}: {e}", root().display()));
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = run_file(f, bless) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} filetests failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    for pass in ["dce", "cse", "const_fold", "chain_fold"] {
        let n = files
            .iter()
            .filter(|f| f.parent().is_some_and(|p| p.ends_with(pass)))
            .count();
        assert!(
            n >= 3,
            "tests/filetests/{pass}/ has {n} filetests; each cleanup pass needs at least 3"
        );
    }
    eprintln!("{} filetests passed", files.len());
}

#[test]
fn check_semantics() {
    let out = "graph g {\n  %a = Neg(%x)\n  %b = Exp(%a)\n  output %b\n}\n";
    let d = |s: &str| -> Vec<Directive> { s.lines().filter_map(directive).collect() };
    assert!(apply(&d("; check: Neg\n; check: Exp"), out).is_ok());
    assert!(apply(&d("; check: Exp\n; check: Neg"), out)
        .unwrap_err()
        .contains("`Neg` not found"));
    assert!(apply(&d("; check-not: Relu\n; check: Neg"), out).is_ok());
    assert!(
        apply(&d("; check-not: Exp\n; check: Neg"), out).is_err(),
        "global check-not"
    );
    assert!(apply(&d("; check: graph\n; check-not: Exp\n; check: output"), out).is_err());
    assert!(apply(&d("; check: graph\n; check-not: Exp\n; check: Neg"), out).is_ok());
    assert!(
        apply(&d("; check: Exp\n; check-not: Neg"), out).is_ok(),
        "Neg is before the last check"
    );
    assert!(apply(&d("; check: Neg\n; check-not: Exp"), out).is_err());
    assert!(apply(&d("; check-not: Relu"), out)
        .unwrap_err()
        .contains("no `; check:`"));
    let text = "; pass: dce\n; check-not: Relu\ngraph g {}\n; check: old\n\n";
    assert_eq!(
        blessed(text, "graph g {\n  const @c: f32[] = hex\"00\"\n  output %x\n}\n"),
        "; pass: dce\n; check-not: Relu\ngraph g {}\n; check: graph g {\n; check: output %x\n; check: }\n"
    );
    assert!(pipeline_of("; pass: dce, nope\ngraph g {}")
        .unwrap_err()
        .contains("known passes"));
    assert!(pipeline_of("graph g {}").unwrap_err().contains("header"));
    assert_eq!(
        pipeline_of("; target: wgsl\ngraph g {}").unwrap().names(),
        pipeline_for("wgsl").unwrap().names()
    );
}
