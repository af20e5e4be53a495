//! The secret that signs and verifies tokens: `XIESHANG_JWT_SECRET`, or — for the embedded
//! SQLite default only — a random one kept in a file beside the database
//! (`<sqlite path>.jwt-secret`, mode 0600), created on first use and reused afterwards.

use std::{
    ffi::OsString,
    fmt,
    io::{ErrorKind, Write},
    path::{Path, PathBuf},
    sync::Arc,
};

use crate::config::{AuthConfig, DatabaseConfig, JWT_SECRET_VARIABLE, MIN_SECRET_BYTES};

/// An HMAC key. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<[u8]>);

impl Secret {
    /// A secret of these bytes (callers ensure at least [`MIN_SECRET_BYTES`]).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into().into())
    }

    /// The key bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes>)", self.0.len())
    }
}

/// The signing secret for this instance: the configured one, else (embedded mode only) the
/// secret file beside the SQLite database, created when missing. With `DATABASE_URL` and no
/// `XIESHANG_JWT_SECRET` this is an error naming the variable.
pub fn resolve(auth: &AuthConfig, database: &DatabaseConfig) -> anyhow::Result<Secret> {
    if let Some(secret) = &auth.secret {
        return Ok(secret.clone());
    }
    if !database.is_embedded() {
        anyhow::bail!(
            "{JWT_SECRET_VARIABLE} is not set: with DATABASE_URL the token secret must be \
             configured (at least {MIN_SECRET_BYTES} bytes, e.g. `openssl rand -hex 32`)"
        );
    }
    load_or_create(&secret_path(&database.sqlite_path))
}

/// `<sqlite path>.jwt-secret`.
pub fn secret_path(sqlite_path: &Path) -> PathBuf {
    let mut path = OsString::from(sqlite_path.as_os_str());
    path.push(".jwt-secret");
    PathBuf::from(path)
}

/// Reads the secret file, or creates it with 32 random bytes (hex-encoded, so the file's content
/// also works as a value of `XIESHANG_JWT_SECRET`).
pub fn load_or_create(path: &Path) -> anyhow::Result<Secret> {
    match create(path) {
        Ok(secret) => return Ok(secret),
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
        Err(error) => anyhow::bail!("cannot create the token secret {}: {error}", path.display()),
    }
    let text = std::fs::read_to_string(path).map_err(|error| {
        anyhow::anyhow!("cannot read the token secret {}: {error}", path.display())
    })?;
    let text = text.trim();
    if text.len() < MIN_SECRET_BYTES {
        anyhow::bail!(
            "the token secret {} holds fewer than {MIN_SECRET_BYTES} bytes; delete it to have a \
             new one created",
            path.display()
        );
    }
    Ok(Secret::new(text.as_bytes()))
}

fn create(path: &Path) -> std::io::Result<Secret> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(std::io::Error::other)?;
    let text: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(Secret::new(text.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_path(&dir.path().join("x.db"));
        assert!(path.ends_with("x.db.jwt-secret"));
        let first = load_or_create(&path).unwrap();
        assert_eq!(first.bytes().len(), 64);
        let second = load_or_create(&path).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{first:?}").contains(std::str::from_utf8(first.bytes()).unwrap()));
    }
}
