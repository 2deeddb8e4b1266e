//! Test support for every test that runs genesys-sim: spawns the built binary (killed on drop,
//! restartable on the same address), reads its base-URL line, and offers the public-API calls
//! (tokens, uploads, exports) and the control-API calls (`/_sim/`: scripts, knobs, stats) as
//! async helpers. [`blocking`] wraps them for the synchronous acceptance and fault tests,
//! [`documents`] holds the script documents, [`poll`] the waits on a condition.
#![allow(dead_code)]

pub mod blocking;
pub mod documents;
pub mod poll;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

pub const DEMO_ID: &str = "demo-client";
pub const DEMO_SECRET: &str = "demo-secret";
pub const CORRELATION: &str = "inin-correlation-id";

/// How long genesys-sim may take to print its URL.
const START_LIMIT: Duration = Duration::from_secs(20);

/// A running simulator process; killed when dropped.
pub struct Sim {
    child: Child,
    pub url: String,
    pub http: reqwest::Client,
    /// The flags it was started with (without `--listen`), for [`Sim::restart`].
    args: Vec<String>,
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// Starts genesys-sim on `listen` and reads the URL it prints; `Err` if it exits first (e.g.
/// the address is still taken) or prints nothing in time.
fn spawn_sim(listen: &str, args: &[String]) -> Result<(Child, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
        .args(["--listen", listen])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = tx.send(read);
    });
    let line = match rx.recv_timeout(START_LIMIT) {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => format!("(unreadable: {e})"),
        Err(_) => "(nothing in time)".to_string(),
    };
    let url = line.trim().to_string();
    if !url.starts_with("http://") || url.ends_with(":0") {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("genesys-sim printed {line:?}"));
    }
    Ok((child, url))
}

impl Sim {
    /// Spawns `genesys-sim --listen 127.0.0.1:0 <args>` and waits for its URL line.
    pub async fn start(args: &[&str]) -> Sim {
        Sim::spawn(args.iter().map(|s| s.to_string()).collect())
    }

    /// [`Sim::start`] for callers outside a runtime.
    pub fn spawn(args: Vec<String>) -> Sim {
        let (child, url) = spawn_sim("127.0.0.1:0", &args).expect("start genesys-sim");
        assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
        Sim {
            child,
            url,
            http: http_client(),
            args,
        }
    }

    /// The simulator's process id, for signalling it.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `limit` for the process to exit on its own; its exit status.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let child = &mut self.child;
        poll::eventually_sync(limit, "genesys-sim exits", || {
            child.try_wait().expect("try_wait").is_some()
        });
        self.child.wait().expect("wait")
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
                    self.http = http_client();
                    return;
                }
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("genesys-sim did not restart on {addr}: {last}");
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

    /// Polls the upload status until it is no longer processing (a 404 counts as not known
    /// yet, as under `--upload-status-404-ms`).
    pub async fn wait_upload(&self, token: &str, upload_id: &str) -> Value {
        for _ in 0..400 {
            let path = format!("/api/v2/scripts/uploads/{upload_id}/status");
            let r = self.call(Method::GET, &path, token).await;
            if r.status() == StatusCode::NOT_FOUND {
                tokio::time::sleep(Duration::from_millis(25)).await;
                continue;
            }
            assert_eq!(r.status(), StatusCode::OK, "GET {path}");
            let v: Value = r.json().await.expect("json");
            if v["succeeded"] == true || v["message"] != "processing" {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("upload {upload_id} still processing");
    }

    /// Uploads a new script and returns its id (found through the control API by name).
    pub async fn create(&self, token: &str, org: &str, name: &str, document: &Value) -> String {
        let before: Vec<String> = self
            .scripts(org)
            .await
            .iter()
            .map(|s| s["id"].as_str().unwrap_or_default().to_string())
            .collect();
        let st = self.upload_and_wait(token, name, document, None).await;
        assert_eq!(st["succeeded"], true, "{st}");
        let after = self.scripts(org).await;
        let new: Vec<&Value> = after
            .iter()
            .filter(|s| !before.iter().any(|b| s["id"] == b.as_str()))
            .collect();
        assert_eq!(new.len(), 1);
        new[0]["id"].as_str().expect("id").to_string()
    }

    /// Deletes a script through the public API; asserts a 2xx answer.
    pub async fn delete(&self, token: &str, id: &str) {
        let r = self
            .call(Method::DELETE, &format!("/api/v2/scripts/{id}"), token)
            .await;
        assert!(
            r.status().is_success(),
            "DELETE {id} answered {}",
            r.status()
        );
    }

    // ---- control API (`/_sim/`) ----

    /// GET a control-API path: its JSON answer (asserting 200).
    pub async fn control_get(&self, path: &str) -> Value {
        let r = self.req(Method::GET, path).send().await.expect("send");
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("json")
    }

    /// POST a control-API path with a JSON body: its JSON answer (asserting 2xx).
    pub async fn control_post(&self, path: &str, body: &Value) -> Value {
        let r = self
            .req(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("send");
        assert!(r.status().is_success(), "POST {path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    /// Server-side view of an org's scripts (full state, content included).
    pub async fn scripts(&self, org: &str) -> Vec<Value> {
        match self.control_get(&format!("/_sim/orgs/{org}/scripts")).await {
            Value::Array(a) => a,
            other => panic!("unexpected control answer {other}"),
        }
    }

    /// The org's scripts with this exact name (default scripts excluded).
    pub async fn scripts_named(&self, org: &str, name: &str) -> Vec<Value> {
        let mut all = self.scripts(org).await;
        all.retain(|s| s["name"] == name);
        all
    }

    pub async fn stats(&self) -> Value {
        self.control_get("/_sim/stats").await
    }

    /// The counter `key` of the stats (0 when absent).
    pub async fn stat(&self, key: &str) -> u64 {
        self.stats().await[key].as_u64().unwrap_or(0)
    }

    /// `POST /_sim/stats/reset`: zeroes the counters and forgets the rate-limit windows.
    pub async fn reset_stats(&self) {
        let r = self
            .req(Method::POST, "/_sim/stats/reset")
            .send()
            .await
            .expect("send");
        assert!(r.status().is_success(), "{}", r.status());
    }

    /// Changes knobs at runtime (`PUT /_sim/knobs`, a partial update).
    pub async fn set_knobs(&self, patch: Value) {
        let r = self
            .req(Method::PUT, "/_sim/knobs")
            .json(&patch)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::OK, "PUT /_sim/knobs {patch}");
    }

    /// The current knobs (`GET /_sim/knobs`), e.g. to restore them later with `set_knobs`.
    pub async fn knobs(&self) -> Value {
        self.control_get("/_sim/knobs").await
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.kill();
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
