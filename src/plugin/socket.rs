//! The unix socket the server listens on: a fresh name in `PLUGIN_UNIX_SOCKET_DIR` (or the
//! temp dir), removed again when the server ends.

use super::error::PluginError;
use std::path::{Path, PathBuf};
use tokio::net::UnixListener;

/// A bound listener whose socket file is deleted on drop.
pub struct PluginSocket {
    listener: std::sync::Arc<UnixListener>,
    path: PathBuf,
}

impl PluginSocket {
    /// Binds `plugin<random>` in `dir` (like go-plugin's `os.CreateTemp(dir, "plugin")`).
    pub fn bind_in(dir: &Path) -> Result<Self, PluginError> {
        let mut last_err = None;
        for _ in 0..8 {
            let path = dir.join(format!(
                "plugin{:012}",
                rand::random::<u64>() % 1_000_000_000_000
            ));
            match UnixListener::bind(&path) {
                Ok(listener) => {
                    return Ok(PluginSocket {
                        listener: std::sync::Arc::new(listener),
                        path,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last_err = Some(e),
                Err(e) => return Err(PluginError::Socket(e)),
            }
        }
        Err(PluginError::Socket(last_err.unwrap_or_else(|| {
            std::io::Error::other("no free socket name")
        })))
    }

    /// Binds in `PLUGIN_UNIX_SOCKET_DIR` when set, else the temp dir.
    pub fn bind_default() -> Result<Self, PluginError> {
        let dir = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        Self::bind_in(&dir)
    }

    /// The listener, shared with the accept loop.
    pub fn listener_handle(&self) -> std::sync::Arc<UnixListener> {
        self.listener.clone()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PluginSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn socket_file_exists_while_bound_and_is_removed_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = PluginSocket::bind_in(dir.path()).expect("bind");
        let path = s.path().to_path_buf();
        assert!(path.starts_with(dir.path()));
        assert!(path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("plugin")));
        assert!(path.exists());
        drop(s);
        assert!(!path.exists());
    }
}
