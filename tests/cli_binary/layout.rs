//! Reading the `.edgebin` container layout from raw bytes (see `src/artifact/container.rs`), so
//! the corruption tests can aim at each part of a binary, and resealing a changed binary (every
//! section hash and the trailer recomputed) so that only the deeper checks can catch a change.

use sha2::{Digest, Sha256};

pub const HEADER_BYTES: usize = 16;
pub const ENTRY_BYTES: usize = 56;
pub const TRAILER_BYTES: usize = 32;

/// Section kinds, as in the table.
pub const META: u32 = 1;
pub const MANIFEST: u32 = 2;
pub const SHADERS: u32 = 3;
pub const WEIGHTS: u32 = 4;
pub const SIGNATURE: u32 = 5;

/// One section-table entry.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub kind: u32,
    pub offset: usize,
    pub length: usize,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> usize {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes")) as usize
}

/// The section table of a well-formed binary.
pub fn sections(b: &[u8]) -> Vec<Entry> {
    assert_eq!(&b[..8], b"EDGEBIN\0", "a device binary");
    let n = u32_at(b, 12) as usize;
    (0..n)
        .map(|i| {
            let e = HEADER_BYTES + ENTRY_BYTES * i;
            Entry {
                kind: u32_at(b, e),
                offset: u64_at(b, e + 8),
                length: u64_at(b, e + 16),
            }
        })
        .collect()
}

/// The section of `kind`.
pub fn section(b: &[u8], kind: u32) -> Entry {
    sections(b)
        .into_iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("no section of kind {kind}"))
}

/// Recomputes every section's SHA-256 in the table and the trailer hash.
pub fn reseal(b: &mut [u8]) {
    for (i, e) in sections(b).into_iter().enumerate() {
        let sha: [u8; 32] = Sha256::digest(&b[e.offset..e.offset + e.length]).into();
        let at = HEADER_BYTES + ENTRY_BYTES * i + 24;
        b[at..at + 32].copy_from_slice(&sha);
    }
    let end = b.len() - TRAILER_BYTES;
    let trailer: [u8; 32] = Sha256::digest(&b[..end]).into();
    b[end..].copy_from_slice(&trailer);
}
