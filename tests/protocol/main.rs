//! The plugin protocol: go-plugin's handshake and mTLS, protocol 5 as Terraform speaks it
//! (through the in-process probe provider), and the TCP transport with a real Terraform.

#[path = "../common/mod.rs"]
mod common;
#[path = "../sim_support/mod.rs"]
mod sim_support;

mod plugin_handshake;
mod tcp_transport;
mod terraform_protocol;
