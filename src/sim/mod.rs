//! genesys-sim: a local simulator of the Genesys Cloud Scripts API (login, api and apps paths
//! on one address). Implements the API on its own types; imports nothing from `genesys/`.
//! PLACEHOLDER: owned by the simulator worker.
