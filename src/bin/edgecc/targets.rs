//! `edgecc targets`: the targets `run` accepts, the device profiles compiled in, and the Vulkan
//! adapters on this machine with the profile each matches (what `--target auto` picks).

use edgecc_backends::wgsl::list_adapters;

/// List targets, device profiles and the local Vulkan adapters.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  edgecc targets
  edgecc targets --json")]
pub struct Args {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn main(args: Args) -> anyhow::Result<()> {
    let profiles = edgecc_autotune::profile::all()?;
    let adapters = list_adapters();
    let matched: Vec<Option<String>> = adapters
        .iter()
        .map(|a| edgecc_autotune::match_adapter(&a.name).ok().flatten().map(|p| p.name))
        .collect();
    if args.json {
        let adapters: Vec<serde_json::Value> = adapters
            .iter()
            .zip(&matched)
            .map(|(a, m)| {
                serde_json::json!({
                    "index": a.index, "name": a.name, "backend": a.backend,
                    "device_type": a.device_type, "driver": a.driver, "profile": m,
                })
            })
            .collect();
        let profiles: Vec<serde_json::Value> = profiles
            .iter()
            .map(|p| serde_json::json!({ "name": p.name, "backend": format!("{:?}", p.backend).to_lowercase(), "source": p.source }))
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "targets": ["reference", "lavapipe", "auto", "wgsl"],
                "profiles": profiles,
                "adapters": adapters,
            })
        );
        return Ok(());
    }
    println!("targets: reference (CPU interpreter), lavapipe (Mesa software Vulkan), auto | wgsl (a Vulkan adapter)");
    println!("device profiles:");
    for p in &profiles {
        println!(
            "  {:<12} {:<5} {}",
            p.name,
            format!("{:?}", p.backend).to_lowercase(),
            p.source
        );
    }
    println!("Vulkan adapters (choose with --adapter INDEX|NAME or EDGECC_ADAPTER):");
    if adapters.is_empty() {
        println!("  none: install a Vulkan driver (Debian: apt-get install mesa-vulkan-drivers)");
    }
    for (a, m) in adapters.iter().zip(&matched) {
        println!(
            "  {}: {} ({}, {}) profile: {}",
            a.index,
            a.name,
            a.device_type,
            a.driver,
            m.as_deref().unwrap_or("none (limits read off the adapter)")
        );
    }
    Ok(())
}
