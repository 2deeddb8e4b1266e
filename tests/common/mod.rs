//! Shared harness for whole-program tests that drive a real Terraform CLI against the built
//! provider binary (dev_overrides, no `terraform init`). Generic: knows Terraform, not Genesys.
//!
//! - `terraform`: finding the Terraform binaries, working directories, running commands;
//! - `checks`: the only `ok` / `apply` / `plan` / `assert_empty_plans` / `state_attr`;
//! - `case`: `Case` / `Step`, scenarios as steps after terraform-plugin-testing;
//! - `hcl`: configurations built as blocks instead of escaped strings;
//! - `in_process`: a provider served from the test process (`TF_REATTACH_PROVIDERS`).
#![allow(dead_code, unused_imports)]

pub mod case;
pub mod checks;
pub mod hcl;
pub mod in_process;
pub mod terraform;
pub mod tools;

pub use case::{Case, Step};
pub use checks::{apply, assert_empty_plans, ok, plan, state_attr};
pub use in_process::InProcessProvider;

pub use terraform::{
    flat, flatten, for_each_terraform, provider_dir, required_providers, terraform_binaries,
    TerraformBin, TfOutput, WorkDir, PROVIDER_SOURCE,
};
