//! The Genesys Cloud API client: OAuth client credentials, token cache, pacing per token,
//! retries with jittered backoff and a budget, typed errors, and the Scripts operations
//! (get, export/download, upload-and-wait, find id, publish, delete, list).
//! PLACEHOLDER: owned by the client worker.
