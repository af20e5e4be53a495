//! The embedded SQLite database serves one process: the dispatcher's target leases and the
//! in-process event signal assume it. A second `xieshang serve` on the same file is refused
//! up front with a clear message instead of racing the first one.

use std::{fs::File, path::Path};

/// An exclusive lock on the database file, held for as long as this value lives.
#[derive(Debug)]
pub struct ProcessLock {
    _file: File,
}

/// Takes the lock on `path` (the SQLite file, which must exist), or explains who holds it.
pub fn lock_sqlite_file(path: &Path) -> anyhow::Result<ProcessLock> {
    let file = File::open(path)
        .map_err(|error| anyhow::anyhow!("cannot open {} to lock it: {error}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(ProcessLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(anyhow::anyhow!(
            "another xieshang process is already serving {}: the embedded SQLite database \
             serves one process; stop it, or run several replicas on PostgreSQL (DATABASE_URL)",
            path.display()
        )),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(anyhow::anyhow!("cannot lock {}: {error}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_file_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        std::fs::write(&path, b"").unwrap();
        let first = lock_sqlite_file(&path).unwrap();
        let second = lock_sqlite_file(&path).unwrap_err().to_string();
        assert!(second.contains("another xieshang process"), "{second}");
        drop(first);
        assert!(lock_sqlite_file(&path).is_ok());
    }
}
