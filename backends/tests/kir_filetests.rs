//! The kir filetest runner: every `tests/filetests/kir/*.kir` under the repository root is one
//! test, its header line saying what to do.
//!
//! ```text
//! ; test: print           parse, verify, print. With `; check:` lines, the printed text must be
//!                         those lines (each `; check: TEXT`, indentation kept); without, it
//!                         must be the file's kernel text itself (a round trip). Either way the
//!                         printed text parses back to the same kernel.
//! ; test: verify-error    parse; the verifier must reject the kernel with a message containing
//!                         the text of every `; error: TEXT` line.
//! ; test: parse-error     the parser must reject the file with a message containing every
//!                         `; error:` text (messages start with `line L:C:`).
//! ```
//!
//! Every prefix of every file must parse or fail with a `line L:C:` error, never panic.
//!
//! `EDGECC_BLESS=1` rewrites a file's `; check:` lines (print tests that have them) or its
//! `; error:` line (error tests) from the actual result; a round-trip file is not rewritten.

use edgecc_backends::kir::{parse, print};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/filetests/kir")
}

fn files() -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = fs::read_dir(root())?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    out.retain(|p| p.extension().is_some_and(|e| e == "kir"));
    out.sort();
    Ok(out)
}

/// What a file asks for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Print,
    VerifyError,
    ParseError,
}

fn mode_of(text: &str) -> Result<Mode, String> {
    let modes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("; test:"))
        .map(str::trim)
        .collect();
    match modes[..] {
        ["print"] => Ok(Mode::Print),
        ["verify-error"] => Ok(Mode::VerifyError),
        ["parse-error"] => Ok(Mode::ParseError),
        [] => Err("no `; test: print|verify-error|parse-error` header line".into()),
        [m] => Err(format!("unknown test `{m}` (print, verify-error or parse-error)")),
        _ => Err("more than one `; test:` line".into()),
    }
}

/// The text after `; NAME:` (and one space) on each such line.
fn directives<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let prefix = format!("; {name}:");
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .map(|s| s.strip_prefix(' ').unwrap_or(s).trim_end())
        .collect()
}

/// The file's kernel text: its lines that are not comments, without blank lines around them.
fn kernel_text(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with(';'))
        .map(str::trim_end)
        .collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map_or(start, |e| e + 1);
    let mut s = lines[start..end].join("\n");
    s.push('\n');
    s
}

/// Where `got` first differs from `want`.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let n = w.iter().zip(&g).take_while(|(a, b)| a == b).count();
    format!(
        "first difference at line {} of the kernel:\n  expected: {}\n  printed:  {}",
        n + 1,
        w.get(n).unwrap_or(&"<end>"),
        g.get(n).unwrap_or(&"<end>")
    )
}

/// `text` with its `name` directives replaced by one per line of `lines`, at the end.
fn blessed(text: &str, name: &str, lines: &[&str]) -> String {
    let prefix = format!("; {name}:");
    let mut kept: Vec<&str> = text.lines().filter(|l| !l.starts_with(prefix.as_str())).collect();
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    let mut s = kept.join("\n");
    s.push('\n');
    for l in lines {
        s.push_str(&format!("{prefix} {l}\n"));
    }
    s
}

fn bless(path: &Path, text: &str, name: &str, lines: &[&str]) -> Result<(), String> {
    let new = blessed(text, name, lines);
    if new != text {
        fs::write(path, new).map_err(|e| format!("cannot bless: {e}"))?;
    }
    Ok(())
}

