//! Helpers shared by the WGSL template tests: the device (opened once per test binary; a missing
//! adapter fails the test) and a seeded generator of nonzero values.
#![allow(dead_code)]

use edgecc_backends::wgsl::Gpu;
use std::sync::OnceLock;

pub fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| Gpu::open(None).expect("a Vulkan adapter (install mesa-vulkan-drivers)"))
}

/// xorshift64*: uniform in [-1, 1), never exactly zero.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let u = (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32;
        let v = u * 2.0 - 1.0;
        if v == 0.0 {
            0.375
        } else {
            v
        }
    }

    pub fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}
