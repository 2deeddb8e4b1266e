//! Fault matrix (docs/fault-matrix.md), bad input on every Terraform: bad documents, wrong HCL
//! types, bad provider settings and credentials, a server answering HTML or truncated JSON, huge
//! content. Each gets a clear diagnostic, exit code 1, no crash and no secret in any output.

use crate::common::{for_each_terraform, hcl, required_providers, TerraformBin, TfOutput, WorkDir};
use crate::sim_support::blocking::{BlockingSim, ACME};
use crate::sim_support::documents::script_doc;
use crate::support::*;
use std::time::Duration;

const WRONG_SECRET: &str = "wrong-s3cret-do-not-print";

/// Runs `args` with TF_LOG=trace into a log file; checks exit code 1, `needles` in stderr, no
/// crash, and that neither the org's secret nor [`WRONG_SECRET`] appears anywhere.
fn expect_clear_failure(wd: &mut WorkDir, args: &[&str], needles: &[&str]) -> TfOutput {
    let log = wd.path().join("tf-trace.log");
    let _ = std::fs::remove_file(&log);
    wd.set_env("TF_LOG", "trace");
    wd.set_env("TF_LOG_PATH", &log.display().to_string());
    let out = wd.run(args);
    assert_eq!(out.code, 1, "expected exit code 1\n{out}");
    assert_no_crash(&out);
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "expected {needle:?} in stderr\n{out}"
        );
    }
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!log_text.is_empty(), "TF_LOG_PATH was not written");
    assert_secrets_absent(&[&out.stdout, &out.stderr, &log_text]);
    for bad in ["panicked", "Plugin did not respond"] {
        assert!(!log_text.contains(bad), "{bad:?} in the trace log");
    }
    out
}

fn assert_secrets_absent(texts: &[&str]) {
    for text in texts {
        for secret in [ACME.2, WRONG_SECRET] {
            assert!(!text.contains(secret), "secret {secret:?} printed");
        }
    }
}

fn bad_content(wd: &mut WorkDir, content: &str, needles: &[&str]) {
    wd.write_file("s0.json", content);
    expect_clear_failure(wd, &["plan"], needles);
}

#[test]
fn bad_documents_are_rejected_with_clear_diagnostics() {
    for_each_terraform(bad_documents_are_rejected_with_clear_diagnostics_with);
}

fn bad_documents_are_rejected_with_clear_diagnostics_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    let mut wd = WorkDir::new(tf);
    write_config(&wd, &sim, &texts("ok", 1), "");
    bad_content(
        &mut wd,
        "{\"pages\": [}",
        &["Invalid script content", "line 1"],
    );
    bad_content(&mut wd, "[1, 2, 3]", &["Invalid script content"]);
    bad_content(&mut wd, "{\"name\": \"not a script\"}", &["pages"]);
    bad_content(&mut wd, "\"just a string\"", &["Invalid script content"]);
    bad_content(&mut wd, "", &["Invalid script content"]);
    assert!(sim.scripts("acme").is_empty(), "nothing was written");
}

#[test]
fn wrong_types_in_hcl_are_rejected_by_terraform() {
    for_each_terraform(wrong_types_in_hcl_are_rejected_by_terraform_with);
}

fn wrong_types_in_hcl_are_rejected_by_terraform_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    let mut wd = WorkDir::new(tf);
    let provider = sim.provider_block(None, ACME, "");
    let header = required_providers("genesys");
    let s0 = || hcl::resource("genesys_script_template", "s0");
    let cases = [
        (
            s0().expr("name", r#"["a", "b"]"#).str("content", "{}"),
            "Incorrect attribute value type",
        ),
        (
            s0().str("name", "x")
                .str("content", "{}")
                .str("substitutions", "not a map"),
            "Incorrect attribute value type",
        ),
        (s0().str("name", "x"), "Missing required argument"),
    ];
    for (resource, needle) in cases {
        wd.write_main_tf(&format!("{header}{provider}{resource}"));
        expect_clear_failure(&mut wd, &["plan"], &[needle]);
    }
    let bad_provider = hcl::provider("genesys")
        .str("api_url", &sim.url)
        .str("oauthclient_id", "acme-client")
        .str("oauthclient_secret", ACME.2)
        .str("request_timeout_seconds", "soon");
    let resource = s0().str("name", "x").str("content", "{}");
    wd.write_main_tf(&format!("{header}{bad_provider}{resource}"));
    expect_clear_failure(&mut wd, &["plan"], &["request_timeout_seconds"]);
}

/// A configuration with one script and the provider block `provider`.
fn with_provider(wd: &WorkDir, provider: hcl::Block) {
    wd.write_file("s0.json", &script_doc("x"));
    let s0 = hcl::resource("genesys_script_template", "s0")
        .str("name", name_of(0))
        .expr("content", hcl::file("s0.json"));
    wd.write_main_tf(&format!("{}{provider}{s0}", required_providers("genesys"),));
}

#[test]
fn bad_provider_settings_and_credentials_are_named() {
    for_each_terraform(bad_provider_settings_and_credentials_are_named_with);
}

