//! Shared helpers for the simulator contract tests: spawn the built `genesys-sim` binary, read
//! its URL line, and drive it over HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

/// A running simulator process, killed on drop.
pub struct Sim {
    pub url: String,
    pub http: Client,
    child: Child,
}

impl Sim {
    /// Starts `genesys-sim --listen 127.0.0.1:0 ARGS...`.
    pub fn start(args: &[&str]) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_genesys-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn genesys-sim");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("url line");
        let url = line.trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "url line: {line:?}");
        Sim {
            url,
            http: Client::new(),
            child,
        }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// Token for a client; panics unless 200.
    pub async fn token_for(&self, id: &str, secret: &str) -> String {
        let r = self
            .http
            .post(self.at("/oauth/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    pub async fn token(&self) -> String {
        self.token_for("demo-client", "demo-secret").await
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.http
            .get(self.at(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, token: &str, path: &str, body: Value) -> Response {
        self.http
            .post(self.at(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Uploads `doc` as `name`; returns the correlation (upload) id.
    pub async fn upload_raw(
        &self,
        token: &str,
        file: Vec<u8>,
        name: &str,
        replace: Option<&str>,
    ) -> String {
        let mut form = Form::new()
            .part("file", Part::bytes(file).file_name("script.json"))
            .text("scriptName", name.to_string());
        if let Some(id) = replace {
            form = form.text("scriptIdToReplace", id.to_string());
        }
        let r = self
            .http
            .post(self.at("/uploads/v2/scripter"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["correlationId"].as_str().unwrap().to_string()
    }

    /// Upload status body.
    pub async fn status(&self, token: &str, upload_id: &str) -> Value {
        let r = self
            .get(
                token,
                &format!("/api/v2/scripts/uploads/{upload_id}/status"),
            )
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Uploads a document and waits for success; returns the script id (found through the
    /// control API as the most recently modified script with that name).
    pub async fn create(&self, token: &str, name: &str) -> String {
        self.upload_and_wait(token, doc(name), name, None).await
    }

    pub async fn upload_and_wait(
        &self,
        token: &str,
        d: Value,
        name: &str,
        replace: Option<&str>,
    ) -> String {
        let up = self
            .upload_raw(token, serde_json::to_vec(&d).unwrap(), name, replace)
            .await;
        for _ in 0..200 {
            let s = self.status(token, &up).await;
            if s["succeeded"] == true {
                break;
            }
            assert_eq!(s["message"], "processing", "{s}");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if let Some(id) = replace {
            return id.to_string();
        }
        let all = self.control_scripts("demo").await;
        all.as_array()
            .unwrap()
            .iter()
            .filter(|s| s["name"] == name)
            .max_by_key(|s| s["modifiedDate"].as_str().unwrap().to_string())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn control_scripts(&self, org: &str) -> Value {
        let r = self
            .http
            .get(self.at(&format!("/_sim/orgs/{org}/scripts")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn knobs(&self, patch: Value) {
        let r = self
            .http
            .put(self.at("/_sim/knobs"))
            .json(&patch)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    /// Stops the process (for restart tests).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal script document.
pub fn doc(name: &str) -> Value {
    json!({
        "name": name,
        "startPageId": "p1",
        "pages": [{"id": "p1", "name": "Start", "rootContainer": {"type": "verticalStackContainer"}}],
        "variables": [],
        "customActions": [],
        "features": {},
        "dataVersion": 0
    })
}

/// Asserts a Genesys ErrorBody with `status` and `code`, whose contextId is the correlation header.
pub async fn assert_error(r: Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status(), StatusCode::from_u16(status).unwrap());
    let cid = r
        .headers()
        .get("ININ-Correlation-Id")
        .expect("correlation header")
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["contextId"], cid.as_str());
    assert!(body["message"].is_string());
    assert_eq!(body["details"], json!([]));
    assert_eq!(body["errors"], json!([]));
    body
}
