//! Optional ed25519 signing of device binaries, and key files.
//!
//! A signature covers the binary's *content digest*: SHA-256 of the domain tag
//! `b"edgecc.edgebin.signature.v1\0"`, the format version (`u32` LE), the number of signed
//! sections (`u32` LE) and, for every section but the signature (META, MANIFEST, SHADERS,
//! WEIGHTS, in order), its kind (`u32` LE), length (`u64` LE) and SHA-256. It does not depend on
//! offsets or on the signature section itself, so signing again replaces the signature and
//! nothing else. The SIGNATURE section holds the signer's public key (32 bytes) and the
//! signature (64 bytes).
//!
//! A loader checks that a signed binary's signature is valid for the public key it carries
//! (else the binary was changed after signing); [`Artifact::verify_signature`] checks, in
//! addition, that this key is the one the device trusts: a device runs only binaries from its
//! publisher.
//!
//! Key files are one line of text: `edgecc-ed25519-secret-key <64 hex digits>` (the 32-byte
//! secret seed; written with mode 0600 on Unix) and `edgecc-ed25519-public-key <64 hex digits>`
//! (the file name of the secret key with `.pub` appended).

use super::container::{self, SectionKind, FORMAT_VERSION};
use super::{manifest, Artifact, Signature};
use crate::error::{Error, Result};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use std::path::{Path, PathBuf};

const DOMAIN: &[u8] = b"edgecc.edgebin.signature.v1\0";
const SECRET_TAG: &str = "edgecc-ed25519-secret-key";
const PUBLIC_TAG: &str = "edgecc-ed25519-public-key";
/// Bytes of the SIGNATURE section.
pub const SIGNATURE_SECTION_BYTES: usize = 96;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The content digest of signed sections given as (kind, length, SHA-256), in order.
pub fn content_digest(version: u32, sections: &[(SectionKind, u64, [u8; 32])]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(version.to_le_bytes());
    h.update((sections.len() as u32).to_le_bytes());
    for (kind, len, sha) in sections {
        h.update(kind.code().to_le_bytes());
        h.update(len.to_le_bytes());
        h.update(sha);
    }
    h.finalize().into()
}

/// The signed sections of `a` as (kind, length, SHA-256).
fn signed_sections(a: &Artifact) -> Vec<(SectionKind, u64, [u8; 32])> {
    let e = manifest::encode(&a.meta, &a.program);
    [
        (SectionKind::Meta, &e.meta),
        (SectionKind::Manifest, &e.manifest),
        (SectionKind::Shaders, &e.shaders),
        (SectionKind::Weights, &e.weights),
    ]
    .into_iter()
    .map(|(k, b)| (k, b.len() as u64, container::sha256(b)))
    .collect()
}

/// The SIGNATURE section's bytes.
pub(super) fn section_bytes(s: &Signature) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNATURE_SECTION_BYTES);
    out.extend_from_slice(&s.public_key);
    out.extend_from_slice(&s.signature);
    out
}

fn check(public_key: &[u8; 32], signature: &[u8; 64], digest: &[u8; 32]) -> Result<()> {
    let key = VerifyingKey::from_bytes(public_key).map_err(|e| {
        Error::BadSignature(format!(
            "the signer's public key {} is not a valid ed25519 key: {e}",
            hex(public_key)
        ))
    })?;
    let sig = ed25519_dalek::Signature::from_bytes(signature);
    key.verify_strict(digest, &sig).map_err(|_| {
        Error::BadSignature(format!(
            "the signature by key {} does not match the binary's contents: the binary was changed after it was \
             signed",
            hex(public_key)
        ))
    })
}

/// Reads and checks the SIGNATURE section `s` of a parsed binary whose other sections are
/// `signed` (the signature must be valid for the key it carries).
pub(super) fn check_embedded(s: &container::Section<'_>, signed: &[container::Section<'_>]) -> Result<Signature> {
    let bytes = s.bytes;
    if bytes.len() != SIGNATURE_SECTION_BYTES {
        return Err(Error::CorruptBinary {
            offset: s.offset,
            message: format!(
                "section SIGNATURE has {} bytes; it has {SIGNATURE_SECTION_BYTES} (a public key and a signature)",
                bytes.len()
            ),
        });
    }
    let mut public_key = [0u8; 32];
    let mut signature = [0u8; 64];
    public_key.copy_from_slice(bytes.get(..32).unwrap_or(&[0; 32]));
    signature.copy_from_slice(bytes.get(32..).unwrap_or(&[0; 64]));
    let list: Vec<(SectionKind, u64, [u8; 32])> = signed
        .iter()
        .map(|s| (s.kind, s.bytes.len() as u64, s.sha256))
        .collect();
    check(&public_key, &signature, &content_digest(FORMAT_VERSION, &list))?;
    Ok(Signature { public_key, signature })
}

impl Artifact {
    /// The digest a signature covers (see the module docs).
    pub fn content_digest(&self) -> [u8; 32] {
        content_digest(FORMAT_VERSION, &signed_sections(self))
    }

    /// Signs the binary with `key`, replacing any signature it had.
    pub fn sign(&mut self, key: &SigningKey) {
        let digest = self.content_digest();
        let sig = key.sign(&digest);
        self.signature = Some(Signature {
            public_key: key.verifying_key().to_bytes(),
            signature: sig.to_bytes(),
        });
    }

