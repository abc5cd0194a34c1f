//! The `.edgebin` device-binary format: exact round trips, layout, every corrupted byte and
//! every truncation refused with a clear error (never a panic), random and structure-aware
//! mutations (the "resealed" ones recompute every hash, so the deep checks run: the result is an
//! error or a valid, canonical binary), signing, the target check, and a binary that runs after
//! a trip through a file exactly as before.

#[path = "artifact_format/mutate.rs"]
mod mutate;

use edgecc::artifact::container::{self, SectionKind, FORMAT_VERSION, WEIGHT_ALIGN};
use edgecc::artifact::{signing, Artifact};
use edgecc::backends::wgsl::Precision;
use edgecc::ir::Graph;
use edgecc::Error;
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Compiles `graph` for the device profile `target` (symbolic dims at their bound).
fn compile(graph: &Graph, target: &str, precision: Precision) -> Artifact {
    let target = edgecc::Target::profile(target).expect("target");
    let options = edgecc::CompileOptions {
        precision,
        ..Default::default()
    };
    edgecc::compile(graph, &target, &options).expect("compile")
}

fn mlp() -> Graph {
    edgecc::models::mlp(&edgecc::models::MlpConfig::tiny(), 7).unwrap()
}

/// `gelu(x * scale + shift)` then a softmax over rows: two weights, two dispatches, an arena.
const SMALL_GRAPH: &str = r#"graph small {
  input %x: f32[batch<=4, 8]
  const @scale: f32[8] = hex"0000803f0000003f0000403f0000803e000080bf0000003f0000a03f0000203f"
  const @shift: f32[8] = hex"cdcccc3dcdcc4c3e9a99993ecdcccc3e0000003f9a99193f3333333fcdcc4c3f"
  %scale: f32[8] = Constant(@scale)
  %shift: f32[8] = Constant(@shift)
  %m: f32[batch<=4, 8] = Mul(%x, %scale)
  %a: f32[batch<=4, 8] = Add(%m, %shift)
  %g: f32[batch<=4, 8] = Gelu<tanh=false>(%a)
  %y: f32[batch<=4, 8] = Softmax<axis=-1>(%g)
  output %y
}
"#;

/// A small binary for lavapipe (a few KB) and its bytes, built once.
fn small() -> &'static (Artifact, Vec<u8>) {
    static SMALL: OnceLock<(Artifact, Vec<u8>)> = OnceLock::new();
    SMALL.get_or_init(|| {
        let g = edgecc::ir::parse(SMALL_GRAPH).expect("small graph parses");
        let a = compile(&g, "lavapipe", Precision::F32);
        let b = a.to_bytes();
        (a, b)
    })
}

/// The tiny MLP's binary (GEMM shaders: about 30 KB), built once.
fn mlp_binary() -> &'static (Artifact, Vec<u8>) {
    static MLP: OnceLock<(Artifact, Vec<u8>)> = OnceLock::new();
    MLP.get_or_init(|| {
        let a = compile(&mlp(), "lavapipe", Precision::F32);
        let b = a.to_bytes();
        (a, b)
    })
}

