//! Debug (reattach) mode: the `TF_REATTACH_PROVIDERS` value a human exports so Terraform
//! attaches to an already running provider over plaintext gRPC.

/// The JSON value of `TF_REATTACH_PROVIDERS` for one provider listening on `network` (`unix`
/// or `tcp`) at `address` (socket path or `127.0.0.1:PORT`).
pub fn reattach_json(provider_source: &str, pid: u32, network: &str, address: &str) -> String {
    let config = serde_json::json!({
        provider_source: {
            "Protocol": "grpc",
            "ProtocolVersion": 5,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": network, "String": address }
        }
    });
    config.to_string()
}

/// What debug mode prints for humans (stdout).
pub fn reattach_instructions(
    provider_source: &str,
    pid: u32,
    network: &str,
    address: &str,
) -> String {
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\
         \tTF_REATTACH_PROVIDERS='{}'\n\nPress Ctrl-C to stop the provider.\n",
        reattach_json(provider_source, pid, network, address)
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
            "unix",
            "/tmp/plugin1",
        );
        let v: serde_json::Value = serde_json::from_str(&j).expect("json");
        let p = &v["registry.terraform.io/local/genesys"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 5);
        assert_eq!(p["Pid"], 42);
        assert_eq!(p["Test"], true);
        assert_eq!(p["Addr"]["Network"], "unix");
        assert_eq!(p["Addr"]["String"], "/tmp/plugin1");
        let tcp = reattach_json("a/b/c", 1, "tcp", "127.0.0.1:10001");
        let v: serde_json::Value = serde_json::from_str(&tcp).expect("json");
        assert_eq!(v["a/b/c"]["Addr"]["Network"], "tcp");
        assert_eq!(v["a/b/c"]["Addr"]["String"], "127.0.0.1:10001");
    }
}
