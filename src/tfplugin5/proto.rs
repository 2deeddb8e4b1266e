//! Generated protobuf types and tonic servers: `tfplugin5` (Terraform's provider protocol 5.4)
//! and go-plugin's `plugin` package (controller and stdio side services).

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
