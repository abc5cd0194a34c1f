//! `edgecc inspect MODEL --target T --dump kir|wgsl`: the code compiled for every dispatch, as
//! kernel IR or as the WGSL shader rendered from it.
//!
//! A pointwise dispatch's kir is the whole kernel; a template dispatch's kir holds its caller
//! functions (operand loads, prologues, stores) and an empty entry, because its main loop is the
//! template's own WGSL (see the WGSL backend's `template` module). Identical dispatches (the
//! layers of a transformer) print once, with the labels that share the code.

use edgecc::backends::wgsl::{Dispatch, Program};
use edgecc_ir::Graph;

/// What `--dump` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Kir,
    Wgsl,
}

impl What {
    pub fn parse(s: &str) -> anyhow::Result<What> {
        match s {
            "kir" => Ok(What::Kir),
            "wgsl" => Ok(What::Wgsl),
            other => anyhow::bail!("--dump {other:?}: say `kir` (kernel IR) or `wgsl` (shaders)"),
        }
    }

    fn code(self, d: &Dispatch) -> anyhow::Result<&str> {
        match self {
            What::Wgsl => Ok(&d.wgsl),
            What::Kir => d
                .kir
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("dispatch `{}` has no kernel IR", d.label)),
        }
    }
}

/// Compiles `g` (its remaining symbolic dims at their bounds) for device target `target` and
/// prints the code of each distinct dispatch, as text or (with `json`) as one JSON document.
pub fn main(g: &Graph, target: &str, what: What, json: bool) -> anyhow::Result<()> {
    if target == "reference" {
        anyhow::bail!("--dump needs a device target (`edgecc targets` lists them); `reference` generates no code");
    }
    let target = edgecc::Target::parse(target, None)?;
    let graph = edgecc::specialize(g, &Default::default(), true)?;
    let (_, program) = edgecc::device::compile_wgsl_with(&graph, target.caps(), &Default::default())?;
    let groups = distinct(&program, what)?;
    if json {
        let doc: Vec<serde_json::Value> = groups
            .iter()
            .map(|(code, ds)| {
                serde_json::json!({
                    "dispatches": ds.iter().map(|d| &d.label).collect::<Vec<_>>(),
                    "problem": ds[0].problem.to_string(),
                    "schedule": ds[0].schedule.to_string(),
                    "code": code,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({ "target": target.name(), "format": format!("{what:?}").to_lowercase(), "kernels": doc })
        );
        return Ok(());
    }
    for (code, ds) in &groups {
        let labels: Vec<&str> = ds.iter().map(|d| d.label.as_str()).collect();
        println!("# dispatches: {}", labels.join(", "));
        println!("# problem {}; schedule {}", ds[0].problem, ds[0].schedule);
        println!("{code}");
    }
    println!(
        "# {} dispatches, {} distinct kernels, for target `{}`",
        program.dispatches.len(),
        groups.len(),
        target.name()
    );
    Ok(())
}

/// The distinct codes in dispatch order, each with the dispatches that have it.
fn distinct(program: &Program, what: What) -> anyhow::Result<Vec<(&str, Vec<&Dispatch>)>> {
    let mut groups: Vec<(&str, Vec<&Dispatch>)> = Vec::new();
    for d in &program.dispatches {
        let code = what.code(d)?;
        match groups.iter_mut().find(|(c, _)| *c == code) {
            Some((_, ds)) => ds.push(d),
            None => groups.push((code, vec![d])),
        }
    }
    Ok(groups)
}
