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

/// Longest stem [`safe_file_stem`] returns, in bytes (file systems hold 255 per name).
const MAX_STEM: usize = 200;

/// A file name for a tensor name, escaping only what a file name cannot hold: `/`, `\`, `%`
/// itself, NUL and other control characters, the characters Windows refuses (`: * ? " < > |`),
/// and a leading `.` (so no name is `.`, `..` or hidden) become `%XX` (one per UTF-8 byte);
/// letters, digits, `.`, `_`, `-`, spaces and other printable characters stay
/// (`present.0.key` → `present.0.key`, `/logits` → `%2Flogits`, `..` → `%2E.`). The empty name
/// is `%`. A stem that would be longer than 200 bytes is cut and ends in `%~` and a hash of the
/// whole name. So a name never leaves its directory, and distinct names stay distinct.
pub fn safe_file_stem(name: &str) -> String {
    if name.is_empty() {
        return "%".to_string();
    }
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.char_indices() {
        let escape = c.is_control() || "/\\%:*?\"<>|".contains(c) || (i == 0 && c == '.');
        if escape {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    if out.len() > MAX_STEM {
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        });
        let mut cut = MAX_STEM - 18;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(&format!("%~{hash:016x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_escape_and_stay_distinct() {
        assert_eq!(safe_file_stem("logits"), "logits");
        assert_eq!(safe_file_stem("present.0.key"), "present.0.key");
        assert_eq!(safe_file_stem("../etc/passwd"), "%2E.%2Fetc%2Fpasswd");
        assert_eq!(safe_file_stem("/layer.0/Add_output_0"), "%2Flayer.0%2FAdd_output_0");
        assert_eq!(safe_file_stem(".."), "%2E.");
        assert_eq!(safe_file_stem("."), "%2E");
        assert_eq!(safe_file_stem(".hidden"), "%2Ehidden");
        assert_eq!(safe_file_stem(""), "%");
        assert_eq!(safe_file_stem("100%"), "100%25");
        assert_eq!(safe_file_stem("a\0b\nc"), "a%00b%0Ac");
        assert_eq!(safe_file_stem("логиты x"), "логиты x");
        assert_ne!(safe_file_stem("a/b"), safe_file_stem("a%2Fb"));
        assert_ne!(safe_file_stem("%2E."), safe_file_stem(".."));
        let long = "x".repeat(300);
        let stem = safe_file_stem(&long);
        assert!(stem.len() <= MAX_STEM, "{stem}");
        assert_ne!(stem, safe_file_stem(&format!("{long}y")));
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
