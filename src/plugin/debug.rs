//! Debug (reattach) mode: the `TF_REATTACH_PROVIDERS` value a human exports so Terraform
//! attaches to an already running provider over plaintext gRPC.

use std::path::Path;

/// The JSON value of `TF_REATTACH_PROVIDERS` for one provider on a unix socket.
pub fn reattach_json(provider_source: &str, pid: u32, socket: &Path) -> String {
    let config = serde_json::json!({
        provider_source: {
            "Protocol": "grpc",
            "ProtocolVersion": 5,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "unix", "String": socket.to_string_lossy() }
        }
    });
    config.to_string()
}

/// What debug mode prints for humans (stdout).
pub fn reattach_instructions(provider_source: &str, pid: u32, socket: &Path) -> String {
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\
         \tTF_REATTACH_PROVIDERS='{}'\n\nPress Ctrl-C to stop the provider.\n",
        reattach_json(provider_source, pid, socket)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_json_has_terraforms_keys() {
        let j = reattach_json(
            "registry.terraform.io/local/genesys",
            42,
            Path::new("/tmp/plugin1"),
        );
        let v: serde_json::Value = serde_json::from_str(&j).expect("json");
        let p = &v["registry.terraform.io/local/genesys"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 5);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["Network"], "unix");
        assert_eq!(p["Addr"]["String"], "/tmp/plugin1");
    }
}
