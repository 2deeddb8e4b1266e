//! The project's own tools under `.tools/`, installed by the scripts that scripts/test.sh runs
//! first: the Python of the SDK virtualenv (scripts/install-sdk.sh), which also carries PyYAML.

use std::path::PathBuf;

/// `.tools/genesys-sdk-<version>/bin/python`, panicking with the fix when it is missing.
pub fn tools_python() -> PathBuf {
    let tools = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools");
    let found = std::fs::read_dir(&tools).ok().and_then(|dir| {
        dir.filter_map(Result::ok)
            .map(|e| e.path().join("bin/python"))
            .find(|p| {
                p.is_file()
                    && p.parent()
                        .and_then(|b| b.parent())
                        .and_then(|d| d.file_name())
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("genesys-sdk-"))
            })
    });
    found.unwrap_or_else(|| {
        panic!(
            "no Python virtualenv under {}: run scripts/install-sdk.sh",
            tools.display()
        )
    })
}
