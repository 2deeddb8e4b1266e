//! Test support for acceptance tests of the Genesys resources: starts genesys-sim (the built
//! binary), talks to its control API to check server state, and acts as "someone else" editing
//! scripts through the public API (plain HTTP here, never the provider's client).
#![allow(dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running genesys-sim; killed on drop.
pub struct Sim {
    child: Child,
    pub url: String,
    /// The flags it was started with (without `--listen`), for [`Sim::restart`].
    args: Vec<String>,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

/// The org credentials the tests use: (org, client_id, client_secret).
pub const ACME: (&str, &str, &str) = ("acme", "acme-client", "acme-secret");
pub const GLOBEX: (&str, &str, &str) = ("globex", "globex-client", "globex-secret");

impl Sim {
    /// Starts genesys-sim with the two test orgs and extra flags (knobs).
    pub fn start(extra: &[&str]) -> Sim {
        let mut args: Vec<String> = Vec::new();
        for (org, id, secret) in [ACME, GLOBEX] {
            args.push("--org".into());
            args.push(format!("{org}:{id}:{secret}"));
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let (child, url) = spawn_sim("127.0.0.1:0", &args).expect("start genesys-sim");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Sim {
            child,
            url,
            args,
            rt,
            http: reqwest::Client::new(),
        }
    }

    /// Kills the simulator process (as a crash would: no graceful shutdown).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the simulator (if running) and starts it again on the same address with the same
    /// flags, so a `--state-file` is reloaded and clients keep their URL.
    pub fn restart(&mut self) {
        self.kill();
        let addr = self.url.trim_start_matches("http://").to_string();
        let mut last = String::new();
        for _ in 0..50 {
            match spawn_sim(&addr, &self.args) {
                Ok((child, url)) => {
                    assert_eq!(url, self.url, "restarted on another address");
                    self.child = child;
                    // Pooled connections died with the old process.
                    self.http = reqwest::Client::new();
                    return;
                }
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("genesys-sim did not restart on {addr}: {last}");
    }

    /// `POST /_sim/stats/reset`: zeroes the counters and forgets the rate-limit windows.
    pub fn reset_stats(&self) {
        let url = format!("{}/_sim/stats/reset", self.url);
        let status = self
            .rt
            .block_on(async { self.http.post(&url).send().await.map(|r| r.status()) })
            .expect("stats reset");
        assert!(
            status.is_success(),
            "POST /_sim/stats/reset answered {status}"
        );
    }

    /// The provider block for an org, against this simulator.
    pub fn provider_block(
        &self,
        alias: Option<&str>,
        org: (&str, &str, &str),
        extra: &str,
    ) -> String {
        let alias = alias
            .map(|a| format!("  alias = \"{a}\"\n"))
            .unwrap_or_default();
        format!(
            "provider \"genesys\" {{\n{alias}  api_url            = \"{}\"\n  oauthclient_id     = \"{}\"\n  oauthclient_secret = \"{}\"\n{extra}}}\n",
            self.url, org.1, org.2
        )
    }

    /// Every script of an org as the control API reports it (full state, content included).
    pub fn scripts(&self, org: &str) -> Vec<Value> {
        let url = format!("{}/_sim/orgs/{org}/scripts", self.url);
        let v: Value = self
            .rt
            .block_on(async { self.http.get(&url).send().await?.json().await })
            .expect("control api");
        match v {
            Value::Array(a) => a,
            Value::Object(ref o) if o.contains_key("scripts") => {
                o["scripts"].as_array().cloned().unwrap_or_default()
            }
            other => panic!("unexpected control answer {other}"),
        }
    }

    /// The org's scripts with this exact name (default scripts excluded).
    pub fn scripts_named(&self, org: &str, name: &str) -> Vec<Value> {
        self.scripts(org)
            .into_iter()
            .filter(|s| s["name"] == name)
            .collect()
    }

    /// Changes knobs at runtime.
    pub fn set_knobs(&self, knobs: Value) {
        let url = format!("{}/_sim/knobs", self.url);
        let status = self
            .rt
            .block_on(async {
                self.http
                    .put(&url)
                    .json(&knobs)
                    .send()
                    .await
                    .map(|r| r.status())
            })
            .expect("knobs");
        assert!(status.is_success(), "PUT /_sim/knobs answered {status}");
    }

    /// The current knobs (`GET /_sim/knobs`), e.g. to restore them later with `set_knobs`.
    pub fn knobs(&self) -> Value {
        let url = format!("{}/_sim/knobs", self.url);
        self.rt
            .block_on(async { self.http.get(&url).send().await?.json().await })
            .expect("knobs")
    }

    pub fn stats(&self) -> Value {
        let url = format!("{}/_sim/stats", self.url);
        self.rt
            .block_on(async { self.http.get(&url).send().await?.json().await })
            .expect("stats")
    }

    fn token(&self, org: (&str, &str, &str)) -> String {
        let url = format!("{}/oauth/token", self.url);
        let v: Value = self
            .rt
            .block_on(async {
                self.http
                    .post(&url)
                    .basic_auth(org.1, Some(org.2))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await?
                    .json()
                    .await
            })
            .expect("token");
        v["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// "Someone else" saves a script through the public upload API (as the Scripter UI does),
    /// replacing `replace` or creating a new one; waits until the upload is processed.
    pub fn upload_as_admin(
        &self,
        org: (&str, &str, &str),
        name: &str,
        document: &str,
        replace: Option<&str>,
    ) {
        let token = self.token(org);
        let base = self.url.clone();
        let doc = document.to_string();
        let name = name.to_string();
        let replace = replace.map(str::to_string);
        self.rt.block_on(async {
            let mut form = reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::text(doc)
                        .file_name("script.json")
                        .mime_str("application/json")
                        .expect("mime"),
                )
                .text("scriptName", name);
            if let Some(id) = replace {
                form = form.text("scriptIdToReplace", id);
            }
            let resp: Value = self
                .http
                .post(format!("{base}/uploads/v2/scripter"))
                .bearer_auth(&token)
                .multipart(form)
                .send()
                .await
                .expect("upload")
                .json()
                .await
                .expect("upload json");
            let upload_id = resp["correlationId"]
                .as_str()
                .expect("correlationId")
                .to_string();
            for _ in 0..200 {
                let status: Value = self
                    .http
                    .get(format!("{base}/api/v2/scripts/uploads/{upload_id}/status"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("status")
                    .json()
                    .await
                    .expect("status json");
                if status["succeeded"] == json!(true) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("upload {upload_id} never succeeded");
        });
    }

    /// "Someone else" deletes a script through the public API.
    pub fn delete_as_admin(&self, org: (&str, &str, &str), id: &str) {
        let token = self.token(org);
        let url = format!("{}/api/v2/scripts/{id}", self.url);
        let status = self
            .rt
            .block_on(async {
                self.http
                    .delete(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map(|r| r.status())
            })
            .expect("delete");
        assert!(status.is_success(), "DELETE answered {status}");
    }
}

/// Starts genesys-sim on `listen` and reads the URL it prints; `Err` if it exits first.
fn spawn_sim(listen: &str, args: &[String]) -> Result<(Child, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .args(["--listen", listen])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("read url: {e}"))?;
    let url = line.trim().to_string();
    if !url.starts_with("http://") {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("genesys-sim printed {line:?}"));
    }
    Ok((child, url))
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The content of a script as the control API reports it, parsed.
pub fn content_of(script: &Value) -> Value {
    for key in ["content", "document"] {
        match &script[key] {
            Value::String(s) => return serde_json::from_str(s).expect("content json"),
            Value::Object(_) => return script[key].clone(),
            _ => {}
        }
    }
    panic!("no content in {script}")
}

/// A small, valid script document with one text on its page.
pub fn script_doc(text: &str) -> String {
    json!({
        "name": "ignored by the server",
        "pages": [{
            "id": "6b0c1a4e-2f7d-4d8e-9a51-0c1d2e3f4a5b",
            "name": "Start",
            "properties": {"onLoadAction": {"actions": []}},
            "rootContainer": {"type": "verticalStackContainer", "properties": {}, "children": [
                {"type": "text", "properties": {"text": text}}
            ]}
        }],
        "features": {"scripter": {"properties": {}}},
        "variables": [],
        "customActions": []
    })
    .to_string()
}

/// The text of the first element of the first page of a document.
pub fn first_text(doc: &Value) -> String {
    doc["pages"][0]["rootContainer"]["children"][0]["properties"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
