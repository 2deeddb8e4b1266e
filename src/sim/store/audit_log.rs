//! The audit trail's model: who made a change ([`Actor`]), one [`AuditEntry`], the actions
//! recorded and how many entries an org keeps. Pure data; the audit endpoints live in
//! `api::audit`.

use serde::{Deserialize, Serialize};

use super::random_uuid;

/// Most audit entries kept per org (the oldest are forgotten first).
pub const AUDIT_CAPACITY: usize = 10_000;

/// The actions recorded on scripts.
pub const ACTIONS: [&str; 4] = ["Create", "Update", "Publish", "Delete"];

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// An API call with a client-credentials token: the OAuth client acts as the user.
    Client { client_id: String },
    /// A person in the Genesys UI (`/_sim/orgs/{org}/edits`).
    User { id: String, name: String },
}

impl Actor {
    /// The audit `user` of this actor: its id and display name. An OAuth client is named
    /// `<client id> (OAuth client)`.
    pub fn user(&self) -> (String, String) {
        match self {
            Actor::Client { client_id } => {
                (client_id.clone(), format!("{client_id} (OAuth client)"))
            }
            Actor::User { id, name } => (id.clone(), name.clone()),
        }
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub event_ms: i64,
    /// One of [`ACTIONS`].
    pub action: String,
    pub entity_id: String,
    pub entity_name: String,
    pub actor: Actor,
}

impl AuditEntry {
    pub fn new(
        action: &str,
        entity_id: &str,
        entity_name: &str,
        actor: Actor,
        now_ms: i64,
    ) -> Self {
        Self {
            id: random_uuid(),
            event_ms: now_ms,
            action: action.to_string(),
            entity_id: entity_id.to_string(),
            entity_name: entity_name.to_string(),
            actor,
        }
    }
}
