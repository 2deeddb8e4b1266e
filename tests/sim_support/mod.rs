//! Test support for genesys-sim contract tests: spawns the built `genesys-sim` binary, reads
//! its base-URL line, and offers small HTTP helpers (tokens, uploads, ErrorBody checks).
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const DEMO_ID: &str = "demo-client";
pub const DEMO_SECRET: &str = "demo-secret";
pub const CORRELATION: &str = "inin-correlation-id";

/// A running simulator process; killed when dropped.
pub struct Sim {
    pub child: Child,
    pub url: String,
    pub http: reqwest::Client,
}

/// A small valid script document.
pub fn doc(marker: &str) -> Value {
    json!({
        "startPageId": "page-1",
        "pages": [{"id": "page-1", "name": "Start", "rootContainer": {"type": "verticalStackContainer", "children": [{"text": marker}]}}],
        "features": {},
        "variables": [],
        "customActions": [],
        "dataVersion": 0
    })
}

impl Sim {
    /// Spawns `genesys-sim --listen 127.0.0.1:0 <args>` and waits for its URL line.
    pub async fn start(args: &[&str]) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn genesys-sim");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(20),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("URL line in time")
        .expect("read URL line");
        let url = line.trim().to_string();
        assert!(
            url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
            "{url:?}"
        );
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        Sim { child, url, http }
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{}", self.url, path))
    }

    pub fn api(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.req(method, path).bearer_auth(token)
    }

    /// Sends an API request without a body.
    pub async fn call(&self, method: Method, path: &str, token: &str) -> Response {
        self.api(method, path, token).send().await.expect("send")
    }

    /// Sends an API request with a JSON body.
    pub async fn call_json(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Response {
        self.api(method, path, token)
            .json(body)
            .send()
            .await
            .expect("send")
    }

    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let r = self.call(Method::GET, path, token).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("json")
    }

    /// A client-credentials login with HTTP Basic; the raw answer.
    pub async fn login(&self, id: &str, secret: &str) -> Response {
        self.req(Method::POST, "/oauth/token")
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("send")
    }

    pub async fn token_for(&self, id: &str, secret: &str) -> String {
        let r = self.login(id, secret).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json");
        v["access_token"].as_str().expect("token").to_string()
    }

    pub async fn token(&self) -> String {
        self.token_for(DEMO_ID, DEMO_SECRET).await
    }

    /// Posts an upload; returns the correlation (upload) id.
    pub async fn upload_raw(
        &self,
        token: &str,
        name: &str,
        file: Vec<u8>,
        replace: Option<&str>,
    ) -> String {
        let part = reqwest::multipart::Part::bytes(file)
            .file_name("script.json")
            .mime_str("application/json")
            .expect("mime");
        let mut form = reqwest::multipart::Form::new()
            .part("file", part)
            .text("scriptName", name.to_string());
        if let Some(id) = replace {
            form = form.text("scriptIdToReplace", id.to_string());
        }
        let r = self
            .api(Method::POST, "/uploads/v2/scripter", token)
            .multipart(form)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json");
        let id = v["correlationId"].as_str().expect("correlationId");
        assert!(uuid::Uuid::parse_str(id).is_ok());
        id.to_string()
    }

    /// Uploads `document` (replacing `replace` when given) and waits: the final upload status.
    pub async fn upload_and_wait(
        &self,
        token: &str,
        name: &str,
        document: &Value,
        replace: Option<&str>,
    ) -> Value {
        let file = serde_json::to_vec(document).expect("doc");
        let up = self.upload_raw(token, name, file, replace).await;
        self.wait_upload(token, &up).await
    }

    /// Exports a script (`body` as the export request, none when absent): the download URL.
    pub async fn export_url(&self, token: &str, id: &str, body: Option<&Value>) -> String {
        let mut rb = self.api(Method::POST, &format!("/api/v2/scripts/{id}/export"), token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().await.expect("send");
        assert_eq!(r.status(), StatusCode::OK, "export {id}");
        let v: Value = r.json().await.expect("json");
        v["url"].as_str().expect("url").to_string()
    }

    /// The document behind a download URL (no auth needed).
    pub async fn download(&self, url: &str) -> Value {
        let r = self.http.get(url).send().await.expect("send");
        r.json().await.expect("json")
    }

    /// Exports the current version of a script and downloads it.
    pub async fn export_document(&self, token: &str, id: &str) -> Value {
        let url = self.export_url(token, id, None).await;
        self.download(&url).await
    }

    /// Polls the upload status until it is no longer processing.
    pub async fn wait_upload(&self, token: &str, upload_id: &str) -> Value {
        for _ in 0..200 {
            let v = self
                .get_json(
                    &format!("/api/v2/scripts/uploads/{upload_id}/status"),
                    token,
                )
                .await;
            if v["succeeded"] == true || v["message"] != "processing" {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("upload {upload_id} still processing");
    }

    /// Server-side view of an org's scripts (control API).
    pub async fn sim_scripts(&self, org: &str) -> Vec<Value> {
        let r = self
            .req(Method::GET, &format!("/_sim/orgs/{org}/scripts"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.expect("json")
    }

    /// Uploads a new script and returns its id (found through the control API by name).
    pub async fn create(&self, token: &str, org: &str, name: &str, document: &Value) -> String {
        let before: Vec<String> = self
            .sim_scripts(org)
            .await
            .iter()
            .map(|s| s["id"].as_str().unwrap_or_default().to_string())
            .collect();
        let st = self.upload_and_wait(token, name, document, None).await;
        assert_eq!(st["succeeded"], true, "{st}");
        let after = self.sim_scripts(org).await;
        let new: Vec<&Value> = after
            .iter()
            .filter(|s| !before.iter().any(|b| s["id"] == b.as_str()))
            .collect();
        assert_eq!(new.len(), 1);
        new[0]["id"].as_str().expect("id").to_string()
    }

    pub async fn stats(&self) -> Value {
        self.req(Method::GET, "/_sim/stats")
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    pub async fn reset_stats(&self) {
        let r = self
            .req(Method::POST, "/_sim/stats/reset")
            .send()
            .await
            .expect("send");
        assert!(r.status().is_success(), "{}", r.status());
    }

    pub async fn knobs(&self, patch: Value) {
        let r = self
            .req(Method::PUT, "/_sim/knobs")
            .json(&patch)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK);
    }
}

/// Asserts a Genesys ErrorBody with `status` and `code`; `contextId` equals the header.
pub async fn assert_error(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status");
    let cid = resp
        .headers()
        .get(CORRELATION)
        .expect("correlation header")
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(uuid::Uuid::parse_str(&cid).is_ok());
    let v: Value = resp.json().await.expect("json error body");
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["status"], status, "{v}");
    assert_eq!(v["contextId"], cid.as_str(), "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert_eq!(v["details"], json!([]));
    assert_eq!(v["errors"], json!([]));
    if status != 429 && v.get("messageWithParams").is_none() {
        assert_eq!(v["messageParams"], json!({}));
    }
    v
}