/// The property tests' seed: fixed, so that a CI run is reproducible; `EDGECC_FUZZ_SEED=N` runs
/// them with another seed (e.g. in a loop, to fuzz longer).
fn fuzz_seed() -> proptest::test_runner::RngSeed {
    let seed = std::env::var("EDGECC_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0ed6_eb1b);
    proptest::test_runner::RngSeed::Fixed(seed)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edgecc-artifact-format-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn seeded_key(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

#[test]
fn round_trip_is_exact_deterministic_and_through_files() {
    let dir = temp_dir("round-trip");
    let transformer = edgecc::models::TransformerConfig::tiny();
    let models = [
        ("mlp", mlp()),
        ("gpt2", edgecc::models::gpt2_block(&transformer, 3).unwrap()),
        ("bert", edgecc::models::bert_encoder(&transformer, 2, 5).unwrap()),
    ];
    for (name, graph) in &models {
        for precision in [Precision::F32, Precision::F16] {
            let mut a = compile(graph, "lavapipe", precision);
            for signed in [false, true] {
                if signed {
                    a.sign(&seeded_key(1));
                }
                let what = format!("{name} {precision:?} signed={signed}");
                let bytes = a.to_bytes();
                assert_eq!(bytes, a.clone().to_bytes(), "{what}: deterministic");
                let back = Artifact::from_bytes(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(back, a, "{what}");
                assert_eq!(back.to_bytes(), bytes, "{what}: canonical");
                let path = dir.join(format!("{name}-{precision:?}-{signed}.edgebin"));
                a.write(&path).unwrap();
                assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: the file holds to_bytes");
                assert_eq!(Artifact::read(&path).unwrap(), a, "{what}: read");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn layout_aligns_weights_and_stores_each_shader_once() {
    let transformer = edgecc::models::TransformerConfig::tiny();
    let a = compile(
        &edgecc::models::bert_encoder(&transformer, 2, 5).unwrap(),
        "lavapipe",
        Precision::F32,
    );
    let bytes = a.to_bytes();
    assert_eq!(&bytes[..8], b"EDGEBIN\0");
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), FORMAT_VERSION);
    let sections = container::parse(&bytes).unwrap();
    let kinds: Vec<SectionKind> = sections.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SectionKind::Meta,
            SectionKind::Manifest,
            SectionKind::Shaders,
            SectionKind::Weights
        ]
    );
    let weights = &sections[3];
    assert_eq!(weights.offset % WEIGHT_ALIGN, 0);
    let manifest: serde_json::Value = serde_json::from_slice(sections[1].bytes).unwrap();
    let table = manifest["program"]["weights"].as_array().unwrap();
    assert_eq!(table.len(), a.program.weights.len());
    for (entry, (buffer, data)) in table.iter().zip(&a.program.weights) {
        let offset = entry["offset"].as_u64().unwrap();
        assert_eq!((weights.offset + offset) % WEIGHT_ALIGN, 0, "weight of buffer {buffer}");
        let at = (weights.offset + offset) as usize;
        assert_eq!(
            &bytes[at..at + data.len()],
            data.as_slice(),
            "weights are stored as uploaded"
        );
    }
    // Two identical encoder layers: their dispatches share shaders.
    let shaders = manifest["program"]["code"].as_array().unwrap().len();
    let distinct: std::collections::HashSet<&str> = a.program.dispatches.iter().map(|d| &*d.wgsl).collect();
    assert_eq!(shaders, distinct.len());
    assert!(
        shaders < a.program.dispatches.len(),
        "{shaders} shaders for {} dispatches",
        a.program.dispatches.len()
    );
    let json = a.manifest_json();
    assert_eq!(json["meta"]["target"], "lavapipe");
    assert_eq!(json["sections"].as_array().unwrap().len(), 4);
}

/// Whether loading failed with an error the CLI reports as the user's (exit code 1), not as
/// an internal error (exit code 2).
fn is_user_error(r: edgecc::Result<Artifact>) -> bool {
    matches!(r, Err(e) if !e.is_internal())
}

#[test]
fn every_changed_byte_is_an_error() {
    let (_, bytes) = small();
    assert!(bytes.len() < 16 << 10, "the small binary has {} bytes", bytes.len());
    let mut b = bytes.clone();
    for i in 0..bytes.len() {
        for x in [0x01u8, 0x80] {
            b[i] ^= x;
            assert!(
                is_user_error(Artifact::from_bytes(&b)),
                "byte {i} ^ {x:#04x}: accepted, or an internal error (exit code 2)"
            );
            b[i] ^= x;
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let (_, bytes) = small();
    for n in 0..bytes.len() {
        assert!(
            is_user_error(Artifact::from_bytes(&bytes[..n])),
            "truncated to {n} bytes: accepted, or an internal error (exit code 2)"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Artifact::from_bytes(&longer).is_err());
}

#[test]
fn errors_say_what_is_wrong_and_where() {
    let (_, bytes) = small();
    let msg = load_error;

    let mut b = bytes.clone();
    b[0] = b'X';
    let e = msg(&b);
    assert!(
        e.contains("not an edgecc device binary") && e.contains("XDGEBIN"),
        "{e}"
    );
    assert!(msg(b"").contains("an empty file"));

    let mut b = bytes.clone();
    b[8..12].copy_from_slice(&3u32.to_le_bytes());
    let e = msg(&b);
    assert!(
        e.contains("format version 3") && e.contains("reads format version 2") && e.contains("newer edgecc"),
        "{e}"
    );
    // A version-1 binary (no code table, no problem keys) is refused with a request to recompile.
    b[8..12].copy_from_slice(&1u32.to_le_bytes());
    let e = msg(&b);
    assert!(
        e.contains("format version 1") && e.contains("recompile the model with this edgecc"),
        "{e}"
    );

    let mut b = bytes.clone();
    let last = b.len() - 40;
    b[last] ^= 1;
    let e = msg(&b);
    assert!(
        e.contains("corrupt or truncated")
            && e.contains("SHA-256")
            && e.contains(&format!("offset {}", bytes.len() - 32)),
        "{e}"
    );

    // A section hash, with the trailer recomputed: the error names the section and its offset.
    let sections = container::parse(bytes).unwrap();
    let at = sections[2].offset as usize + 3;
    let mut b = bytes.clone();
    b[at] ^= 1;
    let e = msg(&reseal_trailer(b));
    assert!(
        e.contains("section SHADERS") && e.contains(&format!("offset {}", sections[2].offset)),
        "{e}"
    );

    // A manifest index out of range, resealed: the error names the field.
    let e = resealed_manifest(bytes, |m| m.replacen("\"inputs\":[0]", "\"inputs\":[99]", 1));
    assert!(e.contains("program.inputs[0]") && e.contains("names buffer 99"), "{e}");

    // Reading a file names it.
    let dir = temp_dir("errors");
    let path = dir.join("model.edgebin");
    std::fs::write(&path, &bytes[..100]).unwrap();
    let e = refused(Artifact::read(&path)).to_string();
    assert!(e.contains("model.edgebin") && e.contains("corrupt or truncated"), "{e}");
    let e = refused(Artifact::read(dir.join("missing.edgebin"))).to_string();
    assert!(e.contains("missing.edgebin"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `b` with its trailer recomputed.
fn reseal_trailer(mut b: Vec<u8>) -> Vec<u8> {
    let n = b.len() - 32;
    let h = container::sha256(&b[..n]);
    b[n..].copy_from_slice(&h);
    b
}

/// The sections of a valid binary, owned.
fn sections_of(bytes: &[u8]) -> Vec<(SectionKind, Vec<u8>)> {
    container::parse(bytes)
        .unwrap()
        .iter()
        .map(|s| (s.kind, s.bytes.to_vec()))
        .collect()
}

fn assemble(sections: &[(SectionKind, Vec<u8>)]) -> Vec<u8> {
    let list: Vec<(SectionKind, &[u8])> = sections.iter().map(|(k, b)| (*k, b.as_slice())).collect();
    container::assemble(FORMAT_VERSION, &list)
}

/// The error of loading `bytes` with its manifest edited by `edit` (every hash recomputed).
fn resealed_manifest(bytes: &[u8], edit: impl Fn(&str) -> String) -> String {
    let mut s = sections_of(bytes);
    let text = String::from_utf8(s[1].1.clone()).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changes the manifest");
    s[1].1 = edited.into_bytes();
    load_error(&assemble(&s))
}

/// The error of a load that must fail (without printing a whole artifact when it does not).
fn refused(r: edgecc::Result<Artifact>) -> Error {
    match r {
        Ok(_) => panic!("the binary was accepted"),
        Err(e) => e,
    }
}

/// The error loading `bytes` gives (or `accepted` when it loads).
fn load_error(bytes: &[u8]) -> String {
    match Artifact::from_bytes(bytes) {
        Ok(_) => "accepted".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn resealed_semantic_errors_name_the_field() {
    let (_, bytes) = small();
    let cases: &[(&str, &str, &str)] = &[
        (
            "\"weights\":[{\"buffer\":",
            "\"weights\":[{\"buffer\":1000,\"x\":",
            "unknown field",
        ),
        ("\"elem\":\"f32\"", "\"elem\":\"f16\"", ".elem"),
        ("\"dtype\":\"f32\"", "\"dtype\":\"q8\"", "unknown dtype `q8`"),
        ("\"arena_bytes\":", "\"arena_bytes\":0,\"x\":", "unknown field `x`"),
        ("\"workgroups\":[", "\"workgroups\":[65535,", "MANIFEST"),
        ("\"code\":0", "\"code\":42", ".code"),
        (
            "\"format\":\"wgsl\"",
            "\"format\":\"ptx\"",
            "recompile the model for a WGSL target",
        ),
        ("\"schedule\":\"", "\"schedule\":\"tiles ", ".schedule"),
        ("\"problem\":\"", "\"problem\":\"nonsense.", ".problem"),
        ("\"buffer\":0,\"writes\"", "\"buffer\":77,\"writes\"", "names buffer 77"),
    ];
    for (from, to, want) in cases {
        let e = resealed_manifest(bytes, |m| m.replacen(from, to, 1));
        assert!(e.contains(want), "{from} -> {to}: {e}");
    }
    // The arena too small for its buffers.
    let e = resealed_manifest(bytes, |m| {
        let at = m.find("\"arena_bytes\":").unwrap() + "\"arena_bytes\":".len();
        let end = at + m[at..].find(',').unwrap();
        format!("{}4{}", &m[..at], &m[end..])
    });
    assert!(e.contains("end past the arena (4 bytes)"), "{e}");
    // Requirements that do not match the program.
    let mut s = sections_of(bytes);
    let meta = String::from_utf8(s[0].1.clone()).unwrap();
    let flipped = if meta.contains("\"subgroups\":true") {
        meta.replacen("\"subgroups\":true", "\"subgroups\":false", 1)
    } else {
        meta.replacen("\"subgroups\":false", "\"subgroups\":true", 1)
    };
    assert_ne!(flipped, meta);
    s[0].1 = flipped.into_bytes();
    let e = load_error(&assemble(&s));
    assert!(e.contains("meta.requirements.subgroups"), "{e}");
    // Limits the code was not generated for: a workgroup over the recorded invocation limit.
    let mut s = sections_of(bytes);
    let meta = String::from_utf8(s[0].1.clone()).unwrap();
    let at = meta.find("\"max_workgroup_invocations\":").unwrap() + "\"max_workgroup_invocations\":".len();
    let end = at + meta[at..].find(',').unwrap();
    s[0].1 = format!("{}1{}", &meta[..at], &meta[end..]).into_bytes();
    let e = load_error(&assemble(&s));
    assert!(e.contains("over the limits it was generated for"), "{e}");
    // A shader that does not validate.
    let mut s = sections_of(bytes);
    let at = s[2].1.iter().position(|&c| c == b'{').unwrap();
    s[2].1[at] = b'(';
    let e = load_error(&assemble(&s));
    assert!(e.contains("program.dispatches[") && e.contains(".code"), "{e}");
}

#[test]
fn signing_verifies_the_publisher() {
    let dir = temp_dir("signing");
    let secret = dir.join("publisher.key");
    let key = signing::try_generate_key().expect("random key");
    signing::write_key_pair(&secret, &key).unwrap();
    let key = signing::read_signing_key(&secret).unwrap();
    let public = signing::read_verifying_key(&signing::public_key_path(&secret)).unwrap();

    let (unsigned, _) = small();
    let e = unsigned.verify_signature(&public).unwrap_err();
    assert!(matches!(e, Error::Unsigned { .. }), "{e}");
    assert!(e.to_string().contains("not signed"), "{e}");

    let mut a = unsigned.clone();
    a.sign(&key);
    let path = dir.join("signed.edgebin");
    a.write(&path).unwrap();
    let back = Artifact::read(&path).unwrap();
    back.verify_signature(&public).unwrap();

    let other = seeded_key(9).verifying_key();
    let e = back.verify_signature(&other).unwrap_err();
    assert!(matches!(e, Error::WrongSigner { .. }), "{e}");
    assert!(e.to_string().contains(&signing::hex(public.as_bytes())), "{e}");

    // Every byte of the signature section, changed (trailer and section hash recomputed, so the
    // signature check itself must catch it).
    let bytes = back.to_bytes();
    let sig = sections_of(&bytes);
    assert_eq!(sig[4].0, SectionKind::Signature);
    for i in 0..sig[4].1.len() {
        let mut s = sig.clone();
        s[4].1[i] ^= 0x01;
        let e = refused(Artifact::from_bytes(&assemble(&s)));
        assert!(matches!(e, Error::BadSignature(_)), "signature byte {i}: {e}");
    }
    // A change of content after signing, resealed.
    let mut s = sig.clone();
    s[3].1[0] ^= 0x01;
    let e = refused(Artifact::from_bytes(&assemble(&s)));
    assert!(e.to_string().contains("changed after it was signed"), "{e}");
    // ... and in memory.
    let mut changed = back.clone();
    changed.program.weights[0].1[0] ^= 0x01;
    let e = changed.verify_signature(&public).unwrap_err();
    assert!(matches!(e, Error::BadSignature(_)), "{e}");

    // Re-signing replaces the signature; the content digest does not change.
    let mut resigned = back.clone();
    let other_key = seeded_key(9);
    resigned.sign(&other_key);
    assert_eq!(resigned.content_digest(), back.content_digest());
    resigned.verify_signature(&other_key.verifying_key()).unwrap();
    assert!(resigned.verify_signature(&public).is_err());
    let bytes = resigned.to_bytes();
    assert_eq!(bytes.len(), back.to_bytes().len());
    assert_eq!(Artifact::from_bytes(&bytes).unwrap(), resigned);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_binary_for_another_target_is_refused_naming_both() {
    let (a, _) = small();
    a.check_target("lavapipe").unwrap();
    let e = a.check_target("adreno-740").unwrap_err();
    assert!(matches!(e, Error::TargetMismatch { .. }), "{e}");
    let e = e.to_string();
    assert!(e.contains("`lavapipe`") && e.contains("`adreno-740`"), "{e}");
    // A binary compiled for another profile loads (the format does not depend on the device)
    // and names its own target.
    let b = compile(&mlp(), "adreno-740", Precision::F16);
    let back = Artifact::from_bytes(&b.to_bytes()).unwrap();
    assert_eq!(back.meta.target, "adreno-740");
    let e = back.check_target("lavapipe").unwrap_err().to_string();
    assert!(e.contains("`adreno-740`") && e.contains("`lavapipe`"), "{e}");
}

#[derive(Clone, Debug)]
enum Mutation {
    Overwrite { at: usize, with: Vec<u8> },
    Insert { at: usize, with: Vec<u8> },
    Delete { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, with)| Mutation::Overwrite { at, with }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, with)| Mutation::Insert { at, with }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    match m {
        Mutation::Overwrite { at, with } => {
            let at = at % n.max(1);
            for (k, &b) in with.iter().enumerate() {
                if let Some(x) = bytes.get_mut(at + k) {
                    *x = b;
                }
            }
        }
        Mutation::Insert { at, with } => {
            let at = at % (n + 1);
            bytes.splice(at..at, with.iter().copied());
        }
        Mutation::Delete { at, len } => {
            let at = at % n.max(1);
            let end = (at + len).min(n);
            bytes.drain(at..end);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, rng_seed: fuzz_seed(), ..ProptestConfig::default() })]

    /// Random overwrites, insertions and deletions anywhere; half the time with the trailer
    /// recomputed, so that the section table and section hashes must catch them.
    #[test]
    fn random_mutations_are_refused(muts in prop::collection::vec(mutation(), 1..4), reseal in any::<bool>()) {
        let (_, original) = small();
        let mut bytes = original.clone();
        for m in &muts {
            apply(&mut bytes, m);
        }
        if reseal && bytes.len() >= 48 {
            bytes = reseal_trailer(bytes);
        }
        let result = Artifact::from_bytes(&bytes);
        if &bytes == original {
            prop_assert!(result.is_ok());
        } else {
            prop_assert!(result.is_err(), "a mutated binary was accepted");
        }
    }
}

#[derive(Clone, Debug)]
struct SectionEdit {
    section: u8,
    op: u8,
    a: usize,
    b: usize,
    c: u64,
}

fn section_edit() -> impl Strategy<Value = SectionEdit> {
    // MANIFEST most often: it holds every index.
    (
        prop_oneof![1 => Just(0u8), 6 => Just(1u8), 2 => Just(2u8), 1 => Just(3u8)],
        any::<u8>(),
        any::<usize>(),
        any::<usize>(),
        any::<u64>(),
    )
        .prop_map(|(section, op, a, b, c)| SectionEdit { section, op, a, b, c })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, failure_persistence: None, rng_seed: fuzz_seed(), ..ProptestConfig::default() })]

    /// Mutations inside sections with every hash recomputed: JSON tokens of META and MANIFEST
    /// (numbers, indices, strings, literals, array elements), shader text, weight bytes. The
    /// loader either refuses the binary or returns a valid artifact that encodes back to exactly
    /// these bytes.
    #[test]
    fn resealed_mutations_give_an_error_or_a_valid_binary(edits in prop::collection::vec(section_edit(), 1..3)) {
        let (_, original) = mlp_binary();
        let mut sections = sections_of(original);
        for e in &edits {
            let s = &mut sections[e.section as usize].1;
            *s = match e.section {
                0 | 1 => mutate::mutate_json(s, e.op, e.a, e.b, e.c),
                2 => mutate::mutate_shader(s, e.op, e.a, e.b),
                _ => mutate::mutate_weights(s, e.op, e.a, e.b, e.c),
            };
        }
        let bytes = assemble(&sections);
        match Artifact::from_bytes(&bytes) {
            Ok(a) => {
                prop_assert!(a.validate().is_ok());
                prop_assert!(a.to_bytes() == bytes, "an accepted binary is canonical");
            }
            Err(e) => {
                let text = e.to_string();
                prop_assert!(!text.is_empty());
            }
        }
    }
}

/// Opens the local lavapipe device, or fails naming why (tests never pass silently without one).
fn lavapipe() -> edgecc::Device {
    edgecc::Device::for_target("lavapipe", None).unwrap_or_else(|e| panic!("no lavapipe device: {e}"))
}

#[test]
fn a_binary_read_back_from_a_file_runs_bit_for_bit_like_the_original() {
    let device = lavapipe();
    let dir = temp_dir("run");
    let transformer = edgecc::models::TransformerConfig::tiny();
    let models = [
        ("mlp", mlp()),
        ("gpt2", edgecc::models::gpt2_block(&transformer, 3).unwrap()),
    ];
    let runtime = edgecc::Runtime::new(device);
    let run = |a: &Artifact, inputs: &[edgecc::ir::TensorData]| runtime.load(a).unwrap().run(inputs).unwrap();
    for (name, graph) in &models {
        let a = compile(graph, "lavapipe", Precision::F32);
        let path = dir.join(format!("{name}.edgebin"));
        a.write(&path).unwrap();
        let back = Artifact::read(&path).unwrap();
        let inputs = edgecc::models::random_inputs(graph, 11, &edgecc::models::sym_at_max).unwrap();
        let want = run(&a, &inputs);
        let got = run(&back, &inputs);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.dtype(), g.shape()), (w.dtype(), w.shape()), "{name}");
            assert!(
                g.bytes() == w.bytes(),
                "{name}: outputs differ after the trip through a file"
            );
        }
    }
    // The runtime refuses a binary for another device before creating anything, naming both.
    let other = Artifact::from_bytes(&compile(&mlp(), "adreno-740", Precision::F32).to_bytes()).unwrap();
    let e = match runtime.load(&other) {
        Ok(_) => panic!("a binary for adreno-740 was loaded on lavapipe"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("`adreno-740`") && e.contains("`lavapipe`"), "{e}");
    // A binary generated for more workgroup memory than the device has is refused, naming the
    // limit, what the code needs and what the device has.
    let mut bigger = compile(&mlp(), "lavapipe", Precision::F32);
    bigger.meta.limits.shared_memory_bytes = u32::MAX;
    let e = match runtime.load(&bigger) {
        Ok(_) => panic!("a binary for a device with 4 GiB of workgroup memory was loaded on lavapipe"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("shared_memory_bytes") && e.contains(&u32::MAX.to_string()) && e.contains("recompile"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The error of loading the small binary after `edit` changed its decoded form (re-encoded,
/// so every hash is valid: only the semantic checks can refuse it).
fn edited_error(edit: impl FnOnce(&mut Artifact)) -> String {
    let mut a = small().0.clone();
    edit(&mut a);
    load_error(&a.to_bytes())
}

/// Replaces, in dispatch 0's shader, the first `from` by `to`.
fn edit_shader(a: &mut Artifact, from: &str, to: &str) {
    let d = &mut a.program.dispatches[0];
    assert!(d.wgsl.contains(from), "{from} not in {}", d.wgsl);
    d.wgsl = d.wgsl.replacen(from, to, 1).into();
}

#[test]
fn shaders_the_runtime_could_not_bind_are_refused_at_load() {
    // The runtime binds every buffer `read_write`.
    let e = edited_error(|a| edit_shader(a, "var<storage, read_write>", "var<storage, read>"));
    assert!(e.contains("dispatches[0]") && e.contains("read_write"), "{e}");
    // A workgroup over the target's limits.
    let e = edited_error(|a| {
        let d = &mut a.program.dispatches[0];
        let at = d.wgsl.find("@workgroup_size(").unwrap() + "@workgroup_size(".len();
        let end = at + d.wgsl[at..].find(')').unwrap();
        d.wgsl = format!("{}4096{}", &d.wgsl[..at], &d.wgsl[end..]).into();
    });
    assert!(e.contains("workgroup size [4096, 1, 1]"), "{e}");
    // A binding whose type needs more bytes than the buffer bound there.
    let e = edited_error(|a| edit_shader(a, "array<f32>;", "array<f32, 1000000>;"));
    assert!(e.contains("needs at least 4000000 bytes"), "{e}");
}

#[test]
fn names_are_printable_and_inputs_distinct() {
    let e = edited_error(|a| a.meta.inputs[0].name = "x\u{1b}[31m".into());
    assert!(e.contains("inputs[0].name") && e.contains("control character"), "{e}");
    let e = edited_error(|a| a.program.dispatches[0].label = "k\n0".into());
    assert!(e.contains("dispatches[0].label"), "{e}");
    let e = edited_error(|a| a.program.name = "n".repeat(5000));
    assert!(e.contains("program.name") && e.contains("over 1024"), "{e}");
    let e = edited_error(|a| {
        let spec = a.meta.outputs[0].clone();
        a.meta.outputs.push(spec);
        let o = a.program.outputs[0];
        a.program.outputs.push(o);
    });
    assert!(e.contains("outputs[1].name") && e.contains("names two outputs"), "{e}");
}

#[test]
fn a_weight_buffer_without_data_is_refused() {
    let e = edited_error(|a| {
        a.program.weights.pop();
    });
    assert!(e.contains("has no data"), "{e}");
}

#[test]
fn a_required_signature_is_checked_before_the_rest_is_decoded() {
    let (_, bytes) = small();
    let key = seeded_key(7);
    // An unsigned binary whose manifest is broken (hashes valid): the missing signature is
    // what a device that requires one reports, not the manifest.
    let mut s = sections_of(bytes);
    s[1].1 = b"{\"broken\":".to_vec();
    let broken = assemble(&s);
    match Artifact::from_bytes_signed_by(&broken, &key.verifying_key()) {
        Err(Error::Unsigned { .. }) => {}
        other => panic!("expected Unsigned, got {:?}", other.map(|_| "an artifact")),
    }
    // Signed by another key: refused naming both keys, before decoding.
    let mut a = small().0.clone();
    a.sign(&seeded_key(8));
    let e = refused(Artifact::from_bytes_signed_by(&a.to_bytes(), &key.verifying_key()));
    assert!(matches!(e, Error::WrongSigner { .. }), "{e}");
    // Signed by the key: accepted, equal to the plain load.
    a.sign(&key);
    let b = a.to_bytes();
    let got = Artifact::from_bytes_signed_by(&b, &key.verifying_key()).unwrap();
    assert_eq!(got, Artifact::from_bytes(&b).unwrap());
}

#[test]
fn identical_shaders_share_one_text_after_loading() {
    let transformer = edgecc::models::TransformerConfig::tiny();
    let a = compile(
        &edgecc::models::bert_encoder(&transformer, 2, 5).unwrap(),
        "lavapipe",
        Precision::F32,
    );
    let back = Artifact::from_bytes(&a.to_bytes()).unwrap();
    let ds = &back.program.dispatches;
    let mut shared = 0;
    for (i, d) in ds.iter().enumerate() {
        for e in &ds[..i] {
            if d.wgsl == e.wgsl {
                assert!(std::sync::Arc::ptr_eq(&d.wgsl, &e.wgsl), "{} and {}", d.label, e.label);
                shared += 1;
            }
        }
    }
    assert!(shared > 0, "the two layers share shaders");
}

/// A binary over a dynamic dim carries it: the program's dims, the buffers sized at run time
/// and each dispatch's launch expressions survive a round trip exactly; edits to them that do
/// not fit the program are refused naming the field.
#[test]
fn dynamic_dims_round_trip_and_bad_ones_are_refused() {
    let target = edgecc::Target::profile("lavapipe").expect("target");
    let options = edgecc::CompileOptions {
        dynamic: ["batch".to_string()].into(),
        ..Default::default()
    };
    let a = edgecc::compile(&mlp(), &target, &options).expect("compile with batch dynamic");
    assert_eq!(a.program.dims.len(), 1, "one dynamic dim");
    assert!(a.program.dispatches.iter().all(|d| d.launch.is_some()));
    assert!(matches!(
        &a.meta.inputs[0].shape[0],
        edgecc::artifact::DimSpec::Dynamic { name, max: 4 } if name == "batch"
    ));
    let bytes = a.to_bytes();
    let back = Artifact::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, a, "exact round trip");
    assert_eq!(back.to_bytes(), bytes, "canonical");
    let cases: &[(&str, &str, &str)] = &[
        ("{\"dim\":0}", "{\"dim\":5}", "uses dim 5"),
        ("\"program_dim\":0", "\"program_dim\":3", "is program dim 3"),
        (
            "\"dims\":[{\"name\":\"batch\",\"bound\":4}]",
            "\"dims\":[{\"name\":\"batch\",\"bound\":0}]",
            "program.dims[0]",
        ),
        ("\"dynamic\":[[0,0]]", "\"dynamic\":[[0,2]]", "no run could give it"),
        (
            "\"dynamic\":[[0,0]]",
            "\"dynamic\":[[0,0],[0,0]]",
            "out of order or twice",
        ),
        (
            "\"workgroups\":[{\"const\":1}",
            "\"workgroups\":[{\"const\":100000}",
            "over the 65535 per dimension",
        ),
        (
            "{\"floordiv\":[{\"add\":[{\"dim\":0},{\"const\":15}]},{\"const\":16}]}",
            "{\"floordiv\":[{\"const\":15},{\"dim\":0}]}",
            "workgroups[1]",
        ),
        (
            "{\"dynamic\":{\"name\":\"batch\",\"max\":4}}",
            "{\"static\":4}",
            "is fixed",
        ),
    ];
    for (from, to, want) in cases {
        let e = resealed_manifest(&bytes, |m| m.replacen(from, to, 1));
        assert!(e.contains(want), "{from} -> {to}: {e}");
    }
}

/// A GEMM over a dynamic M of bound 40 is three variants, each with the range of M it runs
/// at: they survive a round trip, and ranges that name no launch dim, are empty or pass the
/// bound are refused naming the field.
#[test]
fn dispatch_variants_round_trip_and_bad_ranges_are_refused() {
    let g = edgecc::ir::text::parse(
        "graph variants {
  input %x: f32[seq<=40, 8]
  input %w: f32[8, 4]
  %y: f32[seq<=40, 4] = MatMul(%x, %w)
  output %y
}",
    )
    .expect("parse");
    let target = edgecc::Target::profile("lavapipe").expect("target");
    let options = edgecc::CompileOptions {
        dynamic: ["seq".to_string()].into(),
        ..Default::default()
    };
    let a = edgecc::compile(&g, &target, &options).expect("compile with seq dynamic");
    let ranges: Vec<(u64, u64)> = a
        .program
        .dispatches
        .iter()
        .filter_map(|d| d.launch.as_ref()?.when.map(|r| (r.min, r.max)))
        .collect();
    assert_eq!(ranges, [(0, 16), (17, 32), (33, 40)]);
    let bytes = a.to_bytes();
    let back = Artifact::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, a, "exact round trip");
    assert_eq!(back.to_bytes(), bytes, "canonical");
    let from = "\"when\":{\"dim\":0,\"min\":33,\"max\":40}";
    for (to, want) in [
        (
            "\"when\":{\"dim\":1,\"min\":33,\"max\":40}",
            "must name one of the launch's 1 dims",
        ),
        ("\"when\":{\"dim\":0,\"min\":33,\"max\":20}", "with min <= max"),
        ("\"when\":{\"dim\":0,\"min\":33,\"max\":41}", "within its bound"),
    ] {
        let e = resealed_manifest(&bytes, |m| {
            assert!(m.contains(from), "{m}");
            m.replacen(from, to, 1)
        });
        assert!(e.contains(want) && e.contains(".launch.when"), "{to}: {e}");
    }
}