fn run_print(path: &Path, text: &str, bless_it: bool) -> Result<(), String> {
    let k = parse(text).map_err(|e| format!("does not parse: {e}"))?;
    k.verify().map_err(|e| format!("does not verify: {e}"))?;
    let out = print(&k);
    let again = parse(&out).map_err(|e| format!("the printed text does not parse: {e}\n{out}"))?;
    if again != k {
        return Err(format!("the printed text parses to another kernel:\n{out}"));
    }
    let checks = directives(text, "check");
    if checks.is_empty() {
        let want = kernel_text(text);
        return if out == want {
            Ok(())
        } else {
            Err(format!(
                "the round trip changes the text; {}",
                first_difference(&want, &out)
            ))
        };
    }
    if bless_it {
        return bless(path, text, "check", &out.lines().collect::<Vec<_>>());
    }
    let mut want = checks.join("\n");
    want.push('\n');
    if out == want {
        Ok(())
    } else {
        Err(format!("{}\n--- printed ---\n{out}", first_difference(&want, &out)))
    }
}

fn run_error(path: &Path, text: &str, mode: Mode, bless_it: bool) -> Result<(), String> {
    let result = parse(text);
    let message = match (mode, result) {
        (Mode::ParseError, Ok(_)) => return Err("parses, but the test expects a parse error".into()),
        (Mode::ParseError, Err(e)) => e.to_string(),
        (_, Err(e)) => return Err(format!("does not parse: {e}")),
        (_, Ok(k)) => match k.verify() {
            Ok(()) => return Err("verifies, but the test expects a verifier error".into()),
            Err(e) => e.to_string(),
        },
    };
    if bless_it {
        return bless(path, text, "error", &[&message]);
    }
    let wanted = directives(text, "error");
    if wanted.is_empty() {
        return Err(format!(
            "no `; error:` line (run with EDGECC_BLESS=1 to write one); the error is: {message}"
        ));
    }
    match wanted.iter().find(|w| !message.contains(**w)) {
        Some(w) => Err(format!("the error does not contain `{w}`:\n  {message}")),
        None => Ok(()),
    }
}

/// Every prefix of `text` parses or fails with an error naming a line (a panic fails the test).
fn prefixes_never_panic(text: &str) -> Result<(), String> {
    for (end, _) in text.char_indices() {
        if let Err(e) = parse(&text[..end]) {
            if !e.to_string().starts_with("line ") {
                return Err(format!("the prefix of {end} bytes fails without a line: {e}"));
            }
        }
    }
    Ok(())
}

fn run_file(path: &Path, bless_it: bool) -> Result<Mode, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    prefixes_never_panic(&text)?;
    let mode = mode_of(&text)?;
    match mode {
        Mode::Print => run_print(path, &text, bless_it)?,
        _ => run_error(path, &text, mode, bless_it)?,
    }
    Ok(mode)
}

#[test]
fn kir_filetests() {
    let bless_it = std::env::var("EDGECC_BLESS").is_ok_and(|v| v == "1");
    let files = files().unwrap_or_else(|e| panic!("cannot read {}: {e}", root().display()));
    let mut failures = Vec::new();
    let mut modes = Vec::new();
    for f in &files {
        match run_file(f, bless_it) {
            Ok(m) => modes.push(m),
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} kir filetests failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    for (mode, at_least) in [(Mode::Print, 3), (Mode::VerifyError, 5), (Mode::ParseError, 1)] {
        let n = modes.iter().filter(|m| **m == mode).count();
        assert!(
            n >= at_least,
            "{n} kir filetests of mode {mode:?}; expected at least {at_least}"
        );
    }
    eprintln!("{} kir filetests passed", files.len());
}

#[test]
fn runner_helpers() {
    let text = "; test: print\n; a comment\n\nkernel k {\n  entry {\n  }\n}\n\n; check:   entry {\n";
    assert_eq!(mode_of(text), Ok(Mode::Print));
    assert_eq!(kernel_text(text), "kernel k {\n  entry {\n  }\n}\n");
    assert_eq!(directives(text, "check"), ["  entry {"]);
    assert!(mode_of("; test: nope").unwrap_err().contains("unknown test"));
    assert!(mode_of("kernel k {}").unwrap_err().contains("header"));
    assert_eq!(
        blessed("; test: verify-error\n; error: old\nkernel k {}\n", "error", &["new"]),
        "; test: verify-error\nkernel k {}\n; error: new\n"
    );
    assert!(first_difference("a\nb\n", "a\nc\n").contains("line 2"));
}
