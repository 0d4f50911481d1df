//! SQLite serves one Scalelite instance: `serve` holds an exclusive lock on `<database>.lock` while it runs,
//! and a second `serve` on the same file stops with a clear message. (The CLI may still change servers and
//! tenants meanwhile: the running instance picks the changes up.)

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The held lock; released when dropped or when the process ends, however it ends.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

/// The lock file of an SQLite database.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock, or says why not.
pub fn lock(database: &Path) -> Result<InstanceLock, String> {
    let path = lock_path(database);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(InstanceLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(format!(
            "another Scalelite instance is serving the SQLite database {} (it holds {}). SQLite serves one \
             instance; for several, use PostgreSQL (DATABASE_URL=postgres://…)",
            database.display(),
            path.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("s.sqlite3");
        let first = lock(&database).unwrap();
        let refused = lock(&database).unwrap_err();
        assert!(refused.contains("another Scalelite instance") && refused.contains("PostgreSQL"), "{refused}");
        drop(first);
        assert!(lock(&database).is_ok());
    }
}
