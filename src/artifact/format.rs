//! An [`Artifact`] to `.edgebin` bytes and files, and back; the target check.
//!
//! [`Artifact::from_bytes`] runs every check before returning anything: the container's
//! ([`super::container`]: magic, version, hashes, offsets and lengths), the sections'
//! ([`super::manifest`]: JSON schema, canonical form, shader and weight tables), the
//! signature's (valid for the key it carries), and the program's ([`super::validate`]). So an
//! `Ok` is always an executable program, and any other input is an error value — never a
//! panic, never a read out of bounds.

use super::container::{self, SectionKind, FORMAT_VERSION};
use super::{manifest, signing, validate, Artifact};
use crate::error::{Error, Result};
use std::path::Path;

impl Artifact {
    /// The `.edgebin` encoding (deterministic: the same artifact always gives the same bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let e = manifest::encode(&self.meta, &self.program);
        let sig = self.signature.as_ref().map(signing::section_bytes);
        let mut sections: Vec<(SectionKind, &[u8])> = vec![
            (SectionKind::Meta, &e.meta),
            (SectionKind::Manifest, &e.manifest),
            (SectionKind::Shaders, &e.shaders),
            (SectionKind::Weights, &e.weights),
        ];
        if let Some(s) = &sig {
            sections.push((SectionKind::Signature, s));
        }
        container::assemble(FORMAT_VERSION, &sections)
    }

    /// Parses and checks a `.edgebin` (see the module docs). A signed binary's signature must
    /// be valid for the key it carries; whether that key is trusted is
    /// [`Artifact::verify_signature`]'s question.
    pub fn from_bytes(bytes: &[u8]) -> Result<Artifact> {
        Artifact::from_sections(&container::parse(bytes)?)
    }

    /// [`Artifact::from_bytes`] for a device that runs only its publisher's binaries: right after
    /// the container's checks (magic, version, hashes, offsets), and before the manifest, the
    /// shaders or the weights are decoded, the binary must carry a signature by `key` that
    /// matches its contents.
    pub fn from_bytes_signed_by(bytes: &[u8], key: &ed25519_dalek::VerifyingKey) -> Result<Artifact> {
        let sections = container::parse(bytes)?;
        let expected = signing::hex(key.as_bytes());
        let Some(sig) = sections.get(4) else {
            return Err(Error::Unsigned { expected });
        };
        let s = signing::check_embedded(sig, sections.get(..4).unwrap_or(&[]))?;
        if &s.public_key != key.as_bytes() {
            return Err(Error::WrongSigner {
                found: signing::hex(&s.public_key),
                expected,
            });
        }
        Artifact::from_sections(&sections)
    }

    fn from_sections(sections: &[container::Section<'_>]) -> Result<Artifact> {
        let (Some(meta), Some(man), Some(shaders), Some(weights)) =
            (sections.first(), sections.get(1), sections.get(2), sections.get(3))
        else {
            // `container::parse` guarantees the four sections.
            return Err(Error::CorruptBinary {
                offset: container::HEADER_BYTES as u64,
                message: "missing sections".into(),
            });
        };
        let (meta, program) = manifest::decode(meta, man, shaders, weights)?;
        let signature = match sections.get(4) {
            Some(s) => Some(signing::check_embedded(s, sections.get(..4).unwrap_or(&[]))?),
            None => None,
        };
        let a = Artifact {
            meta,
            program,
            signature,
        };
        validate::validate(&a)?;
        Ok(a)
    }

    /// Checks that the artifact is a valid executable (what [`Artifact::from_bytes`] checks
    /// after parsing).
    pub fn validate(&self) -> Result<()> {
        validate::validate(self)
    }

    /// Writes the binary to `path` atomically (a failure leaves no partial file).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        crate::fsutil::write_atomic(path, &self.to_bytes()).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads and checks the binary at `path`; errors name the file.
    pub fn read(path: impl AsRef<Path>) -> Result<Artifact> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Artifact::from_bytes(&bytes).map_err(|e| in_file(path, e))
    }

    /// [`Artifact::read`] through [`Artifact::from_bytes_signed_by`]: the signature by `key` is
    /// checked before anything else of the binary is decoded.
    pub fn read_signed_by(path: impl AsRef<Path>, key: &ed25519_dalek::VerifyingKey) -> Result<Artifact> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Artifact::from_bytes_signed_by(&bytes, key).map_err(|e| in_file(path, e))
    }

    /// Refuses the binary unless it was compiled for `device_profile` (the profile of the
    /// device it is about to run on); the error names both.
    pub fn check_target(&self, device_profile: &str) -> Result<()> {
        if self.meta.target == device_profile {
            return Ok(());
        }
        Err(Error::TargetMismatch {
            binary: self.meta.target.clone(),
            device: device_profile.to_string(),
        })
    }

    /// The binary's header and manifest as JSON, for printing (`edgecc inspect`): the format
    /// version, the META and MANIFEST sections as stored, every section's kind, length and
    /// SHA-256, and the signer's public key.
    pub fn manifest_json(&self) -> serde_json::Value {
        let e = manifest::encode(&self.meta, &self.program);
        let sig = self.signature.as_ref().map(signing::section_bytes);
        let mut sections = vec![
            (SectionKind::Meta, e.meta.as_slice()),
            (SectionKind::Manifest, e.manifest.as_slice()),
            (SectionKind::Shaders, e.shaders.as_slice()),
            (SectionKind::Weights, e.weights.as_slice()),
        ];
        if let Some(s) = &sig {
            sections.push((SectionKind::Signature, s));
        }
        let parse = |b: &[u8]| serde_json::from_slice(b).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "format_version": FORMAT_VERSION,
            "meta": parse(&e.meta),
            "manifest": parse(&e.manifest),
            "sections": sections
                .iter()
                .map(|(k, b)| serde_json::json!({
                    "kind": k.name(),
                    "length": b.len(),
                    "sha256": signing::hex(&container::sha256(b)),
                }))
                .collect::<Vec<_>>(),
            "signature": self
                .signature
                .as_ref()
                .map(|s| serde_json::json!({ "public_key": signing::hex(&s.public_key) })),
        })
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn in_file(path: &Path, e: Error) -> Error {
    Error::BinaryFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    }
}
