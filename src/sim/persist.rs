//! The state file: loaded at start when present, rewritten atomically (temp file in the same
//! directory, fsync, rename) after every mutation. Snapshots carry a sequence number so an
//! older snapshot never overwrites a newer one.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::store::Store;
use super::SimError;

/// A serialized store and its sequence number.
pub struct Snapshot {
    seq: u64,
    bytes: Vec<u8>,
}

/// Writes and reads the state file.
pub struct Persister {
    path: PathBuf,
    next_seq: AtomicU64,
    written: tokio::sync::Mutex<u64>,
}

impl Persister {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            next_seq: AtomicU64::new(1),
            written: tokio::sync::Mutex::new(0),
        }
    }

    /// Reads the state file; `Ok(None)` when it does not exist.
    pub fn load(&self) -> Result<Option<Store>, SimError> {
        let err = |reason: String| SimError::StateLoad {
            path: self.path.display().to_string(),
            reason,
        };
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| err(e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(err(e.to_string())),
        }
    }

    /// Serializes `store` (call while holding the store lock, so sequence follows state).
    pub fn snapshot(&self, store: &Store) -> Snapshot {
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let bytes = serde_json::to_vec_pretty(store).unwrap_or_default();
        Snapshot { seq, bytes }
    }

    /// Writes `snap` atomically unless a newer snapshot was already written.
    pub async fn write(&self, snap: Snapshot) -> Result<(), SimError> {
        let mut written = self.written.lock().await;
        if snap.seq <= *written || snap.bytes.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let bytes = snap.bytes;
        let result = tokio::task::spawn_blocking(move || write_atomic(&path, &bytes))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        result.map_err(|source| SimError::StateWrite {
            path: self.path.display().to_string(),
            source,
        })?;
        *written = snap.seq;
        Ok(())
    }
}

/// Temp file in the same directory, fsync, rename over `path`.
fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::config::OrgConfig;

    #[tokio::test]
    async fn round_trip_and_older_snapshot_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let p = Persister::new(dir.path().join("state.json"));
        assert!(p.load().unwrap().is_none());
        let mut store = Store::with_orgs(&[OrgConfig::demo()]);
        let old = p.snapshot(&store);
        store.last_stamp_ms = 42;
        let new = p.snapshot(&store);
        p.write(new).await.unwrap();
        p.write(old).await.unwrap();
        let back = p.load().unwrap().unwrap();
        assert_eq!(back.last_stamp_ms, 42);
        assert!(back.orgs.contains_key("demo"));
    }
}