    /// Checks that the binary is signed by `key` and unchanged since: an unsigned binary, one
    /// signed by another key, and one changed after signing are distinct errors.
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<()> {
        let expected = hex(key.as_bytes());
        let Some(s) = &self.signature else {
            return Err(Error::Unsigned { expected });
        };
        if &s.public_key != key.as_bytes() {
            return Err(Error::WrongSigner {
                found: hex(&s.public_key),
                expected,
            });
        }
        check(&s.public_key, &s.signature, &self.content_digest())
    }
}

/// A new random signing key from the operating system's generator.
pub fn try_generate_key() -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::KeyFile {
        path: PathBuf::from("<random>"),
        message: format!("the operating system's random generator failed: {e}"),
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The public-key file that goes with the secret key file `secret`: its name with `.pub`
/// appended.
pub fn public_key_path(secret: &Path) -> PathBuf {
    let mut s = secret.as_os_str().to_os_string();
    s.push(".pub");
    PathBuf::from(s)
}

fn key_error(path: &Path, message: impl Into<String>) -> Error {
    Error::KeyFile {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Writes the key pair of `key`: the secret key to `secret_path` (mode 0600 on Unix) and the
/// public key to [`public_key_path`]`(secret_path)`, each atomically. An existing secret key
/// file is never overwritten (it would be lost): remove it first.
pub fn write_key_pair(secret_path: &Path, key: &SigningKey) -> Result<()> {
    if secret_path.exists() {
        return Err(key_error(
            secret_path,
            "already exists; a signing key is never overwritten (remove the file first, or choose another path)",
        ));
    }
    let secret = format!("{SECRET_TAG} {}\n", hex(&key.to_bytes()));
    crate::fsutil::write_new_private(secret_path, secret.as_bytes()).map_err(|source| Error::Io {
        path: secret_path.to_path_buf(),
        source,
    })?;
    let public_path = public_key_path(secret_path);
    let public = format!("{PUBLIC_TAG} {}\n", hex(key.verifying_key().as_bytes()));
    crate::fsutil::write_atomic(&public_path, public.as_bytes()).map_err(|source| Error::Io {
        path: public_path,
        source,
    })
}

/// Reads a key file and returns its 32 key bytes, checking it holds a key of kind `tag`.
fn read_key_file(path: &Path, tag: &str) -> Result<[u8; 32]> {
    let (what, other) = if tag == SECRET_TAG {
        (
            "a secret (signing) key",
            "a public key file; signing needs the secret key file",
        )
    } else {
        (
            "a public key",
            "a secret key file; give the public key file (`.pub`) to check signatures with",
        )
    };
    // At most 4 KiB is read, whatever the file is (a FIFO, a device, a huge file).
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4097), &mut bytes))
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() > 4096 {
        return Err(key_error(path, "is too long for a key file (over 4096 bytes)"));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| key_error(path, format!("not a key file: expected {what} as text")))?;
    let line = text.trim();
    let (found_tag, key) = line.split_once(' ').unwrap_or((line, ""));
    let other_tag = if tag == SECRET_TAG { PUBLIC_TAG } else { SECRET_TAG };
    if found_tag == other_tag {
        return Err(key_error(path, format!("is {other}")));
    }
    if found_tag != tag {
        return Err(key_error(
            path,
            format!("not an edgecc key file: expected `{tag} <64 hex digits>` ({what})"),
        ));
    }
    unhex32(key.trim()).ok_or_else(|| key_error(path, format!("the key is not 64 hex digits ({what} is 32 bytes)")))
}

/// Reads a secret key file written by [`write_key_pair`].
pub fn read_signing_key(path: &Path) -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(&read_key_file(path, SECRET_TAG)?))
}

/// Reads a public key file written by [`write_key_pair`].
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let bytes = read_key_file(path, PUBLIC_TAG)?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| key_error(path, format!("not a valid ed25519 public key: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let b: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(unhex32(&hex(&b)), Some(b));
        assert_eq!(unhex32("zz"), None);
        assert_eq!(unhex32(&"é".repeat(32)), None);
    }

    #[test]
    fn key_files_round_trip_and_name_the_file() {
        let dir = std::env::temp_dir().join(format!(
            "edgecc-keys-{}-{}",
            std::process::id(),
            hex(&try_generate_key().unwrap().to_bytes()[..4])
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("publisher.key");
        let key = try_generate_key().unwrap();
        write_key_pair(&secret, &key).unwrap();
        assert_eq!(read_signing_key(&secret).unwrap().to_bytes(), key.to_bytes());
        let public = public_key_path(&secret);
        assert_eq!(read_verifying_key(&public).unwrap(), key.verifying_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let e = read_verifying_key(&secret).unwrap_err().to_string();
        assert!(e.contains("publisher.key") && e.contains("secret key file"), "{e}");
        let e = read_signing_key(&public).unwrap_err().to_string();
        assert!(e.contains("publisher.key.pub") && e.contains("public key file"), "{e}");
        let e = write_key_pair(&secret, &key).unwrap_err().to_string();
        assert!(e.contains("never overwritten"), "{e}");
        std::fs::write(&public, "edgecc-ed25519-public-key 12\n").unwrap();
        let e = read_verifying_key(&public).unwrap_err().to_string();
        assert!(e.contains("64 hex digits"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
