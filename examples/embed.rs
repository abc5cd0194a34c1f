//! Embedding edgecc in a runtime: build a graph in code (or load an ONNX model), compile it ahead
//! of time into a device binary for a target profile, write it, read it back and run it on the
//! local device, and check it against the reference interpreter.
//!
//! Run with `cargo run --example embed` (it runs on Mesa's lavapipe, or pass a profile name and
//! the adapter, e.g. `cargo run --example embed -- auto`).

use edgecc::ir::{Builder, DType, Shape, TensorData};
use edgecc::{compile, Artifact, CompileOptions, Device, Runtime, Target};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target_name = std::env::args().nth(1).unwrap_or_else(|| "lavapipe".into());

    // 1. A graph the host runtime built itself: y = relu(x @ w + b).
    let mut b = Builder::new("embed_example");
    let x = b.input("x", DType::F32, Shape::of(&[4, 8]))?;
    let w: Vec<f32> = (0..8 * 16).map(|i| ((i % 7) as f32 - 3.0) * 0.1).collect();
    let w = b.constant("w", TensorData::from_f32(DType::F32, vec![8, 16], &w)?)?;
    let bias = b.const_f32("b", &[16], &[0.05; 16])?;
    let h = b.matmul(x, w)?;
    let h = b.add(h, bias)?;
    let y = b.relu(h)?;
    b.output(y)?;
    let graph = b.finish()?;

    // 2. Ahead of time, on any machine: compile for the target and write the device binary.
    let device = Device::for_target(&target_name, None)?;
    let target = match target_name.as_str() {
        "auto" | "wgsl" => device.target(),
        name => Target::profile(name)?,
    };
    let artifact = compile(&graph, &target, &CompileOptions::default())?;
    let path = std::env::temp_dir().join(format!("edgecc-embed-{}.edgebin", std::process::id()));
    artifact.write(&path)?;

    // 3. On the device: read the binary (hashes and every offset are checked), load, run.
    let loaded = Artifact::read(&path)?;
    std::fs::remove_file(&path)?;
    let runtime = Runtime::new(device);
    let mut session = runtime.load(&loaded)?;
    let input: Vec<f32> = (0..32).map(|i| (i as f32 * 0.37).sin()).collect();
    let input = TensorData::from_f32(DType::F32, vec![4, 8], &input)?;
    let outputs = session.run(std::slice::from_ref(&input))?;

    // 4. The same numbers as the reference interpreter.
    let reference = edgecc::run_reference(&graph, &[input])?;
    let (got, want) = (outputs[0].to_f32_vec(), reference[0].to_f32_vec());
    let max_err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    println!(
        "ran `{}` on {} ({}): output {:?}, max abs error vs reference {max_err:.2e}",
        loaded.program.name,
        runtime.device().adapter_name(),
        loaded.meta.target,
        outputs[0].shape()
    );
    if max_err > 1e-4 {
        return Err(format!("output differs from the reference by {max_err}").into());
    }
    Ok(())
}
