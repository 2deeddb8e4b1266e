//! Support for the install tests (tests/install_from_mirror.rs): release files written by
//! scripts/release.sh ([`release`]), the Terraform hashes of a package ([`hashes`]), provider
//! mirrors on disk and over HTTPS ([`mirror`]).
#![allow(dead_code)]

pub mod hashes;
pub mod mirror;
pub mod release;
