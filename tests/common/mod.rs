//! Shared harness for whole-program tests that drive a real Terraform CLI against the built
//! provider binary (dev_overrides, no `terraform init`). Generic: knows Terraform, not Genesys.
#![allow(dead_code, unused_imports)]

pub mod in_process;
pub mod terraform;

pub use in_process::InProcessProvider;

pub use terraform::{
    flat, flatten, for_each_terraform, ok, provider_dir, required_providers, terraform_binaries,
    TerraformBin, TfOutput, WorkDir, PROVIDER_SOURCE,
};
