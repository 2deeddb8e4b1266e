//! Acceptance tests: the real Terraform CLI (1.0.3 and any other on PATH) drives the built
//! provider against genesys-sim, one module per user story area. One test binary, so the
//! library is linked once for all of them.

#[path = "../common/mod.rs"]
mod common;
#[path = "../sim_support/mod.rs"]
mod sim_support;

mod downstream;
mod fleet;
mod interface;
mod listing;
mod moved;
mod promotion;
mod provider_config;
mod published_lag;
mod real_scripts;
mod script_template;
mod secrets_and_examples;
mod server_forms;
mod substitutions;
mod terraform_test;
mod variants;
