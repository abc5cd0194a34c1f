//! The `.edgebin` container: a header, a section table, the sections, and a trailer hash.
//!
//! # Layout (format version 2)
//!
//! Version 2 (issue 12) added the code table (format, arch, entry point per code entry), each
//! dispatch's problem key and schedule, and the device limits the code was generated for;
//! a version-1 binary is refused with a message that says to recompile.
//!
//! All integers are little-endian. Offsets are from the start of the file.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `b"EDGEBIN\0"` |
//! | 8 | 4 | format version (`u32`, 2) |
//! | 12 | 4 | section count `n` (`u32`, 4 or 5) |
//! | 16 | 56 × n | section table: per section `kind: u32`, `flags: u32` (0), `offset: u64`, `length: u64`, `sha256: [u8; 32]` of its bytes |
//! | … | | zero padding, then the sections in table order, each at the first offset after the previous one (after the table for the first) that is a multiple of its alignment, zero padding between |
//! | len − 32 | 32 | trailer: SHA-256 of every byte before it |
//!
//! The trailer directly follows the last section. Sections, in this order, each exactly once:
//!
//! | kind | name | alignment | contents |
//! |---|---|---|---|
//! | 1 | META | 64 | JSON: edgecc version, target profile, backend, precision, device requirements |
//! | 2 | MANIFEST | 64 | JSON: inputs and outputs (names, dtypes, shapes with symbolic dims), buffers with the arena plan, dispatches (kernel, label, shader, bindings, workgroups), the shader table and the weight table (see `manifest`) |
//! | 3 | SHADERS | 64 | the code: the distinct kernel texts (WGSL today), concatenated in order of first use |
//! | 4 | WEIGHTS | 256 | every weight in its packed device layout, each at an offset that is a multiple of 256 (from the section start, so also from the file start), zero padding between |
//! | 5 | SIGNATURE | 64 | optional: ed25519 public key (32 bytes) and signature (64 bytes) over the content digest (see `signing`) |
//!
//! The layout is canonical: one artifact has exactly one encoding, and the loader refuses any
//! other (a section not at its canonical offset, non-zero padding, bytes after the trailer).
//!
//! # Checks, in order
//!
//! [`parse`] checks, before anything is interpreted: the size and the magic, the format version
//! (a newer one is refused naming both versions), the trailer hash (a corrupt or truncated file),
//! the table's bounds, every section's kind, order, offset and length (inside the file, in order,
//! not overlapping, canonical), the padding, and every section's SHA-256. Errors name the byte
//! offset of the offending field.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};

/// The first 8 bytes of every device binary.
pub const MAGIC: [u8; 8] = *b"EDGEBIN\0";
/// The format version this edgecc writes and reads.
pub const FORMAT_VERSION: u32 = 2;
/// Bytes of the fixed header (magic, version, section count).
pub const HEADER_BYTES: usize = 16;
/// Bytes of one section-table entry.
pub const ENTRY_BYTES: usize = 56;
/// Bytes of the trailer hash.
pub const TRAILER_BYTES: usize = 32;
/// Alignment of the weights section and of every weight inside it.
pub const WEIGHT_ALIGN: u64 = 256;
/// Alignment of every other section.
pub const SECTION_ALIGN: u64 = 64;

/// What a section holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SectionKind {
    Meta = 1,
    Manifest = 2,
    Shaders = 3,
    Weights = 4,
    Signature = 5,
}

impl SectionKind {
    /// The kind with table code `code`.
    pub fn from_code(code: u32) -> Option<SectionKind> {
        Some(match code {
            1 => SectionKind::Meta,
            2 => SectionKind::Manifest,
            3 => SectionKind::Shaders,
            4 => SectionKind::Weights,
            5 => SectionKind::Signature,
            _ => return None,
        })
    }

    /// The table code.
    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn name(self) -> &'static str {
        match self {
            SectionKind::Meta => "META",
            SectionKind::Manifest => "MANIFEST",
            SectionKind::Shaders => "SHADERS",
            SectionKind::Weights => "WEIGHTS",
            SectionKind::Signature => "SIGNATURE",
        }
    }

    /// Alignment of the section's offset in the file.
    pub fn align(self) -> u64 {
        match self {
            SectionKind::Weights => WEIGHT_ALIGN,
            _ => SECTION_ALIGN,
        }
    }
}

/// The sections a binary has, in order: the four required ones, then the optional signature.
const ORDER: [SectionKind; 5] = [
    SectionKind::Meta,
    SectionKind::Manifest,
    SectionKind::Shaders,
    SectionKind::Weights,
    SectionKind::Signature,
];

/// One section of a parsed binary, its hash checked.
#[derive(Clone, Copy, Debug)]
pub struct Section<'a> {
    pub kind: SectionKind,
    /// Offset of its first byte in the file.
    pub offset: u64,
    pub bytes: &'a [u8],
    pub sha256: [u8; 32],
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `n` rounded up to a multiple of `align` (a power of two); `None` on overflow.
pub fn align_up(n: u64, align: u64) -> Option<u64> {
    Some(n.checked_add(align - 1)? & !(align - 1))
}

