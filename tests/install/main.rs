//! Installing the provider as a user does (a release from scripts/release_dist.py, through a
//! filesystem or network mirror), and the registry docs checked against the served schema.

#[path = "../common/mod.rs"]
mod common;
#[path = "../sim_support/mod.rs"]
mod sim_support;

mod support;

mod docs_match_schema;
mod install_from_mirror;
mod simulator_release;
mod workflows;
