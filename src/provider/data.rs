//! What `Configure` produces and resources share: the Genesys client of this provider
//! configuration (one per org).

use crate::genesys::Client;
use crate::tfplugin5::Diagnostics;
use std::sync::RwLock;

#[derive(Default)]
pub struct ProviderData {
    client: RwLock<Option<Client>>,
}

impl ProviderData {
    pub fn set_client(&self, client: Client) {
        if let Ok(mut slot) = self.client.write() {
            *slot = Some(client);
        }
    }

    /// The configured client, or a diagnostic saying why there is none.
    pub fn client(&self) -> Result<Client, Diagnostics> {
        match self.client.read().ok().and_then(|c| c.clone()) {
            Some(c) => Ok(c),
            None => Err(Diagnostics::from_error(
                "Provider not configured",
                "The genesys provider has no usable configuration: its settings depend on values not known yet, or configuring it failed (see the errors above).",
            )),
        }
    }

    /// The client if configured (for optional work such as plan-time warnings).
    pub fn try_client(&self) -> Option<Client> {
        self.client.read().ok().and_then(|c| c.clone())
    }

    /// Cancels work in flight (Terraform's Stop).
    pub fn cancel(&self) {
        if let Some(c) = self.try_client() {
            c.cancel();
        }
    }
}
