//! The example graphs in `examples/` are generated from `edgecc::models`; this test checks that
//! they are up to date, parse back, and verify. `EDGECC_BLESS=1 cargo test --test
//! examples_up_to_date` rewrites them.

use edgecc::models::{gpt2_block, mlp, MlpConfig, TransformerConfig};
use edgecc_ir::Graph;
use std::path::Path;

fn check(file: &str, g: &Graph) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(file);
    let text = g.to_string();
    let parsed = edgecc_ir::parse(&text).expect("printed example parses");
    edgecc_ir::verify(&parsed).expect("example verifies");
    assert_eq!(parsed.to_string(), text, "{file}: print -> parse -> print differs");
    if std::env::var_os("EDGECC_BLESS").is_some() {
        std::fs::write(&path, &text).expect("write example");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{} is stale: run `EDGECC_BLESS=1 cargo test --test examples_up_to_date`",
        path.display()
    );
}

#[test]
fn mlp_example_is_up_to_date() {
    check("mlp.eir", &mlp(&MlpConfig::tiny(), 1).expect("mlp builds"));
}

#[test]
fn transformer_block_example_is_up_to_date() {
    check(
        "transformer_block.eir",
        &gpt2_block(&TransformerConfig::tiny(), 2).expect("gpt2 block builds"),
    );
}
