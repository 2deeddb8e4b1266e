//! The fault matrix (docs/fault-matrix.md): the real Terraform CLI and the built provider
//! against genesys-sim while things go wrong, one module per section of the matrix.

#[path = "../common/mod.rs"]
mod common;
#[path = "../sim_support/mod.rs"]
mod sim_support;

mod support;

mod bad_input;
mod final_failures;
mod first_deploys;
mod interruptions;
mod kills;
mod races;
mod transient;
