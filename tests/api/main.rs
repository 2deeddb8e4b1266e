//! The API contract: `tpg::genesys::Client` against mocks and genesys-sim, genesys-sim's own
//! contract and audit endpoints, and the official Genesys Python SDK against genesys-sim.

#[path = "../common/mod.rs"]
mod common;
#[path = "../sim_support/mod.rs"]
mod sim_support;

mod client_support;

mod genesys_client;
mod sdk_contract;
mod shared_host;
mod sim_consumers_audit;
mod sim_contract;