fn bad_provider_settings_and_credentials_are_named_with(tf: &TerraformBin) {
    let sim = BlockingSim::start(&[]);
    let mut wd = WorkDir::new(tf);
    for key in [
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_ACCESS_TOKEN",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_API_URL",
    ] {
        assert!(
            std::env::var(key).is_err(),
            "{key} is set in the test environment"
        );
    }
    with_provider(
        &wd,
        hcl::provider("genesys")
            .str("aws_region", "mars-north-1")
            .str("oauthclient_id", "acme-client")
            .str("oauthclient_secret", ACME.2),
    );
    expect_clear_failure(&mut wd, &["plan"], &["aws_region", "mars-north-1"]);

    with_provider(&wd, hcl::provider("genesys").str("api_url", &sim.url));
    expect_clear_failure(&mut wd, &["apply", "-auto-approve"], &["oauthclient_id"]);

    with_provider(
        &wd,
        hcl::provider("genesys")
            .str("api_url", &sim.url)
            .str("oauthclient_id", "acme-client")
            .str("oauthclient_secret", WRONG_SECRET)
            .expr("max_retries", "1"),
    );
    let out = expect_clear_failure(&mut wd, &["apply", "-auto-approve"], &["401"]);
    eprintln!("wrong secret:\n{}", out.stderr);
    // Status, OAuth error code and the login's correlation id, whatever Terraform's wrapping.
    assert_final_failure(
        &out,
        &[
            "refused the credentials",
            "authentication failed with HTTP 401: invalid_client",
        ],
        1,
    );
    assert!(sim.scripts("acme").is_empty(), "nothing was written");
}

fn http_reply(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A tiny HTTP server answering `status`, `content_type` and `body` to every request; with
/// `login_ok`, `POST /oauth/token` gets a valid token instead (so the api calls are reached).
fn garbage_server(status: &str, content_type: &str, body: &str, login_ok: bool) -> String {
    let reply = http_reply(status, content_type, body);
    let token = http_reply(
        "200 OK",
        "application/json",
        "{\"access_token\":\"t\",\"token_type\":\"bearer\",\"expires_in\":86400}",
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (reply, token) = (reply.clone(), token.clone());
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let mut buf = [0u8; 65536];
                // Read the request head (and whatever body arrives quickly), then answer.
                let n = stream.read(&mut buf).unwrap_or(0);
                let login = buf[..n].starts_with(b"POST /oauth/token");
                let answer = if login && login_ok { &token } else { &reply };
                let _ = stream.write_all(answer.as_bytes());
                let _ = stream.flush();
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_server_answering_html_or_truncated_json_gives_a_clear_diagnostic() {
    for_each_terraform(a_server_answering_html_or_truncated_json_gives_a_clear_diagnostic_with);
}

fn a_server_answering_html_or_truncated_json_gives_a_clear_diagnostic_with(tf: &TerraformBin) {
    let html = garbage_server(
        "200 OK",
        "text/html",
        "<html><body><h1>Gateway says hi</h1></body></html>",
        false,
    );
    let truncated = garbage_server(
        "200 OK",
        "application/json",
        "{\"access_token\": \"abc\", \"expires_in\": 86",
        false,
    );
    let error_html = garbage_server("502 Bad Gateway", "text/html", "<html>502</html>", false);
    let api_html = garbage_server("200 OK", "text/html", "<html>sign in</html>", true);
    let api_truncated = garbage_server(
        "200 OK",
        "application/json",
        "{\"entities\": [{\"id\"",
        true,
    );
    let mut wd = WorkDir::new(tf);
    for (url, call) in [
        (html, "/oauth/token"),
        (truncated, "/oauth/token"),
        (error_html, "/oauth/token"),
        (api_html, "/api/v2/scripts"),
        (api_truncated, "/api/v2/scripts"),
    ] {
        with_provider(
            &wd,
            hcl::provider("genesys")
                .str("api_url", &url)
                .str("oauthclient_id", "acme-client")
                .str("oauthclient_secret", ACME.2)
                .expr("max_retries", "1"),
        );
        let out = expect_clear_failure(&mut wd, &["apply", "-auto-approve"], &["Error"]);
        eprintln!("garbage at {call}:\n{}", out.stderr);
        assert!(
            out.stderr.contains(call),
            "the diagnostic must say which call failed ({call})\n{out}"
        );
    }
}

#[test]
fn huge_content_is_handled_without_crash() {
    for_each_terraform(|tf| {
        let sim = BlockingSim::start(&[]);
        let wd = WorkDir::new(tf);
        let big = "x".repeat(5 * 1024 * 1024);
        let t = vec![big.clone()];
        write_config(&wd, &sim, &t, "");
        let out = wd.run(&["apply", "-auto-approve"]);
        assert_no_crash(&out);
        if out.code == 0 {
            assert_server_holds(&sim, &t);
            assert_empty_plans(&wd);
        } else {
            assert_eq!(out.code, 1, "{out}");
            assert!(
                sim.scripts("acme").is_empty(),
                "a failed huge apply wrote nothing"
            );
        }
        eprintln!("5 MB content: apply exit {}", out.code);
    });
}
