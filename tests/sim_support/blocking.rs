//! genesys-sim for synchronous tests (the acceptance and fault tests drive the Terraform CLI
//! from plain `#[test]`s): the async [`Sim`] helpers run on a runtime of their own, the
//! simulator is started with two test orgs, and "someone else" edits scripts through the
//! public API (plain HTTP here, never the provider's client).

use std::time::Duration;

use serde_json::Value;

use super::poll::eventually_sync;
use super::Sim;
use crate::common::hcl;

/// An org the tests use: (org, client_id, client_secret).
pub type Org = (&'static str, &'static str, &'static str);

pub const ACME: Org = ("acme", "acme-client", "acme-secret");
pub const GLOBEX: Org = ("globex", "globex-client", "globex-secret");

/// A running genesys-sim with the orgs [`ACME`] and [`GLOBEX`]; killed on drop.
pub struct BlockingSim {
    sim: Sim,
    /// The base URL (it stays the same across [`BlockingSim::restart`]).
    pub url: String,
    rt: tokio::runtime::Runtime,
}

impl BlockingSim {
    /// Starts genesys-sim with the two test orgs and extra flags (knobs).
    pub fn start(extra: &[&str]) -> BlockingSim {
        let mut args: Vec<String> = Vec::new();
        for (org, id, secret) in [ACME, GLOBEX] {
            args.push("--org".into());
            args.push(format!("{org}:{id}:{secret}"));
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let sim = Sim::spawn(args);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        BlockingSim {
            url: sim.url.clone(),
            sim,
            rt,
        }
    }

    /// Kills the simulator process (as a crash would: no graceful shutdown).
    pub fn kill(&mut self) {
        self.sim.kill();
    }

    /// See [`Sim::restart`].
    pub fn restart(&mut self) {
        self.sim.restart();
    }

    /// The provider block for an org, against this simulator.
    pub fn provider_block(&self, alias: Option<&str>, org: Org, extra: &str) -> String {
        let mut block = hcl::provider("genesys");
        if let Some(alias) = alias {
            block = block.str("alias", alias);
        }
        block
            .str("api_url", &self.url)
            .str("oauthclient_id", org.1)
            .str("oauthclient_secret", org.2)
            .raw(extra)
            .to_string()
    }

    /// See [`Sim::reset_stats`].
    pub fn reset_stats(&self) {
        self.rt.block_on(self.sim.reset_stats());
    }

    /// Every script of an org as the control API reports it (full state, content included).
    pub fn scripts(&self, org: &str) -> Vec<Value> {
        self.rt.block_on(self.sim.scripts(org))
    }

    /// The org's scripts with this exact name (default scripts excluded).
    pub fn scripts_named(&self, org: &str, name: &str) -> Vec<Value> {
        self.rt.block_on(self.sim.scripts_named(org, name))
    }

    /// The files `org`'s uploads carried, exactly as received, oldest first.
    pub fn uploaded_files(&self, org: &str) -> Vec<String> {
        let path = format!("/_sim/orgs/{org}/uploads");
        let all = self.rt.block_on(self.sim.control_get(&path));
        all.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|j| j["file"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// See [`Sim::set_knobs`].
    pub fn set_knobs(&self, knobs: Value) {
        self.rt.block_on(self.sim.set_knobs(knobs));
    }

    /// See [`Sim::knobs`].
    pub fn knobs(&self) -> Value {
        self.rt.block_on(self.sim.knobs())
    }

    pub fn stats(&self) -> Value {
        self.rt.block_on(self.sim.stats())
    }

    /// The counter `key` of the stats (0 when absent).
    pub fn stat(&self, key: &str) -> u64 {
        self.rt.block_on(self.sim.stat(key))
    }

    /// Waits until the simulator has counted at least `n` requests of `key`.
    pub fn wait_for_stat(&self, key: &str, n: u64, limit: Duration) {
        eventually_sync(limit, &format!("{key} reaches {n}"), || self.stat(key) >= n);
    }

    /// "Someone else" saves a script through the public upload API (as the Scripter UI does),
    /// replacing `replace` or creating a new one; waits until the upload succeeded.
    pub fn upload_as_admin(&self, org: Org, name: &str, document: &str, replace: Option<&str>) {
        self.rt.block_on(async {
            let token = self.sim.token_for(org.1, org.2).await;
            let file = document.as_bytes().to_vec();
            let upload = self.sim.upload_raw(&token, name, file, replace).await;
            let status = self.sim.wait_upload(&token, &upload).await;
            assert_eq!(status["succeeded"], true, "upload {upload}: {status}");
        });
    }

    /// Declares that `consumer` (`{"id", "name", "type", "version"}`, e.g. a flow) uses
    /// script `script_id` (`POST /_sim/orgs/{org}/consumers`).
    pub fn declare_consumer(&self, org: &str, script_id: &str, consumer: Value) {
        let body = serde_json::json!({"script_id": script_id, "consumer": consumer});
        self.rt.block_on(
            self.sim
                .control_post(&format!("/_sim/orgs/{org}/consumers"), &body),
        );
    }

    /// A named user edits a script as the Genesys UI would (`POST /_sim/orgs/{org}/edits`).
    pub fn edit_as(&self, org: &str, script_id: &str, document: &str, user: (&str, &str)) {
        let document: Value = serde_json::from_str(document).expect("document");
        let body = serde_json::json!({"script_id": script_id, "document": document,
                                      "user": {"id": user.0, "name": user.1}});
        self.rt.block_on(
            self.sim
                .control_post(&format!("/_sim/orgs/{org}/edits"), &body),
        );
    }

    /// A user saves `document` over a script in the Scripter UI: [`BlockingSim::edit_as`] with
    /// `ui_save`, so the stored document also gains the properties a UI save adds.
    pub fn ui_save(&self, org: &str, script_id: &str, document: &Value) {
        let body = serde_json::json!({"script_id": script_id, "document": document,
                                      "user": {"id": "ui-user", "name": "UI User"},
                                      "ui_save": true});
        self.rt.block_on(
            self.sim
                .control_post(&format!("/_sim/orgs/{org}/edits"), &body),
        );
    }

    /// The published script as the public API serves it (`None`: 404).
    pub fn published(&self, org: Org, id: &str) -> Option<Value> {
        self.rt.block_on(async {
            let token = self.sim.token_for(org.1, org.2).await;
            let r = self
                .sim
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v2/scripts/published/{id}"),
                    &token,
                )
                .await;
            if r.status() == reqwest::StatusCode::NOT_FOUND {
                return None;
            }
            assert!(
                r.status().is_success(),
                "GET published {id}: {}",
                r.status()
            );
            Some(r.json().await.expect("json"))
        })
    }

    /// "Someone else" saves `n` new scripts named `{prefix} {i}` (one login, every upload sent,
    /// then each waited for): an org that holds many scripts Terraform does not manage.
    pub fn upload_many_as_admin(&self, org: Org, prefix: &str, n: usize, document: &str) {
        self.rt.block_on(async {
            let token = self.sim.token_for(org.1, org.2).await;
            let mut uploads = Vec::with_capacity(n);
            for i in 0..n {
                let file = document.as_bytes().to_vec();
                let name = format!("{prefix} {i}");
                uploads.push(self.sim.upload_raw(&token, &name, file, None).await);
            }
            for upload in uploads {
                let status = self.sim.wait_upload(&token, &upload).await;
                assert_eq!(status["succeeded"], true, "upload {upload}: {status}");
            }
        });
    }

    /// "Someone else" publishes a script through the public API.
    pub fn publish_as_admin(&self, org: Org, id: &str) {
        self.rt.block_on(async {
            let token = self.sim.token_for(org.1, org.2).await;
            let r = self
                .sim
                .call_json(
                    reqwest::Method::POST,
                    "/api/v2/scripts/published?scriptDataVersion=0",
                    &token,
                    &serde_json::json!({ "scriptId": id }),
                )
                .await;
            assert!(r.status().is_success(), "publish {id}: {}", r.status());
        });
    }

    /// "Someone else" deletes a script through the public API.
    pub fn delete_as_admin(&self, org: Org, id: &str) {
        self.rt.block_on(async {
            let token = self.sim.token_for(org.1, org.2).await;
            self.sim.delete(&token, id).await;
        });
    }
}