/// Lays out `sections` (kinds in [`ORDER`]; the caller guarantees that) as a binary of format
/// version `version`.
pub fn assemble(version: u32, sections: &[(SectionKind, &[u8])]) -> Vec<u8> {
    let table_end = HEADER_BYTES + ENTRY_BYTES * sections.len();
    let mut out =
        Vec::with_capacity(table_end + sections.iter().map(|(_, b)| b.len() + 256).sum::<usize>() + TRAILER_BYTES);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    out.resize(table_end, 0);
    for (i, (kind, bytes)) in sections.iter().enumerate() {
        let align = kind.align() as usize;
        out.resize(out.len().div_ceil(align) * align, 0);
        let offset = out.len() as u64;
        let entry = HEADER_BYTES + ENTRY_BYTES * i;
        let mut e = Vec::with_capacity(ENTRY_BYTES);
        e.extend_from_slice(&kind.code().to_le_bytes());
        e.extend_from_slice(&0u32.to_le_bytes());
        e.extend_from_slice(&offset.to_le_bytes());
        e.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        e.extend_from_slice(&sha256(bytes));
        out[entry..entry + ENTRY_BYTES].copy_from_slice(&e);
        out.extend_from_slice(bytes);
    }
    let trailer = sha256(&out);
    out.extend_from_slice(&trailer);
    out
}

