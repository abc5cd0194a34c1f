//! `edgecc-backends`: the backends that execute a graph. For now: [`reference`], the CPU
//! interpreter that is the oracle for every other backend and every pass.

#![forbid(unsafe_code)]

pub mod reference;
