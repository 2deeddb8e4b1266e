//! The two package hashes Terraform records in `.terraform.lock.hcl`, computed independently
//! of Terraform: `zh:` (SHA-256 of the zip, as SHA256SUMS lists it) and `h1:` (Terraform's
//! "dirhash" of the unpacked files: SHA-256 over the sorted lines `<sha256 hex>  <name>\n`,
//! base64).

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::Path;

/// `zh:<hex sha256 of the file>`.
pub fn zh(zip: &Path) -> String {
    let bytes = std::fs::read(zip).expect("read zip");
    format!("zh:{}", hex::encode(Sha256::digest(&bytes)))
}

/// `h1:` of a package holding the files `(name, content)`.
pub fn h1(files: &[(&str, &[u8])]) -> String {
    let mut files = files.to_vec();
    files.sort_by_key(|(name, _)| *name);
    let summary: String = files
        .iter()
        .map(|(name, content)| format!("{}  {name}\n", hex::encode(Sha256::digest(content))))
        .collect();
    let sum = Sha256::digest(summary.as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(sum)
    )
}
