//! A private `XDG_RUNTIME_DIR` for the Vulkan loader.
//!
//! Mesa's software Vulkan device (lavapipe) prints `error: XDG_RUNTIME_DIR is invalid or not set
//! in the environment` each time an instance is created when that variable is unset or does not
//! name a directory of the user with mode 0700 (containers, CI, `sudo`, cron). The message is
//! harmless, but a user reads it as a failure. [`ensure_runtime_dir`] points the variable at a
//! private directory before any device is opened; it never redirects or hides any output.

use std::path::{Path, PathBuf};

/// When `XDG_RUNTIME_DIR` is unset or invalid, creates (or reuses) `$TMPDIR/edgecc-runtime-<uid>`
/// with mode 0700, checks it is a real directory owned by the user with that mode, and sets the
/// variable to it for this process and its children. Returns the directory it set, or `None`
/// when the variable was already valid or no such directory could be made (things are then left
/// as they were). Call it before any thread is started and before any device is opened.
pub fn ensure_runtime_dir() -> Option<PathBuf> {
    #[cfg(unix)]
    {
        let uid = current_uid()?;
        if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR") {
            if !d.is_empty() && is_private_dir(Path::new(&d), uid) {
                return None;
            }
        }
        let tmp = std::env::temp_dir();
        // The loader wants an absolute path.
        let tmp = if tmp.is_absolute() {
            tmp
        } else {
            std::env::current_dir().ok()?.join(tmp)
        };
        let dir = tmp.join(format!("edgecc-runtime-{uid}"));
        let mut builder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(_) => return None,
        }
        if !is_private_dir(&dir, uid) {
            return None;
        }
        std::env::set_var("XDG_RUNTIME_DIR", &dir);
        Some(dir)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Whether `dir` is an absolute path of a directory (not a link) owned by `uid` with mode 0700.
#[cfg(unix)]
fn is_private_dir(dir: &Path, uid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    if !dir.is_absolute() {
        return false;
    }
    match std::fs::symlink_metadata(dir) {
        Ok(m) => m.is_dir() && m.uid() == uid && m.mode() & 0o777 == 0o700,
        Err(_) => false,
    }
}

/// The user's id: the owner of `/proc/self`, or of a file this process creates.
#[cfg(unix)]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    if let Ok(m) = std::fs::metadata("/proc/self") {
        return Some(m.uid());
    }
    let probe = std::env::temp_dir().join(format!(".edgecc-uid-{}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .ok()?;
    let uid = file.metadata().ok().map(|m| m.uid());
    drop(file);
    let _ = std::fs::remove_file(&probe);
    uid
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn private_dirs_are_recognized() {
        let uid = current_uid().expect("uid");
        let dir = std::env::temp_dir().join(format!("edgecc-rtdir-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!is_private_dir(&dir, uid), "0755 is not private");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(is_private_dir(&dir, uid));
        assert!(!is_private_dir(&dir, uid.wrapping_add(1)), "another user's");
        assert!(!is_private_dir(&dir.join("missing"), uid));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
