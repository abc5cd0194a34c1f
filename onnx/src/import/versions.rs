//! The default-domain op versions across the opsets the importer maps ([`super::OPSETS`], 7 to
//! 24), and the check that a node's op exists at the model's opset.
//!
//! Each op is imported as the version in force at the model's opset (the newest `since_version`
//! not above it). Where a signature or semantics changed inside 7..=24, the op's mapping reads the
//! opset and follows that version:
//!
//! | op | before | from |
//! |---|---|---|
//! | `Softmax`, `LogSoftmax` | < 13: 2-D coercion at `axis` (default 1) | 13: along `axis` (default -1) |
//! | `Slice` | < 10: `starts`/`ends`/`axes` attributes, no steps | 10: inputs, with `steps` |
//! | `Pad` | < 11: `pads`/`value` attributes | 11: inputs; 18: `axes`; 19: `wrap` (refused) |
//! | `Clip` | < 11: `min`/`max` attributes | 11: inputs |
//! | `TopK` | < 10: `k` attribute | 10: `K` input; 11: `largest`, `sorted` |
//! | `Split` | < 13: `split` attribute, equal parts must divide | 13: input; 18: `num_outputs` |
//! | `Squeeze`, `Unsqueeze` | < 13: `axes` attribute | 13: input |
//! | `ReduceSum` | < 13: `axes` attribute | 13: input, `noop_with_empty_axes` |
//! | other `Reduce*` | < 18: `axes` attribute | 18: input, `noop_with_empty_axes` |
//! | `Dropout` | < 12: `ratio` attribute; mask of the data type before 10 | 12: `ratio`/`training_mode` inputs, bool mask |
//! | `BatchNormalization` | 7–8: `spatial` (0: per-activation parameters); < 14: 4 training outputs | 14: `training_mode`, 2 training outputs |
//! | `Upsample` | 7: `scales` attribute; 9: `scales` input (asymmetric, nearest floor) | 10: deprecated (refused) |
//! | `Resize` | 10: `scales` input only, asymmetric, nearest floor | 11: roi/scales/sizes, coordinate modes; 13, 18 (`axes`, aspect policy), 19 |
//! | `MaxPool` | < 8: one output | 8: optional `Indices` (refused when used), `storage_order` |
//! | `Cast`, `CastLike` | every opset: targets without an edgecc dtype (string, double, float8, ...) are refused | 19: `saturate`; 24: `round_mode` (float8 only) |
//! | `Shape` | < 15: whole shape | 15: `start`/`end` |
//!
//! The other ops' version changes inside the range only add element types or negative axes, which
//! the mappings accept at every version. An op that does not exist yet at the model's opset (for
//! example `Gelu` before 20) is refused, naming the op, the node and both opsets.

/// The opset from which a default-domain op exists, for the ops the importer maps that are newer
/// than opset 7 (every other supported op exists from opset 7 or before).
const SINCE: &[(&str, i64)] = &[
    ("Attention", 23),
    ("CastLike", 15),
    ("Celu", 12),
    ("ConstantOfShape", 9),
    ("CumSum", 11),
    ("Erf", 9),
    ("Expand", 8),
    ("GatherElements", 11),
    ("Gelu", 20),
    ("GreaterOrEqual", 12),
    ("GroupNormalization", 18),
    ("HardSwish", 14),
    ("IsNaN", 9),
    ("LayerNormalization", 17),
    ("LessOrEqual", 12),
    ("Mish", 18),
    ("Mod", 10),
    ("RMSNormalization", 23),
    ("Range", 11),
    ("Resize", 10),
    ("RotaryEmbedding", 23),
    ("Round", 11),
    ("ThresholdedRelu", 10),
    ("Trilu", 14),
    ("Where", 9),
];

/// Ops deprecated (removed) at an opset inside the range: the op and the opset that removed it.
const REMOVED: &[(&str, i64, &str)] = &[("Upsample", 10, "use Resize")];

/// The opset from which `op` exists, when it is newer than opset 7.
pub(crate) fn since(op: &str) -> Option<i64> {
    SINCE.iter().find(|(o, _)| *o == op).map(|&(_, v)| v)
}

/// Whether default-domain `op` exists at `opset`; the error says why not.
pub(crate) fn check(op: &str, opset: i64) -> Result<(), String> {
    if let Some(v) = since(op) {
        if opset < v {
            return Err(format!(
                "{op} does not exist at default-domain opset {opset} (it was added in opset {v}); the model \
                 is invalid for its opset"
            ));
        }
    }
    if let Some(&(_, v, instead)) = REMOVED.iter().find(|(o, _, _)| *o == op) {
        if opset >= v {
            return Err(format!(
                "{op} is deprecated from opset {v} and the model uses opset {opset}; {instead}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_table_is_sorted() {
        for w in SINCE.windows(2) {
            assert!(w[0].0 < w[1].0, "{} and {} are out of order", w[0].0, w[1].0);
        }
    }

    #[test]
    fn check_names_the_opsets() {
        assert!(check("Relu", 7).is_ok());
        let e = check("Gelu", 17).unwrap_err();
        assert!(e.contains("opset 17") && e.contains("opset 20"), "{e}");
        assert!(check("Upsample", 9).is_ok());
        let e = check("Upsample", 10).unwrap_err();
        assert!(e.contains("deprecated") && e.contains("Resize"), "{e}");
    }
}
