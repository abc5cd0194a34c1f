//! File-system helpers: atomic writes and safe file names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes `bytes` to `path` atomically: a new temporary file in the same directory (created
/// exclusively, so a planted file or symlink is never followed), flushed and synced, then renamed
/// over `path`, and the directory synced. A failure leaves no half-written file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_via_temp(path, bytes, false)
}

/// Writes `bytes` to the new file `path`, complete or not at all, readable by its owner only (on
/// Unix): like [`write_atomic`], but the temporary file is hard-linked into place, which fails
/// when `path` exists (a file created since the caller looked is never replaced). For secrets.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_via_temp(path, bytes, true)
}

/// The temporary-file write behind [`write_atomic`] (`private_new` false: rename over `path`)
/// and [`write_new_private`] (true: mode 0600, hard link to a new `path`).
fn write_via_temp(path: &Path, bytes: &[u8], private_new: bool) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let unique = format!(
        "{}.{}.{nanos:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let tmp = dir.join(format!(".{name}.{unique}.tmp"));
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if private_new {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if private_new {
            std::fs::hard_link(&tmp, path)?;
            let _ = std::fs::remove_file(&tmp);
        } else {
            std::fs::rename(&tmp, path)?;
        }
        // Make the new name durable; not every platform can open a directory, so best effort.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A file name for a tensor name: ASCII letters, digits, `-` and `_` are kept, every other byte
/// becomes `%XX`, so the name can never leave its directory (`/`, `..`) or collide after escaping.
pub fn safe_file_stem(name: &str) -> String {
    if name.is_empty() {
        return "%".to_string();
    }
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_escape_and_stay_distinct() {
        assert_eq!(safe_file_stem("logits"), "logits");
        assert_eq!(safe_file_stem("../etc/passwd"), "%2E%2E%2Fetc%2Fpasswd");
        assert_eq!(safe_file_stem("/layer.0/Add_output_0"), "%2Flayer%2E0%2FAdd_output_0");
        assert_eq!(safe_file_stem(".."), "%2E%2E");
        assert_eq!(safe_file_stem(""), "%");
        assert_ne!(safe_file_stem("a/b"), safe_file_stem("a%2Fb"));
        assert!(!safe_file_stem("a\\b:c").contains(['\\', ':', '/']));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("edgecc-fsutil-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.bin");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).collect();
        assert_eq!(leftovers.len(), 1);
        assert!(write_atomic(&dir.join("no/such/dir/x.bin"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_private_file_never_replaces_one_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("edgecc-fsutil-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("secret");
        write_new_private(&p, b"one").unwrap();
        let e = write_new_private(&p, b"two").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).collect();
        assert_eq!(leftovers.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
