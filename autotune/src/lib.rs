//! `edgecc-autotune`: device profiles (`profiles/*.toml`: workgroup limits, shared memory,
//! subgroup size, dtypes, tensor-core shapes, peak FLOP/s and bandwidth), the tiling search space,
//! a cost model, on-device measurement and the tuning database. Not written yet.

#![forbid(unsafe_code)]
