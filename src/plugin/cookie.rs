//! The magic cookie Terraform sets for its providers, and the message for people who run the
//! binary by hand.

/// Environment variable carrying the cookie (Terraform's `Handshake` in internal/plugin/serve.go).
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value Terraform sends; it never changes.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// True when the process was launched by Terraform (the cookie matches).
pub fn launched_by_terraform(cookie: Option<&str>) -> bool {
    cookie == Some(MAGIC_COOKIE_VALUE)
}

/// What a human sees on stderr when running the binary directly.
pub fn not_a_plugin_message(provider_source: &str) -> String {
    format!(
        "This binary is a plugin: terraform-provider-genesys, the Terraform provider for Genesys Cloud\n\
         script templates. It is not meant to be executed directly; Terraform starts it.\n\n\
         To use it, point Terraform at the directory holding this binary with a CLI configuration file\n\
         (TF_CLI_CONFIG_FILE or ~/.terraformrc):\n\n{}\n\n\
         require it as source = \"{provider_source}\" and run `terraform plan` (no `terraform init`).\n\
         To debug, run it with --debug and export the TF_REATTACH_PROVIDERS value it prints.\n",
        [
            "  provider_installation {".to_string(),
            "    dev_overrides {".to_string(),
            format!("      \"{provider_source}\" = \"/path/to/dir/of/this/binary\""),
            "    }".to_string(),
            "    direct {}".to_string(),
            "  }".to_string(),
        ]
        .join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_cookie_counts() {
        assert!(launched_by_terraform(Some(MAGIC_COOKIE_VALUE)));
        assert!(!launched_by_terraform(None));
        assert!(!launched_by_terraform(Some("")));
        assert!(!launched_by_terraform(Some(&MAGIC_COOKIE_VALUE[1..])));
    }

    #[test]
    fn message_says_what_the_binary_is_and_how_to_use_it() {
        let m = not_a_plugin_message("registry.terraform.io/local/genesys");
        assert!(
            m.contains("plugin")
                && m.contains("dev_overrides")
                && m.contains("registry.terraform.io/local/genesys")
        );
    }
}
