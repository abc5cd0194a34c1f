//! A memory budget for running graphs on the CPU: refuse a graph whose tensors would not fit
//! before allocating anything, instead of letting the process abort on a failed allocation.

use crate::error::{Error, Result};
use edgecc_ir::Graph;

/// Default limit on the bytes of any one tensor: 4 GiB. `EDGECC_MAX_TENSOR_BYTES` overrides it.
pub const DEFAULT_MAX_TENSOR_BYTES: u64 = 4 << 30;

/// The per-tensor byte limit in force (the environment variable, or the default).
pub fn max_tensor_bytes() -> u64 {
    std::env::var("EDGECC_MAX_TENSOR_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_MAX_TENSOR_BYTES)
}

/// Checks every value of `g` (symbolic dims at their bound) against `max_bytes`; the error names
/// the first value that does not fit.
pub fn check_tensor_sizes(g: &Graph, max_bytes: u64) -> Result<()> {
    for v in g.values() {
        let n = v.ty.shape.max_numel();
        let bytes = n.saturating_mul(v.ty.dtype.bits() as u64).div_ceil(8);
        if bytes > max_bytes {
            return Err(Error::TooLarge {
                value: v.name.clone(),
                ty: v.ty.to_string(),
                bytes,
                max: max_bytes,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgecc_ir::{DType, Dim, Shape};

    #[test]
    fn names_the_value_that_does_not_fit() {
        let mut g = Graph::new("g");
        let x = g
            .add_input("x", DType::F32, Shape(vec![Dim::sym("seq", 4096), Dim::Static(4096)]))
            .unwrap();
        g.add_output(x).unwrap();
        assert!(check_tensor_sizes(&g, 64 << 20).is_ok());
        let e = check_tensor_sizes(&g, 1 << 20).unwrap_err().to_string();
        assert!(e.contains("`x`") && e.contains("--shape"), "{e}");
    }
}
