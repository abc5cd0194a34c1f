//! The contract every WGSL kernel template follows.
//!
//! A template is a Rust function that returns WGSL text for *part* of a shader module: its
//! module-scope `var<workgroup>` declarations, template-private helpers and the
//! `@compute @workgroup_size(...) fn main(...)` entry point, plus the dispatch size ([`Emitted`]).
//! The caller (the fused-kernel code generator) prepends `enable f16;` when needed, the storage
//! bindings (`b0`, `b1`, ...) and the caller-defined functions the template's spec names
//! (`load_*`, `store_*`, `mask_*`), which hide indexing, dtype conversion and fused
//! prologue/epilogue work; a template never declares bindings and never knows buffer layouts.
//!
//! Naming inside emitted code: template-private identifiers start with `t_`; caller functions are
//! `load_*`, `store_*`, `mask_*`; bindings are `b0`, `b1`, ...; the caller's other helpers start
//! with `e_`. Index parameters are `i32`.
//!
//! Large dispatches: a 1-D workgroup count larger than `max_workgroups_per_dim` is folded into
//! x/y by [`grid`]; the flat workgroup id is then `wid.x + wid.y * nwg.x` (see [`FLAT_WID`]) with
//! `@builtin(workgroup_id) wid: vec3<u32>` and `@builtin(num_workgroups) nwg: vec3<u32>`, and the
//! extra workgroups of the last row must be guarded (never by an early return before a barrier).

/// What a template returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitted {
    /// WGSL for the template's part of the module (workgroup vars, `t_*` helpers, `main`).
    pub code: String,
    /// The dispatch size, each dimension at most the device's `max_workgroups_per_dim`.
    pub workgroups: [u32; 3],
    /// Invocations per workgroup (the `@workgroup_size` of `main`, one-dimensional).
    pub threads: u32,
    /// Whether the code uses subgroup operations (the device must enable `SUBGROUP`).
    pub uses_subgroups: bool,
}

/// The WGSL expression for the flat workgroup id of a dispatch folded by [`grid`].
pub const FLAT_WID: &str = "wid.x + wid.y * nwg.x";

/// Folds a 1-D count of `groups` workgroups into `[x, y, 1]` with `x = min(groups, max)` and
/// `y = ceil(groups / x)`. Errors when even the fold does not fit (`y > max`) or `max` is 0.
/// Zero groups gives the empty dispatch `[0, 1, 1]`.
pub fn grid(groups: u64, caps_max_per_dim: u32) -> Result<[u32; 3], String> {
    let max = caps_max_per_dim as u64;
    if max == 0 {
        return Err("the device allows no workgroups per dimension".into());
    }
    if groups == 0 {
        return Ok([0, 1, 1]);
    }
    let x = groups.min(max);
    let y = groups.div_ceil(x);
    if y > max {
        return Err(format!(
            "{groups} workgroups do not fit a {max} x {max} dispatch; split the kernel"
        ));
    }
    Ok([x as u32, y as u32, 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_folds() {
        assert_eq!(grid(10, 65535).unwrap(), [10, 1, 1]);
        assert_eq!(grid(65535, 65535).unwrap(), [65535, 1, 1]);
        assert_eq!(grid(65536, 65535).unwrap(), [65535, 2, 1]);
        assert_eq!(grid(7, 3).unwrap(), [3, 3, 1]);
        assert_eq!(grid(0, 3).unwrap(), [0, 1, 1]);
        assert!(grid(10, 3).is_err());
        assert!(grid(1, 0).is_err());
    }
}
