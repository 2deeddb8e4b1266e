//! Acceptance tests of the `provider "genesys"` block with the real Terraform CLI: each
//! missing or contradictory setting gives one clear diagnostic naming the attribute, and
//! environment variables with the official provider's names are honoured; plain http to
//! another machine is refused before any connection is made.

use crate::common::{for_each_terraform, hcl, required_providers, TerraformBin, WorkDir};
use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant};

/// A working directory with one script and `settings` (name, value) as the provider block's
/// string attributes.
fn dir_with_provider(tf: &TerraformBin, settings: &[(&str, &str)]) -> WorkDir {
    let wd = WorkDir::new(tf);
    wd.write_file("script.json", r#"{"pages":[{"id":"p1","name":"Start"}]}"#);
    let provider = settings
        .iter()
        .fold(hcl::provider("genesys"), |block, (key, value)| {
            block.str(key, value)
        });
    let s = hcl::resource("genesys_script_template", "s")
        .str("name", "S")
        .expr("content", hcl::file("script.json"));
    wd.write_main_tf(&format!(
        "{}\n{provider}\n{s}",
        required_providers("genesys")
    ));
    wd
}

/// A closed local port: nothing is ever reached, so these tests need no simulator.
const NOWHERE: &str = "http://127.0.0.1:9";

#[test]
fn missing_credentials_name_the_attribute_and_the_fix() {
    for_each_terraform(|tf| {
        let wd = dir_with_provider(tf, &[("api_url", NOWHERE)]);
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr.contains("Missing Genesys Cloud credentials"),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("GENESYSCLOUD_OAUTHCLIENT_ID"),
            "{}",
            out.stderr
        );

        let wd = dir_with_provider(tf, &[("api_url", NOWHERE), ("oauthclient_id", "x")]);
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("Missing OAuth client secret"),
            "{}",
            out.stderr
        );
    });
}

#[test]
fn contradictory_settings_are_refused() {
    for_each_terraform(|tf| {
        let wd = dir_with_provider(
            tf,
            &[
                ("api_url", NOWHERE),
                ("aws_region", "eu-west-1"),
                ("access_token", "t"),
            ],
        );
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("Conflicting endpoints"),
            "{}",
            out.stderr
        );

        let wd = dir_with_provider(tf, &[("aws_region", "mars-1"), ("access_token", "t")]);
        let out = wd.run(&["validate"]);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(
            out.stderr.contains("Unknown Genesys Cloud region") && out.stderr.contains("mars-1"),
            "{}",
            out.stderr
        );

        let wd = dir_with_provider(tf, &[("api_url", "not a url"), ("access_token", "t")]);
        let out = wd.run(&["validate"]);
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains("Invalid api_url"), "{}", out.stderr);
    });
}

#[test]
fn environment_variables_configure_the_provider() {
    for_each_terraform(|tf| {
        let mut wd = dir_with_provider(tf, &[]);
        wd.set_env("GENESYSCLOUD_API_URL", NOWHERE);
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_ID", "env-id");
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "env-secret-value");
        // Planning a create needs no API call, so a fully configured provider plans fine.
        let out = wd.run(&["plan"]);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("1 to add"), "{}", out.stdout);
        assert!(
            !out.stdout.contains("env-secret-value") && !out.stderr.contains("env-secret-value")
        );
    });
}

/// A listener on this machine's own non-loopback address (found with a UDP `connect`, which
/// sends nothing), so a test can see whether anything tried to reach it. None when the machine
/// has no such address.
fn non_loopback_listener() -> Option<TcpListener> {
    let probe = UdpSocket::bind("0.0.0.0:0").ok()?;
    probe.connect("203.0.113.1:9").ok()?;
    let ip = probe.local_addr().ok()?.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        return None;
    }
    let listener = TcpListener::bind((ip, 0)).ok()?;
    listener.set_nonblocking(true).ok()?;
    Some(listener)
}

fn assert_refused_for_plain_http(out: &crate::common::TfOutput, took: Duration, from_env: bool) {
    assert_eq!(out.code, 1, "{out:?}");
    let err = &out.stderr;
    assert!(err.contains("Invalid api_url"), "{err}");
    assert!(
        err.contains("unencrypted") && err.contains("Use https://"),
        "{err}"
    );
    if from_env {
        assert!(err.contains("GENESYSCLOUD_API_URL"), "{err}");
    } else {
        // Terraform shows the attribute the diagnostic is on.
        assert!(err.contains("api_url = \"http://"), "{err}");
    }
    assert!(!err.contains("plain-secret-value") && !out.stdout.contains("plain-secret-value"));
    // Refused by validation, not by a connection timing out (that takes 10 s per attempt).
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn plain_http_to_another_machine_is_refused_before_any_connection() {
    let listener = non_loopback_listener();
    let url = match &listener {
        Some(l) => format!("http://{}", l.local_addr().expect("addr")),
        None => "http://example.invalid:9".to_string(),
    };
    for_each_terraform(|tf| {
        // In the provider block: an apply would upload at once if the provider were configured.
        let wd = dir_with_provider(
            tf,
            &[
                ("api_url", url.as_str()),
                ("oauthclient_id", "id"),
                ("oauthclient_secret", "plain-secret-value"),
            ],
        );
        let started = Instant::now();
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_refused_for_plain_http(&out, started.elapsed(), false);

        // From GENESYSCLOUD_API_URL: the same rule, at configure time.
        let mut wd = dir_with_provider(tf, &[]);
        wd.set_env("GENESYSCLOUD_API_URL", &url);
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_ID", "id");
        wd.set_env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "plain-secret-value");
        let started = Instant::now();
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_refused_for_plain_http(&out, started.elapsed(), true);
    });
    if let Some(l) = listener {
        match l.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("the provider connected to {url}: {other:?}"),
        }
    }
}
