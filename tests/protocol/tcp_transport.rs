//! The TCP transport with the real Terraform CLI: with `TF_PROVIDER_GENESYS_TCP=1` the provider
//! serves on 127.0.0.1 (as it always does on Windows), Terraform's go-plugin client connects
//! through AutoMTLS, and a whole apply / plan / destroy works.

use crate::common::{for_each_terraform, hcl, required_providers, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::script_doc;

#[test]
fn full_apply_through_tcp_with_automtls() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let mut wd = WorkDir::new(tf);
        wd.set_env("TF_PROVIDER_GENESYS_TCP", "1");
        let log = wd.path().join("trace.log");
        wd.set_env("TF_LOG", "trace");
        wd.set_env("TF_LOG_PATH", log.to_str().expect("utf-8 path"));
        wd.write_file("script.json", &script_doc("over tcp"));
        let s = hcl::resource("genesys_script_template", "s")
            .str("name", "Over TCP")
            .expr("content", hcl::file("script.json"));
        wd.write_main_tf(&format!(
            "{}\n{}\n{s}",
            required_providers("genesys"),
            sim.provider_block(None, ACME, "")
        ));
        crate::common::apply(&wd);
        assert_eq!(sim.scripts_named("acme", "Over TCP").len(), 1);
        let plan = wd.plan_detailed_exitcode();
        assert_eq!(plan.code, 0, "{plan}");
        wd.run(&["destroy", "-auto-approve"]).assert_success();
        assert!(sim.scripts_named("acme", "Over TCP").is_empty());

        // Every provider process Terraform started served TCP with TLS: the provider's own
        // "ready" line (relayed into Terraform's log) names network, address and TLS.
        let trace = std::fs::read_to_string(&log).expect("trace log");
        let ready: Vec<&str> = trace
            .lines()
            .filter(|l| l.contains("plugin server ready"))
            .collect();
        assert!(ready.len() >= 2, "provider started by Terraform: {ready:?}");
        for line in &ready {
            assert!(
                line.contains("network=tcp") && line.contains("tls=true"),
                "{line}"
            );
            let port: u16 = line
                .split("address=127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("no loopback address in {line}"));
            // Terraform's go-plugin client sets PLUGIN_MIN_PORT=10000, PLUGIN_MAX_PORT=25000.
            assert!((10000..=25000).contains(&port), "{line}");
        }
    });
}
