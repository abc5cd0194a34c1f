//! Runtimes embed edgecc: two threads, each with its own session of a different binary on one
//! shared device, run 1,000 inferences each (inputs varying per run), and every output is
//! bit-identical to the same inference run serially before the threads start.

use edgecc::artifact::Artifact;
use edgecc::ir::{Graph, TensorData};

const RUNS: usize = 1000;
/// Distinct input sets per model: run `i` uses set `i % SETS`.
const SETS: usize = 4;

fn compile(graph: &Graph) -> Artifact {
    let target = edgecc::Target::profile("lavapipe").expect("target");
    edgecc::compile(graph, &target, &edgecc::CompileOptions::default()).expect("compile")
}

/// The model's binary and `SETS` seeded random input sets.
fn prepared(graph: &Graph) -> (Artifact, Vec<Vec<TensorData>>) {
    let sets = (0..SETS as u64)
        .map(|seed| edgecc::models::random_inputs(graph, 100 + seed, &edgecc::models::sym_at_max).unwrap())
        .collect();
    (compile(graph), sets)
}

fn bytes(outputs: &[TensorData]) -> Vec<Vec<u8>> {
    outputs.iter().map(|t| t.bytes().to_vec()).collect()
}

#[test]
fn two_threads_with_their_own_sessions_match_serial_runs() {
    let device = edgecc::Device::for_target("lavapipe", None).unwrap_or_else(|e| panic!("no lavapipe device: {e}"));
    let transformer = edgecc::models::TransformerConfig::tiny();
    let models = [
        (
            "mlp",
            edgecc::models::mlp(&edgecc::models::MlpConfig::tiny(), 7).unwrap(),
        ),
        ("gpt2", edgecc::models::gpt2_block(&transformer, 3).unwrap()),
    ];
    let prepared: Vec<(&str, Artifact, Vec<Vec<TensorData>>)> = models
        .iter()
        .map(|(name, g)| {
            let (a, sets) = prepared(g);
            (*name, a, sets)
        })
        .collect();

    // Serial: each input set once, in one session per model.
    let serial: Vec<Vec<Vec<Vec<u8>>>> = prepared
        .iter()
        .map(|(_, a, sets)| {
            let mut s = edgecc::Runtime::new(device.clone()).load(a).unwrap();
            sets.iter().map(|inputs| bytes(&s.run(inputs).unwrap())).collect()
        })
        .collect();

    // Concurrent: one thread per model, its own runtime and session on the shared device.
    std::thread::scope(|scope| {
        let handles: Vec<_> = prepared
            .iter()
            .zip(&serial)
            .map(|((name, a, sets), want)| {
                let device = device.clone();
                scope.spawn(move || {
                    let mut s = edgecc::Runtime::new(device).load(a).unwrap();
                    for i in 0..RUNS {
                        let got = bytes(&s.run(&sets[i % SETS]).unwrap());
                        assert!(
                            got == want[i % SETS],
                            "{name}: run {i} differs from the serial run of input set {}",
                            i % SETS
                        );
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("a thread panicked");
        }
    });
}
