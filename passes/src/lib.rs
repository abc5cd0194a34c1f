//! `edgecc-passes`: the pass manager and the optimization passes (one pass per file): cleanup,
//! e-graph simplification with egg, operator fusion into a kernel graph, and memory planning.
//! Each takes an `edgecc_ir::Graph` as a value and returns a new one; the verifier runs after
//! every pass in debug and test builds. Not written yet.

#![forbid(unsafe_code)]