fn corrupt(offset: u64, message: impl Into<String>) -> Error {
    Error::CorruptBinary {
        offset,
        message: message.into(),
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// How the first bytes of a file that is not a device binary look (for the error message).
fn describe_start(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "an empty file".into();
    }
    let head = &bytes[..bytes.len().min(8)];
    let text: String = head
        .iter()
        .map(|&b| match b {
            b' '..=b'~' if b != b'\\' && b != b'"' => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect();
    format!("\"{text}\"")
}

/// Checks the magic and the format version: what a reader needs to know whether it may read
/// the rest at all.
pub fn check_magic_and_version(bytes: &[u8]) -> Result<()> {
    let n = bytes.len();
    let start = &bytes[..n.min(MAGIC.len())];
    if start != &MAGIC[..start.len()] || n == 0 {
        return Err(Error::NotEdgebin {
            found: describe_start(bytes),
        });
    }
    let Some(version) = u32_at(bytes, 8) else {
        return Err(corrupt(
            n as u64,
            format!("the file ends after {n} bytes, inside the header (16 bytes)"),
        ));
    };
    if version != FORMAT_VERSION {
        return Err(Error::BinaryVersion {
            found: version,
            supported: FORMAT_VERSION,
            edgecc: env!("CARGO_PKG_VERSION").to_string(),
            hint: if version > FORMAT_VERSION {
                "; the binary was written by a newer edgecc: upgrade edgecc to load it, or recompile the model \
                 with this one"
            } else {
                "; recompile the model with this edgecc"
            },
        });
    }
    Ok(())
}

/// Parses and checks a whole binary (see the module docs for the order of the checks) and
/// returns its sections in table order.
pub fn parse(bytes: &[u8]) -> Result<Vec<Section<'_>>> {
    check_magic_and_version(bytes)?;
    let n = bytes.len();
    let min = HEADER_BYTES + TRAILER_BYTES;
    if n < min {
        return Err(corrupt(
            n as u64,
            format!("the file ends after {n} bytes; even an empty binary has {min}"),
        ));
    }
    let body_end = n - TRAILER_BYTES;
    let (body, trailer) = bytes.split_at(body_end);
    if sha256(body).as_slice() != trailer {
        return Err(corrupt(
            body_end as u64,
            "the SHA-256 of the file (its last 32 bytes) does not match its contents",
        ));
    }
    // From here on, every byte is as the writer wrote it (or as someone who recomputed the
    // trailer wrote it): check the structure without trusting any of it.
    let count = u32_at(bytes, 12).unwrap_or(0);
    let count_ok = count as usize == ORDER.len() - 1 || count as usize == ORDER.len();
    if !count_ok {
        return Err(corrupt(
            12,
            format!(
                "the section table has {count} entries; a binary has {} or {} (with a signature)",
                ORDER.len() - 1,
                ORDER.len()
            ),
        ));
    }
    let count = count as usize;
    let table_end = HEADER_BYTES + ENTRY_BYTES * count;
    if table_end > body_end {
        return Err(corrupt(
            HEADER_BYTES as u64,
            format!("the section table ({count} entries) runs past the end of the file"),
        ));
    }
    let mut sections = Vec::with_capacity(count);
    let mut prev_end = table_end as u64;
    for (i, &want) in ORDER.iter().take(count).enumerate() {
        let entry = HEADER_BYTES + ENTRY_BYTES * i;
        let code = u32_at(bytes, entry).unwrap_or(0);
        let kind = SectionKind::from_code(code);
        if kind != Some(want) {
            let what = match kind {
                Some(k) => format!("section {}", k.name()),
                None => format!("unknown section kind {code}"),
            };
            return Err(corrupt(
                entry as u64,
                format!(
                    "section table entry {i} is {what}; expected section {} (sections META, MANIFEST, SHADERS, \
                     WEIGHTS and optionally SIGNATURE, in this order)",
                    want.name()
                ),
            ));
        }
        let flags = u32_at(bytes, entry + 4).unwrap_or(u32::MAX);
        if flags != 0 {
            return Err(corrupt(
                entry as u64 + 4,
                format!("section {}: flags are {flags:#x}, must be 0", want.name()),
            ));
        }
        let offset = u64_at(bytes, entry + 8).unwrap_or(u64::MAX);
        let length = u64_at(bytes, entry + 16).unwrap_or(u64::MAX);
        let Some(expected) = align_up(prev_end, want.align()) else {
            return Err(corrupt(entry as u64 + 8, "section offset overflows"));
        };
        if offset != expected {
            return Err(corrupt(
                entry as u64 + 8,
                format!(
                    "section {} is at offset {offset}; it must start at {expected} (the first multiple of {} after \
                     the previous section)",
                    want.name(),
                    want.align()
                ),
            ));
        }
        let end = offset.checked_add(length).filter(|&e| e <= body_end as u64);
        let Some(end) = end else {
            return Err(corrupt(
                entry as u64 + 16,
                format!(
                    "section {} ({length} bytes at offset {offset}) runs past the end of the file's sections \
                     (offset {body_end})",
                    want.name()
                ),
            ));
        };
        // Both bounds are within `body_end` <= `n`.
        let padding = bytes.get(prev_end as usize..offset as usize).unwrap_or(&[]);
        if let Some(p) = padding.iter().position(|&b| b != 0) {
            return Err(corrupt(
                prev_end + p as u64,
                format!("the padding before section {} is not zero", want.name()),
            ));
        }
        let data = bytes.get(offset as usize..end as usize).unwrap_or(&[]);
        let mut sha = [0u8; 32];
        if let Some(h) = bytes.get(entry + 24..entry + ENTRY_BYTES) {
            sha.copy_from_slice(h);
        }
        if sha256(data) != sha {
            return Err(corrupt(
                offset,
                format!(
                    "the SHA-256 of section {} ({length} bytes) does not match the one in the section table",
                    want.name()
                ),
            ));
        }
        sections.push(Section {
            kind: want,
            offset,
            bytes: data,
            sha256: sha,
        });
        prev_end = end;
    }
    if prev_end != body_end as u64 {
        return Err(corrupt(
            prev_end,
            format!(
                "{} bytes between the last section and the trailer; the trailer must follow the last section",
                body_end as u64 - prev_end
            ),
        ));
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        assemble(
            FORMAT_VERSION,
            &[
                (SectionKind::Meta, b"{}"),
                (SectionKind::Manifest, b"[1]"),
                (SectionKind::Shaders, b"fn main() {}"),
                (SectionKind::Weights, &[1, 2, 3, 4]),
            ],
        )
    }

    #[test]
    fn assembled_sections_parse_back_aligned() {
        let bytes = sample();
        let s = parse(&bytes).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(s[1].bytes, b"[1]");
        assert_eq!(s[3].offset % WEIGHT_ALIGN, 0);
        assert!(s.iter().all(|s| s.offset % SECTION_ALIGN == 0));
        assert_eq!(s[3].bytes, &[1, 2, 3, 4]);
    }

    #[test]
    fn every_flipped_bit_and_truncation_is_an_error() {
        let bytes = sample();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(parse(&b).is_err(), "byte {i} bit {bit}");
            }
        }
        for n in 0..bytes.len() {
            assert!(parse(&bytes[..n]).is_err(), "truncated to {n}");
        }
    }

    #[test]
    fn resealed_table_damage_is_caught() {
        let bytes = sample();
        let reseal = |mut b: Vec<u8>| {
            let n = b.len() - TRAILER_BYTES;
            let h = sha256(&b[..n]);
            b[n..].copy_from_slice(&h);
            b
        };
        // Every byte of the header and table, changed, with a valid trailer.
        for i in 0..HEADER_BYTES + 4 * ENTRY_BYTES {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= x;
                let b = reseal(b);
                assert!(parse(&b).is_err(), "byte {i} ^ {x:#x}");
            }
        }
    }

    #[test]
    fn magic_and_version_errors_name_what_they_found() {
        let e = parse(b"PK\x03\x04 zip file").unwrap_err().to_string();
        assert!(
            e.contains("not an edgecc device binary") && e.contains("PK\\x03\\x04"),
            "{e}"
        );
        let mut b = sample();
        b[8] = 7;
        let e = parse(&b).unwrap_err().to_string();
        assert!(
            e.contains("format version 7") && e.contains("reads format version 2") && e.contains("newer"),
            "{e}"
        );
        // A version-1 binary (before the code table and problem keys) says to recompile.
        b[8] = 1;
        let e = parse(&b).unwrap_err().to_string();
        assert!(
            e.contains("format version 1") && e.contains("recompile the model"),
            "{e}"
        );
    }
}
